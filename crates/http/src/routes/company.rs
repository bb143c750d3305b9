//! `GET /api/v1/company`: the caller's company profile, sites and current emissions; `PATCH`:
//! its owner switching the public passport on or off.

use actix_web::{HttpResponse, web};
use carbonpass_domain::model::Tenant;

use crate::dto::Envelope;
use crate::dto::company::{CompanyOut, CompanyPatchIn};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject};
use crate::state::HttpState;

#[utoipa::path(
    get,
    path = "/api/v1/company",
    tag = "Company",
    operation_id = "getCompany",
    summary = "Your company",
    description = "The company the key belongs to: its profile, plan and sites, and the totals of its latest reporting period with confirmed bills (`null` before the first).",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The company.", body = Envelope<CompanyOut>, example = json!({
        "data": {
            "id": "comp_8xK2mNpQ", "name": "Acme Industries Ltd", "sector": "Manufacturing", "city": "Birmingham",
            "employeeCount": 42, "planName": "business",
            "sites": [{ "id": "site_3rZ1", "name": "Birmingham Warehouse", "city": "Birmingham", "employeeCount": 28 }],
            "currentEmissions": { "reportingPeriod": "2025-26", "totalTco2e": 526.5, "scope1": 124.8, "scope2": 312.5, "scope3": 89.2 },
            "passportUrl": "https://carbonpass.co/company/acme-industries", "passportActivated": true
        }
    })))
)]
pub(crate) async fn show(state: web::Data<HttpState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let overview = state.tenants.company_overview(&caller.tenant()).await?;
    let passport_url = state.passport_url(&overview.company.passport.slug);
    Ok(HttpResponse::Ok().json(Envelope::of(CompanyOut::from_overview(&overview, passport_url))))
}

#[utoipa::path(
    patch,
    path = "/api/v1/company",
    tag = "Company",
    operation_id = "updateCompany",
    summary = "Switch the public passport on or off",
    description = "Owners only (403 `forbidden` otherwise). `passportActivated: true` publishes the company's carbon passport at `passportUrl`: its latest complete reporting period's confirmed emissions, its published Carbon Reduction Plan and earlier periods, with no key needed; `false` takes it down (its URL then answers 404, as an unknown one does). Setting the value it already has changes nothing. A test key switches its sandbox's flag, which is never public. Answers the company as `GET /api/v1/company` does, after the change.",
    request_body(content = CompanyPatchIn, example = json!({ "passportActivated": true })),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The company, after the change.", body = Envelope<CompanyOut>))
)]
pub(crate) async fn update(
    state: web::Data<HttpState>,
    caller: Authenticated,
    body: JsonObject<CompanyPatchIn>,
) -> Result<HttpResponse, ApiError> {
    let tenant = caller.tenant();
    let version = state.passports.set_activated(&tenant, body.0.passport_activated).await?;
    // Read at the version the change made, never an older copy.
    let after = Tenant { data_version: version.max(tenant.data_version), ..tenant };
    let overview = state.tenants.company_overview(&after).await?;
    let passport_url = state.passport_url(&overview.company.passport.slug);
    Ok(HttpResponse::Ok().json(Envelope::of(CompanyOut::from_overview(&overview, passport_url))))
}

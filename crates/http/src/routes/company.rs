//! `GET /api/v1/company`: the caller's company profile, sites and current emissions.

use actix_web::{HttpResponse, web};

use crate::dto::Envelope;
use crate::dto::company::CompanyOut;
use crate::error::ApiError;
use crate::extract::Authenticated;
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

//! `/api/v1/crp-inputs` and `/api/v1/crp`: a company's Carbon Reduction Plan inputs, generating,
//! publishing and reading plans, and a plan's PDF.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType, HeaderValue};
use actix_web::{HttpResponse, web};
use carbonpass_domain::DomainError;
use carbonpass_domain::crp::CrpInputs;
use carbonpass_domain::model::PlanId;
use carbonpass_domain::ports::PlanQuery;
use carbonpass_domain::services::plans::GeneratePlan;
use chrono::Utc;

use crate::dto::crp::{CrpInputsIn, CrpInputsOut, CrpOut, GenerateIn, ListQueryIn, ShowQueryIn, year};
use crate::dto::{self, Envelope, Page};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject, QueryParams};
use crate::state::HttpState;

/// Largest CRP inputs document. Every field at its longest is about 137,000 characters; written
/// with every character escaped as JSON allows (`\ud83c\udf0d`, 12 bytes each, as Python's
/// `json.dumps` does by default) that is about 1.65 MB, so 2 MiB always fits.
pub(crate) const CRP_INPUTS_LIMIT: usize = 2 * 1024 * 1024;

fn plan_id(raw: &str) -> Result<PlanId, DomainError> {
    PlanId::parse(raw).ok_or(DomainError::not_found("carbon reduction plan"))
}

#[utoipa::path(
    get,
    path = "/api/v1/crp-inputs",
    tag = "Carbon Reduction Plans",
    operation_id = "getCrpInputs",
    summary = "Your CRP inputs",
    description = "What the company has said for its Carbon Reduction Plans beyond its bills. Before the inputs are ever saved, every field is `null` (or empty) and `updatedAt` is `null`.",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The inputs.", body = Envelope<CrpInputsOut>))
)]
pub(crate) async fn inputs(state: web::Data<HttpState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let stored = state.plans.crp_inputs(&caller.tenant()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(CrpInputsOut::of(stored.as_ref()))))
}

#[utoipa::path(
    put,
    path = "/api/v1/crp-inputs",
    tag = "Carbon Reduction Plans",
    operation_id = "replaceCrpInputs",
    summary = "Replace your CRP inputs",
    description = "Replaces the whole document; a field left out or `null` is not set. Every field is checked (a 400 names the first at fault in `param`, as `projects[2].title`) and nothing is saved unless all pass. Plans already generated keep what they froze.",
    request_body(content = CrpInputsIn, example = json!({
        "organisation": {"registeredAddress": "1 High Street, Leeds LS1 1AA", "companyNumber": "01234567"},
        "baselinePeriod": "2024-25",
        "netZeroYear": 2045,
        "interimTarget": {"year": 2030, "reductionPercent": 42},
        "projects": [{"title": "LED lighting retrofit", "description": "Both warehouses", "status": "completed", "year": 2025, "estimatedSavingTco2e": 12.5}],
        "measures": [{"title": "ISO 14001 certification", "description": "Certified in 2024"}],
        "scope3Statements": [
            {"category": 4, "reason": "Suppliers deliver at their own cost; we buy no transport."},
            {"category": 6, "reason": "No business travel in the period."},
            {"category": 7, "reason": "Commuting is not yet surveyed; a survey is planned for 2027."},
            {"category": 9, "reason": "Customers collect; we buy no downstream transport."}
        ],
        "declaration": {"signatoryName": "Ada Lovelace", "signatoryRole": "Managing Director", "signedOn": "2026-04-01"}
    })),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The inputs as saved.", body = Envelope<CrpInputsOut>))
)]
pub(crate) async fn replace_inputs(
    state: web::Data<HttpState>,
    caller: Authenticated,
    body: JsonObject<CrpInputsIn>,
) -> Result<HttpResponse, ApiError> {
    let inputs = CrpInputs::try_from(body.0)?;
    let stored = state.plans.replace_crp_inputs(&caller.tenant(), inputs, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(CrpInputsOut::of(Some(&stored)))))
}

#[utoipa::path(
    post,
    path = "/api/v1/crp",
    tag = "Carbon Reduction Plans",
    operation_id = "generateCrp",
    summary = "Generate a plan",
    description = "Generates a `draft` Carbon Reduction Plan for the reporting period ending in `fyYear`, from the company's confirmed bills and its CRP inputs, and sends `crp.generated`. The plan freezes every figure and input it uses: later bills or inputs never change it (generate a new plan instead). `sections` says which of the seven it has; `?expand=content` on the plan shows what it lacks.",
    request_body(content = GenerateIn, example = json!({"fyYear": "2026", "targetYear": "2050"})),
    security(("bearerAuth" = [])),
    responses((status = 201, description = "The draft plan.", body = Envelope<CrpOut>,
        headers(("Location" = String, description = "The plan's URL.")),
        links(
            ("getCrp" = (operation_id = "getCrp", parameters(("id" = "$response.body#/data/id")))),
            ("publishCrp" = (operation_id = "publishCrp", parameters(("id" = "$response.body#/data/id")))),
            ("getCrpPdf" = (operation_id = "getCrpPdf", parameters(("id" = "$response.body#/data/id"))))
        )))
)]
pub(crate) async fn generate(
    state: web::Data<HttpState>,
    caller: Authenticated,
    body: JsonObject<GenerateIn>,
) -> Result<HttpResponse, ApiError> {
    let ask = GeneratePlan {
        fy_year: year("fyYear", &body.0.fy_year)?,
        target_year: body.0.target_year.as_deref().map(|t| year("targetYear", t)).transpose()?,
    };
    let plan = state.plans.generate_plan(&caller.tenant(), ask, Utc::now()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/crp/{}", plan.id)))
        .json(Envelope::of(CrpOut::of(&plan.summary(), &plan, false))))
}

#[utoipa::path(
    get,
    path = "/api/v1/crp",
    tag = "Carbon Reduction Plans",
    operation_id = "listCrps",
    summary = "Your plans",
    description = "Plans newest first, a page at a time: pass a page's `nextCursor` as `cursor` for the next; it is `null` on the last page.",
    params(ListQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "A page of plans.", body = Page<CrpOut>))
)]
pub(crate) async fn list(
    state: web::Data<HttpState>,
    caller: Authenticated,
    QueryParams(query): QueryParams<ListQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let ListQueryIn { limit, cursor } = query;
    let after = dto::cursor(cursor, PlanId::parse)?;
    let (plans, more) = state.plans.plans(&caller.tenant(), PlanQuery { after, limit: limit.unwrap_or(20) }).await?;
    Ok(HttpResponse::Ok().json(Page::of(&plans, more, |p| p.id.to_string(), CrpOut::summary)))
}

#[utoipa::path(
    get,
    path = "/api/v1/crp/{id}",
    tag = "Carbon Reduction Plans",
    operation_id = "getCrp",
    summary = "A plan",
    description = "A plan in the shape the seed shows; `?expand=content` adds what it froze, with the sections it lacks and the checks it fails before it can be published.",
    params(("id" = String, Path, description = "The plan's id (`crp_…`)."), ShowQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The plan.", body = Envelope<CrpOut>, example = json!({
        "data": {
            "id": "crp_5tN8xBmQ", "status": "published", "fyYear": "2026", "targetYear": "2050",
            "generatedAt": "2026-04-06T14:35:48Z",
            "sections": {
                "organisationDetails": true, "baselineEmissions": true, "currentEmissions": true,
                "reductionTargets": true, "reductionProjects": true, "environmentalMeasures": true, "declaration": true
            }
        }
    })))
)]
pub(crate) async fn show(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    QueryParams(query): QueryParams<ShowQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let expand = match query.expand.as_deref() {
        None => false,
        Some("content") => true,
        Some(_) => return Err(DomainError::invalid("expand", "may only be content").into()),
    };
    let plan = state.plans.plan(&caller.tenant(), &plan_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(CrpOut::of(&plan.summary(), &plan, expand))))
}

#[utoipa::path(
    post,
    path = "/api/v1/crp/{id}/publish",
    tag = "Carbon Reduction Plans",
    operation_id = "publishCrp",
    summary = "Publish a plan",
    description = "Publishes a draft with all seven sections present and every check passed (otherwise 422 `crp_incomplete` with `missingSections` and `failedChecks`), sends `crp.published`, and marks the plan published before it `superseded`. A published plan never changes; publishing it again returns it as it is. A superseded plan, or a draft generated before the published one, is 409.",
    params(("id" = String, Path, description = "The plan's id (`crp_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The published plan.", body = Envelope<CrpOut>))
)]
pub(crate) async fn publish(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let plan = state.plans.publish_plan(&caller.tenant(), &plan_id(&id)?, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(CrpOut::of(&plan.summary(), &plan, false))))
}

#[utoipa::path(
    get,
    path = "/api/v1/crp/{id}/pdf",
    tag = "Carbon Reduction Plans",
    operation_id = "getCrpPdf",
    summary = "A plan as PDF",
    description = "The plan laid out like the Cabinet Office template (PPN 006): a section each, tables of baseline and current emissions by scope, the scope 3 categories, targets and trajectory, projects, measures and the declaration. Text-selectable, fonts embedded. Drafts are marked DRAFT on every page and list what they lack.",
    params(("id" = String, Path, description = "The plan's id (`crp_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The PDF.", content(("application/pdf")),
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"crp_….pdf\"`."))))
)]
pub(crate) async fn pdf(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (plan, pdf) = state.plans.plan_pdf(&caller.tenant(), &plan_id(&id)?).await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!("{}.pdf", plan.id))],
    };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")))
        .body(pdf))
}

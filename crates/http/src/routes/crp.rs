//! `/api/v1/crp-inputs` and `/api/v1/crp`: a company's Carbon Reduction Plan inputs, generating,
//! publishing and reading plans, and a plan's PDF.

use std::sync::Arc;

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::Method;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use carbonpass_domain::DomainError;
use carbonpass_domain::crp::CrpInputs;
use carbonpass_domain::model::PlanId;
use carbonpass_domain::ports::PlanQuery;
use carbonpass_domain::services::plans::GeneratePlan;
use chrono::Utc;

use crate::conditional::{etag, none_match};
use crate::dto::crp::{CrpInputsIn, CrpInputsOut, CrpOut, GenerateIn, ListQueryIn, ShowQueryIn, year};
use crate::dto::{self, Envelope, Page};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject, QueryParams, chosen_company};
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
    description = "Generates a `draft` Carbon Reduction Plan for the reporting period ending in `fyYear`, from the company's confirmed bills and its CRP inputs, and sends `crp.generated`. The plan freezes every figure and input it uses: later bills or inputs never change it (generate a new plan instead). `sections` says which of the seven it has; `?expand=content` on the plan shows what it lacks. A company holds at most a configured number of plans (100 unless set); generating past it is 409 `limit_reached`: delete a draft first.",
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
    delete,
    path = "/api/v1/crp/{id}",
    tag = "Carbon Reduction Plans",
    operation_id = "deleteCrp",
    summary = "Delete a draft plan",
    description = "Deletes a `draft` plan and its stored PDFs; no event is sent (a draft was never declared to anyone). A published or superseded plan is the record of what the company declared and is never deleted: 409. A company holds at most a configured number of plans (100 unless set): past it, generating is refused with 409 `limit_reached` until a draft is deleted.",
    params(("id" = String, Path, description = "The plan's id (`crp_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 204, description = "Deleted."))
)]
pub(crate) async fn delete(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.plans.delete_plan(&caller.tenant(), &plan_id(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A PDF's bytes, shared with the other responses that send them (never copied per response).
pub(crate) struct SharedPdf(pub Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedPdf {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// The body of a `HEAD` answer about a stored PDF: its size, for `Content-Length`, and no
/// bytes (actix sends none for `HEAD` anyway).
struct HeadOf(u64);

impl MessageBody for HeadOf {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.0)
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        std::task::Poll::Ready(None)
    }
}

/// The strong `ETag` of a PDF: its SHA-256.
/// What every answer about a plan's PDF carries.
fn pdf_headers(response: &mut actix_web::HttpResponseBuilder, plan_id: &PlanId, tag: Option<&str>) {
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!("{plan_id}.pdf"))],
    };
    response
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")));
    if let Some(tag) = tag {
        response.insert_header((header::ETAG, tag.to_owned()));
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/crp/{id}/pdf",
    tag = "Carbon Reduction Plans",
    operation_id = "getCrpPdf",
    summary = "A plan as PDF",
    description = "The plan laid out like the Cabinet Office template (PPN 006): a section each, tables of baseline and current emissions by scope, the scope 3 categories, targets and trajectory, projects, measures and the declaration. Text-selectable, fonts embedded. Drafts are marked DRAFT on every page and list what they lack.\n\nA plan's PDF is rendered once for each status it is in (draft, published, superseded), kept, and served from storage after that, with a strong `ETag` (its SHA-256): send it back as `If-None-Match` for a 304. Renders wait their turn fairly between companies; when too many of the company's renders wait, or none can start in time, the answer is 503 `service_unavailable` with `Retry-After`. `HEAD` never renders: it answers with the stored PDF's headers (`ETag`, `Content-Length`) when the PDF is stored, and without them when it would still have to be rendered.",
    params(("id" = String, Path, description = "The plan's id (`crp_…`)."),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a copy already held: 304 if it is still the plan's PDF.")),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The PDF.", content(("application/pdf")),
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"crp_….pdf\"`."),
                ("ETag" = String, description = "The PDF's SHA-256, quoted: a strong validator."),
                ("X-Content-Type-Options" = String, description = "`nosniff`.")
            )),
        (status = 304, description = "The copy named by `If-None-Match` is still the plan's PDF.",
            headers(("ETag" = String, description = "The PDF's SHA-256, quoted.")))
    )
)]
pub(crate) async fn pdf(
    req: HttpRequest,
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = plan_id(&id)?;
    if req.method() == Method::HEAD {
        // Never a render: what storage knows, or the headers known without one.
        let (plan, stored) = state.plans.stored_plan_pdf(&caller.tenant(), &id).await?;
        let tag = stored.as_ref().map(|s| etag(&s.sha256));
        if let Some(tag) = &tag
            && none_match(&req, tag)
        {
            let mut response = HttpResponse::NotModified();
            pdf_headers(&mut response, &plan.id, Some(tag));
            return Ok(response.finish());
        }
        let mut response = HttpResponse::Ok();
        response.content_type("application/pdf");
        pdf_headers(&mut response, &plan.id, tag.as_deref());
        return Ok(match &stored {
            Some(stored) => response.body(HeadOf(stored.size_bytes)),
            // No `Content-Length` at all: its length is not known before a render (a length
            // of 0 would be a lie about the GET).
            None => response.body(actix_web::body::None::new()),
        });
    }
    let still_allowed = {
        let (access, principal) = (state.access.clone(), caller.0.clone());
        let chosen = chosen_company(req.headers())?;
        Box::pin(async move { access.still_allowed(&principal, chosen.as_deref(), Utc::now()).await })
    };
    let pdf = state.plans.plan_pdf(&caller.tenant(), &id, still_allowed).await?;
    metrics::counter!("carbonpass_pdf_served_total", "source" => pdf.source.as_str()).increment(1);
    let tag = etag(&pdf.sha256);
    if none_match(&req, &tag) {
        let mut response = HttpResponse::NotModified();
        pdf_headers(&mut response, &pdf.plan.id, Some(&tag));
        return Ok(response.finish());
    }
    let mut response = HttpResponse::Ok();
    response.content_type("application/pdf");
    pdf_headers(&mut response, &pdf.plan.id, Some(&tag));
    Ok(response.body(Bytes::from_owner(SharedPdf(pdf.bytes))))
}

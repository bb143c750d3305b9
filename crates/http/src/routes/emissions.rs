//! `GET /api/v1/emissions`, `GET /api/v1/sessions`, `POST /api/v1/sessions/{id}/complete`.

use actix_web::{HttpResponse, web};
use carbonpass_domain::DomainError;
use carbonpass_domain::model::SessionId;
use chrono::Utc;

use crate::dto::emissions::{EmissionsOut, EmissionsQueryIn, SessionOut};
use crate::dto::{Envelope, Page, PageQueryIn};
use crate::error::ApiError;
use crate::extract::{Authenticated, QueryParams};
use crate::state::HttpState;

#[utoipa::path(
    get,
    path = "/api/v1/emissions",
    tag = "Emissions",
    operation_id = "getEmissions",
    summary = "Emissions by scope",
    description = "A reporting period's totals by scope, each scope's share by source (bill types and activity families), scope 3 by GHG Protocol category, tCO2e per employee, and the sessions and activities that contributed. Every figure is in tCO2e, rounded half away from zero to the kilogram from the exact sum. Without `period`, the latest period any confirmed bill or recorded activity reaches into; with neither yet, the current period with zeros.",
    params(EmissionsQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The period's emissions.", body = Envelope<EmissionsOut>, example = json!({
        "data": {
            "reportingPeriod": "2025-26", "totalTco2e": 172.0,
            "scope1": { "total": 42.1, "breakdown": null },
            "scope2": { "total": 108.3, "breakdown": null },
            "scope3": { "total": 21.6, "breakdown": null },
            "perEmployee": 4.1,
            "sessions": [{ "id": "sess_aB12", "siteId": "site_3rZ1", "siteName": "Birmingham Warehouse", "totalTco2e": 172.0, "createdAt": "2026-03-15" }]
        }
    })))
)]
pub(crate) async fn show(
    state: web::Data<HttpState>,
    caller: Authenticated,
    QueryParams(query): QueryParams<EmissionsQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let EmissionsQueryIn { period, site_id } = query;
    let today = Utc::now().date_naive();
    let report = state.reports.emissions(&caller.tenant(), period.as_deref(), site_id.as_deref(), today).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(EmissionsOut::from(&report))))
}

#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    tag = "Sessions",
    operation_id = "listSessions",
    summary = "Footprint-collection sessions",
    description = "Sessions newest first, a page at a time (pass a page's `nextCursor` as `cursor` for the next): the bills of one site and reporting period, with their total.",
    params(PageQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "A page of sessions.", body = Page<SessionOut>))
)]
pub(crate) async fn sessions(
    state: web::Data<HttpState>,
    caller: Authenticated,
    QueryParams(query): QueryParams<PageQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page(SessionId::parse)?;
    let (sessions, more) = state.reports.sessions(&caller.tenant(), page).await?;
    Ok(HttpResponse::Ok().json(Page::of(&sessions, more, |s| s.id.to_string(), SessionOut::from)))
}

#[utoipa::path(
    post,
    path = "/api/v1/sessions/{id}/complete",
    tag = "Sessions",
    operation_id = "completeSession",
    summary = "Complete a session",
    description = "Closes an in-progress session; the site's next upload opens a new one. Completing a completed session is a 409.",
    params(("id" = String, Path, description = "The session's id (`sess_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The completed session.", body = Envelope<SessionOut>))
)]
pub(crate) async fn complete(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = SessionId::parse(&id).ok_or(DomainError::not_found("session"))?;
    let session = state.reports.complete_session(&caller.tenant(), &id, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(SessionOut::from(&session))))
}

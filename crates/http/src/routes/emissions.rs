//! `GET /api/v1/emissions`, `GET /api/v1/sessions`, `POST /api/v1/sessions/{id}/complete`.

use actix_web::{HttpResponse, web};
use carbonpass_domain::DomainError;
use carbonpass_domain::model::SessionId;
use chrono::Utc;

use crate::dto::Envelope;
use crate::dto::emissions::{EmissionsOut, EmissionsQueryIn, SessionOut};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::HttpState;

pub(crate) async fn show(
    state: web::Data<HttpState>,
    caller: Authenticated,
    query: web::Query<EmissionsQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let EmissionsQueryIn { period, site_id } = query.into_inner();
    let today = Utc::now().date_naive();
    let report = state.services.emissions(&caller.0, period.as_deref(), site_id.as_deref(), today).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(EmissionsOut::from(&report))))
}

pub(crate) async fn sessions(state: web::Data<HttpState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let sessions = state.services.sessions(&caller.0).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(sessions.iter().map(SessionOut::from).collect::<Vec<_>>())))
}

pub(crate) async fn complete(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = SessionId::parse(&id).ok_or(DomainError::not_found("session"))?;
    let session = state.services.complete_session(&caller.0, &id, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(SessionOut::from(&session))))
}

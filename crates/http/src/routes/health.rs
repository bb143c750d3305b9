//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can do its work).

use actix_web::{HttpResponse, web};

use crate::dto::health::{HealthOut, ReadinessOut};
use crate::error::ApiError;
use crate::state::HttpState;

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "Operations",
    operation_id = "getHealth",
    summary = "Liveness",
    description = "200 while the process answers. No key needed.",
    responses((status = 200, description = "Alive.", body = HealthOut))
)]
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthOut { status: "ok" })
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "Operations",
    operation_id = "getReadiness",
    summary = "Readiness",
    description = "200 when the database answers, 503 otherwise. No key needed. `rateLimits` says where rate limits are kept: a server configured to share them through Redis that cannot reach it stays ready, limiting per process, and says so here.",
    responses((status = 200, description = "Ready.", body = ReadinessOut))
)]
pub(crate) async fn readyz(state: web::Data<HttpState>) -> Result<HttpResponse, ApiError> {
    let limits = state.health.ready().await?;
    Ok(HttpResponse::Ok().json(ReadinessOut { status: "ready", rate_limits: limits.describe() }))
}

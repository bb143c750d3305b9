//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can do its work).

use actix_web::{HttpResponse, web};

use crate::dto::health::HealthOut;
use crate::error::ApiError;
use crate::state::HttpState;

pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthOut { status: "ok" })
}

pub(crate) async fn readyz(state: web::Data<HttpState>) -> Result<HttpResponse, ApiError> {
    state.services.ready().await?;
    Ok(HttpResponse::Ok().json(HealthOut { status: "ready" }))
}

//! `GET /healthz` and `GET /readyz`.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Health)]
pub(crate) struct HealthOut {
    /// `ok` (`/healthz`) or `ready` (`/readyz`).
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// `GET /readyz`: ready, and where rate limits are kept.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Readiness)]
pub(crate) struct ReadinessOut {
    /// `ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `per-process`, `shared (redis)`, `off`, or `per-process: redis unreachable (…)` while a
    /// server configured to share limits through Redis cannot reach it (it keeps serving).
    #[schema(example = "per-process")]
    pub rate_limits: String,
}

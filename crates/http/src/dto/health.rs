//! `GET /healthz` and `GET /readyz`.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub(crate) struct HealthOut {
    pub status: &'static str,
}

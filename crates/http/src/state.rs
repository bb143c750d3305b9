//! What every handler can reach: the use cases, and settings the server hands down.

use carbonpass_domain::usecases::Services;

pub use crate::middleware::body_deadline::BodyDeadlines;

#[derive(Debug, Clone)]
pub struct HttpState {
    pub services: Services,
    /// Public origin of passport pages, such as `https://carbonpass.co` (no trailing slash).
    pub public_base_url: String,
    /// Largest bill file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// How long a request body may take to arrive.
    pub body_deadlines: BodyDeadlines,
    /// Served over HTTPS: responses tell browsers to keep to it (HSTS).
    pub tls: bool,
}

impl HttpState {
    pub fn passport_url(&self, slug: &str) -> String {
        format!("{}/company/{slug}", self.public_base_url.trim_end_matches('/'))
    }
}

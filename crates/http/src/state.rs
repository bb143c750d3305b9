//! What every handler can reach: the service of each area, and settings the server hands down.

use std::sync::Arc;

use carbonpass_domain::services::{
    Access, Activities, Bills, Health, Passports, Plans, Reports, Services, Tenants, Webhooks,
};

use crate::passport::RenderedPassports;

pub use crate::middleware::body_deadline::BodyDeadlines;

#[derive(Debug, Clone)]
pub struct HttpState {
    pub access: Access,
    pub tenants: Tenants,
    pub bills: Bills,
    pub activities: Activities,
    pub reports: Reports,
    pub plans: Plans,
    pub passports: Passports,
    /// Passports' pages, twins and badges, rendered once per version.
    pub(crate) rendered: Arc<RenderedPassports>,
    pub webhooks: Webhooks,
    pub health: Health,
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
    /// Every area's service side by side, with the settings the server hands down.
    pub fn new(
        services: Services,
        public_base_url: String,
        max_upload_bytes: u64,
        body_deadlines: BodyDeadlines,
        tls: bool,
    ) -> Self {
        let Services { access, tenants, bills, activities, reports, plans, passports, webhooks, health } = services;
        Self {
            access,
            tenants,
            bills,
            activities,
            reports,
            plans,
            passports,
            rendered: Arc::default(),
            webhooks,
            health,
            public_base_url,
            max_upload_bytes,
            body_deadlines,
            tls,
        }
    }

    pub fn passport_url(&self, slug: &str) -> String {
        format!("{}/company/{slug}", self.public_base_url.trim_end_matches('/'))
    }
}

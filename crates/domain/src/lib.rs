//! CarbonPass domain: what a company, its sites, users and API keys are, the rules they obey,
//! the ports (traits) the adapters implement, and the use cases that orchestrate them, one
//! service per area (`services`).
//!
//! This crate names no web framework, database or runtime: the compiler keeps the hexagon.

pub mod activities;
pub mod calculation;
pub mod crp;
pub mod error;
pub mod events;
pub mod model;
pub mod services;
pub mod webhooks;

pub use error::{AuthFailure, DomainError};

/// Every port in one index, for the adapters that implement them; each is defined beside the
/// service of its area (`services::<area>::ports`).
pub mod ports {
    pub use crate::services::access::ports::*;
    pub use crate::services::activities::ports::*;
    pub use crate::services::bills::ports::*;
    pub use crate::services::health::ports::*;
    pub use crate::services::passports::ports::*;
    pub use crate::services::plans::ports::*;
    pub use crate::services::reports::ports::*;
    pub use crate::services::tenants::ports::*;
    pub use crate::services::webhooks::ports::*;
}

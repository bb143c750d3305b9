//! CarbonPass domain: what a company, its sites, users and API keys are, the rules they obey,
//! the ports (traits) the adapters implement, and the use cases that orchestrate them.
//!
//! This crate names no web framework, database or runtime: the compiler keeps the hexagon.

pub mod calculation;
pub mod crp;
pub mod error;
pub mod events;
pub mod model;
pub mod ports;
pub mod usecases;
pub mod webhooks;

pub use error::{AuthFailure, DomainError};

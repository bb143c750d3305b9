//! Persistence adapter: one diesel codebase over PostgreSQL (production) and SQLite (the embedded
//! default). Implements the domain's repository ports; every blocking database call runs on one of
//! the store's own database threads, never on the async executor's threads.

mod activities;
mod api_keys;
mod bills;
mod companies;
mod db;
mod error;
mod health;
mod idempotency;
mod ids;
mod inline;
mod market;
mod migrations;
mod passports;
mod plans;
mod reports;
mod schema;
pub mod secrets;
mod tenancy;
mod threads;
mod users;
pub mod webhooks;

pub use db::{Backend, Store, StoreConfig};
pub use error::StoreError;
pub use webhooks::wake::DeliveryWake;

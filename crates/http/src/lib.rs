//! The actix-web adapter: routes, extractors, wire DTOs (`…In` / `…Out`), and the one mapping of
//! errors to the public body `{"error","message","status"}`. Knows the domain, never the store.

mod app;
mod conditional;
mod dto;
mod error;
mod error_code;
mod extract;
mod middleware;
mod openapi;
mod passport;
mod routes;
mod state;
mod webhook_catalogue;

pub use app::build_app;
pub use dto::activity_import::rows as activity_csv_rows;
pub use dto::crp::{crp_inputs_from_json, crp_inputs_to_json};
pub use dto::events::WirePayloads;
pub use dto::webhooks::{delivery_to_json, endpoint_to_json};
pub use error::ApiError;
pub use error_code::ErrorCode;
pub use openapi::json as openapi_json;
pub use state::{BodyDeadlines, HttpState};

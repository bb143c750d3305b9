//! The actix-web adapter: routes, extractors, wire DTOs (`…In` / `…Out`), and the one mapping of
//! errors to the public body `{"error","message","status"}`. Knows the domain, never the store.

mod app;
mod dto;
mod error;
mod extract;
mod middleware;
mod routes;
mod state;

pub use app::build_app;
pub use error::ApiError;
pub use state::{BodyDeadlines, HttpState};

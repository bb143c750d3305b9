//! Webhook delivery adapter: signing every delivery both ways receivers verify it (`signing`),
//! the rule for which addresses a delivery may reach (`target`), the HTTP client that enforces it
//! at every connection (`client`), the domain's port for managing endpoints (`targets`), and the
//! worker that delivers from the queue (`dispatcher`).

pub mod client;
pub mod dispatcher;
pub mod signing;
pub mod target;
pub mod targets;

pub use client::GuardedClient;
pub use dispatcher::{Dispatcher, DispatcherConfig};
pub use targets::Targets;

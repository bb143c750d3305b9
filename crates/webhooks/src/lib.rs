//! Webhook delivery adapter: signing every delivery both ways receivers verify it (`signing`),
//! the rule for which addresses a delivery may reach (`target`), the HTTP client that enforces it
//! at every connection (`client`), the seam attempts go out through (`transport`), the domain's
//! port for managing endpoints (`targets`), and the worker that delivers from the queue
//! (`dispatcher`, with its attempts in flight in `in_flight`).

pub mod client;
pub mod dispatcher;
mod in_flight;
pub mod signing;
pub mod target;
pub mod targets;
pub mod transport;

pub use client::GuardedClient;
pub use dispatcher::{Dispatcher, DispatcherConfig};
pub use targets::Targets;
pub use transport::{Sending, Transport};

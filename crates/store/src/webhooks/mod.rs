//! Webhooks in the database: endpoints and their secrets (`endpoints`), the fan-out of each
//! outbox event to the endpoints subscribed to it, in the event's own transaction (`fanout`),
//! the queue the delivery worker claims from (`queue`), and the signal that wakes it when a
//! delivery commits (`wake`).

mod endpoints;
pub(crate) mod fanout;
mod history;
mod manual;
mod queue;
mod rows;
mod sends;
pub mod wake;

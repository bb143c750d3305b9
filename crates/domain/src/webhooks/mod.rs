//! Webhooks: the event catalogue endpoints subscribe to, and the schedule of retries. Signing,
//! the network and the worker are the webhooks adapter's.

mod catalogue;
pub mod schedule;

pub use catalogue::EventType;

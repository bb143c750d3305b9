//! Webhooks: the event catalogue endpoints subscribe to, the rules of an endpoint, and the
//! schedule of retries. Signing,
//! the network and the worker are the webhooks adapter's.

mod catalogue;
pub mod endpoint;
pub mod schedule;

pub use catalogue::EventType;
pub use endpoint::TargetPolicy;

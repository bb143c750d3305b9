//! Webhooks: the event catalogue endpoints subscribe to, the rules of an endpoint, and the
//! schedule of retries, what an attempt's outcome means, and the endpoints and deliveries the
//! API shows. Signing, the network and the worker are the webhooks adapter's.

mod catalogue;
pub mod circuit;
pub mod endpoint;
pub mod model;
pub mod schedule;
pub mod verdict;

pub use catalogue::EventType;
pub use endpoint::TargetPolicy;

//! The version of a tenant's data: a counter the store bumps in the same transaction as every
//! change to that tenant's data. Reading it is part of authenticating every request, so a copy of
//! tenant data held in memory can be checked for freshness without reading the data again.

/// Monotonic: a larger value is newer data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DataVersion(pub i64);

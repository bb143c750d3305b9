//! How a store connects: its URL, pool size and time limits.

use std::fmt;
use std::time::Duration;

#[derive(Clone)]
pub struct StoreConfig {
    /// `postgres://…`, or a SQLite file path. May hold a password: never logged as it is.
    pub url: String,
    pub pool_size: u32,
    /// Connections the pool keeps open while idle, opening them in the background. None by
    /// default: a process must never exit while the pool is opening a connection on another
    /// thread (libpq's TLS set-up racing OpenSSL's clean-up at exit crashed one-shot commands
    /// and test processes). Connections still stay pooled after use.
    pub min_idle: u32,
    /// How long work waits for a free connection (or a new one) before giving up.
    pub acquire_timeout: Duration,
    /// How long opening a PostgreSQL connection (TCP, TLS, authentication) may take.
    pub connect_timeout: Duration,
    /// How long one statement may run: PostgreSQL cancels it server-side, SQLite stops waiting
    /// for another writer's lock. Every piece of work also has a client-side deadline of
    /// `acquire_timeout + statement_timeout`, which holds even when the server cannot answer at
    /// all (frozen, or cut off by the network).
    pub statement_timeout: Duration,
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreConfig")
            .field("url", &crate::secrets::redacted_url(&self.url))
            .field("pool_size", &self.pool_size)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .finish_non_exhaustive()
    }
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_size: 10,
            min_idle: 0,
            acquire_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }

    /// The longest any one piece of store work may take, queueing included.
    pub fn deadline(&self) -> Duration {
        self.acquire_timeout + self.statement_timeout
    }
}

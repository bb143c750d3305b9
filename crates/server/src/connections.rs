//! Bounds on connections: the process's file-descriptor limit raised to what the system allows,
//! a ceiling on open connections the listener keeps below that limit, and a ceiling per client
//! address, so idle connections from one client (20,000 of them, say) cannot take every
//! descriptor and leave `/healthz` and other clients unanswered.

use std::collections::HashMap;
use std::net::{IpAddr, Shutdown};
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;

/// Descriptors kept back from connections: the database pool, blobs being written, webhook
/// attempts, log files and the process's own.
pub const RESERVED_DESCRIPTORS: u64 = 1024;

/// Raises the soft limit on open files to the hard limit; returns the limit now in force.
pub fn raise_descriptor_limit() -> u64 {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap_or((1024, 1024));
    match rlimit::increase_nofile_limit(hard) {
        Ok(now) => now,
        Err(err) => {
            tracing::warn!(soft, hard, error = %err, "the open-file limit could not be raised");
            soft
        }
    }
}

/// The most connections the listener may hold with `descriptors` open files allowed: the
/// setting, lowered to leave [`RESERVED_DESCRIPTORS`] free (and at least 64).
pub fn connection_ceiling(setting: u64, descriptors: u64) -> u64 {
    setting.min(descriptors.saturating_sub(RESERVED_DESCRIPTORS)).max(64)
}

/// Open connections per client address, shared by the workers.
#[derive(Debug, Clone)]
pub struct PerClient {
    limit: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// Held in a connection's extensions for as long as it is open: its address's count goes down
/// when the connection is dropped, however it ends.
#[derive(Debug)]
struct Counted {
    address: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        metrics::gauge!("carbonpass_connections_open").decrement(1.0);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

impl PerClient {
    pub fn new(limit: u64) -> Self {
        Self { limit: usize::try_from(limit.max(1)).unwrap_or(usize::MAX), open: Arc::default() }
    }

    /// For actix's `on_connect`: counts the new connection against its address; past the
    /// limit, shuts its socket at once (the connection then ends as the client closed it, and
    /// its descriptor is freed without reading a byte).
    pub fn on_connect(&self, connection: &dyn std::any::Any, extensions: &mut Extensions) {
        let Some(stream) = tcp_stream(connection) else { return };
        let Ok(peer) = stream.peer_addr() else { return };
        let address = peer.ip();
        let over = {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            let count = open.entry(address).or_insert(0);
            *count += 1;
            *count > self.limit
        };
        metrics::gauge!("carbonpass_connections_open").increment(1.0);
        extensions.insert(Counted { address, open: self.open.clone() });
        if over {
            metrics::counter!("carbonpass_connections_refused_total", "reason" => "per_client").increment(1);
            let _ = socket2::SockRef::from(stream).shutdown(Shutdown::Both);
        }
    }

    /// Connections open from `address` now (tests).
    pub fn open_from(&self, address: IpAddr) -> usize {
        self.open.lock().unwrap_or_else(PoisonError::into_inner).get(&address).copied().unwrap_or(0)
    }
}

/// The TCP stream under a connection, plain or TLS.
fn tcp_stream(connection: &dyn std::any::Any) -> Option<&TcpStream> {
    if let Some(plain) = connection.downcast_ref::<TcpStream>() {
        return Some(plain);
    }
    connection.downcast_ref::<actix_tls::accept::rustls_0_23::TlsStream<TcpStream>>().map(|tls| tls.get_ref().0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_leaves_descriptors_for_everything_else() {
        assert_eq!(connection_ceiling(10_000, 20_000), 10_000);
        assert_eq!(connection_ceiling(25_000, 20_000), 20_000 - RESERVED_DESCRIPTORS);
        assert_eq!(connection_ceiling(10_000, 1024), 64, "never below 64");
    }
}

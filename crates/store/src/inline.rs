//! Point reads run on the caller's own thread, on SQLite: the lookup every authenticated request
//! makes (a key by its hash, through a unique index) takes a few microseconds in-process, less
//! than handing it to a database thread and back (two thread switches, measured in
//! docs/performance.md). Each thread keeps its own read connection per store.
//!
//! A slow read must never stall an async worker, so only reads that cannot wait come here: the
//! connection waits for no lock (a WAL reader needs none, except in the rare moments of WAL
//! recovery), and anything but an answer (busy, an I/O error, a connection that will not open)
//! sends the read to the database threads instead, where it gets the usual deadline. PostgreSQL
//! reads always go there: a network round trip may stall.

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;

use crate::StoreError;
use crate::db::is_data_error;

thread_local! {
    /// This thread's read connections, one per open store.
    static CONNECTIONS: RefCell<HashMap<u64, SqliteConnection>> = RefCell::new(HashMap::new());
}

static NEXT_STORE: AtomicU64 = AtomicU64::new(0);

/// Inline reads of one SQLite store.
#[derive(Debug, Clone)]
pub(crate) struct InlineReads {
    store: u64,
    path: String,
}

impl InlineReads {
    pub(crate) fn new(path: &str) -> Self {
        Self { store: NEXT_STORE.fetch_add(1, Ordering::Relaxed), path: path.to_owned() }
    }

    /// `work`'s answer on this thread's connection, or `None` when the read must go to the
    /// database threads instead.
    pub(crate) fn try_read<T>(
        &self,
        work: &impl Fn(&mut SqliteConnection) -> Result<T, StoreError>,
    ) -> Option<Result<T, StoreError>> {
        CONNECTIONS.with(|connections| {
            let mut connections = connections.try_borrow_mut().ok()?;
            let conn = match connections.entry(self.store) {
                Entry::Occupied(open) => open.into_mut(),
                Entry::Vacant(slot) => match open(&self.path) {
                    Ok(conn) => slot.insert(conn),
                    Err(err) => {
                        tracing::debug!(error = %err, "no inline read connection; reading on the database threads");
                        return None;
                    }
                },
            };
            match work(conn) {
                Ok(answer) => Some(Ok(answer)),
                Err(StoreError::Query(err)) if is_data_error(&err) => Some(Err(StoreError::Query(err))),
                // Busy, broken or anything unexpected: a fresh connection next time, and this
                // read on the database threads.
                Err(err) => {
                    tracing::debug!(error = %err, "an inline read went to the database threads");
                    connections.remove(&self.store);
                    None
                }
            }
        })
    }
}

fn open(path: &str) -> Result<SqliteConnection, StoreError> {
    let mut conn = SqliteConnection::establish(path).map_err(|e| StoreError::Connect(e.to_string()))?;
    // Never wait for a lock on an async worker; read only.
    conn.batch_execute("PRAGMA busy_timeout = 0; PRAGMA query_only = ON;")?;
    Ok(conn)
}

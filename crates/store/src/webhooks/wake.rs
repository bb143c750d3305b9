//! Waking the delivery worker within milliseconds of a delivery's commit: this process's own
//! writes poke it directly; on PostgreSQL a listener (`LISTEN`) also hears every other process's
//! commits. The worker still polls now and then, as a safety net for a lost signal.

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};
use tokio::sync::Notify;

use super::fanout::CHANNEL;
use crate::db::{Backend, pg_target};
use crate::{Store, StoreConfig};

/// How often the listener reads its connection for notifications (a read that never blocks).
const LISTEN_EVERY: Duration = Duration::from_millis(2);
/// How often the listener checks its connection still answers.
const PING_EVERY: Duration = Duration::from_secs(10);
/// How long it waits before connecting again after losing its connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// The signal a worker waits on. Cheap to clone; a poke with nobody waiting is kept for the next
/// wait, so none is lost between two waits.
#[derive(Debug, Clone, Default)]
pub struct DeliveryWake(Arc<Notify>);

impl DeliveryWake {
    pub fn poke(&self) {
        self.0.notify_one();
    }

    /// The signal itself, for a worker that waits on it among other things.
    pub fn signal(&self) -> Arc<Notify> {
        self.0.clone()
    }

    /// Waits for a poke, at most `max`; whether one came.
    pub async fn wait(&self, max: Duration) -> bool {
        tokio::time::timeout(max, self.0.notified()).await.is_ok()
    }
}

impl Store {
    /// The signal this store pokes when it commits deliveries.
    pub fn delivery_wake(&self) -> DeliveryWake {
        self.wake.clone()
    }

    /// On PostgreSQL, starts a thread that listens for other processes' deliveries and pokes this
    /// store's signal; on SQLite, nothing (one process writes). The thread lives as long as the
    /// process, reconnecting when its connection is lost (and poking then, for what it missed).
    pub fn listen_for_deliveries(&self, config: &StoreConfig) {
        if self.backend() != Backend::Postgres {
            return;
        }
        let target = pg_target(&config.url, config);
        let secrets = crate::secrets::secrets_of(&target);
        let wake = self.wake.clone();
        let spawned = std::thread::Builder::new().name("deliveries-listener".into()).spawn(move || {
            loop {
                match listen(&target, &wake) {
                    Ok(()) => {}
                    Err(err) => tracing::warn!(
                        error = %crate::secrets::scrub(&err, &secrets),
                        "webhook delivery listener lost its connection; reconnecting (deliveries still go out by polling)"
                    ),
                }
                std::thread::sleep(RECONNECT_AFTER);
            }
        });
        if let Err(err) = spawned {
            tracing::warn!(error = %err, "cannot start the webhook delivery listener; deliveries go out by polling");
        }
    }
}

/// Listens until the connection fails.
fn listen(target: &str, wake: &DeliveryWake) -> Result<(), String> {
    let mut conn = PgConnection::establish(target).map_err(|e| e.to_string())?;
    conn.batch_execute(&format!("LISTEN {CHANNEL}")).map_err(|e| e.to_string())?;
    // Anything committed while this connection was away is due now.
    wake.poke();
    let mut since_ping = Duration::ZERO;
    loop {
        let mut heard = false;
        for notification in conn.notifications_iter() {
            notification.map_err(|e| e.to_string())?;
            heard = true;
        }
        if heard {
            wake.poke();
        }
        std::thread::sleep(LISTEN_EVERY);
        since_ping += LISTEN_EVERY;
        if since_ping >= PING_EVERY {
            diesel::sql_query("SELECT 1").execute(&mut conn).map_err(|e| e.to_string())?;
            since_ping = Duration::ZERO;
        }
    }
}

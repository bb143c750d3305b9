//! Manual operations (test pings, retries, recoveries) counted per endpoint, in one-minute
//! windows kept on the endpoint's row, so every process counts against the same allowance.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::StoreError;
use crate::db::DbConnection;
use crate::schema::{webhook_deliveries, webhook_endpoints};

/// How long a window of counted operations lasts.
pub(super) const WINDOW: TimeDelta = TimeDelta::minutes(1);

/// Counts one operation against `endpoint` within `per_minute`, in one statement: a window that
/// has run out starts again at `now` with this one. On PostgreSQL two counts at once queue on the
/// row and the second sees the first's count (READ COMMITTED evaluates the condition again on the
/// row it waited for); SQLite's writer is alone. `Ok(None)` if counted, `Ok(Some(wait))` if the
/// window is full, `Err` with no row if the endpoint is not the tenant's (`NotFound` upstream).
pub(super) fn count(
    conn: &mut DbConnection,
    company: &str,
    endpoint: &str,
    now: NaiveDateTime,
    per_minute: u32,
) -> Result<Option<Option<Duration>>, StoreError> {
    let floor = now - WINDOW;
    let limit = i32::try_from(per_minute).unwrap_or(i32::MAX);
    let sql = "UPDATE webhook_endpoints SET \
         manual_count = CASE WHEN manual_window_start IS NULL OR manual_window_start <= ?1 THEN 1 ELSE manual_count + 1 END, \
         manual_window_start = CASE WHEN manual_window_start IS NULL OR manual_window_start <= ?1 THEN ?2 ELSE manual_window_start END \
         WHERE id = ?3 AND company_id = ?4 \
         AND (manual_window_start IS NULL OR manual_window_start <= ?1 OR manual_count < ?5)";
    macro_rules! run {
        ($conn:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<Timestamp, _>(floor)
                .bind::<Timestamp, _>(now)
                .bind::<Text, _>(endpoint)
                .bind::<Text, _>(company)
                .bind::<Integer, _>(limit)
                .execute($conn)?
        };
    }
    let counted = match conn {
        DbConnection::Pg(pg) => run!(pg, sql.replace('?', "$")),
        DbConnection::Sqlite(lite) => run!(lite, sql),
    };
    if counted > 0 {
        return Ok(Some(None));
    }
    let start = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(endpoint))
        .filter(webhook_endpoints::company_id.eq(company))
        .select(webhook_endpoints::manual_window_start)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?;
    let Some(start) = start else { return Ok(None) };
    let renews = start.unwrap_or(now) + WINDOW;
    // A window opened by a request whose clock read came a little after this one's is no more
    // than a minute away.
    let longest = WINDOW.to_std().unwrap_or(Duration::from_secs(60));
    let wait = (renews - now).to_std().unwrap_or(Duration::ZERO).clamp(Duration::from_secs(1), longest);
    metrics::counter!("carbonpass_webhook_manual_refused_total").increment(1);
    Ok(Some(Some(wait)))
}

/// The endpoint of the tenant's delivery `id`, if it is the tenant's.
pub(super) fn endpoint_of(conn: &mut DbConnection, company: &str, id: &str) -> Result<Option<String>, StoreError> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::company_id.eq(company))
        .select(webhook_deliveries::endpoint_id)
        .first::<String>(conn)
        .optional()?)
}

//! Attempts claimed per data space in one-minute windows, shared by every worker: past the
//! setting's allowance a tenant's deliveries wait for the next window (never dropped or failed).
//! A window's row is locked (PostgreSQL) from the moment a claim reads it until the claim commits,
//! so two workers never both spend the same room.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::StoreError;
use crate::db::DbConnection;

/// How long a window lasts.
pub(super) const WINDOW: TimeDelta = TimeDelta::minutes(1);

#[derive(QueryableByName)]
struct Window {
    #[diesel(sql_type = Timestamp)]
    window_start: NaiveDateTime,
    #[diesel(sql_type = Integer)]
    sent: i32,
}

fn dialect(conn: &DbConnection, sql: &str) -> String {
    if matches!(conn, DbConnection::Pg(_)) { sql.replace('?', "$") } else { sql.to_owned() }
}

/// How many more attempts `company` may have claimed in the window at `now`, its window's row
/// held until the transaction ends.
pub(super) fn room(
    conn: &mut DbConnection,
    company: &str,
    now: NaiveDateTime,
    per_minute: u32,
) -> Result<u32, StoreError> {
    let insert = dialect(
        conn,
        "INSERT INTO webhook_send_windows (company_id, window_start, sent) VALUES (?1, ?2, 0) \
         ON CONFLICT (company_id) DO NOTHING",
    );
    let read = dialect(
        conn,
        if matches!(conn, DbConnection::Pg(_)) {
            "SELECT window_start, sent FROM webhook_send_windows WHERE company_id = ?1 FOR UPDATE"
        } else {
            "SELECT window_start, sent FROM webhook_send_windows WHERE company_id = ?1"
        },
    );
    macro_rules! run {
        ($conn:expr) => {{
            diesel::sql_query(insert).bind::<Text, _>(company).bind::<Timestamp, _>(now).execute($conn)?;
            diesel::sql_query(read).bind::<Text, _>(company).get_result::<Window>($conn)?
        }};
    }
    let window = match conn {
        DbConnection::Pg(pg) => run!(pg),
        DbConnection::Sqlite(lite) => run!(lite),
    };
    if window.window_start <= now - WINDOW {
        return Ok(per_minute);
    }
    Ok(per_minute.saturating_sub(u32::try_from(window.sent).unwrap_or(0)))
}

/// Counts `claimed` attempts in `company`'s window, starting a new window if its ran out.
pub(super) fn add(
    conn: &mut DbConnection,
    company: &str,
    now: NaiveDateTime,
    claimed: usize,
) -> Result<(), StoreError> {
    change(conn, company, now, i32::try_from(claimed).unwrap_or(i32::MAX))
}

/// Takes back `returned` claims given back unattempted.
pub(super) fn take_back(
    conn: &mut DbConnection,
    company: &str,
    now: NaiveDateTime,
    returned: usize,
) -> Result<(), StoreError> {
    change(conn, company, now, -i32::try_from(returned).unwrap_or(i32::MAX))
}

fn change(conn: &mut DbConnection, company: &str, now: NaiveDateTime, by: i32) -> Result<(), StoreError> {
    if by == 0 {
        return Ok(());
    }
    let sql = dialect(
        conn,
        "UPDATE webhook_send_windows SET \
         sent = CASE WHEN window_start <= ?1 THEN ?5 WHEN sent + ?3 < 0 THEN 0 ELSE sent + ?3 END, \
         window_start = CASE WHEN window_start <= ?1 THEN ?2 ELSE window_start END \
         WHERE company_id = ?4",
    );
    let floor = now - WINDOW;
    let by_fresh = by.max(0);
    macro_rules! run {
        ($conn:expr) => {
            diesel::sql_query(sql)
                .bind::<Timestamp, _>(floor)
                .bind::<Timestamp, _>(now)
                .bind::<Integer, _>(by)
                .bind::<Text, _>(company)
                .bind::<Integer, _>(by_fresh)
                .execute($conn)?
        };
    }
    match conn {
        DbConnection::Pg(pg) => run!(pg),
        DbConnection::Sqlite(lite) => run!(lite),
    };
    Ok(())
}

#[derive(QueryableByName)]
struct Saturated {
    #[diesel(sql_type = Text)]
    company_id: String,
}

/// The tenants that have used up the window at `now`: their deliveries wait for the next one.
pub(super) fn saturated(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    per_minute: u32,
) -> Result<Vec<String>, StoreError> {
    let sql = dialect(conn, "SELECT company_id FROM webhook_send_windows WHERE window_start > ?1 AND sent >= ?2");
    let floor = now - WINDOW;
    let max = i32::try_from(per_minute).unwrap_or(i32::MAX);
    macro_rules! run {
        ($conn:expr) => {
            diesel::sql_query(sql).bind::<Timestamp, _>(floor).bind::<Integer, _>(max).load::<Saturated>($conn)?
        };
    }
    let rows = match conn {
        DbConnection::Pg(pg) => run!(pg),
        DbConnection::Sqlite(lite) => run!(lite),
    };
    Ok(rows.into_iter().map(|r| r.company_id).collect())
}

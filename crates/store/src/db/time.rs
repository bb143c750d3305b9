//! Times as the database keeps them.

/// Timestamps are stored as UTC at microsecond precision, the finest both backends keep.
pub(crate) fn to_db_time(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    let at = at.naive_utc();
    at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at)
}

pub(crate) fn from_db_time(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    at.and_utc()
}

pub(crate) fn db_now() -> chrono::NaiveDateTime {
    to_db_time(chrono::Utc::now())
}

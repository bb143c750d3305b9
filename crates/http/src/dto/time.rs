//! Timestamps on the wire: RFC 3339 in UTC to the second, `2026-04-06T14:30:00Z`.

use chrono::{DateTime, SecondsFormat, Utc};

pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

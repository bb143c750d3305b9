//! A commuting estimate as stored with each record it implies: a JSON document of the store's
//! own format (`version` 1), mapped explicitly to and from the domain's estimate, so a change of
//! the domain type cannot silently change what was stored.

use carbonpass_domain::activities::CommutingEstimate;
use carbonpass_domain::model::SiteId;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::error::corrupt;

const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredEstimate {
    version: u32,
    headcount: u32,
    working_days: u32,
    /// Decimals as exact text.
    home_share: String,
    one_way_km: String,
    hours_per_day: String,
    modes: Vec<StoredMode>,
    period_start: NaiveDate,
    period_end: NaiveDate,
    site_id: Option<String>,
    reference: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredMode {
    activity_type: String,
    share: String,
}

pub(crate) fn to_stored(estimate: &CommutingEstimate) -> Result<String, StoreError> {
    let stored = StoredEstimate {
        version: VERSION,
        headcount: estimate.headcount,
        working_days: estimate.working_days,
        home_share: estimate.home_share.to_string(),
        one_way_km: estimate.one_way_km.to_string(),
        hours_per_day: estimate.hours_per_day.to_string(),
        modes: estimate
            .modes
            .iter()
            .map(|(activity_type, share)| StoredMode { activity_type: activity_type.clone(), share: share.to_string() })
            .collect(),
        period_start: estimate.period_start,
        period_end: estimate.period_end,
        site_id: estimate.site_id.as_ref().map(|s| s.as_str().to_owned()),
        reference: estimate.reference.clone(),
    };
    serde_json::to_string(&stored).map_err(|e| StoreError::Corrupt(format!("commuting estimate: {e}")))
}

pub(crate) fn from_stored(text: &str) -> Result<CommutingEstimate, StoreError> {
    let stored: StoredEstimate =
        serde_json::from_str(text).map_err(|e| corrupt("commuting estimate", &e.to_string()))?;
    if stored.version != VERSION {
        return Err(corrupt("commuting estimate version", &stored.version.to_string()));
    }
    let decimal = |what: &str, text: &str| text.parse::<Decimal>().map_err(|_| corrupt(what, text));
    Ok(CommutingEstimate {
        headcount: stored.headcount,
        working_days: stored.working_days,
        home_share: decimal("home share", &stored.home_share)?,
        one_way_km: decimal("one-way distance", &stored.one_way_km)?,
        hours_per_day: decimal("hours a day", &stored.hours_per_day)?,
        modes: stored
            .modes
            .into_iter()
            .map(|m| Ok((m.activity_type, decimal("mode share", &m.share)?)))
            .collect::<Result<_, StoreError>>()?,
        period_start: stored.period_start,
        period_end: stored.period_end,
        site_id: stored.site_id.map(|s| SiteId::parse(&s).ok_or_else(|| corrupt("site id", &s))).transpose()?,
        reference: stored.reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_round_trips_exactly_and_a_changed_document_is_corrupt() {
        let estimate = CommutingEstimate {
            headcount: 12,
            working_days: 220,
            home_share: "0.40".parse().expect("decimal"),
            one_way_km: "15.25".parse().expect("decimal"),
            modes: vec![("commuting.rail.national_rail".into(), "1".parse().expect("decimal"))],
            hours_per_day: "7.5".parse().expect("decimal"),
            period_start: NaiveDate::from_ymd_opt(2025, 4, 1).expect("date"),
            period_end: NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"),
            site_id: None,
            reference: Some("Staff survey".into()),
        };
        let text = to_stored(&estimate).expect("stored");
        assert!(text.contains(r#""homeShare":"0.40""#), "exact text, scale kept: {text}");
        assert_eq!(from_stored(&text).expect("read"), estimate);
        assert!(from_stored(&text.replace("\"headcount\"", "\"staff\"")).is_err(), "a renamed field");
        assert!(from_stored(&text.replace("\"version\":1", "\"version\":2")).is_err());
    }
}

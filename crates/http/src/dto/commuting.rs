//! `POST /api/v1/activities/commuting-estimates`: commuting from an estimate, and the estimate as
//! every record it made shows it.

use carbonpass_domain::DomainError;
use carbonpass_domain::activities::{CommutingEstimate, DEFAULT_HOURS_PER_DAY};
use carbonpass_domain::model::{SiteId, parse_date};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::bills::decimal;
use super::schema;

/// How staff commute in a period, as the company estimates it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(
    as = CommutingEstimateRequest,
    description = "An estimate of how staff commute over a period. It becomes one activity record a mode (journeys: headcount × days in the office × 2 × `oneWayKm` × the mode's share) and one of homeworking (headcount × days at home × `hoursPerDay`), each keeping the estimate. Decimals may be JSON numbers or strings; either way they are read exactly."
)]
pub(crate) struct CommutingEstimateIn {
    /// Staff the estimate covers, 1–100,000.
    #[schema(minimum = 1, maximum = 100000, example = 12)]
    pub headcount: u32,
    /// Days each works in the period, 1–366, and no more than the period has.
    #[schema(minimum = 1, maximum = 366, example = 220)]
    pub working_days: u32,
    /// Share of those days worked from home, 0 to 1.
    #[schema(schema_with = schema::home_share_in)]
    pub home_share: Box<RawValue>,
    /// Average distance from home to work, one way, in km: more than 0, at most 500.
    #[schema(schema_with = schema::one_way_km_in)]
    pub one_way_km: Box<RawValue>,
    /// Hours of a working day at home (default 7.5): more than 0, at most 24.
    #[schema(schema_with = schema::hours_per_day_in)]
    pub hours_per_day: Option<Box<RawValue>>,
    /// How staff travel on the days they come in: commuting types of the catalogue, each once,
    /// with shares adding up to 1. May be empty only when every day is worked from home (with
    /// `homeShare` 1 no journey is recorded, whatever the modes).
    #[schema(max_items = 20)]
    pub modes: Vec<CommutingModeIn>,
    /// First day of the period (`YYYY-MM-DD`).
    #[schema(schema_with = schema::date_text)]
    pub period_start: String,
    /// Last day, included (`YYYY-MM-DD`); at most 400 days after the first.
    #[schema(schema_with = schema::date_text)]
    pub period_end: String,
    /// The site the staff work at, if the estimate is for one.
    #[schema(example = "site_3rZ1")]
    pub site_id: Option<String>,
    /// Your own reference (a staff survey, say): plain text, at most 200 characters.
    #[schema(max_length = 200)]
    pub reference: Option<String>,
}

/// One way of getting to work and its share of the journeys.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CommutingModeRequest)]
pub(crate) struct CommutingModeIn {
    #[schema(example = "commuting.rail.national_rail")]
    pub activity_type: String,
    /// Share of the journeys, more than 0 and at most 1.
    #[schema(schema_with = schema::mode_share_in)]
    pub share: Box<RawValue>,
}

/// The most modes an estimate lists (the catalogue's commuting types are fewer).
const MAX_MODES: usize = 20;

impl CommutingEstimateIn {
    /// What identifies the request for `Idempotency-Key`: its fields as sent.
    pub fn fingerprint(&self) -> String {
        let modes: Vec<String> =
            self.modes.iter().map(|m| format!("{:?}={}", m.activity_type, m.share.get())).collect();
        format!(
            "commuting:headcount={};days={};home={};km={};hours={:?};modes=[{}];from={:?};to={:?};site={:?};reference={:?}",
            self.headcount,
            self.working_days,
            self.home_share.get(),
            self.one_way_km.get(),
            self.hours_per_day.as_ref().map(|h| h.get()),
            modes.join(","),
            self.period_start,
            self.period_end,
            self.site_id,
            self.reference
        )
    }

    pub fn estimate(&self) -> Result<CommutingEstimate, DomainError> {
        if self.modes.len() > MAX_MODES {
            return Err(DomainError::invalid("modes", format!("lists at most {MAX_MODES} modes")));
        }
        let modes = self
            .modes
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let share = decimal("share", &m.share).map_err(|err| match err {
                    DomainError::Invalid { message, .. } => {
                        DomainError::invalid_at(format!("modes[{i}].share"), message)
                    }
                    other => other,
                })?;
                Ok((m.activity_type.trim().to_owned(), share))
            })
            .collect::<Result<_, DomainError>>()?;
        Ok(CommutingEstimate {
            headcount: self.headcount,
            working_days: self.working_days,
            home_share: decimal("homeShare", &self.home_share)?,
            one_way_km: decimal("oneWayKm", &self.one_way_km)?,
            modes,
            hours_per_day: match &self.hours_per_day {
                Some(hours) => decimal("hoursPerDay", hours)?,
                None => DEFAULT_HOURS_PER_DAY,
            },
            period_start: parse_date("periodStart", &self.period_start)?,
            period_end: parse_date("periodEnd", &self.period_end)?,
            site_id: self
                .site_id
                .as_deref()
                .map(|s| SiteId::parse(s.trim()).ok_or(DomainError::not_found("site")))
                .transpose()?,
            reference: self.reference.clone(),
        })
    }
}

/// The estimate a record was made from, as the record shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CommutingEstimate)]
pub(crate) struct EstimateOut<'a> {
    pub headcount: u32,
    pub working_days: u32,
    #[schema(schema_with = schema::decimal_text)]
    pub home_share: String,
    #[schema(schema_with = schema::decimal_text)]
    pub one_way_km: String,
    #[schema(schema_with = schema::decimal_text)]
    pub hours_per_day: String,
    pub modes: Vec<ModeOut<'a>>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub site_id: Option<&'a str>,
    pub reference: Option<&'a str>,
}

/// One mode of an estimate, as kept.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CommutingMode)]
pub(crate) struct ModeOut<'a> {
    pub activity_type: &'a str,
    #[schema(schema_with = schema::decimal_text)]
    pub share: String,
}

impl<'a> From<&'a CommutingEstimate> for EstimateOut<'a> {
    fn from(e: &'a CommutingEstimate) -> Self {
        Self {
            headcount: e.headcount,
            working_days: e.working_days,
            home_share: e.home_share.to_string(),
            one_way_km: e.one_way_km.to_string(),
            hours_per_day: e.hours_per_day.to_string(),
            modes: e.modes.iter().map(|(t, s)| ModeOut { activity_type: t, share: s.to_string() }).collect(),
            period_start: e.period_start,
            period_end: e.period_end,
            site_id: e.site_id.as_ref().map(|s| s.as_str()),
            reference: e.reference.as_deref(),
        }
    }
}

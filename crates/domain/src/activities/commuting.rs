//! Commuting from an estimate: headcount, working days, the share of days worked from home, the
//! average one-way distance and how staff travel, turned into the activity records they imply
//! (one per mode, and homeworking), so a plan can say how its category 7 figure was made.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::catalogue::ActivityCatalogue;
use super::family::Family;
use super::unit::ActivityUnit;
use crate::DomainError;
use crate::model::{ActivityInput, SiteId};

/// The homeworking type an estimate records its days at home as.
pub const HOMEWORKING_TYPE: &str = "commuting.homeworking.homeworking_office_equipment_heating";
/// The hours of a working day at home, unless the estimate says otherwise.
pub const DEFAULT_HOURS_PER_DAY: Decimal = Decimal::from_parts(75, 0, 0, false, 1);

/// How staff commute, as a company estimates it for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommutingEstimate {
    pub headcount: u32,
    /// Days each employee works in the period.
    pub working_days: u32,
    /// Share of those days worked from home, 0 to 1.
    pub home_share: Decimal,
    /// Average distance from home to work, one way, km.
    pub one_way_km: Decimal,
    /// Each commuting type and its share of the journeys to work; the shares add up to 1.
    pub modes: Vec<(String, Decimal)>,
    pub hours_per_day: Decimal,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The site the staff work at, if the estimate is for one.
    pub site_id: Option<SiteId>,
    /// The client's own reference, given to every record.
    pub reference: Option<String>,
}

impl CommutingEstimate {
    /// The records the estimate implies: per mode, headcount × days in the office × 2 journeys ×
    /// the one-way distance × the mode's share (passenger-km, or km for a car, one person a
    /// car); and homeworking, headcount × days at home × hours a day (FTE hours). Exact.
    pub fn records(&self, catalogue: &ActivityCatalogue) -> Result<Vec<ActivityInput>, DomainError> {
        self.check()?;
        let people = Decimal::from(self.headcount);
        let days = Decimal::from(self.working_days);
        let office_days = days * (Decimal::ONE - self.home_share);
        let mut out = Vec::new();
        for (i, (activity_type, share)) in self.modes.iter().enumerate() {
            let t = catalogue
                .get(activity_type)
                .filter(|t| matches!(t.family, Family::CommutingLand | Family::CommutingFerry))
                .ok_or_else(|| {
                    DomainError::invalid_at(
                        format!("modes[{i}].activityType"),
                        "must be a commuting type of the catalogue",
                    )
                })?;
            let unit =
                [ActivityUnit::PassengerKm, ActivityUnit::Km].into_iter().find(|u| t.units.contains(u)).ok_or_else(
                    || DomainError::invalid_at(format!("modes[{i}].activityType"), "is not stated by distance"),
                )?;
            // Every day at home: no journeys to record, whatever the modes.
            if office_days.is_zero() {
                continue;
            }
            let quantity = people * office_days * Decimal::TWO * self.one_way_km * share;
            if quantity.is_zero() {
                // Below what a decimal holds: refused rather than a mode silently left out.
                return Err(DomainError::invalid(
                    "oneWayKm",
                    format!("is too small: {activity_type}'s journeys come to 0 km"),
                ));
            }
            out.push(self.input(activity_type, quantity, unit));
        }
        if !self.home_share.is_zero() {
            let home_hours = people * days * self.home_share * self.hours_per_day;
            if home_hours.is_zero() {
                return Err(DomainError::invalid("homeShare", "is too small: the days at home come to 0 hours"));
            }
            out.push(self.input(HOMEWORKING_TYPE, home_hours, ActivityUnit::FteHours));
        }
        Ok(out)
    }

    fn input(&self, activity_type: &str, quantity: Decimal, unit: ActivityUnit) -> ActivityInput {
        ActivityInput {
            activity_type: activity_type.to_owned(),
            quantity: quantity.normalize(),
            unit,
            period_start: self.period_start,
            period_end: self.period_end,
            site_id: self.site_id.clone(),
            direction: None,
            radiative_forcing: None,
            reference: self.reference.clone(),
            note: Some("From a commuting estimate".into()),
            market_instrument: None,
        }
    }

    fn check(&self) -> Result<(), DomainError> {
        if !(1..=100_000).contains(&self.headcount) {
            return Err(DomainError::invalid("headcount", "must be from 1 to 100,000"));
        }
        if !(1..=366).contains(&self.working_days) {
            return Err(DomainError::invalid("workingDays", "must be from 1 to 366"));
        }
        // The period's own checks (order, length) come with each record; here only that the days
        // fit in it.
        let period_days = (self.period_end - self.period_start).num_days() + 1;
        if period_days >= 1 && i64::from(self.working_days) > period_days {
            return Err(DomainError::invalid(
                "workingDays",
                format!("is {}, more than the {period_days} days from periodStart to periodEnd", self.working_days),
            ));
        }
        if self.home_share < Decimal::ZERO || self.home_share > Decimal::ONE {
            return Err(DomainError::invalid("homeShare", "must be from 0 to 1"));
        }
        if self.one_way_km <= Decimal::ZERO || self.one_way_km > Decimal::from(500) {
            return Err(DomainError::invalid("oneWayKm", "must be more than 0 and at most 500"));
        }
        if self.hours_per_day <= Decimal::ZERO || self.hours_per_day > Decimal::from(24) {
            return Err(DomainError::invalid("hoursPerDay", "must be more than 0 and at most 24"));
        }
        if self.modes.is_empty() && self.home_share < Decimal::ONE {
            return Err(DomainError::invalid("modes", "must say how staff travel on the days they come in"));
        }
        for (i, (_, share)) in self.modes.iter().enumerate() {
            if *share <= Decimal::ZERO || *share > Decimal::ONE {
                return Err(DomainError::invalid_at(format!("modes[{i}].share"), "must be more than 0 and at most 1"));
            }
        }
        let total: Decimal = self.modes.iter().map(|(_, s)| *s).sum();
        if !self.modes.is_empty() && total != Decimal::ONE {
            return Err(DomainError::invalid("modes", format!("shares must add up to 1 (they add up to {total})")));
        }
        let mut types: Vec<&str> = self.modes.iter().map(|(t, _)| t.as_str()).collect();
        types.sort_unstable();
        if types.windows(2).any(|w| w[0] == w[1]) {
            return Err(DomainError::invalid("modes", "name each type once"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calculation::FactorLibrary;

    fn d(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    fn estimate() -> CommutingEstimate {
        CommutingEstimate {
            headcount: 12,
            working_days: 220,
            home_share: d("0.4"),
            one_way_km: d("15"),
            modes: vec![
                ("commuting.cars_by_size.average_car.petrol".into(), d("0.5")),
                ("commuting.rail.national_rail".into(), d("0.3")),
                ("commuting.bus.average_local_bus".into(), d("0.2")),
            ],
            hours_per_day: DEFAULT_HOURS_PER_DAY,
            period_start: NaiveDate::from_ymd_opt(2025, 4, 1).expect("date"),
            period_end: NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"),
            site_id: None,
            reference: None,
        }
    }

    fn catalogue() -> ActivityCatalogue {
        ActivityCatalogue::build(&FactorLibrary::official().expect("sets")).expect("catalogue")
    }

    #[test]
    fn an_estimate_becomes_one_record_a_mode_and_homeworking() {
        let records = estimate().records(&catalogue()).expect("records");
        let got: Vec<(&str, Decimal, ActivityUnit)> =
            records.iter().map(|r| (r.activity_type.as_str(), r.quantity, r.unit)).collect();
        // 12 people × 132 office days (220 × 0.6) × 2 × 15 km = 47,520 km of journeys.
        assert_eq!(
            got,
            [
                ("commuting.cars_by_size.average_car.petrol", d("23760"), ActivityUnit::Km),
                ("commuting.rail.national_rail", d("14256"), ActivityUnit::PassengerKm),
                ("commuting.bus.average_local_bus", d("9504"), ActivityUnit::PassengerKm),
                // 12 × 88 days at home × 7.5 hours.
                (HOMEWORKING_TYPE, d("7920"), ActivityUnit::FteHours),
            ]
        );
    }

    #[test]
    fn bad_estimates_are_refused_by_field() {
        let field = |e: CommutingEstimate| match e.records(&catalogue()) {
            Err(DomainError::Invalid { field, .. }) => field.to_owned(),
            Err(DomainError::InvalidAt { path, .. }) => path,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(CommutingEstimate { headcount: 0, ..estimate() }), "headcount");
        assert_eq!(field(CommutingEstimate { home_share: d("1.1"), ..estimate() }), "homeShare");
        assert_eq!(field(CommutingEstimate { one_way_km: d("0"), ..estimate() }), "oneWayKm");
        let one_day = estimate().period_start;
        assert_eq!(field(CommutingEstimate { period_end: one_day, ..estimate() }), "workingDays", "220 days in one");
        let tiny = CommutingEstimate {
            headcount: 1,
            working_days: 1,
            one_way_km: d("0.0000000000000000000000000001"),
            ..estimate()
        };
        assert_eq!(field(tiny), "oneWayKm", "a mode whose journeys come to nothing is not dropped silently");
        let tiny_home = CommutingEstimate {
            headcount: 1,
            working_days: 1,
            home_share: d("0.0000000000000000000000000001"),
            hours_per_day: d("0.01"),
            ..estimate()
        };
        assert_eq!(field(tiny_home), "homeShare");
        let mut uneven = estimate();
        uneven.modes[0].1 = d("0.4");
        assert_eq!(field(uneven), "modes");
        let mut flight = estimate();
        flight.modes[0].0 = "business_travel.air.domestic.average".into();
        assert_eq!(field(flight), "modes[0].activityType");
    }
}

//! Reporting periods: a year of twelve months from the company's start month. `2025-26` runs
//! 1 April 2025 – 31 March 2026 for an April start; a January start gives `2025`.

use chrono::{Datelike, Months, NaiveDate};

use crate::DomainError;
use crate::model::ReportingYearStart;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportingPeriod {
    /// The first day of the period.
    start: NaiveDate,
}

impl ReportingPeriod {
    /// The period that contains `date`.
    pub fn containing(date: NaiveDate, start: ReportingYearStart) -> Self {
        let month = start.month();
        let year = if date.month() >= month { date.year() } else { date.year() - 1 };
        Self::starting(year, month)
    }

    fn starting(year: i32, month: u32) -> Self {
        // Month is 1..=12 (ReportingYearStart) and the year comes from a valid date: always valid.
        let start = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN);
        Self { start }
    }

    /// Parses `2025-26` (or `2025` for a January start) for a company with `start`.
    pub fn parse(label: &str, start: ReportingYearStart) -> Result<Self, DomainError> {
        let bad = || {
            let example = if start.month() == 1 { "2025" } else { "2025-26" };
            DomainError::invalid("period", format!("{label:?} is not a reporting period; expected the form {example}"))
        };
        let (first, second) = match label.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (label, None),
        };
        if first.len() != 4 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = first.parse().map_err(|_| bad())?;
        if !(1990..=2200).contains(&year) {
            return Err(bad());
        }
        match (start.month(), second) {
            (1, None) => Ok(Self::starting(year, 1)),
            (month, Some(end)) if month != 1 && end.len() == 2 && end == format!("{:02}", (year + 1) % 100) => {
                Ok(Self::starting(year, month))
            }
            _ => Err(bad()),
        }
    }

    /// The period that ends in `year` (its `fyYear`): for an April start, 2026 gives `2025-26`.
    pub fn ending_in(year: i32, start: ReportingYearStart) -> Self {
        match start.month() {
            1 => Self::starting(year, 1),
            month => Self::starting(year - 1, month),
        }
    }

    /// The year in which the period ends (a plan's `fyYear`).
    pub fn end_year(self) -> i32 {
        self.end().year()
    }

    pub fn start(self) -> NaiveDate {
        self.start
    }

    /// The last day of the period (inclusive).
    pub fn end(self) -> NaiveDate {
        self.next().start.pred_opt().unwrap_or(self.start)
    }

    pub fn next(self) -> Self {
        Self { start: self.start.checked_add_months(Months::new(12)).unwrap_or(self.start) }
    }

    pub fn label(self) -> String {
        if self.start.month() == 1 {
            format!("{}", self.start.year())
        } else {
            format!("{}-{:02}", self.start.year(), (self.start.year() + 1) % 100)
        }
    }

    /// The calendar year whose DESNZ factor set this period uses: the year in which the greater
    /// part of the period falls, counted in months; an even split (July–June) takes the newer.
    pub fn factor_year(self) -> i32 {
        let months_in_first_year = 13 - self.start.month();
        if months_in_first_year > 6 { self.start.year() } else { self.start.year() + 1 }
    }

    /// Days of the inclusive range `from..=to` that fall in this period.
    pub fn days_of(self, from: NaiveDate, to: NaiveDate) -> u32 {
        let first = from.max(self.start);
        let last = to.min(self.end());
        if last < first { 0 } else { u32::try_from((last - first).num_days() + 1).unwrap_or(0) }
    }

    /// Every period the inclusive range `from..=to` overlaps, in order.
    pub fn overlapping(from: NaiveDate, to: NaiveDate, start: ReportingYearStart) -> Vec<Self> {
        let mut periods = Vec::new();
        let mut period = Self::containing(from, start);
        while period.start <= to {
            periods.push(period);
            period = period.next();
        }
        periods
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn month(m: u32) -> ReportingYearStart {
        ReportingYearStart::new(m).expect("month")
    }

    #[test]
    fn a_period_is_found_by_the_year_it_ends_in() {
        for m in 1..=12 {
            for year in [1990, 2026, 2099] {
                let p = ReportingPeriod::ending_in(year, month(m));
                assert_eq!(p.end_year(), year, "start month {m}");
                assert_eq!(p.start().month(), m);
            }
        }
        assert_eq!(ReportingPeriod::ending_in(2026, ReportingYearStart::APRIL).label(), "2025-26");
    }

    #[test]
    fn april_years_are_labelled_and_bounded_like_the_seed() {
        let p = ReportingPeriod::containing(date(2026, 3, 15), ReportingYearStart::APRIL);
        assert_eq!(p.label(), "2025-26");
        assert_eq!((p.start(), p.end()), (date(2025, 4, 1), date(2026, 3, 31)));
        assert_eq!(ReportingPeriod::containing(date(2026, 4, 1), ReportingYearStart::APRIL).label(), "2026-27");
        assert_eq!(ReportingPeriod::containing(date(2099, 12, 31), month(4)).label(), "2099-00");
    }

    #[test]
    fn january_years_are_calendar_years() {
        let p = ReportingPeriod::containing(date(2025, 7, 1), month(1));
        assert_eq!(p.label(), "2025");
        assert_eq!((p.start(), p.end()), (date(2025, 1, 1), date(2025, 12, 31)));
    }

    #[test]
    fn labels_parse_back_and_bad_ones_are_refused() {
        assert_eq!(ReportingPeriod::parse("2025-26", month(4)).map(|p| p.start()).ok(), Some(date(2025, 4, 1)));
        assert_eq!(ReportingPeriod::parse("2025", month(1)).map(|p| p.start()).ok(), Some(date(2025, 1, 1)));
        for bad in ["2025", "2025-27", "25-26", "2025-2026", "abcd-ef", "", "2025-26 "] {
            assert!(ReportingPeriod::parse(bad, month(4)).is_err(), "{bad:?}");
        }
        assert!(ReportingPeriod::parse("2025-26", month(1)).is_err());
    }

    #[test]
    fn the_factor_year_is_where_most_of_the_period_falls() {
        assert_eq!(ReportingPeriod::parse("2025-26", month(4)).map(|p| p.factor_year()).ok(), Some(2025));
        assert_eq!(ReportingPeriod::parse("2025", month(1)).map(|p| p.factor_year()).ok(), Some(2025));
        assert_eq!(
            ReportingPeriod::parse("2024-25", month(7)).map(|p| p.factor_year()).ok(),
            Some(2025),
            "even split: newer"
        );
        assert_eq!(ReportingPeriod::parse("2024-25", month(6)).map(|p| p.factor_year()).ok(), Some(2024));
        assert_eq!(ReportingPeriod::parse("2024-25", month(8)).map(|p| p.factor_year()).ok(), Some(2025));
    }

    #[test]
    fn a_range_is_split_into_the_days_of_each_period() {
        let periods = ReportingPeriod::overlapping(date(2025, 3, 15), date(2025, 4, 14), month(4));
        let labels: Vec<String> = periods.iter().map(|p| p.label()).collect();
        assert_eq!(labels, ["2024-25", "2025-26"]);
        let days: Vec<u32> = periods.iter().map(|p| p.days_of(date(2025, 3, 15), date(2025, 4, 14))).collect();
        assert_eq!(days, [17, 14]);
    }
}

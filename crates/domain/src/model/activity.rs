//! An activity record: what a company did (drove, flew, shipped, threw away) in a period, as a
//! type of the catalogue, with its calculation.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::bill::Correction;
use super::ids::{ActivityId, SiteId};
use crate::activities::{ActivityUnit, CommutingEstimate, Direction, Family};
use crate::calculation::{Calculation, CategoryAmount, MarketInstrument, Scope};

/// What a record states, checked against the catalogue (`activities::check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityInput {
    /// An id of the catalogue.
    pub activity_type: String,
    pub quantity: Decimal,
    pub unit: ActivityUnit,
    /// First and last day of the period the activity happened in, both included.
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub site_id: Option<SiteId>,
    /// Freight only: which way the goods moved.
    pub direction: Option<Direction>,
    /// Flights only: with radiative forcing (the default) or without; `None` for other types.
    pub radiative_forcing: Option<bool>,
    /// The client's own reference (an expense claim, a booking), at most 200 characters.
    pub reference: Option<String>,
    pub note: Option<String>,
    /// Heat only: the contract it was bought under, for market-based scope 2.
    pub market_instrument: Option<MarketInstrument>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityStatus {
    /// Counts in the emissions.
    Recorded,
    /// Left every total; kept, with why.
    Voided,
}

impl ActivityStatus {
    pub const ALL: [ActivityStatus; 2] = [ActivityStatus::Recorded, ActivityStatus::Voided];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::Recorded => "recorded",
            ActivityStatus::Voided => "voided",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ActivityStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// A record to store: the checked input, its calculation and the amounts the totals take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivityRecord {
    pub input: ActivityInput,
    pub family: Family,
    pub calculation: Calculation,
    /// Micrograms per reporting period, scope and scope 3 category: what the totals add.
    pub amounts: Vec<CategoryAmount>,
    pub recorded_at: DateTime<Utc>,
    /// The commuting estimate the record comes from, kept with it to say how it was made.
    pub estimate: Option<CommutingEstimate>,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub id: ActivityId,
    pub input: ActivityInput,
    pub family: Family,
    pub status: ActivityStatus,
    pub calculation: Calculation,
    pub recorded_at: DateTime<Utc>,
    /// Why and when it was voided.
    pub voided: Option<Correction>,
    /// The commuting estimate the record comes from.
    pub estimate: Option<CommutingEstimate>,
}

impl ActivityRecord {
    /// kg CO2e of `scope`, over all periods.
    pub fn total(&self, scope: Scope) -> Decimal {
        self.calculation.total(scope)
    }
}

/// What is wrong with one row of an import: its line in the file (the header is line 1), the
/// column at fault, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: usize,
    pub column: String,
    pub message: String,
}

/// The most rows one import may hold.
pub const MAX_IMPORT_ROWS: usize = 10_000;

/// The most row problems an error lists (the message gives the total).
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// Which records to list: newest first, after the cursor, filtered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityQuery {
    /// Records with a line in this scope 3 category.
    pub category: Option<u8>,
    pub site: Option<SiteId>,
    /// Records with a part in this reporting period (its label, `2025-26`).
    pub period: Option<String>,
    pub after: Option<ActivityId>,
    pub limit: u32,
}

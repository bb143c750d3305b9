//! Activities beyond bills: company vehicles, refrigerants, heat, business travel, commuting,
//! freight and waste, calculated with the same DESNZ sets and rules as bills. The catalogue of
//! types is built from the shipped sets; each family's rules say how.

mod calculate;
mod catalogue;
mod commuting;
mod family;
mod unit;

pub use calculate::{MAX_ACTIVITY_DAYS, MAX_NOTE_CHARS, MAX_REFERENCE_CHARS, calculate};
pub use catalogue::{ActivityCatalogue, ActivityType, MAX_PART_KG, RowRole, RowUse, Variant};
pub use commuting::{CommutingEstimate, DEFAULT_HOURS_PER_DAY, HOMEWORKING_TYPE};
pub use family::{Direction, Family};
pub use unit::ActivityUnit;

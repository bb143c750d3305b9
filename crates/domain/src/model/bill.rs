//! An uploaded utility bill and the file it came as.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::ids::{BillId, SessionId, SiteId};
use super::meter_point::MeterPoint;
use crate::DomainError;
use crate::calculation::{Activity, BillType, Calculation, Unit};

/// `uploaded` → `confirmed`; `rejected` is allowed from `uploaded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillStatus {
    Uploaded,
    Confirmed,
    Rejected,
}

impl BillStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BillStatus::Uploaded => "uploaded",
            BillStatus::Confirmed => "confirmed",
            BillStatus::Rejected => "rejected",
        }
    }
}

impl FromStr for BillStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "uploaded" => Ok(BillStatus::Uploaded),
            "confirmed" => Ok(BillStatus::Confirmed),
            "rejected" => Ok(BillStatus::Rejected),
            other => Err(DomainError::invalid("status", format!("unknown bill status {other:?}"))),
        }
    }
}

/// A file held in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub blob_key: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bill {
    pub id: BillId,
    pub site_id: SiteId,
    pub session_id: SessionId,
    pub bill_type: BillType,
    pub status: BillStatus,
    pub file: StoredFile,
    pub created_at: DateTime<Utc>,
    /// Set once the bill is confirmed.
    pub confirmed: Option<Confirmed>,
}

/// What a confirmation states about a bill (SPEC 3), parsed but not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmBill {
    pub consumption: Decimal,
    pub unit: Unit,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub meter_point: Option<String>,
    pub supplier: Option<String>,
    pub calorific_value: Option<Decimal>,
    pub volume_correction: Option<Decimal>,
    pub sewerage_volume: Option<Decimal>,
    /// Confirm even though it overlaps a confirmed bill of the same supply (recorded).
    pub allow_overlap: bool,
}

/// Reads an exact decimal given as text ("1234.5", "1.2e3"), naming `field` if it is not one.
/// Shared by every edge that accepts confirmations (the API, the operator CLI).
pub fn parse_decimal(field: &'static str, text: &str) -> Result<Decimal, DomainError> {
    let text = text.trim();
    Decimal::from_str_exact(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| DomainError::invalid(field, "must be a decimal number"))
}

/// Reads a calendar date, `YYYY-MM-DD`, naming `field` if it is not one.
pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, DomainError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::invalid(field, "must be a date, YYYY-MM-DD"))
}

/// A confirmed bill's activity and calculation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub activity: Activity,
    pub meter_point: Option<MeterPoint>,
    pub supplier: Option<String>,
    pub allow_overlap: bool,
    pub confirmed_at: DateTime<Utc>,
    pub calculation: Calculation,
}

/// A stored file to record as a bill of a site, in the session in progress for the reporting
/// period `period` (opened if the site has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpload {
    pub site_id: SiteId,
    pub bill_type: BillType,
    pub file: StoredFile,
    pub period: String,
}

/// Which bills to list: newest first, after the bill named by `after` (the previous page's last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillQuery {
    pub status: Option<BillStatus>,
    pub site: Option<SiteId>,
    pub after: Option<BillId>,
    pub limit: u32,
}

//! An uploaded utility bill and the file it came as.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::ids::{BillId, SessionId, SiteId};
use super::meter_point::MeterPoint;
use crate::DomainError;
use crate::calculation::{Activity, BillType, Calculation, Unit};

/// `uploaded` → `confirmed` → `voided`, or `uploaded` → `rejected`. Mistakes are corrected,
/// never erased: a rejected or voided bill stays readable with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillStatus {
    Uploaded,
    Confirmed,
    Rejected,
    Voided,
}

impl BillStatus {
    pub const ALL: [BillStatus; 4] =
        [BillStatus::Uploaded, BillStatus::Confirmed, BillStatus::Rejected, BillStatus::Voided];

    /// The one spelling of each status, on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            BillStatus::Uploaded => "uploaded",
            BillStatus::Confirmed => "confirmed",
            BillStatus::Rejected => "rejected",
            BillStatus::Voided => "voided",
        }
    }

    /// Whether the bill's file counts as uploaded for its site (a second copy is a duplicate);
    /// a rejected or voided bill's file may be uploaded again.
    pub fn holds_its_file(self) -> bool {
        matches!(self, BillStatus::Uploaded | BillStatus::Confirmed)
    }
}

impl FromStr for BillStatus {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BillStatus::ALL.into_iter().find(|status| status.as_str() == s).ok_or_else(|| {
            DomainError::invalid(
                "status",
                format!("unknown bill status {s:?}; expected uploaded, confirmed, rejected or voided"),
            )
        })
    }
}

/// The two ways a mistake is corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillCorrection {
    /// An `uploaded` bill that should never count.
    Reject,
    /// A `confirmed` bill taken out of every total.
    Void,
}

/// Why and when a bill was rejected or voided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// The longest reason kept for a rejection or a void.
pub const MAX_REASON_CHARS: usize = 500;

impl Correction {
    /// A reason as sent: trimmed, required, at most [`MAX_REASON_CHARS`] characters, no control
    /// characters (it is shown in terminals and reports).
    pub fn new(reason: &str, at: DateTime<Utc>) -> Result<Self, DomainError> {
        let reason = super::text::plain_text("reason", reason, MAX_REASON_CHARS)?
            .ok_or_else(|| DomainError::invalid("reason", "is required: say why the record is being corrected"))?;
        Ok(Self { reason, at })
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
    /// Set once the bill is confirmed (and kept when it is voided).
    pub confirmed: Option<Confirmed>,
    /// Set when the bill is rejected or voided.
    pub correction: Option<Correction>,
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
    /// Electricity only: the contract it was bought under, for market-based scope 2.
    pub market_instrument: Option<crate::calculation::MarketInstrument>,
}

/// Reads an exact decimal given as text ("1234.5", "1.2e3"), naming `field` if it is not one.
/// Shared by every edge that accepts confirmations (the API, the operator CLI).
/// Every digit is kept: a number with more significant digits than the 28 a decimal holds is
/// refused rather than rounded.
pub fn parse_decimal(field: &'static str, text: &str) -> Result<Decimal, DomainError> {
    let text = text.trim();
    let is_number = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if !is_number {
        return Err(DomainError::invalid(field, "must be a decimal number"));
    }
    let exact = match text.find(['e', 'E']) {
        // Trailing zeros after the point are kept as typed, and dropped only where the decimal
        // could not hold them otherwise (they change nothing of the value).
        None => Decimal::from_str_exact(text).ok().or_else(|| {
            let trimmed = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text };
            Decimal::from_str_exact(trimmed).ok()
        }),
        Some(_) => Decimal::from_scientific(text).ok().filter(|d| scientific_is_exact(text, *d)),
    };
    exact.ok_or_else(|| DomainError::invalid(field, inexact(text)))
}

/// Why a well-formed number cannot be held: too large, or too many digits to keep exactly.
fn inexact(text: &str) -> &'static str {
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let exponent = exponent.parse::<i64>().unwrap_or(if exponent.starts_with('-') { i64::MIN } else { i64::MAX });
    let whole = mantissa.trim_start_matches(['-', '+']).split('.').next().unwrap_or_default();
    let whole_digits = i64::try_from(whole.trim_start_matches('0').len()).unwrap_or(i64::MAX);
    if whole_digits.saturating_add(exponent) > 28 {
        "is far larger than any amount accepted"
    } else {
        "cannot be kept exactly: at most 28 decimal places and 28 or 29 significant digits"
    }
}

/// Whether `value` holds every significant digit of the scientific `text` it was read from.
fn scientific_is_exact(text: &str, value: Decimal) -> bool {
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    let significant = mantissa.trim_start_matches(['-', '+']).replace('.', "");
    let significant = significant.trim_start_matches('0').trim_end_matches('0');
    let kept = value.normalize().mantissa().unsigned_abs().to_string();
    significant.is_empty() && value.is_zero() || kept.trim_end_matches('0') == significant
}

/// Reads a calendar date, `YYYY-MM-DD`, naming `field` if it is not one.
pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, DomainError> {
    let bad = || DomainError::invalid(field, "must be a date, YYYY-MM-DD");
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return Err(bad());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_that_cannot_be_held_says_why() {
        let message = |text: &str| match parse_decimal("consumption", text) {
            Err(DomainError::Invalid { message, .. }) => message,
            other => panic!("{text}: {other:?}"),
        };
        for huge in ["1e400", "-1e400", &format!("1{}", "0".repeat(400))] {
            assert!(message(huge).contains("larger"), "{huge}");
        }
        for fine in ["1e-29", "5e-324", "0.00000000000000000000000000001", "1.0000000000000000000000000000001"] {
            assert!(message(fine).contains("at most 28 decimal places"), "{fine}");
        }
        assert_eq!(parse_decimal("consumption", "1.5e3").ok(), Some(Decimal::from(1500)));
    }

    #[test]
    fn decimals_keep_every_digit_or_are_refused() {
        let parsed = |t: &str| parse_decimal("consumption", t).map(|d| d.to_string()).ok();
        assert_eq!(parsed("1234.567890123456789012").as_deref(), Some("1234.567890123456789012"));
        assert_eq!(parsed(" 1000.000 ").as_deref(), Some("1000.000"));
        assert_eq!(parsed("1.5e3").map(|s| s.parse::<Decimal>().ok()), Some(Some(Decimal::new(1500, 0))));
        assert_eq!(parsed("-2").as_deref(), Some("-2"));
        for bad in ["", "lots", "1,5", "0x10", "NaN", "inf", "1.2.3", "12345678901234567890.123456789012", "1e40"] {
            assert_eq!(parsed(bad), None, "{bad:?}");
        }
        let one = format!("1.{}", "0".repeat(36));
        assert_eq!(parsed(&one).as_deref(), Some("1"), "zeros that cannot be held change nothing");
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert!(parse_date("periodStart", "2025-02-01").is_ok());
        for bad in
            [" 2025-02-01", "2025-2-1", "+2025-02-01", "2025-02-30", "2025/02/01", "20250201", "2025-02-01T00:00"]
        {
            assert!(parse_date("periodStart", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn statuses_have_one_spelling_each() {
        for status in BillStatus::ALL {
            assert_eq!(status.as_str().parse::<BillStatus>().ok(), Some(status));
        }
        assert!("Confirmed".parse::<BillStatus>().is_err());
        assert!(BillStatus::Confirmed.holds_its_file() && !BillStatus::Voided.holds_its_file());
    }

    #[test]
    fn a_correction_needs_a_plain_reason() {
        let now = Utc::now();
        assert_eq!(Correction::new("  wrong site ", now).map(|c| c.reason).ok().as_deref(), Some("wrong site"));
        for bad in ["", "   ", "bad\u{1b}[31m", "\u{200b}", "\u{feff}", "a\u{0}b", &"x".repeat(MAX_REASON_CHARS + 1)] {
            assert!(matches!(Correction::new(bad, now), Err(DomainError::Invalid { field: "reason", .. })), "{bad:?}");
        }
    }
}

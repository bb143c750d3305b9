//! `/api/v1/bills`: the seed's upload response shape, confirmation bodies, bill details.

use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::Unit;
use carbonpass_domain::model::{Bill, ConfirmBill, parse_date, parse_decimal};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::calculation::CalculationOut;
use super::time::rfc3339;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillOut<'a> {
    pub id: &'a str,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub bill_type: &'static str,
    pub session_id: &'a str,
    pub site_id: &'a str,
    pub created_at: String,
}

impl<'a> From<&'a Bill> for BillOut<'a> {
    fn from(bill: &'a Bill) -> Self {
        Self {
            id: bill.id.as_str(),
            status: bill.status.as_str(),
            bill_type: bill.bill_type.as_str(),
            session_id: bill.session_id.as_str(),
            site_id: bill.site_id.as_str(),
            created_at: rfc3339(bill.created_at),
        }
    }
}

/// `POST /api/v1/bills/{id}/confirm`. Amounts may be JSON numbers or strings ("1234.5"); either
/// way they are read from the body's own text as exact decimals, never through a binary float.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ConfirmIn {
    pub consumption: Box<RawValue>,
    pub unit: String,
    pub period_start: String,
    pub period_end: String,
    pub meter_point: Option<String>,
    pub supplier: Option<String>,
    pub calorific_value: Option<Box<RawValue>>,
    pub volume_correction_factor: Option<Box<RawValue>>,
    pub sewerage_volume: Option<Box<RawValue>>,
    #[serde(default)]
    pub allow_overlap: bool,
}

/// A JSON number or string, read from its text as an exact decimal.
fn decimal(field: &'static str, value: &RawValue) -> Result<Decimal, DomainError> {
    let text = value.get().trim();
    if text.starts_with('"') {
        let inner: String = serde_json::from_str(text).map_err(|_| DomainError::invalid(field, "must be a number"))?;
        return parse_decimal(field, &inner);
    }
    if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return parse_decimal(field, text);
    }
    Err(DomainError::invalid(field, "must be a number"))
}

/// `POST /api/v1/bills/{id}/reject` and `/void`: why the bill is being corrected.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CorrectIn {
    pub reason: Option<String>,
}

impl CorrectIn {
    pub fn reason(&self) -> Result<&str, DomainError> {
        self.reason.as_deref().ok_or(DomainError::MissingField { field: "reason", context: "the request" })
    }
}

impl TryFrom<ConfirmIn> for ConfirmBill {
    type Error = DomainError;
    fn try_from(body: ConfirmIn) -> Result<Self, DomainError> {
        let optional = |field, value: &Option<Box<RawValue>>| value.as_deref().map(|v| decimal(field, v)).transpose();
        Ok(ConfirmBill {
            consumption: decimal("consumption", &body.consumption)?,
            unit: body.unit.parse::<Unit>()?,
            period_start: parse_date("periodStart", &body.period_start)?,
            period_end: parse_date("periodEnd", &body.period_end)?,
            meter_point: body.meter_point,
            supplier: body.supplier,
            calorific_value: optional("calorificValue", &body.calorific_value)?,
            volume_correction: optional("volumeCorrectionFactor", &body.volume_correction_factor)?,
            sewerage_volume: optional("sewerageVolume", &body.sewerage_volume)?,
            allow_overlap: body.allow_overlap,
        })
    }
}

/// A bill with, once confirmed, its activity and calculation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillDetailOut<'a> {
    #[serde(flatten)]
    pub bill: BillOut<'a>,
    pub file: FileOut<'a>,
    /// The activity and calculation; kept when the bill is voided.
    pub confirmation: Option<ConfirmationOut<'a>>,
    /// Set when the bill was rejected or voided.
    pub correction: Option<CorrectionOut<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CorrectionOut<'a> {
    /// `rejected` or `voided`.
    pub action: &'static str,
    pub reason: &'a str,
    pub at: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileOut<'a> {
    pub content_type: &'a str,
    pub size_bytes: u64,
    pub sha256: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConfirmationOut<'a> {
    pub confirmed_at: String,
    pub consumption: String,
    pub unit: &'static str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub meter_point: Option<&'a str>,
    pub supplier: Option<&'a str>,
    pub calorific_value: Option<String>,
    pub volume_correction_factor: Option<String>,
    pub sewerage_volume: Option<String>,
    pub allow_overlap: bool,
    pub calculation: CalculationOut<'a>,
}

impl<'a> From<&'a Bill> for BillDetailOut<'a> {
    fn from(bill: &'a Bill) -> Self {
        let confirmation = bill.confirmed.as_ref().map(|c| ConfirmationOut {
            confirmed_at: rfc3339(c.confirmed_at),
            consumption: c.activity.quantity.to_string(),
            unit: c.activity.unit.as_str(),
            period_start: c.activity.period_start,
            period_end: c.activity.period_end,
            meter_point: c.meter_point.as_ref().map(|m| m.as_str()),
            supplier: c.supplier.as_deref(),
            calorific_value: c.activity.calorific_value.map(|v| v.to_string()),
            volume_correction_factor: c.activity.volume_correction.map(|v| v.to_string()),
            sewerage_volume: c.activity.sewerage_volume.map(|v| v.to_string()),
            allow_overlap: c.allow_overlap,
            calculation: CalculationOut::from(&c.calculation),
        });
        let correction = bill.correction.as_ref().map(|c| CorrectionOut {
            action: bill.status.as_str(),
            reason: &c.reason,
            at: rfc3339(c.at),
        });
        Self {
            bill: BillOut::from(bill),
            file: FileOut {
                content_type: &bill.file.content_type,
                size_bytes: bill.file.size_bytes,
                sha256: &bill.file.sha256,
            },
            confirmation,
            correction,
        }
    }
}

/// `GET /api/v1/bills` query: filters and the page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct BillsQueryIn {
    pub status: Option<String>,
    pub site_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A page of a list: `nextCursor` is the value to send as `cursor` for the next page, or `null`
/// on the last one.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The file name a download is offered under: the bill's id and its kind's extension.
pub(crate) fn download_name(bill: &Bill) -> String {
    let extension = match bill.file.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "csv",
    };
    format!("{}.{extension}", bill.id)
}

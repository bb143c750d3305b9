//! `/api/v1/bills`: the seed's upload response shape, confirmation bodies, bill details.

use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::{CalculationPart, Scope, Unit};
use carbonpass_domain::model::{Bill, ConfirmBill, parse_date, parse_decimal};
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

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

/// `POST /api/v1/bills/{id}/confirm`. Amounts may be JSON numbers or strings ("1234.5"); they are
/// read as exact decimals either way.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ConfirmIn {
    pub consumption: serde_json::Value,
    pub unit: String,
    pub period_start: String,
    pub period_end: String,
    pub meter_point: Option<String>,
    pub supplier: Option<String>,
    pub calorific_value: Option<serde_json::Value>,
    pub volume_correction_factor: Option<serde_json::Value>,
    pub sewerage_volume: Option<serde_json::Value>,
    #[serde(default)]
    pub allow_overlap: bool,
}

/// A JSON number or string, read as an exact decimal.
fn decimal(field: &'static str, value: &serde_json::Value) -> Result<Decimal, DomainError> {
    match value {
        serde_json::Value::Number(n) => parse_decimal(field, &n.to_string()),
        serde_json::Value::String(s) => parse_decimal(field, s),
        _ => Err(DomainError::invalid(field, "must be a number")),
    }
}

impl TryFrom<ConfirmIn> for ConfirmBill {
    type Error = DomainError;
    fn try_from(body: ConfirmIn) -> Result<Self, DomainError> {
        let optional = |field, value: &Option<serde_json::Value>| value.as_ref().map(|v| decimal(field, v)).transpose();
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
    pub confirmation: Option<ConfirmationOut<'a>>,
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

/// Scope amounts in tCO2e (rounded at this edge only) and the full record behind them, exact.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CalculationOut<'a> {
    pub total_tco2e: f64,
    pub scope1: f64,
    pub scope2: f64,
    pub scope3: f64,
    pub parts: &'a [CalculationPart],
}

fn tco2e(kg: Decimal) -> f64 {
    let tonnes = (kg / Decimal::from(1000)).round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
    tonnes.to_f64().unwrap_or(0.0)
}

impl<'a> From<&'a Bill> for BillDetailOut<'a> {
    fn from(bill: &'a Bill) -> Self {
        let confirmation = bill.confirmed.as_ref().map(|c| {
            let calc = &c.calculation;
            let (s1, s2, s3) = (calc.total(Scope::One), calc.total(Scope::Two), calc.total(Scope::Three));
            ConfirmationOut {
                confirmed_at: rfc3339(c.confirmed_at),
                consumption: c.activity.quantity.normalize().to_string(),
                unit: c.activity.unit.as_str(),
                period_start: c.activity.period_start,
                period_end: c.activity.period_end,
                meter_point: c.meter_point.as_ref().map(|m| m.as_str()),
                supplier: c.supplier.as_deref(),
                calorific_value: c.activity.calorific_value.map(|v| v.normalize().to_string()),
                volume_correction_factor: c.activity.volume_correction.map(|v| v.normalize().to_string()),
                sewerage_volume: c.activity.sewerage_volume.map(|v| v.normalize().to_string()),
                allow_overlap: c.allow_overlap,
                calculation: CalculationOut {
                    total_tco2e: tco2e(s1 + s2 + s3),
                    scope1: tco2e(s1),
                    scope2: tco2e(s2),
                    scope3: tco2e(s3),
                    parts: &calc.parts,
                },
            }
        });
        Self {
            bill: BillOut::from(bill),
            file: FileOut {
                content_type: &bill.file.content_type,
                size_bytes: bill.file.size_bytes,
                sha256: &bill.file.sha256,
            },
            confirmation,
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

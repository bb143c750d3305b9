//! `/api/v1/bills`: the seed's upload response shape, confirmation bodies, bill details.

use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::Unit;
use carbonpass_domain::model::{Bill, ConfirmBill, parse_date, parse_decimal};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use super::calculation::CalculationOut;
use super::market::{MarketInstrumentIn, MarketInstrumentOut};
use super::schema;
use super::time::rfc3339;

/// A utility bill: its file is stored, and once confirmed it counts in the emissions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Bill)]
pub(crate) struct BillOut<'a> {
    #[schema(example = "bill_9vW4kLpR")]
    pub id: &'a str,
    #[schema(schema_with = schema::bill_status)]
    pub status: &'static str,
    #[serde(rename = "type")]
    #[schema(schema_with = schema::bill_type)]
    pub bill_type: &'static str,
    /// The footprint-collection session the bill belongs to.
    #[schema(example = "sess_aB12")]
    pub session_id: &'a str,
    #[schema(example = "site_3rZ1")]
    pub site_id: &'a str,
    #[schema(format = DateTime, example = "2026-04-06T14:30:00Z")]
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

/// `POST /api/v1/bills`: the multipart form, for the document only (the handler reads the parts
/// as they stream).
#[derive(ToSchema)]
#[schema(as = BillUpload, description = "A bill's file and what it is, as `multipart/form-data`.")]
#[allow(dead_code)]
pub(crate) struct BillUploadForm {
    /// The bill: PDF, PNG, JPEG or CSV.
    #[schema(value_type = String, format = Binary, min_length = 1)]
    file: Vec<u8>,
    #[schema(rename = "type", schema_with = schema::bill_type)]
    bill_type: String,
    /// The site the bill is for; may be left out when the company has one site.
    #[schema(rename = "siteId", required = false, example = "site_3rZ1")]
    site_id: String,
}

/// `POST /api/v1/bills/{id}/confirm`. Amounts may be JSON numbers or strings ("1234.5"); either
/// way they are read from the body's own text as exact decimals, never through a binary float.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(
    as = ConfirmBillRequest,
    description = "What the bill says. Amounts may be JSON numbers or strings; either way they are read as exact decimals."
)]
pub(crate) struct ConfirmIn {
    /// The quantity billed, in `unit`.
    #[schema(schema_with = schema::amount_in)]
    pub consumption: Box<RawValue>,
    #[schema(schema_with = schema::unit)]
    pub unit: String,
    /// First day billed (`YYYY-MM-DD`).
    #[schema(schema_with = schema::date_text)]
    pub period_start: String,
    /// Last day billed, included (`YYYY-MM-DD`).
    #[schema(schema_with = schema::date_text)]
    pub period_end: String,
    /// The supply's meter point (MPAN for electricity, MPRN for gas); bills of one meter point
    /// may not overlap unless `allowOverlap`.
    pub meter_point: Option<String>,
    pub supplier: Option<String>,
    /// Gas stated as a volume: the bill's average calorific value in MJ/m³ (required then; about 38–40).
    #[schema(schema_with = schema::amount_in_or_null)]
    pub calorific_value: Option<Box<RawValue>>,
    /// Gas stated as a volume: the volume correction factor (default 1.02264, the standard one).
    #[schema(schema_with = schema::amount_in_or_null)]
    pub volume_correction_factor: Option<Box<RawValue>>,
    /// Water: the volume returned to sewer, in m³ (default: 95 % of the supplied volume, an estimate).
    #[schema(schema_with = schema::amount_in_or_null)]
    pub sewerage_volume: Option<Box<RawValue>>,
    /// Confirm even though a confirmed bill of the same meter point covers an overlapping period.
    #[serde(default)]
    pub allow_overlap: bool,
    /// Electricity only: the contract it was bought under, for market-based scope 2 (reported
    /// beside the location-based figure, never instead of it).
    #[schema(schema_with = schema::market_instrument_in_or_null)]
    pub market_instrument: Option<Box<serde_json::value::RawValue>>,
}

/// A JSON number or string, read from its text as an exact decimal.
pub(crate) fn decimal(field: &'static str, value: &RawValue) -> Result<Decimal, DomainError> {
    let text = value.get().trim();
    if text.starts_with('"') {
        let inner: String = serde_json::from_str(text).map_err(|_| DomainError::invalid(field, "must be a number"))?;
        if !is_plain_decimal(&inner) {
            return Err(DomainError::invalid(
                field,
                "as a string, must be digits with an optional decimal point (\"1234.5\")",
            ));
        }
        return parse_decimal(field, &inner);
    }
    if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return parse_decimal(field, text);
    }
    Err(DomainError::invalid(field, "must be a number"))
}

/// Digits with an optional point and more digits, and an optional minus: the only text an
/// amount sent as a string may be (no spaces, `+`, exponent or bare point).
fn is_plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "1"));
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}

/// `POST /api/v1/bills/{id}/reject` and `/void`: why the bill is being corrected.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CorrectionRequest, description = "Why the bill is rejected or voided.")]
pub(crate) struct CorrectIn {
    /// Why: plain text with a letter or digit, at most 500 characters.
    #[schema(value_type = String, required, min_length = 1, max_length = 500, example = "Not our meter.")]
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
            market_instrument: MarketInstrumentIn::parse(body.market_instrument.as_deref())?,
        })
    }
}

/// A bill with its file's details and, once confirmed, its activity and calculation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BillDetail)]
pub(crate) struct BillDetailOut<'a> {
    #[serde(flatten)]
    pub bill: BillOut<'a>,
    pub file: FileOut<'a>,
    /// The activity and calculation; kept when the bill is voided.
    pub confirmation: Option<ConfirmationOut<'a>>,
    /// Set when the bill was rejected or voided.
    pub correction: Option<CorrectionOut<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Correction)]
pub(crate) struct CorrectionOut<'a> {
    #[schema(schema_with = schema::correction_action)]
    pub action: &'static str,
    pub reason: &'a str,
    #[schema(format = DateTime)]
    pub at: String,
}

/// The stored file, exactly as uploaded.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BillFile)]
pub(crate) struct FileOut<'a> {
    /// What the file was recognised as, from its bytes.
    #[schema(example = "application/pdf")]
    pub content_type: &'a str,
    pub size_bytes: u64,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: &'a str,
}

/// The activity a bill was confirmed with, as stored, and its calculation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Confirmation)]
pub(crate) struct ConfirmationOut<'a> {
    #[schema(format = DateTime)]
    pub confirmed_at: String,
    #[schema(schema_with = schema::decimal_text)]
    pub consumption: String,
    #[schema(schema_with = schema::unit)]
    pub unit: &'static str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub meter_point: Option<&'a str>,
    pub supplier: Option<&'a str>,
    #[schema(schema_with = schema::decimal_text_or_null)]
    pub calorific_value: Option<String>,
    #[schema(schema_with = schema::decimal_text_or_null)]
    pub volume_correction_factor: Option<String>,
    #[schema(schema_with = schema::decimal_text_or_null)]
    pub sewerage_volume: Option<String>,
    pub allow_overlap: bool,
    /// The contract the electricity was bought under, when the confirmation stated one.
    pub market_instrument: Option<MarketInstrumentOut<'a>>,
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
            market_instrument: c.calculation.market_instrument.as_ref().map(MarketInstrumentOut::from),
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
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct BillsQueryIn {
    /// Only bills in this status.
    #[param(schema_with = schema::bill_status)]
    pub status: Option<String>,
    /// Only bills of this site.
    pub site_id: Option<String>,
    /// Bills per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = "^bill_[0-9A-Za-z]{1,64}$")]
    pub cursor: Option<String>,
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

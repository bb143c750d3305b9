//! `/api/v1/activity-types`: the catalogue of activities, each type with what it means, its
//! units and attributes, and the DESNZ rows it uses in every shipped set.

use carbonpass_domain::DomainError;
use carbonpass_domain::activities::{ActivityType, ActivityUnit, Direction, Family};
use carbonpass_domain::calculation::{FactorLibrary, FactorSet};
use carbonpass_domain::crp::Scope3Category;
use carbonpass_domain::model::{ActivityInput, ActivityRecord, SiteId, parse_date};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::calculation::CalculationOut;
use super::market::{MarketInstrumentIn, MarketInstrumentOut};
use super::schema;
use super::time::rfc3339;

/// The query of `GET /api/v1/activity-types`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ActivityTypesQueryIn {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Only the types of this family.
    #[param(schema_with = schema::activity_family)]
    pub family: Option<String>,
    /// Only the types whose own row counts in this scope (1, 2 or 3).
    #[param(minimum = 1, maximum = 3)]
    pub scope: Option<u8>,
    /// Only the types with a row counting in this scope 3 category (1–15).
    #[param(minimum = 1, maximum = 15)]
    pub category: Option<u8>,
    /// Only this shipped factor set's rows in `factorSets` (a year, 2019–2025).
    pub factor_set: Option<i32>,
}

/// `GET /api/v1/activity-types/{activityType}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ActivityTypeQueryIn {
    /// Only this shipped factor set's rows in `factorSets` (a year, 2019–2025).
    pub factor_set: Option<i32>,
}

/// A scope 3 category: its GHG Protocol number and name.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Scope3Category)]
pub(crate) struct CategoryOut {
    #[schema(minimum = 1, maximum = 15)]
    pub number: u8,
    pub name: &'static str,
}

impl CategoryOut {
    pub fn of(number: u8) -> Option<Self> {
        Scope3Category::new(number).map(|c| Self { number: c.number(), name: c.name() })
    }
}

/// Something a record of the type may (or must) say besides its quantity and unit.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityAttribute)]
pub(crate) struct AttributeOut {
    /// The field of `POST /api/v1/activities` that carries it.
    pub name: &'static str,
    #[schema(example = "boolean")]
    pub r#type: &'static str,
    pub required: bool,
    /// Its value when left out (the attributes with a default are yes-or-no ones).
    pub default: Option<bool>,
    /// The values it may take, where they are a closed set.
    pub values: Option<Vec<&'static str>>,
    pub description: &'static str,
}

/// One DESNZ row a calculation of the type multiplies by.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityFactorRow)]
pub(crate) struct FactorRowOut<'a> {
    /// The DESNZ row id.
    pub factor_id: &'a str,
    /// Why it is used: `activity` (the activity's own row), `well_to_tank`, `ev_electricity`,
    /// `ev_transmission_and_distribution`, `heat_distribution`, `heat_distribution_well_to_tank`.
    pub role: &'static str,
    #[schema(minimum = 1, maximum = 3)]
    pub scope: u8,
    /// The scope 3 category it counts in; for freight, that of `upstream` records (downstream
    /// ones count in 9); `null` in scopes 1 and 2.
    pub category: Option<u8>,
    /// The row's DESNZ levels and column.
    pub description: String,
    /// DESNZ's unit of the row.
    pub desnz_unit: &'a str,
    /// kg CO2e per unit, exact, as DESNZ publishes it (5 decimals).
    #[schema(schema_with = schema::decimal_text)]
    pub kg_co2e_per_unit: String,
}

/// The rows of one unit (and radiative-forcing choice) in one set.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityVariant)]
pub(crate) struct VariantOut<'a> {
    #[schema(schema_with = schema::activity_unit)]
    pub unit: &'static str,
    /// For flights: whether these are the rows with radiative forcing; `null` otherwise.
    pub radiative_forcing: Option<bool>,
    pub rows: Vec<FactorRowOut<'a>>,
}

/// What one shipped set offers for the type.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityFactorSet)]
pub(crate) struct FactorSetRowsOut<'a> {
    /// The DESNZ set's year: records of reporting periods using it are calculated with these rows.
    pub year: i32,
    pub edition: &'a str,
    pub gwp_basis: &'a str,
    pub variants: Vec<VariantOut<'a>>,
}

/// An activity type of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityType)]
pub(crate) struct ActivityTypeOut<'a> {
    /// Stable id, as `POST /api/v1/activities` takes it.
    #[schema(example = "business_travel.air.long_haul.economy")]
    pub activity_type: &'a str,
    /// DESNZ's labels of the type.
    pub name: &'a str,
    #[schema(schema_with = schema::activity_family)]
    pub family: &'static str,
    /// The scope of the activity's own row (its well-to-tank and loss rows count in scope 3).
    #[schema(minimum = 1, maximum = 3)]
    pub scope: u8,
    /// The scope 3 category of the activity's own row; `null` in scopes 1 and 2, and for
    /// freight, whose category follows `direction` (upstream 4, downstream 9).
    pub category: Option<CategoryOut>,
    /// Every scope 3 category some row of the type counts in.
    pub categories: Vec<CategoryOut>,
    /// The units `quantity` may be stated in (some only in some sets: see `factorSets`).
    #[schema(schema_with = schema::activity_units)]
    pub units: Vec<&'static str>,
    pub attributes: Vec<AttributeOut>,
    /// The shipped sets that hold the type, oldest first; a period whose set is not listed is
    /// refused (422 `factor_set_unavailable`).
    pub factor_sets: Vec<FactorSetRowsOut<'a>>,
}

const RADIATIVE_FORCING: &str = "Whether the flight's non-CO2 effects at altitude count: DESNZ's factors \"with RF\" (radiative forcing), which DESNZ advises for business travel and CarbonPass uses by default, or \"without RF\". The record states which.";
const DIRECTION: &str = "Which way the goods moved: `upstream` (to the company, or between its sites, paid for by it: scope 3 category 4) or `downstream` (from it to its customers, not paid for by it: category 9).";

impl<'a> ActivityTypeOut<'a> {
    pub fn of(t: &'a ActivityType, library: &'a FactorLibrary, only_set: Option<i32>) -> Self {
        let mut attributes = Vec::new();
        if t.radiative_forcing {
            attributes.push(AttributeOut {
                name: "radiativeForcing",
                r#type: "boolean",
                required: false,
                default: Some(true),
                values: None,
                description: RADIATIVE_FORCING,
            });
        }
        if t.family.takes_direction() {
            attributes.push(AttributeOut {
                name: "direction",
                r#type: "string",
                required: true,
                default: None,
                values: Some(vec![Direction::Upstream.as_str(), Direction::Downstream.as_str()]),
                description: DIRECTION,
            });
        }
        let factor_sets = t
            .years()
            .filter(|year| only_set.is_none_or(|only| only == *year))
            .filter_map(|year| library.set(year).map(|set| set_rows(t, set)))
            .collect();
        Self {
            activity_type: &t.id,
            name: &t.name,
            family: t.family.as_str(),
            scope: t.scope().number(),
            category: t.family.category(None).and_then(CategoryOut::of),
            categories: t.categories().into_iter().filter_map(CategoryOut::of).collect(),
            units: t.units.iter().map(|u| u.as_str()).collect(),
            attributes,
            factor_sets,
        }
    }
}

fn set_rows<'a>(t: &'a ActivityType, set: &'a FactorSet) -> FactorSetRowsOut<'a> {
    let direction = t.family.takes_direction().then_some(Direction::Upstream);
    let variants = t
        .variants(set.year)
        .iter()
        .map(|v| VariantOut {
            unit: v.unit.as_str(),
            radiative_forcing: v.radiative_forcing,
            rows: v
                .rows
                .iter()
                .filter_map(|r| set.row_by_id(&r.factor_id).map(|row| (r.role, row)))
                .map(|(role, row)| {
                    let (scope, category) = role.scope_and_category(t.family, direction);
                    FactorRowOut {
                        factor_id: &row.id,
                        role: role.as_str(),
                        scope: scope.number(),
                        category,
                        description: description(row),
                        desnz_unit: &row.unit,
                        kg_co2e_per_unit: row.kg_co2e_per_unit.to_string(),
                    }
                })
                .collect(),
        })
        .collect();
    FactorSetRowsOut { year: set.year, edition: &set.edition, gwp_basis: &set.gwp_basis, variants }
}

fn description(row: &carbonpass_domain::calculation::FactorRow) -> String {
    if row.column_text.is_empty() {
        row.description.clone()
    } else {
        format!("{} / {}", row.description, row.column_text)
    }
}

/// A family named in a query, refused by name when unknown.
pub(crate) fn family(raw: Option<&str>) -> Result<Option<Family>, DomainError> {
    raw.map(|f| {
        Family::parse(f).ok_or_else(|| {
            let known: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
            DomainError::invalid("family", format!("unknown family {f:?}; expected one of {}", known.join(", ")))
        })
    })
    .transpose()
}

/// `POST /api/v1/activities`. Quantities may be JSON numbers or strings; either way they are
/// read from the body's own text as exact decimals, never through a binary float.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(
    as = RecordActivityRequest,
    description = "What happened, as a type of the catalogue (`GET /api/v1/activity-types`). Quantities may be JSON numbers or strings; either way they are read as exact decimals."
)]
pub(crate) struct RecordActivityIn {
    #[schema(example = "business_travel.air.long_haul.economy")]
    pub activity_type: String,
    /// How much, in `unit`: positive, at most the unit's largest (a billion km, passenger-km or
    /// kWh; 100 million tonne-km; a million tonnes or room-nights; 100,000 kg of gas).
    #[schema(schema_with = schema::amount_in)]
    pub quantity: Box<serde_json::value::RawValue>,
    /// One of the type's units.
    #[schema(schema_with = schema::activity_unit)]
    pub unit: String,
    /// First day of the period it happened in (`YYYY-MM-DD`).
    #[schema(schema_with = schema::date_text)]
    pub period_start: String,
    /// Last day, included (`YYYY-MM-DD`); at most 400 days after the first.
    #[schema(schema_with = schema::date_text)]
    pub period_end: String,
    /// The site it belongs to, if any.
    #[schema(example = "site_3rZ1")]
    pub site_id: Option<String>,
    /// Freight only (required there): `upstream` (category 4) or `downstream` (category 9).
    #[schema(schema_with = schema::direction_or_null)]
    pub direction: Option<String>,
    /// Flights only: `true` (the default, as DESNZ advises) counts radiative forcing.
    pub radiative_forcing: Option<bool>,
    /// Your own reference (an expense claim, a booking): plain text, at most 200 characters.
    #[schema(max_length = 200)]
    pub reference: Option<String>,
    /// Plain text, at most 1,000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    /// Heat only (`supplier_specific`): the contract it was bought under, for market-based
    /// scope 2 (reported beside the location-based figure, never instead of it).
    #[schema(schema_with = schema::market_instrument_in_or_null)]
    pub market_instrument: Option<Box<serde_json::value::RawValue>>,
}

impl RecordActivityIn {
    /// What identifies the request for `Idempotency-Key`: its fields as sent.
    pub fn fingerprint(&self) -> String {
        format!(
            "type={:?};quantity={:?};unit={:?};from={:?};to={:?};site={:?};direction={:?};rf={:?};reference={:?};note={:?};instrument={:?}",
            self.activity_type,
            self.quantity.get(),
            self.unit,
            self.period_start,
            self.period_end,
            self.site_id,
            self.direction,
            self.radiative_forcing,
            self.reference,
            self.note,
            self.market_instrument.as_deref().map(serde_json::value::RawValue::get)
        )
    }

    pub fn input(&self) -> Result<ActivityInput, DomainError> {
        Ok(ActivityInput {
            activity_type: self.activity_type.trim().to_owned(),
            quantity: super::bills::decimal("quantity", &self.quantity)?,
            unit: self.unit.parse::<ActivityUnit>()?,
            period_start: parse_date("periodStart", &self.period_start)?,
            period_end: parse_date("periodEnd", &self.period_end)?,
            site_id: self
                .site_id
                .as_deref()
                .map(|s| SiteId::parse(s.trim()).ok_or(DomainError::not_found("site")))
                .transpose()?,
            direction: self.direction.as_deref().map(str::parse::<Direction>).transpose()?,
            radiative_forcing: self.radiative_forcing,
            reference: self.reference.clone(),
            note: self.note.clone(),
            market_instrument: MarketInstrumentIn::parse(self.market_instrument.as_deref())?,
        })
    }
}

/// The query of `GET /api/v1/activities`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ActivitiesQueryIn {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Only records with emissions in this scope 3 category (1–15).
    #[param(minimum = 1, maximum = 15)]
    pub category: Option<u8>,
    /// Only records of this site.
    pub site_id: Option<String>,
    /// Only records with a part in this reporting period (`2025-26`).
    #[param(example = "2025-26")]
    pub period: Option<String>,
}

/// An activity record: what it states, its status and its calculation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Activity)]
pub(crate) struct ActivityOut<'a> {
    #[schema(example = "act_9vW4kLpR2mNq7xYz")]
    pub id: &'a str,
    #[schema(schema_with = schema::activity_status)]
    pub status: &'static str,
    pub activity_type: &'a str,
    #[schema(schema_with = schema::activity_family)]
    pub family: &'static str,
    /// Exact, as sent.
    #[schema(schema_with = schema::decimal_text)]
    pub quantity: String,
    #[schema(schema_with = schema::activity_unit)]
    pub unit: &'static str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub site_id: Option<&'a str>,
    #[schema(schema_with = schema::direction_or_null)]
    pub direction: Option<&'static str>,
    /// Flights: whether radiative forcing counts (stated in every record of a flight).
    pub radiative_forcing: Option<bool>,
    pub reference: Option<&'a str>,
    pub note: Option<&'a str>,
    #[schema(format = DateTime)]
    pub recorded_at: String,
    /// Set when the record was voided.
    pub voided: Option<VoidedOut<'a>>,
    /// The commuting estimate the record was made from (`POST
    /// /api/v1/activities/commuting-estimates`), with every input; `null` for a record made on its own.
    pub estimate: Option<super::commuting::EstimateOut<'a>>,
    /// The contract the heat was bought under, when the record stated one.
    pub market_instrument: Option<MarketInstrumentOut<'a>>,
    pub calculation: CalculationOut<'a>,
}

/// Why and when a record was voided.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ActivityVoid)]
pub(crate) struct VoidedOut<'a> {
    pub reason: &'a str,
    #[schema(format = DateTime)]
    pub at: String,
}

impl<'a> From<&'a ActivityRecord> for ActivityOut<'a> {
    fn from(r: &'a ActivityRecord) -> Self {
        let input = &r.input;
        Self {
            id: r.id.as_str(),
            status: r.status.as_str(),
            activity_type: &input.activity_type,
            family: r.family.as_str(),
            quantity: input.quantity.to_string(),
            unit: input.unit.as_str(),
            period_start: input.period_start,
            period_end: input.period_end,
            site_id: input.site_id.as_ref().map(|s| s.as_str()),
            direction: input.direction.map(Direction::as_str),
            radiative_forcing: input.radiative_forcing,
            reference: input.reference.as_deref(),
            note: input.note.as_deref(),
            recorded_at: rfc3339(r.recorded_at),
            voided: r.voided.as_ref().map(|v| VoidedOut { reason: &v.reason, at: rfc3339(v.at) }),
            estimate: r.estimate.as_ref().map(super::commuting::EstimateOut::from),
            market_instrument: input.market_instrument.as_ref().map(MarketInstrumentOut::from),
            calculation: CalculationOut::from(&r.calculation),
        }
    }
}

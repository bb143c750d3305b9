//! Schemas of wire values whose Rust type says less than the contract does: the closed sets of
//! words (built from the domain's own lists, so the document cannot fall behind them), exact
//! decimals, and amounts that may be sent as numbers or strings.

use carbonpass_domain::activities::{ActivityUnit, Family};
use carbonpass_domain::calculation::{BillType, InstrumentKind, MAX_SOURCE_CHARS, Unit};
use carbonpass_domain::crp::{PLAN_CHECKS, PlanStatus, ProjectStatus, Section};
use carbonpass_domain::model::{BillStatus, KeyMode, Plan};
use carbonpass_domain::webhooks::EventType;
use carbonpass_domain::webhooks::model::DeliveryStatus;
use utoipa::Number;
use utoipa::openapi::schema::{AdditionalProperties, OneOfBuilder, SchemaFormat};
use utoipa::openapi::{Array, KnownFormat, Object, ObjectBuilder, RefOr, Schema, Type};

fn words(values: impl IntoIterator<Item = &'static str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

/// The events an endpoint may subscribe to (every one but `ping`), each with what it means.
pub(crate) fn subscribable_events() -> Array {
    let events = EventType::ALL.into_iter().filter(|e| *e != EventType::Ping);
    let meaning: Vec<String> = events.clone().map(|e| format!("`{}`: {}", e.as_str(), e.meaning())).collect();
    let mut item = words(events.map(EventType::as_str));
    item.description = Some(meaning.join("\n"));
    let mut list = Array::new(item);
    list.min_items = Some(1);
    list.unique_items = true;
    list
}

/// Every event type a delivery may carry, `ping` included.
pub(crate) fn event_type() -> Object {
    let mut object = words(EventType::ALL.map(EventType::as_str));
    let meaning: Vec<String> = EventType::ALL.iter().map(|e| format!("`{}`: {}", e.as_str(), e.meaning())).collect();
    object.description = Some(meaning.join("\n"));
    object
}

pub(crate) fn delivery_status() -> Object {
    words(DeliveryStatus::ALL.map(DeliveryStatus::as_str))
}

pub(crate) fn bill_status() -> Object {
    words(BillStatus::ALL.map(BillStatus::as_str))
}

pub(crate) fn bill_type() -> Object {
    words(BillType::ALL.map(BillType::as_str))
}

pub(crate) fn unit() -> Object {
    words(Unit::ALL.map(Unit::as_str))
}

pub(crate) fn activity_unit() -> Object {
    words(ActivityUnit::ALL.map(ActivityUnit::as_str))
}

pub(crate) fn activity_units() -> Array {
    Array::new(activity_unit())
}

pub(crate) fn statement_status() -> Object {
    use carbonpass_domain::crp::StatementStatus;
    words(StatementStatus::ALL.map(StatementStatus::as_str))
}

pub(crate) fn statement_status_or_null() -> RefOr<Schema> {
    OneOfBuilder::new().item(statement_status()).item(ObjectBuilder::new().schema_type(Type::Null)).into()
}

pub(crate) fn activity_status() -> Object {
    words(carbonpass_domain::model::ActivityStatus::ALL.map(carbonpass_domain::model::ActivityStatus::as_str))
}

/// `upstream`, `downstream`, or `null`.
pub(crate) fn direction_or_null() -> RefOr<Schema> {
    use carbonpass_domain::activities::Direction;
    OneOfBuilder::new()
        .item(words([Direction::Upstream.as_str(), Direction::Downstream.as_str()]))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

pub(crate) fn activity_family() -> Object {
    words(Family::ALL.map(Family::as_str))
}

pub(crate) fn key_mode() -> Object {
    words(KeyMode::ALL.map(KeyMode::as_str))
}

pub(crate) fn plan() -> Object {
    words(Plan::ALL.map(Plan::as_str))
}

pub(crate) fn plan_status() -> Object {
    words(PlanStatus::ALL.map(PlanStatus::as_str))
}

pub(crate) fn project_status() -> Object {
    words(ProjectStatus::ALL.map(ProjectStatus::as_str))
}

pub(crate) fn sections_list() -> Array {
    Array::new(words(Section::ALL.map(Section::as_str)))
}

pub(crate) fn check_code() -> Object {
    words(PLAN_CHECKS)
}

pub(crate) fn check_list() -> Array {
    Array::new(words(PLAN_CHECKS))
}

pub(crate) fn session_status() -> Object {
    words(["in_progress", "completed"])
}

pub(crate) fn correction_action() -> Object {
    words([BillStatus::Rejected.as_str(), BillStatus::Voided.as_str()])
}

/// An exact decimal written as a string, so that no digit is lost to a binary float.
pub(crate) fn decimal_text() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^-?[0-9]+(\.[0-9]+)?$"))
        .examples([serde_json::json!("177.00000")])
        .build()
}

/// The largest amount any field takes (a quantity in kWh); each field and unit has its own limit.
const MOST_STATED: isize = 1_000_000_000;

/// Digits with at least one that is not zero, and no sign.
const POSITIVE_DECIMAL: &str = r"^(?=[0-9.]*[1-9])[0-9]+(\.[0-9]+)?$";

/// An amount sent as a JSON number (`1234.5`) or string (`"1234.5"`); either way read from its
/// text as an exact decimal.
pub(crate) fn amount_in() -> RefOr<Schema> {
    let number = ObjectBuilder::new()
        .schema_type(Type::Number)
        .exclusive_minimum(Some(Number::Int(0)))
        .maximum(Some(Number::Int(MOST_STATED)))
        .build();
    let text = ObjectBuilder::new().schema_type(Type::String).pattern(Some(POSITIVE_DECIMAL)).build();
    OneOfBuilder::new()
        .item(number)
        .item(text)
        .description(Some(
            "A positive decimal, as a JSON number or a string of digits; read exactly, never through a binary \
             float. Each field has its own upper limit (a quantity: 1,000,000,000 kWh; 100,000,000 m³ or litres; \
             35,000,000 hundreds of cubic feet).",
        ))
        .examples([serde_json::json!(1234.5), serde_json::json!("1234.5")])
        .into()
}

/// [`amount_in`], or `null` for none (an optional amount).
pub(crate) fn amount_in_or_null() -> RefOr<Schema> {
    OneOfBuilder::new().item(amount_in()).item(ObjectBuilder::new().schema_type(Type::Null)).into()
}

/// A calendar date sent as text: exactly `YYYY-MM-DD`.
pub(crate) fn date_text() -> Object {
    ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))).build()
}

/// [`decimal_text`], or `null` when there is no value.
pub(crate) fn decimal_text_or_null() -> RefOr<Schema> {
    OneOfBuilder::new().item(decimal_text()).item(ObjectBuilder::new().schema_type(Type::Null)).into()
}

/// tCO2e sent as a JSON number or a string of digits: 0 or more, at most a billion, to at most 6
/// decimals.
pub(crate) fn tonnes_in(positive: bool) -> RefOr<Schema> {
    let mut number = ObjectBuilder::new().schema_type(Type::Number).maximum(Some(Number::Int(MOST_STATED)));
    let pattern = if positive {
        number = number.exclusive_minimum(Some(Number::Int(0)));
        r"^(?=[0-9.]*[1-9])[0-9]+(\.[0-9]{1,6})?$"
    } else {
        number = number.minimum(Some(Number::Int(0)));
        r"^[0-9]+(\.[0-9]{1,6})?$"
    };
    let text = ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).build();
    OneOfBuilder::new()
        .item(number.build())
        .item(text)
        .description(Some(
            "tCO2e as a JSON number or a string of digits, at most 1,000,000,000, to at most 6 decimals; read exactly.",
        ))
        .examples([serde_json::json!(12.5), serde_json::json!("12.5")])
        .into()
}

pub(crate) fn positive_tonnes_in() -> RefOr<Schema> {
    tonnes_in(true)
}

pub(crate) fn tonnes_or_zero_in() -> RefOr<Schema> {
    tonnes_in(false)
}

/// A percentage sent as a JSON number or a string: more than 0, less than 100, at most 2 decimals.
pub(crate) fn percent_in() -> RefOr<Schema> {
    let number = ObjectBuilder::new()
        .schema_type(Type::Number)
        .exclusive_minimum(Some(Number::Int(0)))
        .exclusive_maximum(Some(Number::Int(100)))
        .build();
    let text = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^(?=[0-9.]*[1-9])[0-9]{1,2}(\.[0-9]{1,2})?$"))
        .build();
    OneOfBuilder::new().item(number).item(text).examples([serde_json::json!(42.5)]).into()
}

/// A decimal from `minimum` to `maximum` sent as a JSON number or a string of digits (read
/// exactly); `exclusive` when the minimum itself is refused.
fn bounded_in(minimum: isize, exclusive: bool, maximum: isize, description: &str) -> RefOr<Schema> {
    let number = ObjectBuilder::new().schema_type(Type::Number).maximum(Some(Number::Int(maximum)));
    let number = if exclusive {
        number.exclusive_minimum(Some(Number::Int(minimum)))
    } else {
        number.minimum(Some(Number::Int(minimum)))
    };
    let pattern = if exclusive { POSITIVE_DECIMAL } else { r"^[0-9]+(\.[0-9]+)?$" };
    let text = ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).build();
    OneOfBuilder::new().item(number.build()).item(text).description(Some(description)).into()
}

/// A commuting estimate's share of days at home: 0 to 1.
pub(crate) fn home_share_in() -> RefOr<Schema> {
    bounded_in(
        0,
        false,
        1,
        "A share from 0 to 1 (`0.4` is 40 %), as a JSON number or a string of digits; read exactly.",
    )
}

/// A mode's share of the journeys: more than 0, at most 1.
pub(crate) fn mode_share_in() -> RefOr<Schema> {
    bounded_in(0, true, 1, "A share above 0 and at most 1, as a JSON number or a string of digits; read exactly.")
}

/// A one-way commuting distance in km: more than 0, at most 500.
pub(crate) fn one_way_km_in() -> RefOr<Schema> {
    bounded_in(
        0,
        true,
        500,
        "Kilometres, above 0 and at most 500, as a JSON number or a string of digits; read exactly.",
    )
}

/// Hours of a working day: more than 0, at most 24, or `null` for the default.
pub(crate) fn hours_per_day_in() -> RefOr<Schema> {
    let hours =
        bounded_in(0, true, 24, "Hours, above 0 and at most 24, as a JSON number or a string of digits; read exactly.");
    OneOfBuilder::new().item(hours).item(ObjectBuilder::new().schema_type(Type::Null)).into()
}

/// A market instrument's kg CO2e per kWh as answered: 0 to 2, exact, as a string.
pub(crate) fn supplier_factor_text() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^[0-9]+(\.[0-9]+)?$"))
        .examples([serde_json::json!("0.12")])
        .build()
}

pub(crate) fn instrument_kind() -> Object {
    words(InstrumentKind::ALL.map(InstrumentKind::as_str))
}

/// `marketInstrument` as sent: one shape per `type`, or `null` for none.
pub(crate) fn market_instrument_in_or_null() -> RefOr<Schema> {
    let source = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_SOURCE_CHARS))
        .description(Some("Where the figure comes from: plain text with a letter or digit."))
        .examples([serde_json::json!("Supplier fuel mix disclosure, 2024-25")])
        .build();
    let kind = |kind: InstrumentKind| words([kind.as_str()]);
    let supplier = ObjectBuilder::new()
        .property("type", kind(InstrumentKind::SupplierSpecific))
        .property(
            "kgCo2ePerKwh",
            bounded_in(
                0,
                false,
                2,
                "kg CO2e per kWh from the supplier's fuel-mix disclosure: 0 to 2, at most 10 decimal places, as a \
                 JSON number or a string of digits; read exactly.",
            ),
        )
        .property("source", source.clone())
        .required("type")
        .required("kgCo2ePerKwh")
        .required("source")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .description(Some("The supplier's own emission factor (its fuel-mix disclosure)."))
        .build();
    let rego = ObjectBuilder::new()
        .property("type", kind(InstrumentKind::Rego))
        .property("source", source)
        .required("type")
        .required("source")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .description(Some("A tariff backed by REGOs: 0 kg CO2e for generation."))
        .build();
    OneOfBuilder::new()
        .item(supplier)
        .item(rego)
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(
            "The contract the energy was bought under, for market-based scope 2 (reported beside the \
             location-based figure, never instead of it). Electricity bills take either type; heat takes \
             `supplier_specific`.",
        ))
        .into()
}

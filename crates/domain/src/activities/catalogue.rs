//! Every activity type the service accepts, built from the shipped factor sets when the service
//! starts: a type is a DESNZ row group (the rows of one item in each unit it is published in),
//! named by its family's rule; per set, the rows it uses (its own, its well-to-tank row, and for
//! electric vehicles and district heat the electricity and distribution rows beside them).

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::family::{Direction, Family};
use super::unit::ActivityUnit;
use crate::calculation::{FactorLibrary, FactorRow, FactorSet, FactorsError, Scope};

/// The most one record part may put in one scope, kg CO2e: what [`ActivityUnit::max_quantity`]
/// is checked against for every row, and far below what the store's integer micrograms hold.
pub const MAX_PART_KG: i64 = 4_000_000_000;

/// Why a row is part of a calculation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowRole {
    /// The activity's own row.
    Activity,
    /// Its well-to-tank row: extracting, refining and transporting the fuel.
    WellToTank,
    /// An electric vehicle's charging electricity (scope 2).
    EvElectricity,
    /// The transmission and distribution losses of that electricity.
    EvTransmission,
    /// District heat lost in distribution (DESNZ's 5 % loss row).
    HeatDistribution,
    /// The well-to-tank row of that loss.
    HeatDistributionWellToTank,
}

impl RowRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RowRole::Activity => "activity",
            RowRole::WellToTank => "well_to_tank",
            RowRole::EvElectricity => "ev_electricity",
            RowRole::EvTransmission => "ev_transmission_and_distribution",
            RowRole::HeatDistribution => "heat_distribution",
            RowRole::HeatDistributionWellToTank => "heat_distribution_well_to_tank",
        }
    }

    /// Where the row's emissions count. Well-to-tank and losses of scope 1 and 2 activities are
    /// category 3; those of travel, commuting and freight stay in the activity's own category.
    pub fn scope_and_category(self, family: Family, direction: Option<Direction>) -> (Scope, Option<u8>) {
        match self {
            RowRole::Activity => (family.scope(), family.category(direction)),
            RowRole::WellToTank if family.scope() == Scope::Three => (Scope::Three, family.category(direction)),
            RowRole::EvElectricity => (Scope::Two, None),
            RowRole::WellToTank
            | RowRole::EvTransmission
            | RowRole::HeatDistribution
            | RowRole::HeatDistributionWellToTank => (Scope::Three, Some(3)),
        }
    }
}

/// One row a variant uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowUse {
    pub factor_id: String,
    pub role: RowRole,
}

/// The rows of a type for one unit (and, for flights, with or without radiative forcing) in
/// one set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub unit: ActivityUnit,
    pub radiative_forcing: Option<bool>,
    pub rows: Vec<RowUse>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityType {
    /// Stable: `business_travel.air.long_haul.economy`, `waste.glass.closed_loop`, …
    pub id: String,
    pub family: Family,
    /// DESNZ's labels of its newest row: "Business travel- air / Flights / Long-haul, to/from UK
    /// / Economy class".
    pub name: String,
    /// Every unit some set publishes it in.
    pub units: Vec<ActivityUnit>,
    /// Whether records choose with or without radiative forcing (flights).
    pub radiative_forcing: bool,
    sets: BTreeMap<i32, Vec<Variant>>,
}

impl ActivityType {
    /// The shipped sets that hold the type, oldest first.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.sets.keys().copied()
    }

    /// Its variants in the set of `year` (empty if the set lacks it).
    pub fn variants(&self, year: i32) -> &[Variant] {
        self.sets.get(&year).map(Vec::as_slice).unwrap_or_default()
    }

    /// The rows for `unit` (and the radiative-forcing choice) in the set of `year`.
    pub fn variant(&self, year: i32, unit: ActivityUnit, radiative_forcing: Option<bool>) -> Option<&Variant> {
        self.variants(year).iter().find(|v| v.unit == unit && v.radiative_forcing == radiative_forcing)
    }

    pub fn scope(&self) -> Scope {
        self.family.scope()
    }

    /// Every scope 3 category some row of the type counts in, in some set and direction.
    pub fn categories(&self) -> Vec<u8> {
        let directions: &[Option<Direction>] = if self.family.takes_direction() {
            &[Some(Direction::Upstream), Some(Direction::Downstream)]
        } else {
            &[None]
        };
        let mut categories: Vec<u8> = self
            .sets
            .values()
            .flatten()
            .flat_map(|v| v.rows.iter())
            .flat_map(|row| directions.iter().filter_map(|d| row.role.scope_and_category(self.family, *d).1))
            .collect();
        categories.sort_unstable();
        categories.dedup();
        categories
    }
}

/// The catalogue: every type, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityCatalogue {
    types: BTreeMap<String, ActivityType>,
}

/// An ID's parts: `21_316_3170_11_1` is code 21, group 316, item 3170, unit 11, gas 1.
struct IdParts<'a> {
    code: &'a str,
    group: &'a str,
    item: &'a str,
    unit: &'a str,
}

fn id_parts(id: &str) -> Option<IdParts<'_>> {
    let mut parts = id.split('_');
    let (code, group, item, unit, _gas) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    parts.next().is_none().then_some(IdParts { code, group, item, unit })
}

/// A level label compared across a family and its WTT family: "WTT- HGV refrigerated (all
/// diesel)" and "HGVs refrigerated (all diesel)" are the same.
fn comparable(label: &str) -> String {
    let lower = label.trim().to_lowercase();
    let bare = lower.strip_prefix("wtt- ").unwrap_or(&lower);
    bare.split_whitespace().map(|w| w.strip_suffix('s').unwrap_or(w)).collect::<Vec<_>>().join(" ")
}

/// One set's rows by (code, item, unit): where a row's WTT and EV partners are found.
struct SetIndex<'a> {
    set: &'a FactorSet,
    by_item: HashMap<(&'a str, &'a str, &'a str), Vec<&'a FactorRow>>,
}

impl<'a> SetIndex<'a> {
    fn new(set: &'a FactorSet) -> Self {
        let mut by_item: HashMap<_, Vec<&FactorRow>> = HashMap::new();
        for row in set.rows() {
            if let Some(p) = id_parts(&row.id) {
                by_item.entry((p.code, p.item, p.unit)).or_default().push(row);
            }
        }
        Self { set, by_item }
    }

    /// The WTT row of `row`: same item and unit in the WTT family, the one whose group label
    /// matches where several do.
    fn well_to_tank(&self, row: &FactorRow, parts: &IdParts<'_>) -> Option<&'a FactorRow> {
        let code = Family::well_to_tank_code(parts.code)?;
        let candidates = self.by_item.get(&(code, parts.item, parts.unit))?;
        match candidates.as_slice() {
            [only] => Some(*only),
            many => {
                let group = comparable(&row.levels[1]);
                let mut matching = many.iter().filter(|c| comparable(&c.levels[1]) == group);
                match (matching.next(), matching.next()) {
                    (Some(one), None) => Some(*one),
                    _ => None,
                }
            }
        }
    }

    fn by_id(&self, id: &str) -> Option<&'a FactorRow> {
        self.set.row_by_id(id)
    }

    /// The rows of `code` whose group label names district heat (the distribution loss and
    /// its WTT).
    fn district_heat_row(&self, code: &str) -> Option<&'a FactorRow> {
        self.set.rows().find(|r| {
            id_parts(&r.id).is_some_and(|p| p.code == code) && r.levels[1].to_lowercase().contains("district heat")
        })
    }
}

impl ActivityCatalogue {
    /// Builds the catalogue from every shipped set. Fails (at start-up, and in the tests) if
    /// two rows of one set claim the same variant, or a unit's largest quantity could exceed
    /// [`MAX_PART_KG`].
    pub fn build(library: &FactorLibrary) -> Result<Self, FactorsError> {
        // Each ID is named by the newest set holding it, so a type keeps its id over the years.
        let mut newest: HashMap<&str, &FactorRow> = HashMap::new();
        for set in library.sets().rev() {
            for row in set.rows() {
                newest.entry(row.id.as_str()).or_insert(row);
            }
        }
        let mut types: BTreeMap<String, ActivityType> = BTreeMap::new();
        for set in library.sets() {
            let index = SetIndex::new(set);
            let mut rows: Vec<&FactorRow> = set.rows().collect();
            rows.sort_by(|a, b| a.id.cmp(&b.id));
            for row in rows {
                let Some(parts) = id_parts(&row.id) else { continue };
                let Some(unit) = ActivityUnit::from_desnz(&row.unit) else { continue };
                let labels = newest.get(row.id.as_str()).copied().unwrap_or(row);
                for &family in Family::of_code(parts.code) {
                    let Some(uses) = row_uses(&index, family, row, &parts) else { continue };
                    check_bound(set.year, unit, &uses, &index)?;
                    let (id, radiative_forcing) = family.type_of(labels);
                    let entry = types.entry(id.clone()).or_insert_with(|| ActivityType {
                        id: id.clone(),
                        family,
                        name: Family::name_of(labels),
                        units: Vec::new(),
                        radiative_forcing: radiative_forcing.is_some(),
                        sets: BTreeMap::new(),
                    });
                    let variants = entry.sets.entry(set.year).or_default();
                    if variants.iter().any(|v| v.unit == unit && v.radiative_forcing == radiative_forcing) {
                        return Err(FactorsError::Malformed {
                            year: set.year,
                            line: 0,
                            problem: format!("two rows make type {id} in {unit} (row {})", row.id),
                        });
                    }
                    variants.push(Variant { unit, radiative_forcing, rows: uses });
                    if !entry.units.contains(&unit) {
                        entry.units.push(unit);
                        entry.units.sort();
                    }
                }
            }
        }
        Ok(Self { types })
    }

    pub fn get(&self, id: &str) -> Option<&ActivityType> {
        self.types.get(id)
    }

    /// Every type, by id.
    pub fn types(&self) -> impl DoubleEndedIterator<Item = &ActivityType> {
        self.types.values()
    }

    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
}

/// The rows a record of `family` stated in `row`'s unit uses in this set; `None` when a row it
/// needs (the WTT row of a family that has them) is missing, so the set does not offer it.
fn row_uses(index: &SetIndex<'_>, family: Family, row: &FactorRow, parts: &IdParts<'_>) -> Option<Vec<RowUse>> {
    let use_of = |r: &FactorRow, role| RowUse { factor_id: r.id.clone(), role };
    let mut uses = vec![use_of(row, RowRole::Activity)];
    if Family::well_to_tank_code(parts.code).is_some() {
        uses.push(use_of(index.well_to_tank(row, parts)?, RowRole::WellToTank));
    }
    if family == Family::CompanyVehicle {
        let partner = |code: &str| format!("{code}_{}_{}_{}_1", parts.group, parts.item, parts.unit);
        if let Some(ev) = index.by_id(&partner("8")) {
            uses.push(use_of(ev, RowRole::EvElectricity));
            if let Some(td) = index.by_id(&partner("14")) {
                uses.push(use_of(td, RowRole::EvTransmission));
            }
        }
    }
    if family == Family::Heat && row.levels[2].to_lowercase().starts_with("district") {
        uses.push(use_of(index.district_heat_row("13")?, RowRole::HeatDistribution));
        uses.push(use_of(index.district_heat_row("16")?, RowRole::HeatDistributionWellToTank));
    }
    Some(uses)
}

/// The largest quantity of `unit` times the rows' factors must stay within [`MAX_PART_KG`].
fn check_bound(year: i32, unit: ActivityUnit, uses: &[RowUse], index: &SetIndex<'_>) -> Result<(), FactorsError> {
    let per_unit: Decimal = uses.iter().filter_map(|u| index.by_id(&u.factor_id)).map(|r| r.kg_co2e_per_unit).sum();
    let most = per_unit.checked_mul(unit.max_quantity());
    if most.is_none_or(|kg| kg > Decimal::from(MAX_PART_KG)) {
        return Err(FactorsError::Malformed {
            year,
            line: 0,
            problem: format!(
                "row {}: {} {unit} at {per_unit} kg each exceeds {MAX_PART_KG} kg",
                uses[0].factor_id,
                unit.max_quantity()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> ActivityCatalogue {
        ActivityCatalogue::build(&FactorLibrary::official().expect("sets")).expect("catalogue")
    }

    #[test]
    fn the_catalogue_holds_every_family_the_plan_needs() {
        let c = catalogue();
        for family in Family::ALL {
            assert!(c.types().any(|t| t.family == family), "{family}");
        }
        let flight = c.get("business_travel.air.long_haul.economy").expect("long-haul economy");
        assert!(flight.radiative_forcing);
        assert_eq!(flight.units, [ActivityUnit::PassengerKm]);
        let with_rf = flight.variant(2025, ActivityUnit::PassengerKm, Some(true)).expect("2025");
        assert_eq!(with_rf.rows[0].factor_id, "21_316_3170_11_1");
        assert_eq!(with_rf.rows[1].role, RowRole::WellToTank);
        assert!(flight.variant(2019, ActivityUnit::PassengerKm, Some(false)).is_some());
        let car = c.get("vehicle.cars_by_size.average_car.diesel").expect("average diesel car");
        assert_eq!(car.units, [ActivityUnit::Km, ActivityUnit::Miles]);
        let bev = c.get("vehicle.cars_by_size.average_car.battery_electric_vehicle").expect("BEV");
        let roles: Vec<RowRole> =
            bev.variant(2025, ActivityUnit::Km, None).expect("2025").rows.iter().map(|r| r.role).collect();
        assert_eq!(roles, [RowRole::Activity, RowRole::WellToTank, RowRole::EvElectricity, RowRole::EvTransmission]);
        let district = c.get("heat.district_heat_and_steam").expect("district heat");
        assert_eq!(district.variant(2025, ActivityUnit::Kwh, None).expect("2025").rows.len(), 4);
        assert!(
            c.get("refrigerant.r410a").is_some_and(|t| t.variants(2019).is_empty() && !t.variants(2025).is_empty())
        );
        assert!(c.get("commuting.rail.national_rail").is_some());
        assert!(c.get("business_travel.hotel.uk").is_some());
        assert!(c.get("freight.air.long_haul").is_some_and(|t| t.radiative_forcing));
        assert!(c.types().any(|t| t.id.starts_with("commuting.homeworking.")));
        assert!(c.types().any(|t| t.id.starts_with("waste.") && t.id.ends_with(".closed_loop")));
        assert!(c.len() > 700, "{}", c.len());
    }

    #[test]
    fn each_scope_3_role_counts_where_the_ghg_protocol_puts_it() {
        use RowRole::*;
        let up = Some(Direction::Upstream);
        assert_eq!(WellToTank.scope_and_category(Family::CompanyVehicle, None), (Scope::Three, Some(3)));
        assert_eq!(WellToTank.scope_and_category(Family::AirTravel, None), (Scope::Three, Some(6)));
        assert_eq!(WellToTank.scope_and_category(Family::Freight, up), (Scope::Three, Some(4)));
        assert_eq!(EvElectricity.scope_and_category(Family::CompanyVehicle, None), (Scope::Two, None));
        assert_eq!(Activity.scope_and_category(Family::Heat, None), (Scope::Two, None));
        assert_eq!(HeatDistribution.scope_and_category(Family::Heat, None), (Scope::Three, Some(3)));
    }
}

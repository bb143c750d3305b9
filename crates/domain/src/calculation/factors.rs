//! The DESNZ conversion factor sets, shipped with the code as data (`crates/domain/factors/`,
//! the official rows CarbonPass uses, one file per year), parsed and validated at start-up.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use thiserror::Error;

/// A DESNZ row key (the same in every year's set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FactorId(pub &'static str);

impl FactorId {
    pub const ELECTRICITY_GENERATION: Self = Self("7_400_4000_5_1");
    pub const ELECTRICITY_TD_LOSSES: Self = Self("13_402_4000_5_1");
    pub const ELECTRICITY_WTT_GENERATION: Self = Self("15_917_4000_5_1");
    pub const ELECTRICITY_WTT_TD: Self = Self("15_918_4000_5_1");
    pub const NATURAL_GAS: Self = Self("1_100_1004_6_1");
    pub const NATURAL_GAS_WTT: Self = Self("11_100_1004_6_1");
    pub const WATER_SUPPLY: Self = Self("17_404_4005_1_1");
    pub const WATER_TREATMENT: Self = Self("18_405_4006_1_1");
    pub const DIESEL: Self = Self("1_101_1011_8_1");
    pub const DIESEL_WTT: Self = Self("11_101_1011_8_1");
    pub const PETROL: Self = Self("1_101_1017_8_1");
    pub const PETROL_WTT: Self = Self("11_101_1017_8_1");
    pub const GAS_OIL: Self = Self("1_101_1014_8_1");
    pub const GAS_OIL_WTT: Self = Self("11_101_1014_8_1");
    pub const BURNING_OIL: Self = Self("1_101_1010_8_1");
    pub const BURNING_OIL_WTT: Self = Self("11_101_1010_8_1");
    pub const LPG: Self = Self("1_100_1003_8_1");
    pub const LPG_WTT: Self = Self("11_100_1003_8_1");

    /// Every row the engine uses: each shipped set must hold all of them.
    pub const REQUIRED: [Self; 18] = [
        Self::ELECTRICITY_GENERATION,
        Self::ELECTRICITY_TD_LOSSES,
        Self::ELECTRICITY_WTT_GENERATION,
        Self::ELECTRICITY_WTT_TD,
        Self::NATURAL_GAS,
        Self::NATURAL_GAS_WTT,
        Self::WATER_SUPPLY,
        Self::WATER_TREATMENT,
        Self::DIESEL,
        Self::DIESEL_WTT,
        Self::PETROL,
        Self::PETROL_WTT,
        Self::GAS_OIL,
        Self::GAS_OIL_WTT,
        Self::BURNING_OIL,
        Self::BURNING_OIL_WTT,
        Self::LPG,
        Self::LPG_WTT,
    ];
}

/// The shipped sets: (year, file text).
const OFFICIAL: [(i32, &str); 3] = [
    (2023, include_str!("../../factors/desnz-2023.csv")),
    (2024, include_str!("../../factors/desnz-2024.csv")),
    (2025, include_str!("../../factors/desnz-2025.csv")),
];

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FactorsError {
    #[error("factor set {year}, line {line}: {problem}")]
    Malformed { year: i32, line: usize, problem: String },
    #[error("factor set {year} lacks row {id}")]
    Missing { year: i32, id: &'static str },
    #[error("no factor set is shipped")]
    Empty,
}

/// One official row: kg CO2e per unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorRow {
    pub id: String,
    /// The row's DESNZ levels, joined: "Fuels / Liquid fuels / Diesel (average biofuel blend)".
    pub description: String,
    /// DESNZ's unit of measure for the row ("kWh", "litres", "cubic metres", …).
    pub unit: String,
    pub kg_co2e_per_unit: Decimal,
}

/// One year's set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorSet {
    pub year: i32,
    /// The provenance line at the top of the file.
    pub source: String,
    rows: HashMap<String, FactorRow>,
}

impl FactorSet {
    pub fn row(&self, id: FactorId) -> Option<&FactorRow> {
        self.rows.get(id.0)
    }

    fn parse(year: i32, text: &str) -> Result<Self, FactorsError> {
        let malformed = |line: usize, problem: String| FactorsError::Malformed { year, line, problem };
        let mut source = String::new();
        let mut rows = HashMap::new();
        let mut header_seen = false;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if let Some(comment) = line.strip_prefix('#') {
                if source.is_empty() {
                    source = comment.trim().to_owned();
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            if line.contains('"') {
                return Err(malformed(number, "quoted fields are not expected".into()));
            }
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() != 10 {
                return Err(malformed(number, format!("{} fields, expected 10", fields.len())));
            }
            if !header_seen {
                if fields[0] != "ID" {
                    return Err(malformed(number, "the header row must come first".into()));
                }
                header_seen = true;
                continue;
            }
            if fields[8] != "kg CO2e" {
                return Err(malformed(number, format!("GHG/Unit {:?}, expected kg CO2e", fields[8])));
            }
            let value: Decimal =
                fields[9].parse().map_err(|_| malformed(number, format!("factor {:?} is not a number", fields[9])))?;
            if value <= Decimal::ZERO || value.scale() > 5 {
                return Err(malformed(number, format!("factor {value} must be positive with at most 5 decimals")));
            }
            let description = fields[2..6].iter().filter(|f| !f.is_empty()).copied().collect::<Vec<_>>().join(" / ");
            let row = FactorRow {
                id: fields[0].to_owned(),
                description,
                unit: fields[7].to_owned(),
                kg_co2e_per_unit: value,
            };
            if rows.insert(row.id.clone(), row).is_some() {
                return Err(malformed(number, format!("row {} appears twice", fields[0])));
            }
        }
        let set = Self { year, source, rows };
        for id in FactorId::REQUIRED {
            if set.row(id).is_none() {
                return Err(FactorsError::Missing { year, id: id.0 });
            }
        }
        Ok(set)
    }
}

/// Every shipped set, by year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorLibrary {
    sets: BTreeMap<i32, FactorSet>,
}

impl FactorLibrary {
    /// The sets shipped with CarbonPass, validated. Call once at start-up and fail if it fails.
    pub fn official() -> Result<Self, FactorsError> {
        Self::from_sources(&OFFICIAL)
    }

    pub fn from_sources(sources: &[(i32, &str)]) -> Result<Self, FactorsError> {
        let sets = sources
            .iter()
            .map(|&(year, text)| FactorSet::parse(year, text).map(|set| (year, set)))
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        if sets.is_empty() {
            return Err(FactorsError::Empty);
        }
        Ok(Self { sets })
    }

    /// The set for `year`; where that year's set is not shipped, the newest shipped set.
    pub fn set_for(&self, year: i32) -> &FactorSet {
        match self.sets.get(&year) {
            Some(set) => set,
            // `from_sources` refuses an empty library, so there is always a last set.
            None => self.sets.values().next_back().unwrap_or_else(|| unreachable!("empty factor library")),
        }
    }

    pub fn years(&self) -> Vec<i32> {
        self.sets.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(year: i32, id: FactorId) -> Decimal {
        let library = FactorLibrary::official().expect("the shipped sets are valid");
        library.set_for(year).row(id).map(|r| r.kg_co2e_per_unit).expect("row")
    }

    #[test]
    fn the_shipped_sets_load_with_every_row() {
        let library = FactorLibrary::official().expect("valid");
        assert_eq!(library.years(), [2023, 2024, 2025]);
        assert!(library.set_for(2025).source.contains("2025"));
    }

    #[test]
    fn values_match_the_official_table() {
        // data/README.md, "The rows a utility-bill calculation needs".
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(value(2023, FactorId::ELECTRICITY_GENERATION), d("0.20707"));
        assert_eq!(value(2024, FactorId::ELECTRICITY_GENERATION), d("0.20705"));
        assert_eq!(value(2025, FactorId::ELECTRICITY_GENERATION), d("0.17700"));
        assert_eq!(value(2024, FactorId::ELECTRICITY_TD_LOSSES), d("0.01830"));
        assert_eq!(value(2025, FactorId::NATURAL_GAS), d("0.18296"));
        assert_eq!(value(2023, FactorId::WATER_TREATMENT), d("0.20132"));
        assert_eq!(value(2025, FactorId::DIESEL), d("2.57082"));
        assert_eq!(value(2024, FactorId::BURNING_OIL), d("2.54015"));
        assert_eq!(value(2023, FactorId::BURNING_OIL), d("2.54016"));
        assert_eq!(value(2025, FactorId::LPG_WTT), d("0.18551"));
    }

    #[test]
    fn a_year_not_shipped_uses_the_newest_set() {
        let library = FactorLibrary::official().expect("valid");
        assert_eq!(library.set_for(2031).year, 2025);
        assert_eq!(library.set_for(2019).year, 2025);
    }

    #[test]
    fn broken_sets_are_refused_at_load() {
        let header = "ID,Scope,Level 1,Level 2,Level 3,Level 4,Column Text,UOM,GHG/Unit,kg CO2e per unit\n";
        let missing = FactorLibrary::from_sources(&[(2030, header)]);
        assert!(matches!(missing, Err(FactorsError::Missing { year: 2030, .. })));
        let bad_value = format!("{header}7_400_4000_5_1,Scope 2,A,B,C,,,kWh,kg CO2e,-0.1\n");
        assert!(matches!(FactorLibrary::from_sources(&[(2030, &bad_value)]), Err(FactorsError::Malformed { .. })));
        let wrong_unit = format!("{header}7_400_4000_5_1,Scope 2,A,B,C,,,kWh,kg CO2,0.1\n");
        assert!(matches!(FactorLibrary::from_sources(&[(2030, &wrong_unit)]), Err(FactorsError::Malformed { .. })));
        assert_eq!(FactorLibrary::from_sources(&[]), Err(FactorsError::Empty));
    }
}

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
const OFFICIAL: [(i32, &str); 7] = [
    (2019, include_str!("../../factors/desnz-2019.csv")),
    (2020, include_str!("../../factors/desnz-2020.csv")),
    (2021, include_str!("../../factors/desnz-2021.csv")),
    (2022, include_str!("../../factors/desnz-2022.csv")),
    (2023, include_str!("../../factors/desnz-2023.csv")),
    (2024, include_str!("../../factors/desnz-2024.csv")),
    (2025, include_str!("../../factors/desnz-2025.csv")),
];

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum FactorsError {
    #[error("factor set {year}, line {line}: {problem}")]
    Malformed { year: i32, line: usize, problem: String },
    #[error("factor set {year} lacks row {id}")]
    Missing { year: i32, id: &'static str },
    #[error("factor set {year} lacks its `# {key}:` line")]
    MissingMetadata { year: i32, key: &'static str },
    #[error("no factor set is shipped")]
    Empty,
}

/// One official row: kg CO2e per unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorRow {
    pub id: String,
    /// The row's DESNZ levels, joined: "Fuels / Liquid fuels / Diesel (average biofuel blend)".
    pub description: String,
    /// Its four levels as published ("" where a level is empty): what the activity catalogue
    /// derives its type names from.
    pub levels: [String; 4],
    /// DESNZ's `Column Text` ("Diesel", "With RF", "Closed-loop", …), often empty.
    pub column_text: String,
    /// DESNZ's unit of measure for the row ("kWh", "litres", "cubic metres", …).
    pub unit: String,
    /// Zero for some rows (a battery car's tailpipe), never negative.
    pub kg_co2e_per_unit: Decimal,
}

/// One year's set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorSet {
    pub year: i32,
    /// The provenance line at the top of the file.
    pub source: String,
    /// The official file it was taken from: its version, date and hash (`# edition:`).
    pub edition: String,
    /// The global-warming-potential basis of its CO2e values (`# gwp:`): IPCC AR4 before 2023,
    /// AR5 from 2023, so figures either side of that line are not strictly comparable.
    pub gwp_basis: String,
    /// Whether its row IDs were derived (2019–2022 had none) rather than published (`# ids:`).
    pub ids_derived: bool,
    rows: HashMap<String, FactorRow>,
}

impl FactorSet {
    pub fn row(&self, id: FactorId) -> Option<&FactorRow> {
        self.rows.get(id.0)
    }

    /// A row by its DESNZ ID as text (the activity catalogue's rows are data, not constants).
    pub fn row_by_id(&self, id: &str) -> Option<&FactorRow> {
        self.rows.get(id)
    }

    /// Every row of the set, in no particular order.
    pub fn rows(&self) -> impl Iterator<Item = &FactorRow> {
        self.rows.values()
    }

    fn parse(year: i32, text: &str) -> Result<Self, FactorsError> {
        let malformed = |line: usize, problem: String| FactorsError::Malformed { year, line, problem };
        let mut source = String::new();
        let (mut edition, mut gwp_basis, mut ids) = (None, None, None);
        // The comment lines come first; the CSV (header, then rows) after them.
        let mut comment_lines = 0;
        for line in text.lines() {
            let Some(comment) = line.strip_prefix('#') else { break };
            comment_lines += 1;
            let comment = comment.trim();
            match comment.split_once(':') {
                Some(("edition", value)) => edition = Some(value.trim().to_owned()),
                Some(("gwp", value)) => gwp_basis = Some(value.trim().to_owned()),
                Some(("ids", value)) => ids = Some(value.trim().to_owned()),
                _ if source.is_empty() => source = comment.to_owned(),
                _ => {}
            }
        }
        let body: String = text.lines().skip(comment_lines).flat_map(|line| [line, "\n"]).collect();
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body.as_bytes());
        let header_line = comment_lines + 1;
        match reader.headers() {
            Ok(header) if header.get(0) == Some("ID") && header.len() == 10 => {}
            _ => return Err(malformed(header_line, "the header row (ID, …, 10 columns) must come first".into())),
        }
        let mut rows = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| malformed(header_line, format!("not CSV: {e}")))?;
            let number = comment_lines + record.position().map_or(0, |p| p.line() as usize);
            if record.len() != 10 {
                return Err(malformed(number, format!("{} fields, expected 10", record.len())));
            }
            let field = |i: usize| record.get(i).unwrap_or_default();
            if field(8) != "kg CO2e" {
                return Err(malformed(number, format!("GHG/Unit {:?}, expected kg CO2e", field(8))));
            }
            let value: Decimal =
                field(9).parse().map_err(|_| malformed(number, format!("factor {:?} is not a number", field(9))))?;
            if value < Decimal::ZERO || value.scale() > 5 {
                return Err(malformed(number, format!("factor {value} must be 0 or more with at most 5 decimals")));
            }
            let levels = [field(2), field(3), field(4), field(5)].map(str::to_owned);
            let description = levels.iter().filter(|f| !f.is_empty()).cloned().collect::<Vec<_>>().join(" / ");
            let row = FactorRow {
                id: field(0).to_owned(),
                description,
                levels,
                column_text: field(6).to_owned(),
                unit: field(7).to_owned(),
                kg_co2e_per_unit: value,
            };
            if rows.insert(row.id.clone(), row).is_some() {
                return Err(malformed(number, format!("row {} appears twice", field(0))));
            }
        }
        let missing = |key| FactorsError::MissingMetadata { year, key };
        let set = Self {
            year,
            source,
            edition: edition.ok_or(missing("edition"))?,
            gwp_basis: gwp_basis.ok_or(missing("gwp"))?,
            ids_derived: ids.ok_or(missing("ids"))?.starts_with("derived"),
            rows,
        };
        for id in FactorId::REQUIRED {
            if set.row(id).is_none() {
                return Err(FactorsError::Missing { year, id: id.0 });
            }
        }
        Ok(set)
    }
}

/// The set a reporting period uses, and whether it is a fallback (the period is newer than every
/// shipped set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetChoice<'a> {
    pub set: &'a FactorSet,
    pub fallback: bool,
}

/// Every shipped set, by year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorLibrary {
    sets: BTreeMap<i32, FactorSet>,
}

impl FactorLibrary {
    /// The sets shipped with CarbonPass, validated. Call once at start-up and fail if it fails.
    /// Parsed once per process and cloned after (the sets are constants of the build).
    pub fn official() -> Result<Self, FactorsError> {
        static PARSED: std::sync::OnceLock<Result<FactorLibrary, FactorsError>> = std::sync::OnceLock::new();
        PARSED.get_or_init(|| Self::from_sources(&OFFICIAL)).clone()
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

    /// The set for `year`: that year's own, or for a year newer than every shipped set the newest
    /// one (a fallback, which the calculation records). `None` for a year older than the oldest
    /// set: another year's factors are never used for the past.
    pub fn choose(&self, year: i32) -> Option<SetChoice<'_>> {
        if let Some(set) = self.sets.get(&year) {
            return Some(SetChoice { set, fallback: false });
        }
        let (newest_year, newest) = self.sets.iter().next_back()?;
        (year > *newest_year).then_some(SetChoice { set: newest, fallback: true })
    }

    /// One shipped year's set.
    pub fn set(&self, year: i32) -> Option<&FactorSet> {
        self.sets.get(&year)
    }

    /// Every shipped set, oldest first.
    pub fn sets(&self) -> impl DoubleEndedIterator<Item = &FactorSet> {
        self.sets.values()
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
        library.set(year).and_then(|set| set.row(id)).map(|r| r.kg_co2e_per_unit).expect("row")
    }

    #[test]
    fn the_shipped_sets_load_with_every_row() {
        let library = FactorLibrary::official().expect("valid");
        assert_eq!(library.years(), [2019, 2020, 2021, 2022, 2023, 2024, 2025]);
        let set = |year| library.set(year).expect("shipped");
        assert!(set(2025).source.contains("2025"));
        for year in 2019..=2022 {
            assert!(set(year).gwp_basis.starts_with("IPCC AR4"), "{year}");
            assert!(set(year).ids_derived, "{year}");
        }
        for year in 2023..=2025 {
            assert!(set(year).gwp_basis.starts_with("IPCC AR5"), "{year}");
            assert!(!set(year).ids_derived, "{year}");
            assert!(set(year).edition.starts_with(&year.to_string()), "{year}");
        }
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
        // data/README.md, 2019–2022 (published by BEIS).
        assert_eq!(value(2019, FactorId::ELECTRICITY_GENERATION), d("0.25560"));
        assert_eq!(value(2020, FactorId::ELECTRICITY_GENERATION), d("0.23314"));
        assert_eq!(value(2021, FactorId::ELECTRICITY_TD_LOSSES), d("0.01879"));
        assert_eq!(value(2022, FactorId::NATURAL_GAS), d("0.18254"));
        assert_eq!(value(2022, FactorId::DIESEL), d("2.55784"));
    }

    #[test]
    fn a_newer_year_falls_back_to_the_newest_set_and_an_older_one_has_none() {
        let library = FactorLibrary::official().expect("valid");
        let chosen = |year| library.choose(year).map(|c| (c.set.year, c.fallback));
        assert_eq!(chosen(2031), Some((2025, true)));
        assert_eq!(chosen(2025), Some((2025, false)));
        assert_eq!(chosen(2019), Some((2019, false)));
        assert_eq!(chosen(2018), None);
    }

    #[test]
    fn broken_sets_are_refused_at_load() {
        let header = "# edition: test\n# gwp: IPCC AR5\n# ids: official\n\
                      ID,Scope,Level 1,Level 2,Level 3,Level 4,Column Text,UOM,GHG/Unit,kg CO2e per unit\n";
        let missing = FactorLibrary::from_sources(&[(2030, header)]);
        assert!(matches!(missing, Err(FactorsError::Missing { year: 2030, .. })));
        let bad_value = format!("{header}7_400_4000_5_1,Scope 2,A,B,C,,,kWh,kg CO2e,-0.1\n");
        assert!(matches!(FactorLibrary::from_sources(&[(2030, &bad_value)]), Err(FactorsError::Malformed { .. })));
        let wrong_unit = format!("{header}7_400_4000_5_1,Scope 2,A,B,C,,,kWh,kg CO2,0.1\n");
        assert!(matches!(FactorLibrary::from_sources(&[(2030, &wrong_unit)]), Err(FactorsError::Malformed { .. })));
        assert_eq!(FactorLibrary::from_sources(&[]), Err(FactorsError::Empty));
        let no_gwp = official_rows().replace("# gwp: IPCC AR5 100-year (CH4 28, N2O 265)\n", "");
        assert_eq!(
            FactorLibrary::from_sources(&[(2025, &no_gwp)]),
            Err(FactorsError::MissingMetadata { year: 2025, key: "gwp" })
        );
    }

    fn official_rows() -> String {
        OFFICIAL[6].1.to_owned()
    }
}

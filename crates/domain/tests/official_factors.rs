//! The factor rows shipped in `crates/domain/factors/` against DESNZ's official flat files, kept
//! in `tests/desnz/` with their provenance: every shipped value is the official one at 5 decimal
//! places, under the same row key and unit, and agrees with the reference table of key rows.

use std::path::PathBuf;

use carbonpass_domain::calculation::{FactorId, FactorLibrary};
use rust_decimal::{Decimal, RoundingStrategy};

fn reference(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/desnz").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Splits one CSV line, honouring double-quoted fields (some official rows quote commas).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

#[test]
fn shipped_rows_are_the_official_values_at_five_decimals() {
    let library = FactorLibrary::official().expect("shipped factors are valid");
    assert_eq!(library.years(), (2019..=2025).collect::<Vec<_>>());
    for year in library.years() {
        let text = reference(&format!("ghg-conversion-factors-{year}-flat.csv"));
        let set = library.set(year).expect("shipped");
        for id in FactorId::REQUIRED {
            let official = text
                .lines()
                .map(fields)
                .find(|f| {
                    f.first().map(String::as_str) == Some(id.0) && f.get(8).map(String::as_str) == Some("kg CO2e")
                })
                .unwrap_or_else(|| panic!("{year}: official row {} not found", id.0));
            let value: Decimal = official[9].parse().expect("official value");
            let expected = value.round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero);
            let shipped = set.row(id).expect("shipped row");
            assert_eq!(shipped.kg_co2e_per_unit, expected, "{year} {}", id.0);
            assert_eq!(shipped.unit, official[7], "{year} {} unit", id.0);
        }
    }
}

#[test]
fn shipped_rows_agree_with_the_reference_table_of_key_rows() {
    let library = FactorLibrary::official().expect("shipped factors are valid");
    let table = reference("key-rows-2019-2025.csv");
    let mut checked = 0;
    for line in table.lines().skip(1) {
        let cells = fields(line);
        let Some(id) = FactorId::REQUIRED.into_iter().find(|id| id.0 == cells[0]) else { continue };
        for (column, year) in (2019..=2025).enumerate() {
            let expected: Decimal = cells[2 + column].parse().expect("value");
            let shipped = library.set(year).and_then(|set| set.row(id)).expect("row").kg_co2e_per_unit;
            assert_eq!(shipped, expected, "{year} {}", id.0);
            checked += 1;
        }
    }
    assert_eq!(checked, 18 * 7, "every required row of every year is in the table");
}

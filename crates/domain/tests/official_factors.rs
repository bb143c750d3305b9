//! The factor rows shipped in `crates/domain/factors/` against DESNZ's official flat files in
//! `../shared/data/desnz/` (beside the repository, as on developers' machines and in CI): every
//! shipped value is the official one at 5 decimal places, under the same row key and unit.

use std::path::PathBuf;

use carbonpass_domain::calculation::{FactorId, FactorLibrary};
use rust_decimal::{Decimal, RoundingStrategy};

/// `CARBONPASS_SHARED_DIR` if set, else `shared/` beside the repository (where CI puts it).
fn official_file(year: i32) -> Option<PathBuf> {
    let shared = std::env::var_os("CARBONPASS_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = shared.join("data/desnz").join(format!("ghg-conversion-factors-{year}-flat.csv"));
    path.exists().then_some(path)
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
    for year in library.years() {
        let Some(path) = official_file(year) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have shared/data/desnz beside the repository (or CARBONPASS_SHARED_DIR)"
            );
            eprintln!("SKIPPED: official flat file for {year} not found beside the repository");
            return;
        };
        let text = std::fs::read_to_string(&path).expect("read the official file");
        let set = library.set_for(year);
        assert_eq!(set.year, year);
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

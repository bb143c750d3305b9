//! The reference tables in `docs/` are written from the code they describe: the configuration
//! (from the settings table `Settings::load` takes its defaults from), the error codes (from the
//! catalogue the error mapping answers with) and the conversion factors (from the shipped DESNZ
//! files). A table that no longer matches fails here; `UPDATE_DOCS=1 cargo test --test docs`
//! rewrites it.

use std::path::PathBuf;

use carbonpass_domain::calculation::{FactorId, FactorLibrary};
use carbonpass_http::ErrorCode;
use carbonpass_server::settings::{DefaultValue, SETTINGS};

fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

/// Checks (or with `UPDATE_DOCS` set, rewrites) the text between `<!-- name -->` and
/// `<!-- /name -->` in `file`.
fn generated_section(file: &str, name: &str, expected: &str) {
    let path = docs().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (open, close) = (format!("<!-- {name} -->\n"), format!("<!-- /{name} -->"));
    let start = text.find(&open).unwrap_or_else(|| panic!("{file} has no {open}")) + open.len();
    let end = start + text[start..].find(&close).unwrap_or_else(|| panic!("{file} has no {close}"));
    if text[start..end] == *expected {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, format!("{}{expected}{}", &text[..start], &text[end..])).expect("write");
        return;
    }
    panic!(
        "docs/{file}: the {name} table is out of date; run `UPDATE_DOCS=1 cargo test --test docs`.\n--- expected\n{expected}"
    );
}

#[test]
fn the_configuration_reference_is_the_settings_code() {
    let mut table = String::from("| setting | environment variable | default | what it does |\n|---|---|---|---|\n");
    for setting in SETTINGS {
        let default = match setting.default {
            DefaultValue::Number(n) => format!("`{n}`"),
            DefaultValue::Text(t) => format!("`{t}`"),
            DefaultValue::Bool(b) => format!("`{b}`"),
            DefaultValue::Unset(meaning) => format!("unset: {meaning}"),
        };
        let mut variable = format!("`{}`", setting.variable());
        if !setting.also.is_empty() {
            variable.push_str(&format!(", {}", setting.also));
        }
        table.push_str(&format!("| `{}` | {variable} | {default} | {} |\n", setting.key, setting.about));
    }
    generated_section("operations.md", "settings", &table);
}

#[test]
fn the_error_reference_is_the_error_catalogue() {
    let mut table = String::from("| `error` | status | what it means and what to do |\n|---|---|---|\n");
    for code in ErrorCode::ALL {
        table.push_str(&format!("| `{}` | {} | {} |\n", code.code(), code.status().as_u16(), code.remedy()));
    }
    generated_section("errors.md", "error-codes", &table);
}

#[test]
fn the_factor_reference_is_the_shipped_factor_files() {
    let library = FactorLibrary::official().expect("the shipped factors load");
    let years = library.years();
    let mut table = String::from("| DESNZ row id | factor | unit |");
    for year in &years {
        table.push_str(&format!(" {year} |"));
    }
    table.push_str("\n|---|---|---|");
    table.push_str(&"---:|".repeat(years.len()));
    table.push('\n');
    for id in FactorId::REQUIRED {
        let newest = library.set(*years.last().expect("a year")).and_then(|set| set.row(id)).expect("the row");
        table.push_str(&format!("| `{}` | {} | {} |", id.0, newest.description, newest.unit));
        for year in &years {
            let row = library.set(*year).and_then(|set| set.row(id)).expect("every set has every row");
            table.push_str(&format!(" {} |", row.kg_co2e_per_unit));
        }
        table.push('\n');
    }
    generated_section("emissions-methodology.md", "factors", &table);

    let mut sets = String::from("| year | edition | GWP basis | row ids |\n|---|---|---|---|\n");
    for year in &years {
        let set = library.set(*year).expect("the set");
        let ids = if set.ids_derived { "derived from 2023–2025" } else { "official" };
        sets.push_str(&format!("| {year} | {} | {} | {ids} |\n", set.edition, set.gwp_basis));
    }
    generated_section("emissions-methodology.md", "factor-sets", &sets);
}

//! The reference tables in `docs/` are written from the code they describe: the configuration
//! (from the settings table `Settings::load` takes its defaults from), the error codes (from the
//! catalogue the error mapping answers with), the conversion factors (from the shipped DESNZ
//! files), and in `architecture.md` the crate diagram (from `cargo metadata`), the ports (from the
//! domain's `services/<area>/ports.rs` and the adapters that implement them) and the areas' services
//! (from their fields). A table that no longer matches fails here; `UPDATE_DOCS=1 cargo test --test
//! docs` rewrites it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use carbonpass_domain::calculation::{FactorId, FactorLibrary};
use carbonpass_http::ErrorCode;
use carbonpass_server::settings::{DefaultValue, SETTINGS};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn docs() -> PathBuf {
    workspace().join("docs")
}

/// Checks (or with `UPDATE_DOCS` set, rewrites) the text between `<!-- name -->` and
/// `<!-- /name -->` in `file`.
fn generated_section(file: &str, name: &str, expected: &str) {
    // Tests run in parallel and several rewrite sections of one file: one at a time.
    static FILES: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = FILES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
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

/// A workspace crate as `cargo metadata` describes it.
struct Crate {
    name: String,
    description: String,
    /// The workspace crates it depends on as a normal dependency (not dev, not build).
    ours: BTreeSet<String>,
}

/// The workspace's crates, from `cargo metadata --no-deps`.
fn workspace_crates() -> Vec<Crate> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    packages
        .iter()
        .map(|package| {
            let name = package["name"].as_str().expect("a name").to_owned();
            let description = package["description"]
                .as_str()
                .unwrap_or_else(|| panic!("{name} has no `description` in its Cargo.toml"))
                .trim()
                .to_owned();
            let ours = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|dependency| dependency["kind"].is_null())
                .filter_map(|dependency| dependency["name"].as_str())
                .filter(|dependency| names.contains(dependency))
                .map(str::to_owned)
                .collect();
            Crate { name, description, ours }
        })
        .collect()
}

/// `carbonpass-http` is `http` in the diagram.
fn short(name: &str) -> &str {
    name.strip_prefix("carbonpass-").unwrap_or(name)
}

#[test]
fn the_crate_diagram_is_cargo_metadata() {
    let crates = workspace_crates();
    let by_name: BTreeMap<&str, &Crate> = crates.iter().map(|c| (c.name.as_str(), c)).collect();
    // How far a crate stands from the centre: the longest chain of our crates below it. The
    // diagram and table go from the binary down to the crates that depend on none of ours.
    fn height(name: &str, by_name: &BTreeMap<&str, &Crate>) -> usize {
        by_name[name].ours.iter().map(|d| 1 + height(d, by_name)).max().unwrap_or(0)
    }
    let mut order: Vec<&Crate> = crates.iter().collect();
    order.sort_by_key(|c| (std::cmp::Reverse(height(&c.name, &by_name)), c.name.clone()));

    let mut text = String::from("```mermaid\ngraph TD\n");
    for c in &order {
        text.push_str(&format!("    {}[\"{}\"]\n", short(&c.name), c.name));
    }
    for c in &order {
        for dependency in &c.ours {
            text.push_str(&format!("    {} --> {}\n", short(&c.name), short(dependency)));
        }
    }
    text.push_str("```\n\n| crate | what it is | depends on (ours) |\n|---|---|---|\n");
    for c in &order {
        let ours: Vec<String> = c.ours.iter().map(|d| format!("`{}`", short(d))).collect();
        let ours = if ours.is_empty() { "—".to_owned() } else { ours.join(", ") };
        text.push_str(&format!("| `{}` | {} | {ours} |\n", c.name, c.description.replace('|', "\\|")));
    }
    generated_section("architecture.md", "crates", &text);
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            found.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
    found
}

/// The areas of the domain's services: each directory of `crates/domain/src/services` with a
/// `ports.rs`, sorted.
fn areas() -> Vec<String> {
    let services = workspace().join("crates/domain/src/services");
    let mut areas: Vec<String> = std::fs::read_dir(&services)
        .expect("services")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.join("ports.rs").is_file())
        .map(|path| path.file_name().expect("a name").to_string_lossy().into_owned())
        .collect();
    areas.sort();
    areas
}

/// The identifier at the start of `text` (`Name` of `Name: Send + Sync {`).
fn identifier(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The first sentence of a doc comment, with intra-doc links reduced to their text.
fn first_sentence(doc: &str) -> String {
    let end = doc.match_indices(". ").next().map(|(at, _)| at + 1).unwrap_or(doc.len());
    let mut sentence = doc[..end].trim().to_owned();
    // `[text](path)` → `text`
    while let Some(close) = sentence.find("](") {
        let Some(open) = sentence[..close].rfind('[') else { break };
        let Some(end) = sentence[close..].find(')').map(|at| close + at) else { break };
        sentence = format!("{}{}{}", &sentence[..open], &sentence[open + 1..close], &sentence[end + 1..]);
    }
    sentence.replace('|', "\\|")
}

/// A port: a `pub trait` of an area's `ports.rs`, with its doc comment's first sentence.
struct Port {
    name: String,
    area: String,
    what: String,
}

fn ports() -> Vec<Port> {
    let mut ports = Vec::new();
    for area in areas() {
        let file = workspace().join(format!("crates/domain/src/services/{area}/ports.rs"));
        let text = std::fs::read_to_string(&file).expect("ports.rs");
        let lines: Vec<&str> = text.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            let Some(rest) = line.strip_prefix("pub trait ") else { continue };
            let name = identifier(rest).to_owned();
            // The doc comment above it, past any attributes.
            let mut doc = Vec::new();
            for above in lines[..at].iter().rev().map(|l| l.trim()) {
                if above.starts_with("#[") {
                    continue;
                }
                let Some(comment) = above.strip_prefix("///") else { break };
                doc.push(comment.trim());
            }
            doc.reverse();
            let doc = doc.join(" ");
            assert!(!doc.trim().is_empty(), "services/{area}/ports.rs: the port {name} has no doc comment");
            ports.push(Port { name, what: first_sentence(&doc), area: area.clone() });
        }
    }
    ports
}

/// The trait of an `impl [<…>] Trait for Type` line, and the type: `("BlobStore", "S3Blobs")`.
fn implementation(line: &str) -> Option<(&str, &str)> {
    let mut rest = line.trim_start().strip_prefix("impl")?;
    if let Some(generics) = rest.strip_prefix('<') {
        let mut depth = 1;
        let end = generics.char_indices().find_map(|(at, c)| {
            match c {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(at)
        })?;
        rest = &generics[end + 1..];
    } else if !rest.starts_with(' ') {
        return None;
    }
    let (path, target) = rest.split_once(" for ")?;
    let path = path.trim();
    let path = path.split('<').next().unwrap_or(path);
    let name = path.rsplit("::").next().unwrap_or(path);
    Some((name, identifier(target.trim())))
}

/// Who implements each trait, by crate (its directory under `crates/`), outside the domain and
/// testkit, and outside test modules: trait → crate → types.
fn implementors() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut found: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let crates = workspace().join("crates");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&crates).expect("crates").map(|entry| entry.expect("an entry").path()).collect();
    dirs.sort();
    for dir in dirs {
        let krate = dir.file_name().expect("a name").to_string_lossy().into_owned();
        if krate == "domain" || krate == "testkit" || !dir.join("src").is_dir() {
            continue;
        }
        for file in rust_files(&dir.join("src")) {
            let text = std::fs::read_to_string(&file).expect("a source file");
            let lines: Vec<&str> = text.lines().collect();
            for (at, line) in lines.iter().enumerate() {
                // A test module's fakes implement no port for the service.
                if line.trim() == "#[cfg(test)]" && lines.get(at + 1).is_some_and(|next| next.contains("mod ")) {
                    break;
                }
                if let Some((name, target)) = implementation(line) {
                    found
                        .entry(name.to_owned())
                        .or_default()
                        .entry(krate.clone())
                        .or_default()
                        .insert(target.to_owned());
                }
            }
        }
    }
    found
}

#[test]
fn the_ports_table_is_the_ports_code() {
    let implementors = implementors();
    let mut table = String::from("| port | area | implemented by | what |\n|---|---|---|---|\n");
    let mut unimplemented = Vec::new();
    for port in ports() {
        let by = match implementors.get(&port.name) {
            Some(crates) => crates
                .iter()
                .map(|(krate, types)| {
                    let types: Vec<String> = types.iter().map(|t| format!("`{t}`")).collect();
                    format!("`{krate}` ({})", types.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; "),
            None => {
                unimplemented.push(port.name.clone());
                continue;
            }
        };
        table.push_str(&format!("| `{}` | {} | {by} | {} |\n", port.name, port.area, port.what));
    }
    assert!(unimplemented.is_empty(), "ports no adapter crate implements: {unimplemented:?}");
    generated_section("architecture.md", "ports", &table);
}

#[test]
fn the_areas_table_is_the_services_fields() {
    let ports: BTreeMap<String, String> = ports().into_iter().map(|p| (p.name, p.area)).collect();
    let mut table =
        String::from("| area | service | its own ports | ports of another area | also |\n|---|---|---|---|---|\n");
    for area in areas() {
        let service: String = area[..1].to_uppercase() + &area[1..];
        let file = workspace().join(format!("crates/domain/src/services/{area}/mod.rs"));
        let text = std::fs::read_to_string(&file).expect("mod.rs");
        let open = format!("pub struct {service} {{");
        let start = text.find(&open).unwrap_or_else(|| panic!("services/{area}/mod.rs has no `{open}`")) + open.len();
        let body = &text[start..start + text[start..].find("\n}").expect("the struct's end")];
        let (mut own, mut shared, mut also) = (Vec::new(), Vec::new(), Vec::new());
        for field in body.lines().map(str::trim).filter(|l| !l.starts_with("//") && l.contains(':')) {
            let ty = field.split_once(':').map(|(_, ty)| ty.trim().trim_end_matches(',')).unwrap_or_default();
            if let Some(port) = ty.strip_prefix("Arc<dyn ").and_then(|p| p.strip_suffix('>')) {
                let port = identifier(port.rsplit("::").next().unwrap_or(port));
                match ports.get(port) {
                    Some(home) if *home == area => own.push(format!("`{port}`")),
                    Some(home) => shared.push(format!("`{port}` ({home})")),
                    None => panic!("services/{area}: `{port}` is no area's port"),
                }
            } else {
                let name = ty.rsplit("::").next().unwrap_or(ty);
                let name = name.strip_prefix("Arc<").and_then(|n| n.strip_suffix('>')).unwrap_or(name);
                also.push(format!("`{name}`"));
            }
        }
        let cell = |items: Vec<String>| if items.is_empty() { "—".to_owned() } else { items.join(", ") };
        table.push_str(&format!("| {area} | `{service}` | {} | {} | {} |\n", cell(own), cell(shared), cell(also)));
    }
    generated_section("architecture.md", "areas", &table);
}

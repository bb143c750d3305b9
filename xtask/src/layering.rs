//! `cargo xtask layering`: the crate layering of docs/architecture.md, checked on the resolved
//! dependency graph (`cargo metadata`), so a new dependency cannot quietly break it:
//!
//! 1. carbonpass-domain's normal dependency tree (transitively; dev-dependencies aside) holds no
//!    framework or I/O crate ([`FORBIDDEN_IN_DOMAIN`]).
//! 2. No adapter crate ([`ADAPTERS`]) depends on another; only carbonpass-server (the wiring)
//!    depends on adapters at all (carbonpass-testkit, test support, may use what it needs).
//! 3. carbonpass-testkit is a dev-dependency only: never a normal or build dependency of anything.
//!
//! "Depends" follows normal dependencies (what the code links to), transitively: a path through
//! any crate counts. Build dependencies run at build time only, and dev-dependencies build the
//! crate's own tests, so neither counts for rules 1 and 2.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::Command;

use serde_json::Value;

pub const DOMAIN: &str = "carbonpass-domain";
pub const SERVER: &str = "carbonpass-server";
pub const TESTKIT: &str = "carbonpass-testkit";

/// The adapters: each implements ports of the domain with one technology; only the server wires
/// them together.
pub const ADAPTERS: [&str; 8] = [
    "carbonpass-store",
    "carbonpass-auth",
    "carbonpass-blobs",
    "carbonpass-http",
    "carbonpass-pdf",
    "carbonpass-webhooks",
    "carbonpass-ratelimit",
    "carbonpass-signing",
];

/// Crates the domain must never reach, because they are a web or database framework, an async
/// runtime, a network, TLS or storage client, or a renderer: what the adapters are for. A trailing
/// `*` matches every crate whose name starts with what comes before it.
pub const FORBIDDEN_IN_DOMAIN: [&str; 15] = [
    "actix*",         // actix-web and its runtime, router, codecs (the http adapter)
    "diesel*",        // the database layer (the store adapter)
    "tokio*",         // the async runtime and its I/O
    "reqwest",        // HTTP client (webhooks, S3)
    "hyper*",         // HTTP implementation under reqwest and others
    "typst*",         // the PDF renderer (the pdf adapter)
    "object_store",   // blob storage (the blobs adapter)
    "redis",          // shared rate limits (the ratelimit adapter)
    "governor",       // in-process rate limits (the ratelimit adapter)
    "libsqlite3-sys", // SQLite itself
    "pq-sys",         // libpq
    "mio",            // OS-level I/O events
    "rustls",         // TLS
    "sqlx",           // another database layer: not ours, and not the domain's either
    "h2",             // HTTP/2
];

/// The resolved dependency graph: package ids, their names, and their edges by kind.
#[derive(Debug, Default)]
pub struct Graph {
    names: BTreeMap<String, String>,
    /// Normal (linked) dependencies, by package id.
    normal: BTreeMap<String, BTreeSet<String>>,
    /// Build dependencies, by package id.
    build: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Normal,
    Build,
    Dev,
}

impl Graph {
    /// Adds a package (its id is its name, in hand-made graphs).
    #[cfg(test)]
    fn with(mut self, name: &str, deps: &[(&str, Kind)]) -> Self {
        self.names.insert(name.into(), name.into());
        for &(dep, kind) in deps {
            self.names.entry(dep.into()).or_insert_with(|| dep.into());
            self.add_edge(name, dep, kind);
        }
        self
    }

    fn add_edge(&mut self, from: &str, to: &str, kind: Kind) {
        let edges = match kind {
            Kind::Normal => &mut self.normal,
            Kind::Build => &mut self.build,
            Kind::Dev => return,
        };
        edges.entry(from.into()).or_default().insert(to.into());
    }

    /// The graph `cargo metadata --format-version 1` describes.
    pub fn from_metadata(metadata: &Value) -> Result<Self, String> {
        let mut graph = Graph::default();
        let packages = metadata["packages"].as_array().ok_or("cargo metadata: no packages")?;
        for package in packages {
            let (Some(id), Some(name)) = (package["id"].as_str(), package["name"].as_str()) else {
                return Err("cargo metadata: a package without id or name".into());
            };
            graph.names.insert(id.into(), name.into());
        }
        let nodes = metadata["resolve"]["nodes"].as_array().ok_or("cargo metadata: no resolve graph")?;
        for node in nodes {
            let id = node["id"].as_str().ok_or("cargo metadata: a node without id")?;
            for dep in node["deps"].as_array().into_iter().flatten() {
                let to = dep["pkg"].as_str().ok_or("cargo metadata: a dependency without pkg")?;
                for kind in dep["dep_kinds"].as_array().into_iter().flatten() {
                    let kind = match kind["kind"].as_str() {
                        None => Kind::Normal,
                        Some("build") => Kind::Build,
                        Some("dev") => Kind::Dev,
                        Some(other) => return Err(format!("cargo metadata: unknown dependency kind {other}")),
                    };
                    graph.add_edge(id, to, kind);
                }
            }
        }
        Ok(graph)
    }

    fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }

    fn ids_named(&self, name: &str) -> Vec<&str> {
        self.names.iter().filter(|(_, n)| n.as_str() == name).map(|(id, _)| id.as_str()).collect()
    }

    /// Every package reachable from `root` through normal edges, each with the path that reaches
    /// it first (breadth first: a shortest one), root excluded.
    fn reachable(&self, root: &str) -> BTreeMap<String, Vec<String>> {
        let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut queue = VecDeque::from([(root.to_owned(), vec![root.to_owned()])]);
        while let Some((id, path)) = queue.pop_front() {
            for next in self.normal.get(&id).into_iter().flatten() {
                if next == root || paths.contains_key(next) {
                    continue;
                }
                let mut longer = path.clone();
                longer.push(next.clone());
                paths.insert(next.clone(), longer.clone());
                queue.push_back((next.clone(), longer));
            }
        }
        paths
    }

    fn show(&self, path: &[String]) -> String {
        path.iter().map(|id| self.name(id)).collect::<Vec<_>>().join(" -> ")
    }
}

/// Whether `name` is matched by one of [`FORBIDDEN_IN_DOMAIN`].
fn forbidden(name: &str) -> bool {
    FORBIDDEN_IN_DOMAIN.iter().any(|pattern| match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *pattern,
    })
}

/// What was checked, and what breaks the rules (each with its offending path).
#[derive(Debug, Default)]
pub struct Findings {
    pub checked: Vec<String>,
    pub violations: Vec<String>,
}

/// The three rules on `graph`.
pub fn check(graph: &Graph) -> Findings {
    let mut findings = Findings::default();

    // 1. The domain reaches no framework or I/O crate.
    let domains = graph.ids_named(DOMAIN);
    if domains.is_empty() {
        findings.violations.push(format!("{DOMAIN} is not in the graph"));
    }
    for domain in domains {
        let reached = graph.reachable(domain);
        let mut bad = 0;
        for (id, path) in &reached {
            if forbidden(graph.name(id)) {
                bad += 1;
                findings.violations.push(format!(
                    "{DOMAIN} must not depend on {} (a framework or I/O crate): {}",
                    graph.name(id),
                    graph.show(path)
                ));
            }
        }
        if bad == 0 {
            let mut names: Vec<&str> = reached.keys().map(|id| graph.name(id)).collect();
            names.sort_unstable();
            names.dedup();
            findings.checked.push(format!(
                "{DOMAIN}: {} crates in its normal dependency tree ({}); none is a framework or I/O crate ({})",
                names.len(),
                names.join(", "),
                FORBIDDEN_IN_DOMAIN.join(", ")
            ));
        }
    }

    // 2. Adapters depend on no adapter; only the server (and the test kit) depends on adapters.
    let mut users: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut bad = 0;
    let ours: Vec<(&String, &String)> = graph.names.iter().filter(|(_, n)| n.starts_with("carbonpass-")).collect();
    for (id, name) in &ours {
        if name.as_str() == SERVER || name.as_str() == TESTKIT {
            continue;
        }
        for (reached, path) in graph.reachable(id) {
            let reached_name = graph.name(&reached);
            if ADAPTERS.contains(&reached_name) {
                bad += 1;
                let what =
                    if ADAPTERS.contains(&name.as_str()) { "an adapter" } else { "a crate other than the server" };
                findings.violations.push(format!(
                    "{name} is {what} and must not depend on the adapter {reached_name}: {}",
                    graph.show(&path)
                ));
            }
        }
    }
    for (id, name) in &ours {
        for dep in graph.normal.get(id.as_str()).into_iter().flatten() {
            if ADAPTERS.contains(&graph.name(dep)) {
                users.entry(graph.name(dep)).or_default().insert(name.as_str());
            }
        }
    }
    if bad == 0 {
        let used: Vec<String> = ADAPTERS
            .iter()
            .map(|a| {
                let by: Vec<&str> = users.get(a).into_iter().flatten().copied().collect();
                format!("{a} <- {}", if by.is_empty() { "nothing".to_owned() } else { by.join(", ") })
            })
            .collect();
        findings.checked.push(format!(
            "adapters: none depends on another; only {SERVER} (and {TESTKIT}) depend on them: {}",
            used.join("; ")
        ));
    }

    // 3. The test kit is never a normal or build dependency.
    let mut bad = 0;
    for testkit in graph.ids_named(TESTKIT) {
        for (from, deps) in graph.normal.iter().chain(graph.build.iter()) {
            if deps.contains(testkit) {
                bad += 1;
                let kind = if graph.normal.get(from).is_some_and(|d| d.contains(testkit)) { "normal" } else { "build" };
                findings.violations.push(format!(
                    "{TESTKIT} is test support, a dev-dependency only, but is a {kind} dependency of {}: {} -> {TESTKIT}",
                    graph.name(from),
                    graph.name(from)
                ));
            }
        }
    }
    if bad == 0 {
        findings.checked.push(format!("{TESTKIT}: a dev-dependency only, of nothing's normal or build dependencies"));
    }
    findings
}

pub fn run(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err("usage: cargo xtask layering".into());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: not JSON: {e}"))?;
    let findings = check(&Graph::from_metadata(&metadata)?);
    for line in &findings.checked {
        println!("layering: ok: {line}");
    }
    for line in &findings.violations {
        println!("layering: FAILED: {line}");
    }
    if findings.violations.is_empty() {
        println!("layering: ok (docs/architecture.md)");
        Ok(())
    } else {
        Err(format!("{} layering rule(s) broken (see docs/architecture.md)", findings.violations.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::{Build, Dev, Normal};

    /// The shape of today's workspace, in small: it keeps every rule.
    fn layered() -> Graph {
        Graph::default()
            .with(DOMAIN, &[("serde", Normal), ("chrono", Normal), ("tokio", Dev), ("mockall", Dev)])
            .with("chrono", &[("num-traits", Normal), ("cc", Build)])
            .with("carbonpass-store", &[(DOMAIN, Normal), ("diesel", Normal), (TESTKIT, Dev)])
            .with("carbonpass-http", &[(DOMAIN, Normal), ("actix-web", Normal)])
            .with("actix-web", &[("tokio", Normal), ("mio", Normal)])
            .with(TESTKIT, &[("carbonpass-store", Normal), ("diesel", Normal)])
            .with(SERVER, &[("carbonpass-store", Normal), ("carbonpass-http", Normal), (TESTKIT, Dev)])
    }

    #[test]
    fn a_layered_graph_passes_every_rule() {
        let findings = check(&layered());
        assert!(findings.violations.is_empty(), "{:?}", findings.violations);
        assert_eq!(findings.checked.len(), 3, "{:?}", findings.checked);
        assert!(findings.checked[0].contains("3 crates"), "serde, chrono, num-traits: {}", findings.checked[0]);
    }

    #[test]
    fn the_domain_reaching_an_io_crate_through_another_fails_with_the_path() {
        let graph = layered().with("chrono", &[("num-traits", Normal), ("tokio-util", Normal)]);
        let findings = check(&graph);
        assert_eq!(
            findings.violations,
            [
                "carbonpass-domain must not depend on tokio-util (a framework or I/O crate): carbonpass-domain -> chrono -> tokio-util"
            ]
        );
    }

    #[test]
    fn dev_and_build_dependencies_of_the_domain_do_not_count() {
        let graph = layered().with(DOMAIN, &[("tokio", Dev), ("hyper", Build)]);
        assert!(check(&graph).violations.is_empty());
    }

    #[test]
    fn an_adapter_depending_on_another_fails_with_the_path() {
        let graph = layered().with("carbonpass-http", &[("carbonpass-store", Normal)]);
        let findings = check(&graph);
        assert_eq!(
            findings.violations,
            [
                "carbonpass-http is an adapter and must not depend on the adapter carbonpass-store: carbonpass-http -> carbonpass-store"
            ]
        );
    }

    #[test]
    fn only_the_server_depends_on_adapters() {
        let graph = layered().with(DOMAIN, &[("carbonpass-auth", Normal)]);
        let findings = check(&graph);
        assert!(
            findings.violations.iter().any(|v| v
                == "carbonpass-domain is a crate other than the server and must not depend on the adapter \
                    carbonpass-auth: carbonpass-domain -> carbonpass-auth"),
            "{:?}",
            findings.violations
        );
    }

    #[test]
    fn the_testkit_as_a_normal_dependency_fails() {
        let graph = layered().with("carbonpass-http", &[(TESTKIT, Normal)]);
        let findings = check(&graph);
        assert!(
            findings.violations.iter().any(|v| v.starts_with("carbonpass-testkit is test support")
                && v.ends_with("normal dependency of carbonpass-http: carbonpass-http -> carbonpass-testkit")),
            "{:?}",
            findings.violations
        );
    }

    #[test]
    fn patterns_match_prefixes_and_exact_names() {
        assert!(forbidden("actix-web") && forbidden("tokio") && forbidden("diesel_migrations") && forbidden("redis"));
        assert!(!forbidden("serde") && !forbidden("redis-test") && !forbidden("rustls-pki-types"));
    }
}

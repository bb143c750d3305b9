//! `cargo xtask bench-emissions`: a company with 50 sites and 100,000 confirmed bills (inserted
//! in bulk by SQL, with their per-bill amounts, scope 3 categories and the maintained totals, as
//! confirmations write them), then `wrk` on `GET /api/v1/emissions` (a period, a site, and the default) on SQLite and
//! on PostgreSQL: p50 and p99 latency. Needs `wrk`, `psql` and `sqlite3`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::bench::{Load, build_release, drop_database, psql, recreate_database, start_server, with_database, wrk};

const SITES: usize = 50;
const BILLS: usize = 100_000;

/// The bulk data, in SQL both backends run: sites, one completed session per site and period,
/// bills confirmed across two reporting periods and three bill types, their per-bill amounts
/// (scopes 2 or 1, and 3), and the maintained totals summed from those.
fn seed_sql(company: &str, postgres: bool) -> String {
    // PostgreSQL wants typed date literals; SQLite stores dates as text.
    let date = |d: &str| if postgres { format!("DATE '{d}'") } else { format!("'{d}'") };
    format!(
        "
INSERT INTO sites (id, company_id, name, city, employee_count, created_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {more_sites})
SELECT 'site_bench' || i, '{company}', 'Site ' || i, 'Leeds', 10, CURRENT_TIMESTAMP FROM n;

INSERT INTO sessions (id, company_id, site_id, reporting_period, status, created_at)
SELECT 'sess_' || p.tag || replace(s.id, 'site_', ''), '{company}', s.id, p.period, 'completed', CURRENT_TIMESTAMP
FROM sites s CROSS JOIN (SELECT '2024-25' AS period, 'a' AS tag UNION ALL SELECT '2025-26', 'b') p
WHERE s.company_id = '{company}';

INSERT INTO bills (id, company_id, site_id, session_id, bill_type, status, blob_key, content_type, size_bytes,
                   sha256, created_at, consumption, unit, period_start, period_end, allow_overlap, confirmed_at,
                   calculation)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last_bill}),
     numbered AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM sites WHERE company_id = '{company}')
SELECT 'bill_bench' || n.i, '{company}', s.id,
       'sess_' || CASE WHEN n.i % 2 = 0 THEN 'a' ELSE 'b' END || replace(s.id, 'site_', ''),
       CASE n.i % 3 WHEN 0 THEN 'electricity' WHEN 1 THEN 'gas' ELSE 'diesel' END,
       'confirmed', 'bench', 'application/pdf', 1000, 'sha' || n.i, CURRENT_TIMESTAMP, '1000',
       CASE n.i % 3 WHEN 2 THEN 'litres' ELSE 'kWh' END,
       CASE WHEN n.i % 2 = 0 THEN {jun24} ELSE {jun25} END,
       CASE WHEN n.i % 2 = 0 THEN {jun24_end} ELSE {jun25_end} END,
       TRUE, CURRENT_TIMESTAMP, '{{\"parts\":[]}}'
FROM n JOIN numbered s ON s.k = n.i % {SITES};

INSERT INTO bill_emissions (bill_id, company_id, site_id, session_id, reporting_period, bill_type, scope, micrograms)
SELECT b.id, b.company_id, b.site_id, b.session_id,
       CASE WHEN b.period_start < {apr25} THEN '2024-25' ELSE '2025-26' END,
       b.bill_type, sc.scope, CAST(sc.scope AS BIGINT) * 1000000007
FROM bills b CROSS JOIN (SELECT 1 AS scope UNION ALL SELECT 2 UNION ALL SELECT 3) sc
WHERE b.company_id = '{company}' AND b.id LIKE 'bill_bench%'
  AND (sc.scope = 3 OR (sc.scope = 2 AND b.bill_type = 'electricity') OR (sc.scope = 1 AND b.bill_type <> 'electricity'));

INSERT INTO emission_totals
    (company_id, reporting_period, site_id, session_id, bill_type, scope, kilograms, micrograms, contributions)
SELECT company_id, reporting_period, site_id, session_id, bill_type, scope,
       SUM(micrograms / 1000000000), SUM(micrograms % 1000000000), COUNT(*)
FROM bill_emissions WHERE company_id = '{company}' AND bill_id LIKE 'bill_bench%'
GROUP BY company_id, reporting_period, site_id, session_id, bill_type, scope;

INSERT INTO bill_categories (bill_id, company_id, reporting_period, category, micrograms)
SELECT bill_id, company_id, reporting_period, 3, micrograms
FROM bill_emissions WHERE company_id = '{company}' AND bill_id LIKE 'bill_bench%' AND scope = 3;

INSERT INTO bill_category_totals
    (company_id, reporting_period, site_id, bill_type, category, kilograms, micrograms, contributions)
SELECT company_id, reporting_period, site_id, bill_type, 3,
       SUM(micrograms / 1000000000), SUM(micrograms % 1000000000), COUNT(*)
FROM bill_emissions WHERE company_id = '{company}' AND bill_id LIKE 'bill_bench%' AND scope = 3
GROUP BY company_id, reporting_period, site_id, bill_type;
",
        more_sites = SITES - 1,
        last_bill = BILLS - 1,
        jun24 = date("2024-06-01"),
        jun25 = date("2025-06-01"),
        jun24_end = date("2024-06-30"),
        jun25_end = date("2025-06-30"),
        apr25 = date("2025-04-01"),
    )
}

fn sqlite(path: &PathBuf, sql: &str) -> Result<(), String> {
    let mut child = Command::new("sqlite3")
        .arg(path)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("sqlite3: {e}"))?;
    std::io::Write::write_all(child.stdin.as_mut().ok_or("no stdin")?, sql.as_bytes()).map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

/// Starts `serve --demo`, seeds the demo company through `seed`, and loads `/emissions`.
fn bench(
    binary: &PathBuf,
    name: &str,
    env: &[(&str, &str)],
    seed: impl Fn(&str) -> Result<(), String>,
) -> Result<Vec<(String, Load)>, String> {
    let (server, address, key) = start_server(binary, env)?;
    let auth = format!("Authorization: Bearer {key}");
    let company = company_of(&address, &key)?;
    let started = std::time::Instant::now();
    seed(&company)?;
    println!("{name}: seeded {SITES} sites and {BILLS} confirmed bills in {:.1} s", started.elapsed().as_secs_f64());
    let site = "site_bench7";
    let mut results = Vec::new();
    for (label, query) in [
        ("period", "?period=2025-26".to_owned()),
        ("site", format!("?period=2025-26&siteId={site}")),
        ("default period", String::new()),
    ] {
        let url = format!("http://{address}/api/v1/emissions{query}");
        wrk(&url, Some(&auth), 3, 32)?;
        let load = wrk(&url, Some(&auth), 10, 32)?;
        println!("{name}: /emissions {label}: {load:?}");
        results.push((format!("{name} | GET /emissions{query}"), load));
    }
    drop(server);
    Ok(results)
}

/// The demo company's id, from `/company`.
fn company_of(address: &str, key: &str) -> Result<String, String> {
    let out = Command::new("curl")
        .args(["-s", "-H", &format!("Authorization: Bearer {key}"), &format!("http://{address}/api/v1/company")])
        .output()
        .map_err(|e| e.to_string())?;
    let body = String::from_utf8_lossy(&out.stdout);
    let start = body.find("\"id\":\"").ok_or("no company id")? + 6;
    Ok(body[start..].split('"').next().unwrap_or_default().to_owned())
}

pub fn run(_: &[String]) -> Result<(), String> {
    for tool in ["wrk", "psql", "sqlite3", "curl"] {
        if Command::new("which").arg(tool).output().map_or(true, |o| !o.status.success()) {
            return Err(format!(
                "{tool} is not installed (Debian: apt-get install wrk postgresql-client sqlite3 curl)"
            ));
        }
    }
    let binary = build_release()?;
    let admin_url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());

    let dir = std::env::temp_dir().join(format!("carbonpass-emissions-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db_file = dir.join("carbonpass.db");
    let mut results =
        bench(&binary, "sqlite", &[("CARBONPASS_DATA_DIR", dir.to_string_lossy().as_ref())], |company| {
            sqlite(&db_file, &seed_sql(company, false))
        })?;
    let _ = std::fs::remove_dir_all(&dir);

    let db = "cp_bench_emissions";
    recreate_database(&admin_url, db)?;
    let url = with_database(&admin_url, db);
    results.extend(bench(&binary, "postgres", &[("DATABASE_URL", url.as_str())], |company| {
        // Bulk loading bypasses the per-row revision trigger (one bump at the end instead of
        // 100,000 updates of one row), then VACUUM ANALYZE, as autovacuum would in time.
        let sql = format!(
            "ALTER TABLE bills DISABLE TRIGGER bills_revision; {} ALTER TABLE bills ENABLE TRIGGER bills_revision; \
             UPDATE companies SET revision = revision + 1 WHERE id = '{company}';",
            seed_sql(company, true)
        );
        psql(&url, &sql).and_then(|()| psql(&url, "VACUUM ANALYZE"))
    })?);
    drop_database(&admin_url, db);

    println!("\n| backend | request | requests/s | p50 ms | p99 ms |\n|---|---|---|---|---|");
    for (label, load) in results {
        println!("| {label} | {:.0} | {:.3} | {:.3} |", load.rps, load.p50_ms, load.p99_ms);
    }
    Ok(())
}

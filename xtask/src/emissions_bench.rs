//! `cargo xtask bench-emissions [--scales N,N] [--sites N] [--rate N] [--secs N]`: a company with
//! 500 sites and, at each scale, that many confirmed bills and as many recorded activities
//! (inserted in bulk by SQL with their per-record amounts, scope 3 categories and the maintained
//! totals, as confirmations and records write them), then `GET /api/v1/emissions` (a period, a
//! site, and the default) two ways: `wrk` saturating (throughput, latency) and `wrk` paced to a
//! fixed rate (latency at that rate, and the CPU the server and PostgreSQL spend per request).
//! SQLite at the first scale, PostgreSQL at every scale. Rate limits are off: the server's cost
//! is measured, not its allowance. Needs `wrk`, `psql`, `sqlite3` and `curl`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::bench::{
    Load, build_release, cpu_micros, drop_database, postgres_cpu_micros, psql, recreate_database, start_server,
    with_database, wrk,
};

struct Options {
    scales: Vec<usize>,
    sites: usize,
    /// Requests per second of the paced runs.
    rate: u32,
    secs: u64,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut opts = Options { scales: vec![100_000, 1_000_000], sites: 500, rate: 200, secs: 20 };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--scales" => {
                opts.scales = value()?
                    .split(',')
                    .map(|n| n.trim().parse::<usize>().map_err(|_| format!("bad scale {n}")))
                    .collect::<Result<_, _>>()?
            }
            "--sites" => opts.sites = value()?.parse().map_err(|_| "bad --sites")?,
            "--rate" => opts.rate = value()?.parse().map_err(|_| "bad --rate")?,
            "--secs" => opts.secs = value()?.parse().map_err(|_| "bad --secs")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if opts.scales.is_empty() || opts.scales.iter().any(|n| *n < 2) || opts.sites < 8 || opts.rate == 0 {
        return Err("scales of at least 2 records, at least 8 sites, a rate above 0".into());
    }
    Ok(opts)
}

/// The bulk data, in SQL both backends run: sites, one completed session per site and period,
/// bills confirmed across two reporting periods and three bill types with their per-bill
/// amounts (scopes 2 or 1, and 3), scope 3 categories and totals; activities of four families
/// (a van: scope 1 and its WTT in category 3; rail travel, category 6; upstream freight,
/// category 4; waste, category 5) with their amounts and totals.
fn seed_sql(company: &str, postgres: bool, sites: usize, records: usize) -> String {
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
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}),
     numbered AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM sites WHERE company_id = '{company}')
SELECT 'bill_bench' || n.i, '{company}', s.id,
       'sess_' || CASE WHEN n.i % 2 = 0 THEN 'a' ELSE 'b' END || replace(s.id, 'site_', ''),
       CASE n.i % 3 WHEN 0 THEN 'electricity' WHEN 1 THEN 'gas' ELSE 'diesel' END,
       'confirmed', 'bench', 'application/pdf', 1000, 'sha' || n.i, CURRENT_TIMESTAMP, '1000',
       CASE n.i % 3 WHEN 2 THEN 'litres' ELSE 'kWh' END,
       CASE WHEN n.i % 2 = 0 THEN {jun24} ELSE {jun25} END,
       CASE WHEN n.i % 2 = 0 THEN {jun24_end} ELSE {jun25_end} END,
       TRUE, CURRENT_TIMESTAMP, '{{\"parts\":[]}}'
FROM n JOIN numbered s ON s.k = n.i % {sites};

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

INSERT INTO activities (id, company_id, activity_type, family, quantity, unit, period_start, period_end, site_id,
                        direction, status, calculation, recorded_at)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}),
     numbered AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM sites WHERE company_id = '{company}')
SELECT 'act_bench' || n.i, '{company}',
       CASE n.i % 4 WHEN 0 THEN 'vehicle.vans.average_up_to_3_5_tonnes.diesel'
                    WHEN 1 THEN 'business_travel.rail.national_rail'
                    WHEN 2 THEN 'freight.hgv_all_diesel.all_hgvs.average_laden'
                    ELSE 'waste.paper_and_board_mixed.closed_loop' END,
       CASE n.i % 4 WHEN 0 THEN 'vehicle' WHEN 1 THEN 'business_travel.land' WHEN 2 THEN 'freight' ELSE 'waste' END,
       '100',
       CASE n.i % 4 WHEN 0 THEN 'km' WHEN 1 THEN 'passenger_km' WHEN 2 THEN 'tonne_km' ELSE 'tonnes' END,
       CASE WHEN n.i % 2 = 0 THEN {jun24} ELSE {jun25} END,
       CASE WHEN n.i % 2 = 0 THEN {jun24_end} ELSE {jun25_end} END,
       s.id, CASE n.i % 4 WHEN 2 THEN 'upstream' END, 'recorded', '{{\"parts\":[]}}', CURRENT_TIMESTAMP
FROM n JOIN numbered s ON s.k = n.i % {sites};

INSERT INTO activity_emissions (activity_id, company_id, reporting_period, scope, category, micrograms)
SELECT a.id, a.company_id, CASE WHEN a.period_start < {apr25} THEN '2024-25' ELSE '2025-26' END,
       c.scope, c.category, CAST(c.scope AS BIGINT) * 1000000009
FROM activities a JOIN (
    SELECT 'vehicle' AS family, 1 AS scope, 0 AS category UNION ALL SELECT 'vehicle', 3, 3
    UNION ALL SELECT 'business_travel.land', 3, 6 UNION ALL SELECT 'freight', 3, 4 UNION ALL SELECT 'waste', 3, 5
) c ON c.family = a.family
WHERE a.company_id = '{company}' AND a.id LIKE 'act_bench%';

INSERT INTO activity_totals
    (company_id, reporting_period, site_id, family, scope, category, kilograms, micrograms, contributions)
SELECT e.company_id, e.reporting_period, a.site_id, a.family, e.scope, e.category,
       SUM(e.micrograms / 1000000000), SUM(e.micrograms % 1000000000), COUNT(*)
FROM activity_emissions e JOIN activities a ON a.id = e.activity_id
WHERE e.company_id = '{company}' AND e.activity_id LIKE 'act_bench%'
GROUP BY e.company_id, e.reporting_period, a.site_id, a.family, e.scope, e.category;
",
        more_sites = sites - 1,
        last = records - 1,
        jun24 = date("2024-06-01"),
        jun25 = date("2025-06-01"),
        jun24_end = date("2024-06-30"),
        jun25_end = date("2025-06-30"),
        apr25 = date("2025-04-01"),
    )
}

fn sqlite(path: &PathBuf, sql: &str) -> Result<(), String> {
    let mut child =
        Command::new("sqlite3").arg(path).stdin(Stdio::piped()).spawn().map_err(|e| format!("sqlite3: {e}"))?;
    use std::io::Write;
    child.stdin.take().ok_or("no stdin")?.write_all(sql.as_bytes()).map_err(|e| e.to_string())?;
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() { Ok(()) } else { Err("sqlite3 seed failed".into()) }
}

/// One paced run: `rate` requests a second for `secs` (20 connections, each waiting its share
/// of a second before its next request), with the CPU the server and PostgreSQL spent.
struct Paced {
    load: Load,
    server_us: f64,
    postgres_us: f64,
}

fn paced(pid: u32, url: &str, auth: &str, rate: u32, secs: u64) -> Result<Paced, String> {
    const CONNECTIONS: u32 = 20;
    let script = std::env::temp_dir().join(format!("carbonpass-paced-{}.lua", std::process::id()));
    let delay_ms = 1000 * CONNECTIONS / rate;
    std::fs::write(&script, format!("function delay() return {delay_ms} end\n")).map_err(|e| e.to_string())?;
    let (server, pg) = (cpu_micros(pid)?, postgres_cpu_micros());
    let mut command = Command::new("wrk");
    command.args(["-t1", &format!("-c{CONNECTIONS}"), &format!("-d{secs}s"), "--latency", "--timeout", "5s"]);
    command.args(["-H", auth, "-s"]).arg(&script).arg(url);
    let out = command.output().map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let _ = std::fs::remove_file(&script);
    let load = crate::bench::parse_wrk(url, out.status.success(), &text)?;
    let requests = load.requests.max(1) as f64;
    Ok(Paced {
        server_us: (cpu_micros(pid)? - server) / requests,
        postgres_us: (postgres_cpu_micros() - pg) / requests,
        load,
    })
}

struct Row {
    label: String,
    saturated: Load,
    paced: Paced,
}

fn bench(
    binary: &PathBuf,
    name: &str,
    env: &[(&str, &str)],
    opts: &Options,
    records: usize,
    seed: impl Fn(&str) -> Result<(), String>,
) -> Result<Vec<Row>, String> {
    let mut env = env.to_vec();
    env.push(("CARBONPASS_RATE_LIMITS__ENABLED", "false"));
    let (server, address, key) = start_server(binary, &env)?;
    let pid = server.0.id();
    let auth = format!("Authorization: Bearer {key}");
    let company = company_of(&address, &key)?;
    let started = std::time::Instant::now();
    seed(&company)?;
    println!(
        "{name}: seeded {} sites, {records} confirmed bills and {records} activities in {:.1} s",
        opts.sites,
        started.elapsed().as_secs_f64()
    );
    let site = "site_bench7";
    let mut rows = Vec::new();
    // Each report twice: served from the report cache (the tenant's data unchanged since the
    // first request, as when a dashboard polls), then with the cache off (every request reads
    // the totals, as the first request after each write does), on a server restarted over the
    // same data.
    let mut server = server;
    let (mut pid, mut address, mut auth) = (pid, address, auth);
    for cache in ["on", "off"] {
        if cache == "off" {
            drop(server);
            env.push(("CARBONPASS_REPORT_CACHE_ENTRIES", "0"));
            let (restarted, restarted_at, key) = start_server(binary, &env)?;
            (pid, address, auth) = (restarted.0.id(), restarted_at, format!("Authorization: Bearer {key}"));
            server = restarted;
        }
        for (label, query) in [
            ("period", "?period=2025-26".to_owned()),
            ("site", format!("?period=2025-26&siteId={site}")),
            ("default period", String::new()),
        ] {
            let url = format!("http://{address}/api/v1/emissions{query}");
            wrk(&url, Some(&auth), 3, 32)?;
            let saturated = wrk(&url, Some(&auth), 10, 32)?;
            let paced = paced(pid, &url, &auth, opts.rate, opts.secs)?;
            println!(
                "{name} {records} cache {cache}: /emissions {label}: saturated {saturated:?}; paced {:?}",
                paced.load
            );
            rows.push(Row {
                label: format!("{name} | {records} + {records} | {cache} | `GET /emissions{query}`"),
                saturated,
                paced,
            });
        }
    }
    drop(server);
    Ok(rows)
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

pub fn run(args: &[String]) -> Result<(), String> {
    let opts = options(args)?;
    for tool in ["wrk", "psql", "sqlite3", "curl", "pgrep"] {
        if Command::new("which").arg(tool).output().map_or(true, |o| !o.status.success()) {
            return Err(format!(
                "{tool} is not installed (Debian: apt-get install wrk postgresql-client sqlite3 curl procps)"
            ));
        }
    }
    let binary = build_release()?;
    let admin_url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());

    let first = opts.scales[0];
    let dir = std::env::temp_dir().join(format!("carbonpass-emissions-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db_file = dir.join("carbonpass.db");
    let data_dir = dir.to_string_lossy().into_owned();
    let mut rows = bench(&binary, "sqlite", &[("CARBONPASS_DATA_DIR", &data_dir)], &opts, first, |company| {
        sqlite(&db_file, &seed_sql(company, false, opts.sites, first))
    })?;
    let _ = std::fs::remove_dir_all(&dir);

    for &records in &opts.scales {
        let db = "cp_bench_emissions";
        recreate_database(&admin_url, db)?;
        let url = with_database(&admin_url, db);
        rows.extend(bench(&binary, "postgres", &[("DATABASE_URL", url.as_str())], &opts, records, |company| {
            // Bulk loading bypasses the per-row revision triggers (one bump at the end instead
            // of a million updates of one row), then VACUUM ANALYZE, as autovacuum would in time.
            let sql = format!(
                "ALTER TABLE bills DISABLE TRIGGER bills_revision; ALTER TABLE activities DISABLE TRIGGER \
                 activities_revision; {} ALTER TABLE bills ENABLE TRIGGER bills_revision; ALTER TABLE activities \
                 ENABLE TRIGGER activities_revision; UPDATE companies SET revision = revision + 1 WHERE id = '{company}';",
                seed_sql(company, true, opts.sites, records)
            );
            psql(&url, &sql).and_then(|()| psql(&url, "VACUUM ANALYZE"))
        })?);
        drop_database(&admin_url, db);
    }

    println!(
        "\n| backend | bills + activities | report cache | request | saturated req/s | saturated p99 ms | paced req/s | paced p50 ms | \
         paced p99 ms | server CPU µs/req | PostgreSQL CPU µs/req |\n|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for row in rows {
        let (s, p) = (&row.saturated, &row.paced);
        println!(
            "| {} | {:.0} | {:.2} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0} |",
            row.label, s.rps, s.p99_ms, p.load.rps, p.load.p50_ms, p.load.p99_ms, p.server_us, p.postgres_us
        );
    }
    Ok(())
}

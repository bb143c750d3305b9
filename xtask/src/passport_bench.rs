//! `cargo xtask bench-passport [--companies N] [--rate N] [--secs N]`: N companies with their
//! passports switched on (inserted by SQL, each with a confirmed period's totals), on
//! PostgreSQL; then `/healthz`, the passport page and its JSON twin, each at a fixed rate with
//! a random company per request, and the CPU the server and PostgreSQL spend per request. The
//! passports are viewed twice: served from memory (`passport_recheck_ms` a minute: no database
//! read), and with the default recheck (1 s: with 10,000 companies nearly every view reads the
//! company's data version first). Rate limits are off: the server's cost is measured, not its
//! allowance. Needs `wrk`, `psql`, `curl` and `pgrep`.

use std::process::Command;

use crate::bench::{
    Load, build_release, cpu_micros, drop_database, postgres_cpu_micros, psql, recreate_database, start_server,
    with_database,
};

struct Options {
    companies: usize,
    rate: u32,
    secs: u64,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut opts = Options { companies: 10_000, rate: 500, secs: 15 };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--companies" => opts.companies = value()?.parse().map_err(|_| "bad --companies")?,
            "--rate" => opts.rate = value()?.parse().map_err(|_| "bad --rate")?,
            "--secs" => opts.secs = value()?.parse().map_err(|_| "bad --secs")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if opts.companies == 0 || opts.rate == 0 {
        return Err("at least one company and a rate above 0".into());
    }
    Ok(opts)
}

/// N live companies (`bench-1` … `bench-N`), passports on, each with one site and the totals of
/// a confirmed 2024-25 (scopes 1, 2 and 3, by bill type), as confirmations write them.
fn seed_sql(companies: usize) -> String {
    format!(
        "
INSERT INTO companies (id, name, sector, city, employee_count, plan, passport_slug, passport_activated, created_at)
SELECT 'comp_bench' || i, 'Bench Company ' || i, 'Manufacturing', 'Leeds', 25, 'business', 'bench-' || i, TRUE, now()
FROM generate_series(1, {companies}) AS i;
INSERT INTO sites (id, company_id, name, city, employee_count, created_at)
SELECT 'site_bench' || i, 'comp_bench' || i, 'Head office', 'Leeds', 25, now() FROM generate_series(1, {companies}) AS i;
INSERT INTO sessions (id, company_id, site_id, reporting_period, status, created_at)
SELECT 'sess_bench' || i, 'comp_bench' || i, 'site_bench' || i, '2024-25', 'completed', now()
FROM generate_series(1, {companies}) AS i;
INSERT INTO emission_totals (company_id, reporting_period, site_id, session_id, bill_type, scope, kilograms, micrograms, contributions)
SELECT 'comp_bench' || i, '2024-25', 'site_bench' || i, 'sess_bench' || i, t.bill_type, t.scope, t.kg + i % 97, 0, 3
FROM generate_series(1, {companies}) AS i,
     (VALUES ('electricity', 2, 21240), ('electricity', 3, 8208), ('gas', 1, 36770), ('gas', 3, 6120)) AS t(bill_type, scope, kg);
"
    )
}

struct Measured {
    label: String,
    load: Load,
    server_us: f64,
    postgres_us: f64,
}

/// `rate` requests a second for `secs` from 20 connections, each request to `path` with `{i}`
/// replaced by a random company number (1–`companies`).
fn paced(pid: u32, base: &str, path: &str, companies: usize, rate: u32, secs: u64) -> Result<Measured, String> {
    const CONNECTIONS: u32 = 20;
    let script = std::env::temp_dir().join(format!("carbonpass-passport-{}.lua", std::process::id()));
    let delay_ms = 1000 * CONNECTIONS / rate;
    let target = match path.split_once("{i}") {
        Some((before, after)) => format!("\"{before}\" .. math.random(1, {companies}) .. \"{after}\""),
        None => format!("\"{path}\""),
    };
    std::fs::write(
        &script,
        format!(
            "math.randomseed(os.time())\nrequest = function()\n  return wrk.format(\"GET\", {target})\nend\nfunction delay() return {delay_ms} end\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let (server, pg) = (cpu_micros(pid)?, postgres_cpu_micros());
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{CONNECTIONS}"), &format!("-d{secs}s"), "--latency", "--timeout", "5s", "-s"])
        .arg(&script)
        .arg(base)
        .output()
        .map_err(|e| format!("wrk: {e}"))?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let load = crate::bench::parse_wrk(base, out.status.success(), &text)?;
    let requests = load.requests.max(1) as f64;
    Ok(Measured {
        label: path.to_owned(),
        server_us: (cpu_micros(pid)? - server) / requests,
        postgres_us: (postgres_cpu_micros() - pg) / requests,
        load,
    })
}

/// Views every passport once (and its JSON twin), so the runs that follow measure views of
/// passports the server holds.
fn warm(base: &str, companies: usize) -> Result<(), String> {
    let list = std::env::temp_dir().join(format!("carbonpass-passport-urls-{}", std::process::id()));
    let mut urls = String::new();
    for i in 1..=companies {
        urls.push_str(&format!("url = \"{base}/company/bench-{i}\"\noutput = /dev/null\nurl = \"{base}/company/bench-{i}.json\"\noutput = /dev/null\n"));
    }
    std::fs::write(&list, urls).map_err(|e| e.to_string())?;
    let status = Command::new("curl")
        .args(["-s", "--no-progress-meter", "--fail", "--parallel", "--parallel-max", "16", "-K"])
        .arg(&list)
        .status()
        .map_err(|e| format!("curl: {e}"))?;
    let _ = std::fs::remove_file(&list);
    if !status.success() {
        return Err("warming the passports failed".into());
    }
    Ok(())
}

pub fn run(args: &[String]) -> Result<(), String> {
    let opts = options(args)?;
    for tool in ["wrk", "psql", "curl", "pgrep"] {
        if Command::new("which").arg(tool).output().map_or(true, |o| !o.status.success()) {
            return Err(format!("{tool} is not installed (Debian: apt-get install wrk postgresql-client curl procps)"));
        }
    }
    let binary = build_release()?;
    let admin_url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let db = "cp_bench_passport";
    recreate_database(&admin_url, db)?;
    let url = with_database(&admin_url, db);
    let dir = std::env::temp_dir().join(format!("carbonpass-passport-bench-{}", std::process::id()));
    let data_dir = dir.to_string_lossy().into_owned();
    let mut rows = Vec::new();
    for (recheck, name) in [("60000", "held (recheck 60 s)"), ("1000", "default (recheck 1 s)")] {
        let env = [
            ("DATABASE_URL", url.as_str()),
            ("CARBONPASS_DATA_DIR", data_dir.as_str()),
            ("CARBONPASS_RATE_LIMITS__ENABLED", "false"),
            ("CARBONPASS_PASSPORT_RECHECK_MS", recheck),
        ];
        let (server, address, _key) = start_server(&binary, &env)?;
        if rows.is_empty() {
            let started = std::time::Instant::now();
            psql(&url, &seed_sql(opts.companies)).and_then(|()| psql(&url, "VACUUM ANALYZE"))?;
            println!("seeded {} activated companies in {:.1} s", opts.companies, started.elapsed().as_secs_f64());
        }
        let base = format!("http://{address}");
        let started = std::time::Instant::now();
        warm(&base, opts.companies)?;
        println!("{name}: viewed every passport once in {:.1} s", started.elapsed().as_secs_f64());
        let pid = server.0.id();
        for path in ["/healthz", "/company/bench-{i}", "/company/bench-{i}.json"] {
            let mut measured = paced(pid, &base, path, opts.companies, opts.rate, opts.secs)?;
            println!("{name} {path}: {:?}", measured.load);
            measured.label = format!("{name} | `GET {path}`");
            rows.push(measured);
        }
        drop(server);
    }
    drop_database(&admin_url, db);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "\n| passports | request | paced req/s | paced p50 ms | paced p99 ms | server CPU µs/req | PostgreSQL CPU µs/req |\n|---|---|---|---|---|---|---|"
    );
    for row in rows {
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0} |",
            row.label, row.load.rps, row.load.p50_ms, row.load.p99_ms, row.server_us, row.postgres_us
        );
    }
    Ok(())
}

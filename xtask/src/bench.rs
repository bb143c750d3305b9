//! `cargo xtask bench`: loads the release server with `wrk` on `GET /healthz` and on authenticated
//! `GET /api/v1/company`, on SQLite and on PostgreSQL, and measures `pgbench -S` on the same
//! PostgreSQL server as the floor for a database round trip. Only 127.0.0.1 is ever loaded; every
//! run is bounded in time. Needs `wrk` and `pgbench` (Debian: `apt-get install wrk postgresql-client`).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Options {
    duration_secs: u64,
    connections: u32,
    /// Each figure is the median of this many runs: this machine's neighbours make single runs noisy.
    rounds: usize,
    /// The server's default pool size (twice the cores), used as pgbench's client count.
    pool_size: usize,
    database_url: String,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        duration_secs: 10,
        connections: 32,
        rounds: 3,
        pool_size: std::thread::available_parallelism().map_or(2, |n| n.get() * 2).clamp(2, 32),
        database_url: std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into()),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--duration" => opts.duration_secs = value()?.parse().map_err(|_| "bad --duration")?,
            "--connections" => opts.connections = value()?.parse().map_err(|_| "bad --connections")?,
            "--rounds" => opts.rounds = value()?.parse().map_err(|_| "bad --rounds")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    opts.duration_secs = opts.duration_secs.clamp(1, 120);
    opts.connections = opts.connections.clamp(1, 256);
    opts.rounds = opts.rounds.clamp(1, 9);
    Ok(opts)
}

/// One load run: throughput and latency percentiles, and (when the server's process was
/// watched) the CPU time the server spent per request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) requests: u64,
    pub(crate) cpu_us_per_request: f64,
}

/// The CPU time a process has used so far (user + system, all its threads), in microseconds,
/// from `/proc/<pid>/stat`. Unlike throughput, this does not move with what else the cores are
/// doing: it is what the server's code costs.
pub(crate) fn cpu_micros(pid: u32) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    // `pid (comm) state ppid …`: utime and stime are the 14th and 15th fields, the 12th and 13th
    // after the command name (which may hold spaces).
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).ok_or("malformed stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).ok_or("malformed stat");
    let total = ticks(11)? + ticks(12)?;
    Ok(total as f64 * 1e6 / clock_ticks_per_second() as f64)
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// `wrk` against `url` while watching the server process `pid`'s CPU time.
pub(crate) fn wrk_watching(
    pid: u32,
    url: &str,
    header: Option<&str>,
    secs: u64,
    connections: u32,
) -> Result<Load, String> {
    let before = cpu_micros(pid)?;
    let mut load = wrk(url, header, secs, connections)?;
    let spent = cpu_micros(pid)? - before;
    load.cpu_us_per_request = spent / load.requests.max(1) as f64;
    Ok(load)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let opts = options(args)?;
    for tool in ["wrk", "pgbench", "psql"] {
        if Command::new("which").arg(tool).output().map_or(true, |o| !o.status.success()) {
            return Err(format!("{tool} is not installed (Debian: apt-get install wrk postgresql-client)"));
        }
    }
    let binary = build_release()?;
    println!(
        "load: {} connections, {} s per run, 1 wrk thread, server on 127.0.0.1",
        opts.connections, opts.duration_secs
    );

    let sqlite_dir = std::env::temp_dir().join(format!("carbonpass-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&sqlite_dir);
    let sqlite_env = [("CARBONPASS_DATA_DIR", sqlite_dir.to_string_lossy().into_owned())];
    let sqlite_env: Vec<(&str, &str)> = sqlite_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sqlite = bench_backend(&binary, &opts, "sqlite", &sqlite_env, None)?;
    let _ = std::fs::remove_dir_all(&sqlite_dir);

    let bench_db = "cp_bench";
    recreate_database(&opts.database_url, bench_db)?;
    let pg_url = with_database(&opts.database_url, bench_db);
    let postgres = bench_backend(
        &binary,
        &opts,
        "postgres",
        &[("DATABASE_URL", pg_url.as_str())],
        Some((opts.database_url.as_str(), bench_db)),
    )?;
    let floor = pgbench(&opts)?;
    drop_database(&opts.database_url, bench_db);

    println!();
    println!("| backend | endpoint | requests/s | p50 ms | p99 ms | server CPU µs/request |");
    println!("|---|---|---|---|---|---|");
    for (backend, m) in [("sqlite", &sqlite), ("postgres", &postgres)] {
        for (endpoint, load) in [("GET /healthz", m.health), ("GET /api/v1/company", m.company)] {
            println!(
                "| {backend} | {endpoint} | {:.0} | {:.3} | {:.3} | {:.1} |",
                load.rps, load.p50_ms, load.p99_ms, load.cpu_us_per_request
            );
        }
    }
    println!("| postgres | pgbench -S (one primary-key SELECT) | {:.0} tps | {:.3} avg | | |", floor.0, floor.1);
    println!();
    for (backend, m) in [("sqlite", &sqlite), ("postgres", &postgres)] {
        println!(
            "{backend}: company/healthz server CPU per request = {:.2} (aim <= 2.00); throughput = {:.2}",
            m.company.cpu_us_per_request / m.health.cpu_us_per_request,
            m.company.rps / m.health.rps
        );
    }
    if let Some(trips) = postgres.transactions_per_company {
        println!("postgres: database transactions per /company = {trips:.3} (necessary: 1, the key lookup)");
    }
    // /company needs one round trip: the key lookup, which also reads the tenant's data version
    // (the company itself is then served from memory unless that version moved).
    let floor_cost_us = 1e6 / floor.0;
    let company_cost_us = 1e6 / postgres.company.rps;
    println!(
        "postgres: cost per /company = {company_cost_us:.1} us vs one pgbench -S round trip = {floor_cost_us:.1} us -> {:.2}x the floor (aim <= 2.00)",
        company_cost_us / floor_cost_us
    );
    Ok(())
}

pub(crate) fn build_release() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        // The package alone, as `cargo build --release -p carbonpass-server` builds it: one set of
        // features for the release binary whichever way it is built.
        .args(["build", "--release", "--quiet", "--locked", "-p", "carbonpass-server", "--bin", "carbonpass"])
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("release build failed".into());
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
    Ok(target.join("release").join("carbonpass"))
}

pub(crate) struct Server(pub(crate) Child, OverviewCacheLine);

/// The server's last word on its company-overview cache (`overview cache hits=… misses=…
/// hit_rate=…`), logged when it stops gracefully.
type OverviewCacheLine = std::sync::Arc<std::sync::Mutex<Option<String>>>;

impl Server {
    /// Stops the server as SIGTERM does in production and returns what it logged about its
    /// overview cache: the share of `/company` reads served from memory.
    pub(crate) fn stop_and_report_cache(mut self) -> Option<String> {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The stderr reader may still be forwarding the last lines.
        std::thread::sleep(Duration::from_millis(200));
        self.1.lock().ok().and_then(|line| line.clone())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Starts `serve --demo` and returns it with its address and the printed live key.
pub(crate) fn start_server(binary: &PathBuf, env: &[(&str, &str)]) -> Result<(Server, String, String), String> {
    let address = format!("127.0.0.1:{}", free_port()?);
    let mut command = Command::new(binary);
    command
        .args(["serve", "--demo", "--bind", &address])
        // Warnings, and the line on the overview cache the server logs as it stops.
        .env("CARBONPASS_LOG_LEVEL", "warn,carbonpass_server::startup=info")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().map_err(|e| format!("start {}: {e}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let cache_line = OverviewCacheLine::default();
    let seen = cache_line.clone();
    // Passes the server's log on, keeping the overview cache's line.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("overview cache")
                && let Ok(mut kept) = seen.lock()
            {
                *kept = Some(line.clone());
            }
            if !line.contains(" INFO ") {
                eprintln!("{line}");
            }
        }
    });
    let server = Server(child, cache_line);
    let mut lines = BufReader::new(stdout).lines();
    let key = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.starts_with("cp_live_"))
        .ok_or("the server printed no key")?;
    // Keep draining what the server prints, so it never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&address).is_err() {
        if Instant::now() > deadline {
            return Err("the server did not start listening".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((server, address, key))
}

/// What one backend measured: `/healthz`, `/company`, and the database transactions the server
/// committed per `/company` request (PostgreSQL only).
struct Measured {
    health: Load,
    company: Load,
    transactions_per_company: Option<f64>,
}

fn bench_backend(
    binary: &PathBuf,
    opts: &Options,
    name: &str,
    env: &[(&str, &str)],
    database: Option<(&str, &str)>,
) -> Result<Measured, String> {
    // The server's own cost is measured, not its allowance: rate limits off (one key would use
    // its bucket up in the first second), whatever the settings say.
    let mut env = env.to_vec();
    env.push(("CARBONPASS_RATE_LIMITS__ENABLED", "false"));
    let (server, address, key) = start_server(binary, &env)?;
    let pid = server.0.id();
    let auth = format!("Authorization: Bearer {key}");
    let health_url = format!("http://{address}/healthz");
    let company_url = format!("http://{address}/api/v1/company");
    // Warm both paths (connections, caches, prepared statements, threads) before measuring:
    // the first seconds of a fresh server run measurably slower.
    wrk(&health_url, None, 5, opts.connections)?;
    wrk(&company_url, Some(&auth), 5, opts.connections)?;
    // Alternate the two endpoints so both see the same background load.
    let (mut healths, mut companies) = (Vec::new(), Vec::new());
    for _ in 0..opts.rounds {
        healths.push(wrk_watching(pid, &health_url, None, opts.duration_secs, opts.connections)?);
        companies.push(wrk_watching(pid, &company_url, Some(&auth), opts.duration_secs, opts.connections)?);
    }
    // Round trips: the transactions the database committed during one more /company run, per
    // request (every statement outside a transaction is one).
    let transactions_per_company = match database {
        Some((admin_url, db)) => {
            let before = committed(admin_url, db)?;
            let run = wrk(&company_url, Some(&auth), opts.duration_secs, opts.connections)?;
            // The statistics reach pg_stat_database when each backend next reports (≤ 1 s).
            std::thread::sleep(Duration::from_millis(1500));
            Some((committed(admin_url, db)? - before) as f64 / run.requests.max(1) as f64)
        }
        None => None,
    };
    let (health, company) = (median(healths), median(companies));
    println!("{name}: healthz {health:?}");
    println!("{name}: company {company:?}");
    match server.stop_and_report_cache() {
        Some(line) => {
            println!("{name}: {}", line.split_once("overview cache").map_or(line.as_str(), |(_, rest)| rest).trim())
        }
        None => println!("{name}: the server logged no overview cache line as it stopped"),
    }
    Ok(Measured { health, company, transactions_per_company })
}

/// Transactions committed so far in database `db`.
fn committed(admin_url: &str, db: &str) -> Result<u64, String> {
    let out = Command::new("psql")
        .args([admin_url, "-qtA", "-c", &format!("SELECT xact_commit FROM pg_stat_database WHERE datname = '{db}'")])
        .output()
        .map_err(|e| e.to_string())?;
    String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|_| "no pg_stat_database row".to_owned())
}

/// The run with the median throughput.
fn median(mut runs: Vec<Load>) -> Load {
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    runs[runs.len() / 2]
}

pub(crate) fn wrk(url: &str, header: Option<&str>, secs: u64, connections: u32) -> Result<Load, String> {
    let mut command = Command::new("wrk");
    command.args(["-t1", &format!("-c{connections}"), &format!("-d{secs}s"), "--latency", "--timeout", "5s"]);
    if let Some(header) = header {
        command.args(["-H", header]);
    }
    let out = command.arg(url).output().map_err(|e| format!("wrk: {e}"))?;
    parse_wrk(url, out.status.success(), &String::from_utf8_lossy(&out.stdout))
}

/// A `wrk --latency` run's report, refused when any request failed.
pub(crate) fn parse_wrk(url: &str, succeeded: bool, text: &str) -> Result<Load, String> {
    if !succeeded || text.contains("Non-2xx") || text.contains("Socket errors") {
        return Err(format!("wrk run against {url} had errors:\n{text}"));
    }
    let field = |prefix: &str| -> Option<String> {
        text.lines().map(str::trim).find(|l| l.starts_with(prefix)).map(|l| l[prefix.len()..].trim().to_owned())
    };
    let rps = field("Requests/sec:").and_then(|v| v.parse().ok()).ok_or("no Requests/sec")?;
    let p50_ms = field("50%").and_then(|v| millis(&v)).ok_or("no p50")?;
    let p99_ms = field("99%").and_then(|v| millis(&v)).ok_or("no p99")?;
    // "  123456 requests in 10.00s, 45.6MB read"
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or("no request count")?;
    Ok(Load { rps, p50_ms, p99_ms, requests, cpu_us_per_request: f64::NAN })
}

/// wrk prints latencies as `296.00us`, `1.03ms` or `1.20s`.
fn millis(value: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = value.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = value.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

pub(crate) fn psql(url: &str, sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

pub(crate) fn recreate_database(admin_url: &str, name: &str) -> Result<(), String> {
    psql(admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    psql(admin_url, &format!("CREATE DATABASE {name}"))
}

pub(crate) fn drop_database(admin_url: &str, name: &str) {
    let _ = psql(admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// `pgbench -S` (a primary-key SELECT per transaction, prepared, as diesel's queries are) on
/// the same server, with as many clients as the service's pool has connections: returns the
/// median tps and its average latency in ms.
fn pgbench(opts: &Options) -> Result<(f64, f64), String> {
    let db = "cp_bench_pgbench";
    recreate_database(&opts.database_url, db)?;
    let url = with_database(&opts.database_url, db);
    let init = Command::new("pgbench").args(["-i", "-q", "-s", "1", &url]).output().map_err(|e| e.to_string())?;
    if !init.status.success() {
        return Err(String::from_utf8_lossy(&init.stderr).into_owned());
    }
    let clients = opts.pool_size.to_string();
    let mut runs = Vec::new();
    for _ in 0..opts.rounds {
        let out = Command::new("pgbench")
            .args([
                "-S",
                "-M",
                "prepared",
                "-n",
                "-c",
                &clients,
                "-j",
                "1",
                "-T",
                &opts.duration_secs.to_string(),
                &url,
            ])
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let value = |prefix: &str| -> Option<f64> {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .and_then(|l| l[prefix.len()..].split_whitespace().next())
                .and_then(|v| v.parse().ok())
        };
        let tps = value("tps = ").ok_or_else(|| format!("pgbench printed no tps:\n{text}"))?;
        runs.push((tps, value("latency average = ").unwrap_or(f64::NAN)));
    }
    drop_database(&opts.database_url, db);
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(runs[runs.len() / 2])
}

/// `url` with its database name replaced by `database`.
pub(crate) fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let start = base.find("://").map_or(0, |i| i + 3);
    let host = base[start..].find('/').map_or(base, |i| &base[..start + i]);
    match query {
        Some(q) => format!("{host}/{database}?{q}"),
        None => format!("{host}/{database}"),
    }
}

/// The CPU time all PostgreSQL processes on this machine have used so far, in microseconds (the
/// server's connections are backends of their own; a process that ended meanwhile is missed,
/// which only makes the figure smaller).
pub(crate) fn postgres_cpu_micros() -> f64 {
    let Ok(out) = Command::new("pgrep").args(["-x", "postgres"]).output() else { return 0.0 };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|pid| pid.trim().parse::<u32>().ok())
        .filter_map(|pid| cpu_micros(pid).ok())
        .sum()
}

//! `cargo xtask bench-limits`: what rate limiting costs the server, in one run. Three release
//! servers on their own SQLite folders, one with limits off, one limiting in process, one sharing
//! buckets through Redis (`REDIS_URL`, default the local one), each with quotas far above the
//! load (the cost of counting, not of refusing). `wrk` loads authenticated `GET /api/v1/company`
//! on each in turn, round after round, so all three see the same background; each figure is the
//! median of the rounds, with the server's CPU time per request from `/proc`.

use std::path::PathBuf;

use crate::bench::{Load, build_release, start_server, wrk, wrk_watching};

struct Options {
    duration_secs: u64,
    connections: u32,
    rounds: usize,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut opts = Options { duration_secs: 10, connections: 32, rounds: 5 };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--duration" => opts.duration_secs = value()?.parse().map_err(|_| "--duration SECS")?,
            "--connections" => opts.connections = value()?.parse().map_err(|_| "--connections N")?,
            "--rounds" => opts.rounds = value()?.parse().map_err(|_| "--rounds N")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(opts)
}

fn median(mut runs: Vec<Load>) -> Load {
    runs.sort_by(|a, b| a.cpu_us_per_request.total_cmp(&b.cpu_us_per_request));
    runs[runs.len() / 2]
}

pub fn run(args: &[String]) -> Result<(), String> {
    let opts = options(args)?;
    let binary = build_release()?;
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let root = std::env::temp_dir().join(format!("carbonpass-bench-limits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let common = [
        ("CARBONPASS_RATE_LIMITS__BUSINESS__PER_MINUTE", "1000000"),
        ("CARBONPASS_RATE_LIMITS__BUSINESS__BURST", "1000000"),
        ("CARBONPASS_REDIS_URL", redis.as_str()),
    ];
    let variants: [(&str, &[(&str, &str)]); 3] = [
        ("off", &[("CARBONPASS_RATE_LIMITS__ENABLED", "false")]),
        ("in process", &[("CARBONPASS_RATE_LIMITS__STORE", "memory")]),
        ("redis", &[("CARBONPASS_RATE_LIMITS__STORE", "redis")]),
    ];
    let mut servers = Vec::new();
    for (name, own) in variants {
        let dir: PathBuf = root.join(name.replace(' ', "-"));
        let dir = dir.to_string_lossy().into_owned();
        let mut env: Vec<(&str, &str)> = common.to_vec();
        env.extend_from_slice(own);
        env.push(("CARBONPASS_DATA_DIR", dir.as_str()));
        let (server, address, key) = start_server(&binary, &env)?;
        let url = format!("http://{address}/api/v1/company");
        let auth = format!("Authorization: Bearer {key}");
        // Warm up: connections, caches, prepared statements, threads.
        wrk(&url, Some(&auth), 5, opts.connections)?;
        servers.push((name, server, url, auth));
    }
    println!(
        "load: GET /api/v1/company, {} connections, {} s per run, {} rounds, SQLite",
        opts.connections, opts.duration_secs, opts.rounds
    );
    let mut runs: Vec<Vec<Load>> = vec![Vec::new(); servers.len()];
    for _ in 0..opts.rounds {
        for (i, (_, server, url, auth)) in servers.iter().enumerate() {
            runs[i].push(wrk_watching(server.0.id(), url, Some(auth), opts.duration_secs, opts.connections)?);
        }
    }
    let medians: Vec<Load> = runs.into_iter().map(median).collect();
    let off = medians[0].cpu_us_per_request;
    println!();
    println!("| rate limits | requests/s | p50 ms | p99 ms | server CPU µs/request | CPU vs off |");
    println!("|---|---|---|---|---|---|");
    for ((name, ..), load) in servers.iter().zip(&medians) {
        println!(
            "| {name} | {:.0} | {:.3} | {:.3} | {:.1} | {:+.1} % |",
            load.rps,
            load.p50_ms,
            load.p99_ms,
            load.cpu_us_per_request,
            100.0 * (load.cpu_us_per_request / off - 1.0)
        );
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}

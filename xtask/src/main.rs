//! Project chores, run as `cargo xtask <task>`:
//!
//! - `test`: the whole test suite; the one command the README and CI both run.
//! - `layering`: the crate layering of docs/architecture.md, checked on the dependency graph.
//! - `bench`: the load benchmark of the release server (see docs/performance.md).
//! - `bench-upload`: memory and throughput of 20 concurrent 20 MiB uploads.
//! - `bench-emissions`: `/emissions` over 500 sites at 100,000 and 1,000,000 bills and as many
//!   activities: latency saturated and at a fixed rate, and CPU per request.
//! - `bench-passport`: the public passport page and its JSON twin at 10,000 activated companies
//!   on PostgreSQL, against `/healthz` in the same run: latency at a fixed rate, CPU per request.
//! - `bench-connections`: `/healthz` and `/company` from another address while 20,000 idle
//!   connections are held.
//! - `bench-pdf`: the server's memory over bursts of 50 worst-case plan renders.
//! - `bench-limits`: `/company` throughput and server CPU per request with rate limits off, in
//!   process and in Redis.

mod bench;
mod connections_bench;
mod emissions_bench;
mod layering;
mod limits_bench;
mod passport_bench;
mod pdf_bench;
mod test;
mod upload_bench;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("layering") => layering::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("bench-upload") => upload_bench::run(&args[1..]),
        Some("bench-emissions") => emissions_bench::run(&args[1..]),
        Some("bench-limits") => limits_bench::run(&args[1..]),
        Some("bench-connections") => connections_bench::run(&args[1..]),
        Some("bench-pdf") => pdf_bench::run(&args[1..]),
        Some("bench-passport") => passport_bench::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask test [extra test-runner args]\n       cargo xtask layering\n       cargo xtask bench [--duration SECS] [--connections N]\n       cargo xtask bench-upload | bench-emissions [--scales N,N] [--sites N] [--rate N] [--secs N] | bench-limits | bench-connections [--idle N] | bench-pdf [--bursts N] [--burst-size N] | bench-passport [--companies N] [--rate N] [--secs N]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

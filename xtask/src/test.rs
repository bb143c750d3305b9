//! `cargo xtask test`: every test of the workspace, with cargo-nextest when it is installed
//! (a process per test, so per-test databases never share state) and `cargo test` otherwise.
//!
//! Cases this machine cannot run are left out by the runner and counted as skipped, never run as
//! no-ops that pass. Each service's cases are known by their names:
//!
//! - PostgreSQL: tests named `…::postgres`, left out without a `postgres://` DATABASE_URL; those
//!   that start a private server (the api binary's `faults::…::postgres`) also without
//!   PostgreSQL's server binaries under /usr/lib/postgresql.
//! - S3: the blobs crate's `s3` test binary and tests named `…_s3`, left out without
//!   CARBONPASS_TEST_S3_ENDPOINT.
//! - Redis: tests with a name part ending in `_redis` (`…_redis` or `…_redis::sqlite`) and the
//!   test binaries in [`REDIS_BINARIES`], left out when no Redis answers PING at REDIS_URL
//!   (default redis://127.0.0.1:6379).
//!
//! With `CI` set nothing is left out: every case runs, and the tests themselves fail where their
//! service is missing (CI, `.ci/run`, provides all three).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::Command;
use std::time::Duration;

/// Test binaries (nextest binary ids) whose every case needs Redis.
const REDIS_BINARIES: [&str; 2] = ["carbonpass-ratelimit::shared", "carbonpass-server::shared_limits"];

/// The Redis the tests use when REDIS_URL is not set.
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// A service some cases need, whether this machine has it, and how its cases are recognised.
struct Service {
    name: &'static str,
    present: bool,
    /// Why it counts as absent, and how to provide it.
    hint: String,
    /// The nextest filterset of its cases.
    filter: String,
    /// `cargo test -- --skip` patterns (substrings), for runs without nextest.
    skip: Vec<&'static str>,
    /// Whether some of its cases are known by their test binary only (which `cargo test` cannot
    /// leave out).
    whole_binaries: bool,
}

pub fn run(extra: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let has_nextest =
        Command::new(&cargo).args(["nextest", "--version"]).output().is_ok_and(|out| out.status.success());
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    let services = services();
    let absent: Vec<&Service> = if ci { Vec::new() } else { services.iter().filter(|s| !s.present).collect() };

    let mut command = Command::new(&cargo);
    if has_nextest {
        command.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        if !absent.is_empty() {
            let left_out: Vec<&str> = absent.iter().map(|s| s.filter.as_str()).collect();
            command.args(["-E", &format!("not ({})", left_out.join(" | "))]);
        }
        command.args(extra);
    } else {
        command.args(["test", "--workspace", "--no-fail-fast"]);
        command.args(extra);
        command.arg("--");
        for service in &absent {
            for pattern in &service.skip {
                command.args(["--skip", pattern]);
            }
        }
    }
    eprintln!("xtask: running {}", if has_nextest { "cargo nextest" } else { "cargo test" });
    for service in &services {
        let state = match (service.present, ci) {
            (true, _) => "available".to_owned(),
            (false, true) => format!("NOT available ({}); CI runs its cases anyway, and they fail", service.hint),
            (false, false) => format!("not available ({}): its cases are left out", service.hint),
        };
        eprintln!("xtask: {}: {state}", service.name);
    }
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    for service in &absent {
        eprintln!("xtask: NOTE: the {} cases were skipped ({}).", service.name, service.hint);
        if !has_nextest && service.whole_binaries {
            eprintln!(
                "xtask: NOTE: without cargo-nextest whole test binaries cannot be left out: the {} binaries \
                 ran, and their cases fail or skip without the service. Install cargo-nextest.",
                service.name
            );
        }
    }
    if status.success() { Ok(()) } else { Err("tests failed".into()) }
}

fn services() -> Vec<Service> {
    let postgres = std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"));
    let postgres_server = postgres_server_binaries();
    let s3 = std::env::var_os("CARBONPASS_TEST_S3_ENDPOINT").is_some();
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.into());
    let redis = redis_answers(&redis_url);
    vec![
        Service {
            name: "PostgreSQL",
            present: postgres,
            hint: "set DATABASE_URL=postgres://… to run them; only SQLite is tested".into(),
            filter: "test(/::postgres$/)".into(),
            skip: vec!["::postgres"],
            whole_binaries: false,
        },
        Service {
            name: "private PostgreSQL server",
            present: postgres_server,
            hint: "no PostgreSQL server binaries under /usr/lib/postgresql (Debian's postgresql package)".into(),
            filter: "(binary_id(carbonpass-server::api) & test(/^faults::.*::postgres$/))".into(),
            // (`cargo test --skip` matches substrings: the faults SQLite case is left out too.)
            skip: vec!["faults::"],
            whole_binaries: false,
        },
        Service {
            name: "S3",
            present: s3,
            hint: "set CARBONPASS_TEST_S3_ENDPOINT to an S3-compatible server with a carbonpass-test bucket".into(),
            filter: "binary(s3) | test(/_s3$/)".into(),
            skip: vec!["_s3"],
            whole_binaries: true,
        },
        Service {
            name: "Redis",
            present: redis.is_ok(),
            hint: match &redis {
                Ok(()) => String::new(),
                Err(why) => format!("no Redis answers at {redis_url}: {why}; start redis-server or set REDIS_URL"),
            },
            filter: REDIS_BINARIES
                .iter()
                .map(|id| format!("binary_id({id})"))
                .chain(["test(/_redis(::|$)/)".to_owned()])
                .collect::<Vec<_>>()
                .join(" | "),
            skip: vec!["_redis::"],
            whole_binaries: true,
        },
    ]
}

/// Whether PostgreSQL's server binaries are installed where the fault tests look for them.
fn postgres_server_binaries() -> bool {
    std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| versions.filter_map(Result::ok).any(|v| v.path().join("bin/postgres").exists()))
        .unwrap_or(false)
}

/// Whether a Redis answers `PING` at `url` (`redis://[user:password@]host[:port][/db]`; a server
/// that wants a password answers NOAUTH, which counts: the tests use the URL's password).
fn redis_answers(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("redis://").ok_or("REDIS_URL is not a redis:// URL")?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let address = if host_port.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok()) {
        host_port.to_owned()
    } else {
        format!("{host_port}:6379")
    };
    let socket = address
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {address}: {e}"))?
        .next()
        .ok_or_else(|| format!("no address for {address}"))?;
    let mut stream =
        TcpStream::connect_timeout(&socket, Duration::from_secs(1)).map_err(|e| format!("cannot connect: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).map_err(|e| e.to_string())?;
    stream.write_all(b"PING\r\n").map_err(|e| format!("cannot send PING: {e}"))?;
    let mut reply = [0u8; 64];
    let n = stream.read(&mut reply).map_err(|e| format!("no answer to PING: {e}"))?;
    let reply = String::from_utf8_lossy(&reply[..n]);
    if reply.starts_with("+PONG") || reply.starts_with("-NOAUTH") {
        Ok(())
    } else {
        Err(format!("it answered {:?} to PING", reply.trim_end()))
    }
}

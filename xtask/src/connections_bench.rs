//! `cargo xtask bench-connections [--idle N]`: holds N idle TCP connections (20,000 by default,
//! fewer if this process may not open that many files) from 127.0.0.1 to the release server on
//! SQLite, then times `GET /healthz` and an authenticated `GET /api/v1/company` from another
//! client address (127.0.0.2), and counts the descriptors the server holds. Loopback only;
//! every connection is closed at the end.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use crate::bench::{build_release, start_server};

fn options(args: &[String]) -> Result<usize, String> {
    let mut idle = 20_000;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--idle" => idle = it.next().and_then(|v| v.parse().ok()).ok_or("--idle needs a number")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(idle.clamp(1, 60_000))
}

/// The most files this process may open, from /proc (no unsafe `getrlimit` here).
fn own_file_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(1024)
}

/// A connection from `source` to `server`.
fn connect_from(source: &str, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    let from: SocketAddr = format!("{source}:0").parse().map_err(std::io::Error::other)?;
    socket.bind(&from.into())?;
    socket.connect_timeout(&server.into(), Duration::from_secs(5))?;
    Ok(socket.into())
}

/// One request from `source`: its status line and how long the whole answer took.
fn timed_get(source: &str, server: SocketAddr, path: &str, key: Option<&str>) -> (String, Duration) {
    let started = Instant::now();
    let outcome = (|| -> std::io::Result<String> {
        let mut stream = connect_from(source, server)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let auth = key.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {server}\r\n{auth}Connection: close\r\n\r\n")?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer.lines().next().unwrap_or("(nothing)").to_owned())
    })();
    let status = outcome.unwrap_or_else(|e| format!("error: {e}"));
    (status, started.elapsed())
}

fn descriptors_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|dir| dir.count()).unwrap_or(0)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let wanted = options(args)?;
    let idle = wanted.min(own_file_limit().saturating_sub(64));
    let binary = build_release()?;
    let dir = std::env::temp_dir().join(format!("carbonpass-conn-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data_dir = dir.to_string_lossy().into_owned();
    let (server, address, key) = start_server(&binary, &[("CARBONPASS_DATA_DIR", data_dir.as_str())])?;
    let server_addr: SocketAddr = address.parse().map_err(|e| format!("{address}: {e}"))?;
    let pid = server.0.id();
    println!("server {address} (pid {pid}); holding {idle} idle connections from 127.0.0.1 (asked {wanted})");

    let (baseline, baseline_time) = timed_get("127.0.0.2", server_addr, "/healthz", None);
    let started = Instant::now();
    let mut held = Vec::with_capacity(idle);
    let mut failed = 0usize;
    for _ in 0..idle {
        match connect_from("127.0.0.1", server_addr) {
            Ok(stream) => held.push(stream),
            Err(_) => failed += 1,
        }
    }
    println!(
        "opened {} connections in {:.2} s ({failed} failed to connect)",
        held.len(),
        started.elapsed().as_secs_f64()
    );
    std::thread::sleep(Duration::from_millis(500));
    let server_fds = descriptors_of(pid);

    let mut rows = vec![("GET /healthz (before)", baseline, baseline_time)];
    for round in 0..5 {
        let (status, took) = timed_get("127.0.0.2", server_addr, "/healthz", None);
        rows.push((if round == 0 { "GET /healthz" } else { "GET /healthz (again)" }, status, took));
        let (status, took) = timed_get("127.0.0.2", server_addr, "/api/v1/company", Some(&key));
        rows.push((if round == 0 { "GET /api/v1/company" } else { "GET /api/v1/company (again)" }, status, took));
    }
    let (flooder, flooder_took) = timed_get("127.0.0.1", server_addr, "/healthz", None);
    println!();
    println!("| request from 127.0.0.2 while {} idle connections are held | status | time ms |", held.len());
    println!("|---|---|---|");
    for (what, status, took) in &rows {
        println!("| {what} | {status} | {:.1} |", took.as_secs_f64() * 1000.0);
    }
    println!(
        "| GET /healthz from 127.0.0.1 itself (over its limit) | {flooder} | {:.1} |",
        flooder_took.as_secs_f64() * 1000.0
    );
    println!();
    println!(
        "server descriptors while {} connections were held: {server_fds} (those past the per-address limit are closed at accept)",
        held.len()
    );
    let worst = rows.iter().skip(1).map(|(_, _, took)| *took).max().unwrap_or_default();
    let all_ok = rows.iter().all(|(_, status, _)| status.contains(" 200 "));
    println!("worst answer while held: {:.1} ms (aim < 1000); all 200: {all_ok}", worst.as_secs_f64() * 1000.0);
    drop(held);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    if !all_ok || worst >= Duration::from_secs(1) {
        return Err("an answer failed or took 1 s or more".into());
    }
    Ok(())
}

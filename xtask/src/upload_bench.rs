//! `cargo xtask bench-upload`: 20 clients (curl) each upload a different 20 MiB PDF to the
//! release server at once; measures the server's resident memory before and at its peak, and
//! upload throughput against `cp` of the same files to the same disk. Only 127.0.0.1 is loaded.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::bench::{build_release, start_server};

const CLIENTS: usize = 20;
const FILE_BYTES: usize = 20 * 1024 * 1024;

fn status_kib(pid: u32, field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/{pid}/status"))
}

/// Writes `CLIENTS` distinct PDFs of exactly `FILE_BYTES` (the default upload limit).
fn make_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    (0..CLIENTS)
        .map(|n| {
            let mut bytes = format!("%PDF-1.7\n% upload bench file {n}\n").into_bytes();
            let mut x = 0x9E37_79B9_u32.wrapping_mul(n as u32 + 1);
            while bytes.len() < FILE_BYTES {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                bytes.push((x & 0xFF) as u8);
            }
            let path = dir.join(format!("bill-{n}.pdf"));
            std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
            Ok(path)
        })
        .collect()
}

pub fn run(_: &[String]) -> Result<(), String> {
    let binary = build_release()?;
    let work = std::env::temp_dir().join(format!("carbonpass-upload-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let (files_dir, data_dir, copy_dir) = (work.join("files"), work.join("data"), work.join("data/cp"));
    for dir in [&files_dir, &copy_dir] {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let files = make_files(&files_dir)?;
    let total_mib = (CLIENTS * FILE_BYTES) as f64 / (1024.0 * 1024.0);

    let (server, address, key) =
        start_server(&binary, &[("CARBONPASS_DATA_DIR", data_dir.to_string_lossy().as_ref())])?;
    let pid = server.0.id();
    let before_kib = status_kib(pid, "VmRSS:")?;
    let started = Instant::now();
    let mut pending: Vec<std::process::Child> = files
        .iter()
        .map(|file| {
            Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "120"])
                .args(["-H", &format!("Authorization: Bearer {key}")])
                .args(["-F", &format!("file=@{}", file.display()), "-F", "type=gas"])
                .arg(format!("http://{address}/api/v1/bills"))
                .stdout(std::process::Stdio::piped())
                .spawn()
        })
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut peak_kib = before_kib;
    let mut codes = Vec::new();
    while !pending.is_empty() {
        peak_kib = peak_kib.max(status_kib(pid, "VmRSS:")?);
        let mut still = Vec::new();
        for mut child in pending {
            match child.try_wait().map_err(|e| e.to_string())? {
                Some(_) => codes.push(child.wait_with_output().map_err(|e| e.to_string())?.stdout),
                None => still.push(child),
            }
        }
        pending = still;
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let upload_secs = started.elapsed().as_secs_f64();
    peak_kib = peak_kib.max(status_kib(pid, "VmHWM:")?);
    let created = codes.iter().filter(|c| c.as_slice() == b"201").count();
    drop(server);

    let cp_started = Instant::now();
    let copies: Vec<_> = files
        .iter()
        .map(|f| Command::new("cp").arg(f).arg(&copy_dir).spawn())
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    for mut c in copies {
        c.wait().map_err(|e| e.to_string())?;
    }
    let cp_secs = cp_started.elapsed().as_secs_f64();
    Command::new("sync").status().map_err(|e| e.to_string())?;
    let cp_sync_secs = cp_started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&work);

    println!(
        "{CLIENTS} concurrent uploads of {} MiB each ({total_mib:.0} MiB): {created} answered 201",
        FILE_BYTES >> 20
    );
    println!(
        "server RSS before: {:.1} MiB, peak: {:.1} MiB, growth: {:.1} MiB (aim < 64 MiB)",
        before_kib as f64 / 1024.0,
        peak_kib as f64 / 1024.0,
        (peak_kib - before_kib) as f64 / 1024.0
    );
    println!("upload: {upload_secs:.2} s = {:.0} MiB/s (each file fsynced before its 201)", total_mib / upload_secs);
    println!(
        "cp of the same files to the same disk: {cp_secs:.2} s = {:.0} MiB/s; cp + sync: {cp_sync_secs:.2} s = {:.0} MiB/s",
        total_mib / cp_secs,
        total_mib / cp_sync_secs
    );
    if created != CLIENTS {
        return Err(format!("only {created} of {CLIENTS} uploads succeeded: {codes:?}"));
    }
    Ok(())
}

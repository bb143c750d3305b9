//! `cargo xtask bench-pdf [--bursts N] [--burst-size N]`: the release server's memory under
//! bursts of worst-case plan renders. The demo company's CRP inputs are set to the worst case
//! that `PUT /crp-inputs` accepts (50 projects and 50 measures, every letter carrying three
//! combining marks, the longest unbroken runs allowed, 59,500 characters of text); then, per
//! burst, as many draft plans are generated as the burst is long and all their PDFs are asked
//! for at once (each is a fresh render: a plan's PDF is rendered once per status). The server's
//! resident memory is sampled every 50 ms; its peak during each burst and its level a second
//! after are printed. The drafts are deleted after each burst. Rate limits are off and the
//! render queue is wide enough that every render runs (the measurement is of renders, not of
//! refusals). Needs `curl`. Loopback only.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::bench::{build_release, start_server};

fn options(args: &[String]) -> Result<(usize, usize), String> {
    let (mut bursts, mut size) = (3, 50);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().and_then(|v| v.parse().ok()).ok_or(format!("{arg} needs a number"));
        match arg.as_str() {
            "--bursts" => bursts = value()?,
            "--burst-size" => size = value()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok((bursts.clamp(1, 10), size.clamp(1, 90)))
}

/// `chars` characters of a letter with three combining marks, twenty at a time between spaces
/// (81 characters: within the 100 allowed without a break).
fn marked(chars: usize) -> String {
    let unit = format!("{} ", "a\u{301}\u{308}\u{323}".repeat(20));
    let text: String = unit.chars().cycle().take(chars).collect();
    // A field may not end in the middle of a letter's marks or with a space.
    text.trim_end_matches(|c: char| c == ' ' || !c.is_alphabetic()).to_owned() + "a"
}

fn worst_case_inputs() -> Value {
    let projects: Vec<Value> = (0..50)
        .map(|i| {
            json!({"title": marked(199), "description": marked(399), "status": "planned", "year": 2030 + (i % 10),
                   "estimatedSavingTco2e": "999999999.999"})
        })
        .collect();
    let measures: Vec<Value> = (0..50).map(|_| json!({"title": marked(199), "description": marked(389)})).collect();
    let statements: Vec<Value> = [4, 5, 6, 7, 9].iter().map(|c| json!({"category": c, "reason": marked(20)})).collect();
    json!({
        "organisation": {"registeredAddress": marked(120), "companyNumber": "01234567"},
        "baselinePeriod": "2024-25",
        "baselineEmissions": {"scope1": "999999999.999", "scope2": "999999999.999", "scope3": "999999999.999", "source": marked(150)},
        "netZeroYear": 2045,
        "interimTarget": {"year": 2035, "reductionPercent": "42.5"},
        "projects": projects,
        "measures": measures,
        "scope3Statements": statements,
        "declaration": {"signatoryName": "Ada Lovelace", "signatoryRole": "Director", "signedOn": "2026-12-01"}
    })
}

/// `curl` with the key: the response's status and body.
fn curl(base: &str, key: &str, method: &str, path: &str, body: Option<&str>) -> Result<(u16, String), String> {
    let mut command = Command::new("curl");
    command.args(["-s", "--noproxy", "*", "-o", "-", "-w", "\n%{http_code}", "-X", method]);
    command.args(["-H", &format!("Authorization: Bearer {key}")]);
    if let Some(body) = body {
        command.args(["-H", "Content-Type: application/json", "--data-binary", body]);
    }
    let output = command.arg(format!("{base}{path}")).output().map_err(|e| format!("curl: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').ok_or("curl printed nothing")?;
    Ok((code.trim().parse().map_err(|_| format!("curl: no status in {code:?}"))?, body.to_owned()))
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let (bursts, size) = options(args)?;
    let binary = build_release()?;
    let dir = std::env::temp_dir().join(format!("carbonpass-pdf-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data_dir = dir.to_string_lossy().into_owned();
    let env = [
        ("CARBONPASS_DATA_DIR", data_dir.as_str()),
        ("CARBONPASS_RATE_LIMITS__ENABLED", "false"),
        ("CARBONPASS_PDF_QUEUE_PER_TENANT", "100"),
        ("CARBONPASS_PDF_QUEUE_DEADLINE_SECS", "600"),
    ];
    let (server, address, key) = start_server(&binary, &env)?;
    let base = format!("http://{address}");
    let pid = server.0.id();
    let inputs = worst_case_inputs().to_string();
    let (status, body) = curl(&base, &key, "PUT", "/api/v1/crp-inputs", Some(&inputs))?;
    if status != 200 {
        return Err(format!("the worst-case inputs were refused: {status} {body}"));
    }
    println!(
        "worst-case inputs accepted ({} bytes of JSON); server pid {pid}, RSS {} MiB at rest",
        inputs.len(),
        rss_kib(pid) / 1024
    );

    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    println!();
    println!("| burst | renders | refused | wall s | slowest s | peak RSS MiB | RSS 1 s after MiB |");
    println!("|---|---|---|---|---|---|---|");
    let mut worst_after = 0;
    for burst in 1..=bursts {
        let mut plans = Vec::new();
        for _ in 0..size {
            let (status, body) = curl(&base, &key, "POST", "/api/v1/crp", Some(r#"{"fyYear": "2026"}"#))?;
            let plan: Value = serde_json::from_str(&body).map_err(|e| format!("{status}: {e}: {body}"))?;
            plans.push(plan["data"]["id"].as_str().ok_or(format!("no plan: {status} {body}"))?.to_owned());
        }
        peak.store(rss_kib(pid), Ordering::Relaxed);
        let started = Instant::now();
        let requests: Vec<_> = plans
            .iter()
            .map(|id| {
                Command::new("curl")
                    .args(["-s", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code} %{time_total}"])
                    .args(["-H", &format!("Authorization: Bearer {key}")])
                    .arg(format!("{base}/api/v1/crp/{id}/pdf"))
                    .stdout(Stdio::piped())
                    .spawn()
            })
            .collect::<Result<_, _>>()
            .map_err(|e| format!("curl: {e}"))?;
        let (mut rendered, mut refused, mut slowest) = (0, 0, 0.0f64);
        for request in requests {
            let output = request.wait_with_output().map_err(|e| format!("curl: {e}"))?;
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            let mut fields = text.split_whitespace();
            match fields.next() {
                Some("200") => rendered += 1,
                _ => refused += 1,
            }
            slowest = slowest.max(fields.next().and_then(|t| t.parse().ok()).unwrap_or(0.0));
        }
        let wall = started.elapsed().as_secs_f64();
        let burst_peak = peak.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_secs(1));
        let after = rss_kib(pid);
        worst_after = worst_after.max(after);
        println!(
            "| {burst} | {rendered} | {refused} | {wall:.1} | {slowest:.2} | {} | {} |",
            burst_peak / 1024,
            after / 1024
        );
        for id in &plans {
            curl(&base, &key, "DELETE", &format!("/api/v1/crp/{id}"), None)?;
        }
    }
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    println!();
    println!("highest RSS a second after a burst: {} MiB", worst_after / 1024);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

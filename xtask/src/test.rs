//! `cargo xtask test`: every test of the workspace, with cargo-nextest when it is installed
//! (a process per test, so per-test databases never share state) and `cargo test` otherwise.
//!
//! Cases this machine cannot run are left out by the runner and counted as skipped, never run as
//! no-ops that pass: the PostgreSQL cases (`…::postgres`) without a `postgres://` DATABASE_URL,
//! and the S3 blob-store cases without CARBONPASS_TEST_S3_ENDPOINT. CI sets both (and, with
//! `CI` set, the tests themselves refuse to skip).

use std::process::Command;

pub fn run(extra: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let has_nextest =
        Command::new(&cargo).args(["nextest", "--version"]).output().is_ok_and(|out| out.status.success());
    let postgres = std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"));
    let s3 = std::env::var_os("CARBONPASS_TEST_S3_ENDPOINT").is_some();
    let mut command = Command::new(&cargo);
    if has_nextest {
        command.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        let mut left_out = Vec::new();
        if !postgres {
            left_out.push("test(/::postgres$/)");
        }
        if !s3 {
            left_out.push("binary(s3) | test(/_s3$/)");
        }
        if !left_out.is_empty() {
            command.args(["-E", &format!("not ({})", left_out.join(" | "))]);
        }
        command.args(extra);
    } else {
        command.args(["test", "--workspace", "--no-fail-fast"]);
        command.args(extra);
        command.arg("--");
        if !postgres {
            command.args(["--skip", "::postgres"]);
        }
        if !s3 {
            command.args(["--skip", "_s3"]);
        }
    }
    eprintln!(
        "xtask: running {} with PostgreSQL {}",
        if has_nextest { "cargo nextest" } else { "cargo test" },
        if postgres {
            "enabled (DATABASE_URL)"
        } else {
            "DISABLED: set DATABASE_URL=postgres://… to run those cases"
        }
    );
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !postgres {
        eprintln!("xtask: NOTE: the PostgreSQL cases were skipped (DATABASE_URL is not set); only SQLite was tested.");
    }
    if !s3 {
        eprintln!("xtask: NOTE: the S3 blob-store cases were skipped (CARBONPASS_TEST_S3_ENDPOINT is not set).");
    }
    if status.success() { Ok(()) } else { Err("tests failed".into()) }
}

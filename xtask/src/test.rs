//! `cargo xtask test`: every test of the workspace, with cargo-nextest when it is installed
//! (a process per test, so per-test databases never share state) and `cargo test` otherwise.
//! PostgreSQL cases run when `DATABASE_URL` names a server; otherwise they are reported as not run
//! (and CI, which sets `CI`, refuses to skip them).

use std::process::Command;

pub fn run(extra: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let has_nextest =
        Command::new(&cargo).args(["nextest", "--version"]).output().is_ok_and(|out| out.status.success());
    let mut command = Command::new(&cargo);
    if has_nextest {
        command.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        command.args(["test", "--workspace", "--no-fail-fast"]);
    }
    command.args(extra);
    let postgres = std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres"));
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
        eprintln!("xtask: NOTE: the PostgreSQL cases did not run (DATABASE_URL is not set); only SQLite was tested.");
    }
    if std::env::var_os("CARBONPASS_TEST_S3_ENDPOINT").is_none() {
        eprintln!("xtask: NOTE: the S3 blob-store cases did not run (CARBONPASS_TEST_S3_ENDPOINT is not set).");
    }
    if status.success() { Ok(()) } else { Err("tests failed".into()) }
}

//! The `carbonpass` binary itself, started as `serve --demo`: for tests of what only a real
//! process shows (signals, crashes, two processes, the command line).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `carbonpass serve --demo`: the process, its address and the key it printed.
#[derive(Debug)]
pub struct DemoServer {
    pub child: Child,
    /// `127.0.0.1:port`.
    pub address: String,
    /// The demo user's live key, printed on a line of its own.
    pub key: String,
}

impl DemoServer {
    /// Starts `binary serve --demo` on a free port with its data in `data_dir`: no database URL
    /// but one `env` sets, every variable of `env` set, its logs to `stderr`. Returns once it has
    /// printed its key and address.
    pub fn start(binary: &str, data_dir: &Path, env: &[(&str, &str)], stderr: Stdio) -> Self {
        let mut child = Command::new(binary)
            .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env_remove("DATABASE_URL")
            .env_remove("CARBONPASS_DATABASE_URL")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start serve --demo");
        let lines = BufReader::new(child.stdout.take().expect("stdout"));
        let (mut key, mut address) = (None, None);
        for line in lines.lines().map_while(Result::ok) {
            if line.starts_with("cp_live_") {
                key = Some(line.trim().to_owned());
            }
            if let Some(rest) = line.strip_prefix("Try: curl") {
                address = rest.split("://").nth(1).and_then(|a| a.split('/').next()).map(str::to_owned);
                break;
            }
        }
        Self { child, address: address.expect("printed address"), key: key.expect("key on a line of its own") }
    }
}

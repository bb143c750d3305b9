//! A PostgreSQL server of a test's own (its own folder and port, started from the machine's
//! PostgreSQL binaries), which the test may freeze, thaw and restart: what a database that stops
//! answering, or goes away and comes back, looks like to the application. The shared server of
//! `DATABASE_URL` must never be frozen: other tests use it.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::pg::PgConnection;
use tempfile::TempDir;

#[derive(Debug)]
pub struct PrivatePostgres {
    folder: TempDir,
    bin: PathBuf,
    port: u16,
    /// Runs the server as this user when the test runs as root (PostgreSQL refuses root).
    run_as: Option<(u32, u32)>,
    server: Option<Child>,
}

impl PrivatePostgres {
    /// A new, running server, or `None` (with a note) where the PostgreSQL binaries are not
    /// installed, outside CI.
    pub fn start() -> Option<Self> {
        let Some(bin) = binaries() else {
            assert!(!super::is_ci(), "CI must run the database fault tests: install PostgreSQL's server binaries");
            eprintln!("SKIPPED: no PostgreSQL server binaries under /usr/lib/postgresql");
            return None;
        };
        let folder = tempfile::Builder::new().prefix("carbonpass-pg-").tempdir().expect("a folder for the server");
        let run_as = running_as_root().then(postgres_user);
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(folder.path(), Some(uid), Some(gid)).expect("give the folder to postgres");
        }
        let port = free_port();
        let mut pg = Self { folder, bin, port, run_as, server: None };
        let mut initdb = pg.command("initdb");
        initdb.args(["--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync", "-D"]).arg(pg.data());
        let status = initdb.stdout(Stdio::null()).status().expect("run initdb");
        assert!(status.success(), "initdb failed");
        pg.launch();
        Some(pg)
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops every process of the server (SIGSTOP): connections stay open, nothing answers.
    pub fn freeze(&self) {
        self.signal_all("-STOP");
    }

    /// Lets a frozen server go on (SIGCONT).
    pub fn thaw(&self) {
        self.signal_all("-CONT");
    }

    /// Stops the server (a fast shutdown: every connection is closed) and starts it again on the
    /// same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    fn launch(&mut self) {
        let mut server = self.command("postgres");
        server
            .arg("-D")
            .arg(self.data())
            .args(["-c", "listen_addresses=127.0.0.1", "-p", &self.port.to_string(), "-k"])
            .arg(self.folder.path())
            .args(["-c", "fsync=off", "-c", "max_connections=40"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.server = Some(server.spawn().expect("start postgres"));
        let started = Instant::now();
        while PgConnection::establish(&self.url()).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "the private PostgreSQL did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        self.thaw();
        if let Some(mut server) = self.server.take() {
            let _ = Command::new("kill").args(["-INT", &server.id().to_string()]).status();
            let _ = server.wait();
        }
    }

    /// Sends `signal` to the server and every process it started (each of which PostgreSQL puts
    /// in a session of its own, so a process group would not reach them). Stopping goes parent
    /// first (it forks no more), continuing children first.
    fn signal_all(&self, signal: &str) {
        let Some(server) = &self.server else { return };
        let mut pids = vec![server.id()];
        pids.extend(children_of(server.id()));
        if signal == "-CONT" {
            pids.reverse();
        }
        for pid in pids {
            // A backend may have exited since it was listed.
            let _ = Command::new("kill").args([signal, &pid.to_string()]).status();
        }
    }

    fn data(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The processes whose parent is `parent`, from `/proc/<pid>/stat`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // `pid (comm) state ppid …`; comm may hold spaces, so read after its last ')'.
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            after.split_whitespace().nth(1).and_then(|ppid| ppid.parse::<u32>().ok()) == Some(parent)
        })
        .collect()
}

/// The newest installed PostgreSQL's `bin` folder.
fn binaries() -> Option<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The `postgres` system user's ids, from `/etc/passwd`.
fn postgres_user() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.first() != Some(&"postgres") {
                return None;
            }
            Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?))
        })
        .expect("a postgres user to run the server as (root may not)")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

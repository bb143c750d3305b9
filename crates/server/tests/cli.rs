//! The `carbonpass` binary as an operator uses it: `serve --demo` on a fresh folder, the admin
//! commands, graceful shutdown, and logs that never hold a key. SQLite only: the binary's
//! PostgreSQL path is the same code the HTTP tests drive on both backends.

use carbonpass_testkit::DemoServer;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_carbonpass");

fn carbonpass(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CARBONPASS_DATABASE_URL")
        .output()
        .expect("run carbonpass")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn serve_demo(data_dir: &Path, log_path: &Path) -> DemoServer {
    serve_demo_with(data_dir, log_path, &[])
}

fn serve_demo_with(data_dir: &Path, log_path: &Path, env: &[(&str, &str)]) -> DemoServer {
    let log = std::fs::File::create(log_path).expect("log file");
    let mut env = env.to_vec();
    env.push(("CARBONPASS_LOG_LEVEL", "info"));
    DemoServer::start(BIN, data_dir, &env, log.into())
}

fn get_company(address: &str, key: &str) -> (u16, serde_json::Value) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().expect("client");
        let res =
            client.get(format!("http://{address}/api/v1/company")).bearer_auth(key).send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or_default())
    })
}

/// Uploads a small PDF as an electricity bill; returns the bill id.
fn upload_pdf(address: &str, key: &str) -> String {
    upload_pdf_marked(address, key, "cli")
}

/// Uploads an electricity bill whose file carries `marker` (each file's bytes must differ).
fn upload_pdf_marked(address: &str, key: &str, marker: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().expect("client");
        let pdf = reqwest::multipart::Part::bytes(format!("%PDF-1.4\n% {marker}\n").into_bytes()).file_name("bill.pdf");
        let form = reqwest::multipart::Form::new().part("file", pdf).text("type", "electricity");
        let res = client.post(format!("http://{address}/api/v1/bills")).bearer_auth(key).multipart(form).send().await;
        let body: serde_json::Value = res.expect("request").json().await.expect("json");
        body["data"]["id"].as_str().expect("bill id").to_owned()
    })
}

fn stop(served: &mut DemoServer) -> std::process::ExitStatus {
    let pid = served.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = served.child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "no graceful exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_demo_gives_a_working_key_and_finds_the_demo_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let log = dir.path().join("serve.log");

    let mut first = serve_demo(&data, &log);
    assert!(data.join("carbonpass.db").exists(), "the embedded database is created under --data-dir");
    let (status, body) = get_company(&first.address, &first.key);
    assert_eq!(status, 200);
    assert_eq!(body["data"]["name"], "Acme Industries Ltd");
    assert_eq!(body["data"]["planName"], "business");
    assert_eq!(body["data"]["sites"][0]["name"], "Birmingham Warehouse");
    let company_id = body["data"]["id"].clone();
    let bill = upload_pdf(&first.address, &first.key);
    assert!(stop(&mut first).success(), "SIGTERM is a graceful, successful exit");

    // An operator confirms the uploaded bill from the command line.
    let company = company_id.as_str().expect("company id");
    let confirm = [
        "bill",
        "confirm",
        "--company",
        company,
        "--id",
        &bill,
        "--consumption",
        "1000",
        "--unit",
        "kWh",
        "--from",
        "2025-05-01",
        "--to",
        "2025-05-31",
    ];
    let printed = stdout(&carbonpass(&data, &confirm));
    assert!(printed.contains(&format!("confirmed {bill}")), "{printed}");
    assert!(printed.contains("2025-26: 31 days, 2025 factor set"), "{printed}");
    assert!(printed.contains("scope 2: 177 kg CO2e"), "{printed}");
    let again = carbonpass(&data, &confirm);
    assert!(!again.status.success(), "a second confirmation is refused");

    // A second bill, bought on a REGO-backed tariff: market-based scope 2 beside location-based.
    let mut second = serve_demo(&data, &dir.path().join("serve-rego.log"));
    let green = upload_pdf_marked(&second.address, &second.key, "rego");
    stop(&mut second);
    let mut rego = confirm.map(str::to_owned).to_vec();
    rego[5] = green.clone();
    rego.extend(["--allow-overlap", "--instrument", "rego", "--instrument-source", "Green tariff"].map(str::to_owned));
    let rego: Vec<&str> = rego.iter().map(String::as_str).collect();
    let printed = stdout(&carbonpass(&data, &rego));
    assert!(printed.contains("scope 2: 177 kg CO2e"), "{printed}");
    assert!(printed.contains("scope 2 market-based (rego): 0 kg CO2e"), "{printed}");
    let mut bad = rego.clone();
    bad.extend(["--instrument-factor", "0.1"]);
    assert!(!carbonpass(&data, &bad).status.success(), "a REGO takes no factor");
    let void = ["bill", "void", "--company", company, "--id", &green, "--reason", "test"];
    assert!(carbonpass(&data, &void).status.success());

    // Sessions: listed with their totals, and completed by an operator.
    let sessions = stdout(&carbonpass(&data, &["session", "list", "--company", company]));
    assert!(sessions.contains("in_progress") && sessions.contains("245.4 kg CO2e"), "{sessions}");
    let session = sessions.split('\t').next().expect("session id").to_owned();
    let done = stdout(&carbonpass(&data, &["session", "complete", "--company", company, "--id", &session]));
    assert!(done.contains("completed"), "{done}");
    assert!(!carbonpass(&data, &["session", "complete", "--company", company, "--id", &session]).status.success());

    // Corrections: the confirmed bill is voided (it cannot be rejected any more), with a reason.
    let reject = ["bill", "reject", "--company", company, "--id", &bill, "--reason", "wrong site"];
    assert!(!carbonpass(&data, &reject).status.success(), "only an uploaded bill can be rejected");
    let void = ["bill", "void", "--company", company, "--id", &bill, "--reason", "entered twice"];
    assert!(stdout(&carbonpass(&data, &void)).contains(&format!("voided {bill}")));
    let sessions = stdout(&carbonpass(&data, &["session", "list", "--company", company]));
    assert!(sessions.contains("\t0 kg CO2e"), "the void took it out of the session: {sessions}");
    assert!(
        !carbonpass(&data, &["bill", "void", "--company", company, "--id", &bill, "--reason", ""]).status.success()
    );

    let logs = std::fs::read_to_string(&log).expect("logs");
    assert!(logs.contains("served"), "requests are logged");
    assert!(!logs.contains(&first.key), "a key never reaches the logs");
    assert!(!logs.contains(&first.key[8..20]), "nor any part of its secret");

    let mut second = serve_demo(&data, &dir.path().join("serve2.log"));
    assert_ne!(second.key, first.key, "each start prints a fresh key");
    let (status, body) = get_company(&second.address, &second.key);
    assert_eq!(status, 200);
    assert_eq!(body["data"]["id"], company_id, "the same demo company is found again");
    stop(&mut second);
}

#[test]
fn operators_bootstrap_a_company_and_its_keys_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    assert!(stdout(&carbonpass(data, &["migrate"])).contains("migrations applied"));

    let created = stdout(&carbonpass(
        data,
        &[
            "company",
            "create",
            "--name",
            "Bolt & Nut Ltd",
            "--sector",
            "Retail",
            "--city",
            "Leeds",
            "--employees",
            "12",
        ],
    ));
    let company = created.split_whitespace().nth(2).expect("company id").to_owned();
    assert!(company.starts_with("comp_"), "{created}");
    assert!(created.contains("passport /company/bolt-nut-ltd"), "{created}");
    let listed = stdout(&carbonpass(data, &["company", "list"]));
    assert!(listed.contains(&company));

    let site =
        stdout(&carbonpass(data, &["site", "create", "--company", &company, "--name", "Shop", "--city", "Leeds"]));
    assert!(site.starts_with("created site site_"), "{site}");
    stdout(&carbonpass(data, &["user", "create", "--email", "Jo@Bolt.example", "--name", "Jo"]));
    stdout(&carbonpass(
        data,
        &["user", "add-to", "--email", "jo@bolt.example", "--company", &company, "--role", "owner"],
    ));

    let key_out = stdout(&carbonpass(data, &["key", "create", "--email", "jo@bolt.example", "--company", &company]));
    let key = key_out.trim();
    assert!(key.starts_with("cp_live_") && !key.contains(char::is_whitespace), "stdout is the key alone: {key_out:?}");
    let test_key = stdout(&carbonpass(
        data,
        &["key", "create", "--email", "jo@bolt.example", "--company", &company, "--mode", "test"],
    ));
    assert!(test_key.trim().starts_with("cp_test_"));

    let keys = stdout(&carbonpass(data, &["key", "list", "--email", "jo@bolt.example"]));
    assert_eq!(keys.lines().count(), 2);
    assert!(!keys.contains(key), "listings never show a whole key");
    let id = keys.lines().find(|l| l.contains("\tlive\t")).and_then(|l| l.split('\t').next()).expect("id").to_owned();
    assert!(
        stdout(&carbonpass(data, &["key", "revoke", "--email", "jo@bolt.example", "--id", &id])).contains("revoked")
    );
    assert!(stdout(&carbonpass(data, &["key", "list", "--email", "jo@bolt.example"])).contains("revoked"));

    // The test key rolled with two hours' grace: the new key alone on stdout, the old one listed
    // as working until then.
    let keys = stdout(&carbonpass(data, &["key", "list", "--email", "jo@bolt.example"]));
    let test_id = keys.lines().find(|l| l.contains("\ttest\t")).and_then(|l| l.split('\t').next()).expect("id");
    let rolled =
        carbonpass(data, &["key", "roll", "--email", "jo@bolt.example", "--id", test_id, "--grace-hours", "2"]);
    let new_key = stdout(&rolled).trim().to_owned();
    assert!(new_key.starts_with("cp_test_") && new_key != test_key.trim(), "{new_key:?}");
    let keys = stdout(&carbonpass(data, &["key", "list", "--email", "jo@bolt.example"]));
    assert_eq!(keys.lines().count(), 3);
    assert!(keys.lines().any(|l| l.starts_with(test_id) && l.contains("rolled, works until")), "{keys}");
    let again = carbonpass(data, &["key", "roll", "--email", "jo@bolt.example", "--id", test_id]);
    assert!(!again.status.success(), "a key is rolled once");

    // A consultant linked to the company, then removed: their keys for it are revoked.
    stdout(&carbonpass(data, &["user", "create", "--email", "sam@advisers.example", "--name", "Sam"]));
    let link = ["user", "add-to", "--email", "sam@advisers.example", "--company", &company, "--role", "consultant"];
    assert!(stdout(&carbonpass(data, &link)).contains("consultant"));
    stdout(&carbonpass(data, &["key", "create", "--email", "sam@advisers.example", "--company", &company]));
    let removed =
        stdout(&carbonpass(data, &["user", "remove-from", "--email", "sam@advisers.example", "--company", &company]));
    assert!(removed.contains("1 of their keys"), "{removed}");
    let sams = stdout(&carbonpass(data, &["key", "list", "--email", "sam@advisers.example"]));
    assert!(sams.lines().all(|l| l.contains("revoked")), "{sams}");
    let twice = carbonpass(data, &["user", "remove-from", "--email", "sam@advisers.example", "--company", &company]);
    assert!(!twice.status.success());

    // Mistakes are refused with a message and a failing exit code, writing nothing.
    let refused = carbonpass(data, &["key", "create", "--email", "nobody@bolt.example", "--company", &company]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not found"));
    let bad_plan =
        carbonpass(data, &["company", "create", "--name", "X", "--sector", "Y", "--city", "Z", "--plan", "gold"]);
    assert!(!bad_plan.status.success());
    assert_eq!(stdout(&carbonpass(data, &["company", "list"])).lines().count(), 1);
}

/// A server killed (SIGKILL) in the middle of a keyed upload leaves a claim that no request will
/// ever finish; after a restart, once its lease is over, the retry creates exactly one bill.
#[test]
fn a_retry_after_a_crash_mid_upload_creates_one_bill() {
    use std::io::Write;
    let data = tempfile::tempdir().expect("data folder");
    let lease = [("CARBONPASS_IDEMPOTENCY_LEASE_SECS", "1")];
    let mut first = serve_demo_with(data.path(), &data.path().join("first.log"), &lease);
    let body = format!(
        "--b\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nelectricity\r\n\
         --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n\
         %PDF-1.4\n% crash\n{}\n\r\n--b--\r\n",
        "x".repeat(64 * 1024)
    );
    let head = |key: &str, address: &str| {
        format!(
            "POST /api/v1/bills HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {key}\r\n\
             Idempotency-Key: crash-1\r\nContent-Type: multipart/form-data; boundary=b\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
    };
    let mut stream = std::net::TcpStream::connect(&first.address).expect("connect");
    stream.write_all(head(&first.key, &first.address).as_bytes()).expect("head");
    stream.write_all(&body.as_bytes()[..body.len() / 2]).expect("half the body");
    stream.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(400));
    first.child.kill().expect("SIGKILL mid-upload");
    first.child.wait().expect("gone");
    drop(stream);

    let mut second = serve_demo_with(data.path(), &data.path().join("second.log"), &lease);
    std::thread::sleep(Duration::from_millis(1500));
    let mut stream = std::net::TcpStream::connect(&second.address).expect("connect");
    stream.write_all(head(&second.key, &second.address).as_bytes()).expect("head");
    stream.write_all(body.as_bytes()).expect("body");
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 201"), "the retry creates the bill: {response}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let bills: serde_json::Value = runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().expect("client");
        let url = format!("http://{}/api/v1/bills", second.address);
        client.get(url).bearer_auth(&second.key).send().await.expect("list").json().await.expect("json")
    });
    assert_eq!(bills["data"].as_array().map(Vec::len), Some(1), "exactly one bill: {bills}");
    stop(&mut second);
}

/// Settings that let a sweep judge files a few seconds old: the grace must outlast a whole
/// upload body plus two database writes (1 + 2 × (1 + 1) s).
const SHORT_SWEEP_GRACE: [(&str, &str); 5] = [
    ("CARBONPASS_SWEEP_GRACE_SECS", "6"),
    ("CARBONPASS_REQUEST_BODY_IDLE_TIMEOUT_SECS", "1"),
    ("CARBONPASS_REQUEST_BODY_TIMEOUT_SECS", "1"),
    ("CARBONPASS_DB_CHECKOUT_TIMEOUT_SECS", "1"),
    ("CARBONPASS_DB_STATEMENT_TIMEOUT_SECS", "1"),
];

/// What a crash leaves in the blob folder (a half-written upload in staging, and a finished file
/// whose bill was never recorded) is removed at the next start once older than the grace
/// period, and counted in the log; files with a bill stay.
#[test]
fn crash_leftovers_are_swept_at_start() {
    use std::io::Write;
    let data = tempfile::tempdir().expect("data folder");
    let blobs = data.path().join("blobs");
    let short = SHORT_SWEEP_GRACE;
    let mut first = serve_demo_with(data.path(), &data.path().join("first.log"), &short);
    let kept = upload_pdf(&first.address, &first.key);

    let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n%PDF-1.4\n";
    let head = format!(
        "POST /api/v1/bills HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n{body}",
        first.address, first.key
    );
    let mut stream = std::net::TcpStream::connect(&first.address).expect("connect");
    stream.write_all(head.as_bytes()).expect("the start of an upload");
    stream.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));
    first.child.kill().expect("SIGKILL mid-upload");
    first.child.wait().expect("gone");
    drop(stream);
    let staged = || std::fs::read_dir(blobs.join(".staging")).expect("staging").count();
    assert_eq!(staged(), 1, "the killed upload left its staging file");
    // A file stored just before a crash, whose bill row was never written.
    let orphan = "Zz0rphan0000000000000000000000zz";
    std::fs::create_dir_all(blobs.join("Zz")).expect("shard");
    std::fs::write(blobs.join("Zz").join(orphan), b"%PDF-1.4\n% orphan\n").expect("orphan");
    let stored = || {
        let mut keys = Vec::new();
        for shard in std::fs::read_dir(&blobs).expect("blobs").map_while(Result::ok) {
            if shard.file_name() != ".staging" && shard.path().is_dir() {
                keys.extend(
                    std::fs::read_dir(shard.path()).expect("shard").map_while(Result::ok).map(|f| f.file_name()),
                );
            }
        }
        keys.len()
    };
    assert_eq!(stored(), 2);

    std::thread::sleep(Duration::from_secs(7));
    let log = data.path().join("second.log");
    let mut second = serve_demo_with(data.path(), &log, &short);
    let deadline = Instant::now() + Duration::from_secs(20);
    while (staged() > 0 || stored() > 1) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(staged(), 0, "the staging file was swept");
    assert_eq!(stored(), 1, "the file without a bill was swept; the bill's file stays");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let status = runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().expect("client");
        let url = format!("http://{}/api/v1/bills/{kept}/file", second.address);
        client.get(url).bearer_auth(&second.key).send().await.expect("download").status().as_u16()
    });
    assert_eq!(status, 200, "the kept bill's file still downloads");
    stop(&mut second);
    let logged = std::fs::read_to_string(&log).expect("log");
    let line = logged.lines().find(|l| l.contains("swept crash leftovers")).unwrap_or_default();
    assert!(line.contains("unfinished_removed=1") && line.contains("orphans_removed=1"), "counts logged: {line:?}");
}

/// A database pointed at another deployment's blob folder never sweeps that folder's files:
/// none of them is a bill of its own, so none is "a file without a bill".
#[test]
fn another_databases_files_are_never_swept() {
    let first = tempfile::tempdir().expect("first deployment");
    let short = SHORT_SWEEP_GRACE;
    let mut served = serve_demo_with(first.path(), &first.path().join("first.log"), &short);
    upload_pdf(&served.address, &served.key);
    stop(&mut served);
    let blobs = first.path().join("blobs");
    let count = || finished_files(&blobs);
    assert_eq!(count(), 1);
    // The folder's claim is removed, as a deployment from before claims existed would have none.
    std::fs::remove_file(blobs.join(".owner")).expect("the first deployment claimed its folder");

    std::thread::sleep(Duration::from_secs(7));
    let second = tempfile::tempdir().expect("second deployment");
    let blob_dir = blobs.to_string_lossy().into_owned();
    let env: Vec<(&str, &str)> = short.iter().copied().chain([("CARBONPASS_BLOB_DIR", blob_dir.as_str())]).collect();
    let log = second.path().join("second.log");
    let mut other = serve_demo_with(second.path(), &log, &env);
    std::thread::sleep(Duration::from_millis(1500));
    stop(&mut other);
    assert_eq!(count(), 1, "the first deployment's file is still there");
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("files without a bill were not swept"), "{logged}");
    assert!(!blobs.join(".owner").exists(), "nor did the second database claim the folder");
}

/// How many finished files a blob folder holds.
fn finished_files(blobs: &Path) -> usize {
    std::fs::read_dir(blobs)
        .expect("blobs")
        .map_while(Result::ok)
        .filter(|shard| shard.file_name() != ".staging" && shard.path().is_dir())
        .map(|shard| std::fs::read_dir(shard.path()).map(|d| d.count()).unwrap_or(0))
        .sum()
}

/// On SIGHUP `serve` reads its certificate and key again: new connections get the new
/// certificate, a connection already open carries on, and a pair that does not load leaves the
/// previous one serving.
#[test]
fn the_certificate_is_reloaded_on_sighup_without_dropping_connections() {
    use carbonpass_testkit::TestCertificate;
    let data = tempfile::tempdir().expect("data folder");
    let (cert_file, key_file) = (data.path().join("cert.pem"), data.path().join("key.pem"));
    let (first, second) = (TestCertificate::new(), TestCertificate::new());
    first.write(&cert_file, &key_file);
    let cert_path = cert_file.to_string_lossy().into_owned();
    let key_path = key_file.to_string_lossy().into_owned();
    let tls = [("CARBONPASS_TLS_CERT_FILE", cert_path.as_str()), ("CARBONPASS_TLS_KEY_FILE", key_path.as_str())];
    let log = data.path().join("serve.log");
    let mut served = serve_demo_with(data.path(), &log, &tls);
    let url = format!("https://{}/healthz", served.address);
    let trusting = |certificate: &TestCertificate| {
        let root = reqwest::Certificate::from_pem(certificate.authority_pem.as_bytes()).expect("root");
        reqwest::Client::builder().tls_backend_rustls().tls_certs_only([root]).no_proxy().build().expect("client")
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let hangup = |served: &DemoServer| {
        let pid = served.child.id().to_string();
        assert!(Command::new("kill").args(["-HUP", &pid]).status().expect("kill").success());
        std::thread::sleep(Duration::from_millis(500));
    };
    runtime.block_on(async {
        let open = trusting(&first);
        let res = open.get(&url).send().await.expect("the first certificate serves");
        assert_eq!(res.version(), reqwest::Version::HTTP_2, "one connection, kept open");
        assert!(trusting(&second).get(&url).send().await.is_err(), "not the second one yet");

        second.write(&cert_file, &key_file);
        hangup(&served);
        let fresh = trusting(&second).get(&url).send().await.expect("new connections get the new certificate");
        assert_eq!(fresh.status(), 200);
        let kept = open.get(&url).send().await.expect("the connection opened before the reload carries on");
        assert_eq!(kept.status(), 200);
        assert!(trusting(&first).get(&url).send().await.is_err(), "new connections never get the old one");

        std::fs::write(&cert_file, "not a certificate").expect("break the file");
        hangup(&served);
        let still = trusting(&second).get(&url).send().await.expect("a broken pair leaves the last good one serving");
        assert_eq!(still.status(), 200);
    });
    // Closes the clients' connections, so the graceful stop has none to wait for.
    drop(runtime);
    assert_eq!(stop(&mut served).code(), Some(0), "SIGHUP never stopped the server");
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("TLS certificate reloaded"), "{logged}");
    assert!(logged.contains("TLS certificate not reloaded"), "{logged}");
}

/// One-shot commands on PostgreSQL exit cleanly every time: none may exit while its connection
/// pool is still opening a connection in the background (that crashed in OpenSSL's clean-up).
mod commands_exit_cleanly {
    use super::*;

    #[test]
    fn postgres() {
        let Some(db) = carbonpass_testkit::TestDatabase::of(carbonpass_testkit::Backend::Postgres) else { return };
        let run = |args: &[&str]| {
            Command::new(BIN).args(args).env("DATABASE_URL", db.url()).output().expect("run carbonpass")
        };
        let created =
            run(&["company", "create", "--name", "Exit Ltd", "--sector", "S", "--city", "C", "--plan", "business"]);
        let printed = stdout(&created);
        let company = printed.split_whitespace().find(|w| w.starts_with("comp_")).expect("company id").to_owned();
        for attempt in 0..20 {
            let listed = run(&["session", "list", "--company", &company]);
            assert!(
                listed.status.success(),
                "attempt {attempt}: {:?} {}",
                listed.status,
                String::from_utf8_lossy(&listed.stderr)
            );
        }
    }
}

/// The database password, in each form a URL can carry it, never reaches a log line or an error
/// message: `migrate` at the most verbose log level, on each URL.
mod passwords_never_logged {
    use super::*;

    const PASSWORD: &str = "Hunter2Pw";

    /// Everything `carbonpass migrate` printed, with `url` as the database.
    fn migrate_output(url: &str) -> (bool, String) {
        let dir = tempfile::tempdir().expect("data folder");
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("migrate")
            .env("DATABASE_URL", url)
            .env_remove("CARBONPASS_DATABASE_URL")
            .env("CARBONPASS_LOG_LEVEL", "trace")
            .output()
            .expect("run carbonpass");
        let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let left = std::fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "no SQLite file may be made from a database URL: {printed}");
        (out.status.success(), printed)
    }

    fn assert_clean(printed: &str) {
        assert!(!printed.contains(PASSWORD), "the password leaked: {printed}");
        // Percent-encoded and partial forms too.
        assert!(!printed.contains("Hunter2"), "part of the password leaked: {printed}");
    }

    /// `postgres://user:password@…` and `?password=…`, on a server that accepts any password.
    #[test]
    fn postgres() {
        let Some(db) = carbonpass_testkit::TestDatabase::of(carbonpass_testkit::Backend::Postgres) else { return };
        let rest = db.url().strip_prefix("postgres://").expect("a postgres URL");
        let (user, host_and_db) = rest.split_once('@').expect("a user in DATABASE_URL");
        let (host_and_db, query) = host_and_db.split_once('?').unwrap_or((host_and_db, "sslmode=prefer"));
        for url in [
            format!("postgres://{user}:{PASSWORD}@{host_and_db}?{query}"),
            format!("postgresql://{user}@{host_and_db}?{query}&password={PASSWORD}"),
            format!("postgres://{user}:Hunter2%50w@{host_and_db}?{query}"),
        ] {
            let (ok, printed) = migrate_output(&url);
            assert!(ok, "migrate on {url}: {printed}");
            assert!(printed.contains("database ready"), "{printed}");
            assert_clean(&printed);
        }
    }

    /// A connection that fails with an error quoting the URL (a bad percent-escape in the
    /// password, which libpq repeats), and one refused by the network.
    #[test]
    fn connection_errors() {
        for url in [
            format!("postgres://app:{PASSWORD}%zz@127.0.0.1:1/cp"),
            format!("postgres://app:{PASSWORD}@127.0.0.1:1/cp"),
            format!("postgres://app@127.0.0.1:1/cp?password={PASSWORD}&sslmode=disable"),
        ] {
            let (ok, printed) = migrate_output(&url);
            assert!(!ok, "cannot connect: {printed}");
            assert!(printed.contains("database"), "says what failed: {printed}");
            assert_clean(&printed);
        }
    }

    /// A libpq `key=value` string or another scheme is refused before anything opens, and never
    /// becomes a SQLite file named after it.
    #[test]
    fn unrecognised_database_urls_are_refused() {
        for url in [
            format!("host=127.0.0.1 user=app password={PASSWORD} dbname=cp"),
            format!("mysql://app:{PASSWORD}@127.0.0.1/cp"),
            format!("postgress://app:{PASSWORD}@127.0.0.1/cp"),
            // Reserved characters in the password, not percent-encoded: libpq would read part of
            // it as a host or a port, and print it.
            "postgres://app:Hunter2/Pw@127.0.0.1:5999/cp".to_owned(),
            "postgres://app:Hunter2@Pw@127.0.0.1/cp".to_owned(),
        ] {
            let (ok, printed) = migrate_output(&url);
            assert!(!ok, "refused: {url}");
            assert!(printed.contains("database URL"), "a clear error: {printed}");
            assert_clean(&printed);
        }
    }
}

#[test]
fn operators_set_and_read_a_companys_crp_inputs_from_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    let created = stdout(&carbonpass(
        data,
        &["company", "create", "--name", "Plan Co", "--sector", "Retail", "--city", "York", "--employees", "3"],
    ));
    let company = created.split_whitespace().nth(2).expect("company id").to_owned();
    let empty: serde_json::Value =
        serde_json::from_str(&stdout(&carbonpass(data, &["crp-inputs", "get", "--company", &company]))).expect("json");
    assert_eq!(empty["updatedAt"], serde_json::Value::Null);

    let file = dir.path().join("inputs.json");
    let document = r#"{"organisation": {"registeredAddress": "1 Minster Yard, York"}, "netZeroYear": 2045,
        "projects": [{"title": "Solar roof", "status": "planned", "year": 2027, "estimatedSavingTco2e": "3.25"}]}"#;
    std::fs::write(&file, document).expect("write");
    let set = file.to_str().expect("path");
    stdout(&carbonpass(data, &["crp-inputs", "set", "--company", &company, "--file", set]));
    let read: serde_json::Value =
        serde_json::from_str(&stdout(&carbonpass(data, &["crp-inputs", "get", "--company", &company]))).expect("json");
    assert_eq!(read["organisation"]["registeredAddress"], "1 Minster Yard, York");
    assert_eq!(read["projects"][0]["estimatedSavingTco2e"], serde_json::json!(3.25));

    std::fs::write(
        &file,
        r#"{"projects": [{"title": "", "status": "planned", "year": 2027, "estimatedSavingTco2e": 1}]}"#,
    )
    .expect("write");
    let refused = carbonpass(data, &["crp-inputs", "set", "--company", &company, "--file", set]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("projects[0].title"), "names the field");
    let unchanged: serde_json::Value =
        serde_json::from_str(&stdout(&carbonpass(data, &["crp-inputs", "get", "--company", &company]))).expect("json");
    assert_eq!(unchanged, read);
}

#[test]
fn operators_manage_webhook_endpoints_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    let created = stdout(&carbonpass(
        data,
        &["company", "create", "--name", "Hook Co", "--sector", "Retail", "--city", "York", "--employees", "3"],
    ));
    let company = created.split_whitespace().nth(2).expect("company id").to_owned();
    let json = |out: String| -> serde_json::Value { serde_json::from_str(&out).expect("json") };

    stdout(&carbonpass(data, &["user", "create", "--email", "ops@hook.example", "--name", "Ops"]));

    // Production rules by default: https and a public address only.
    let refused = carbonpass(
        data,
        &["webhook", "create", "--company", &company, "--url", "https://127.0.0.1/h", "--events", "bill.confirmed"],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("url"), "names the field");

    let endpoint = json(stdout(&carbonpass(
        data,
        &[
            "webhook",
            "create",
            "--company",
            &company,
            "--url",
            "https://1.1.1.1/carbonpass",
            "--events",
            "bill.confirmed,crp.generated",
            "--description",
            "Accounts",
            "--email",
            "ops@hook.example",
        ],
    )));
    let id = endpoint["id"].as_str().expect("id").to_owned();
    // Recorded as made by that user, with no key: an operator made it.
    assert!(endpoint["createdBy"]["userId"].as_str().is_some_and(|u| u.starts_with("usr_")), "{endpoint}");
    assert_eq!(endpoint["createdBy"]["keyId"], serde_json::Value::Null);
    assert!(endpoint["secret"].as_str().is_some_and(|s| s.starts_with("whsec_")), "shown once: {endpoint}");
    assert_eq!(endpoint["events"], serde_json::json!(["bill.confirmed", "crp.generated"]));

    let listed = stdout(&carbonpass(data, &["webhook", "list", "--company", &company]));
    assert!(listed.contains(&id) && !listed.contains("whsec_"), "listed without its secret: {listed}");
    let sandbox = stdout(&carbonpass(data, &["webhook", "list", "--company", &company, "--sandbox"]));
    assert!(sandbox.trim().is_empty(), "the sandbox has its own endpoints");

    let changed = json(stdout(&carbonpass(
        data,
        &["webhook", "update", "--company", &company, "--id", &id, "--enabled", "false"],
    )));
    assert_eq!(changed["enabled"], false);
    let rotated = json(stdout(&carbonpass(data, &["webhook", "rotate-secret", "--company", &company, "--id", &id])));
    assert_ne!(rotated["secret"], endpoint["secret"]);
    let ping = carbonpass(data, &["webhook", "test", "--company", &company, "--id", &id]);
    assert!(!ping.status.success(), "a disabled endpoint is not pinged");
    stdout(&carbonpass(data, &["webhook", "update", "--company", &company, "--id", &id, "--enabled", "true"]));
    let delivery = json(stdout(&carbonpass(data, &["webhook", "test", "--company", &company, "--id", &id])));
    assert_eq!((delivery["event"].clone(), delivery["status"].clone()), ("ping".into(), "pending".into()));
    let log = stdout(&carbonpass(data, &["webhook", "deliveries", "--company", &company, "--id", &id]));
    assert!(log.contains(delivery["id"].as_str().expect("delivery id")));
    stdout(&carbonpass(data, &["webhook", "delete", "--company", &company, "--id", &id]));
    let gone = carbonpass(data, &["webhook", "deliveries", "--company", &company, "--id", &id]);
    assert!(!gone.status.success());
}

/// `webhooks.allow_insecure_targets` is said once per start, by the server (which also delivers)
/// and by a worker alike.
#[test]
fn the_insecure_targets_warning_is_logged_once_per_start() {
    const WARNING: &str = "webhooks.allow_insecure_targets is on";
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let insecure = [("CARBONPASS_WEBHOOKS__ALLOW_INSECURE_TARGETS", "true")];
    let count = |log: &Path| std::fs::read_to_string(log).expect("log").matches(WARNING).count();

    let served_log = dir.path().join("serve.log");
    let mut served = serve_demo_with(&data, &served_log, &insecure);
    // Answering, so it is listening for SIGTERM too (before, the signal would kill it outright).
    assert_eq!(get_company(&served.address, &served.key).0, 200);
    assert!(stop(&mut served).success());
    assert_eq!(count(&served_log), 1, "serve");

    let worker_log = dir.path().join("worker.log");
    let mut worker = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .arg("worker")
        .env_remove("DATABASE_URL")
        .env_remove("CARBONPASS_DATABASE_URL")
        .envs(insecure)
        .env("CARBONPASS_LOG_LEVEL", "info")
        .stderr(std::fs::File::create(&worker_log).expect("log"))
        .spawn()
        .expect("start the worker");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&worker_log).unwrap_or_default().contains("delivering webhooks") {
        assert!(Instant::now() < deadline, "the worker never started delivering");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = worker.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    assert!(worker.wait().expect("exited").success());
    assert_eq!(count(&worker_log), 1, "worker");
}

//! The test harness: the real server on a free port, on its own fresh database, called over HTTP.

use carbonpass_domain::model::{
    Company, KeyMode, MembershipRole, NewCompany, NewSite, NewUser, Passport, Plan, ReportingYearStart, Site,
};
use carbonpass_domain::services::Services;
use carbonpass_server::Application;
use carbonpass_server::settings::{
    BlobStoreKind, LimitStore, LogFormat, MAX_RATE, QuotaSettings, RateLimitSettings, S3Settings, Settings,
    WebhookSettings,
};
use carbonpass_testkit::{Backend, TestDatabase};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

pub const PUBLIC_BASE_URL: &str = "https://carbonpass.test";
/// A small upload limit, so the over-limit case needs no large file.
pub const MAX_UPLOAD_BYTES: u64 = 256 * 1024;
/// A short body pause limit, so a stalled upload is cut off within a test.
pub const BODY_IDLE_TIMEOUT_SECS: u64 = 2;
/// A short idempotency lease, so a claim left by a dead request stops blocking within a test.
pub const IDEMPOTENCY_LEASE_SECS: u64 = 2;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub services: Services,
    pub db: TestDatabase,
    /// The app's data folder (and its `blobs/`), removed with the app.
    pub data: tempfile::TempDir,
    /// Its S3 store, when its files go to one.
    pub s3: Option<S3Settings>,
    /// What it changed in the test settings; a second instance changes the same.
    pub configure: fn(&mut Settings),
}

fn as_is(_: &mut Settings) {}

/// Starts the application on `backend`, or `None` when that backend is not available here.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, None).await
}

/// Starts the application on SQLite with its blobs in the S3-compatible store named by
/// `CARBONPASS_TEST_S3_ENDPOINT` (which `.ci/run` provides), or `None` without one locally.
pub async fn spawn_on_s3() -> Option<TestApp> {
    let s3 = s3_settings()?;
    spawn_with(Backend::Sqlite, Some(s3)).await
}

/// The test S3 store's settings (a prefix of this process's own), or `None` without one locally.
pub fn s3_settings() -> Option<S3Settings> {
    let Ok(endpoint) = std::env::var("CARBONPASS_TEST_S3_ENDPOINT") else {
        assert!(std::env::var_os("CI").is_none(), "CI must run the S3 tests: set CARBONPASS_TEST_S3_ENDPOINT");
        eprintln!("SKIPPED: S3 case not run (CARBONPASS_TEST_S3_ENDPOINT is not set)");
        return None;
    };
    let s3 = S3Settings {
        endpoint: Some(endpoint),
        bucket: Some(std::env::var("CARBONPASS_TEST_S3_BUCKET").unwrap_or_else(|_| "carbonpass-test".into())),
        region: Some("us-east-1".into()),
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".to_owned().into()),
        // A prefix of its own per app: a sweep on one app's database must not see another's files.
        prefix: Some(format!("app-{}-{}/", std::process::id(), rand_suffix())),
    };
    Some(s3)
}

/// Starts the application on `backend` as production runs it: webhook targets must be `https`
/// and public.
pub async fn spawn_strict(backend: Backend) -> Option<TestApp> {
    spawn_configured(backend, |settings| settings.webhooks.allow_insecure_targets = false).await
}

/// Starts the application on `backend` with the test settings as `configure` changes them.
pub async fn spawn_configured(backend: Backend, configure: fn(&mut Settings)) -> Option<TestApp> {
    let db = TestDatabase::of(backend)?;
    let data = tempfile::tempdir().expect("data folder");
    let mut settings = settings(db.url(), data.path(), None);
    configure(&mut settings);
    let (base, services) = serve(settings).await;
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    Some(TestApp { base, client, services, db, data, s3: None, configure })
}

async fn spawn_with(backend: Backend, s3: Option<S3Settings>) -> Option<TestApp> {
    let db = TestDatabase::of(backend)?;
    let data = tempfile::tempdir().expect("data folder");
    let (base, services) = start(&db, data.path(), s3.clone(), as_is).await;
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    Some(TestApp { base, client, services, db, data, s3, configure: as_is })
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    // A fresh random seed per call: no extra crate for a few random digits.
    (RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000) as u32
}

/// Another server process on the same database and blob folder as `app`: its base URL.
pub async fn second_instance(app: &TestApp) -> String {
    start(&app.db, app.data.path(), app.s3.clone(), app.configure).await.0
}

async fn start(
    db: &TestDatabase,
    data_dir: &std::path::Path,
    s3: Option<S3Settings>,
    configure: fn(&mut Settings),
) -> (String, Services) {
    let mut settings = settings(db.url(), data_dir, s3);
    configure(&mut settings);
    serve(settings).await
}

/// The settings every test server starts from: `database_url`, its data in `data_dir`.
pub fn settings(database_url: &str, data_dir: &std::path::Path, s3: Option<S3Settings>) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.to_path_buf(),
        database_url: Some(database_url.to_owned().into()),
        public_base_url: Some(PUBLIC_BASE_URL.into()),
        log_format: LogFormat::Human,
        log_level: "warn".into(),
        pool_size: Some(4),
        blob_store: if s3.is_some() { BlobStoreKind::S3 } else { BlobStoreKind::Local },
        blob_dir: Some(data_dir.join("blobs")),
        s3: s3.unwrap_or_default(),
        max_upload_bytes: MAX_UPLOAD_BYTES,
        workers: Some(1),
        shutdown_timeout_secs: 1,
        idempotency_lease_secs: IDEMPOTENCY_LEASE_SECS,
        db_connect_timeout_secs: 5,
        db_statement_timeout_secs: 5,
        db_checkout_timeout_secs: 2,
        max_keys_per_user: 100,
        max_connections: 10_000,
        max_connections_per_client: 256,
        keep_alive_secs: 5,
        client_request_timeout_secs: 10,
        metrics_bind: None,
        otlp_endpoint: None,
        request_body_idle_timeout_secs: BODY_IDLE_TIMEOUT_SECS,
        request_body_timeout_secs: 60,
        sweep_grace_secs: 3600,
        sweep_interval_secs: 3600,
        pdf_concurrency: 2,
        pdf_queue_per_tenant: 8,
        pdf_queue_deadline_secs: 10,
        max_plans_per_company: 100,
        report_cache_entries: 1024,
        passport_signing_key_file: None,
        passport_retired_key_files: None,
        // Every passport request reads the data version, so a change made through another
        // instance shows at once (the recheck interval has its own unit test).
        passport_recheck_ms: 0,
        passport_cache_entries: 10_000,
        webhook_retention_days: 30,
        tls_cert_file: None,
        tls_key_file: None,
        // Receivers in tests listen on loopback over plain HTTP.
        webhooks: WebhookSettings {
            allow_insecure_targets: true,
            deliver_in_server: true,
            concurrency: 16,
            per_endpoint_concurrency: 4,
            per_tenant_concurrency: 8,
            // Generous, like the rate limits: only the tests of these limits run into them.
            sends_per_minute: 1_000_000,
            manual_per_minute: 1_000_000,
            circuit_failures: 5,
            lease_secs: 20,
            poll_interval_ms: 1000,
        },
        // Generous: only the rate-limit tests, with their own settings, run into limits.
        rate_limits: RateLimitSettings {
            enabled: true,
            store: LimitStore::Memory,
            business: QuotaSettings { per_minute: MAX_RATE, burst: MAX_RATE },
            partner: QuotaSettings { per_minute: MAX_RATE, burst: MAX_RATE },
            unauthenticated: QuotaSettings { per_minute: MAX_RATE, burst: MAX_RATE },
        },
        redis_url: None,
    }
}

/// Starts a server on `settings`: its base URL, and the services behind it.
pub async fn serve(settings: Settings) -> (String, Services) {
    let app = Application::build(&settings).await.expect("build the application");
    let base = format!("http://{}", app.address());
    let services = app.services().clone();
    tokio::spawn(app.run_until_stopped());
    (base, services)
}

/// A company with one site and a member holding a key.
pub struct Tenant {
    pub company: Company,
    pub site: Site,
    pub email: String,
    pub key: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn request(&self, method: Method, path: &str, key: Option<&str>) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        req.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.request(Method::GET, path, Some(key)).await
    }

    /// Creates a company (slug from `name`), a site, an owner and a key of `mode`.
    pub async fn tenant(&self, name: &str, plan: Plan, mode: KeyMode) -> Tenant {
        let slug = carbonpass_domain::model::company::slug_from_name(name);
        let company = self
            .services
            .tenants
            .create_company(NewCompany {
                name: name.into(),
                sector: "Manufacturing".into(),
                city: "Birmingham".into(),
                employee_count: 42,
                plan,
                passport: Passport { slug: slug.clone(), activated: true },
                reporting_year_start: ReportingYearStart::APRIL,
            })
            .await
            .expect("company");
        let site = self
            .services
            .tenants
            .add_site(
                &company.id,
                NewSite { name: "Birmingham Warehouse".into(), city: "Birmingham".into(), employee_count: 28 },
            )
            .await
            .expect("site");
        let email = format!("owner@{slug}.example");
        let user = self
            .services
            .tenants
            .create_user(NewUser { email: email.clone(), name: "Owner".into() })
            .await
            .expect("user");
        self.services.tenants.add_member(&user.id, &company.id, MembershipRole::Owner).await.expect("member");
        let key = self.issue(&email, &company, mode).await;
        Tenant { company, site, email, key }
    }

    /// Another key of `mode` for the owner of `tenant`.
    pub async fn issue(&self, email: &str, company: &Company, mode: KeyMode) -> String {
        let user = self.services.tenants.find_user_by_email(email).await.expect("lookup").expect("user");
        let holder = self.services.access.operator_key_holder(&user.id, &company.id, mode).await.expect("member");
        self.services.access.issue_key(&holder, "test").await.expect("key").1.plaintext
    }
}

/// Checks the public error body and returns it.
pub async fn expect_error(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "status");
    assert!(res.headers().contains_key("x-request-id"), "error responses carry X-Request-Id");
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(content_type.starts_with("application/json"), "content type {content_type}");
    let body: Value = res.json().await.expect("JSON error body");
    assert_eq!(body["error"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    body
}

/// The names of an object's fields, sorted.
pub fn fields(value: &Value) -> Vec<String> {
    let mut names: Vec<String> = value.as_object().expect("an object").keys().cloned().collect();
    names.sort();
    names
}

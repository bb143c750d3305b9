//! Configuration, in layers: defaults → a TOML file → `CARBONPASS_*` variables (and the standard
//! `DATABASE_URL`) → command-line flags. Loaded once in `main` and passed down.

use std::path::{Path, PathBuf};

mod reference;

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use reference::{DefaultValue, SETTINGS, Setting};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobStoreKind {
    Local,
    S3,
}

/// S3-compatible storage (`CARBONPASS_S3__BUCKET`, … or an `[s3]` table in the file).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct S3Settings {
    /// Unset for AWS itself; `http(s)://host:port` for MinIO and other S3-compatible stores.
    pub endpoint: Option<String>,
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<SecretString>,
    /// Key prefix inside the bucket (default `bills/`).
    pub prefix: Option<String>,
}

/// Webhook delivery (`CARBONPASS_WEBHOOKS__…` or a `[webhooks]` table in the file).
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    pub allow_insecure_targets: bool,
    pub deliver_in_server: bool,
    pub concurrency: u64,
    pub per_endpoint_concurrency: u64,
    pub per_tenant_concurrency: u64,
    pub sends_per_minute: u64,
    pub manual_per_minute: u64,
    pub circuit_failures: u64,
    pub lease_secs: u64,
    pub poll_interval_ms: u64,
}

impl WebhookSettings {
    pub fn dispatcher(&self) -> carbonpass_webhooks::DispatcherConfig {
        use std::time::Duration;
        carbonpass_webhooks::DispatcherConfig {
            concurrency: usize::try_from(self.concurrency).unwrap_or(usize::MAX),
            per_endpoint: usize::try_from(self.per_endpoint_concurrency).unwrap_or(usize::MAX),
            per_tenant: usize::try_from(self.per_tenant_concurrency).unwrap_or(usize::MAX),
            sends_per_minute: u32::try_from(self.sends_per_minute).unwrap_or(u32::MAX),
            breaker: carbonpass_domain::webhooks::circuit::CircuitBreaker {
                failures: u32::try_from(self.circuit_failures).unwrap_or(u32::MAX),
            },
            lease: Duration::from_secs(self.lease_secs),
            poll: Duration::from_millis(self.poll_interval_ms),
        }
    }

    /// The limits the webhooks area applies to requests.
    pub fn limits(&self) -> carbonpass_domain::services::webhooks::WebhookLimits {
        carbonpass_domain::services::webhooks::WebhookLimits {
            manual_per_minute: u32::try_from(self.manual_per_minute).unwrap_or(u32::MAX),
        }
    }
}

/// Where rate-limit buckets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitStore {
    /// In each process's memory: each process limits alone.
    Memory,
    /// In Redis (`redis_url`), shared by every process.
    Redis,
}

/// One allowance: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct QuotaSettings {
    pub per_minute: u32,
    pub burst: u32,
}

impl QuotaSettings {
    fn quota(self, name: &str) -> Result<carbonpass_domain::model::RateQuota, config::ConfigError> {
        use std::num::NonZeroU32;
        let within = |key: &str, value: u32| {
            NonZeroU32::new(value).filter(|v| v.get() <= MAX_RATE).ok_or_else(|| {
                config::ConfigError::Message(format!(
                    "rate_limits.{name}.{key} must be from 1 to {MAX_RATE}, not {value}"
                ))
            })
        };
        Ok(carbonpass_domain::model::RateQuota {
            per_minute: within("per_minute", self.per_minute)?,
            burst: within("burst", self.burst)?,
        })
    }
}

/// The largest rate or burst accepted: a million requests a minute is limits off in all but name.
pub const MAX_RATE: u32 = 1_000_000;

/// Rate limits (`CARBONPASS_RATE_LIMITS__…` or a `[rate_limits]` table in the file).
#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    pub enabled: bool,
    pub store: LimitStore,
    pub business: QuotaSettings,
    pub partner: QuotaSettings,
    pub unauthenticated: QuotaSettings,
}

impl RateLimitSettings {
    /// The allowances, checked.
    pub fn quotas(&self) -> Result<carbonpass_domain::model::RateQuotas, config::ConfigError> {
        Ok(carbonpass_domain::model::RateQuotas {
            business: self.business.quota("business")?,
            partner: self.partner.quota("partner")?,
            unauthenticated: self.unauthenticated.quota("unauthenticated")?,
        })
    }
}

/// The shortest lease accepted: an attempt may take 15 s, and its record a few more.
pub const MIN_WEBHOOK_LEASE_SECS: u64 = 20;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `ADDR:PORT` to listen on.
    pub bind: String,
    /// Holds the SQLite file (when no database URL is set) and, later, the blob folder.
    pub data_dir: PathBuf,
    /// Where uploaded files go: `local` (a folder, the default) or `s3`.
    pub blob_store: BlobStoreKind,
    /// Folder for uploaded files with `local`; defaults to `{data_dir}/blobs`.
    pub blob_dir: Option<PathBuf>,
    /// With `s3`: the bucket and how to reach it.
    #[serde(default)]
    pub s3: S3Settings,
    /// Largest bill file accepted, in bytes (20 MiB unless set).
    pub max_upload_bytes: u64,
    /// `postgres://…` to run on PostgreSQL; unset for the embedded SQLite file.
    pub database_url: Option<SecretString>,
    /// Public origin for passport URLs; defaults to `http://{bind}`.
    pub public_base_url: Option<String>,
    pub log_format: LogFormat,
    /// A `tracing` filter such as `info` or `carbonpass=debug,info`; `RUST_LOG` wins when set.
    pub log_level: String,
    /// Database connections; defaults to twice the cores. More only adds threads and database
    /// processes competing for the same cores (measured: docs/performance.md).
    pub pool_size: Option<u32>,
    /// HTTP worker threads; defaults to the number of cores.
    pub workers: Option<usize>,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    pub shutdown_timeout_secs: u64,
    /// Seconds an `Idempotency-Key` claim shields a request in flight; a claim left by a request
    /// that died stops blocking retries after this.
    pub idempotency_lease_secs: u64,
    /// Seconds opening a PostgreSQL connection may take (TCP, TLS, authentication).
    pub db_connect_timeout_secs: u64,
    /// Seconds one statement may run (PostgreSQL cancels it) or wait for SQLite's write lock.
    pub db_statement_timeout_secs: u64,
    /// Seconds a request body may pause between two pieces before it is cut off (408).
    pub request_body_idle_timeout_secs: u64,
    /// Seconds a whole request body may take to arrive (a 20 MiB upload at 1 Mbit/s takes about
    /// 170 s).
    pub request_body_timeout_secs: u64,
    /// PEM certificate chain: with `tls_key_file`, `serve` speaks HTTPS (reloaded on SIGHUP);
    /// without both, plain HTTP for a proxy in front.
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key of `tls_cert_file`.
    pub tls_key_file: Option<PathBuf>,
    /// Seconds a file must have gone unwritten before the sweep of crash leftovers may remove it
    /// (an unfinished upload, or a file whose bill was never recorded). Longer than any upload
    /// can pause plus a database write, so uploads in flight are never touched.
    pub sweep_grace_secs: u64,
    /// Seconds between sweeps; the first runs at start.
    pub sweep_interval_secs: u64,
    /// Plan PDFs laid out at once.
    pub pdf_concurrency: u64,
    /// Plan PDF renders one company may have waiting for a turn.
    pub pdf_queue_per_tenant: u64,
    /// Seconds a plan PDF render may wait for its turn.
    pub pdf_queue_deadline_secs: u64,
    /// Carbon Reduction Plans one company may hold.
    pub max_plans_per_company: u64,
    /// Reports' sums kept in memory (per tenant, period asked for and site); 0 turns it off.
    pub report_cache_entries: u64,
    /// The passport signing key; `{data_dir}/passport-signing-key.pem` (generated) when unset.
    pub passport_signing_key_file: Option<PathBuf>,
    /// Retired signing keys still listed in the JWK set, comma-separated.
    pub passport_retired_key_files: Option<String>,
    /// Milliseconds a passport is served from memory before its data version is read again.
    pub passport_recheck_ms: u64,
    /// Passports kept in memory.
    pub passport_cache_entries: u64,
    /// Webhook delivery: targets allowed, who delivers, how many at once.
    pub webhooks: WebhookSettings,
    /// Days webhook events, deliveries and attempts are kept once finished; the sweeper removes
    /// older ones.
    pub webhook_retention_days: u64,
    /// Rate limits per user (by plan) and per address for requests without a valid key.
    pub rate_limits: RateLimitSettings,
    /// `redis://host:port/db`: where `rate_limits.store = "redis"` keeps its buckets.
    pub redis_url: Option<SecretString>,
    /// Seconds a request waits for a free database connection. A request's database work gives
    /// up with a 503 after this plus the statement timeout, even if the database never answers.
    pub db_checkout_timeout_secs: u64,
    /// The most working API keys one user holds in one data space (live or sandbox).
    pub max_keys_per_user: u32,
    /// The most connections the process holds open at once; lowered at start to what the
    /// file-descriptor limit allows (less a reserve for the database, files and webhooks).
    pub max_connections: u64,
    /// The most connections one client address holds open at once; more are closed at once.
    pub max_connections_per_client: u64,
    /// Seconds an idle keep-alive connection is kept open between requests.
    pub keep_alive_secs: u64,
    /// Seconds a new connection may take to send its request's headers.
    pub client_request_timeout_secs: u64,
    /// `host:port` of a second listener serving `GET /metrics` (Prometheus text); unset, no
    /// metrics are recorded or served.
    pub metrics_bind: Option<String>,
    /// OTLP/HTTP endpoint (`http://collector:4318`) traces are exported to; unset, none are.
    pub otlp_endpoint: Option<String>,
}

/// The longest idempotency lease accepted: the 24 hours a key's response is kept.
pub const MAX_IDEMPOTENCY_LEASE_SECS: u64 = 24 * 60 * 60;

/// The longest database timeout accepted: past this a client has long given up.
pub const MAX_DB_TIMEOUT_SECS: u64 = 600;

/// The longest request body timeout accepted: an hour.
pub const MAX_BODY_TIMEOUT_SECS: u64 = 3600;

/// Values given on the command line; they override every other layer.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Settings {
    pub fn load(overrides: &Overrides) -> Result<Self, config::ConfigError> {
        let mut builder = Config::builder();
        for setting in SETTINGS {
            builder = match setting.default {
                DefaultValue::Number(value) => builder.set_default(setting.key, value)?,
                DefaultValue::Text(value) => builder.set_default(setting.key, value)?,
                DefaultValue::Bool(value) => builder.set_default(setting.key, value)?,
                DefaultValue::Unset(_) => builder,
            };
        }
        builder = match &overrides.config_file {
            Some(path) => builder.add_source(File::from(path.as_path()).format(FileFormat::Toml).required(true)),
            None => builder.add_source(File::from(Path::new("carbonpass.toml")).required(false)),
        };
        if std::env::var_os("CARBONPASS_DATABASE_URL").is_none() {
            builder = builder.set_override_option("database_url", std::env::var("DATABASE_URL").ok())?;
        }
        builder
            .add_source(Environment::with_prefix("CARBONPASS").prefix_separator("_").separator("__"))
            .set_override_option("bind", overrides.bind.clone())?
            .set_override_option("data_dir", overrides.data_dir.as_ref().map(|d| d.to_string_lossy().into_owned()))?
            .build()?
            .try_deserialize::<Settings>()?
            .checked()
    }

    /// Refuses values that parse but make no sense, at start rather than at the first request.
    fn checked(self) -> Result<Self, config::ConfigError> {
        for (name, secs, max) in [
            ("idempotency_lease_secs", self.idempotency_lease_secs, MAX_IDEMPOTENCY_LEASE_SECS),
            ("db_connect_timeout_secs", self.db_connect_timeout_secs, MAX_DB_TIMEOUT_SECS),
            ("db_statement_timeout_secs", self.db_statement_timeout_secs, MAX_DB_TIMEOUT_SECS),
            ("db_checkout_timeout_secs", self.db_checkout_timeout_secs, MAX_DB_TIMEOUT_SECS),
            ("request_body_idle_timeout_secs", self.request_body_idle_timeout_secs, MAX_BODY_TIMEOUT_SECS),
            ("request_body_timeout_secs", self.request_body_timeout_secs, MAX_BODY_TIMEOUT_SECS),
            ("sweep_interval_secs", self.sweep_interval_secs, u64::MAX),
            ("pdf_concurrency", self.pdf_concurrency, 64),
            ("pdf_queue_per_tenant", self.pdf_queue_per_tenant, 1_000),
            ("pdf_queue_deadline_secs", self.pdf_queue_deadline_secs, 600),
            ("max_plans_per_company", self.max_plans_per_company, 100_000),
            ("webhooks.concurrency", self.webhooks.concurrency, 10_000),
            ("webhooks.per_endpoint_concurrency", self.webhooks.per_endpoint_concurrency, 10_000),
            ("webhooks.per_tenant_concurrency", self.webhooks.per_tenant_concurrency, 10_000),
            ("webhooks.sends_per_minute", self.webhooks.sends_per_minute, 1_000_000),
            ("webhooks.manual_per_minute", self.webhooks.manual_per_minute, 1_000_000),
            ("webhooks.circuit_failures", self.webhooks.circuit_failures, 1_000_000),
            ("webhook_retention_days", self.webhook_retention_days, 36_500),
            ("webhooks.poll_interval_ms", self.webhooks.poll_interval_ms, 3_600_000),
            ("max_keys_per_user", u64::from(self.max_keys_per_user), 10_000),
            ("max_connections", self.max_connections, 1_000_000),
            ("max_connections_per_client", self.max_connections_per_client, 1_000_000),
            ("keep_alive_secs", self.keep_alive_secs, 3600),
            ("client_request_timeout_secs", self.client_request_timeout_secs, 3600),
        ] {
            if !(1..=max).contains(&secs) {
                return Err(config::ConfigError::Message(format!("{name} must be from 1 to {max}, not {secs}")));
            }
        }
        if self.passport_recheck_ms > 60_000 {
            return Err(config::ConfigError::Message(format!(
                "passport_recheck_ms must be from 0 to 60000, not {}",
                self.passport_recheck_ms
            )));
        }
        if !(1..=1_000_000).contains(&self.passport_cache_entries) {
            return Err(config::ConfigError::Message(format!(
                "passport_cache_entries must be from 1 to 1000000, not {}",
                self.passport_cache_entries
            )));
        }
        if self.report_cache_entries > 1_000_000 {
            return Err(config::ConfigError::Message(format!(
                "report_cache_entries must be from 0 to 1000000, not {}",
                self.report_cache_entries
            )));
        }
        // A stored file waits for its bill row while the rest of the form arrives (up to the
        // whole body timeout: its time stops changing once its part ends) and then for the
        // writes that record it (two database deadlines at most).
        let database = self.db_checkout_timeout_secs + self.db_statement_timeout_secs;
        let in_flight = self.request_body_timeout_secs + 2 * database;
        if self.sweep_grace_secs <= in_flight {
            return Err(config::ConfigError::Message(format!(
                "sweep_grace_secs must be longer than an upload can take to record its file \
                 (request_body_timeout_secs + 2 × (db_checkout_timeout_secs + db_statement_timeout_secs) = {in_flight}), \
                 not {}",
                self.sweep_grace_secs
            )));
        }
        if !(MIN_WEBHOOK_LEASE_SECS..=3600).contains(&self.webhooks.lease_secs) {
            return Err(config::ConfigError::Message(format!(
                "webhooks.lease_secs must be from {MIN_WEBHOOK_LEASE_SECS} to 3600 (an attempt may take 15 s), not {}",
                self.webhooks.lease_secs
            )));
        }
        self.rate_limits.quotas()?;
        let redis_url = self.redis_url.as_ref().map(|url| url.expose_secret().trim()).filter(|url| !url.is_empty());
        if self.rate_limits.store == LimitStore::Redis && redis_url.is_none() {
            return Err(config::ConfigError::Message(
                "rate_limits.store = \"redis\" needs redis_url (CARBONPASS_REDIS_URL)".into(),
            ));
        }
        if self.tls_cert_file.is_some() != self.tls_key_file.is_some() {
            return Err(config::ConfigError::Message(
                "HTTPS needs both tls_cert_file and tls_key_file (or neither, for plain HTTP)".into(),
            ));
        }
        if let Some(url) = &self.database_url {
            let url = url.expose_secret().trim();
            if !url.is_empty() {
                carbonpass_store::Backend::parse(url).map_err(|e| config::ConfigError::Message(e.to_string()))?;
            }
        }
        Ok(self)
    }

    /// How plan PDF renders wait their turn.
    pub fn pdf_queue(&self) -> carbonpass_pdf::QueueConfig {
        use std::time::Duration;
        carbonpass_pdf::QueueConfig {
            concurrency: usize::try_from(self.pdf_concurrency).unwrap_or(usize::MAX),
            per_tenant: usize::try_from(self.pdf_queue_per_tenant).unwrap_or(usize::MAX),
            deadline: Duration::from_secs(self.pdf_queue_deadline_secs),
        }
    }

    /// How long request bodies may take to arrive.
    pub fn body_deadlines(&self) -> carbonpass_http::BodyDeadlines {
        use std::time::Duration;
        carbonpass_http::BodyDeadlines {
            idle: Duration::from_secs(self.request_body_idle_timeout_secs),
            total: Duration::from_secs(self.request_body_timeout_secs),
        }
    }

    /// The store's limits from these settings.
    pub fn store_config(&self) -> carbonpass_store::StoreConfig {
        use std::time::Duration;
        carbonpass_store::StoreConfig {
            pool_size: self.pool_size(),
            acquire_timeout: Duration::from_secs(self.db_checkout_timeout_secs),
            connect_timeout: Duration::from_secs(self.db_connect_timeout_secs),
            statement_timeout: Duration::from_secs(self.db_statement_timeout_secs),
            ..carbonpass_store::StoreConfig::new(self.database_target())
        }
    }

    /// The database to open: the configured URL, or the SQLite file in the data folder.
    pub fn database_target(&self) -> String {
        match &self.database_url {
            Some(url) if !url.expose_secret().trim().is_empty() => url.expose_secret().trim().to_owned(),
            _ => self.data_dir.join("carbonpass.db").to_string_lossy().into_owned(),
        }
    }

    /// The passport signing key's file, and whether it is the default one (generated when
    /// absent) rather than a path someone set (which must exist).
    pub fn passport_signing_key(&self) -> (PathBuf, bool) {
        match &self.passport_signing_key_file {
            Some(path) => (path.clone(), false),
            None => (self.data_dir.join("passport-signing-key.pem"), true),
        }
    }

    /// The retired passport keys still listed.
    pub fn passport_retired_keys(&self) -> Vec<PathBuf> {
        self.passport_retired_key_files
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|path| !path.is_empty())
            .map(PathBuf::from)
            .collect()
    }

    pub fn blob_dir(&self) -> PathBuf {
        self.blob_dir.clone().unwrap_or_else(|| self.data_dir.join("blobs"))
    }

    pub fn pool_size(&self) -> u32 {
        self.pool_size.unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(2, 32)
        })
    }

    pub fn public_base_url(&self) -> String {
        let scheme = if self.tls().is_some() { "https" } else { "http" };
        self.public_base_url.clone().unwrap_or_else(|| format!("{scheme}://{}", self.bind))
    }

    /// The certificate and key files, when HTTPS is configured.
    pub fn tls(&self) -> Option<(&Path, &Path)> {
        Some((self.tls_cert_file.as_deref()?, self.tls_key_file.as_deref()?))
    }
}

#[cfg(test)]
mod layer_tests {
    use std::io::Write;

    use super::*;

    /// Loads settings from a TOML file holding `lines`.
    fn load_from(lines: &str) -> Result<Settings, config::ConfigError> {
        let mut file = tempfile::Builder::new().suffix(".toml").tempfile().expect("temp file");
        writeln!(file, "{lines}").expect("write");
        Settings::load(&Overrides { config_file: Some(file.path().into()), ..Overrides::default() })
    }

    #[test]
    fn the_sweep_grace_must_outlast_an_upload_in_flight() {
        // 300 s of body + 2 × (2 + 5) s of database: 314 s.
        assert!(load_from("sweep_grace_secs = 314").is_err());
        assert!(load_from("sweep_grace_secs = 315").is_ok());
        let longer_bodies = load_from("sweep_grace_secs = 3600\nrequest_body_timeout_secs = 3600");
        assert!(longer_bodies.is_err(), "a body may take as long as the grace");
    }

    #[test]
    fn https_needs_both_files() {
        assert!(load_from("tls_cert_file = \"/tmp/cert.pem\"").is_err());
        assert!(load_from("tls_key_file = \"/tmp/key.pem\"").is_err());
    }

    #[test]
    fn a_file_overrides_defaults_and_flags_override_the_file() {
        let mut file = tempfile::Builder::new().suffix(".toml").tempfile().expect("temp file");
        writeln!(
            file,
            "bind = \"0.0.0.0:9000\"\nlog_format = \"json\"\npool_size = 3\npublic_base_url = \"https://carbonpass.co\""
        )
        .expect("write");
        let from_file =
            Settings::load(&Overrides { config_file: Some(file.path().into()), ..Overrides::default() }).expect("load");
        assert_eq!(from_file.bind, "0.0.0.0:9000");
        assert_eq!(from_file.log_format, LogFormat::Json);
        assert_eq!(from_file.pool_size(), 3);
        assert_eq!(from_file.public_base_url(), "https://carbonpass.co");

        let flagged = Settings::load(&Overrides {
            config_file: Some(file.path().into()),
            bind: Some("127.0.0.1:9999".into()),
            data_dir: Some("/srv/carbonpass".into()),
        })
        .expect("load");
        assert_eq!(flagged.bind, "127.0.0.1:9999");
        assert_eq!(flagged.data_dir, PathBuf::from("/srv/carbonpass"));
    }

    #[test]
    fn sqlite_lives_in_the_data_folder_unless_a_url_is_given() {
        let mut settings =
            Settings::load(&Overrides { data_dir: Some("/tmp/cp".into()), ..Overrides::default() }).expect("load");
        settings.database_url = None;
        assert_eq!(settings.database_target(), "/tmp/cp/carbonpass.db");
        settings.database_url = Some("postgres://u:p@h/db".to_owned().into());
        assert_eq!(settings.database_target(), "postgres://u:p@h/db");
        assert!(settings.pool_size() >= 2);
        settings.bind = "127.0.0.1:8080".into();
        settings.public_base_url = None;
        assert_eq!(settings.public_base_url(), "http://127.0.0.1:8080");
    }

    #[test]
    fn an_idempotency_lease_out_of_range_is_refused_at_start() {
        for (lease, ok) in [("60", true), ("86400", true), ("0", false), ("99999999999999", false)] {
            let mut file = tempfile::Builder::new().suffix(".toml").tempfile().expect("temp file");
            writeln!(file, "idempotency_lease_secs = {lease}").expect("write");
            let loaded = Settings::load(&Overrides { config_file: Some(file.path().into()), ..Overrides::default() });
            assert_eq!(loaded.is_ok(), ok, "{lease}");
        }
    }

    #[test]
    fn a_missing_config_file_named_explicitly_is_an_error() {
        let missing = Overrides { config_file: Some("/nonexistent/carbonpass.toml".into()), ..Overrides::default() };
        assert!(Settings::load(&missing).is_err());
    }
}

//! Wiring: which adapter serves which port, and the HTTP server built on them. The only place
//! that knows the concrete adapters.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::{Server, ServerHandle};
use carbonpass_auth::CarbonPassKeys;
use carbonpass_blobs::{LocalBlobs, S3Blobs, S3Config};
use carbonpass_domain::DomainError;
use carbonpass_domain::activities::ActivityCatalogue;
use carbonpass_domain::calculation::{FactorLibrary, FactorsError};
use carbonpass_domain::ports::{BlobStore, DeliveryQueue, RateLimiter};
use carbonpass_domain::services::{Bills, Ports, Services, Webhooks};
use carbonpass_domain::webhooks::TargetPolicy;
use carbonpass_http::{HttpState, build_app};
use carbonpass_pdf::TypstRenderer;
use carbonpass_ratelimit::{PerProcess, Shared, Unlimited};
use carbonpass_signing::PassportKeys;
use carbonpass_store::secrets::redacted_url;
use carbonpass_store::{Backend, Store, StoreError};
use carbonpass_webhooks::{Dispatcher, GuardedClient, Targets};
use secrecy::ExposeSecret;

use crate::settings::{BlobStoreKind, LimitStore, Settings};
use crate::supervise::supervise;
use crate::tls::ReloadingCertificate;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration: {0}")]
    Config(#[from] config::ConfigError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("conversion factors: {0}")]
    Factors(#[from] FactorsError),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("HTTPS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("webhook client: {0}")]
    WebhookClient(String),
    #[error("rate limits: {0}")]
    RateLimits(String),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error("{0} (settings passport_signing_key_file and passport_retired_key_files; docs/passport.md)")]
    SigningKey(#[from] carbonpass_signing::KeyError),
}

/// The passport signing keys: the configured file, or the default one, generated on first start
/// (the demo's, and any deployment that has not set its own).
pub fn passport_keys(settings: &Settings) -> Result<PassportKeys, StartError> {
    let (path, default) = settings.passport_signing_key();
    let retired = settings.passport_retired_keys();
    // A retired key that cannot be read stops the start before any key is written.
    carbonpass_signing::check_readable(&retired)?;
    if default && !path.exists() {
        match PassportKeys::generate(&path) {
            Ok(()) => tracing::warn!(
                path = %path.display(),
                "generated a new passport signing key: keep it (and back it up) to keep passports verifiable"
            ),
            // Another process on the same folder wrote it first: that one is the key.
            Err(_) if path.exists() => {}
            Err(err) => return Err(err.into()),
        }
    }
    let keys = PassportKeys::load(&path, &retired)?;
    tracing::info!(kid = keys.signing_kid(), retired = retired.len(), "passport signing key");
    Ok(keys)
}

/// Redis keys of rate-limit buckets start with this.
const RATE_LIMIT_PREFIX: &str = "carbonpass:ratelimit:";

/// The configured rate limiter. A shared one tries Redis at once, so the log says from the
/// start whether limits are shared; an unreachable Redis is not a reason not to start.
pub async fn rate_limiter(settings: &Settings) -> Result<Arc<dyn RateLimiter>, StartError> {
    let limits = &settings.rate_limits;
    let limiter: Arc<dyn RateLimiter> = match (limits.enabled, limits.store) {
        (false, _) => Arc::new(Unlimited),
        (true, LimitStore::Memory) => Arc::new(PerProcess::default()),
        (true, LimitStore::Redis) => {
            let url = settings.redis_url.as_ref().map(|url| url.expose_secret().trim().to_owned()).unwrap_or_default();
            let shared = Shared::new(&url, RATE_LIMIT_PREFIX).map_err(StartError::RateLimits)?;
            shared.check().await;
            Arc::new(shared)
        }
    };
    tracing::info!(rate_limits = %limiter.mode().await.describe(), "rate limits");
    Ok(limiter)
}

/// Opens the configured database (creating the data folder for SQLite) and applies pending
/// migrations. Blocking work, moved off the async threads.
pub async fn open_store(settings: &Settings) -> Result<Store, StartError> {
    let config = settings.store_config();
    let target = config.url.clone();
    if Backend::parse(&target)?.0 == Backend::Sqlite {
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartError::Io {
            context: format!("creating the data folder {}", settings.data_dir.display()),
            source,
        })?;
    }
    let store = tokio::task::spawn_blocking(move || -> Result<Store, StoreError> {
        let store = Store::connect(&config, Arc::new(carbonpass_http::WirePayloads))?;
        let applied = store.migrate()?;
        tracing::info!(database = %redacted_url(&target), backend = store.backend().name(), migrations_applied = applied.len(), "database ready");
        Ok(store)
    })
    .await
    .map_err(|e| StoreError::Task(e.to_string()))??;
    Ok(store)
}

/// The HTTP client webhooks go out on, guarded as configured.
fn webhook_client(settings: &Settings) -> Result<GuardedClient, StartError> {
    GuardedClient::new(settings.webhooks.allow_insecure_targets).map_err(|e| StartError::WebhookClient(e.to_string()))
}

pub fn services(
    store: Store,
    blobs: Arc<dyn BlobStore>,
    factors: Factors,
    settings: &Settings,
    limiter: Arc<dyn RateLimiter>,
) -> Result<Services, StartError> {
    let store = Arc::new(store);
    let lease_secs = i64::try_from(settings.idempotency_lease_secs).unwrap_or(i64::MAX);
    let policy = TargetPolicy { allow_insecure: settings.webhooks.allow_insecure_targets };
    warn_if_insecure(settings);
    Ok(Services::new(Ports {
        companies: store.clone(),
        users: store.clone(),
        keys: store.clone(),
        codec: Arc::new(CarbonPassKeys),
        health: store.clone(),
        bills: store.clone(),
        idempotency: store.clone(),
        idempotency_lease: chrono::TimeDelta::try_seconds(lease_secs).unwrap_or(chrono::TimeDelta::MAX),
        reports: store.clone(),
        plans: store.clone(),
        webhooks: store.clone(),
        targets: Arc::new(Targets::new(webhook_client(settings)?, policy)),
        webhook_limits: settings.webhooks.limits(),
        renderer: Arc::new(TypstRenderer::new(settings.pdf_queue(), settings.public_base_url())),
        blobs,
        factors: factors.library,
        catalogue: factors.catalogue,
        activities: store.clone(),
        limiter,
        rate_quotas: settings.rate_limits.quotas()?,
        keys_per_user: settings.max_keys_per_user,
        plan_limit: u32::try_from(settings.max_plans_per_company).unwrap_or(u32::MAX),
        report_cache_entries: usize::try_from(settings.report_cache_entries).unwrap_or(usize::MAX),
        passports: store.clone(),
        passport_signer: Arc::new(passport_keys(settings)?),
        passport_cache_entries: usize::try_from(settings.passport_cache_entries).unwrap_or(usize::MAX),
        passport_recheck: chrono::TimeDelta::milliseconds(
            i64::try_from(settings.passport_recheck_ms).unwrap_or(60_000),
        ),
    }))
}

/// The delivery worker running in this process, and how to stop it.
#[derive(Debug)]
pub struct Delivering {
    stop: tokio::sync::watch::Sender<bool>,
    worker: tokio::task::JoinHandle<()>,
}

impl Delivering {
    /// Stops claiming and waits for the attempts in flight to finish and be recorded (within the
    /// shutdown grace period).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.worker.await;
    }
}

/// Starts delivering webhooks from `store` in this process: the worker, woken by this process's
/// commits and, on PostgreSQL, by every other process's (`LISTEN`).
pub fn start_delivering(store: &Store, settings: &Settings) -> Result<Delivering, StartError> {
    store.listen_for_deliveries(&settings.store_config());
    let queue: Arc<dyn DeliveryQueue> = Arc::new(store.clone());
    let dispatcher = Dispatcher::new(
        queue,
        webhook_client(settings)?,
        store.delivery_wake().signal(),
        settings.webhooks.dispatcher(),
    );
    tracing::info!(
        concurrency = settings.webhooks.concurrency,
        per_tenant = settings.webhooks.per_tenant_concurrency,
        per_endpoint = settings.webhooks.per_endpoint_concurrency,
        sends_per_minute = settings.webhooks.sends_per_minute,
        "delivering webhooks"
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let grace = Duration::from_secs(settings.shutdown_timeout_secs);
    let worker = supervise("webhook dispatcher", move || dispatcher.clone().run(stopped.clone(), grace));
    Ok(Delivering { stop, worker })
}

/// `carbonpass worker`: delivers webhooks, serves nothing, until SIGTERM or Ctrl-C; then lets the
/// attempts in flight finish (within `shutdown_timeout_secs`).
pub async fn run_worker(settings: &Settings) -> Result<(), StartError> {
    warn_if_insecure(settings);
    let store = open_store(settings).await?;
    let worker = start_delivering(&store, settings)?;
    stopped().await;
    worker.stop().await;
    tracing::info!("webhook worker stopped");
    Ok(())
}

/// Said once per process that may deliver or create endpoints (`serve`, `worker`, the operator
/// commands), where the setting applies.
fn warn_if_insecure(settings: &Settings) {
    if settings.webhooks.allow_insecure_targets {
        tracing::warn!(
            "webhooks.allow_insecure_targets is on: endpoints may reach http and private addresses (development and tests only)"
        );
    }
}

/// Waits for SIGTERM or Ctrl-C.
async fn stopped() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The shipped DESNZ factor sets and the activity types built from them, checked before
/// anything is served. Parsed once per process (they are the same for every server in it: the
/// test suite starts hundreds).
pub fn load_factors() -> Result<Factors, StartError> {
    static LOADED: std::sync::OnceLock<Result<Factors, FactorsError>> = std::sync::OnceLock::new();
    let loaded = LOADED.get_or_init(|| {
        let library = FactorLibrary::official()?;
        let catalogue = ActivityCatalogue::build(&library)?;
        Ok(Factors { library: Arc::new(library), catalogue: Arc::new(catalogue) })
    });
    let factors = loaded.clone()?;
    tracing::info!(years = ?factors.library.years(), activity_types = factors.catalogue.len(), "conversion factor sets loaded");
    Ok(factors)
}

/// The factor sets, and the activity types built from them.
#[derive(Debug, Clone)]
pub struct Factors {
    pub library: Arc<FactorLibrary>,
    pub catalogue: Arc<ActivityCatalogue>,
}

/// Opens the configured blob store: the local folder (created if needed), or S3.
pub fn open_blobs(settings: &Settings) -> Result<Arc<dyn BlobStore>, StartError> {
    match settings.blob_store {
        BlobStoreKind::Local => {
            let dir = settings.blob_dir();
            let local = LocalBlobs::open(&dir).map_err(|source| StartError::Io {
                context: format!("opening the blob folder {}", dir.display()),
                source,
            })?;
            Ok(Arc::new(local))
        }
        BlobStoreKind::S3 => {
            let s3 = &settings.s3;
            let required = |value: &Option<String>, name: &str| {
                value.clone().ok_or_else(|| {
                    StartError::Config(config::ConfigError::Message(format!("blob_store = \"s3\" needs s3.{name}")))
                })
            };
            let config = S3Config {
                endpoint: s3.endpoint.clone(),
                bucket: required(&s3.bucket, "bucket")?,
                region: s3.region.clone().unwrap_or_else(|| "us-east-1".into()),
                access_key_id: required(&s3.access_key_id, "access_key_id")?,
                secret_access_key: s3.secret_access_key.as_ref().map(|s| s.expose_secret().to_owned()).ok_or_else(
                    || {
                        StartError::Config(config::ConfigError::Message(
                            "blob_store = \"s3\" needs s3.secret_access_key".into(),
                        ))
                    },
                )?,
                prefix: s3.prefix.clone().unwrap_or_else(|| "bills/".into()),
            };
            tracing::info!(bucket = %config.bucket, endpoint = ?config.endpoint, "blobs in S3");
            Ok(Arc::new(S3Blobs::open(&config)?))
        }
    }
}

/// Reads the certificate and key again on each SIGHUP. A pair that does not load is logged and
/// the old one keeps serving.
async fn reload_on_hangup(certificate: Arc<ReloadingCertificate>) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(err) => {
            tracing::warn!(error = %err, "cannot listen for SIGHUP; the certificate will not be reloaded");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        match certificate.reload() {
            Ok(()) => tracing::info!("TLS certificate reloaded"),
            Err(err) => tracing::error!(error = %err, "TLS certificate not reloaded; the previous one still serves"),
        }
    }
}

/// Sweeps crash leftovers and the webhook history past its retention at start and then every
/// `interval_secs`, logging what it removed. A failed sweep (the database or the blob store away)
/// is logged and tried again next time.
async fn sweep_leftovers(bills: Bills, webhooks: Webhooks, grace_secs: u64, interval_secs: u64, retention_days: u64) {
    let grace =
        chrono::TimeDelta::try_seconds(i64::try_from(grace_secs).unwrap_or(i64::MAX)).unwrap_or(chrono::TimeDelta::MAX);
    let retention = chrono::TimeDelta::try_days(i64::try_from(retention_days).unwrap_or(i64::MAX))
        .unwrap_or(chrono::TimeDelta::MAX);
    let mut every = tokio::time::interval(Duration::from_secs(interval_secs));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        metrics::counter!("carbonpass_sweeper_runs_total", "job" => "leftovers").increment(1);
        match bills.sweep_leftovers(chrono::Utc::now(), grace).await {
            Ok(swept) => {
                metrics::counter!("carbonpass_sweeper_removed_total", "kind" => "unfinished_upload")
                    .increment(swept.unfinished_removed);
                metrics::counter!("carbonpass_sweeper_removed_total", "kind" => "orphan_file")
                    .increment(swept.orphans_removed);
                tracing::info!(
                    unfinished_removed = swept.unfinished_removed,
                    orphans_removed = swept.orphans_removed,
                    "swept crash leftovers"
                );
                if let Some(why) = swept.orphans_not_swept {
                    tracing::warn!(reason = %why, "files without a bill were not swept");
                }
            }
            Err(err) => {
                metrics::counter!("carbonpass_sweeper_failures_total", "job" => "leftovers").increment(1);
                tracing::warn!(error = %err, "sweeping crash leftovers failed; trying again later");
            }
        }
        metrics::counter!("carbonpass_sweeper_runs_total", "job" => "webhook_history").increment(1);
        match webhooks.sweep_history(chrono::Utc::now(), retention).await {
            Ok(removed) => {
                for (kind, n) in [
                    ("webhook_event", removed.events),
                    ("webhook_delivery", removed.deliveries),
                    ("webhook_attempt", removed.attempts),
                ] {
                    metrics::counter!("carbonpass_sweeper_removed_total", "kind" => kind).increment(n);
                }
                tracing::info!(
                    events_removed = removed.events,
                    deliveries_removed = removed.deliveries,
                    attempts_removed = removed.attempts,
                    retention_days,
                    "swept webhook history"
                );
            }
            Err(err) => tracing::warn!(error = %err, "sweeping webhook history failed; trying again later"),
        }
    }
}

/// A bound, not yet running, HTTP server and what it was built on.
pub struct Application {
    server: Server,
    address: SocketAddr,
    services: Services,
    metrics_address: Option<SocketAddr>,
    /// The webhook worker, when this process delivers.
    delivering: Option<Delivering>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("address", &self.address).finish_non_exhaustive()
    }
}

impl Application {
    /// Opens the store and binds the listener (port 0 picks a free port).
    pub async fn build(settings: &Settings) -> Result<Self, StartError> {
        // First, so the store and the limiter record from their first use.
        let metrics_address = settings.metrics_bind.as_deref().map(crate::prometheus::serve).transpose()?;
        let factors = load_factors()?;
        let store = open_store(settings).await?;
        let delivering = settings.webhooks.deliver_in_server.then_some(store.clone());
        let services = services(store, open_blobs(settings)?, factors, settings, rate_limiter(settings).await?)?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|source| StartError::Io { context: format!("binding {}", settings.bind), source })?;
        let address = listener
            .local_addr()
            .map_err(|source| StartError::Io { context: "reading the bound address".into(), source })?;
        let state = HttpState::new(
            services.clone(),
            settings.public_base_url(),
            settings.max_upload_bytes,
            settings.body_deadlines(),
            settings.tls().is_some(),
        );
        let descriptors = crate::connections::raise_descriptor_limit();
        let ceiling = crate::connections::connection_ceiling(settings.max_connections, descriptors);
        let workers = settings.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let workers = workers.max(1);
        // actix counts connections per worker.
        let per_worker = usize::try_from(ceiling).unwrap_or(usize::MAX) / workers;
        tracing::info!(descriptors, max_connections = ceiling, workers, "connection limits");
        let per_client = crate::connections::PerClient::new(settings.max_connections_per_client);
        let server = HttpServer::new(move || build_app(state.clone()))
            .on_connect(move |connection, extensions| per_client.on_connect(connection, extensions))
            .workers(workers)
            .max_connections(per_worker.max(1))
            .keep_alive(Duration::from_secs(settings.keep_alive_secs.max(1)))
            .shutdown_timeout(settings.shutdown_timeout_secs)
            .client_request_timeout(Duration::from_secs(settings.client_request_timeout_secs.max(1)))
            // After a response that leaves part of its request body unread, the connection keeps
            // reading (and discarding) for at most this long, so the client can read the
            // response before the socket closes; then it closes.
            .client_disconnect_timeout(Duration::from_secs(1));
        let listening = |source| StartError::Io { context: "listening".into(), source };
        let server = match settings.tls() {
            Some((cert_file, key_file)) => {
                let certificate = Arc::new(ReloadingCertificate::load(cert_file, key_file)?);
                let config = certificate.server_config()?;
                supervise("certificate reload", move || reload_on_hangup(certificate.clone()));
                server.listen_rustls_0_23(listener, config).map_err(listening)?.run()
            }
            None => server.listen(listener).map_err(listening)?.run(),
        };
        let (swept, hooks) = (services.bills.clone(), services.webhooks.clone());
        let (grace, every, retention) =
            (settings.sweep_grace_secs, settings.sweep_interval_secs, settings.webhook_retention_days);
        supervise("leftover sweeper", move || sweep_leftovers(swept.clone(), hooks.clone(), grace, every, retention));
        let delivering = delivering.map(|store| start_delivering(&store, settings)).transpose()?;
        Ok(Self { server, address, metrics_address, services, delivering })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Where `GET /metrics` is served, when `metrics_bind` is set.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Stops the server gracefully from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests and webhook attempts finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(delivering) = self.delivering {
            delivering.stop().await;
        }
        let overviews = self.services.tenants.overviews().stats();
        tracing::info!(
            hits = overviews.hits,
            misses = overviews.misses,
            hit_rate = format!("{:.4}", overviews.hit_rate()),
            "overview cache"
        );
        let reports = self.services.reports.stats();
        tracing::info!(
            hits = reports.hits,
            misses = reports.misses,
            hit_rate = format!("{:.4}", reports.hit_rate()),
            "report cache"
        );
        served
    }
}

//! Every setting in one table: its key, default and meaning. `Settings::load` takes its defaults
//! from here, and the configuration reference in `docs/operations.md` is written from here (a
//! test keeps the two the same, and another that every field of `Settings` is listed).

/// A setting's value when nothing sets it.
#[derive(Debug, Clone, Copy)]
pub enum DefaultValue {
    Number(i64),
    Text(&'static str),
    Bool(bool),
    /// No value; what that means.
    Unset(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// As in the TOML file; `s3.bucket` is `bucket` in an `[s3]` table.
    pub key: &'static str,
    pub default: DefaultValue,
    pub about: &'static str,
    /// Other ways to set it: a standard variable or a command-line flag.
    pub also: &'static str,
}

impl Setting {
    /// Its environment variable: `CARBONPASS_` and the key in capitals, `__` between levels.
    pub fn variable(&self) -> String {
        format!("CARBONPASS_{}", self.key.to_uppercase().replace('.', "__"))
    }
}

const fn setting(key: &'static str, default: DefaultValue, about: &'static str) -> Setting {
    Setting { key, default, about, also: "" }
}

use DefaultValue::{Bool, Number, Text, Unset};

pub const SETTINGS: &[Setting] = &[
    Setting { also: "`serve --bind`", ..setting("bind", Text("127.0.0.1:8080"), "Address and port to listen on.") },
    Setting {
        also: "`--data-dir`",
        ..setting(
            "data_dir",
            Text("./data"),
            "Holds the SQLite file `carbonpass.db` (without a database URL) and `blobs/`.",
        )
    },
    Setting {
        also: "`DATABASE_URL`",
        ..setting(
            "database_url",
            Unset("the SQLite file in `data_dir`"),
            "`postgres://user:password@host:5432/db` to run on PostgreSQL, or a SQLite path. Its password never reaches the logs.",
        )
    },
    setting(
        "blob_store",
        Text("local"),
        "Where uploaded bill files go: `local` (a folder) or `s3` (an S3-compatible bucket).",
    ),
    setting("blob_dir", Unset("`{data_dir}/blobs`"), "The folder for bill files with `blob_store = \"local\"`."),
    setting(
        "s3.endpoint",
        Unset("AWS itself"),
        "With `s3`: `http(s)://host:port` of an S3-compatible store (MinIO, …).",
    ),
    setting("s3.bucket", Unset("required with `s3`"), "With `s3`: the bucket."),
    setting("s3.region", Unset("`us-east-1`"), "With `s3`: the region."),
    setting("s3.access_key_id", Unset("the environment's AWS credentials"), "With `s3`: the access key id."),
    setting(
        "s3.secret_access_key",
        Unset("the environment's AWS credentials"),
        "With `s3`: the secret key; never logged.",
    ),
    setting("s3.prefix", Unset("`bills/`"), "With `s3`: the key prefix of bill files in the bucket."),
    setting(
        "max_upload_bytes",
        Number(20 * 1024 * 1024),
        "Largest bill file accepted, in bytes (20 MiB); larger is a 413.",
    ),
    setting(
        "public_base_url",
        Unset("`http://{bind}` (`https://` with TLS)"),
        "The public origin; passport URLs are built on it.",
    ),
    setting("log_format", Text("human"), "`human` lines, or `json` (one object per line)."),
    Setting {
        also: "`RUST_LOG` (wins when set)",
        ..setting("log_level", Text("info"), "A `tracing` filter such as `info` or `carbonpass=debug,info`.")
    },
    setting("pool_size", Unset("twice the number of cores (2–32)"), "Database connections."),
    setting("workers", Unset("one per core"), "HTTP worker threads."),
    setting(
        "max_connections",
        Number(10_000),
        "The most connections open at once in the process; lowered at start to the file-descriptor limit (raised to its hard limit at start) less 1,024 kept for the database, files and webhooks.",
    ),
    setting(
        "max_connections_per_client",
        Number(256),
        "The most connections one client address holds open at once; a connection past it is closed as it is accepted.",
    ),
    setting("keep_alive_secs", Number(5), "Seconds an idle keep-alive connection stays open between requests."),
    setting(
        "client_request_timeout_secs",
        Number(10),
        "Seconds a new connection may take to send a request's headers before it is closed (408).",
    ),
    setting(
        "report_cache_entries",
        Number(1024),
        "Reports' sums (`GET /api/v1/emissions`) kept in memory, one per tenant, period asked for and site, each served only until the tenant's next write in any process; 0 turns the cache off (0–1000000).",
    ),
    setting(
        "passport_signing_key_file",
        Unset("`{data_dir}/passport-signing-key.pem`, generated on first start"),
        "The Ed25519 private key (PKCS#8 PEM, as `carbonpass passport-key generate` or `openssl genpkey -algorithm ed25519` writes it) that signs public passports (`/company/{slug}.jws`); never stored in the database. When unset and absent, `serve` generates it at the default path; a path that is set must exist.",
    ),
    setting(
        "passport_retired_key_files",
        Unset("none"),
        "Comma-separated PEM files of signing keys retired by a rotation (their private key files, or `PUBLIC KEY` PEMs): still listed at `/.well-known/jwks.json` so passports signed before the rotation verify. docs/passport.md has the rotation steps.",
    ),
    setting(
        "passport_recheck_ms",
        Number(1000),
        "Milliseconds a passport is served from memory before the company's data version is read again: the most another process may go on serving a passport switched off (0–60000; 0 reads it on every request).",
    ),
    setting("passport_cache_entries", Number(10_000), "Public passports kept in memory, rendered (1–1000000)."),
    setting(
        "max_keys_per_user",
        Number(100),
        "The most working API keys (neither revoked nor expired) one user holds in one data space; `POST /api/v1/keys` past it is 409 `limit_reached` (1–10000).",
    ),
    setting(
        "metrics_bind",
        Unset("no metrics listener"),
        "`host:port` of a second listener serving `GET /metrics` in the Prometheus text format; keep it off the public network.",
    ),
    setting(
        "otlp_endpoint",
        Unset("no traces exported"),
        "OTLP/HTTP collector (`http://127.0.0.1:4318`) that spans of requests, use cases and adapters are exported to.",
    ),
    setting("shutdown_timeout_secs", Number(30), "Seconds in-flight requests get to finish after SIGTERM or Ctrl-C."),
    setting(
        "idempotency_lease_secs",
        Number(60),
        "Seconds an `Idempotency-Key` claim shields a request in flight; a claim left by a request that died stops blocking retries after this (1–86400).",
    ),
    setting(
        "db_connect_timeout_secs",
        Number(5),
        "Seconds opening a PostgreSQL connection may take (TCP, TLS, authentication) (1–600).",
    ),
    setting(
        "db_statement_timeout_secs",
        Number(5),
        "Seconds one statement may run (PostgreSQL cancels it) or wait for SQLite's write lock (1–600).",
    ),
    setting(
        "db_checkout_timeout_secs",
        Number(2),
        "Seconds a request waits for a free connection; its database work ends in a 503 after this plus the statement timeout, even if the database never answers (1–600).",
    ),
    setting(
        "request_body_idle_timeout_secs",
        Number(20),
        "Seconds a request body may pause before it is cut off with a 408 (1–3600).",
    ),
    setting("request_body_timeout_secs", Number(300), "Seconds a whole request body may take (1–3600)."),
    setting(
        "sweep_grace_secs",
        Number(3600),
        "Seconds a crash leftover (an unfinished upload, a file no bill holds) must have gone unwritten before it is removed; more than the body timeout plus twice both database timeouts.",
    ),
    setting("sweep_interval_secs", Number(3600), "Seconds between sweeps of crash leftovers; the first runs at start."),
    setting(
        "pdf_concurrency",
        Number(2),
        "Plan PDFs laid out at once (each takes a core and, for the largest inputs allowed, up to about 100 MB while it runs; docs/performance.md) (1–64).",
    ),
    setting(
        "pdf_queue_per_tenant",
        Number(8),
        "Plan PDF renders one company may have waiting for a turn; one more is refused at once with 503 and `Retry-After`. Turns go round-robin between the companies waiting (1–1000).",
    ),
    setting(
        "pdf_queue_deadline_secs",
        Number(10),
        "Seconds a plan PDF render may wait for its turn before it is refused with 503 and `Retry-After` (1–600).",
    ),
    setting(
        "max_plans_per_company",
        Number(100),
        "Carbon Reduction Plans one company may hold; generating past it is refused with 409 `limit_reached` until a draft is deleted (1–100000).",
    ),
    setting(
        "tls_cert_file",
        Unset("plain HTTP, for a proxy in front"),
        "PEM certificate chain; with `tls_key_file`, HTTPS (TLS 1.3 and 1.2, HTTP/2 by ALPN, HSTS), reloaded on SIGHUP.",
    ),
    setting("tls_key_file", Unset("plain HTTP"), "PEM private key of `tls_cert_file`."),
    setting(
        "webhooks.allow_insecure_targets",
        Bool(false),
        "Allows `http` webhook targets and private, loopback and link-local addresses. For development and tests only: in production it would let an endpoint reach the internal network.",
    ),
    setting(
        "webhooks.deliver_in_server",
        Bool(true),
        "Whether `serve` delivers webhooks itself. Set `false` when separate `carbonpass worker` processes deliver them.",
    ),
    setting("webhooks.concurrency", Number(64), "Webhook attempts in flight at once, per process."),
    setting(
        "webhooks.per_endpoint_concurrency",
        Number(8),
        "Webhook attempts in flight at once to one endpoint, per process, so one slow receiver cannot hold every slot.",
    ),
    setting(
        "webhooks.per_tenant_concurrency",
        Number(16),
        "Webhook attempts in flight at once for one data space (all its endpoints), per process: a tenant whose receivers hang holds at most this many slots, and the others share the rest (claims take tenants in turns).",
    ),
    setting(
        "webhooks.sends_per_minute",
        Number(600),
        "Webhook requests one data space may be sent in a minute, by all workers together (counted in the database). Past it, its deliveries wait for the next minute; none is dropped or failed.",
    ),
    setting(
        "webhooks.manual_per_minute",
        Number(6),
        "Manual operations (`test`, `retry`, `recover`) one endpoint may have in a minute, counted in the database for all processes; past it, 429 `rate_limited` with `Retry-After`.",
    ),
    setting(
        "webhooks.circuit_failures",
        Number(5),
        "Failed attempts in a row after which an endpoint's circuit opens: nothing is sent to it for 30 s, doubling at each further failure up to an hour, then one attempt at a time until one succeeds.",
    ),
    setting(
        "webhooks.lease_secs",
        Number(30),
        "Seconds a claimed delivery is kept from other workers: longer than an attempt can take (15 s). A worker that dies leaves its deliveries to be sent again after this.",
    ),
    setting(
        "webhooks.poll_interval_ms",
        Number(1000),
        "The longest a worker sleeps without looking at the queue: a safety net, since commits wake it at once.",
    ),
    setting(
        "webhook_retention_days",
        Number(30),
        "Days finished webhook deliveries (delivered or failed), their attempts and their events are kept; the sweeper removes older ones in batches of 1,000 rows, every `sweep_interval_secs`. Pending deliveries are never removed (1–36500).",
    ),
    setting(
        "rate_limits.enabled",
        Bool(true),
        "Whether requests are rate limited. Off, no `X-RateLimit-*` headers are sent and nothing is refused with 429.",
    ),
    setting(
        "rate_limits.store",
        Text("memory"),
        "Where buckets are kept: `memory` (each process limits alone: with N servers a user gets up to N times the limit) or `redis` (shared by every process through `redis_url`; while Redis cannot be reached, each process limits alone, logs it and says so in `/readyz`).",
    ),
    setting(
        "rate_limits.business.per_minute",
        Number(120),
        "Requests a minute per user of a Business-plan company (all their keys share one bucket), refilled evenly.",
    ),
    setting(
        "rate_limits.business.burst",
        Number(60),
        "Requests a Business-plan user may make at once: the bucket's size, and `X-RateLimit-Limit`.",
    ),
    setting(
        "rate_limits.partner.per_minute",
        Number(600),
        "Requests a minute per user of a Partner-plan company, whatever client company they act on.",
    ),
    setting("rate_limits.partner.burst", Number(200), "Requests a Partner-plan user may make at once."),
    setting(
        "rate_limits.unauthenticated.per_minute",
        Number(60),
        "Requests without a valid key (missing, malformed, unknown, revoked or expired) a minute per client address. Once used up, such an address gets 429 before any database work, so keys cannot be guessed at speed. Always per process.",
    ),
    setting(
        "rate_limits.unauthenticated.burst",
        Number(20),
        "Requests without a valid key a client address may make at once.",
    ),
    setting(
        "redis_url",
        Unset("no Redis"),
        "`redis://host:port/db` where `rate_limits.store = \"redis\"` shares rate-limit buckets.",
    ),
];

#[cfg(test)]
mod tests {
    use serde::de::{self, Deserializer, Visitor};

    use super::SETTINGS;
    use crate::settings::{QuotaSettings, RateLimitSettings, S3Settings, Settings, WebhookSettings};

    /// A deserializer that only notes the field names a struct asks for.
    struct FieldNames<'a>(&'a mut Vec<&'static str>);

    impl<'de> Deserializer<'de> for FieldNames<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("field names only"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend(fields);
            Err(de::Error::custom("field names only"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    fn field_names<'de, T: serde::Deserialize<'de>>() -> Vec<&'static str> {
        let mut names = Vec::new();
        let _ = T::deserialize(FieldNames(&mut names));
        names
    }

    #[test]
    fn every_field_of_the_settings_is_in_the_reference_and_nothing_else() {
        let mut fields: Vec<String> = field_names::<Settings>()
            .into_iter()
            .filter(|f| !["s3", "webhooks", "rate_limits"].contains(f))
            .map(str::to_owned)
            .collect();
        for limits in field_names::<RateLimitSettings>() {
            if ["business", "partner", "unauthenticated"].contains(&limits) {
                let quota = field_names::<QuotaSettings>();
                fields.extend(quota.into_iter().map(|f| format!("rate_limits.{limits}.{f}")));
            } else {
                fields.push(format!("rate_limits.{limits}"));
            }
        }
        fields.extend(field_names::<S3Settings>().into_iter().map(|f| format!("s3.{f}")));
        fields.extend(field_names::<WebhookSettings>().into_iter().map(|f| format!("webhooks.{f}")));
        assert!(fields.len() > 20, "the names were read: {fields:?}");
        let mut listed: Vec<String> = SETTINGS.iter().map(|s| s.key.to_owned()).collect();
        fields.sort();
        listed.sort();
        assert_eq!(listed, fields);
    }

    #[test]
    fn variables_follow_the_key() {
        let bucket = SETTINGS.iter().find(|s| s.key == "s3.bucket").expect("listed");
        assert_eq!(bucket.variable(), "CARBONPASS_S3__BUCKET");
        let lease = SETTINGS.iter().find(|s| s.key == "idempotency_lease_secs").expect("listed");
        assert_eq!(lease.variable(), "CARBONPASS_IDEMPOTENCY_LEASE_SECS");
    }
}

//! The HTTP client deliveries go out on, guarded against reaching the internal network: every
//! name is resolved by our own resolver, which keeps only public addresses (`target`), so the
//! address checked is the address connected to (a DNS answer that changes between a check and
//! the connection cannot slip through); a host written as an IP address skips resolvers, so it
//! is checked before connecting. No redirects are followed, no proxy from the environment is
//! used, and every attempt is bounded in time and in how much of the answer is read.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url, redirect};

use crate::target::is_public;

/// How long an attempt may take, connection to last byte (SPEC 5).
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How much of a receiver's answer is kept for the delivery log.
pub const EXCERPT_BYTES: usize = 1024;

/// Why a target may not be reached.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TargetRefused {
    #[error("{0} is not a valid URL")]
    NotAUrl(String),
    #[error(
        "{0} resolves to no public address (private, loopback, link-local, shared and metadata addresses are refused)"
    )]
    NotPublic(String),
    #[error("{0} could not be resolved")]
    Unresolvable(String),
}

/// Keeps only the public addresses of a name (all of them when `allow_insecure`).
#[derive(Debug, Clone, Copy)]
struct PublicOnly {
    allow_insecure: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_insecure = self.allow_insecure;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await.map_err(|_| {
                Box::new(TargetRefused::Unresolvable(host.clone())) as Box<dyn std::error::Error + Send + Sync>
            })?;
            let kept: Vec<SocketAddr> = found.filter(|a| allow_insecure || is_public(a.ip())).collect();
            if kept.is_empty() {
                return Err(Box::new(TargetRefused::NotPublic(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    pub latency: Duration,
    /// The start of its answer, as text.
    pub excerpt: String,
    /// Its `Retry-After`, in seconds, when it sent one.
    pub retry_after: Option<Duration>,
    /// Why there was no answer, or the target refused.
    pub error: Option<String>,
}

/// The guarded client: one per process, shared by every delivery.
#[derive(Debug, Clone)]
pub struct GuardedClient {
    client: reqwest::Client,
    allow_insecure: bool,
}

impl GuardedClient {
    pub fn new(allow_insecure: bool) -> Result<Self, reqwest::Error> {
        // Mozilla's roots, compiled in, and only they: reqwest then verifies with webpki against
        // them and never reads the machine's trust store.
        let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()?;
        let client = reqwest::Client::builder()
            .tls_certs_only(roots)
            .dns_resolver(Arc::new(PublicOnly { allow_insecure }))
            .redirect(redirect::Policy::none())
            .no_proxy()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("CarbonPass-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, allow_insecure })
    }

    /// Whether `url` may be delivered to: checked before connecting for a host written as an IP
    /// address, and by resolving it now for a name (the resolver checks again at every attempt).
    pub async fn check(&self, url: &str) -> Result<(), TargetRefused> {
        let parsed = Url::parse(url).map_err(|_| TargetRefused::NotAUrl(url.to_owned()))?;
        let host = parsed.host_str().ok_or_else(|| TargetRefused::NotAUrl(url.to_owned()))?.to_owned();
        if self.allow_insecure {
            return Ok(());
        }
        match literal_ip(&host) {
            Some(ip) if is_public(ip) => Ok(()),
            Some(_) => Err(TargetRefused::NotPublic(host)),
            None => {
                let name: Name = host.parse().map_err(|_| TargetRefused::NotAUrl(url.to_owned()))?;
                PublicOnly { allow_insecure: false }.resolve(name).await.map(|_| ()).map_err(|err| {
                    err.downcast_ref::<TargetRefused>().cloned().unwrap_or(TargetRefused::Unresolvable(host))
                })
            }
        }
    }

    /// POSTs `body` as JSON to `url` with `headers`: one attempt, never followed elsewhere.
    pub async fn post(&self, url: &str, headers: &[(HeaderName, HeaderValue)], body: Vec<u8>) -> Attempt {
        let started = Instant::now();
        let refused = |error: String| Attempt {
            status: None,
            latency: started.elapsed(),
            excerpt: String::new(),
            retry_after: None,
            error: Some(error),
        };
        let Ok(parsed) = Url::parse(url) else { return refused(format!("{url} is not a valid URL")) };
        if parsed.scheme() != "https" && !self.allow_insecure {
            return refused("only https targets are delivered to".into());
        }
        let literal = parsed.host_str().and_then(literal_ip);
        if let Some(ip) = literal.filter(|ip| !self.allow_insecure && !is_public(*ip)) {
            return refused(format!("{ip} is not a public address"));
        }
        let mut map = HeaderMap::new();
        map.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in headers {
            map.insert(name.clone(), value.clone());
        }
        let response = match self.client.post(parsed).headers(map).body(body).send().await {
            Ok(response) => response,
            Err(err) => return refused(describe(&err)),
        };
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let excerpt = read_excerpt(response).await;
        Attempt { status: Some(status.as_u16()), latency: started.elapsed(), excerpt, retry_after, error: None }
    }
}

/// An IP address written as the host (`[::1]` in brackets for IPv6).
fn literal_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// The first bytes of an answer, as text; the rest is not read.
async fn read_excerpt(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk[..chunk.len().min(EXCERPT_BYTES - kept.len())]),
            _ => break,
        }
    }
    // NUL is no character a database text column takes (PostgreSQL refuses it): replaced, so an
    // answer holding one is still recorded.
    String::from_utf8_lossy(&kept).replace('\0', "\u{FFFD}")
}

/// A failed attempt in a receiver's terms, without our internals.
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if err.is_connect() {
        let mut source: Option<&dyn std::error::Error> = Some(err);
        while let Some(e) = source {
            if let Some(refused) = e.downcast_ref::<TargetRefused>() {
                return refused.to_string();
            }
            source = e.source();
        }
        "could not connect".to_owned()
    } else {
        "the request failed before an answer".to_owned()
    }
}

/// Whether a status is a delivery: any 2xx (a redirect is not).
pub fn delivered(status: u16) -> bool {
    StatusCode::from_u16(status).is_ok_and(|s| s.is_success())
}

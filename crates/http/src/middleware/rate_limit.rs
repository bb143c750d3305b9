//! The `X-RateLimit-*` headers (and `Retry-After` on a refusal), written from the caller's bucket
//! that authentication left in the request's extensions: on every authenticated response,
//! errors included, and on a 429 to an address that sent too many requests without a valid key.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use carbonpass_domain::model::RateLimitStatus;

pub const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
pub const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
pub const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Whole seconds, rounded up: a client that waits this long is never early.
pub(crate) fn seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

fn write(headers: &mut HeaderMap, status: &RateLimitStatus) {
    headers.insert(X_RATELIMIT_LIMIT, HeaderValue::from(status.limit));
    headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(status.remaining));
    headers.insert(X_RATELIMIT_RESET, HeaderValue::from(seconds(status.reset_after)));
    if let Some(wait) = status.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds(wait).max(1)));
    }
}

pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut res = next.call(req).await?;
    let status = res.request().extensions().get::<RateLimitStatus>().copied();
    if let Some(status) = status {
        write(res.headers_mut(), &status);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_up() {
        assert_eq!(seconds(Duration::ZERO), 0);
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_secs(2)), 2);
        assert_eq!(seconds(Duration::from_millis(2001)), 3);
    }

    #[test]
    fn a_refusal_says_when_to_retry_never_zero() {
        let mut headers = HeaderMap::new();
        let status = RateLimitStatus {
            limit: 60,
            remaining: 0,
            reset_after: Duration::from_millis(59_500),
            retry_after: Some(Duration::ZERO),
        };
        write(&mut headers, &status);
        let value = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(value(&X_RATELIMIT_LIMIT).as_deref(), Some("60"));
        assert_eq!(value(&X_RATELIMIT_REMAINING).as_deref(), Some("0"));
        assert_eq!(value(&X_RATELIMIT_RESET).as_deref(), Some("60"));
        assert_eq!(value(&RETRY_AFTER).as_deref(), Some("1"));
    }
}

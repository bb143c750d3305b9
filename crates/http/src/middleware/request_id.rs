//! Gives every request an id (`X-Request-Id` on the response), logs one line per request and
//! counts it for `/metrics`. The line holds method, path, status and latency: never headers, so
//! never a key.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use rand::RngExt;
use rand::distr::Alphanumeric;
use tracing::Instrument;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn new_id() -> String {
    let random: String = rand::rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect();
    format!("req_{random}")
}

pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = new_id();
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    // Labelled by the route's pattern (`/api/v1/bills/{id}`), never the path itself: a label per
    // id would grow without end.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let method = match *req.method() {
        Method::GET | Method::HEAD | Method::POST | Method::PUT | Method::PATCH | Method::DELETE | Method::OPTIONS => {
            req.method().as_str().to_owned()
        }
        _ => "other".to_owned(),
    };
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, value);
    }
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    let labels = [("method", method), ("route", route), ("status", status.to_string())];
    metrics::counter!("carbonpass_http_requests_total", &labels).increment(1);
    metrics::histogram!("carbonpass_http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    if status == 429 {
        // A user's empty bucket, an address refused for bad keys, a manual webhook operation
        // over its limit: every rate-limit refusal ends here.
        metrics::counter!("carbonpass_rate_limit_refusals_total", "route" => labels[1].1.clone()).increment(1);
    }
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    span.in_scope(|| tracing::info!(status, latency_us = micros, "served"));
    Ok(res)
}

//! Conditional GETs: a strong `ETag` and `If-None-Match` (RFC 9110 §13.1.2).

use actix_web::HttpRequest;
use actix_web::http::header;

/// A SHA-256 (hex) as a strong `ETag`.
pub(crate) fn etag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

/// Whether `If-None-Match` names `tag` (or is `*`). Weak comparison, as RFC 9110 §13.1.2 asks.
pub(crate) fn none_match(req: &HttpRequest, tag: &str) -> bool {
    req.headers().get_all(header::IF_NONE_MATCH).filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').map(str::trim).any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag)
    })
}

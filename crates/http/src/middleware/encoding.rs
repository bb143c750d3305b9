//! A body in a `Content-Encoding` the server does not decode (it decodes none) would be read as
//! if it were plain: such requests are refused with a 415 before any handler runs.
//!
//! (A request with both `Content-Length` and `Transfer-Encoding`, the other way to misread where
//! a body ends, never gets this far: actix-http refuses it while parsing and closes the
//! connection, so nothing pipelined behind it is served. `hygiene.rs` in the server's tests
//! checks both.)

use actix_web::Error;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_ENCODING;
use actix_web::middleware::Next;

use crate::error::error_response;

/// Longest coding name quoted back in the error message.
const SHOWN_CHARS: usize = 40;

pub(crate) async fn refuse_encoded_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody, impl MessageBody>>, Error> {
    let codings = req.headers().get_all(CONTENT_ENCODING).flat_map(|v| v.to_str().unwrap_or("?").split(','));
    if let Some(coding) = codings.map(str::trim).find(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity")) {
        let coding: String = coding.chars().take(SHOWN_CHARS).collect();
        let message = format!("The server does not decode Content-Encoding \"{coding}\"; send the body uncompressed.");
        let refused = error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", &message, None);
        return Ok(req.into_response(refused).map_into_left_body());
    }
    Ok(next.call(req).await?.map_into_right_body())
}

//! Dresses the framework's own bare error responses (an unmatched method, a body it could not
//! read) in the public JSON error body, so no non-2xx response of the API lacks it.

use actix_web::Result;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};

use crate::error::{Snake, error_response};

pub(crate) fn normalise<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(dress)
}

fn dress<B: MessageBody + 'static>(res: ServiceResponse<B>) -> Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = Snake(reason).to_string();
    // Keep the framework's own explanation where it gave one (it never holds secrets).
    let detail = res.response().error().map(|e| e.to_string()).filter(|s| !s.is_empty());
    let message = match detail {
        Some(detail) => format!("{reason}: {detail}."),
        None => format!("{reason}."),
    };
    let (req, original) = res.into_parts();
    let mut dressed = error_response(status, &code, &message, None);
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            dressed.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res: ServiceResponse<EitherBody<B>> = ServiceResponse::new(req, dressed).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

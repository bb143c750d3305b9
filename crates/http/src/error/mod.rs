//! The HTTP layer's error type and its one mapping to the public error body.
//!
//! Every non-2xx response of the API is `{"error": code, "message": sentence, "status": int}`
//! (plus `param` when one field is at fault). Causes of 5xx are logged, never sent. What each
//! domain error tells a client is in `from_domain`; what a body or query string that does not fit
//! its type tells one, in `misfit`.

mod from_domain;
mod misfit;

use std::borrow::Cow;
use std::fmt;

use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use carbonpass_domain::{AuthFailure, DomainError};
use serde::Serialize;

use crate::error_code::ErrorCode;
use crate::middleware::body_deadline::is_body_timeout;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// A body that does not fit, with the field at fault (one missing, or one not expected).
    #[error("malformed request: {message}")]
    BadField { field: String, message: String },
    #[error("body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    #[error("no route for {method} {path}")]
    NoRoute { method: String, path: String },
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
}

/// The wire shape of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Error, description = "The body of every error response.")]
pub(crate) struct ErrorBody<'a> {
    /// A stable snake_case code: what went wrong, for programs.
    #[schema(example = "bad_request")]
    pub error: &'a str,
    /// What went wrong and what to do, for people.
    #[schema(example = "Missing required field \"type\" in bill upload.")]
    pub message: &'a str,
    /// The HTTP status, repeated.
    #[schema(example = 400)]
    pub status: u16,
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<&'a str>,
    /// `crp_incomplete`: the sections the plan lacks.
    #[serde(rename = "missingSections", skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::dto::schema::sections_list)]
    pub missing_sections: Option<&'a [&'static str]>,
    /// `crp_incomplete`: the codes of the checks the plan fails.
    #[serde(rename = "failedChecks", skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::dto::schema::check_list)]
    pub failed_checks: Option<&'a [&'static str]>,
    /// An import refused: each bad row's line (the header is line 1), column and reason, the
    /// first 100 of them (the message gives how many in all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<&'a [RowProblemOut]>,
}

/// One bad row of an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ImportRowProblem)]
pub(crate) struct RowProblemOut {
    pub line: usize,
    pub column: String,
    pub message: String,
}

/// What a client is told: status, stable snake_case code, a sentence, the field at fault.
pub(super) struct Public {
    pub(super) status: StatusCode,
    pub(super) code: &'static str,
    pub(super) message: String,
    pub(super) param: Option<Cow<'static, str>>,
    /// A plan that cannot be published: its missing sections and failed checks.
    pub(super) gaps: Option<(Vec<&'static str>, Vec<&'static str>)>,
    /// An import refused: its bad rows.
    pub(super) rows: Option<Vec<RowProblemOut>>,
}

impl Public {
    pub(super) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status: code.status(), code: code.code(), message: message.into(), param: None, gaps: None, rows: None }
    }

    fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: self.code,
            message: &self.message,
            status: self.status.as_u16(),
            param: self.param.as_deref(),
            missing_sections: self.gaps.as_ref().map(|(sections, _)| sections.as_slice()),
            failed_checks: self.gaps.as_ref().map(|(_, checks)| checks.as_slice()),
            rows: self.rows.as_deref(),
        }
    }
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    /// A request body that could not be read: cut off by its deadline, over `limit` bytes, or
    /// broken off by the client.
    pub(crate) fn from_payload(err: PayloadError, limit: u64) -> Self {
        match err {
            err if is_body_timeout(&err) => ApiError::BodyTimeout,
            PayloadError::Overflow => ApiError::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) },
            other => ApiError::BadRequest(format!("The request body could not be read: {other}.")),
        }
    }

    fn public(&self) -> Public {
        match self {
            ApiError::Domain(err) => from_domain::public(err),
            ApiError::BadRequest(message) => Public::new(ErrorCode::BadRequest, message.clone()),
            ApiError::BadField { field, message } => {
                Public { param: Some(Cow::Owned(field.clone())), ..Public::new(ErrorCode::BadRequest, message.clone()) }
            }
            ApiError::PayloadTooLarge { limit } => Public::new(
                ErrorCode::PayloadTooLarge,
                format!("The request body is larger than the {limit} bytes this endpoint accepts."),
            ),
            ApiError::UnsupportedMediaType(message) => Public::new(ErrorCode::UnsupportedMediaType, message.clone()),
            ApiError::BodyTimeout => Public::new(
                ErrorCode::RequestTimeout,
                "The request body stopped arriving or took too long; nothing was stored. Send it again.",
            ),
            ApiError::NoRoute { method, path } => {
                Public::new(ErrorCode::NotFound, format!("No route matches {method} {path}."))
            }
            ApiError::MethodNotAllowed { allow } => Public::new(
                ErrorCode::MethodNotAllowed,
                format!("This route does not accept that method; it accepts {allow}."),
            ),
        }
    }
}

/// The status and exact JSON body a domain error is answered with (kept to replay it).
pub(crate) fn stored(err: &DomainError) -> (u16, String) {
    let public = from_domain::public(err);
    (public.status.as_u16(), serde_json::to_string(&public.body()).unwrap_or_default())
}

pub(super) fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// The JSON error response for a status, code and sentence. Used by [`ApiError`] and by the
/// middleware that dresses the framework's own bare errors.
pub(crate) fn error_response(status: StatusCode, code: &str, message: &str, param: Option<&str>) -> HttpResponse {
    HttpResponse::build(status).json(ErrorBody {
        error: code,
        message,
        status: status.as_u16(),
        param,
        missing_sections: None,
        failed_checks: None,
        rows: None,
    })
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.public().status
    }

    fn error_response(&self) -> HttpResponse {
        let public = self.public();
        if public.status.is_server_error() {
            tracing::error!(cause = %self, "request failed");
        }
        let mut response = HttpResponse::build(public.status).json(public.body());
        let headers = response.headers_mut();
        match self {
            ApiError::Domain(DomainError::Unauthenticated(failure)) => {
                let challenge = match failure {
                    AuthFailure::Missing | AuthFailure::WrongScheme => r#"Bearer realm="carbonpass""#,
                    _ => r#"Bearer realm="carbonpass", error="invalid_token""#,
                };
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
            ApiError::MethodNotAllowed { allow } => {
                if let Ok(allow) = HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, allow);
                }
            }
            ApiError::Domain(DomainError::Unavailable(_)) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            // Said here too, not only by the rate-limit headers: a limit other than the caller's
            // bucket (an endpoint's manual operations) refuses a caller whose bucket is not empty.
            ApiError::Domain(DomainError::RateLimited(status)) => {
                let wait = crate::middleware::rate_limit::seconds(status.retry_after.unwrap_or_default()).max(1);
                headers.insert(header::RETRY_AFTER, HeaderValue::from(wait));
            }
            // The rest of that body may still be on its way: the connection cannot be reused.
            ApiError::BodyTimeout => response.head_mut().set_connection_type(ConnectionType::Close),
            _ => {}
        }
        response
    }
}

/// For `Display` of a status in the fallback path.
pub(crate) struct Snake<'a>(pub &'a str);

impl fmt::Display for Snake<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                ' ' | '-' => f.write_str("_")?,
                c if c.is_ascii_alphanumeric() => write!(f, "{}", c.to_ascii_lowercase())?,
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_error_body_carries_no_internals() {
        let cause =
            "duplicate key value violates unique constraint \"sessions_one_in_progress_per_site\" (SQL: INSERT …)";
        for err in [DomainError::Internal(cause.into()), DomainError::Unavailable(cause.into())] {
            let (status, body) = stored(&err);
            assert!(status >= 500);
            assert!(!body.contains("sessions_") && !body.contains("SQL") && !body.contains("constraint"), "{body}");
        }
        let (status, body) = stored(&DomainError::Internal(cause.into()));
        assert_eq!(status, 500);
        assert!(body.contains("\"error\":\"internal_error\""), "{body}");
    }
}

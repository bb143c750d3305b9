//! The HTTP layer's error type and its one mapping to the public error body.
//!
//! Every non-2xx response of the API is `{"error": code, "message": sentence, "status": int}`
//! (plus `param` when one field is at fault). Causes of 5xx are logged, never sent.

use std::borrow::Cow;
use std::fmt;

use actix_web::error::{JsonPayloadError, PayloadError};
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
}

/// What a client is told: status, stable snake_case code, a sentence, the field at fault.
struct Public {
    status: StatusCode,
    code: &'static str,
    message: String,
    param: Option<Cow<'static, str>>,
    /// A plan that cannot be published: its missing sections and failed checks.
    gaps: Option<(Vec<&'static str>, Vec<&'static str>)>,
}

impl Public {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status: code.status(), code: code.code(), message: message.into(), param: None, gaps: None }
    }

    fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: self.code,
            message: &self.message,
            status: self.status.as_u16(),
            param: self.param.as_deref(),
            missing_sections: self.gaps.as_ref().map(|(sections, _)| sections.as_slice()),
            failed_checks: self.gaps.as_ref().map(|(_, checks)| checks.as_slice()),
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
            ApiError::Domain(err) => domain_public(err),
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

fn domain_public(err: &DomainError) -> Public {
    match err {
        DomainError::Unauthenticated(failure) => {
            let (code, message) = match failure {
                AuthFailure::Missing => {
                    (ErrorCode::MissingApiKey, "No API key was sent. Send it as `Authorization: Bearer cp_live_…`.")
                }
                AuthFailure::Malformed => (
                    ErrorCode::MalformedApiKey,
                    "The API key is not a CarbonPass key (cp_live_… or cp_test_…); check it was copied whole.",
                ),
                AuthFailure::WrongScheme => (
                    ErrorCode::InvalidAuthScheme,
                    "Only the Bearer scheme is accepted: send `Authorization: Bearer cp_live_…`.",
                ),
                AuthFailure::Unknown => (ErrorCode::InvalidApiKey, "The API key is not valid."),
                AuthFailure::Revoked => (ErrorCode::RevokedApiKey, "The API key has been revoked."),
                AuthFailure::Expired => (
                    ErrorCode::ExpiredApiKey,
                    "The API key was rolled and its grace period has ended; use its replacement.",
                ),
            };
            Public::new(code, message)
        }
        DomainError::PlanRequired { plan } => Public::new(
            ErrorCode::PlanRequired,
            format!("API access is available on Business and Partner plans; this company is on the {plan} plan."),
        ),
        DomainError::RateLimited(status) => {
            let wait = crate::middleware::rate_limit::seconds(status.retry_after.unwrap_or_default()).max(1);
            let unit = if wait == 1 { "second" } else { "seconds" };
            Public::new(
                ErrorCode::RateLimited,
                format!("Too many requests. Retry after {wait} {unit}; X-RateLimit-* headers show what is left."),
            )
        }
        DomainError::NotFound { entity } => {
            let mut first = entity.chars();
            let entity = first.next().map(|c| c.to_uppercase().chain(first).collect::<String>()).unwrap_or_default();
            Public::new(ErrorCode::NotFound, format!("{entity} not found."))
        }
        DomainError::Invalid { field, message } => Public {
            param: Some(Cow::Borrowed(field)),
            ..Public::new(ErrorCode::BadRequest, format!("Invalid \"{field}\": {message}."))
        },
        DomainError::InvalidAt { path, message } => Public {
            param: Some(Cow::Owned(path.clone())),
            ..Public::new(ErrorCode::BadRequest, format!("Invalid \"{path}\": {message}."))
        },
        DomainError::PlanIncomplete { missing_sections, failed_checks } => {
            let mut needs: Vec<String> = missing_sections
                .iter()
                .filter_map(|name| carbonpass_domain::crp::Section::ALL.into_iter().find(|s| s.as_str() == *name))
                .map(|section| format!("{} needs {}", section.as_str(), section.needs()))
                .collect();
            needs.extend(failed_checks.iter().map(|check| check.message.clone()));
            Public {
                gaps: Some((missing_sections.clone(), failed_checks.iter().map(|c| c.check).collect())),
                ..Public::new(
                    ErrorCode::CrpIncomplete,
                    format!("The plan cannot be published yet. {}.", needs.join("; ")),
                )
            }
        }
        DomainError::Conflict { message } => Public::new(ErrorCode::Conflict, capitalise(message)),
        DomainError::MissingField { field, context } => Public {
            param: Some(Cow::Borrowed(field)),
            ..Public::new(ErrorCode::BadRequest, format!("Missing required field \"{field}\" in {context}."))
        },
        DomainError::DuplicateBill { existing } => Public::new(
            ErrorCode::DuplicateBill,
            format!("This file was already uploaded for this site as bill {existing}."),
        ),
        DomainError::OverlappingBill { existing } => Public::new(
            ErrorCode::OverlappingBill,
            format!(
                "Confirmed bill {existing} covers the same supply for an overlapping period; send \"allowOverlap\": true if both are right."
            ),
        ),
        DomainError::FactorSetUnavailable { period, available } => {
            let years: Vec<String> = available.iter().map(ToString::to_string).collect();
            Public {
                param: Some(Cow::Borrowed("periodStart")),
                ..Public::new(
                    ErrorCode::FactorSetUnavailable,
                    format!(
                        "No DESNZ conversion factor set covers reporting period {period}; the sets shipped are {}. \
                         A period is never calculated with another year's factors.",
                        years.join(", ")
                    ),
                )
            }
        }
        DomainError::IdempotencyKeyInProgress => Public::new(
            ErrorCode::IdempotencyKeyInProgress,
            "A request with this Idempotency-Key is still being processed; retry when it has finished.",
        ),
        DomainError::IdempotencyKeyReused => Public::new(
            ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was used for a different request; use a new key for a new request.",
        ),
        DomainError::TooLarge { limit } => {
            Public::new(ErrorCode::PayloadTooLarge, format!("The file is larger than the {limit} bytes accepted."))
        }
        DomainError::UnsupportedFile(message) => {
            Public::new(ErrorCode::UnsupportedMediaType, format!("{}.", capitalise(message).trim_end_matches('.')))
        }
        DomainError::Unavailable(_) => {
            Public::new(ErrorCode::ServiceUnavailable, "The service is temporarily unavailable. Retry shortly.")
        }
        DomainError::Internal(_) => {
            Public::new(ErrorCode::InternalError, "Something went wrong on our side. It has been logged.")
        }
    }
}

/// The status and exact JSON body a domain error is answered with (kept to replay it).
pub(crate) fn stored(err: &DomainError) -> (u16, String) {
    let public = domain_public(err);
    (public.status.as_u16(), serde_json::to_string(&public.body()).unwrap_or_default())
}

fn capitalise(message: &str) -> String {
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
            // The rest of that body may still be on its way: the connection cannot be reused.
            ApiError::BodyTimeout => response.head_mut().set_connection_type(ConnectionType::Close),
            _ => {}
        }
        response
    }
}

impl From<JsonPayloadError> for ApiError {
    fn from(err: JsonPayloadError) -> Self {
        match err {
            JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
                ApiError::PayloadTooLarge { limit }
            }
            JsonPayloadError::ContentType => {
                ApiError::UnsupportedMediaType("Send the body as JSON with `Content-Type: application/json`.".into())
            }
            JsonPayloadError::Deserialize(e) if e.is_data() => {
                let message = format!("The JSON body does not fit this endpoint: {}.", without_type_names(&e));
                match field_at_fault(&e.to_string()) {
                    Some(field) => ApiError::BadField { field, message },
                    None => ApiError::BadRequest(message),
                }
            }
            JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("The body is not valid JSON: {e}.")),
            JsonPayloadError::Payload(err) => ApiError::from_payload(err, crate::app::JSON_LIMIT as u64),
            other => ApiError::BadRequest(format!("The request body could not be read: {other}.")),
        }
    }
}

impl ApiError {
    /// A JSON body or query string that does not fit its type (`what`: "The JSON body"), with
    /// the path of the value at fault as `param`: `interimTarget.year`, `projects[0].status`.
    pub(crate) fn misfit<E: std::error::Error>(what: &str, err: serde_path_to_error::Error<E>) -> ApiError {
        let text = in_client_terms(&err.inner().to_string());
        match path_at_fault(err.path(), &text) {
            Some(field) => ApiError::BadField {
                message: format!("{what} does not fit this endpoint at `{field}`: {text}."),
                field,
            },
            None => ApiError::BadRequest(format!("{what} does not fit this endpoint: {text}.")),
        }
    }
}

/// Where a value failed: the path to it, and for a field missing or not expected, that field's
/// name after the object holding it. The client's own key names are quoted back visible
/// characters only, and not too many.
fn path_at_fault(path: &serde_path_to_error::Path, message: &str) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut at = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => at.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    if let Some(name) = field_at_fault(message) {
        let named_last = matches!(path.iter().next_back(), Some(Segment::Map { key }) if *key == name);
        if !named_last {
            if !at.is_empty() {
                at.push('.');
            }
            at.push_str(&name);
        }
    }
    let at: String = at.chars().filter(|c| !c.is_control()).take(128).collect();
    (!at.is_empty()).then_some(at)
}

/// A deserialiser's message without Rust's names for numbers: "expected i32" says nothing to a
/// client; "expected a whole number" does.
fn in_client_terms(text: &str) -> String {
    let mut text = text.to_owned();
    for rust in ["u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize"] {
        text = text.replace(&format!("expected {rust}"), "expected a whole number in range");
    }
    text
}

/// The field a deserialiser's message names: "missing field `unit`", "unknown field `units`".
/// A name the client sent is quoted back visible characters only, and not too many.
fn field_at_fault(message: &str) -> Option<String> {
    let at =
        ["missing field `", "unknown field `"].iter().find_map(|lead| message.find(lead).map(|i| i + lead.len()))?;
    let name: String = message[at..].chars().take_while(|c| *c != '`').filter(|c| !c.is_control()).take(64).collect();
    (!name.is_empty()).then_some(name)
}

/// A deserialiser's message in the client's terms: "expected struct ConfirmIn with 10 elements"
/// names a Rust type, not anything the client sent.
fn without_type_names(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.find("expected struct ") {
        Some(at) => {
            let rest = &text[at..];
            let end = rest.find(" at line").unwrap_or(rest.len());
            format!("{}expected a JSON object{}", &text[..at], &rest[end..])
        }
        None => text,
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

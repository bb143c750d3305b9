//! Every `error` code the API answers with: its status, and what a client should do about it.
//! The error mapping can only answer with these, and the OpenAPI document and `docs/errors.md`
//! are built from, or tested against, this one list.

use actix_web::http::StatusCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadRequest,
    MissingApiKey,
    MalformedApiKey,
    InvalidAuthScheme,
    InvalidApiKey,
    RevokedApiKey,
    ExpiredApiKey,
    PlanRequired,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    Conflict,
    LimitReached,
    DuplicateBill,
    OverlappingBill,
    IdempotencyKeyInProgress,
    PayloadTooLarge,
    UnsupportedMediaType,
    IdempotencyKeyReused,
    FactorSetUnavailable,
    CrpIncomplete,
    RateLimited,
    InternalError,
    ServiceUnavailable,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 25] = [
        Self::BadRequest,
        Self::MissingApiKey,
        Self::MalformedApiKey,
        Self::InvalidAuthScheme,
        Self::InvalidApiKey,
        Self::RevokedApiKey,
        Self::ExpiredApiKey,
        Self::PlanRequired,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::RequestTimeout,
        Self::Conflict,
        Self::LimitReached,
        Self::DuplicateBill,
        Self::OverlappingBill,
        Self::IdempotencyKeyInProgress,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::IdempotencyKeyReused,
        Self::FactorSetUnavailable,
        Self::CrpIncomplete,
        Self::RateLimited,
        Self::InternalError,
        Self::ServiceUnavailable,
    ];

    /// The 401s: every authenticated route can answer with each of them.
    pub const AUTHENTICATION: [ErrorCode; 6] = [
        Self::MissingApiKey,
        Self::MalformedApiKey,
        Self::InvalidAuthScheme,
        Self::InvalidApiKey,
        Self::RevokedApiKey,
        Self::ExpiredApiKey,
    ];

    /// The `error` field.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::MissingApiKey => "missing_api_key",
            Self::MalformedApiKey => "malformed_api_key",
            Self::InvalidAuthScheme => "invalid_auth_scheme",
            Self::InvalidApiKey => "invalid_api_key",
            Self::RevokedApiKey => "revoked_api_key",
            Self::ExpiredApiKey => "expired_api_key",
            Self::PlanRequired => "plan_required",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RequestTimeout => "request_timeout",
            Self::Conflict => "conflict",
            Self::LimitReached => "limit_reached",
            Self::DuplicateBill => "duplicate_bill",
            Self::OverlappingBill => "overlapping_bill",
            Self::IdempotencyKeyInProgress => "idempotency_key_in_progress",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::FactorSetUnavailable => "factor_set_unavailable",
            Self::CrpIncomplete => "crp_incomplete",
            Self::RateLimited => "rate_limited",
            Self::InternalError => "internal_error",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }

    pub fn status(self) -> StatusCode {
        use StatusCode as S;
        match self {
            Self::BadRequest => S::BAD_REQUEST,
            Self::MissingApiKey
            | Self::MalformedApiKey
            | Self::InvalidAuthScheme
            | Self::InvalidApiKey
            | Self::RevokedApiKey
            | Self::ExpiredApiKey => S::UNAUTHORIZED,
            Self::PlanRequired | Self::Forbidden => S::FORBIDDEN,
            Self::NotFound => S::NOT_FOUND,
            Self::MethodNotAllowed => S::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => S::REQUEST_TIMEOUT,
            Self::Conflict
            | Self::LimitReached
            | Self::DuplicateBill
            | Self::OverlappingBill
            | Self::IdempotencyKeyInProgress => S::CONFLICT,
            Self::PayloadTooLarge => S::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => S::UNSUPPORTED_MEDIA_TYPE,
            Self::IdempotencyKeyReused | Self::FactorSetUnavailable | Self::CrpIncomplete => S::UNPROCESSABLE_ENTITY,
            Self::RateLimited => S::TOO_MANY_REQUESTS,
            Self::InternalError => S::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => S::SERVICE_UNAVAILABLE,
        }
    }

    /// What it means and what to do, for the reference and the guide.
    pub fn remedy(self) -> &'static str {
        match self {
            Self::BadRequest => {
                "The request is malformed or a field is invalid; `param` names the field when one is at fault. Fix the request; retrying it unchanged fails the same way."
            }
            Self::MissingApiKey => "No key was sent. Send `Authorization: Bearer cp_live_…` (or `cp_test_…`).",
            Self::MalformedApiKey => {
                "The token is not a CarbonPass key (its prefix, length or checksum is wrong): check it was copied whole."
            }
            Self::InvalidAuthScheme => "An `Authorization` scheme other than Bearer was sent (Basic, say). Use Bearer.",
            Self::InvalidApiKey => "The key is well formed but unknown. Check which key is configured.",
            Self::RevokedApiKey => "The key was revoked. Create a new key and use that.",
            Self::ExpiredApiKey => "The key was rolled and its grace period has ended. Use the key the roll returned.",
            Self::PlanRequired => {
                "The company's plan has no API access: API access comes with Business and Partner plans."
            }
            Self::Forbidden => {
                "The key's user may not do this in this company: owners manage keys, webhook endpoints, the passport and publishing; members and consultants record, plan and read (docs/authentication.md has the table). Ask an owner."
            }
            Self::NotFound => {
                "No such route, or no such resource for this key's company and mode (another company's ids, and live ids with a test key, are not found either)."
            }
            Self::MethodNotAllowed => "The route exists but not with this method; `Allow` lists the methods it takes.",
            Self::RequestTimeout => {
                "The request body stopped arriving or took too long; nothing was stored and the connection is closed. Send it again."
            }
            Self::Conflict => {
                "The resource is not in a state that allows this (voiding a bill that is not confirmed, say). Read it again and decide."
            }
            Self::LimitReached => {
                "A documented cap is reached (keys per user, plans per company, webhook endpoints per company); the message names it. Remove what is no longer needed (revoke keys, delete draft plans or endpoints) and try again."
            }
            Self::DuplicateBill => {
                "The same file was already uploaded for this site; the message names that bill. Use it instead."
            }
            Self::OverlappingBill => {
                "A confirmed bill for the same supply covers an overlapping period. Check the dates; if both bills are right, confirm again with `\"allowOverlap\": true`."
            }
            Self::IdempotencyKeyInProgress => {
                "A request with this `Idempotency-Key` is still running. Retry the same request after a moment."
            }
            Self::PayloadTooLarge => "The body or file is over the limit the message states. Send a smaller one.",
            Self::UnsupportedMediaType => {
                "The body's content type or encoding is not accepted (JSON bodies need `Content-Type: application/json`; bills are PDF, PNG, JPEG or CSV; no `Content-Encoding`)."
            }
            Self::IdempotencyKeyReused => {
                "This `Idempotency-Key` was used with a different request. Use a new key for a new request."
            }
            Self::FactorSetUnavailable => {
                "No DESNZ factor set covers the bill's reporting period (before 2019), or the set of a period an activity falls in has no factor for its type and unit (refrigerants before 2022, say). Check `periodStart` and `activityType`."
            }
            Self::CrpIncomplete => {
                "The plan cannot be published yet: `missingSections` lists the sections it lacks and `failedChecks` the checks it fails, and the message says what each needs. Complete the CRP inputs (or confirm bills), generate a new plan and publish that."
            }
            Self::RateLimited => {
                "Too many requests: the user's bucket (shared by all their keys) is empty, or this address sent too many requests without a valid key, or a webhook endpoint had its manual operations for the minute (`test`, `retry`, `recover`). Wait the `Retry-After` seconds; `X-RateLimit-*` on every response shows what is left of the user's bucket."
            }
            Self::InternalError => {
                "Something failed on our side; it was logged under the response's `X-Request-Id`. Retry later, and quote that id if it persists."
            }
            Self::ServiceUnavailable => {
                "The service could not reach its database in time, or (for a PDF) too many renders of the company's are waiting or none could start in time. Retry after the `Retry-After` seconds; nothing was changed."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_and_errors() {
        let codes: HashSet<&str> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), ErrorCode::ALL.len());
        for code in ErrorCode::ALL {
            assert!(code.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code:?}");
            assert!(code.status().is_client_error() || code.status().is_server_error(), "{code:?}");
        }
    }
}

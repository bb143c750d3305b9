//! The domain's one error type. Ports return it too, so adapters map their own failures once,
//! at their edge, and the HTTP layer maps this enum once to the public error body.

use thiserror::Error;

/// Why a presented API key was refused. Every variant is a 401 to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header, or `Bearer` with nothing after it.
    Missing,
    /// An `Authorization` header of another scheme than `Bearer` (`Basic`, say).
    WrongScheme,
    /// Not of the `cp_live_…` / `cp_test_…` form, or its checksum does not match.
    Malformed,
    /// Well formed, but no such key exists.
    Unknown,
    /// The key existed and was revoked.
    Revoked,
    /// The key was rolled and its grace period is over.
    Expired,
}

#[derive(Debug, Error)]
pub enum DomainError {
    #[error("authentication failed: {0:?}")]
    Unauthenticated(AuthFailure),

    #[error("the company's {plan} plan does not include API access")]
    PlanRequired { plan: String },

    /// Too many requests: the caller's bucket is empty until `status.retry_after`.
    #[error("rate limited")]
    RateLimited(crate::model::RateLimitStatus),

    /// The caller's role does not allow the action (a member publishing, say).
    #[error("a caller who is {role} may not {action}")]
    Forbidden { role: &'static str, action: &'static str },

    /// A documented cap reached (keys per user, plans per company): nothing was written.
    #[error("limit reached: {message}")]
    LimitReached { limit: u64, message: String },

    #[error("{entity} not found")]
    NotFound { entity: &'static str },

    #[error("invalid {field}: {message}")]
    Invalid { field: &'static str, message: String },

    #[error("conflict: {message}")]
    Conflict { message: String },

    /// A field inside a document (`projects[2].title`) that breaks a rule; `path` names it as
    /// the client wrote it.
    #[error("invalid {path}: {message}")]
    InvalidAt { path: String, message: String },

    /// A required field was not sent at all (as opposed to sent and invalid).
    #[error("missing field {field} in {context}")]
    MissingField { field: &'static str, context: &'static str },

    #[error("the same file was already uploaded for this site as {existing}")]
    DuplicateBill { existing: String },

    #[error("overlaps confirmed bill {existing}")]
    OverlappingBill { existing: String },

    /// A reporting period older than every shipped factor set: never calculated with another
    /// year's factors.
    #[error("no factor set for reporting period {period} (shipped: {available:?})")]
    FactorSetUnavailable { period: String, available: Vec<i32> },

    /// An activity type that the set of a period it falls in does not hold (refrigerants
    /// before 2022, say), in the record's unit: never calculated with another set's rows.
    #[error(
        "the {set_year} factor set used for {period} has no {activity_type} in {unit} (sets that have it: {available:?})"
    )]
    ActivityTypeUnavailable {
        activity_type: String,
        unit: &'static str,
        period: String,
        set_year: i32,
        available: Vec<i32>,
    },

    /// An import with bad rows: each named by its line, column and what is wrong; nothing was
    /// written.
    #[error("{} rows of the import are refused", rows.len())]
    ImportRefused { rows: Vec<crate::model::RowProblem>, total: usize },

    /// Another request holds this idempotency key and has not finished.
    #[error("a request with this idempotency key is in progress")]
    IdempotencyKeyInProgress,

    /// The key was used for a different request.
    #[error("the idempotency key was used for a different request")]
    IdempotencyKeyReused,

    #[error("more than {limit} bytes")]
    TooLarge { limit: u64 },

    #[error("unsupported file: {0}")]
    UnsupportedFile(String),

    /// A plan that may not be published yet: the sections it lacks and the checks it fails.
    #[error("the plan is incomplete: missing {missing_sections:?}")]
    PlanIncomplete { missing_sections: Vec<&'static str>, failed_checks: Vec<crate::crp::FailedCheck> },

    /// A dependency (the database) cannot be reached or timed out. The text is for logs only.
    #[error("dependency unavailable: {0}")]
    Unavailable(String),

    /// A bug or an unexpected state. The text is for logs only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }

    /// An [`Invalid`](Self::Invalid) error of a field checked on its own, moved to where the
    /// field sits in a document (`path`); other errors pass unchanged.
    pub fn at(self, path: impl Into<String>) -> Self {
        match self {
            Self::Invalid { message, .. } | Self::InvalidAt { message, .. } => {
                Self::InvalidAt { path: path.into(), message }
            }
            other => other,
        }
    }

    pub fn invalid_at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidAt { path: path.into(), message: message.into() }
    }

    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into() }
    }
}

//! What each domain error is to a client.

use std::borrow::Cow;

use carbonpass_domain::{AuthFailure, DomainError};

use super::{Public, capitalise};
use crate::error_code::ErrorCode;

/// What a domain error tells a client: its status, code, sentence and the field at fault.
pub(super) fn public(err: &DomainError) -> Public {
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
            Public::new(ErrorCode::RateLimited, format!("Too many requests. Retry after {wait} {unit}."))
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
        DomainError::LimitReached { message, .. } => Public::new(ErrorCode::LimitReached, capitalise(message)),
        DomainError::Forbidden { role, action } => Public::new(
            ErrorCode::Forbidden,
            format!(
                "This key's user is {} here and may not {action}; ask an owner of the company.",
                with_article(role)
            ),
        ),
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
        DomainError::ActivityTypeUnavailable { activity_type, unit, period, set_year, available } => {
            let years: Vec<String> = available.iter().map(ToString::to_string).collect();
            let sets = if years.is_empty() { "none".to_owned() } else { years.join(", ") };
            Public {
                param: Some(Cow::Borrowed("activityType")),
                ..Public::new(
                    ErrorCode::FactorSetUnavailable,
                    format!(
                        "The DESNZ {set_year} set, used for reporting period {period}, has no factor for {activity_type} \
                         in {unit}; the sets that have it are: {sets}. A period is never calculated with another \
                         year's factors."
                    ),
                )
            }
        }
        DomainError::ImportRefused { rows, total } => {
            let listed =
                if *total > rows.len() { format!(" (the first {} are listed)", rows.len()) } else { String::new() };
            let first =
                rows.first().map(|r| format!(" Line {}, {}: {}.", r.line, r.column, r.message)).unwrap_or_default();
            Public {
                rows: Some(
                    rows.iter()
                        .map(|r| super::RowProblemOut {
                            line: r.line,
                            column: r.column.clone(),
                            message: r.message.clone(),
                        })
                        .collect(),
                ),
                ..Public::new(
                    ErrorCode::BadRequest,
                    format!(
                        "{total} rows of the file are refused{listed}; nothing was recorded. `rows` names each one's line, column and reason.{first}"
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

/// "an owner", "a member": a role named in a sentence.
fn with_article(role: &str) -> String {
    let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {role}")
}

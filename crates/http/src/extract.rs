//! The `Authenticated` extractor: the way into every `/api/v1` handler. It reads the bearer token
//! and hands it to the domain's `authenticate`; handlers receive a valid principal or never run.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use actix_web::{FromRequest, HttpRequest, web};
use carbonpass_domain::model::Principal;
use carbonpass_domain::{AuthFailure, DomainError};
use chrono::Utc;

use crate::error::ApiError;
use crate::state::HttpState;

#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// The token of an `Authorization: Bearer <token>` header (scheme matched case-insensitively).
/// `Ok(None)` when there is no such header; `Err` when the header is not readable text.
fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, DomainError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| DomainError::Unauthenticated(AuthFailure::Malformed))?;
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return Ok(None);
    };
    Ok(scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<HttpState>>().cloned();
        let token = bearer_token(req.headers());
        Box::pin(async move {
            let state = state.ok_or_else(|| DomainError::Internal("HttpState is not registered".into()))?;
            let principal = state.services.authenticate(token?.as_deref(), Utc::now()).await?;
            Ok(Authenticated(principal))
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn headers(value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(AUTHORIZATION, HeaderValue::from_static(value));
        map
    }

    #[test]
    fn reads_bearer_tokens_in_any_scheme_case() {
        for value in ["Bearer abc", "bearer abc", "BEARER  abc "] {
            assert_eq!(bearer_token(&headers(value)).ok().flatten().as_deref(), Some("abc"), "{value}");
        }
    }

    #[test]
    fn other_schemes_count_as_no_token() {
        for value in ["Basic dXNlcjpwYXNz", "Bearer", "abc"] {
            assert_eq!(bearer_token(&headers(value)).ok().flatten(), None, "{value}");
        }
        assert_eq!(bearer_token(&HeaderMap::new()).ok().flatten(), None);
    }
}

/// A JSON request body that must be a JSON object, read into `T`. (`web::Json` alone would also
/// fill a struct from an array of its fields in order.) Content type, size limit and error
/// bodies are those of the app's `JsonConfig`.
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = web::Json::<Box<serde_json::value::RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let raw = raw.await?.into_inner();
            if !raw.get().trim_start().starts_with('{') {
                return Err(ApiError::bad_request("The body must be a JSON object.").into());
            }
            serde_json::from_str::<T>(raw.get())
                .map(JsonObject)
                .map_err(|e| ApiError::from(actix_web::error::JsonPayloadError::Deserialize(e)).into())
        })
    }
}

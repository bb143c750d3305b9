//! Extractors. `Authenticated` is the way into every `/api/v1` handler: the resource's gate (see
//! `middleware::authenticate`) has let the request in with [`admit`] before the handler's other
//! extractors run, and handlers receive the principal it kept, or never run.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use carbonpass_domain::model::{KeyHolder, Principal, Tenant};
use carbonpass_domain::services::access::Credentials;
use carbonpass_domain::{AuthFailure, DomainError};
use chrono::Utc;

use crate::error::ApiError;
use crate::state::HttpState;

#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl Authenticated {
    /// The data space the request acts on.
    pub fn tenant(&self) -> Tenant {
        self.0.tenant()
    }

    /// The caller as the holder of their own keys.
    pub fn key_holder(&self) -> KeyHolder {
        self.0.key_holder()
    }
}

/// The header a user who serves several companies (Partner plan) names one with.
pub const CARBONPASS_COMPANY: HeaderName = HeaderName::from_static("carbonpass-company");

/// A header that may be sent once: its value, if sent; sent twice, refused (which one is meant
/// is a guess, and proxies disagree).
fn once<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
    field: &'static str,
) -> Result<Option<&'a HeaderValue>, DomainError> {
    let mut values = headers.get_all(name);
    let value = values.next();
    if values.next().is_some() {
        return Err(DomainError::invalid(field, "must be sent once"));
    }
    Ok(value)
}

/// The `CarbonPass-Company` header's value, if sent. Refused: sent twice, or not readable text.
pub(crate) fn chosen_company(headers: &HeaderMap) -> Result<Option<String>, DomainError> {
    let Some(value) = once(headers, &CARBONPASS_COMPANY, "CarbonPass-Company")? else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| DomainError::invalid("CarbonPass-Company", "must be a company id"))?;
    Ok(Some(value.trim().to_owned()))
}

/// The token of an `Authorization: Bearer <token>` header (scheme matched case-insensitively).
/// `Ok(None)` when there is no such header. Refused: two `Authorization` headers (which one is
/// meant is a guess, and proxies disagree), a header that is not readable text, and any scheme
/// but Bearer (`Basic`, say: a client configured for another API).
fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, DomainError> {
    let Some(value) = once(headers, &AUTHORIZATION, "Authorization")? else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| DomainError::Unauthenticated(AuthFailure::Malformed))?.trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(DomainError::Unauthenticated(AuthFailure::WrongScheme));
    }
    let token = token.trim();
    Ok((!token.is_empty()).then(|| token.to_owned()))
}

/// Lets the request in or refuses it, once per request: the principal (and the caller's
/// bucket, for the `X-RateLimit-*` headers) are kept in the request's extensions. The
/// authentication gate calls it before any other extractor can run, so a request is counted
/// and refused for its key or company before its body is looked at.
/// Who a request without a valid key is counted as: the connection's own address (a
/// forwarded-for header is the client's to write), an IPv6 address by its /64 (one subscriber's
/// network: anyone holding one has all of it).
pub(crate) fn client_address(req: &HttpRequest) -> Option<String> {
    Some(match req.peer_addr()?.ip() {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    })
}

pub(crate) async fn admit(req: &HttpRequest) -> Result<Principal, ApiError> {
    if let Some(principal) = req.extensions().get::<Principal>() {
        return Ok(principal.clone());
    }
    let state = req
        .app_data::<web::Data<HttpState>>()
        .cloned()
        .ok_or_else(|| DomainError::Internal("HttpState is not registered".into()))?;
    let client = client_address(req);
    // A token that cannot even be read counts against the address like a wrong one.
    let token =
        bearer_token(req.headers()).map_err(|refusal| state.access.refuse_client(client.as_deref(), refusal))?;
    let credentials = Credentials { token: token.as_deref(), client: client.as_deref() };
    let admission = match state.access.authenticate(credentials, Utc::now()).await {
        Ok(admission) => admission,
        Err(DomainError::RateLimited(status)) => {
            req.extensions_mut().insert(status);
            return Err(DomainError::RateLimited(status).into());
        }
        Err(refusal) => return Err(refusal.into()),
    };
    // The bucket goes on the response from here on, whatever it turns out to be.
    if let Some(status) = admission.rate_limit {
        req.extensions_mut().insert(status);
    }
    let principal = match chosen_company(req.headers())? {
        None => admission.principal,
        Some(company) => state.access.act_for(&admission, &company).await?,
    };
    req.extensions_mut().insert(principal.clone());
    Ok(principal)
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { admit(&req).await.map(Authenticated) })
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
    fn an_empty_bearer_header_is_no_token() {
        assert!(matches!(bearer_token(&headers("Bearer")), Ok(None)));
        assert!(matches!(bearer_token(&headers("Bearer   ")), Ok(None)));
        assert!(matches!(bearer_token(&HeaderMap::new()), Ok(None)));
    }

    #[test]
    fn other_schemes_are_refused_as_such() {
        for value in ["Basic dXNlcjpwYXNz", "Token abc", "abc", "Digest username=\"x\""] {
            let refused = bearer_token(&headers(value));
            assert!(matches!(refused, Err(DomainError::Unauthenticated(AuthFailure::WrongScheme))), "{value}");
        }
    }

    #[test]
    fn two_authorization_headers_are_refused() {
        let mut map = headers("Bearer abc");
        map.append(AUTHORIZATION, HeaderValue::from_static("Bearer def"));
        assert!(matches!(bearer_token(&map), Err(DomainError::Invalid { field: "Authorization", .. })));
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
            let mut reader = serde_json::Deserializer::from_str(raw.get());
            serde_path_to_error::deserialize::<_, T>(&mut reader)
                .map(JsonObject)
                .map_err(|e| ApiError::misfit("The JSON body", e).into())
        })
    }
}

/// A query string read into `T`, like `web::Query`, but a value that does not fit is refused
/// with its parameter's name as `param` (`limit`), which `web::Query`'s errors do not carry.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(req.query_string().as_bytes()));
        std::future::ready(
            serde_path_to_error::deserialize::<_, T>(pairs)
                .map(QueryParams)
                .map_err(|e| ApiError::misfit("The query string", e).into()),
        )
    }
}

/// A [`JsonObject`] body that may be left out: `None` for a request without a body (no
/// `Content-Length`, or zero, and no `Transfer-Encoding`); a body that is sent must be a valid
/// JSON object, with the same rules and errors as [`JsonObject`].
#[derive(Debug)]
pub struct OptionalJsonObject<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for OptionalJsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
        let headers = req.headers();
        let empty = !headers.contains_key(TRANSFER_ENCODING)
            && headers
                .get(CONTENT_LENGTH)
                .is_none_or(|length| length.to_str().ok().and_then(|l| l.trim().parse::<u64>().ok()) == Some(0));
        if empty {
            return Box::pin(async { Ok(OptionalJsonObject(None)) });
        }
        let object = JsonObject::<T>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalJsonObject(Some(object.await?.0))) })
    }
}

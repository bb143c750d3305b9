//! `/api/v1/keys`: the caller lists, creates, rolls and revokes their own keys, in the data space
//! their key was issued for (a Partner acting on a client with `CarbonPass-Company` still manages
//! their own keys).

use actix_web::{HttpResponse, web};
use carbonpass_domain::model::{ApiKeyId, KeyQuery, UserId};
use chrono::Utc;

use crate::dto::keys::{CreateKeyIn, CreatedKeyOut, KeyOut, KeysQueryIn, RollKeyIn, RolledKeyOut};
use crate::dto::{Envelope, Page};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject, OptionalJsonObject, QueryParams};
use crate::state::HttpState;

#[utoipa::path(
    get,
    path = "/api/v1/keys",
    tag = "Keys",
    operation_id = "listKeys",
    summary = "Your API keys",
    description = "The caller's keys in the key's mode (live or test), newest first, a page at a time (pass a page's `nextCursor` as `cursor` for the next): name, mode, prefix, created, last used, revoked and, for a rolled key, when it expires; never their secrets. Keys are the user's own: `CarbonPass-Company` does not change which are listed. An owner may list another user's keys in the company with `userId` (403 for anyone else).",
    params(KeysQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "A page of keys.", body = Page<KeyOut>))
)]
pub(crate) async fn list(
    state: web::Data<HttpState>,
    caller: Authenticated,
    QueryParams(query): QueryParams<KeysQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let KeysQueryIn { limit, cursor, user_id } = query;
    let after = crate::dto::cursor(cursor, ApiKeyId::parse)?;
    let user = user_id
        .map(|id| UserId::parse(&id).ok_or(carbonpass_domain::DomainError::invalid("userId", "is not a user id")))
        .transpose()?;
    let page = KeyQuery { after, limit: limit.unwrap_or(20) };
    let (keys, more) = state.access.keys_of(&caller.key_holder(), user.as_ref(), page).await?;
    Ok(HttpResponse::Ok().json(Page::of(&keys, more, |k| k.id.to_string(), |k| KeyOut::from(k.clone()))))
}

#[utoipa::path(
    post,
    path = "/api/v1/keys",
    tag = "Keys",
    operation_id = "createKey",
    summary = "Create an API key",
    description = "A new key for the caller, of the calling key's mode. Its secret (`key`) is in this response only.",
    request_body = CreateKeyIn,
    security(("bearerAuth" = [])),
    responses((status = 201, description = "The new key, with its secret.", body = Envelope<CreatedKeyOut>,
        links(
            ("revokeKey" = (operation_id = "revokeKey", parameters(("id" = "$response.body#/data/id")))),
            ("rollKey" = (operation_id = "rollKey", parameters(("id" = "$response.body#/data/id"))))
        )))
)]
pub(crate) async fn create(
    state: web::Data<HttpState>,
    caller: Authenticated,
    body: JsonObject<CreateKeyIn>,
) -> Result<HttpResponse, ApiError> {
    let (record, key) = state.access.issue_key(&caller.key_holder(), &body.0.name).await?;
    Ok(HttpResponse::Created().json(Envelope::of(CreatedKeyOut::new(record, key))))
}

#[utoipa::path(
    delete,
    path = "/api/v1/keys/{id}",
    tag = "Keys",
    operation_id = "revokeKey",
    summary = "Revoke an API key",
    description = "Revokes one of the caller's keys at once, or (owners) a key of another user of the company; revoking a revoked key changes nothing.",
    params(("id" = String, Path, description = "The key's id (`key_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The revoked key.", body = Envelope<KeyOut>))
)]
pub(crate) async fn revoke(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = ApiKeyId::parse(&id).ok_or(carbonpass_domain::DomainError::not_found("API key"))?;
    let record = state.access.revoke_key(&caller.key_holder(), &id, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(KeyOut::from(record))))
}

#[utoipa::path(
    post,
    path = "/api/v1/keys/{id}/roll",
    tag = "Keys",
    operation_id = "rollKey",
    summary = "Roll an API key",
    description = "Replaces one of the caller's keys with a new one of the same name and mode, returned in `key` this once. \
        The old key keeps working for `gracePeriodHours` (default 24, at most 168; 0 ends it now), time to deploy the new one; \
        the listing shows until when (`expiresAt`). A key can be rolled once: roll its replacement next time. The body may be omitted. \
        A rolled key (in its grace period) creates, rolls and revokes no keys (409).",
    params(("id" = String, Path, description = "The key's id (`key_…`).")),
    request_body(content = RollKeyIn, description = "Optional."),
    security(("bearerAuth" = [])),
    responses((status = 201, description = "The new key, with its secret, and the old one with its expiry.", body = Envelope<RolledKeyOut>,
        links(("revokeKey" = (operation_id = "revokeKey", parameters(("id" = "$response.body#/data/id")))))))
)]
pub(crate) async fn roll(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: OptionalJsonObject<RollKeyIn>,
) -> Result<HttpResponse, ApiError> {
    let id = ApiKeyId::parse(&id).ok_or(carbonpass_domain::DomainError::not_found("API key"))?;
    let grace = body.0.unwrap_or_default().grace_period_hours;
    let (old, new, key) = state.access.roll_key(&caller.key_holder(), &id, grace, Utc::now()).await?;
    let rolled = RolledKeyOut { created: CreatedKeyOut::new(new, key), replaces: KeyOut::from(old) };
    Ok(HttpResponse::Created().json(Envelope::of(rolled)))
}

//! `/api/v1/keys`: the caller lists, creates and revokes their own keys.

use actix_web::{HttpResponse, web};
use carbonpass_domain::model::ApiKeyId;
use chrono::Utc;

use crate::dto::Envelope;
use crate::dto::keys::{CreateKeyIn, CreatedKeyOut, KeyOut};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject};
use crate::state::HttpState;

pub(crate) async fn list(state: web::Data<HttpState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let keys = state.services.keys_of(&caller.0).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(keys.into_iter().map(KeyOut::from).collect::<Vec<_>>())))
}

pub(crate) async fn create(
    state: web::Data<HttpState>,
    caller: Authenticated,
    body: JsonObject<CreateKeyIn>,
) -> Result<HttpResponse, ApiError> {
    let (record, key) = state.services.issue_key_as(&caller.0, &body.0.name).await?;
    Ok(HttpResponse::Created().json(Envelope::of(CreatedKeyOut::new(record, key))))
}

pub(crate) async fn revoke(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = ApiKeyId::parse(&id).ok_or(carbonpass_domain::DomainError::not_found("API key"))?;
    let record = state.services.revoke_key_as(&caller.0, &id, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(KeyOut::from(record))))
}

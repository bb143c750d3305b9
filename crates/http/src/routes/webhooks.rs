//! `/api/v1/webhook-endpoints` and `/api/v1/webhook-deliveries`: the caller's endpoints (in its
//! data space: a test key's are the sandbox's), their secrets, a test ping, and the delivery log
//! with its retries.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use carbonpass_domain::DomainError;
use carbonpass_domain::model::{DeliveryId, EndpointId};
use carbonpass_domain::services::webhooks::{ChangeEndpoint, CreateEndpoint};
use carbonpass_domain::webhooks::model::{Creator, DeliveryQuery};
use chrono::Utc;

use crate::dto::webhooks::{
    CreateEndpointIn, DeliveriesQueryIn, DeliveryOut, EndpointOut, EndpointWithSecretOut, RecoverIn, RecoveredOut,
    UpdateEndpointIn,
};
use crate::dto::{self, Envelope, Page};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject, QueryParams};
use crate::state::HttpState;

fn endpoint_id(raw: &str) -> Result<EndpointId, DomainError> {
    EndpointId::parse(raw).ok_or(DomainError::not_found("webhook endpoint"))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhook-endpoints",
    tag = "Webhooks",
    operation_id = "createWebhookEndpoint",
    summary = "Add a webhook endpoint",
    description = "Events of the caller's data space (live, or the sandbox for a test key) that the endpoint subscribes to are POSTed to its URL, signed with its secret, which this response shows once. The endpoint records who made it (`createdBy`: the user and the key). The URL must be `https` and its host must resolve to public addresses only (private, loopback, link-local, shared and metadata addresses are refused, and checked again at every delivery). At most 20 endpoints per data space.",
    request_body(content = CreateEndpointIn, example = json!({
        "url": "https://hooks.example.com/carbonpass",
        "events": ["bill.confirmed", "crp.generated"],
        "description": "Accounts system"
    })),
    security(("bearerAuth" = [])),
    responses((status = 201, description = "The endpoint, with its secret shown this once.", body = Envelope<EndpointWithSecretOut>,
        headers(("Location" = String, description = "The endpoint's URL.")),
        links(
            ("getWebhookEndpoint" = (operation_id = "getWebhookEndpoint", parameters(("id" = "$response.body#/data/id")))),
            ("testWebhookEndpoint" = (operation_id = "testWebhookEndpoint", parameters(("id" = "$response.body#/data/id"))))
        )))
)]
pub(crate) async fn create(
    state: web::Data<HttpState>,
    caller: Authenticated,
    body: JsonObject<CreateEndpointIn>,
) -> Result<HttpResponse, ApiError> {
    let CreateEndpointIn { url, events, description } = body.0;
    let request = CreateEndpoint { url, events, description };
    let by = Creator { user: Some(caller.0.user_id.clone()), key: Some(caller.0.key_id.clone()) };
    let created = state.webhooks.create_endpoint(&caller.tenant(), by, request, Utc::now()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/webhook-endpoints/{}", created.endpoint.id)))
        .json(Envelope::of(EndpointWithSecretOut::from(&created))))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhook-endpoints",
    tag = "Webhooks",
    operation_id = "listWebhookEndpoints",
    summary = "Your webhook endpoints",
    description = "The endpoints of the caller's data space, oldest first (at most 20 in all), a page at a time like every list: pass a page's `nextCursor` as `cursor` for the next. Secrets are never shown here.",
    params(dto::PageQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "A page of endpoints.", body = Page<EndpointOut>))
)]
pub(crate) async fn list(
    state: web::Data<HttpState>,
    caller: Authenticated,
    QueryParams(query): QueryParams<dto::PageQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page(EndpointId::parse)?;
    let (endpoints, more) = state.webhooks.endpoints_page(&caller.tenant(), page).await?;
    Ok(HttpResponse::Ok().json(Page::of(&endpoints, more, |e| e.id.to_string(), EndpointOut::from)))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhook-endpoints/{id}",
    tag = "Webhooks",
    operation_id = "getWebhookEndpoint",
    summary = "A webhook endpoint",
    params(("id" = String, Path, description = "The endpoint's id (`ep_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The endpoint.", body = Envelope<EndpointOut>))
)]
pub(crate) async fn show(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = state.webhooks.endpoint(&caller.tenant(), &endpoint_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(EndpointOut::from(&endpoint))))
}

#[utoipa::path(
    patch,
    path = "/api/v1/webhook-endpoints/{id}",
    tag = "Webhooks",
    operation_id = "updateWebhookEndpoint",
    summary = "Change a webhook endpoint",
    description = "Changes the URL (checked as at creation), the events, the description, or whether it is enabled; what is not sent stays. Disabling fails its pending deliveries; enabling clears the reason the service disabled it. `POST …/recover` sends failed events again.",
    params(("id" = String, Path, description = "The endpoint's id (`ep_…`).")),
    request_body(content = UpdateEndpointIn, example = json!({"enabled": true})),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The endpoint as changed.", body = Envelope<EndpointOut>))
)]
pub(crate) async fn update(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<UpdateEndpointIn>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&id)?;
    let UpdateEndpointIn { url, events, description, enabled } = body.0;
    let change = ChangeEndpoint { url, events, description, enabled };
    let endpoint = state.webhooks.change_endpoint(&caller.tenant(), &id, change, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(EndpointOut::from(&endpoint))))
}

#[utoipa::path(
    delete,
    path = "/api/v1/webhook-endpoints/{id}",
    tag = "Webhooks",
    operation_id = "deleteWebhookEndpoint",
    summary = "Delete a webhook endpoint",
    description = "Deletes the endpoint with its delivery log; nothing more is sent to it.",
    params(("id" = String, Path, description = "The endpoint's id (`ep_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 204, description = "Deleted."))
)]
pub(crate) async fn delete(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.webhooks.delete_endpoint(&caller.tenant(), &endpoint_id(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post,
    path = "/api/v1/webhook-endpoints/{id}/rotate-secret",
    tag = "Webhooks",
    operation_id = "rotateWebhookSecret",
    summary = "Rotate an endpoint's secret",
    description = "Mints a new secret, shown this once. For 24 hours the old secret signs too: `webhook-signature` carries one signature per secret (newest first) and `X-CarbonPass-Signature` uses the new one, so receivers can switch without losing an event. One rotation at a time: a rotation within a minute of the last is refused with 409 `conflict` (rotations at once give one 200); a later one replaces the secret before the old one at once.",
    params(("id" = String, Path, description = "The endpoint's id (`ep_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The endpoint with its new secret.", body = Envelope<EndpointWithSecretOut>))
)]
pub(crate) async fn rotate_secret(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rotated = state.webhooks.rotate_endpoint_secret(&caller.tenant(), &endpoint_id(&id)?, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(EndpointWithSecretOut::from(&rotated))))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhook-endpoints/{id}/test",
    tag = "Webhooks",
    operation_id = "testWebhookEndpoint",
    summary = "Send a test ping",
    description = "Sends a signed `ping` event to this endpoint alone, whatever it subscribes to, on the usual schedule. Its delivery appears in the endpoint's delivery log. 409 if the endpoint is disabled. Manual operations (`test`, `retry`, `recover`) are limited per endpoint (6 a minute by default, counted together): past it, 429 `rate_limited` with `Retry-After`.",
    params(("id" = String, Path, description = "The endpoint's id (`ep_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 202, description = "The ping's delivery, on its way.", body = Envelope<DeliveryOut>))
)]
pub(crate) async fn test(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let delivery = state.webhooks.ping_endpoint(&caller.tenant(), &endpoint_id(&id)?, Utc::now()).await?;
    Ok(HttpResponse::Accepted().json(Envelope::of(DeliveryOut::from(&delivery))))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhook-endpoints/{id}/deliveries",
    tag = "Webhooks",
    operation_id = "listWebhookDeliveries",
    summary = "An endpoint's delivery log",
    description = "Deliveries newest first, each with its latest attempts (status code, latency, error, the start of the answer) and, while pending, when the next attempt is due. A page at a time: pass `nextCursor` as `cursor`.",
    params(("id" = String, Path, description = "The endpoint's id (`ep_…`)."), DeliveriesQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "A page of deliveries.", body = Page<DeliveryOut>))
)]
pub(crate) async fn deliveries(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    QueryParams(query): QueryParams<DeliveriesQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let DeliveriesQueryIn { limit, cursor } = query;
    let after = dto::cursor(cursor, DeliveryId::parse)?;
    let id = endpoint_id(&id)?;
    let query = DeliveryQuery { after, limit: limit.unwrap_or(20) };
    let (page, more) = state.webhooks.deliveries(&caller.tenant(), &id, query).await?;
    Ok(HttpResponse::Ok().json(Page::of(&page, more, |d| d.id.to_string(), DeliveryOut::from)))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhook-endpoints/{id}/recover",
    tag = "Webhooks",
    operation_id = "recoverWebhookDeliveries",
    summary = "Send failed events again",
    description = "Puts every failed delivery of the endpoint whose event happened at or after `since` back on its way, each with a fresh schedule. 409 if the endpoint is disabled (enable it first). Counted against the endpoint's manual operations (429 `rate_limited` with `Retry-After` past them).",
    params(("id" = String, Path, description = "The endpoint's id (`ep_…`).")),
    request_body(content = RecoverIn, example = json!({"since": "2026-11-28T00:00:00Z"})),
    security(("bearerAuth" = [])),
    responses((status = 202, description = "How many deliveries were put back.", body = Envelope<RecoveredOut>))
)]
pub(crate) async fn recover(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<RecoverIn>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&id)?;
    let since = carbonpass_domain::webhooks::endpoint::since(&body.0.since)?;
    let recovered = state.webhooks.recover_failed(&caller.tenant(), &id, since, Utc::now()).await?;
    Ok(HttpResponse::Accepted().json(Envelope::of(RecoveredOut { recovered })))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhook-deliveries/{id}/retry",
    tag = "Webhooks",
    operation_id = "retryWebhookDelivery",
    summary = "Send one delivery again",
    description = "Puts one delivery (failed, pending or even delivered) back on its way now, with a fresh schedule; the event keeps its id. 409 if its endpoint is disabled or an attempt is in progress. Counted against the endpoint's manual operations (429 `rate_limited` with `Retry-After` past them).",
    params(("id" = String, Path, description = "The delivery's id (`dlv_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 202, description = "The delivery, on its way.", body = Envelope<DeliveryOut>))
)]
pub(crate) async fn retry(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = DeliveryId::parse(&id).ok_or(DomainError::not_found("webhook delivery"))?;
    let delivery = state.webhooks.retry_delivery(&caller.tenant(), &id, Utc::now()).await?;
    Ok(HttpResponse::Accepted().json(Envelope::of(DeliveryOut::from(&delivery))))
}

//! `/api/v1/webhook-endpoints` and `/api/v1/webhook-deliveries`: endpoints (their secret only
//! when it is minted), deliveries with their attempts, and what managing them accepts.

use carbonpass_domain::webhooks::model::{AttemptRecord, Delivery, EndpointWithSecret, WebhookEndpoint};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::schema;
use super::time::rfc3339;

/// `POST /api/v1/webhook-endpoints`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CreateWebhookEndpointRequest)]
pub(crate) struct CreateEndpointIn {
    /// Where events are POSTed: an `https` URL whose host resolves to public addresses only.
    #[schema(max_length = 2048, example = "https://hooks.example.com/carbonpass")]
    pub url: String,
    #[schema(schema_with = schema::subscribable_events)]
    pub events: Vec<String>,
    /// What the endpoint is for: plain text, at most 200 characters.
    #[schema(max_length = 200, example = "Accounts system")]
    pub description: Option<String>,
}

/// `PATCH /api/v1/webhook-endpoints/{id}`: only what is sent changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UpdateWebhookEndpointRequest)]
pub(crate) struct UpdateEndpointIn {
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    #[schema(schema_with = schema::subscribable_events)]
    pub events: Option<Vec<String>>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// `false` stops deliveries (pending ones fail); `true` starts them again and clears why
    /// the service disabled it.
    pub enabled: Option<bool>,
}

/// `POST /api/v1/webhook-endpoints/{id}/recover`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = RecoverWebhookDeliveriesRequest)]
pub(crate) struct RecoverIn {
    /// Every failed delivery of an event at or after this time (RFC 3339) is sent again.
    #[schema(format = DateTime, example = "2026-11-28T00:00:00Z")]
    pub since: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveriesQueryIn {
    /// Deliveries per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = "^dlv_[0-9A-Za-z]{1,64}$")]
    pub cursor: Option<String>,
}

/// A webhook endpoint. Its secret is never shown again after it is minted.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookEndpoint)]
pub(crate) struct EndpointOut {
    pub id: String,
    pub url: String,
    pub description: String,
    #[schema(schema_with = schema::subscribable_events)]
    pub events: Vec<&'static str>,
    pub enabled: bool,
    /// Why the service disabled it (410 Gone, or failing for 5 days); `null` otherwise.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; `null` once one succeeds.
    #[schema(format = DateTime)]
    pub failing_since: Option<String>,
    /// Who made it.
    pub created_by: CreatedByOut,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Who made an endpoint: the user, and the API key they made it with. `keyId` is `null` for an
/// endpoint an operator made on the command line; both are `null` for endpoints made before
/// this was recorded.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookEndpointCreator)]
pub(crate) struct CreatedByOut {
    #[schema(example = "usr_3Fq8LmN2pR7sT1vW")]
    pub user_id: Option<String>,
    #[schema(example = "key_8Hj2kL5mN9pQ3rS6")]
    pub key_id: Option<String>,
}

impl From<&WebhookEndpoint> for EndpointOut {
    fn from(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id.to_string(),
            url: e.url.clone(),
            description: e.description.clone(),
            events: e.events.iter().map(|e| e.as_str()).collect(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            failing_since: e.failing_since.map(rfc3339),
            created_by: CreatedByOut {
                user_id: e.created_by.user.as_ref().map(ToString::to_string),
                key_id: e.created_by.key.as_ref().map(ToString::to_string),
            },
            created_at: rfc3339(e.created_at),
            updated_at: rfc3339(e.updated_at),
        }
    }
}

/// An endpoint with its new secret: the only responses that hold it (creation, rotation).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookEndpointWithSecret)]
pub(crate) struct EndpointWithSecretOut {
    #[serde(flatten)]
    pub endpoint: EndpointOut,
    /// `whsec_` and the base64 of 32 random bytes, shown this once. `X-CarbonPass-Signature` is
    /// keyed with this whole string; Standard Webhooks verifiers take it as it is.
    #[schema(pattern = "^whsec_[A-Za-z0-9+/]{43}=$")]
    pub secret: String,
}

impl From<&EndpointWithSecret> for EndpointWithSecretOut {
    fn from(e: &EndpointWithSecret) -> Self {
        Self { endpoint: EndpointOut::from(&e.endpoint), secret: e.secret.clone() }
    }
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookAttempt)]
pub(crate) struct AttemptOut {
    #[schema(format = DateTime)]
    pub attempted_at: String,
    /// The receiver's status; `null` when it did not answer.
    pub status_code: Option<u16>,
    pub latency_ms: u32,
    /// Why there was no answer (timeout, refused address, connection failure).
    pub error: Option<String>,
    /// The start of the receiver's answer, at most 1 KiB.
    pub response_excerpt: String,
}

impl From<&AttemptRecord> for AttemptOut {
    fn from(a: &AttemptRecord) -> Self {
        Self {
            attempted_at: rfc3339(a.at),
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
            response_excerpt: a.excerpt.clone(),
        }
    }
}

/// One event on its way to one endpoint, with its latest attempts (at most 20, newest first).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookDelivery)]
pub(crate) struct DeliveryOut {
    pub id: String,
    pub endpoint_id: String,
    /// The event's id: `webhook-id` and the body's `id`, the same on every attempt.
    pub event_id: String,
    #[schema(schema_with = schema::event_type)]
    pub event: String,
    #[schema(schema_with = schema::delivery_status)]
    pub status: &'static str,
    /// When the next attempt is due, while `pending`.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub attempts: Vec<AttemptOut>,
}

impl From<&Delivery> for DeliveryOut {
    fn from(d: &Delivery) -> Self {
        Self {
            id: d.id.to_string(),
            endpoint_id: d.endpoint_id.to_string(),
            event_id: d.event_id.to_string(),
            event: d.event_type.clone(),
            status: d.status.as_str(),
            next_attempt_at: d.next_attempt_at.map(rfc3339),
            created_at: rfc3339(d.created_at),
            attempts: d.attempts.iter().map(AttemptOut::from).collect(),
        }
    }
}

/// How many failed deliveries were put back on their way.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RecoveredWebhookDeliveries)]
pub(crate) struct RecoveredOut {
    pub recovered: u64,
}

/// An endpoint as the API shows it, for the CLI; with its secret when one was just minted.
pub fn endpoint_to_json(endpoint: &WebhookEndpoint, secret: Option<&str>) -> String {
    let out = EndpointOut::from(endpoint);
    // Serialising strings, booleans and lists of them cannot fail.
    match secret {
        Some(secret) => {
            serde_json::to_string_pretty(&EndpointWithSecretOut { endpoint: out, secret: secret.to_owned() })
        }
        None => serde_json::to_string_pretty(&out),
    }
    .unwrap_or_default()
}

/// A delivery as the API shows it, for the CLI.
pub fn delivery_to_json(delivery: &Delivery) -> String {
    serde_json::to_string_pretty(&DeliveryOut::from(delivery)).unwrap_or_default()
}

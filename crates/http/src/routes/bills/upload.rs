//! `POST /api/v1/bills`: a multipart upload (`file`, `type`, `siteId`), safe to retry with an
//! `Idempotency-Key`. The file streams through the domain's checks into the blob store; memory
//! holds one chunk at a time.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::Arc;

use carbonpass_domain::DomainError;
use carbonpass_domain::model::{Bill, IdempotencyKey};
use carbonpass_domain::services::bills::{UploadFailure, UploadReply, UploadResponses};
use chrono::Utc;

use crate::dto::Envelope;
use crate::dto::bills::{BillOut, BillUploadForm};
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::state::HttpState;

use super::multipart::{BoundedBody, MULTIPART_ALLOWANCE, declared_length, receive};

#[utoipa::path(
    post,
    path = "/api/v1/bills",
    tag = "Bills",
    operation_id = "uploadBill",
    summary = "Upload a bill",
    description = "Stores a bill's file (PDF, PNG, JPEG or CSV, recognised by its bytes; at most 20 MiB by default) for a site, in the site's in-progress session (one is opened if none is). It counts in the emissions once confirmed. Send `Idempotency-Key` to make a retry safe: the same key with the same request within 24 h answers with the first response again, marked `Idempotent-Replayed: true`.",
    params(("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters, unique per request you mean to make once (a UUID, say).", pattern = "^[!-~]{1,255}$")),
    request_body(content = BillUploadForm, content_type = "multipart/form-data", description = "The file and what it is: `curl -F \"file=@invoice-mar-2026.pdf\" -F \"type=electricity\" -F \"siteId=site_3rZ1\"`."),
    security(("bearerAuth" = [])),
    responses((status = 201, description = "The bill, stored and `uploaded`.", body = Envelope<BillOut>,
        headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored first response to a retried `Idempotency-Key`.")),
        links(
            ("getBill" = (operation_id = "getBill", parameters(("id" = "$response.body#/data/id")))),
            ("getBillFile" = (operation_id = "getBillFile", parameters(("id" = "$response.body#/data/id")))),
            ("confirmBill" = (operation_id = "confirmBill", parameters(("id" = "$response.body#/data/id")))),
            ("rejectBill" = (operation_id = "rejectBill", parameters(("id" = "$response.body#/data/id")))),
            ("completeSession" = (operation_id = "completeSession", parameters(("id" = "$response.body#/data/sessionId"))))
        ),
        example = json!({
            "data": {
                "id": "bill_9vW4kLpR", "status": "uploaded", "type": "electricity", "sessionId": "sess_aB12",
                "siteId": "site_3rZ1", "createdAt": "2026-04-06T14:30:00Z"
            }
        })))
)]
pub(crate) async fn upload(
    state: web::Data<HttpState>,
    caller: Authenticated,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let limit = state.max_upload_bytes.saturating_add(MULTIPART_ALLOWANCE);
    if declared_length(&req).is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) });
    }
    let mut multipart = Multipart::new(req.headers(), BoundedBody::new(body, limit));
    let receive = receive(&state, &mut multipart);
    let reply = state.bills.upload_bill(&caller.tenant(), key, receive, Arc::new(WireUpload), Utc::now()).await;
    match reply {
        Ok(UploadReply::Created(bill)) => {
            let (status, body) = WireUpload.created(&bill);
            Ok(json_response(status, body))
        }
        Ok(UploadReply::Replayed(first)) => {
            let mut replay = json_response(first.status, first.body);
            replay.headers_mut().insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            Ok(replay)
        }
        Err(UploadFailure::Body(err)) => Err(err),
        Err(UploadFailure::Refused(err)) => Err(err.into()),
    }
}

/// The upload's answers on the wire: the seed's 201 body, and the error body.
struct WireUpload;

impl UploadResponses for WireUpload {
    fn created(&self, bill: &Bill) -> (u16, String) {
        // Serialising plain strings cannot fail.
        let body = serde_json::to_string(&Envelope::of(BillOut::from(bill))).unwrap_or_default();
        (StatusCode::CREATED.as_u16(), body)
    }

    fn refused(&self, error: &DomainError) -> (u16, String) {
        crate::error::stored(error)
    }
}

pub(crate) const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let mut values = req.headers().get_all("idempotency-key");
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(DomainError::invalid("Idempotency-Key", "must be sent once").into());
    }
    let text = value.to_str().map_err(|_| DomainError::invalid("Idempotency-Key", "must be visible ASCII"))?;
    Ok(Some(IdempotencyKey::parse(text)?))
}

pub(crate) fn json_response(status: u16, body: String) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    HttpResponse::build(status).content_type("application/json").body(body)
}

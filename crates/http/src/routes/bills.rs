//! `POST /api/v1/bills`: a multipart upload (`file`, `type`, `siteId`). The file streams
//! through the domain's checks into the blob store; memory holds one chunk at a time.

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::Arc;

use carbonpass_domain::DomainError;
use carbonpass_domain::model::{Bill, BillCorrection, BillId, BillQuery, BillStatus, ConfirmBill, IdempotencyKey};
use carbonpass_domain::services::bills::{
    ReceivedUpload, UploadFailure, UploadForm, UploadReply, UploadResponses, UploadedFile,
};
use chrono::Utc;
use futures_util::StreamExt;

use crate::dto::bills::{BillDetailOut, BillOut, BillUploadForm, BillsQueryIn, ConfirmIn, CorrectIn, download_name};
use crate::dto::{self, Envelope, Page};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject, QueryParams};
use crate::state::HttpState;

/// Longest text field (`type`, `siteId`) read.
const TEXT_FIELD_LIMIT: usize = 1024;

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

const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

fn idempotency_key(req: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let mut values = req.headers().get_all("idempotency-key");
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(DomainError::invalid("Idempotency-Key", "must be sent once").into());
    }
    let text = value.to_str().map_err(|_| DomainError::invalid("Idempotency-Key", "must be visible ASCII"))?;
    Ok(Some(IdempotencyKey::parse(text)?))
}

fn json_response(status: u16, body: String) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    HttpResponse::build(status).content_type("application/json").body(body)
}

/// Reads the whole multipart body; on failure nothing it stored is kept.
async fn receive(state: &HttpState, multipart: &mut Multipart) -> Result<ReceivedUpload, ApiError> {
    let mut form = UploadForm::default();
    let mut file = None;
    if let Err(err) = read_parts(state, multipart, &mut form, &mut file).await {
        if let Some(file) = &file {
            state.bills.discard_file(file).await;
        }
        return Err(err);
    }
    Ok(ReceivedUpload { form, file })
}

async fn read_parts(
    state: &HttpState,
    multipart: &mut Multipart,
    form: &mut UploadForm,
    file: &mut Option<UploadedFile>,
) -> Result<(), ApiError> {
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(|e| multipart_error(e, state))?;
        let name = part.name().unwrap_or_default().to_owned();
        let repeated = || ApiError::bad_request(format!("Send the \"{name}\" field once."));
        match name.as_str() {
            "file" if file.is_some() => return Err(repeated()),
            "file" => {
                let mut upload = state.bills.begin_file_upload(state.max_upload_bytes).await?;
                while let Some(chunk) = part.next().await {
                    let written = match chunk {
                        Ok(chunk) => upload.write(&chunk).await.map_err(ApiError::from),
                        Err(err) => Err(multipart_error(err, state)),
                    };
                    if let Err(err) = written {
                        upload.abort().await;
                        return Err(err);
                    }
                }
                *file = Some(upload.finish().await?);
            }
            "type" if form.bill_type.is_some() => return Err(repeated()),
            "type" => form.bill_type = Some(text(&mut part, "type", state).await?),
            "siteId" if form.site_id.is_some() => return Err(repeated()),
            "siteId" => form.site_id = Some(text(&mut part, "siteId", state).await?),
            // A misspelt field ("site_id", "bill") would otherwise be silently dropped.
            other => {
                return Err(ApiError::bad_request(format!(
                    "Unknown field \"{}\": send only file, type and siteId.",
                    shown(other)
                )));
            }
        }
    }
    Ok(())
}

/// A client's field name, fit to quote back: visible characters only, and not too many.
fn shown(name: &str) -> String {
    let visible: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    if visible.chars().count() < name.chars().count() { format!("{visible}…") } else { visible }
}

/// A small text part, as UTF-8.
async fn text(part: &mut actix_multipart::Field, name: &str, state: &HttpState) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.next().await {
        bytes.extend_from_slice(&chunk.map_err(|e| multipart_error(e, state))?);
        if bytes.len() > TEXT_FIELD_LIMIT {
            return Err(ApiError::bad_request(format!(
                "The \"{name}\" field is longer than {TEXT_FIELD_LIMIT} bytes."
            )));
        }
    }
    String::from_utf8(bytes).map_err(|_| ApiError::bad_request(format!("The \"{name}\" field is not UTF-8 text.")))
}

fn multipart_error(err: MultipartError, state: &HttpState) -> ApiError {
    match err {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => ApiError::UnsupportedMediaType(
            "Send the bill as multipart/form-data with the fields file, type and siteId.".into(),
        ),
        MultipartError::Payload(err) => {
            ApiError::from_payload(err, state.max_upload_bytes.saturating_add(MULTIPART_ALLOWANCE))
        }
        MultipartError::ContentDispositionMissing | MultipartError::ContentDispositionNameMissing => {
            ApiError::bad_request("Each part of the multipart body needs a Content-Disposition with a name.")
        }
        MultipartError::Nested => ApiError::bad_request("Nested multipart bodies are not accepted."),
        MultipartError::Incomplete => ApiError::bad_request("The multipart body ended before its closing boundary."),
        _ => ApiError::bad_request("The multipart body could not be parsed."),
    }
}

/// Room in a multipart body for its boundaries, part headers and the small text fields, on top
/// of the file itself.
const MULTIPART_ALLOWANCE: u64 = 64 * 1024;

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers().get(actix_web::http::header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// The request body, cut off with an overflow error past `limit` bytes: a multipart body of
/// many parts, or with a chunked length, is bounded as a whole, not only its file.
struct BoundedBody {
    inner: web::Payload,
    seen: u64,
    limit: u64,
}

impl BoundedBody {
    fn new(inner: web::Payload, limit: u64) -> Self {
        Self { inner, seen: 0, limit }
    }
}

impl futures_util::Stream for BoundedBody {
    type Item = Result<web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        match std::pin::Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.seen = self.seen.saturating_add(chunk.len() as u64);
                if self.seen > self.limit {
                    return Poll::Ready(Some(Err(actix_web::error::PayloadError::Overflow)));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

/// `GET /api/v1/bills/{id}`: the bill, with its calculation once confirmed.
#[utoipa::path(
    get,
    path = "/api/v1/bills/{id}",
    tag = "Bills",
    operation_id = "getBill",
    summary = "A bill",
    description = "A bill with its file's details and, once confirmed, its activity and the calculation behind its figures.",
    params(("id" = String, Path, description = "The bill's id (`bill_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The bill.", body = Envelope<BillDetailOut>))
)]
pub(crate) async fn show(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = BillId::parse(&id).ok_or(DomainError::not_found("bill"))?;
    let bill = state.bills.bill(&caller.tenant(), &id).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(BillDetailOut::from(&bill))))
}

/// `POST /api/v1/bills/{id}/confirm`: activity data in, calculation out.
#[utoipa::path(
    post,
    path = "/api/v1/bills/{id}/confirm",
    tag = "Bills",
    operation_id = "confirmBill",
    summary = "Confirm a bill",
    description = "Records what an `uploaded` bill says (quantity, unit, period and optional details) and calculates its emissions with the DESNZ factors of each reporting period it spans. From then on it counts in every total.",
    params(("id" = String, Path, description = "The bill's id (`bill_…`).")),
    request_body(content = ConfirmIn, example = json!({"consumption": "1200", "unit": "kWh", "periodStart": "2026-03-01", "periodEnd": "2026-03-31"})),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The confirmed bill with its calculation.", body = Envelope<BillDetailOut>,
        links(("voidBill" = (operation_id = "voidBill", parameters(("id" = "$response.body#/data/id")))))))
)]
pub(crate) async fn confirm(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<ConfirmIn>,
) -> Result<HttpResponse, ApiError> {
    let id = BillId::parse(&id).ok_or(DomainError::not_found("bill"))?;
    let request = ConfirmBill::try_from(body.0)?;
    let bill = state.bills.confirm_bill(&caller.tenant(), &id, request, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(BillDetailOut::from(&bill))))
}

/// `POST /api/v1/bills/{id}/reject`: an uploaded bill that should never count (`reason` required).
#[utoipa::path(
    post,
    path = "/api/v1/bills/{id}/reject",
    tag = "Bills",
    operation_id = "rejectBill",
    summary = "Reject a bill",
    description = "Marks an `uploaded` bill as never to count (the file may then be uploaded again). From any other status, 409.",
    params(("id" = String, Path, description = "The bill's id (`bill_…`).")),
    request_body = CorrectIn,
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The rejected bill.", body = Envelope<BillDetailOut>))
)]
pub(crate) async fn reject(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<CorrectIn>,
) -> Result<HttpResponse, ApiError> {
    correct(state, caller, id, body, BillCorrection::Reject).await
}

/// `POST /api/v1/bills/{id}/void`: a confirmed bill taken out of every total (`reason` required).
#[utoipa::path(
    post,
    path = "/api/v1/bills/{id}/void",
    tag = "Bills",
    operation_id = "voidBill",
    summary = "Void a bill",
    description = "Takes a `confirmed` bill out of every total; it stays readable with its calculation and the reason. From any other status, 409.",
    params(("id" = String, Path, description = "The bill's id (`bill_…`).")),
    request_body = CorrectIn,
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The voided bill.", body = Envelope<BillDetailOut>))
)]
pub(crate) async fn void(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<CorrectIn>,
) -> Result<HttpResponse, ApiError> {
    correct(state, caller, id, body, BillCorrection::Void).await
}

async fn correct(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<CorrectIn>,
    action: BillCorrection,
) -> Result<HttpResponse, ApiError> {
    let id = BillId::parse(&id).ok_or(DomainError::not_found("bill"))?;
    let bill = state.bills.correct_bill(&caller.tenant(), &id, action, body.0.reason()?, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(Envelope::of(BillDetailOut::from(&bill))))
}

/// `GET /api/v1/bills?status=&siteId=&limit=&cursor=`: the caller's bills, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/bills",
    tag = "Bills",
    operation_id = "listBills",
    summary = "Your bills",
    description = "Bills newest first, a page at a time: pass a page's `nextCursor` as `cursor` for the next; it is `null` on the last page.",
    params(BillsQueryIn),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "A page of bills.", body = Page<BillOut>))
)]
pub(crate) async fn list(
    state: web::Data<HttpState>,
    caller: Authenticated,
    QueryParams(query): QueryParams<BillsQueryIn>,
) -> Result<HttpResponse, ApiError> {
    let BillsQueryIn { status, site_id, limit, cursor } = query;
    let status = status.map(|s| s.parse::<BillStatus>()).transpose()?;
    let site = match site_id {
        Some(raw) => {
            let overview = state.tenants.company_overview(&caller.tenant()).await?;
            let site = overview.sites.iter().find(|s| s.id.as_str() == raw).ok_or(DomainError::not_found("site"))?;
            Some(site.id.clone())
        }
        None => None,
    };
    let after = dto::cursor(cursor, BillId::parse)?;
    let query = BillQuery { status, site, after, limit: limit.unwrap_or(20) };
    let (bills, more) = state.bills.bills(&caller.tenant(), query).await?;
    Ok(HttpResponse::Ok().json(Page::of(&bills, more, |b| b.id.to_string(), BillOut::from)))
}

/// `GET /api/v1/bills/{id}/file`: the original bytes, streamed, with their content type.
#[utoipa::path(
    get,
    path = "/api/v1/bills/{id}/file",
    tag = "Bills",
    operation_id = "getBillFile",
    summary = "A bill's file",
    description = "The bytes as uploaded, with the content type they were recognised as, as an attachment named after the bill.",
    params(("id" = String, Path, description = "The bill's id (`bill_…`).")),
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The file.", content(
        ("application/pdf"), ("image/png"), ("image/jpeg"), ("text/csv")
    ), headers(("Content-Disposition" = String, description = "`attachment; filename=\"bill_….pdf\"`"))))
)]
pub(crate) async fn file(
    state: web::Data<HttpState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = BillId::parse(&id).ok_or(DomainError::not_found("bill"))?;
    let (bill, reader) = state.bills.bill_file(&caller.tenant(), &id).await?;
    let chunks = futures_util::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match reader.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok(web::Bytes::from(chunk)), Some(reader))),
            Ok(None) => None,
            // The headers are gone: the error can only end the stream, which breaks the
            // connection short of its Content-Length, so the client knows. Logged here, since no
            // error response will be.
            Err(err) => {
                tracing::error!(cause = %err, "a file download failed part-way");
                Some((Err(ApiError::from(err)), None))
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type(bill.file.content_type.as_str())
        // Served as what it was sniffed to be, never as what a browser guesses (a CSV that a
        // browser took for HTML would run its scripts on our origin).
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(download_name(&bill))],
        })
        .no_chunking(bill.file.size_bytes)
        .streaming(chunks))
}

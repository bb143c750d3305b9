//! `/api/v1/bills`: uploading (`upload`, with its multipart plumbing in `multipart`), reading,
//! confirming, rejecting and voiding bills, and their files.

mod multipart;
pub(crate) mod upload;

pub(crate) use upload::{__path_upload, upload};

use actix_web::http::header;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};

use carbonpass_domain::DomainError;
use carbonpass_domain::model::{BillCorrection, BillId, BillQuery, BillStatus, ConfirmBill};
use chrono::Utc;

use crate::dto::bills::{BillDetailOut, BillOut, BillsQueryIn, ConfirmIn, CorrectIn, download_name};
use crate::dto::{self, Envelope, Page};
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonObject, QueryParams};
use crate::state::HttpState;

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

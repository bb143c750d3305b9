//! The multipart plumbing of an upload: its parts read into the form and a file streamed into the
//! blob store, the body bounded as a whole, and the parser's errors in the client's terms.

use actix_multipart::{Multipart, MultipartError};
use actix_web::{HttpRequest, web};

use carbonpass_domain::services::bills::{ReceivedUpload, UploadForm, UploadedFile};
use futures_util::StreamExt;

use crate::error::ApiError;
use crate::state::HttpState;

/// Longest text field (`type`, `siteId`) read.
const TEXT_FIELD_LIMIT: usize = 1024;

/// Reads the whole multipart body; on failure nothing it stored is kept.
pub(super) async fn receive(state: &HttpState, multipart: &mut Multipart) -> Result<ReceivedUpload, ApiError> {
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
pub(super) const MULTIPART_ALLOWANCE: u64 = 64 * 1024;

pub(super) fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers().get(actix_web::http::header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// The request body, cut off with an overflow error past `limit` bytes: a multipart body of
/// many parts, or with a chunked length, is bounded as a whole, not only its file.
pub(super) struct BoundedBody {
    inner: web::Payload,
    seen: u64,
    limit: u64,
}

impl BoundedBody {
    pub(super) fn new(inner: web::Payload, limit: u64) -> Self {
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

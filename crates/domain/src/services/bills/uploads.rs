//! An upload, with or without an `Idempotency-Key`: the policy of what a key keeps.
//!
//! - A retry of a finished request gets the first response back (if it is the same request), for
//!   24 hours; a different request under the key is refused.
//! - A request whose body never fully arrived keeps nothing under its key: the retry runs afresh.
//! - A request refused for what it asked (a 4xx) keeps that refusal, to replay.
//! - A request that failed on our side (database outage, crash) keeps nothing: its claim is
//!   released, or, if the process died, its lease runs out; either way a retry runs afresh.
//! - A created bill and its response are kept in one transaction, and only while the claim is
//!   still this request's, so one key never makes two bills.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Bills;
use super::files::{UploadForm, UploadedFile};
use crate::DomainError;
use crate::model::{
    Action, Bill, IDEMPOTENCY_TTL, IdempotencyClaim, IdempotencyKey, IdempotencyLease, IdempotentRecord, RenderCreated,
    StoredResponse, Tenant,
};

/// An upload request's body, read whole.
#[derive(Debug, Clone, Default)]
pub struct ReceivedUpload {
    pub form: UploadForm,
    pub file: Option<UploadedFile>,
}

impl ReceivedUpload {
    /// What makes two upload requests the same request: their fields and the file's hash.
    pub fn fingerprint(&self) -> String {
        let file = self.file.as_ref().map_or("-", |f| f.blob.sha256.as_str());
        format!("type={:?};siteId={:?};file={file}", self.form.bill_type, self.form.site_id)
    }
}

/// How the edge words its answers: the created bill's response, and a refusal's.
pub trait UploadResponses: Send + Sync {
    fn created(&self, bill: &Bill) -> (u16, String);
    fn refused(&self, error: &DomainError) -> (u16, String);
}

/// What an upload came to.
#[derive(Debug)]
pub enum UploadReply {
    Created(Box<Bill>),
    /// The first response under the request's key, to send again as it was.
    Replayed(StoredResponse),
}

/// Why an upload failed: its body could not be read (`E`, the edge's own error), or the domain
/// refused it.
#[derive(Debug)]
pub enum UploadFailure<E> {
    Body(E),
    Refused(DomainError),
}

impl<E> From<DomainError> for UploadFailure<E> {
    fn from(err: DomainError) -> Self {
        UploadFailure::Refused(err)
    }
}

/// Whether a refusal is an answer to keep for replay (the request itself was wrong), rather than
/// a failure a retry may fix.
fn is_an_answer(err: &DomainError) -> bool {
    !matches!(err, DomainError::Unavailable(_) | DomainError::Internal(_) | DomainError::IdempotencyKeyInProgress)
}

impl Bills {
    /// Uploads a bill: reads the body with `receive`, records it, and applies the idempotency
    /// policy above when the request has a `key`.
    #[tracing::instrument(name = "bills.upload_bill", skip_all)]
    pub async fn upload_bill<E>(
        &self,
        tenant: &Tenant,
        key: Option<IdempotencyKey>,
        receive: impl Future<Output = Result<ReceivedUpload, E>>,
        responses: Arc<dyn UploadResponses>,
        now: DateTime<Utc>,
    ) -> Result<UploadReply, UploadFailure<E>> {
        tenant.require(Action::Record)?;
        let today = now.date_naive();
        let company = &tenant.company;
        let Some(key) = key else {
            let received = receive.await.map_err(UploadFailure::Body)?;
            return Ok(UploadReply::Created(Box::new(self.record_received(tenant, received, today, None).await?)));
        };
        let claim = self.idempotency.claim(company, &key, now, IDEMPOTENCY_TTL, self.idempotency_lease).await?;
        let token = match claim {
            IdempotencyClaim::InProgress => return Err(DomainError::IdempotencyKeyInProgress.into()),
            IdempotencyClaim::Completed(first) => {
                // Read the retry to compare it with the first request; keep nothing of it.
                let received = receive.await.map_err(UploadFailure::Body)?;
                if let Some(file) = &received.file {
                    self.discard_file(file).await;
                }
                if received.fingerprint() != first.fingerprint {
                    return Err(DomainError::IdempotencyKeyReused.into());
                }
                return Ok(UploadReply::Replayed(first));
            }
            IdempotencyClaim::Claimed(token) => token,
        };
        let lease = IdempotencyLease { key, token };
        let received = match receive.await {
            Ok(received) => received,
            Err(err) => {
                // The body never fully arrived (or could not be read): nothing is kept. If the
                // release fails too, the lease runs out instead.
                let _ = self.idempotency.release(company, &lease).await;
                return Err(UploadFailure::Body(err));
            }
        };
        let fingerprint = received.fingerprint();
        let renderer = Arc::clone(&responses);
        let render: RenderCreated = Arc::new(move |bill: &Bill| renderer.created(bill));
        let record = IdempotentRecord { lease: lease.clone(), fingerprint: fingerprint.clone(), render };
        match self.record_received(tenant, received, today, Some(record)).await {
            Ok(bill) => Ok(UploadReply::Created(Box::new(bill))),
            Err(err) if is_an_answer(&err) => {
                let (status, body) = responses.refused(&err);
                let _ = self.idempotency.complete(company, &lease, StoredResponse { fingerprint, status, body }).await;
                Err(err.into())
            }
            Err(err) => {
                let _ = self.idempotency.release(company, &lease).await;
                Err(err.into())
            }
        }
    }

    async fn record_received(
        &self,
        tenant: &Tenant,
        received: ReceivedUpload,
        today: chrono::NaiveDate,
        idempotent: Option<IdempotentRecord>,
    ) -> Result<Bill, DomainError> {
        let file = received.file.ok_or(DomainError::MissingField { field: "file", context: "bill upload" })?;
        self.record_upload(tenant, received.form, file, today, idempotent).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::model::ClaimToken;
    use crate::services::bills::test_support::Mocks;
    use crate::services::testing::tenant;

    struct Wire;
    impl UploadResponses for Wire {
        fn created(&self, bill: &Bill) -> (u16, String) {
            (201, bill.id.to_string())
        }
        fn refused(&self, error: &DomainError) -> (u16, String) {
            (400, error.to_string())
        }
    }

    fn key() -> Option<IdempotencyKey> {
        IdempotencyKey::parse("retry-me").ok()
    }

    #[test]
    fn a_body_that_never_arrived_keeps_nothing_under_its_key() {
        let mut m = Mocks::default();
        m.idempotency.expect_claim().returning(|_, _, _, _, _| Ok(IdempotencyClaim::Claimed(ClaimToken("t".into()))));
        m.idempotency.expect_complete().never();
        m.idempotency
            .expect_release()
            .withf(|company, lease| company.as_str() == "comp_c" && lease.token.0 == "t")
            .times(1)
            .returning(|_, _| Ok(()));
        m.bills.expect_record_upload().never();
        let body = async { Err::<ReceivedUpload, &str>("connection reset") };
        let result =
            pollster::block_on(m.into_service().upload_bill(&tenant(), key(), body, Arc::new(Wire), Utc::now()));
        assert!(matches!(result, Err(UploadFailure::Body("connection reset"))));
    }

    fn claimed() -> Mocks {
        let mut m = Mocks::default();
        m.idempotency.expect_claim().returning(|_, _, _, _, _| Ok(IdempotencyClaim::Claimed(ClaimToken("t".into()))));
        m
    }

    #[test]
    fn a_failure_on_our_side_releases_the_key() {
        let mut m = claimed();
        m.companies.expect_overview().returning(|_| Err(DomainError::Unavailable("database down".into())));
        m.idempotency.expect_release().times(1).returning(|_, _| Ok(()));
        m.idempotency.expect_complete().never();
        let file = UploadedFile {
            kind: crate::model::FileKind::Pdf,
            blob: crate::ports::FinishedBlob { key: "b".into(), size_bytes: 1, sha256: "s".into() },
        };
        let form = UploadForm { bill_type: Some("gas".into()), site_id: None };
        let body = async move { Ok::<_, ()>(ReceivedUpload { form, file: Some(file) }) };
        let outcome =
            pollster::block_on(m.into_service().upload_bill(&tenant(), key(), body, Arc::new(Wire), Utc::now()));
        assert!(matches!(outcome, Err(UploadFailure::Refused(DomainError::Unavailable(_)))));
    }

    #[test]
    fn a_refusal_of_the_request_is_kept_to_replay() {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let mut m = claimed();
        m.idempotency.expect_release().never();
        let sink = Arc::clone(&kept);
        m.idempotency.expect_complete().times(1).returning(move |_, _, response| {
            sink.lock().expect("lock").push(response);
            Ok(())
        });
        let body = async { Ok::<_, ()>(ReceivedUpload::default()) };
        let outcome =
            pollster::block_on(m.into_service().upload_bill(&tenant(), key(), body, Arc::new(Wire), Utc::now()));
        assert!(matches!(outcome, Err(UploadFailure::Refused(DomainError::MissingField { field: "file", .. }))));
        let kept = kept.lock().expect("lock");
        assert_eq!(
            (kept[0].status, kept[0].fingerprint.as_str()),
            (400, ReceivedUpload::default().fingerprint().as_str())
        );
    }

    #[test]
    fn a_replay_must_be_the_same_request() {
        let first =
            StoredResponse { fingerprint: ReceivedUpload::default().fingerprint(), status: 201, body: "first".into() };
        let mut m = Mocks::default();
        m.idempotency.expect_claim().returning(move |_, _, _, _, _| Ok(IdempotencyClaim::Completed(first.clone())));
        let services = m.into_service();
        let same = async { Ok::<_, ()>(ReceivedUpload::default()) };
        let replay = pollster::block_on(services.upload_bill(&tenant(), key(), same, Arc::new(Wire), Utc::now()));
        assert!(matches!(replay, Ok(UploadReply::Replayed(StoredResponse { status: 201, .. }))));
        let other = ReceivedUpload { form: UploadForm { bill_type: Some("gas".into()), site_id: None }, file: None };
        let different = async move { Ok::<_, ()>(other) };
        let refused = pollster::block_on(services.upload_bill(&tenant(), key(), different, Arc::new(Wire), Utc::now()));
        assert!(matches!(refused, Err(UploadFailure::Refused(DomainError::IdempotencyKeyReused))));
    }
}

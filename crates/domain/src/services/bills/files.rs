//! Uploading a bill: the file streams into the blob store (checked for size and kind on the
//! way), then is recorded against the tenant's site and session. A refused upload leaves no
//! row and no blob behind.

use chrono::{DateTime, NaiveDate, Utc};

use super::Bills;
use super::ports::{BlobSink, FinishedBlob};
use crate::DomainError;
use crate::calculation::{Activity, BillType, ReportingPeriod, calculate};
use crate::model::file_kind::SNIFF_LEN;
use crate::model::{
    Action, Bill, BillCorrection, BillId, BillQuery, BillStatus, CompanyId, ConfirmBill, Confirmed, Correction,
    FileKind, IdempotentRecord, MeterPoint, NewUpload, ReportingYearStart, SiteId, StoredFile, Tenant,
};

/// The text fields of an upload, as sent.
#[derive(Debug, Clone, Default)]
pub struct UploadForm {
    pub bill_type: Option<String>,
    pub site_id: Option<String>,
}

/// A file written to the blob store and accepted by kind and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    pub kind: FileKind,
    pub blob: FinishedBlob,
}

/// A file being received. Its first bytes are held back until its kind is known.
pub struct FileUpload {
    sink: Box<dyn BlobSink>,
    head: Vec<u8>,
    kind: Option<FileKind>,
    size: u64,
    limit: u64,
    /// A CSV's last bytes, so a markup tag split between two chunks is still found.
    csv_tail: Vec<u8>,
}

impl std::fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileUpload").field("size", &self.size).field("kind", &self.kind).finish_non_exhaustive()
    }
}

fn unsupported() -> DomainError {
    DomainError::UnsupportedFile("a bill must be a PDF, PNG, JPEG or CSV file".into())
}

impl FileUpload {
    /// Appends a chunk. `TooLarge` past the limit, `UnsupportedFile` as soon as the first bytes
    /// show a kind that is not accepted; after an error, call [`FileUpload::abort`].
    #[tracing::instrument(name = "bills.write", skip_all)]
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), DomainError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(DomainError::TooLarge { limit: self.limit });
        }
        if self.kind == Some(FileKind::Csv) {
            self.refuse_markup(chunk)?;
        }
        if self.kind.is_some() {
            return self.sink.write(chunk).await;
        }
        self.head.extend_from_slice(chunk);
        if self.head.len() >= SNIFF_LEN {
            self.kind = Some(FileKind::sniff(&self.head).ok_or_else(unsupported)?);
            if self.kind == Some(FileKind::Csv) {
                // The kind was judged on the first bytes; the rest of what is held counts too.
                let head = std::mem::take(&mut self.head);
                self.refuse_markup(&head)?;
                self.head = head;
            }
            let head = std::mem::take(&mut self.head);
            self.sink.write(&head).await?;
        }
        Ok(())
    }

    /// A CSV must hold no markup anywhere, not only in the bytes its kind was judged by.
    fn refuse_markup(&mut self, chunk: &[u8]) -> Result<(), DomainError> {
        let mut window = std::mem::take(&mut self.csv_tail);
        window.extend_from_slice(chunk);
        if crate::model::file_kind::holds_markup_tag(&window) {
            return Err(unsupported());
        }
        let keep_from = window.len().saturating_sub(crate::model::file_kind::LONGEST_MARKUP_TAG - 1);
        self.csv_tail = window.split_off(keep_from);
        Ok(())
    }

    /// Completes the file: refuses an empty one, judges a short one by all its bytes.
    #[tracing::instrument(name = "bills.finish", skip_all)]
    pub async fn finish(mut self) -> Result<UploadedFile, DomainError> {
        if self.size == 0 {
            self.sink.abort().await;
            return Err(DomainError::invalid("file", "is empty"));
        }
        let kind = match self.kind {
            Some(kind) => kind,
            None => match FileKind::sniff(&self.head) {
                Some(kind) => {
                    let head = std::mem::take(&mut self.head);
                    if let Err(err) = self.sink.write(&head).await {
                        self.sink.abort().await;
                        return Err(err);
                    }
                    kind
                }
                None => {
                    self.sink.abort().await;
                    return Err(unsupported());
                }
            },
        };
        Ok(UploadedFile { kind, blob: self.sink.finish().await? })
    }

    #[tracing::instrument(name = "bills.abort", skip_all)]
    pub async fn abort(self) {
        self.sink.abort().await;
    }
}

impl Bills {
    /// A page of the caller's bills (newest first) and whether more follow.
    #[tracing::instrument(name = "bills.bills", skip_all)]
    pub async fn bills(&self, tenant: &Tenant, mut query: BillQuery) -> Result<(Vec<Bill>, bool), DomainError> {
        if !(1..=100).contains(&query.limit) {
            return Err(DomainError::invalid("limit", "must be from 1 to 100"));
        }
        let limit = query.limit as usize;
        query.limit += 1;
        let mut page = self.bills.list_bills(&tenant.company, query).await?;
        let more = page.len() > limit;
        page.truncate(limit);
        Ok((page, more))
    }

    /// A bill's original file: its content type, size, and a reader of its bytes.
    #[tracing::instrument(name = "bills.bill_file", skip_all)]
    pub async fn bill_file(
        &self,
        tenant: &Tenant,
        id: &BillId,
    ) -> Result<(Bill, Box<dyn crate::ports::BlobReader>), DomainError> {
        let bill = self.bill(tenant, id).await?;
        let reader = match self.blobs.open(&bill.file.blob_key).await {
            // The bill is the caller's and says it has a file: a missing file is our fault.
            Err(DomainError::NotFound { .. }) => {
                return Err(DomainError::Internal(format!("the stored file of bill {} is missing", bill.id)));
            }
            other => other?,
        };
        let reader = super::stored_files::ExactReader::new(reader, bill.file.size_bytes, bill.id.to_string())?;
        Ok((bill, Box::new(reader)))
    }

    /// One of the tenant's bills.
    #[tracing::instrument(name = "bills.bill", skip_all)]
    pub async fn bill(&self, tenant: &Tenant, id: &BillId) -> Result<Bill, DomainError> {
        self.bills.find_bill(&tenant.company, id).await?.ok_or(DomainError::not_found("bill"))
    }

    /// Confirms an uploaded bill of the tenant's: checks the activity, calculates it with the
    /// factor set of each reporting period it falls in, and records both with a
    /// `bill.confirmed` event, atomically.
    #[tracing::instrument(name = "bills.confirm_bill", skip_all)]
    pub async fn confirm_bill(
        &self,
        tenant: &Tenant,
        id: &BillId,
        request: ConfirmBill,
        now: DateTime<Utc>,
    ) -> Result<Bill, DomainError> {
        tenant.require(Action::Record)?;
        let start = self.overviews.of(tenant).await?.company.reporting_year_start;
        self.confirm(&tenant.company, start, id, request, now).await
    }

    async fn confirm(
        &self,
        company: &CompanyId,
        start: ReportingYearStart,
        id: &BillId,
        request: ConfirmBill,
        now: DateTime<Utc>,
    ) -> Result<Bill, DomainError> {
        let bill = self.bills.find_bill(company, id).await?.ok_or(DomainError::not_found("bill"))?;
        if bill.status != BillStatus::Uploaded {
            return Err(DomainError::Conflict { message: format!("bill {id} is already {}", bill.status.as_str()) });
        }
        let activity = Activity {
            bill_type: bill.bill_type,
            quantity: request.consumption,
            unit: request.unit,
            period_start: request.period_start,
            period_end: request.period_end,
            calorific_value: request.calorific_value,
            volume_correction: request.volume_correction,
            sewerage_volume: request.sewerage_volume,
        };
        activity.validate()?;
        activity.validate_dates(now.date_naive())?;
        let meter_point =
            request.meter_point.as_deref().map(|raw| MeterPoint::parse(bill.bill_type, raw)).transpose()?;
        let supplier = match request.supplier.as_deref() {
            Some(supplier) => crate::model::plain_text("supplier", supplier, 200)?,
            None => None,
        };
        let calculation = calculate(&self.factors, start, &activity)?;
        let calculation = match request.market_instrument {
            Some(instrument) if bill.bill_type == BillType::Electricity => {
                calculation.with_market_instrument(instrument)?
            }
            Some(_) => {
                return Err(DomainError::invalid(
                    "marketInstrument",
                    format!("applies only to electricity bills (this bill is {})", bill.bill_type.as_str()),
                ));
            }
            None => calculation,
        };
        let emissions = calculation.micrograms()?;
        let confirmed = Confirmed {
            activity,
            meter_point,
            supplier,
            allow_overlap: request.allow_overlap,
            confirmed_at: now,
            calculation,
        };
        self.bills.confirm(company, id, confirmed, emissions).await
    }

    /// Rejects (`uploaded` → `rejected`) or voids (`confirmed` → `voided`) one of the tenant's
    /// bills, with the reason: a voided bill leaves every total at once and stays readable with
    /// its calculation. `Conflict` from any other status.
    #[tracing::instrument(name = "bills.correct_bill", skip_all)]
    pub async fn correct_bill(
        &self,
        tenant: &Tenant,
        id: &BillId,
        action: BillCorrection,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Bill, DomainError> {
        tenant.require(Action::Record)?;
        let correction = Correction::new(reason, now)?;
        match action {
            BillCorrection::Reject => self.bills.reject(&tenant.company, id, correction).await,
            BillCorrection::Void => self.bills.void(&tenant.company, id, correction).await,
        }
    }

    /// Starts receiving a file of at most `limit` bytes.
    #[tracing::instrument(name = "bills.begin_file_upload", skip_all)]
    pub async fn begin_file_upload(&self, limit: u64) -> Result<FileUpload, DomainError> {
        Ok(FileUpload {
            sink: self.blobs.create().await?,
            head: Vec::new(),
            kind: None,
            size: 0,
            limit,
            csv_tail: Vec::new(),
        })
    }

    /// Removes a received file that will not be recorded.
    #[tracing::instrument(name = "bills.discard_file", skip_all)]
    pub async fn discard_file(&self, file: &UploadedFile) {
        // Best effort: a blob with no bill pointing at it is harmless and can be swept later.
        let _ = self.blobs.delete(&file.blob.key).await;
    }

    /// Records a received file as a bill of the tenant's site, in the session in progress for
    /// the reporting period containing `today`, keeping `idempotent`'s response with it. On any
    /// refusal the file is removed.
    #[tracing::instrument(name = "bills.record_upload", skip_all)]
    pub async fn record_upload(
        &self,
        tenant: &Tenant,
        form: UploadForm,
        file: UploadedFile,
        today: NaiveDate,
        idempotent: Option<IdempotentRecord>,
    ) -> Result<Bill, DomainError> {
        if let Err(refused) = tenant.require(Action::Record) {
            self.discard_file(&file).await;
            return Err(refused);
        }
        let result = self.record(tenant, form, &file, today, idempotent).await;
        if result.is_err() {
            self.discard_file(&file).await;
        }
        result
    }

    async fn record(
        &self,
        tenant: &Tenant,
        form: UploadForm,
        file: &UploadedFile,
        today: NaiveDate,
        idempotent: Option<IdempotentRecord>,
    ) -> Result<Bill, DomainError> {
        let missing = |field| DomainError::MissingField { field, context: "bill upload" };
        let bill_type: BillType = form.bill_type.ok_or(missing("type"))?.trim().parse()?;
        let overview = self.overviews.of(tenant).await?;
        let site_id = match form.site_id.as_deref().map(str::trim) {
            Some(raw) => {
                let id = SiteId::parse(raw).ok_or(DomainError::not_found("site"))?;
                overview.sites.iter().find(|s| s.id == id).ok_or(DomainError::not_found("site"))?.id.clone()
            }
            None => match overview.sites.as_slice() {
                [only] => only.id.clone(),
                [] => return Err(DomainError::invalid("siteId", "the company has no site to attach the bill to")),
                _ => return Err(DomainError::invalid("siteId", "is required when the company has more than one site")),
            },
        };
        let period = ReportingPeriod::containing(today, overview.company.reporting_year_start).label();
        let upload = NewUpload {
            site_id,
            bill_type,
            file: StoredFile {
                blob_key: file.blob.key.clone(),
                content_type: file.kind.content_type().to_owned(),
                size_bytes: file.blob.size_bytes,
                sha256: file.blob.sha256.clone(),
            },
            period,
        };
        self.bills.record_upload(&tenant.company, upload, idempotent).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{BillId, BillStatus, CompanyOverview, DataVersion, Site};
    use crate::services::bills::test_support::Mocks;
    use crate::services::testing::{MemoryBlobs, acme, tenant};

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

    fn site(id: &str) -> Site {
        Site { id: SiteId::parse(id).expect("id"), name: id.into(), city: "Leeds".into(), employee_count: 1 }
    }

    fn mocks_with_sites(sites: Vec<Site>) -> Mocks {
        let mut m = Mocks::default();
        let company = acme();
        m.companies.expect_overview().returning(move |_| {
            Ok(Some(CompanyOverview {
                company: company.clone(),
                sites: sites.clone(),
                current_emissions: None,
                version: DataVersion(1),
            }))
        });
        m
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 20).expect("date")
    }

    async fn receive(services: &Bills, chunks: &[&[u8]], limit: u64) -> Result<UploadedFile, DomainError> {
        let mut upload = services.begin_file_upload(limit).await?;
        for chunk in chunks {
            if let Err(err) = upload.write(chunk).await {
                upload.abort().await;
                return Err(err);
            }
        }
        upload.finish().await
    }

    #[test]
    fn a_pdf_in_chunks_is_stored_whole() {
        let blobs = Arc::new(MemoryBlobs::default());
        let services = Mocks { blobs: blobs.clone(), ..Mocks::default() }.into_service();
        let file = pollster::block_on(receive(&services, &[&PDF[..7], &PDF[7..]], 1024)).expect("accepted");
        assert_eq!(file.kind, FileKind::Pdf);
        assert_eq!(file.blob.size_bytes, PDF.len() as u64);
        assert_eq!(blobs.finished.lock().expect("lock")[0].1, PDF);
    }

    #[test]
    fn size_kind_and_emptiness_are_enforced() {
        let services = Mocks::default().into_service();
        let big = vec![b'%'; 2000];
        assert!(matches!(
            pollster::block_on(receive(&services, &[PDF, &big], 1024)),
            Err(DomainError::TooLarge { limit: 1024 })
        ));
        let zip = [b"PK\x03\x04".as_slice(), &vec![0u8; SNIFF_LEN]].concat();
        assert!(matches!(
            pollster::block_on(receive(&services, &[&zip], 1 << 20)),
            Err(DomainError::UnsupportedFile(_))
        ));
        assert!(matches!(
            pollster::block_on(receive(&services, &[b"GIF89a"], 1024)),
            Err(DomainError::UnsupportedFile(_))
        ));
        assert!(matches!(
            pollster::block_on(receive(&services, &[], 1024)),
            Err(DomainError::Invalid { field: "file", .. })
        ));
    }

    fn received() -> UploadedFile {
        UploadedFile {
            kind: FileKind::Pdf,
            blob: FinishedBlob { key: "blob-0".into(), size_bytes: 10, sha256: "abc".into() },
        }
    }

    fn form(bill_type: Option<&str>, site: Option<&str>) -> UploadForm {
        UploadForm { bill_type: bill_type.map(Into::into), site_id: site.map(Into::into) }
    }

    #[test]
    fn markup_anywhere_in_a_csv_refuses_it() {
        let services = Mocks::default().into_service();
        let head = format!("date,kwh\n{}", "2026-03-01,120.5\n".repeat(600));
        // A tag past the sniffed bytes, and one split across two chunks.
        for (first, second) in
            [(format!("{head}1,<script>x</script>\n"), String::new()), (format!("{head}1,<scr"), "IPT>\n".into())]
        {
            let mut upload = pollster::block_on(services.begin_file_upload(1 << 20)).expect("begin");
            let written = pollster::block_on(upload.write(first.as_bytes()))
                .and_then(|()| pollster::block_on(upload.write(second.as_bytes())));
            assert!(matches!(written, Err(DomainError::UnsupportedFile(_))), "{written:?}");
        }
        let mut plain = pollster::block_on(services.begin_file_upload(1 << 20)).expect("begin");
        pollster::block_on(plain.write(head.as_bytes())).expect("data");
        pollster::block_on(plain.write(b"1,2 < 3\n")).expect("a comparison is not markup");
    }

    #[test]
    fn a_refused_upload_leaves_no_blob_behind() {
        let cases: [(UploadForm, Vec<Site>, &str); 4] = [
            (form(None, Some("site_a")), vec![site("site_a")], "type"),
            (form(Some("coal"), Some("site_a")), vec![site("site_a")], "type"),
            (form(Some("gas"), Some("site_zz")), vec![site("site_a")], "not found"),
            (form(Some("gas"), None), vec![site("site_a"), site("site_b")], "siteId"),
        ];
        for (form, sites, expected) in cases {
            let blobs = Arc::new(MemoryBlobs::default());
            let mut m = mocks_with_sites(sites);
            m.blobs = blobs.clone();
            m.bills.expect_record_upload().never();
            let result = pollster::block_on(m.into_service().record_upload(&tenant(), form, received(), today(), None));
            let error = result.expect_err("refused");
            let matches = match &error {
                DomainError::MissingField { field, .. } | DomainError::Invalid { field, .. } => *field == expected,
                DomainError::NotFound { .. } => expected == "not found",
                _ => false,
            };
            assert!(matches, "{error:?} for {expected}");
            assert_eq!(*blobs.deleted.lock().expect("lock"), ["blob-0"], "{expected}");
        }
    }

    #[test]
    fn the_only_site_is_the_default_and_the_period_follows_the_year_start() {
        let mut m = mocks_with_sites(vec![site("site_a")]);
        m.bills
            .expect_record_upload()
            .withf(|company, upload, _| {
                company.as_str() == "comp_c"
                    && upload.site_id.as_str() == "site_a"
                    && upload.period == "2025-26"
                    && upload.bill_type == BillType::Electricity
                    && upload.file.content_type == "application/pdf"
            })
            .returning(|_, upload, _| {
                Ok(Bill {
                    id: BillId::parse("bill_b").expect("id"),
                    site_id: upload.site_id,
                    session_id: crate::model::SessionId::parse("sess_s").expect("id"),
                    bill_type: upload.bill_type,
                    status: BillStatus::Uploaded,
                    file: upload.file,
                    created_at: Utc::now(),
                    confirmed: None,
                    correction: None,
                })
            });
        let bill = pollster::block_on(m.into_service().record_upload(
            &tenant(),
            form(Some(" electricity "), None),
            received(),
            today(),
            None,
        ));
        assert_eq!(bill.expect("recorded").site_id.as_str(), "site_a");
    }
}

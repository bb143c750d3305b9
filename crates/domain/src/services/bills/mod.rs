//! Bills: uploading (the file streamed into the blob store, recorded with or without an
//! `Idempotency-Key`), reading, confirming with its calculation, rejecting and voiding, the
//! original file, and sweeping what a crash left behind.

mod files;
pub mod ports;
mod stored_files;
mod sweep;
mod uploads;

use std::fmt;
use std::sync::Arc;

pub use files::{FileUpload, UploadForm, UploadedFile};
pub use sweep::SweepReport;
pub use uploads::{ReceivedUpload, UploadFailure, UploadReply, UploadResponses};

use super::tenants::Overviews;
use crate::calculation::FactorLibrary;
use ports::{BillRepository, BlobStore, IdempotencyStore};

#[derive(Clone)]
pub struct Bills {
    bills: Arc<dyn BillRepository>,
    blobs: Arc<dyn BlobStore>,
    /// The DESNZ factor sets, loaded and validated at start-up.
    factors: Arc<FactorLibrary>,
    idempotency: Arc<dyn IdempotencyStore>,
    /// How long an idempotency claim shields a request in flight (see `uploads`).
    idempotency_lease: chrono::TimeDelta,
    overviews: Overviews,
}

impl fmt::Debug for Bills {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bills").finish_non_exhaustive()
    }
}

impl Bills {
    pub fn new(
        bills: Arc<dyn BillRepository>,
        blobs: Arc<dyn BlobStore>,
        factors: Arc<FactorLibrary>,
        idempotency: Arc<dyn IdempotencyStore>,
        idempotency_lease: chrono::TimeDelta,
        overviews: Overviews,
    ) -> Self {
        Self { bills, blobs, factors, idempotency, idempotency_lease, overviews }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::services::tenants::ports::{CompanyRepository, MockCompanyRepository};
    use crate::services::testing::MemoryBlobs;
    use ports::{MockBillRepository, MockIdempotencyStore};

    /// The bills area over mocks (companies for the overview it reads).
    #[derive(Default)]
    pub struct Mocks {
        pub companies: MockCompanyRepository,
        pub bills: MockBillRepository,
        pub idempotency: MockIdempotencyStore,
        pub blobs: Arc<MemoryBlobs>,
    }

    impl Mocks {
        pub fn into_service(self) -> Bills {
            let companies: Arc<dyn CompanyRepository> = Arc::new(self.companies);
            Bills::new(
                Arc::new(self.bills),
                Arc::new(self.blobs),
                Arc::new(FactorLibrary::official().expect("shipped factors")),
                Arc::new(self.idempotency),
                crate::model::IDEMPOTENCY_LEASE,
                Overviews::new(companies),
            )
        }
    }
}

//! Carbon Reduction Plans: their inputs (`/crp-inputs`), generating a plan from them and the
//! confirmed bills, publishing it, reading it, and its PDF.

mod flights;
pub mod ports;
mod use_cases;

use std::fmt;
use std::sync::Arc;

pub use use_cases::{GeneratePlan, PdfSource, PlanPdf};

use super::bills::ports::BlobStore;
use super::tenants::Overviews;
use crate::crp::PlanStatus;
use crate::model::{CompanyId, PlanId};
use ports::{PlanRenderer, PlanRepository};

/// The plans a company may hold unless configured otherwise (`max_plans_per_company`).
pub const DEFAULT_PLAN_LIMIT: u32 = 100;

#[derive(Clone)]
pub struct Plans {
    plans: Arc<dyn PlanRepository>,
    /// Lays plans out as PDFs, and says which texts it can show.
    renderer: Arc<dyn PlanRenderer>,
    /// Where rendered PDFs are kept, once per plan and status.
    blobs: Arc<dyn BlobStore>,
    overviews: Overviews,
    /// The most plans one company holds.
    plan_limit: u32,
    /// Renders in progress, so concurrent first requests for one PDF render it once.
    flights: flights::Flights<(CompanyId, PlanId, PlanStatus), use_cases::Shared>,
}

impl fmt::Debug for Plans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plans").finish_non_exhaustive()
    }
}

impl Plans {
    pub fn new(
        plans: Arc<dyn PlanRepository>,
        renderer: Arc<dyn PlanRenderer>,
        blobs: Arc<dyn BlobStore>,
        overviews: Overviews,
        plan_limit: u32,
    ) -> Self {
        Self { plans, renderer, blobs, overviews, plan_limit, flights: flights::Flights::default() }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::services::bills::ports::MockBlobStore;
    use crate::services::tenants::ports::{CompanyRepository, MockCompanyRepository};
    use ports::{MockPlanRenderer, MockPlanRepository};

    /// The plans area over mocks (companies for the overview it reads).
    #[derive(Default)]
    pub struct Mocks {
        pub companies: MockCompanyRepository,
        pub plans: MockPlanRepository,
        pub renderer: MockPlanRenderer,
        pub blobs: MockBlobStore,
    }

    impl Mocks {
        pub fn into_service(self) -> Plans {
            let companies: Arc<dyn CompanyRepository> = Arc::new(self.companies);
            Plans::new(
                Arc::new(self.plans),
                Arc::new(self.renderer),
                Arc::new(self.blobs),
                Overviews::new(companies),
                DEFAULT_PLAN_LIMIT,
            )
        }
    }
}

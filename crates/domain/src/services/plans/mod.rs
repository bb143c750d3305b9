//! Carbon Reduction Plans: their inputs (`/crp-inputs`), generating a plan from them and the
//! confirmed bills, publishing it, reading it, and its PDF.

pub mod ports;
mod use_cases;

use std::fmt;
use std::sync::Arc;

pub use use_cases::GeneratePlan;

use super::tenants::Overviews;
use ports::{PlanRenderer, PlanRepository};

#[derive(Clone)]
pub struct Plans {
    plans: Arc<dyn PlanRepository>,
    /// Lays plans out as PDFs, and says which texts it can show.
    renderer: Arc<dyn PlanRenderer>,
    overviews: Overviews,
}

impl fmt::Debug for Plans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plans").finish_non_exhaustive()
    }
}

impl Plans {
    pub fn new(plans: Arc<dyn PlanRepository>, renderer: Arc<dyn PlanRenderer>, overviews: Overviews) -> Self {
        Self { plans, renderer, overviews }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::services::tenants::ports::{CompanyRepository, MockCompanyRepository};
    use ports::{MockPlanRenderer, MockPlanRepository};

    /// The plans area over mocks (companies for the overview it reads).
    #[derive(Default)]
    pub struct Mocks {
        pub companies: MockCompanyRepository,
        pub plans: MockPlanRepository,
        pub renderer: MockPlanRenderer,
    }

    impl Mocks {
        pub fn into_service(self) -> Plans {
            let companies: Arc<dyn CompanyRepository> = Arc::new(self.companies);
            Plans::new(Arc::new(self.plans), Arc::new(self.renderer), Overviews::new(companies))
        }
    }
}

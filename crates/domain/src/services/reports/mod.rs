//! Reports: a period's emissions (`GET /emissions`) and the sessions that collect bills.

mod emissions;
pub mod ports;

use std::fmt;
use std::sync::Arc;

use super::tenants::Overviews;
use ports::EmissionsRepository;

#[derive(Clone)]
pub struct Reports {
    reports: Arc<dyn EmissionsRepository>,
    overviews: Overviews,
}

impl fmt::Debug for Reports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reports").finish_non_exhaustive()
    }
}

impl Reports {
    pub fn new(reports: Arc<dyn EmissionsRepository>, overviews: Overviews) -> Self {
        Self { reports, overviews }
    }
}

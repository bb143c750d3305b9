//! Activities beyond bills: the catalogue of types a record may name, and the records.

mod catalogue;
mod estimate;
mod import;
pub mod ports;
mod records;

use std::fmt;
use std::sync::Arc;

pub use catalogue::TypeFilter;
pub use import::{ImportResponses, ImportRow};
pub use records::{RecordReply, RecordResponses};

use super::bills::ports::IdempotencyStore;
use super::tenants::Overviews;
use crate::activities::ActivityCatalogue;
use crate::calculation::FactorLibrary;
use ports::ActivityRepository;

#[derive(Clone)]
pub struct Activities {
    catalogue: Arc<ActivityCatalogue>,
    factors: Arc<FactorLibrary>,
    records: Arc<dyn ActivityRepository>,
    idempotency: Arc<dyn IdempotencyStore>,
    idempotency_lease: chrono::TimeDelta,
    overviews: Overviews,
}

impl fmt::Debug for Activities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Activities").field("types", &self.catalogue.len()).finish_non_exhaustive()
    }
}

/// What [`Activities`] is built from.
#[allow(missing_debug_implementations)] // trait objects of ports, as `Ports` holds
pub struct ActivityPorts {
    pub catalogue: Arc<ActivityCatalogue>,
    pub factors: Arc<FactorLibrary>,
    pub records: Arc<dyn ActivityRepository>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub idempotency_lease: chrono::TimeDelta,
}

impl Activities {
    pub fn new(ports: ActivityPorts, overviews: Overviews) -> Self {
        let ActivityPorts { catalogue, factors, records, idempotency, idempotency_lease } = ports;
        Self { catalogue, factors, records, idempotency, idempotency_lease, overviews }
    }

    /// The catalogue itself, for the operator's command line.
    pub fn catalogue(&self) -> &ActivityCatalogue {
        &self.catalogue
    }

    /// The factor sets the catalogue was built from (what a type's rows are read from).
    pub fn factors(&self) -> &FactorLibrary {
        &self.factors
    }
}

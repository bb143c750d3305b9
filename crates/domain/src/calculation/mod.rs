//! The emissions calculation engine: pure and exact. A confirmed bill's activity is apportioned
//! by days to the reporting periods its billing period overlaps; each part is multiplied by the
//! DESNZ factors of the set its period uses; the result records every quantity, factor and set,
//! so any figure can be reproduced by hand.

mod apportion;
mod bill_type;
mod engine;
mod factors;
mod market;
mod period;

pub use apportion::{SHARE_DECIMALS, apportion};
pub use bill_type::{BillType, Unit};
pub use engine::{
    Activity, Calculation, CalculationLine, CalculationPart, CategoryAmount, EARLIEST_BILLING_DATE, ENGINE_VERSION,
    FactorSetUsed, GasConversion, LeftOut, MAX_BILLING_DAYS, MAX_MONTHS_AHEAD, Scope, calculate,
};
pub use factors::{FactorId, FactorLibrary, FactorRow, FactorSet, FactorsError, SetChoice};
pub use market::{InstrumentKind, MAX_SOURCE_CHARS, MAX_SUPPLIER_FACTOR, MarketAmount, MarketBased, MarketInstrument};
pub use period::ReportingPeriod;

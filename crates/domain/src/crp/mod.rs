//! Carbon Reduction Plans (PPN 006): the inputs a company gives, the plan generated from them
//! and its bills, its seven sections and the checks before publishing, and the trajectory to
//! net zero. Pure: the plans service (`services::plans`) loads and stores them.

mod generate;
mod inputs;
pub mod layout;
mod plan;
mod reading;
mod scope3;
mod trajectory;

pub use generate::{PeriodRecords, PlanSources, plan_content};
pub use inputs::{
    CrpInputs, Declaration, EARLIEST_YEAR, InterimTarget, LATEST_NET_ZERO_YEAR, MAX_ITEMS, MAX_TONNES, Measure,
    Organisation, Project, ProjectStatus, Scope3Statement, StatedBaseline, StatementStatus, StoredInputs,
};
pub use plan::{
    Baseline, CarbonReductionPlan, CategoryFigure, EmissionFigures, FailedCheck, Figure, Methodology,
    OrganisationDetails, PLAN_CHECKS, PeriodSpan, PlanContent, PlanStatus, PlanSummary, ScopeChange, Section,
};
pub use reading::PlanReading;
pub use scope3::{REQUIRED_CATEGORIES, Scope3Category, scope3_by_category};
pub use trajectory::{TrajectoryPoint, trajectory};

#[cfg(test)]
pub(crate) use plan::tests::complete_plan;

//! What `GET /emissions` reports: a period's totals by scope and bill type, per employee, and the
//! sessions that contributed.

use chrono::{DateTime, Utc};

use super::emissions::Micrograms;
use super::ids::{SessionId, SiteId};
use crate::activities::Family;
use crate::calculation::{BillType, InstrumentKind, MarketBased};

/// Where an amount came from: a type of bill, or a family of activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Bill(BillType),
    Activity(Family),
}

impl Source {
    /// What a document calls the records of this source: `water bills`, `business travel (air)
    /// records`.
    pub fn describe(self) -> &'static str {
        use crate::activities::Family;
        use crate::calculation::BillType;
        match self {
            Source::Bill(BillType::Electricity) => "electricity bills",
            Source::Bill(BillType::Gas) => "gas bills",
            Source::Bill(BillType::Water) => "water bills",
            Source::Bill(BillType::HeatingOil) => "heating oil bills",
            Source::Bill(BillType::GasOil) => "gas oil bills",
            Source::Bill(BillType::Diesel) => "diesel bills",
            Source::Bill(BillType::Petrol) => "petrol bills",
            Source::Bill(BillType::Lpg) => "LPG bills",
            Source::Activity(Family::CompanyVehicle) => "company vehicle records",
            Source::Activity(Family::Refrigerant) => "refrigerant records",
            Source::Activity(Family::Heat) => "purchased heat records",
            Source::Activity(Family::AirTravel) => "business travel (air) records",
            Source::Activity(Family::LandTravel) => "business travel (land) records",
            Source::Activity(Family::FerryTravel) => "business travel (ferry) records",
            Source::Activity(Family::HotelStay) => "hotel stay records",
            Source::Activity(Family::CommutingLand) => "commuting (land) records",
            Source::Activity(Family::CommutingFerry) => "commuting (ferry) records",
            Source::Activity(Family::Homeworking) => "homeworking records",
            Source::Activity(Family::Freight) => "freight records",
            Source::Activity(Family::Waste) => "waste records",
        }
    }

    /// Its key in a breakdown: the bill type (`electricity`) or the family (`business_travel.air`).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Bill(bill_type) => bill_type.as_str(),
            Source::Activity(family) => family.as_str(),
        }
    }
}

/// One scope's total and its split by source, bills' types first (empty when the scope has no
/// data).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeTotal {
    pub total: Micrograms,
    pub breakdown: Vec<(Source, Micrograms)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionContribution {
    pub id: SessionId,
    pub site_id: SiteId,
    pub site_name: String,
    pub amount: Micrograms,
    pub created_at: DateTime<Utc>,
}

/// What the activities recorded for one site (or for no site) contributed to a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityContribution {
    /// `None` for records of no site.
    pub site_id: Option<SiteId>,
    pub site_name: Option<String>,
    pub amount: Micrograms,
}

/// Raw sums from the store for one period (and optionally one site).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeriodSums {
    /// (scope 1–3, bill type, amount), one row per pair with data.
    pub by_scope_and_type: Vec<(u8, BillType, Micrograms)>,
    /// (scope 1–3, activity family, amount), one row per pair with data.
    pub by_scope_and_family: Vec<(u8, Family, Micrograms)>,
    /// (GHG Protocol category, amount) of scope 3, bills' and activities' together, one row per
    /// category with data, in category order; they add up to scope 3's total.
    pub scope3_by_category: Vec<(u8, Micrograms)>,
    pub sessions: Vec<SessionContribution>,
    /// By site, records of no site first, then in site id order.
    pub activities: Vec<ActivityContribution>,
    /// Per instrument kind, the location-based and market-based scope 2 of the records bought
    /// under it (micrograms); empty when no record has an instrument.
    pub scope2_instruments: Vec<(InstrumentKind, i128, i128)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmissionsReport {
    pub reporting_period: String,
    pub scope1: ScopeTotal,
    /// Location-based (grid-average factors): the figure every total uses.
    pub scope2: ScopeTotal,
    /// Scope 2 market-based, by where each part comes from (beside `scope2`, never in a total).
    pub scope2_market: MarketBased,
    pub scope3: ScopeTotal,
    /// Scope 3 by GHG Protocol category, in category order (see [`PeriodSums`]).
    pub scope3_categories: Vec<(u8, Micrograms)>,
    /// Employees of what was asked for (the site, else the company).
    pub employees: u32,
    pub sessions: Vec<SessionContribution>,
    pub activities: Vec<ActivityContribution>,
}

impl EmissionsReport {
    pub fn from_sums(reporting_period: String, sums: PeriodSums, employees: u32) -> Self {
        let scope = |n: u8| {
            let bills =
                sums.by_scope_and_type.iter().filter(|(s, _, _)| *s == n).map(|(_, t, a)| (Source::Bill(*t), *a));
            let activities =
                sums.by_scope_and_family.iter().filter(|(s, _, _)| *s == n).map(|(_, f, a)| (Source::Activity(*f), *a));
            let mut breakdown: Vec<(Source, Micrograms)> = bills.chain(activities).collect();
            breakdown.sort_by_key(|(source, _)| *source);
            ScopeTotal { total: Micrograms(breakdown.iter().map(|(_, a)| a.0).sum()), breakdown }
        };
        let scope2 = scope(2);
        let scope2_market = MarketBased::of(scope2.total.0, &sums.scope2_instruments);
        Self {
            reporting_period,
            scope1: scope(1),
            scope2,
            scope2_market,
            scope3: scope(3),
            scope3_categories: sums.scope3_by_category,
            employees,
            sessions: sums.sessions,
            activities: sums.activities,
        }
    }

    pub fn total(&self) -> Micrograms {
        Micrograms(self.scope1.total.0 + self.scope2.total.0 + self.scope3.total.0)
    }
}

/// A footprint-collection session as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub id: SessionId,
    pub site_id: SiteId,
    pub site_name: String,
    pub reporting_period: String,
    pub completed: bool,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Everything its confirmed bills contributed, over all periods.
    pub amount: Micrograms,
}

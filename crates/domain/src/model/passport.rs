//! The public carbon passport: what anyone may read of a company that switched it on. Only
//! confirmed, published data of a live company is ever put in one.

use chrono::{DateTime, NaiveDate, Utc};

use super::company::Company;
use super::report::EmissionsReport;
use super::version::DataVersion;
use crate::crp::CarbonReductionPlan;

/// A company's public page, as it stood at `version` of its data on `built_on`.
#[derive(Debug, Clone)]
pub struct PublicPassport {
    pub company: Company,
    pub version: DataVersion,
    /// The day it was put together: which periods count as complete depends on it.
    pub built_on: NaiveDate,
    /// When it was put together from the data: what a signed copy is as of.
    pub built_at: DateTime<Utc>,
    /// The latest reporting period that has ended and has confirmed data; `None` before one has.
    pub latest: Option<PassportPeriod>,
    /// Earlier complete periods with confirmed data, newest first.
    pub past: Vec<PassportPeriod>,
    /// The plan the company has published (never a draft, never one superseded).
    pub plan: Option<CarbonReductionPlan>,
}

/// One complete reporting period's emissions and how they were worked out.
#[derive(Debug, Clone)]
pub struct PassportPeriod {
    pub start: NaiveDate,
    /// The last day of the period (inclusive).
    pub end: NaiveDate,
    /// Company-wide: every site's confirmed bills and recorded activities.
    pub report: EmissionsReport,
    /// The DESNZ factor set the period's figures use; `None` for a period older than every set
    /// (it can have no figures).
    pub factors: Option<FactorSetUsed>,
}

/// Which conversion factors a period's figures come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorSetUsed {
    pub year: i32,
    /// The official file: its version, date and hash.
    pub edition: String,
    /// IPCC AR4 before 2023, AR5 from 2023.
    pub gwp_basis: String,
    /// The period is newer than every shipped set, so the newest set stood in.
    pub fallback: bool,
}

/// A public key a passport may be signed with, as a JWK set lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassportKey {
    /// The key's id: its RFC 7638 thumbprint, base64url.
    pub kid: String,
    /// The Ed25519 public key, base64url without padding (the JWK's `x`).
    pub x: String,
    /// Whether new signatures are made with it (the others are kept for passports signed before
    /// a rotation).
    pub signing: bool,
}

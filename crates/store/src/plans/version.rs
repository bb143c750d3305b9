//! Which version of its stored shape a CRP document is. Version 1 was first written without a
//! marker (the domain's own serialised form), so a document without one is version 1.

use crate::StoreError;
use crate::error::corrupt;

/// The version this release writes for CRP inputs, and the newest it reads.
pub(super) const CURRENT: u32 = 1;

/// Plan content carrying market-based scope 2: version 2. Content without it is written as
/// version 1 still, so a plan an older release can read stays readable to it.
pub(super) const CONTENT_WITH_MARKET_BASED: u32 = 2;

/// Plan content carrying its methodology (what scope 3 figures are made of, estimates, the
/// change from the baseline explained): version 3. Content without it keeps its older version.
pub(super) const CONTENT_WITH_METHODOLOGY: u32 = 3;

/// Refuses a version this release does not know (one written by a newer release): reading it as
/// version 1 could drop or misread what the newer shape holds.
pub(super) fn known(what: &str, version: Option<u32>, newest: u32) -> Result<(), StoreError> {
    match version.unwrap_or(1) {
        known if (1..=newest).contains(&known) => Ok(()),
        other => Err(corrupt(&format!("{what} of unknown stored version"), &other.to_string())),
    }
}

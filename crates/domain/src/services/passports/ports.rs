//! What the public passport needs: the company behind a slug, its periods and published plan,
//! the switch, and a signing key.
//!
//! Every method that reads or writes tenant data takes the tenant (the company id of the data
//! space) and keeps to it. Every method may return [`DomainError::Unavailable`] when its
//! backend cannot be reached; other variants are listed on the methods that return them.

use async_trait::async_trait;

use crate::DomainError;
use crate::crp::CarbonReductionPlan;
use crate::model::{Company, CompanyId, DataVersion, PassportKey};

/// Passports as stored: which are switched on, and what they may show.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PassportRepository: Send + Sync {
    /// The live company whose passport slug is `slug`, with its data version, only while its
    /// passport is activated: sandbox twins and switched-off passports are never found.
    async fn activated_passport(&self, slug: &str) -> Result<Option<(Company, DataVersion)>, DomainError>;

    /// The labels of the reporting periods in which the tenant has confirmed bills or recorded
    /// activities (voided ones excluded), newest first.
    async fn reporting_periods(&self, company: &CompanyId) -> Result<Vec<String>, DomainError>;

    /// The tenant's published plan, if it has one (drafts and superseded plans never).
    async fn published_plan(&self, company: &CompanyId) -> Result<Option<CarbonReductionPlan>, DomainError>;

    /// Switches the tenant's passport on or off; returns the tenant's data version after the
    /// change. `NotFound` if the company does not exist.
    async fn set_passport_activated(&self, company: &CompanyId, activated: bool) -> Result<DataVersion, DomainError>;
}

/// The deployment's passport signing key (never stored in the database).
#[cfg_attr(test, mockall::automock)]
pub trait PassportSigner: Send + Sync {
    /// `payload` as a compact JWS (RFC 7515) signed with the current key: `alg` `EdDSA`, `kid`
    /// naming the key.
    fn sign(&self, payload: &[u8]) -> Result<String, DomainError>;

    /// Every public key a passport may have been signed with: the current one and those kept
    /// after a rotation.
    fn keys(&self) -> Vec<PassportKey>;
}

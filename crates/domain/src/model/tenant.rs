//! Who a use case acts for: the data space it reads and writes, and whose keys it manages.

use chrono::{DateTime, Utc};

use super::{CompanyId, DataVersion, KeyMode, UserId};

/// The data space a use case acts on (a live company or its sandbox twin), resolved once: by the
/// authentication gate from a key (and `CarbonPass-Company`), or by the CLI from an operator's
/// `--company` (and `--sandbox`). Every tenant use case takes this one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The company id of the data space; every repository call names it.
    pub company: CompanyId,
    /// How new the tenant's data was when it was resolved: a read for this tenant must see data
    /// at least this new (what the in-memory copies are judged by).
    pub data_version: DataVersion,
}

/// Whose keys a key use case manages, and in which data space: resolved by the gate from the
/// calling key, or by the CLI from an operator's `--email` (and company or key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHolder {
    pub user: UserId,
    /// The data space the keys are for: a key's own, whatever company a request chose.
    pub space: CompanyId,
    pub mode: KeyMode,
    pub acting: Acting,
}

/// Who is acting on the holder's keys, which decides two rules of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acting {
    /// A request with one of the holder's keys. A key made this way must be named, and a key
    /// rolled (`rolled_until`) manages no keys: a leaked key must not outlive its roll.
    Key { rolled_until: Option<DateTime<Utc>> },
    /// An operator at the CLI.
    Operator,
}

//! API keys: their mode (live or test), the stored hash, and the principal a valid key yields.
//! The plaintext of a key exists only in [`GeneratedKey`], once, to be shown to its owner.

use std::fmt;

use chrono::{DateTime, Utc};

use super::company::Plan;
use super::ids::{ApiKeyId, CompanyId, UserId};
use super::version::DataVersion;

/// Live keys act on the company's data; test keys on its sandbox twin, a separate data space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyMode {
    Live,
    Test,
}

impl KeyMode {
    pub const ALL: [KeyMode; 2] = [KeyMode::Live, KeyMode::Test];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyMode::Live => "live",
            KeyMode::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "live" => Some(KeyMode::Live),
            "test" => Some(KeyMode::Test),
            _ => None,
        }
    }
}

/// Lowercase hex SHA-256 of a key's full text. The only form in which a key is stored.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyHash(pub String);

impl fmt::Debug for KeyHash {
    // A hash is not a secret, but there is no reason to spread it through logs either.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash(..)")
    }
}

/// A freshly minted key. `plaintext` is shown to the user once and never stored.
#[derive(Clone)]
pub struct GeneratedKey {
    pub plaintext: String,
    pub hash: KeyHash,
    /// The first characters of the key, kept so the owner can tell their keys apart.
    pub display_prefix: String,
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("plaintext", &"[redacted]")
            .field("display_prefix", &self.display_prefix)
            .finish()
    }
}

/// A key presented by a client, checked for form and checksum, and hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedKey {
    pub mode: KeyMode,
    pub hash: KeyHash,
}

/// What the store knows of a key when it is presented: enough to decide, in one lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    /// The data space the key acts on: the company for live keys, its sandbox twin for test keys.
    pub company_id: CompanyId,
    pub mode: KeyMode,
    pub hash: KeyHash,
    pub revoked: bool,
    /// Set once the key was rolled: it works until then.
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The plan of the company the key was issued for: whether it has API access.
    pub plan: Plan,
    /// Whether the key's user belongs to a Partner-plan company: then their one bucket has the
    /// Partner allowance, whichever of their keys is used (one bucket per user, one quota).
    pub partner_user: bool,
    /// The current version of the tenant's data, read in the same lookup.
    pub data_version: DataVersion,
    /// What the key's user is in the company the key was issued for.
    pub role: super::Role,
}

/// A key as its owner sees it in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub mode: KeyMode,
    pub display_prefix: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Set once the key was rolled: it works until then.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Which of a user's keys to list: newest first, after the key `after` (the previous page's last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyQuery {
    pub after: Option<ApiKeyId>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub mode: KeyMode,
    pub hash: KeyHash,
    pub display_prefix: String,
    pub name: String,
}

/// Who is calling, and how much of their rate limit is left: what authentication yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    pub principal: Principal,
    /// The caller's bucket after this request; `None` when limits are off.
    pub rate_limit: Option<super::RateLimitStatus>,
    /// The plan of the company the key was issued for (only Partner keys choose another).
    pub plan: Plan,
}

/// Who is calling, once their key has been accepted: the tenant every port call is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: ApiKeyId,
    pub user_id: UserId,
    /// The data space this request acts on: the key's own, or the one `CarbonPass-Company` chose.
    pub company_id: CompanyId,
    /// The data space the key was issued for. A user's keys are theirs, wherever they act: key
    /// management stays here whatever company a request chooses.
    pub key_company_id: CompanyId,
    /// Set when the calling key was rolled: it works until then, but manages no keys (a leaked
    /// key must not outlive its roll by minting or rolling others).
    pub key_expires_at: Option<DateTime<Utc>>,
    pub mode: KeyMode,
    /// The version of the tenant's data when the key was checked: a read for this request must
    /// see data at least this new.
    pub data_version: DataVersion,
    /// What the caller is in the data space this request acts on (a consultant in a client's).
    pub role: super::Role,
    /// What the caller is in the key's own data space: what they may do with keys.
    pub key_role: super::Role,
}

impl Principal {
    /// The data space this request acts on.
    pub fn tenant(&self) -> super::Tenant {
        super::Tenant {
            company: self.company_id.clone(),
            data_version: self.data_version,
            role: self.role,
            key_rolled: self.key_expires_at.is_some(),
        }
    }

    /// The caller as the holder of keys: their key's own data space, whatever company the
    /// request chose.
    pub fn key_holder(&self) -> super::KeyHolder {
        super::KeyHolder {
            user: self.user_id.clone(),
            space: self.key_company_id.clone(),
            mode: self.mode,
            acting: super::Acting::Key { rolled_until: self.key_expires_at },
            role: self.key_role,
        }
    }
}

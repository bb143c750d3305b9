//! `/api/v1/keys`: listing, creating and revoking the caller's API keys.

use carbonpass_domain::model::{ApiKeyRecord, GeneratedKey};
use serde::{Deserialize, Serialize};

use super::time::rfc3339;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateKeyIn {
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyOut {
    pub id: String,
    pub name: String,
    pub mode: &'static str,
    /// The first characters of the key, to tell keys apart; never the whole key.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A new key: the only response that ever holds a key's full text.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatedKeyOut {
    #[serde(flatten)]
    pub record: KeyOut,
    pub key: String,
}

impl From<ApiKeyRecord> for KeyOut {
    fn from(record: ApiKeyRecord) -> Self {
        let ApiKeyRecord {
            id,
            user_id: _,
            company_id: _,
            mode,
            display_prefix,
            name,
            created_at,
            last_used_at,
            revoked_at,
        } = record;
        Self {
            id: id.into_string(),
            name,
            mode: mode.as_str(),
            prefix: display_prefix,
            created_at: rfc3339(created_at),
            last_used_at: last_used_at.map(rfc3339),
            revoked_at: revoked_at.map(rfc3339),
        }
    }
}

impl CreatedKeyOut {
    pub fn new(record: ApiKeyRecord, key: GeneratedKey) -> Self {
        Self { record: record.into(), key: key.plaintext }
    }
}

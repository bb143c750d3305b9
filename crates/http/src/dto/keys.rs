//! `/api/v1/keys`: listing, creating and revoking the caller's API keys.

use carbonpass_domain::model::{ApiKeyRecord, GeneratedKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema;
use super::time::rfc3339;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CreateKeyRequest)]
pub(crate) struct CreateKeyIn {
    /// What the key is for: plain text with a letter or digit, at most 100 characters.
    #[schema(min_length = 1, max_length = 100, example = "Invoicing integration")]
    pub name: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = RollKeyRequest)]
pub(crate) struct RollKeyIn {
    /// How many hours the old key keeps working: 0 to 168 (a week); 24 when not sent.
    #[schema(minimum = 0, maximum = 168, example = 24)]
    pub grace_period_hours: Option<i64>,
}

/// An API key, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApiKey)]
pub(crate) struct KeyOut {
    pub id: String,
    pub name: String,
    /// `live` keys act on live data, `test` keys on the company's sandbox.
    #[schema(schema_with = schema::key_mode)]
    pub mode: &'static str,
    /// The first characters of the key, to tell keys apart; never the whole key.
    pub prefix: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
    /// Set once the key was rolled: it stops working at this time.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// A new key: the only response that ever holds a key's full text.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreatedApiKey)]
pub(crate) struct CreatedKeyOut {
    #[serde(flatten)]
    pub record: KeyOut,
    /// The key itself (`cp_live_…` or `cp_test_…`), shown this once.
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
            expires_at,
        } = record;
        Self {
            id: id.into_string(),
            name,
            mode: mode.as_str(),
            prefix: display_prefix,
            created_at: rfc3339(created_at),
            last_used_at: last_used_at.map(rfc3339),
            revoked_at: revoked_at.map(rfc3339),
            expires_at: expires_at.map(rfc3339),
        }
    }
}

/// A rolled key: its replacement, with the secret shown this once, and the old key with the
/// time it stops working.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RolledApiKey)]
pub(crate) struct RolledKeyOut {
    #[serde(flatten)]
    pub created: CreatedKeyOut,
    /// The key that was rolled; `expiresAt` says until when it works.
    pub replaces: KeyOut,
}

impl CreatedKeyOut {
    pub fn new(record: ApiKeyRecord, key: GeneratedKey) -> Self {
        Self { record: record.into(), key: key.plaintext }
    }
}

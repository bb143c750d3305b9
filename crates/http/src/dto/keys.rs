//! `/api/v1/keys`: listing, creating and revoking the caller's API keys.

use carbonpass_domain::model::{ApiKeyRecord, GeneratedKey};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::schema;
use super::time::rfc3339;

/// `GET /api/v1/keys` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct KeysQueryIn {
    /// Keys per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = "^key_[0-9A-Za-z]{1,64}$")]
    pub cursor: Option<String>,
    /// Owners only: list this user's keys in the company instead of the caller's (`usr_…`).
    #[param(pattern = "^usr_[0-9A-Za-z]{1,64}$")]
    pub user_id: Option<String>,
}

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
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 168, example = 24)]
    #[serde(default, deserialize_with = "whole_number")]
    pub grace_period_hours: Option<i64>,
}

/// A whole number as JSON Schema counts one: `78` and `78.0` alike (a JSON number with no
/// fraction is an integer there, and clients in languages without integers send the second).
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(whole) = number.as_i64() {
        return Ok(Some(whole));
    }
    match number.as_f64() {
        // Within ±2^53 every whole f64 is exact, and far wider than any value accepted.
        Some(value) if value.fract() == 0.0 && value.abs() <= 9_007_199_254_740_992.0 => Ok(Some(value as i64)),
        _ => Err(D::Error::custom(format!("expected a whole number in range, not {number}"))),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn grace(body: &str) -> Result<Option<i64>, String> {
        serde_json::from_str::<RollKeyIn>(body).map(|roll| roll.grace_period_hours).map_err(|e| e.to_string())
    }

    #[test]
    fn grace_periods_are_whole_numbers_however_written() {
        assert_eq!(grace(r#"{"gracePeriodHours": 78}"#), Ok(Some(78)));
        assert_eq!(grace(r#"{"gracePeriodHours": 78.0}"#), Ok(Some(78)));
        assert_eq!(grace(r#"{"gracePeriodHours": -1}"#), Ok(Some(-1)), "the range is the domain's to judge");
        assert_eq!(grace(r#"{"gracePeriodHours": null}"#), Ok(None));
        assert_eq!(grace("{}"), Ok(None));
        for bad in [r#"{"gracePeriodHours": 1.5}"#, r#"{"gracePeriodHours": "24"}"#, r#"{"gracePeriodHours": 1e300}"#] {
            assert!(grace(bad).is_err(), "{bad}");
        }
    }
}

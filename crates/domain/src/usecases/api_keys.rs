//! Issuing, listing and revoking API keys.

use chrono::{DateTime, Utc};

use super::Services;
use crate::DomainError;
use crate::model::{ApiKeyId, ApiKeyRecord, CompanyId, GeneratedKey, KeyMode, NewApiKey, UserId};

/// A request for a new key: whose, for which live company, live or test.
#[derive(Debug, Clone)]
pub struct IssueKey {
    pub user: UserId,
    pub company: CompanyId,
    pub mode: KeyMode,
    pub name: String,
}

impl Services {
    /// Mints a key for a member of a live company. A test key is bound to the company's sandbox
    /// twin, so by construction it can never reach live data. Returns the plaintext once.
    pub async fn issue_key(&self, request: IssueKey) -> Result<(ApiKeyRecord, GeneratedKey), DomainError> {
        let name = request.name.trim().to_owned();
        if name.chars().count() > 100 {
            return Err(DomainError::invalid("name", "must be at most 100 characters"));
        }
        if !self.users.is_member(&request.user, &request.company).await? {
            return Err(DomainError::not_found("membership of that user in that company"));
        }
        let company_id = match request.mode {
            KeyMode::Live => request.company,
            KeyMode::Test => self.companies.sandbox_twin(&request.company).await?,
        };
        let generated = self.codec.generate(request.mode);
        let record = self
            .keys
            .insert_key(NewApiKey {
                user_id: request.user,
                company_id,
                mode: request.mode,
                hash: generated.hash.clone(),
                display_prefix: generated.display_prefix.clone(),
                name,
            })
            .await?;
        Ok((record, generated))
    }

    pub async fn revoke_key(
        &self,
        owner: &UserId,
        id: &ApiKeyId,
        now: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, DomainError> {
        self.keys.revoke_key(owner, id, now).await
    }

    pub async fn list_keys(&self, owner: &UserId) -> Result<Vec<ApiKeyRecord>, DomainError> {
        self.keys.list_keys(owner).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::KeyHash;
    use crate::usecases::test_support::Mocks;

    fn generated(mode: KeyMode) -> GeneratedKey {
        GeneratedKey {
            plaintext: format!("cp_{}_secret", mode.as_str()),
            hash: KeyHash("h".into()),
            display_prefix: format!("cp_{}_secr", mode.as_str()),
        }
    }

    fn echo_record(new: NewApiKey) -> Result<ApiKeyRecord, DomainError> {
        Ok(ApiKeyRecord {
            id: ApiKeyId::parse("key_new").expect("id"),
            user_id: new.user_id,
            company_id: new.company_id,
            mode: new.mode,
            display_prefix: new.display_prefix,
            name: new.name,
            created_at: Utc::now(),
            last_used_at: None,
            revoked_at: None,
        })
    }

    fn request(mode: KeyMode) -> IssueKey {
        IssueKey {
            user: UserId::parse("usr_u").expect("id"),
            company: CompanyId::parse("comp_live").expect("id"),
            mode,
            name: " ci ".into(),
        }
    }

    #[test]
    fn a_live_key_acts_on_the_live_company() {
        let mut m = Mocks::default();
        m.users.expect_is_member().returning(|_, _| Ok(true));
        m.codec.expect_generate().returning(generated);
        m.companies.expect_sandbox_twin().never();
        m.keys.expect_insert_key().returning(echo_record);
        let (record, key) = pollster::block_on(m.into_services().issue_key(request(KeyMode::Live))).expect("issued");
        assert_eq!(record.company_id.as_str(), "comp_live");
        assert_eq!(record.name, "ci");
        assert_eq!(key.plaintext, "cp_live_secret");
    }

    #[test]
    fn a_test_key_acts_on_the_sandbox_twin() {
        let mut m = Mocks::default();
        m.users.expect_is_member().returning(|_, _| Ok(true));
        m.codec.expect_generate().returning(generated);
        m.companies
            .expect_sandbox_twin()
            .withf(|live| live.as_str() == "comp_live")
            .returning(|_| Ok(CompanyId::parse("comp_twin").expect("id")));
        m.keys.expect_insert_key().returning(echo_record);
        let (record, _) = pollster::block_on(m.into_services().issue_key(request(KeyMode::Test))).expect("issued");
        assert_eq!(record.company_id.as_str(), "comp_twin");
        assert_eq!(record.mode, KeyMode::Test);
    }

    #[test]
    fn outsiders_get_no_key() {
        let mut m = Mocks::default();
        m.users.expect_is_member().returning(|_, _| Ok(false));
        m.keys.expect_insert_key().never();
        let result = pollster::block_on(m.into_services().issue_key(request(KeyMode::Live)));
        assert!(matches!(result, Err(DomainError::NotFound { .. })));
    }
}

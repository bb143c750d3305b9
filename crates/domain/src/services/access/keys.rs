//! Issuing, listing, rolling and revoking API keys.

use chrono::{DateTime, TimeDelta, Utc};

use super::Access;
use crate::DomainError;
use crate::model::{
    Acting, Action, ApiKeyId, ApiKeyRecord, CompanyId, GeneratedKey, KeyHolder, KeyMode, KeyQuery, NewApiKey, Role,
    UserId,
};

/// How long a rolled key keeps working when the caller does not say.
pub const DEFAULT_GRACE_HOURS: i64 = 24;
/// The longest a rolled key may keep working: a week, time enough for any deployment.
pub const MAX_GRACE_HOURS: i64 = 168;
/// The most working keys (neither revoked nor expired) a user holds in one data space, unless
/// the operator sets another: far more than integrations need, few enough to list.
pub const DEFAULT_KEYS_PER_USER: u32 = 100;
/// The longest page of keys.
pub const MAX_KEYS_PAGE: u32 = 100;

impl Access {
    /// The holder of `user`'s keys for the live company `company` in `mode`, for an operator:
    /// the user must be a member; a test key is bound to the company's sandbox twin, so by
    /// construction it can never reach live data.
    #[tracing::instrument(name = "access.operator_key_holder", skip_all)]
    pub async fn operator_key_holder(
        &self,
        user: &UserId,
        company: &CompanyId,
        mode: KeyMode,
    ) -> Result<KeyHolder, DomainError> {
        if !self.users.is_member(user, company).await? {
            return Err(DomainError::not_found("membership of that user in that company"));
        }
        let space = match mode {
            KeyMode::Live => company.clone(),
            KeyMode::Test => self.companies.sandbox_twin(company).await?,
        };
        Ok(KeyHolder { user: user.clone(), space, mode, acting: Acting::Operator, role: Role::Operator })
    }

    /// The holder of one of `user`'s keys, whatever company it is for, for an operator.
    #[tracing::instrument(name = "access.operator_holder_of_key", skip_all)]
    pub async fn operator_holder_of_key(&self, user: &UserId, id: &ApiKeyId) -> Result<KeyHolder, DomainError> {
        let keys = self.keys.list_user_keys(user).await?;
        let key = keys.iter().find(|key| &key.id == id).ok_or(DomainError::not_found("API key"))?;
        Ok(KeyHolder {
            user: user.clone(),
            space: key.company_id.clone(),
            mode: key.mode,
            acting: Acting::Operator,
            role: Role::Operator,
        })
    }

    /// A new key for the holder, of the holder's mode and data space (a test key can never mint
    /// a live one). Returns the plaintext once.
    #[tracing::instrument(name = "access.issue_key", skip_all)]
    pub async fn issue_key(&self, holder: &KeyHolder, name: &str) -> Result<(ApiKeyRecord, GeneratedKey), DomainError> {
        manages_keys(holder)?;
        // Minting a credential is an owner's: members retire and replace their own keys only.
        holder.require(Action::ManageKeys)?;
        let name = validate_key_name(name)?;
        // A key made through the API says what it is for: its owner will see a list of them.
        if name.is_empty() && matches!(holder.acting, Acting::Key { .. }) {
            return Err(DomainError::invalid("name", "must say what the key is for (a letter or digit at least)"));
        }
        let generated = self.codec.generate(holder.mode);
        let new = NewApiKey {
            user_id: holder.user.clone(),
            company_id: holder.space.clone(),
            mode: holder.mode,
            hash: generated.hash.clone(),
            display_prefix: generated.display_prefix.clone(),
            name,
        };
        Ok((self.keys.insert_key(new, self.keys_per_user).await?, generated))
    }

    /// Keys in the holder's data space (live or sandbox), newest first, and whether more
    /// follow: the holder's own, or (owners only) those of `user`, another user of the
    /// company. A Partner acting on a client still manages their own company's keys.
    #[tracing::instrument(name = "access.keys_of", skip_all)]
    pub async fn keys_of(
        &self,
        holder: &KeyHolder,
        user: Option<&UserId>,
        mut query: KeyQuery,
    ) -> Result<(Vec<ApiKeyRecord>, bool), DomainError> {
        if !(1..=MAX_KEYS_PAGE).contains(&query.limit) {
            return Err(DomainError::invalid("limit", format!("must be from 1 to {MAX_KEYS_PAGE}")));
        }
        let owner = match user {
            Some(user) if *user != holder.user => {
                holder.require(Action::ManageKeys)?;
                user
            }
            _ => &holder.user,
        };
        let limit = query.limit as usize;
        query.limit += 1;
        let mut page = self.keys.list_keys(&holder.space, owner, query).await?;
        let more = page.len() > limit;
        page.truncate(limit);
        Ok((page, more))
    }

    /// Replaces one of the holder's keys with a new one of the same name and mode, returned
    /// once; the old key keeps working for `grace_hours` (default 24, at most 168; 0 ends it
    /// now). Returns the old key (with its expiry) and the new one.
    #[tracing::instrument(name = "access.roll_key", skip_all)]
    pub async fn roll_key(
        &self,
        holder: &KeyHolder,
        id: &ApiKeyId,
        grace_hours: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(ApiKeyRecord, ApiKeyRecord, GeneratedKey), DomainError> {
        manages_keys(holder)?;
        let hours = grace_hours.unwrap_or(DEFAULT_GRACE_HOURS);
        if !(0..=MAX_GRACE_HOURS).contains(&hours) {
            return Err(DomainError::invalid(
                "gracePeriodHours",
                format!("must be a whole number of hours from 0 to {MAX_GRACE_HOURS}"),
            ));
        }
        let generated = self.codec.generate(holder.mode);
        let expires_at = now + TimeDelta::hours(hours);
        let (old, new) = self.keys.roll_key(&holder.space, &holder.user, id, &generated, expires_at).await?;
        Ok((old, new, generated))
    }

    /// Revokes one of the holder's keys in their data space; `NotFound` for any other.
    #[tracing::instrument(name = "access.revoke_key", skip_all)]
    pub async fn revoke_key(
        &self,
        holder: &KeyHolder,
        id: &ApiKeyId,
        now: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, DomainError> {
        manages_keys(holder)?;
        match self.keys.revoke_key(&holder.space, &holder.user, id, now).await {
            // An owner revokes any key of the company's users in their data space (a leaked
            // key of someone away, say); to anyone else another user's key does not exist.
            Err(DomainError::NotFound { .. }) if holder.role.may(Action::ManageKeys) => {
                let key = self.keys.find_key(&holder.space, id).await?.ok_or(DomainError::not_found("API key"))?;
                self.keys.revoke_key(&holder.space, &key.user_id, id, now).await
            }
            other => other,
        }
    }

    /// Every key of a user, in every company, for an operator.
    #[tracing::instrument(name = "access.list_keys", skip_all)]
    pub async fn list_keys(&self, owner: &UserId) -> Result<Vec<ApiKeyRecord>, DomainError> {
        self.keys.list_user_keys(owner).await
    }
}

/// A rolled key works until its grace period ends, to be replaced, but creates, rolls and
/// revokes no keys: a leaked key must not outlive its roll by minting a key that never expires.
fn manages_keys(holder: &KeyHolder) -> Result<(), DomainError> {
    match holder.acting {
        Acting::Key { rolled_until: Some(expiry) } => Err(DomainError::Conflict {
            message: format!(
                "this key was rolled and stops working at {}; manage keys with its replacement",
                expiry.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        }),
        Acting::Key { rolled_until: None } | Acting::Operator => Ok(()),
    }
}

fn validate_key_name(name: &str) -> Result<String, DomainError> {
    Ok(crate::model::plain_text("name", name, 100)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KeyHash;
    use crate::model::Principal;
    use crate::services::access::test_support::Mocks;

    fn generated(mode: KeyMode) -> GeneratedKey {
        GeneratedKey {
            plaintext: format!("cp_{}_secret", mode.as_str()),
            hash: KeyHash("h".into()),
            display_prefix: format!("cp_{}_secr", mode.as_str()),
        }
    }

    fn echo_record(new: NewApiKey, _cap: u32) -> Result<ApiKeyRecord, DomainError> {
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
            expires_at: None,
        })
    }

    /// What `carbonpass key create --email … --company comp_live --name " ci "` does.
    async fn operator_issues(access: &Access, mode: KeyMode) -> Result<(ApiKeyRecord, GeneratedKey), DomainError> {
        let user = UserId::parse("usr_u").expect("id");
        let holder = access.operator_key_holder(&user, &CompanyId::parse("comp_live").expect("id"), mode).await?;
        access.issue_key(&holder, " ci ").await
    }

    #[test]
    fn a_live_key_acts_on_the_live_company() {
        let mut m = Mocks::default();
        m.users.expect_is_member().returning(|_, _| Ok(true));
        m.codec.expect_generate().returning(generated);
        m.companies.expect_sandbox_twin().never();
        m.keys.expect_insert_key().returning(echo_record);
        let (record, key) = pollster::block_on(operator_issues(&m.into_service(), KeyMode::Live)).expect("issued");
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
        let (record, _) = pollster::block_on(operator_issues(&m.into_service(), KeyMode::Test)).expect("issued");
        assert_eq!(record.company_id.as_str(), "comp_twin");
        assert_eq!(record.mode, KeyMode::Test);
    }

    fn principal(mode: KeyMode, company: &str) -> Principal {
        Principal {
            key_id: ApiKeyId::parse("key_caller").expect("id"),
            user_id: UserId::parse("usr_u").expect("id"),
            company_id: CompanyId::parse(company).expect("id"),
            key_company_id: CompanyId::parse(company).expect("id"),
            key_expires_at: None,
            mode,
            data_version: crate::model::DataVersion(0),
            role: Role::Owner,
            key_role: Role::Owner,
        }
    }

    #[test]
    fn a_key_mints_keys_only_of_its_own_mode_and_space() {
        let mut m = Mocks::default();
        m.codec.expect_generate().withf(|mode| *mode == KeyMode::Test).returning(generated);
        m.keys
            .expect_insert_key()
            .withf(|new, cap| new.mode == KeyMode::Test && new.company_id.as_str() == "comp_twin" && *cap == 100)
            .returning(echo_record);
        let caller = principal(KeyMode::Test, "comp_twin");
        let (record, key) = pollster::block_on(m.into_service().issue_key(&caller.key_holder(), "ci")).expect("issued");
        assert_eq!(record.mode, KeyMode::Test);
        assert!(key.plaintext.starts_with("cp_test_"));
    }

    #[test]
    fn keys_are_listed_and_revoked_in_the_callers_own_space_only() {
        let mut m = Mocks::default();
        m.keys
            .expect_list_keys()
            .withf(|company, user, query| {
                company.as_str() == "comp_twin" && user.as_str() == "usr_u" && query.limit == 21
            })
            .times(1)
            .returning(|_, _, _| Ok(Vec::new()));
        m.keys
            .expect_revoke_key()
            .withf(|company, user, id, _| {
                company.as_str() == "comp_twin" && user.as_str() == "usr_u" && id.as_str() == "key_new"
            })
            .times(1)
            .returning(|_, _, _, _| Err(DomainError::not_found("API key")));
        // The caller is an owner: another user's key of the space would be revoked; there is none.
        m.keys
            .expect_find_key()
            .withf(|company, id| company.as_str() == "comp_twin" && id.as_str() == "key_new")
            .times(1)
            .returning(|_, _| Ok(None));
        let services = m.into_service();
        let sandbox_caller = principal(KeyMode::Test, "comp_twin");
        let page = KeyQuery { after: None, limit: 20 };
        let (keys, more) =
            pollster::block_on(services.keys_of(&sandbox_caller.key_holder(), None, page)).expect("list");
        assert!(keys.is_empty() && !more);
        let id = ApiKeyId::parse("key_new").expect("id");
        let result = pollster::block_on(services.revoke_key(&sandbox_caller.key_holder(), &id, Utc::now()));
        assert!(matches!(result, Err(DomainError::NotFound { .. })));
    }

    #[test]
    fn rolling_replaces_a_key_in_the_callers_space_with_the_grace_asked_for() {
        let now = Utc::now();
        let mut m = Mocks::default();
        m.codec.expect_generate().withf(|mode| *mode == KeyMode::Test).returning(generated);
        m.keys
            .expect_roll_key()
            .withf(move |company, user, id, replacement, expires_at| {
                company.as_str() == "comp_twin"
                    && user.as_str() == "usr_u"
                    && id.as_str() == "key_old"
                    && replacement.plaintext == "cp_test_secret"
                    && *expires_at == now + TimeDelta::hours(2)
            })
            .times(1)
            .returning(|_, _, _, _, expires_at| {
                let old = ApiKeyRecord {
                    id: ApiKeyId::parse("key_old").expect("id"),
                    expires_at: Some(expires_at),
                    ..record_of(KeyMode::Test)
                };
                Ok((old, record_of(KeyMode::Test)))
            });
        let caller = principal(KeyMode::Test, "comp_twin");
        let id = ApiKeyId::parse("key_old").expect("id");
        let (old, _, key) =
            pollster::block_on(m.into_service().roll_key(&caller.key_holder(), &id, Some(2), now)).expect("rolled");
        assert_eq!(old.expires_at, Some(now + TimeDelta::hours(2)));
        assert_eq!(key.plaintext, "cp_test_secret");
    }

    #[test]
    fn the_grace_period_defaults_to_a_day_and_stays_within_a_week() {
        let now = Utc::now();
        let mut m = Mocks::default();
        m.codec.expect_generate().returning(generated);
        m.keys
            .expect_roll_key()
            .withf(move |_, _, _, _, expires_at| *expires_at == now + TimeDelta::hours(24))
            .times(1)
            .returning(|_, _, _, _, _| Ok((record_of(KeyMode::Live), record_of(KeyMode::Live))));
        let services = m.into_service();
        let caller = principal(KeyMode::Live, "comp_live");
        let id = ApiKeyId::parse("key_old").expect("id");
        assert!(pollster::block_on(services.roll_key(&caller.key_holder(), &id, None, now)).is_ok());
        for hours in [-1, 169, i64::MAX, i64::MIN] {
            let refused = pollster::block_on(services.roll_key(&caller.key_holder(), &id, Some(hours), now));
            assert!(matches!(refused, Err(DomainError::Invalid { field: "gracePeriodHours", .. })), "{hours} accepted");
        }
    }

    fn record_of(mode: KeyMode) -> ApiKeyRecord {
        echo_record(
            NewApiKey {
                user_id: UserId::parse("usr_u").expect("id"),
                company_id: CompanyId::parse("comp_twin").expect("id"),
                mode,
                hash: KeyHash("h".into()),
                display_prefix: "cp_".into(),
                name: "ci".into(),
            },
            DEFAULT_KEYS_PER_USER,
        )
        .expect("record")
    }

    #[test]
    fn a_rolled_key_manages_no_keys() {
        let mut m = Mocks::default();
        m.keys.expect_insert_key().never();
        m.keys.expect_roll_key().never();
        m.keys.expect_revoke_key().never();
        let services = m.into_service();
        let rolled = Principal { key_expires_at: Some(Utc::now()), ..principal(KeyMode::Live, "comp_live") };
        let id = ApiKeyId::parse("key_other").expect("id");
        let conflict = |r: Result<_, DomainError>| matches!(r, Err(DomainError::Conflict { .. }));
        assert!(conflict(pollster::block_on(services.issue_key(&rolled.key_holder(), "more")).map(|_| ())));
        assert!(conflict(
            pollster::block_on(services.roll_key(&rolled.key_holder(), &id, None, Utc::now())).map(|_| ())
        ));
        assert!(conflict(pollster::block_on(services.revoke_key(&rolled.key_holder(), &id, Utc::now())).map(|_| ())));
    }

    #[test]
    fn outsiders_get_no_key() {
        let mut m = Mocks::default();
        m.users.expect_is_member().returning(|_, _| Ok(false));
        m.keys.expect_insert_key().never();
        let result = pollster::block_on(operator_issues(&m.into_service(), KeyMode::Live));
        assert!(matches!(result, Err(DomainError::NotFound { .. })));
    }
}

//! Turning a presented API key into a principal, or refusing it.

use chrono::{DateTime, TimeDelta, Utc};

use super::Services;
use crate::model::Principal;
use crate::{AuthFailure, DomainError};

/// `last used` is kept to the minute: recording every request would turn each read into a write.
pub const LAST_USED_GRANULARITY: TimeDelta = TimeDelta::seconds(60);

impl Services {
    /// Decides on a bearer token (`None` when the request carried none). Refuses missing,
    /// malformed, unknown and revoked keys (`Unauthenticated`) and keys of companies whose plan
    /// has no API access (`PlanRequired`).
    pub async fn authenticate(&self, token: Option<&str>, now: DateTime<Utc>) -> Result<Principal, DomainError> {
        let token = token.ok_or(DomainError::Unauthenticated(AuthFailure::Missing))?;
        let presented = self.codec.parse(token).ok_or(DomainError::Unauthenticated(AuthFailure::Malformed))?;
        let stored = self
            .keys
            .find_key_by_hash(&presented.hash)
            .await?
            .filter(|stored| self.codec.same_hash(&stored.hash, &presented.hash) && stored.mode == presented.mode)
            .ok_or(DomainError::Unauthenticated(AuthFailure::Unknown))?;
        if stored.revoked {
            return Err(DomainError::Unauthenticated(AuthFailure::Revoked));
        }
        if !stored.plan.has_api_access() {
            return Err(DomainError::PlanRequired { plan: stored.plan.to_string() });
        }
        let stale = stored.last_used_at.is_none_or(|last| now - last >= LAST_USED_GRANULARITY);
        if stale {
            // Best effort: a request is never refused because its key's last use could not be
            // written (a busy SQLite writer, say). The key stays stale, so a later request
            // records it; the adapter logs why this one could not.
            let _best_effort = self.keys.record_key_use(&stored.company_id, &stored.id, now).await;
        }
        Ok(Principal {
            key_id: stored.id,
            user_id: stored.user_id,
            company_id: stored.company_id,
            mode: stored.mode,
            data_version: stored.data_version,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use mockall::predicate::eq;

    use super::*;
    use crate::model::{ApiKeyId, CompanyId, DataVersion, KeyHash, KeyMode, Plan, PresentedKey, StoredKey, UserId};
    use crate::usecases::test_support::Mocks;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 6, 14, 30, 0).single().expect("valid time")
    }

    fn stored(plan: Plan, revoked: bool, last_used_at: Option<DateTime<Utc>>) -> StoredKey {
        StoredKey {
            id: ApiKeyId::parse("key_a1").expect("id"),
            user_id: UserId::parse("usr_u1").expect("id"),
            company_id: CompanyId::parse("comp_c1").expect("id"),
            mode: KeyMode::Live,
            hash: KeyHash("h1".into()),
            revoked,
            last_used_at,
            plan,
            data_version: DataVersion(7),
        }
    }

    /// Mocks where `cp_live_good` parses to hash `h1` and the store holds `key`.
    fn mocks_with(key: Option<StoredKey>) -> Mocks {
        let mut m = Mocks::default();
        m.codec.expect_parse().returning(|token| {
            (token == "cp_live_good").then(|| PresentedKey { mode: KeyMode::Live, hash: KeyHash("h1".into()) })
        });
        m.codec.expect_same_hash().returning(|a, b| a == b);
        m.keys.expect_find_key_by_hash().with(eq(KeyHash("h1".into()))).returning(move |_| Ok(key.clone()));
        m
    }

    fn failure(result: Result<Principal, DomainError>) -> Option<AuthFailure> {
        match result {
            Err(DomainError::Unauthenticated(f)) => Some(f),
            _ => None,
        }
    }

    #[test]
    fn a_missing_token_is_refused_without_a_lookup() {
        let services = Mocks::default().into_services();
        let result = pollster::block_on(services.authenticate(None, now()));
        assert_eq!(failure(result), Some(AuthFailure::Missing));
    }

    #[test]
    fn a_malformed_token_is_refused_without_a_lookup() {
        let mut m = Mocks::default();
        m.codec.expect_parse().returning(|_| None);
        let result = pollster::block_on(m.into_services().authenticate(Some("nope"), now()));
        assert_eq!(failure(result), Some(AuthFailure::Malformed));
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let services = mocks_with(None).into_services();
        let result = pollster::block_on(services.authenticate(Some("cp_live_good"), now()));
        assert_eq!(failure(result), Some(AuthFailure::Unknown));
    }

    #[test]
    fn a_revoked_key_is_refused() {
        let services = mocks_with(Some(stored(Plan::Business, true, None))).into_services();
        let result = pollster::block_on(services.authenticate(Some("cp_live_good"), now()));
        assert_eq!(failure(result), Some(AuthFailure::Revoked));
    }

    #[test]
    fn a_starter_plan_needs_an_upgrade() {
        let services = mocks_with(Some(stored(Plan::Starter, false, Some(now())))).into_services();
        let result = pollster::block_on(services.authenticate(Some("cp_live_good"), now()));
        assert!(matches!(result, Err(DomainError::PlanRequired { plan }) if plan == "starter"));
    }

    #[test]
    fn a_valid_key_yields_its_tenant_and_records_first_use() {
        let mut m = mocks_with(Some(stored(Plan::Business, false, None)));
        m.keys
            .expect_record_key_use()
            .withf(|company, id, at| company.as_str() == "comp_c1" && id.as_str() == "key_a1" && *at == now())
            .times(1)
            .returning(|_, _, _| Ok(()));
        let principal = pollster::block_on(m.into_services().authenticate(Some("cp_live_good"), now()));
        let principal = principal.expect("accepted");
        assert_eq!(principal.company_id.as_str(), "comp_c1");
        assert_eq!(principal.user_id.as_str(), "usr_u1");
        assert_eq!(principal.mode, KeyMode::Live);
        assert_eq!(principal.data_version, DataVersion(7), "the request reads data at least this new");
    }

    #[test]
    fn recent_use_is_not_written_again() {
        let recently = now() - TimeDelta::seconds(59);
        let mut m = mocks_with(Some(stored(Plan::Partner, false, Some(recently))));
        m.keys.expect_record_key_use().never();
        assert!(pollster::block_on(m.into_services().authenticate(Some("cp_live_good"), now())).is_ok());
    }

    #[test]
    fn stale_use_is_written() {
        let a_minute_ago = now() - LAST_USED_GRANULARITY;
        let mut m = mocks_with(Some(stored(Plan::Business, false, Some(a_minute_ago))));
        m.keys.expect_record_key_use().times(1).returning(|_, _, _| Ok(()));
        assert!(pollster::block_on(m.into_services().authenticate(Some("cp_live_good"), now())).is_ok());
    }

    #[test]
    fn a_use_that_cannot_be_recorded_does_not_refuse_the_request() {
        let mut m = mocks_with(Some(stored(Plan::Business, false, None)));
        m.keys.expect_record_key_use().times(1).returning(|_, _, _| Err(DomainError::Unavailable("locked".into())));
        let principal = pollster::block_on(m.into_services().authenticate(Some("cp_live_good"), now()));
        assert_eq!(principal.expect("accepted").key_id.as_str(), "key_a1");
    }

    #[test]
    fn a_store_outage_is_not_an_auth_failure() {
        let mut m = Mocks::default();
        m.codec.expect_parse().returning(|_| Some(PresentedKey { mode: KeyMode::Live, hash: KeyHash("h1".into()) }));
        m.keys.expect_find_key_by_hash().returning(|_| Err(DomainError::Unavailable("down".into())));
        let result = pollster::block_on(m.into_services().authenticate(Some("cp_live_x"), now()));
        assert!(matches!(result, Err(DomainError::Unavailable(_))));
    }
}

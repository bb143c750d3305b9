//! Letting a request in: its key checked, its caller's rate limit counted, and the company it
//! acts on chosen.

use chrono::{DateTime, TimeDelta, Utc};

use super::Access;
use crate::model::{Admission, CompanyId, Plan, PresentedKey, Principal, Role, StoredKey};
use crate::{AuthFailure, DomainError};

/// `last used` is kept to the minute: recording every request would turn each read into a write.
pub const LAST_USED_GRANULARITY: TimeDelta = TimeDelta::seconds(60);

/// What a request presents to be let in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    /// The bearer token; `None` when the request carried none.
    pub token: Option<&'a str>,
    /// The client's network address, which requests without a valid key are limited by.
    pub client: Option<&'a str>,
}

impl Access {
    /// Decides on a request's credentials. Refuses, in this order: a client address that used
    /// up its allowance of unauthenticated requests (`RateLimited`, before any lookup, unless the
    /// key was accepted lately); missing, malformed, unknown, revoked and expired keys
    /// (`Unauthenticated`) and keys of companies whose plan has no API access (`PlanRequired`),
    /// each counted against the client address; a user whose bucket is empty (`RateLimited`).
    #[tracing::instrument(name = "access.authenticate", skip_all)]
    pub async fn authenticate(
        &self,
        credentials: Credentials<'_>,
        now: DateTime<Utc>,
    ) -> Result<Admission, DomainError> {
        let presented = credentials.token.and_then(|token| self.codec.parse(token));
        if let Some(client) = credentials.client
            && let Some(refused) = self.limiter.client_refused(client)
        {
            // Checking form and checksum and hashing cost no lookup; a key that exists is let
            // through to be looked up (and judged), so a shared address locks out no good key.
            let exists = match &presented {
                Some(presented) => self.key_exists(&presented.hash, now).await,
                None => false,
            };
            if !exists {
                return Err(DomainError::RateLimited(refused));
            }
        }
        let stored = match self.identify(credentials.token, presented.as_ref(), now).await {
            Err(err @ (DomainError::Unauthenticated(_) | DomainError::PlanRequired { .. })) => {
                if let Some(presented) = &presented {
                    self.known.forget(&presented.hash);
                }
                // Looked up, so answered as what it is, even from an address refused since
                // (a key known to exist got this far).
                if let Some(client) = credentials.client
                    && self.limiter.client_refused(client).is_none()
                {
                    self.limiter.count_client(client, self.rate_quotas.unauthenticated);
                }
                return Err(err);
            }
            other => other?,
        };
        let quota =
            if stored.partner_user { Some(self.rate_quotas.partner) } else { self.rate_quotas.for_plan(stored.plan) };
        let quota = quota.ok_or(DomainError::PlanRequired { plan: stored.plan.to_string() })?;
        let rate_limit = self.limiter.admit(&stored.user_id, quota).await;
        if let Some(status) = rate_limit
            && !status.admitted()
        {
            return Err(DomainError::RateLimited(status));
        }
        self.known.learn(&stored.hash);
        let stale = stored.last_used_at.is_none_or(|last| now - last >= LAST_USED_GRANULARITY);
        if stale {
            // Best effort: a request is never refused because its key's last use could not be
            // written (a busy SQLite writer, say). The key stays stale, so a later request
            // records it; the adapter logs why this one could not.
            let _best_effort = self.keys.record_key_use(&stored.company_id, &stored.id, now).await;
        }
        let principal = Principal {
            key_id: stored.id,
            user_id: stored.user_id,
            company_id: stored.company_id.clone(),
            key_company_id: stored.company_id,
            key_expires_at: stored.expires_at,
            mode: stored.mode,
            data_version: stored.data_version,
            role: stored.role,
            key_role: stored.role,
        };
        Ok(Admission { principal, rate_limit, plan: stored.plan })
    }

    /// A request refused before (or instead of) a lookup of its key: counted against its client
    /// address like any request without a valid key, and refused as out of allowance if the
    /// address already is. For refusals found at the edge too (a second `Authorization` header,
    /// another scheme than Bearer).
    pub fn refuse_client(&self, client: Option<&str>, refusal: DomainError) -> DomainError {
        let Some(client) = client else { return refusal };
        if let Some(refused) = self.limiter.client_refused(client) {
            return DomainError::RateLimited(refused);
        }
        self.limiter.count_client(client, self.rate_quotas.unauthenticated);
        refusal
    }

    /// Whether a key with this hash exists, as far as the fingerprints of keys tell (see
    /// `known_keys`): read again, at most once a second, when the hash is not among them. A
    /// store that cannot be read answers no: the address stays refused.
    async fn key_exists(&self, hash: &crate::model::KeyHash, now: DateTime<Utc>) -> bool {
        if self.known.knows(hash) {
            return true;
        }
        let Some(reading) = self.known.start_reading(now) else { return false };
        let since = match reading {
            super::known_keys::Reading::All => None,
            super::known_keys::Reading::Since(since) => Some(since),
        };
        match self.keys.key_hashes_since(since).await {
            Ok(hashes) => self.known.absorb(&hashes),
            Err(_) => {
                self.known.reading_failed(reading);
                return false;
            }
        }
        self.known.knows(hash)
    }

    /// The stored key a token names, if it is valid now and has API access.
    async fn identify(
        &self,
        token: Option<&str>,
        presented: Option<&PresentedKey>,
        now: DateTime<Utc>,
    ) -> Result<StoredKey, DomainError> {
        token.ok_or(DomainError::Unauthenticated(AuthFailure::Missing))?;
        let presented = presented.ok_or(DomainError::Unauthenticated(AuthFailure::Malformed))?;
        let stored = self
            .keys
            .find_key_by_hash(&presented.hash)
            .await?
            .filter(|stored| self.codec.same_hash(&stored.hash, &presented.hash) && stored.mode == presented.mode)
            .ok_or(DomainError::Unauthenticated(AuthFailure::Unknown))?;
        if stored.revoked {
            return Err(DomainError::Unauthenticated(AuthFailure::Revoked));
        }
        if stored.expires_at.is_some_and(|expiry| expiry <= now) {
            return Err(DomainError::Unauthenticated(AuthFailure::Expired));
        }
        if !stored.plan.has_api_access() {
            return Err(DomainError::PlanRequired { plan: stored.plan.to_string() });
        }
        Ok(stored)
    }

    /// Whether an admitted request's caller may still act as `principal` (for a request that
    /// waited, a queued PDF render): its key neither revoked nor expired since, and, when it
    /// named a company (`chosen`, `CarbonPass-Company`), its user still serving that company.
    /// Refused as the request would be refused if it came now: 401 for the key, 404 for the
    /// company. Counts nothing against any allowance.
    #[tracing::instrument(name = "access.still_allowed", skip_all)]
    pub async fn still_allowed(
        &self,
        principal: &Principal,
        chosen: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let key = self
            .keys
            .find_key(&principal.key_company_id, &principal.key_id)
            .await?
            .filter(|k| k.user_id == principal.user_id)
            .ok_or(DomainError::Unauthenticated(AuthFailure::Unknown))?;
        if key.revoked_at.is_some() {
            return Err(DomainError::Unauthenticated(AuthFailure::Revoked));
        }
        if key.expires_at.is_some_and(|expiry| expiry <= now) {
            return Err(DomainError::Unauthenticated(AuthFailure::Expired));
        }
        if let Some(chosen) = chosen {
            let not_found = || DomainError::not_found("company");
            let chosen = CompanyId::parse(chosen).ok_or_else(not_found)?;
            let (space, _, _) =
                self.users.data_space(&principal.user_id, &chosen, principal.mode).await?.ok_or_else(not_found)?;
            if space != principal.company_id {
                return Err(not_found());
            }
        }
        Ok(())
    }

    /// The principal of an admitted request that names the live company `chosen`
    /// (`CarbonPass-Company`): its data space for the key's mode. Any key may name the company
    /// it was issued for; only keys of Partner-plan companies may name another, one their user
    /// serves. Anything else is not found, as if the company did not exist. Keys stay the key's
    /// company's (`key_company_id`).
    #[tracing::instrument(name = "access.act_for", skip_all)]
    pub async fn act_for(&self, admission: &Admission, chosen: &str) -> Result<Principal, DomainError> {
        let key = &admission.principal;
        let not_found = || DomainError::not_found("company");
        let chosen = CompanyId::parse(chosen).ok_or_else(not_found)?;
        let (space, version, membership) =
            self.users.data_space(&key.user_id, &chosen, key.mode).await?.ok_or_else(not_found)?;
        if space != key.key_company_id && admission.plan != Plan::Partner {
            return Err(not_found());
        }
        Ok(Principal { company_id: space, data_version: version, role: Role::of_membership(membership), ..key.clone() })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;
    use mockall::predicate::eq;

    use super::*;
    use crate::model::{
        ApiKeyId, CompanyId, DataVersion, KeyHash, KeyMode, KeyMode::Live, MembershipRole, Plan, PresentedKey,
        RateLimitStatus, StoredKey, UserId,
    };
    use crate::services::access::test_support::Mocks;
    use crate::services::testing::quotas;

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
            expires_at: None,
            last_used_at,
            plan,
            partner_user: plan == Plan::Partner,
            data_version: DataVersion(7),
            role: Role::Owner,
        }
    }

    fn status(remaining: u32, refused: bool) -> RateLimitStatus {
        RateLimitStatus {
            limit: 10,
            remaining,
            reset_after: Duration::from_secs(3),
            retry_after: refused.then_some(Duration::from_secs(2)),
        }
    }

    /// Mocks where `cp_live_good` parses to hash `h1`, the store holds `key`, the client address
    /// is never refused and every user's request is admitted with 9 left.
    fn mocks_with(key: Option<StoredKey>) -> Mocks {
        let mut m = Mocks::default();
        m.codec.expect_parse().returning(|token| {
            (token == "cp_live_good").then(|| PresentedKey { mode: KeyMode::Live, hash: KeyHash("h1".into()) })
        });
        m.codec.expect_same_hash().returning(|a, b| a == b);
        m.keys.expect_find_key_by_hash().with(eq(KeyHash("h1".into()))).returning(move |_| Ok(key.clone()));
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter.expect_count_client().returning(|_, _| ());
        m.limiter.expect_admit().returning(|_, _| Some(status(9, false)));
        m.keys.expect_record_key_use().returning(|_, _, _| Ok(()));
        m
    }

    fn with_token(token: Option<&str>) -> Credentials<'_> {
        Credentials { token, client: Some("192.0.2.7") }
    }

    fn failure(result: Result<Admission, DomainError>) -> Option<AuthFailure> {
        match result {
            Err(DomainError::Unauthenticated(f)) => Some(f),
            _ => None,
        }
    }

    #[test]
    fn a_missing_token_is_refused_without_a_lookup_and_counted_against_the_address() {
        let mut m = Mocks::default();
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter
            .expect_count_client()
            .withf(|client, quota| client == "192.0.2.7" && *quota == quotas().unauthenticated)
            .times(1)
            .returning(|_, _| ());
        let result = pollster::block_on(m.into_service().authenticate(with_token(None), now()));
        assert_eq!(failure(result), Some(AuthFailure::Missing));
    }

    #[test]
    fn a_malformed_token_is_refused_without_a_lookup() {
        let mut m = Mocks::default();
        m.codec.expect_parse().returning(|_| None);
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter.expect_count_client().times(1).returning(|_, _| ());
        let result = pollster::block_on(m.into_service().authenticate(with_token(Some("nope")), now()));
        assert_eq!(failure(result), Some(AuthFailure::Malformed));
    }

    #[test]
    fn from_an_address_out_of_allowance_made_up_keys_cost_one_reading_a_second_and_no_lookup() {
        let mut m = Mocks::default();
        m.limiter.expect_client_refused().returning(|_| Some(status(0, true)));
        m.codec.expect_parse().returning(|_| Some(PresentedKey { mode: KeyMode::Live, hash: KeyHash("h1".into()) }));
        m.keys.expect_key_hashes_since().times(1).returning(|_| Ok(vec![KeyHash("other".into())]));
        m.keys.expect_find_key_by_hash().never();
        let services = m.into_service();
        for _ in 0..20 {
            let result = pollster::block_on(services.authenticate(with_token(Some("cp_live_good")), now()));
            assert!(
                matches!(result, Err(DomainError::RateLimited(s)) if s.retry_after == Some(Duration::from_secs(2)))
            );
        }
    }

    #[test]
    fn a_key_that_exists_is_looked_up_from_a_refused_address_even_one_never_seen_here() {
        let mut m = mocks_with(Some(stored(Plan::Business, false, Some(now()))));
        m.limiter.checkpoint();
        m.limiter.expect_client_refused().returning(|_| Some(status(0, true)));
        m.limiter.expect_admit().returning(|_, _| Some(status(9, false)));
        // Every key is read once (the process's first reading); the new key is among them.
        m.keys.expect_key_hashes_since().withf(Option::is_none).times(1).returning(|_| Ok(vec![KeyHash("h1".into())]));
        let services = m.into_service();
        for _ in 0..3 {
            let admission = pollster::block_on(services.authenticate(with_token(Some("cp_live_good")), now()));
            assert_eq!(admission.expect("looked up and accepted").principal.key_id.as_str(), "key_a1");
        }
    }

    #[test]
    fn a_key_created_after_the_last_reading_is_known_a_second_later() {
        let mut m = mocks_with(Some(stored(Plan::Business, false, Some(now()))));
        m.limiter.checkpoint();
        m.limiter.expect_client_refused().returning(|_| Some(status(0, true)));
        m.limiter.expect_admit().returning(|_, _| Some(status(9, false)));
        m.keys.expect_key_hashes_since().withf(Option::is_none).times(1).returning(|_| Ok(vec![]));
        m.keys
            .expect_key_hashes_since()
            .withf(|since| since.is_some_and(|since| since < now()))
            .times(1)
            .returning(|_| Ok(vec![KeyHash("h1".into())]));
        let services = m.into_service();
        let early = pollster::block_on(services.authenticate(with_token(Some("cp_live_good")), now()));
        assert!(matches!(early, Err(DomainError::RateLimited(_))), "not yet known");
        let within = pollster::block_on(services.authenticate(with_token(Some("cp_live_good")), now()));
        assert!(matches!(within, Err(DomainError::RateLimited(_))), "no second reading within the second");
        let later = now() + crate::services::access::KNOWN_KEYS_REFRESH;
        let admission = pollster::block_on(services.authenticate(with_token(Some("cp_live_good")), later));
        assert_eq!(admission.expect("known now").principal.key_id.as_str(), "key_a1");
    }

    #[test]
    fn an_unknown_key_is_refused_and_counted_against_the_address() {
        let mut m = Mocks::default();
        m.codec.expect_parse().returning(|_| Some(PresentedKey { mode: KeyMode::Live, hash: KeyHash("h1".into()) }));
        m.keys.expect_find_key_by_hash().returning(|_| Ok(None));
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter.expect_count_client().times(1).returning(|_, _| ());
        let result = pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_x")), now()));
        assert_eq!(failure(result), Some(AuthFailure::Unknown));
    }

    #[test]
    fn a_revoked_key_is_refused() {
        let services = mocks_with(Some(stored(Plan::Business, true, None))).into_service();
        let result = pollster::block_on(services.authenticate(with_token(Some("cp_live_good")), now()));
        assert_eq!(failure(result), Some(AuthFailure::Revoked));
    }

    #[test]
    fn a_rolled_key_works_until_its_expiry() {
        let rolled = |expires_at| StoredKey { expires_at: Some(expires_at), ..stored(Plan::Business, false, None) };
        let before = mocks_with(Some(rolled(now() + TimeDelta::seconds(1)))).into_service();
        assert!(pollster::block_on(before.authenticate(with_token(Some("cp_live_good")), now())).is_ok());
        let at = mocks_with(Some(rolled(now()))).into_service();
        let result = pollster::block_on(at.authenticate(with_token(Some("cp_live_good")), now()));
        assert_eq!(failure(result), Some(AuthFailure::Expired));
    }

    #[test]
    fn a_starter_plan_needs_an_upgrade_and_counts_against_the_address_not_a_bucket() {
        let mut m = mocks_with(Some(stored(Plan::Starter, false, Some(now()))));
        m.limiter.checkpoint();
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter.expect_count_client().times(1).returning(|_, _| ());
        m.limiter.expect_admit().never();
        let result = pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_good")), now()));
        assert!(matches!(result, Err(DomainError::PlanRequired { plan }) if plan == "starter"));
    }

    #[test]
    fn a_partner_users_every_key_draws_on_the_partner_allowance() {
        let business_key = StoredKey { partner_user: true, ..stored(Plan::Business, false, Some(now())) };
        let mut m = mocks_with(Some(business_key));
        m.limiter.checkpoint();
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter.expect_admit().withf(|_, quota| *quota == quotas().partner).times(1).returning(|_, _| None);
        let admission = pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_good")), now()));
        assert_eq!(admission.expect("accepted").plan, Plan::Business, "API access is still the key's company's");
    }

    #[test]
    fn a_valid_key_yields_its_tenant_and_rate_limit_and_records_first_use() {
        let mut m = mocks_with(Some(stored(Plan::Business, false, None)));
        m.keys.checkpoint();
        m.keys.expect_find_key_by_hash().returning(|_| Ok(Some(stored(Plan::Business, false, None))));
        m.keys
            .expect_record_key_use()
            .withf(|company, id, at| company.as_str() == "comp_c1" && id.as_str() == "key_a1" && *at == now())
            .times(1)
            .returning(|_, _, _| Ok(()));
        m.limiter.checkpoint();
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter
            .expect_admit()
            .withf(|user, quota| user.as_str() == "usr_u1" && *quota == quotas().business)
            .times(1)
            .returning(|_, _| Some(status(9, false)));
        let admission = pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_good")), now()));
        let admission = admission.expect("accepted");
        let principal = admission.principal;
        assert_eq!(principal.company_id.as_str(), "comp_c1");
        assert_eq!(principal.user_id.as_str(), "usr_u1");
        assert_eq!(principal.mode, KeyMode::Live);
        assert_eq!(principal.data_version, DataVersion(7), "the request reads data at least this new");
        assert_eq!(admission.rate_limit, Some(status(9, false)));
    }

    #[test]
    fn partner_users_are_limited_by_the_partner_allowance() {
        let mut m = mocks_with(Some(stored(Plan::Partner, false, Some(now()))));
        m.limiter.checkpoint();
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter.expect_admit().withf(|_, quota| *quota == quotas().partner).times(1).returning(|_, _| None);
        let admission = pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_good")), now()));
        assert_eq!(admission.expect("accepted").rate_limit, None, "limits off: no status");
    }

    #[test]
    fn an_empty_bucket_refuses_the_request_without_recording_use() {
        let mut m = mocks_with(Some(stored(Plan::Business, false, None)));
        m.limiter.checkpoint();
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter.expect_admit().returning(|_, _| Some(status(0, true)));
        m.keys.checkpoint();
        m.keys.expect_find_key_by_hash().returning(|_| Ok(Some(stored(Plan::Business, false, None))));
        m.keys.expect_record_key_use().never();
        let result = pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_good")), now()));
        assert!(matches!(result, Err(DomainError::RateLimited(s)) if s == status(0, true)));
    }

    #[test]
    fn recent_use_is_not_written_again() {
        let recently = now() - TimeDelta::seconds(59);
        let mut m = mocks_with(Some(stored(Plan::Partner, false, Some(recently))));
        m.keys.checkpoint();
        m.keys.expect_find_key_by_hash().returning(move |_| Ok(Some(stored(Plan::Partner, false, Some(recently)))));
        m.keys.expect_record_key_use().never();
        assert!(pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_good")), now())).is_ok());
    }

    #[test]
    fn a_use_that_cannot_be_recorded_does_not_refuse_the_request() {
        let mut m = mocks_with(Some(stored(Plan::Business, false, None)));
        m.keys.checkpoint();
        m.keys.expect_find_key_by_hash().returning(|_| Ok(Some(stored(Plan::Business, false, None))));
        m.keys.expect_record_key_use().times(1).returning(|_, _, _| Err(DomainError::Unavailable("locked".into())));
        let admission = pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_good")), now()));
        assert_eq!(admission.expect("accepted").principal.key_id.as_str(), "key_a1");
    }

    #[test]
    fn a_store_outage_is_not_an_auth_failure_and_not_counted() {
        let mut m = Mocks::default();
        m.codec.expect_parse().returning(|_| Some(PresentedKey { mode: KeyMode::Live, hash: KeyHash("h1".into()) }));
        m.keys.expect_find_key_by_hash().returning(|_| Err(DomainError::Unavailable("down".into())));
        m.limiter.expect_client_refused().returning(|_| None);
        m.limiter.expect_count_client().never();
        let result = pollster::block_on(m.into_service().authenticate(with_token(Some("cp_live_x")), now()));
        assert!(matches!(result, Err(DomainError::Unavailable(_))));
    }

    /// The partner key's admission, then the principal for `company`.
    fn choosing(m: Mocks, company: &str) -> Result<Principal, DomainError> {
        let services = m.into_service();
        let admission =
            pollster::block_on(services.authenticate(with_token(Some("cp_live_good")), now())).expect("admitted");
        pollster::block_on(services.act_for(&admission, company))
    }

    #[test]
    fn a_partner_acts_on_a_client_company_they_serve() {
        let mut m = mocks_with(Some(stored(Plan::Partner, false, Some(now()))));
        m.users
            .expect_data_space()
            .withf(|user, company, mode| {
                user.as_str() == "usr_u1" && company.as_str() == "comp_client" && *mode == Live
            })
            .times(1)
            .returning(|_, _, _| {
                Ok(Some((CompanyId::parse("comp_client").expect("id"), DataVersion(40), MembershipRole::Consultant)))
            });
        let principal = choosing(m, "comp_client").expect("accepted");
        assert_eq!(principal.company_id.as_str(), "comp_client");
        assert_eq!(principal.key_company_id.as_str(), "comp_c1", "keys stay the key's company's");
        assert_eq!(principal.data_version, DataVersion(40));
        assert_eq!(principal.key_id.as_str(), "key_a1");
    }

    #[test]
    fn a_company_the_user_does_not_serve_is_not_found() {
        let mut m = mocks_with(Some(stored(Plan::Partner, false, Some(now()))));
        m.users.expect_data_space().returning(|_, _, _| Ok(None));
        let result = choosing(m, "comp_other");
        assert!(matches!(result, Err(DomainError::NotFound { entity: "company" })));
    }

    #[test]
    fn a_header_that_is_no_company_id_is_not_found_without_a_lookup() {
        for header in ["", "usr_u1", "comp_", "comp_a b", "COMP_X"] {
            let mut m = mocks_with(Some(stored(Plan::Partner, false, Some(now()))));
            m.users.expect_data_space().never();
            let result = choosing(m, header);
            assert!(matches!(result, Err(DomainError::NotFound { .. })), "{header:?}");
        }
    }

    #[test]
    fn only_partner_keys_may_name_a_company_other_than_their_own() {
        let same = |m: &mut Mocks| {
            m.users
                .expect_data_space()
                .returning(|_, company, _| Ok(Some((company.clone(), DataVersion(1), MembershipRole::Owner))));
        };
        let mut m = mocks_with(Some(stored(Plan::Business, false, Some(now()))));
        same(&mut m);
        assert_eq!(choosing(m, "comp_c1").expect("its own company").company_id.as_str(), "comp_c1");
        let mut m = mocks_with(Some(stored(Plan::Business, false, Some(now()))));
        same(&mut m);
        assert!(matches!(choosing(m, "comp_member_too"), Err(DomainError::NotFound { .. })));
    }
}

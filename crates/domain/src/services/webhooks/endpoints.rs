//! Webhook endpoints: creating, reading, changing and deleting them, rotating their secrets,
//! sending a test ping, and the delivery log with its retries. All in the caller's data space
//! (a test key's endpoints are the sandbox's and hear only sandbox events).

use chrono::{DateTime, TimeDelta, Utc};

use super::Webhooks;
use crate::DomainError;
use crate::model::RateLimitStatus;
use crate::model::{Action, DeliveryId, EndpointId, Tenant};
use crate::webhooks::endpoint::{description, subscribed_events, target_url};
use crate::webhooks::model::{
    Creator, Delivery, DeliveryQuery, EndpointChange, EndpointWithSecret, ManualTarget, NewEndpoint, WebhookEndpoint,
};

/// How long a replaced secret keeps signing, so receivers can switch without losing events.
pub const OLD_SECRET_SIGNS_FOR: TimeDelta = TimeDelta::hours(24);

/// Endpoints one data space may have: enough for any integration, few enough that every event's
/// fan-out stays small.
pub const MAX_ENDPOINTS: usize = 20;

/// `POST /webhook-endpoints`, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateEndpoint {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
}

/// `PATCH /webhook-endpoints/{id}`, as sent: only what is `Some` changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeEndpoint {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

impl Webhooks {
    /// Creates an endpoint in the tenant's data space, its secret shown this once, recording who
    /// made it (`by`). The URL's form is checked before its host is looked up.
    #[tracing::instrument(name = "webhooks.create_endpoint", skip_all)]
    pub async fn create_endpoint(
        &self,
        tenant: &Tenant,
        by: Creator,
        request: CreateEndpoint,
        now: DateTime<Utc>,
    ) -> Result<EndpointWithSecret, DomainError> {
        tenant.require(Action::ManageWebhooks)?;
        let url = target_url(&request.url, self.targets.policy())?;
        let events = subscribed_events(&request.events)?;
        let description = description(request.description.as_deref())?;
        self.targets.check(&url).await?;
        let secret = self.targets.mint_secret();
        let new = NewEndpoint { url, description, events, secret: secret.clone(), created_by: by, created_at: now };
        let endpoint = self.webhooks.create_endpoint(&tenant.company, new).await?;
        Ok(EndpointWithSecret { endpoint, secret })
    }

    #[tracing::instrument(name = "webhooks.list_endpoints", skip_all)]
    pub async fn list_endpoints(&self, tenant: &Tenant) -> Result<Vec<WebhookEndpoint>, DomainError> {
        self.webhooks.list_endpoints(&tenant.company).await
    }

    /// A page of the tenant's endpoints, oldest first, and whether more follow (a data space
    /// holds few: read whole, cut in memory).
    #[tracing::instrument(name = "webhooks.endpoints_page", skip_all)]
    pub async fn endpoints_page(
        &self,
        tenant: &Tenant,
        page: crate::services::paging::Page<EndpointId>,
    ) -> Result<(Vec<WebhookEndpoint>, bool), DomainError> {
        crate::services::paging::check_limit(page.limit)?;
        let endpoints = self.webhooks.list_endpoints(&tenant.company).await?;
        crate::services::paging::cut(endpoints, |e| &e.id, &page, "webhook endpoint of this company")
    }

    #[tracing::instrument(name = "webhooks.endpoint", skip_all)]
    pub async fn endpoint(&self, tenant: &Tenant, id: &EndpointId) -> Result<WebhookEndpoint, DomainError> {
        self.webhooks.find_endpoint(&tenant.company, id).await?.ok_or(DomainError::not_found("webhook endpoint"))
    }

    /// Changes an endpoint's URL, events, description or whether it is enabled.
    #[tracing::instrument(name = "webhooks.change_endpoint", skip_all)]
    pub async fn change_endpoint(
        &self,
        tenant: &Tenant,
        id: &EndpointId,
        request: ChangeEndpoint,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, DomainError> {
        tenant.require(Action::ManageWebhooks)?;
        let change = EndpointChange {
            url: request.url.as_deref().map(|url| target_url(url, self.targets.policy())).transpose()?,
            events: request.events.as_deref().map(subscribed_events).transpose()?,
            description: request.description.as_deref().map(|d| description(Some(d))).transpose()?,
            enabled: request.enabled,
        };
        if change.is_empty() {
            return Err(DomainError::invalid(
                "body",
                "names nothing to change: send at least one of url, events, description, enabled",
            ));
        }
        // Not found before a lookup of the new host: another tenant's id learns nothing.
        self.endpoint(tenant, id).await?;
        if let Some(url) = &change.url {
            self.targets.check(url).await?;
        }
        self.webhooks.update_endpoint(&tenant.company, id, change, now).await
    }

    #[tracing::instrument(name = "webhooks.delete_endpoint", skip_all)]
    pub async fn delete_endpoint(&self, tenant: &Tenant, id: &EndpointId) -> Result<(), DomainError> {
        tenant.require(Action::ManageWebhooks)?;
        self.webhooks.delete_endpoint(&tenant.company, id).await
    }

    /// A new secret, shown this once; the old one keeps signing beside it for 24 hours. One
    /// rotation per endpoint at a time: within a minute of the last, another rotation is a
    /// `Conflict` (it would silence a secret just shown).
    #[tracing::instrument(name = "webhooks.rotate_endpoint_secret", skip_all)]
    pub async fn rotate_endpoint_secret(
        &self,
        tenant: &Tenant,
        id: &EndpointId,
        now: DateTime<Utc>,
    ) -> Result<EndpointWithSecret, DomainError> {
        tenant.require(Action::ManageWebhooks)?;
        let secret = self.targets.mint_secret();
        let endpoint =
            self.webhooks.rotate_secret(&tenant.company, id, secret.clone(), now, now + OLD_SECRET_SIGNS_FOR).await?;
        Ok(EndpointWithSecret { endpoint, secret })
    }

    /// Sends a signed `ping` to the endpoint (whatever it subscribes to); disabled endpoints
    /// are refused, since nothing would be sent.
    #[tracing::instrument(name = "webhooks.ping_endpoint", skip_all)]
    pub async fn ping_endpoint(
        &self,
        tenant: &Tenant,
        id: &EndpointId,
        now: DateTime<Utc>,
    ) -> Result<Delivery, DomainError> {
        tenant.require(Action::ManageWebhooks)?;
        let endpoint = self.endpoint(tenant, id).await?;
        if !endpoint.enabled {
            return Err(DomainError::Conflict {
                message: "the endpoint is disabled: enable it (PATCH enabled: true) to test it".into(),
            });
        }
        self.count_manual(tenant, ManualTarget::Endpoint(id.clone()), now).await?;
        self.webhooks.enqueue_ping(&tenant.company, id, now).await
    }

    /// A page of the endpoint's deliveries, newest first, and whether more follow.
    #[tracing::instrument(name = "webhooks.deliveries", skip_all)]
    pub async fn deliveries(
        &self,
        tenant: &Tenant,
        endpoint: &EndpointId,
        mut query: DeliveryQuery,
    ) -> Result<(Vec<Delivery>, bool), DomainError> {
        if !(1..=100).contains(&query.limit) {
            return Err(DomainError::invalid("limit", "must be from 1 to 100"));
        }
        let limit = query.limit as usize;
        query.limit += 1;
        let mut page = self.webhooks.list_deliveries(&tenant.company, endpoint, query).await?;
        let more = page.len() > limit;
        page.truncate(limit);
        Ok((page, more))
    }

    #[tracing::instrument(name = "webhooks.retry_delivery", skip_all)]
    pub async fn retry_delivery(
        &self,
        tenant: &Tenant,
        id: &DeliveryId,
        now: DateTime<Utc>,
    ) -> Result<Delivery, DomainError> {
        tenant.require(Action::ManageWebhooks)?;
        self.count_manual(tenant, ManualTarget::Delivery(id.clone()), now).await?;
        self.webhooks.retry_delivery(&tenant.company, id, now).await
    }

    /// Sends every failed event of the endpoint since `since` again; how many.
    #[tracing::instrument(name = "webhooks.recover_failed", skip_all)]
    pub async fn recover_failed(
        &self,
        tenant: &Tenant,
        endpoint: &EndpointId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64, DomainError> {
        tenant.require(Action::ManageWebhooks)?;
        if since > now {
            return Err(DomainError::invalid("since", "is in the future"));
        }
        self.count_manual(tenant, ManualTarget::Endpoint(endpoint.clone()), now).await?;
        self.webhooks.recover_failed(&tenant.company, endpoint, since, now).await
    }

    /// Counts a manual operation against its endpoint's allowance (every process shares the
    /// count): past it, `RateLimited` with how long until the minute's window renews. Manual
    /// operations each send at once, whatever the schedule: unbounded, a few calls would make
    /// hundreds of requests to one target.
    async fn count_manual(&self, tenant: &Tenant, target: ManualTarget, now: DateTime<Utc>) -> Result<(), DomainError> {
        let per_minute = self.limits.manual_per_minute;
        match self.webhooks.count_manual(&tenant.company, &target, now, per_minute).await? {
            None => Ok(()),
            Some(wait) => Err(DomainError::RateLimited(RateLimitStatus {
                limit: per_minute,
                remaining: 0,
                reset_after: wait,
                retry_after: Some(wait),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::webhooks::ports::MockWebhookTargets;
    use crate::services::webhooks::test_support::Mocks;
    use crate::webhooks::{EventType, TargetPolicy};

    fn company() -> Tenant {
        Tenant {
            company: crate::model::CompanyId::parse("comp_a1").expect("id"),
            data_version: Default::default(),
            role: crate::model::Role::Owner,
            key_rolled: false,
        }
    }

    fn strict_targets() -> MockWebhookTargets {
        let mut targets = MockWebhookTargets::new();
        targets.expect_policy().return_const(TargetPolicy { allow_insecure: false });
        targets
    }

    fn request(url: &str) -> CreateEndpoint {
        CreateEndpoint { url: url.into(), events: vec!["bill.confirmed".into()], description: None }
    }

    #[test]
    fn a_bad_url_is_refused_before_any_lookup_or_write() {
        let targets = strict_targets();
        let repo = crate::services::webhooks::ports::MockWebhookRepository::new();
        let services = Mocks { webhooks: repo, targets }.into_service();
        let refused = pollster::block_on(services.create_endpoint(
            &company(),
            Creator::default(),
            request("http://x.test/"),
            Utc::now(),
        ));
        assert!(matches!(refused, Err(DomainError::Invalid { field: "url", .. })), "{refused:?}");
    }

    #[test]
    fn a_private_target_is_refused_and_nothing_is_written() {
        let mut targets = strict_targets();
        targets.expect_check().returning(|_| Err(DomainError::invalid("url", "resolves to no public address")));
        let mut repo = crate::services::webhooks::ports::MockWebhookRepository::new();
        repo.expect_create_endpoint().never();
        let services = Mocks { webhooks: repo, targets }.into_service();
        let refused = pollster::block_on(services.create_endpoint(
            &company(),
            Creator::default(),
            request("https://internal.test/"),
            Utc::now(),
        ));
        assert!(matches!(refused, Err(DomainError::Invalid { field: "url", .. })), "{refused:?}");
    }

    #[test]
    fn the_secret_minted_is_stored_and_shown_once() {
        let mut targets = strict_targets();
        targets.expect_check().returning(|_| Ok(()));
        targets.expect_mint_secret().return_const("whsec_AAAA".to_owned());
        let mut repo = crate::services::webhooks::ports::MockWebhookRepository::new();
        repo.expect_create_endpoint()
            .withf(|_, new| new.secret == "whsec_AAAA" && new.events == vec![EventType::BillConfirmed])
            .returning(|_, new| {
                Ok(WebhookEndpoint {
                    id: EndpointId::parse("ep_1").expect("id"),
                    url: new.url,
                    description: new.description,
                    events: new.events,
                    enabled: true,
                    disabled_reason: None,
                    failing_since: None,
                    created_by: new.created_by,
                    created_at: new.created_at,
                    updated_at: new.created_at,
                })
            });
        let services = Mocks { webhooks: repo, targets }.into_service();
        let created = pollster::block_on(services.create_endpoint(
            &company(),
            Creator::default(),
            request("https://h.test/"),
            Utc::now(),
        ))
        .expect("created");
        assert_eq!(created.secret, "whsec_AAAA");
    }

    #[test]
    fn an_empty_change_is_refused() {
        let services = Mocks { targets: strict_targets(), ..Mocks::default() }.into_service();
        let id = EndpointId::parse("ep_1").expect("id");
        let refused =
            pollster::block_on(services.change_endpoint(&company(), &id, ChangeEndpoint::default(), Utc::now()));
        assert!(matches!(refused, Err(DomainError::Invalid { field: "body", .. })), "{refused:?}");
    }

    #[test]
    fn a_manual_operation_past_the_endpoint_s_allowance_is_rate_limited_and_not_done() {
        let mut repo = crate::services::webhooks::ports::MockWebhookRepository::new();
        repo.expect_count_manual()
            .withf(|_, target, _, per_minute| {
                matches!(target, ManualTarget::Delivery(id) if id.as_str() == "dlv_1") && *per_minute == 6
            })
            .returning(|_, _, _, _| Ok(Some(std::time::Duration::from_secs(42))));
        repo.expect_retry_delivery().never();
        let services = Mocks { webhooks: repo, ..Mocks::default() }.into_service();
        let id = DeliveryId::parse("dlv_1").expect("id");
        let refused = pollster::block_on(services.retry_delivery(&company(), &id, Utc::now()));
        match refused {
            Err(DomainError::RateLimited(status)) => {
                assert_eq!((status.limit, status.remaining), (6, 0));
                assert_eq!(status.retry_after, Some(std::time::Duration::from_secs(42)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn recovering_from_the_future_is_refused() {
        let services = Mocks::default().into_service();
        let id = EndpointId::parse("ep_1").expect("id");
        let now = Utc::now();
        let refused = pollster::block_on(services.recover_failed(&company(), &id, now + TimeDelta::hours(1), now));
        assert!(matches!(refused, Err(DomainError::Invalid { field: "since", .. })), "{refused:?}");
    }
}

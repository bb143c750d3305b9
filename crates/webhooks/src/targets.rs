//! The webhooks adapter's side of managing endpoints (the domain's `WebhookTargets` port): new
//! secrets, and whether a target's host leads to public addresses only.

use async_trait::async_trait;
use carbonpass_domain::DomainError;
use carbonpass_domain::ports::WebhookTargets;
use carbonpass_domain::webhooks::TargetPolicy;

use crate::client::GuardedClient;
use crate::signing::mint_secret;

#[derive(Debug, Clone)]
pub struct Targets {
    client: GuardedClient,
    policy: TargetPolicy,
}

impl Targets {
    pub fn new(client: GuardedClient, policy: TargetPolicy) -> Self {
        Self { client, policy }
    }
}

#[async_trait]
impl WebhookTargets for Targets {
    fn mint_secret(&self) -> String {
        mint_secret()
    }

    async fn check(&self, url: &str) -> Result<(), DomainError> {
        self.client.check(url).await.map_err(|refused| DomainError::invalid("url", refused.to_string()))
    }

    fn policy(&self) -> TargetPolicy {
        self.policy
    }
}

//! The worker's attempts in flight: the tasks, which claim each one holds, and the slots they
//! take per endpoint and per tenant. A slot is freed when its task ends, whichever way it ends: returning, or
//! panicking (the task's join result says so, and names the task, so the claim is still known
//! and its attempt can be recorded as failed).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use carbonpass_domain::model::{CompanyId, EndpointId};
use carbonpass_domain::webhooks::model::DueDelivery;
use chrono::{DateTime, Utc};
use tokio::task::{Id, JoinError, JoinSet};

/// How a task in flight ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// It returned (or was a task holding no claim).
    Returned,
    /// An attempt panicked: its claim, when it started, and the panic's message. Its slot is
    /// already free.
    Panicked { claim: Arc<DueDelivery>, started: DateTime<Utc>, message: String },
}

/// The tasks in flight and the claims they hold.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    tasks: JoinSet<()>,
    /// The attempt tasks (each holding a slot), by task id.
    claims: HashMap<Id, (Arc<DueDelivery>, DateTime<Utc>)>,
    per_endpoint: HashMap<EndpointId, usize>,
    /// The slots an endpoint with attempts in flight has (one while its circuit is half open).
    caps: HashMap<EndpointId, usize>,
    per_tenant: HashMap<CompanyId, usize>,
}

impl InFlight {
    /// Attempts in flight (tasks holding a slot).
    pub(crate) fn attempts(&self) -> usize {
        self.claims.len()
    }

    /// Tasks in flight, attempts or not.
    pub(crate) fn tasks(&self) -> usize {
        self.tasks.len()
    }

    /// Attempts in flight to `endpoint`.
    pub(crate) fn to(&self, endpoint: &EndpointId) -> usize {
        self.per_endpoint.get(endpoint).copied().unwrap_or(0)
    }

    /// Attempts in flight of the tenant `company`.
    pub(crate) fn of(&self, company: &CompanyId) -> usize {
        self.per_tenant.get(company).copied().unwrap_or(0)
    }

    /// The endpoints with at least `limit` attempts in flight (or as many as their own cap).
    pub(crate) fn at_least(&self, limit: usize) -> Vec<EndpointId> {
        self.per_endpoint
            .iter()
            .filter(|(e, n)| **n >= self.caps.get(*e).copied().unwrap_or(limit).min(limit))
            .map(|(e, _)| e.clone())
            .collect()
    }

    /// The tenants with attempts in flight, and their free slots out of `limit` each.
    pub(crate) fn tenant_room(&self, limit: usize) -> Vec<(CompanyId, usize)> {
        self.per_tenant.iter().map(|(c, n)| (c.clone(), limit.saturating_sub(*n))).collect()
    }

    /// Runs `attempt` of `claim`, holding one of its endpoint's slots (of `cap`) and one of its
    /// tenant's until it ends.
    pub(crate) fn start<F>(&mut self, claim: Arc<DueDelivery>, cap: usize, attempt: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        *self.per_endpoint.entry(claim.endpoint.clone()).or_default() += 1;
        self.caps.insert(claim.endpoint.clone(), cap);
        *self.per_tenant.entry(claim.company.clone()).or_default() += 1;
        let id = self.tasks.spawn(attempt).id();
        self.claims.insert(id, (claim, Utc::now()));
    }

    /// Runs `work` that holds no slot (recording a panicked attempt), so that stopping waits
    /// for it too.
    pub(crate) fn run<F>(&mut self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(work);
    }

    /// A task that has ended, if any has, its slot freed.
    pub(crate) fn try_next(&mut self) -> Option<Ended> {
        let joined = self.tasks.try_join_next_with_id()?;
        Some(self.ended(joined))
    }

    /// The next task to end, its slot freed; `None` at once when none is in flight.
    pub(crate) async fn next(&mut self) -> Option<Ended> {
        let joined = self.tasks.join_next_with_id().await?;
        Some(self.ended(joined))
    }

    fn ended(&mut self, joined: Result<(Id, ()), JoinError>) -> Ended {
        let (id, panic) = match joined {
            Ok((id, ())) => (id, None),
            Err(err) => (err.id(), err.try_into_panic().ok()),
        };
        let Some((claim, started)) = self.claims.remove(&id) else {
            if let Some(payload) = panic {
                tracing::error!(panic = %message(&*payload), "a webhook worker task panicked");
            }
            return Ended::Returned;
        };
        if let Some(count) = self.per_endpoint.get_mut(&claim.endpoint) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_endpoint.remove(&claim.endpoint);
                self.caps.remove(&claim.endpoint);
            }
        }
        if let Some(count) = self.per_tenant.get_mut(&claim.company) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_tenant.remove(&claim.company);
            }
        }
        match panic {
            Some(payload) => Ended::Panicked { claim, started, message: message(&*payload) },
            None => Ended::Returned,
        }
    }
}

/// A panic's message: the text `panic!` was given, when it was text.
fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

#[cfg(test)]
mod tests {
    use carbonpass_domain::model::{CompanyId, DeliveryId, EventId};

    use super::*;

    fn claim(delivery: &str, endpoint: &str) -> Arc<DueDelivery> {
        Arc::new(DueDelivery {
            id: DeliveryId::parse(&format!("dlv_{delivery}")).expect("delivery id"),
            lease: "lease".into(),
            company: CompanyId::parse("comp_test").expect("company id"),
            endpoint: EndpointId::parse(&format!("ep_{endpoint}")).expect("endpoint id"),
            url: "http://127.0.0.1:9/hook".into(),
            secrets: vec![],
            event_id: EventId::parse("evt_test").expect("event id"),
            body: "{}".into(),
            attempts_made: 0,
            failing_since: None,
            consecutive_failures: 0,
        })
    }

    #[tokio::test]
    async fn a_panicked_attempt_frees_its_slot_and_gives_its_claim_back() {
        let mut in_flight = InFlight::default();
        let endpoint = claim("a", "one").endpoint.clone();
        in_flight.start(claim("a", "one"), 8, async { panic!("injected") });
        in_flight.start(claim("b", "one"), 8, async {});
        assert_eq!((in_flight.attempts(), in_flight.to(&endpoint)), (2, 2));
        assert_eq!(in_flight.at_least(2), vec![endpoint.clone()]);

        let mut panicked = Vec::new();
        while let Some(ended) = in_flight.next().await {
            if let Ended::Panicked { claim, message, .. } = ended {
                panicked.push((claim.id.as_str().to_owned(), message));
            }
        }
        assert_eq!(panicked, vec![("dlv_a".to_owned(), "injected".to_owned())]);
        assert_eq!((in_flight.attempts(), in_flight.to(&endpoint)), (0, 0), "every slot is free");
        assert!(in_flight.at_least(1).is_empty());
        assert!(in_flight.tenant_room(4).is_empty(), "no tenant holds a slot");
    }

    #[tokio::test]
    async fn a_tenant_s_slots_are_counted_across_its_endpoints() {
        let mut in_flight = InFlight::default();
        in_flight.start(claim("a", "one"), 8, std::future::pending());
        in_flight.start(claim("b", "two"), 1, std::future::pending());
        let company = claim("a", "one").company.clone();
        assert_eq!(in_flight.of(&company), 2);
        assert_eq!(in_flight.tenant_room(3), vec![(company, 1)]);
        assert_eq!(
            in_flight.at_least(8),
            vec![claim("b", "two").endpoint.clone()],
            "a half-open endpoint is full at one"
        );
    }

    #[tokio::test]
    async fn a_task_holding_no_slot_is_waited_for_but_frees_none() {
        let mut in_flight = InFlight::default();
        in_flight.start(claim("a", "one"), 8, std::future::pending());
        in_flight.run(async { panic!("while recording") });
        assert!(matches!(in_flight.next().await, Some(Ended::Returned)));
        assert_eq!((in_flight.attempts(), in_flight.tasks()), (1, 1), "the attempt keeps its slot");
    }
}

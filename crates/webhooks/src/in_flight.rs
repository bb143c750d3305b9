//! The worker's attempts in flight: the tasks, which claim each one holds, and the slots they
//! take per endpoint. A slot is freed when its task ends, whichever way it ends: returning, or
//! panicking (the task's join result says so, and names the task, so the claim is still known
//! and its attempt can be recorded as failed).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use carbonpass_domain::model::EndpointId;
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

    /// The endpoints with at least `limit` attempts in flight.
    pub(crate) fn at_least(&self, limit: usize) -> Vec<EndpointId> {
        self.per_endpoint.iter().filter(|(_, n)| **n >= limit).map(|(e, _)| e.clone()).collect()
    }

    /// Runs `attempt` of `claim`, holding one of its endpoint's slots until it ends.
    pub(crate) fn start<F>(&mut self, claim: Arc<DueDelivery>, attempt: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        *self.per_endpoint.entry(claim.endpoint.clone()).or_default() += 1;
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
        })
    }

    #[tokio::test]
    async fn a_panicked_attempt_frees_its_slot_and_gives_its_claim_back() {
        let mut in_flight = InFlight::default();
        let endpoint = claim("a", "one").endpoint.clone();
        in_flight.start(claim("a", "one"), async { panic!("injected") });
        in_flight.start(claim("b", "one"), async {});
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
    }

    #[tokio::test]
    async fn a_task_holding_no_slot_is_waited_for_but_frees_none() {
        let mut in_flight = InFlight::default();
        in_flight.start(claim("a", "one"), std::future::pending());
        in_flight.run(async { panic!("while recording") });
        assert!(matches!(in_flight.next().await, Some(Ended::Returned)));
        assert_eq!((in_flight.attempts(), in_flight.tasks()), (1, 1), "the attempt keeps its slot");
    }
}

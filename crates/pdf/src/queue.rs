//! The queue renders wait in: at most `concurrency` at once, turns handed out round-robin between
//! the tenants waiting (so one tenant's burst delays another's render by at most one turn per
//! waiting tenant), at most `per_tenant` waiting per tenant, and none waiting past `deadline`.
//! A render refused here never waits at all, or stops waiting at its deadline: never unbounded.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;

/// How renders wait their turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueConfig {
    /// Renders laid out at once (each takes a core).
    pub concurrency: usize,
    /// Renders of one tenant waiting for a turn; one more is refused at once.
    pub per_tenant: usize,
    /// How long a render may wait for its turn before it is refused.
    pub deadline: Duration,
}

/// Why a render got no turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The tenant already has `per_tenant` renders waiting.
    QueueFull,
    /// No turn came within the deadline.
    Deadline,
}

impl Refused {
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::QueueFull => "queue_full",
            Refused::Deadline => "deadline",
        }
    }
}

/// One waiting render: its turn is sent down `turn`.
struct Waiter {
    id: u64,
    turn: oneshot::Sender<Turn>,
}

#[derive(Default)]
struct State {
    running: usize,
    waiting: usize,
    next_id: u64,
    /// Each tenant's waiting renders, oldest first.
    queues: HashMap<String, VecDeque<Waiter>>,
    /// Tenants with renders waiting, in the order their next turn comes.
    ring: VecDeque<String>,
}

struct Shared {
    config: QueueConfig,
    state: Mutex<State>,
}

/// The fair queue. Cheap to clone: clones share one queue.
#[derive(Clone)]
pub struct FairQueue {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FairQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FairQueue").field("config", &self.shared.config).finish_non_exhaustive()
    }
}

/// A turn to render; the slot is handed on when it is dropped.
pub struct Turn {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn").finish_non_exhaustive()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut state = lock(&self.shared.state);
        state.running -= 1;
        hand_on(&self.shared, &mut state);
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while the lock was held leaves counters that are still consistent enough to
    // go on with; refusing every render afterwards would be worse.
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Gives free slots to the tenants waiting, one turn each in ring order.
fn hand_on(shared: &Arc<Shared>, state: &mut State) {
    while state.running < shared.config.concurrency {
        let Some(tenant) = state.ring.pop_front() else { break };
        let Some(queue) = state.queues.get_mut(&tenant) else { continue };
        let Some(waiter) = queue.pop_front() else {
            state.queues.remove(&tenant);
            continue;
        };
        if queue.is_empty() {
            state.queues.remove(&tenant);
        } else {
            state.ring.push_back(tenant);
        }
        state.waiting -= 1;
        state.running += 1;
        // A waiter that gave up (its request went away) drops the turn it is sent, which
        // hands the slot on again; the receiver being gone already drops it here.
        let _gone = waiter.turn.send(Turn { shared: shared.clone() });
    }
    metrics::gauge!("carbonpass_pdf_queue_depth").set(state.waiting as f64);
}

impl FairQueue {
    pub fn new(config: QueueConfig) -> Self {
        let config = QueueConfig { concurrency: config.concurrency.max(1), ..config };
        Self { shared: Arc::new(Shared { config, state: Mutex::new(State::default()) }) }
    }

    pub fn config(&self) -> QueueConfig {
        self.shared.config
    }

    /// Waits for a turn for `tenant`'s render.
    pub async fn turn(&self, tenant: &str) -> Result<Turn, Refused> {
        let (id, mut receiver) = {
            let mut state = lock(&self.shared.state);
            if state.running < self.shared.config.concurrency && state.waiting == 0 {
                state.running += 1;
                return Ok(Turn { shared: self.shared.clone() });
            }
            let queued = state.queues.get(tenant).map_or(0, VecDeque::len);
            if queued >= self.shared.config.per_tenant {
                return Err(Refused::QueueFull);
            }
            let (sender, receiver) = oneshot::channel();
            state.next_id += 1;
            let id = state.next_id;
            if queued == 0 {
                state.ring.push_back(tenant.to_owned());
            }
            state.queues.entry(tenant.to_owned()).or_default().push_back(Waiter { id, turn: sender });
            state.waiting += 1;
            metrics::gauge!("carbonpass_pdf_queue_depth").set(state.waiting as f64);
            (id, receiver)
        };
        let mut waiting = Leave { shared: &self.shared, tenant, id, done: false };
        match tokio::time::timeout(self.shared.config.deadline, &mut receiver).await {
            Ok(Ok(turn)) => {
                waiting.done = true;
                Ok(turn)
            }
            // The sender is only dropped with the queue itself; treat it as a missed deadline.
            Ok(Err(_)) => Err(Refused::Deadline),
            Err(_elapsed) => {
                // The turn may have been sent just as the deadline passed: take it rather than
                // refuse a render that got its slot.
                receiver.close();
                match receiver.try_recv() {
                    Ok(turn) => {
                        waiting.done = true;
                        Ok(turn)
                    }
                    Err(_) => Err(Refused::Deadline),
                }
            }
        }
    }
}

/// Takes a waiter that stops waiting (deadline, or its request dropped) out of its queue.
struct Leave<'a> {
    shared: &'a Arc<Shared>,
    tenant: &'a str,
    id: u64,
    done: bool,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut state = lock(&self.shared.state);
        if let Some(queue) = state.queues.get_mut(self.tenant)
            && let Some(at) = queue.iter().position(|w| w.id == self.id)
        {
            queue.remove(at);
            if queue.is_empty() {
                state.queues.remove(self.tenant);
                state.ring.retain(|t| t != self.tenant);
            }
            state.waiting -= 1;
            metrics::gauge!("carbonpass_pdf_queue_depth").set(state.waiting as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(concurrency: usize, per_tenant: usize, deadline_ms: u64) -> FairQueue {
        FairQueue::new(QueueConfig { concurrency, per_tenant, deadline: Duration::from_millis(deadline_ms) })
    }

    #[tokio::test]
    async fn turns_go_round_robin_between_tenants() {
        let q = queue(1, 10, 5_000);
        let first = q.turn("a").await.expect("free slot");
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // A queues five, then B one: B must come second, not sixth.
        for (i, tenant) in ["a", "a", "a", "a", "a", "b"].into_iter().enumerate() {
            let (mine, order) = (q.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let turn = mine.turn(tenant).await.expect("turn");
                lock_vec(&order).push(tenant);
                tokio::time::sleep(Duration::from_millis(5)).await;
                drop(turn);
            }));
            // Queue them in this order.
            while lock(&q.shared.state).waiting < i + 1 {
                tokio::task::yield_now().await;
            }
        }
        drop(first);
        for task in tasks {
            task.await.expect("task");
        }
        let order = lock_vec(&order).clone();
        assert_eq!(order[..2], ["a", "b"], "{order:?}");
    }

    fn lock_vec<'a>(m: &'a Mutex<Vec<&'static str>>) -> MutexGuard<'a, Vec<&'static str>> {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[tokio::test]
    async fn a_tenant_past_its_bound_is_refused_at_once_and_others_still_queue() {
        let q = queue(1, 2, 5_000);
        let _running = q.turn("a").await.expect("free slot");
        let (q1, q2) = (q.clone(), q.clone());
        let w1 = tokio::spawn(async move { q1.turn("a").await.map(drop) });
        let w2 = tokio::spawn(async move { q2.turn("a").await.map(drop) });
        while lock(&q.shared.state).waiting < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(q.turn("a").await.err(), Some(Refused::QueueFull));
        let q3 = q.clone();
        let b = tokio::spawn(async move { q3.turn("b").await.map(drop) });
        while lock(&q.shared.state).waiting < 3 {
            tokio::task::yield_now().await;
        }
        drop(_running);
        for task in [w1, w2, b] {
            assert_eq!(task.await.expect("task"), Ok(()));
        }
    }

    #[tokio::test]
    async fn a_render_waits_no_longer_than_the_deadline_and_leaves_the_queue() {
        let q = queue(1, 5, 50);
        let running = q.turn("a").await.expect("free slot");
        assert_eq!(q.turn("b").await.err(), Some(Refused::Deadline));
        assert_eq!(lock(&q.shared.state).waiting, 0);
        drop(running);
        assert!(q.turn("b").await.is_ok(), "the slot came back");
    }
}

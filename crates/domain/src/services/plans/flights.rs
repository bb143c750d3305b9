//! Single flight: of the requests that want the same PDF rendered at the same time, one (the
//! leader) renders and stores it and the others wait for its outcome, so a burst of first
//! requests for one plan costs one render. Built on `std` alone (the domain has no runtime): a
//! flight is a slot for the outcome and the wakers of those waiting for it.
//!
//! A leader whose request goes away before it finishes abandons its flight (its guard's `Drop`),
//! and those waiting start again: one of them leads the next flight.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

enum Outcome<V> {
    Pending(Vec<Waker>),
    Done(V),
    Abandoned,
}

struct Flight<V> {
    outcome: Mutex<Outcome<V>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The flights in the air, by key.
pub(crate) struct Flights<K, V> {
    in_air: Arc<Mutex<HashMap<K, Arc<Flight<V>>>>>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Self { in_air: Arc::default() }
    }
}

impl<K, V> Clone for Flights<K, V> {
    fn clone(&self) -> Self {
        Self { in_air: self.in_air.clone() }
    }
}

/// What joining a flight made of the caller.
pub(crate) enum Joined<K: Hash + Eq, V: Clone> {
    /// Do the work and [`Leader::land`] its outcome.
    Leader(Leader<K, V>),
    /// Await the leader's outcome: `None` if it abandoned the flight (join again).
    Follower(Follow<V>),
}

impl<K: Hash + Eq + Clone, V: Clone> Flights<K, V> {
    pub(crate) fn join(&self, key: K) -> Joined<K, V> {
        let mut in_air = lock(&self.in_air);
        if let Some(flight) = in_air.get(&key) {
            return Joined::Follower(Follow { flight: flight.clone() });
        }
        let flight = Arc::new(Flight { outcome: Mutex::new(Outcome::Pending(Vec::new())) });
        in_air.insert(key.clone(), flight.clone());
        Joined::Leader(Leader { in_air: self.in_air.clone(), key, flight, landed: false })
    }

    #[cfg(test)]
    fn in_air(&self) -> usize {
        lock(&self.in_air).len()
    }
}

pub(crate) struct Leader<K: Hash + Eq, V> {
    in_air: Arc<Mutex<HashMap<K, Arc<Flight<V>>>>>,
    key: K,
    flight: Arc<Flight<V>>,
    landed: bool,
}

impl<K: Hash + Eq, V> Leader<K, V> {
    /// Hands `outcome` to every follower and ends the flight.
    pub(crate) fn land(mut self, outcome: V) {
        self.end(Outcome::Done(outcome));
        self.landed = true;
    }

    fn end(&self, outcome: Outcome<V>) {
        lock(&self.in_air).remove(&self.key);
        let previous = std::mem::replace(&mut *lock(&self.flight.outcome), outcome);
        if let Outcome::Pending(wakers) = previous {
            wakers.into_iter().for_each(Waker::wake);
        }
    }
}

impl<K: Hash + Eq, V> Drop for Leader<K, V> {
    fn drop(&mut self) {
        if !self.landed {
            self.end(Outcome::Abandoned);
        }
    }
}

/// A follower's wait for the leader's outcome.
pub(crate) struct Follow<V> {
    flight: Arc<Flight<V>>,
}

impl<V: Clone> Future for Follow<V> {
    type Output = Option<V>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<V>> {
        let mut outcome = lock(&self.flight.outcome);
        match &mut *outcome {
            Outcome::Done(value) => Poll::Ready(Some(value.clone())),
            Outcome::Abandoned => Poll::Ready(None),
            Outcome::Pending(wakers) => {
                if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn followers_get_the_leaders_outcome_and_the_flight_ends() {
        let flights: Flights<&str, u32> = Flights::default();
        let Joined::Leader(leader) = flights.join("a") else { panic!("first joiner leads") };
        let Joined::Follower(follow) = flights.join("a") else { panic!("second joiner follows") };
        assert!(matches!(flights.join("b"), Joined::Leader(_)), "another key is another flight");
        leader.land(7);
        assert_eq!(pollster::block_on(follow), Some(7));
        assert_eq!(flights.in_air(), 0);
        assert!(matches!(flights.join("a"), Joined::Leader(_)), "a landed flight is over");
    }

    #[test]
    fn an_abandoned_flight_lets_its_followers_start_again() {
        let flights: Flights<&str, u32> = Flights::default();
        let Joined::Leader(leader) = flights.join("a") else { panic!("first joiner leads") };
        let Joined::Follower(follow) = flights.join("a") else { panic!("second joiner follows") };
        drop(leader);
        assert_eq!(pollster::block_on(follow), None);
        assert!(matches!(flights.join("a"), Joined::Leader(_)));
    }
}

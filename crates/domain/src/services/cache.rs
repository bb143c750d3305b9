//! In-memory copies of tenant data, served only while they are at least as new as the data
//! version the request read when its key was checked. Every change to a tenant's data bumps that
//! version in the same transaction, so a copy can never outlive a write, in any server process.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::model::{CompanyId, CompanyOverview, DataVersion};

/// A value that knows the data version it was read at.
pub trait Versioned {
    fn version(&self) -> DataVersion;
}

impl Versioned for CompanyOverview {
    fn version(&self) -> DataVersion {
        self.version
    }
}

/// Copies keyed by `K`: a tenant, or something of one tenant's (its key must name the tenant,
/// so that tenants never share a copy).
pub struct VersionedCache<V, K = CompanyId> {
    entries: Mutex<HashMap<K, Arc<V>>>,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How often a cache answered from memory since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
}

impl CacheStats {
    /// Hits as a share of lookups, from 0 to 1; 0 before any lookup.
    pub fn hit_rate(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 { 0.0 } else { self.hits as f64 / lookups as f64 }
    }
}

impl<V, K> fmt::Debug for VersionedCache<V, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VersionedCache").field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl<V: Versioned, K: Hash + Eq> VersionedCache<V, K> {
    /// Holds at most `capacity` tenants; past that it starts again empty (a full cache is a
    /// sign of many tenants, each of which is then re-read once).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The copy for `tenant` if it is at least as new as `at_least`.
    pub fn get(&self, tenant: &K, at_least: DataVersion) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = entries.get(tenant).filter(|value| value.version() >= at_least).cloned();
        let counter = if fresh.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        fresh
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats { hits: self.hits.load(Ordering::Relaxed), misses: self.misses.load(Ordering::Relaxed) }
    }

    /// Keeps `value` unless a newer copy is already held.
    pub fn put(&self, tenant: K, value: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.get(&tenant).is_some_and(|held| held.version() > value.version()) {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(&tenant) {
            entries.clear();
        }
        entries.insert(tenant, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Copy(i64, &'static str);
    impl Versioned for Copy {
        fn version(&self) -> DataVersion {
            DataVersion(self.0)
        }
    }

    fn tenant(id: &str) -> CompanyId {
        CompanyId::parse(id).expect("id")
    }

    #[test]
    fn serves_a_copy_only_while_it_is_fresh_enough() {
        let cache = VersionedCache::new(10);
        cache.put(tenant("comp_a"), Arc::new(Copy(3, "v3")));
        assert_eq!(cache.get(&tenant("comp_a"), DataVersion(3)).as_deref(), Some(&Copy(3, "v3")));
        assert_eq!(cache.get(&tenant("comp_a"), DataVersion(2)).as_deref(), Some(&Copy(3, "v3")));
        assert!(cache.get(&tenant("comp_a"), DataVersion(4)).is_none(), "a newer write makes it stale");
        assert!(cache.get(&tenant("comp_b"), DataVersion(0)).is_none(), "tenants never share copies");
        assert_eq!(cache.stats(), CacheStats { hits: 2, misses: 2 });
    }

    #[test]
    fn never_replaces_a_newer_copy_with_an_older_one() {
        let cache = VersionedCache::new(10);
        cache.put(tenant("comp_a"), Arc::new(Copy(5, "new")));
        cache.put(tenant("comp_a"), Arc::new(Copy(4, "late reader")));
        assert_eq!(cache.get(&tenant("comp_a"), DataVersion(5)).as_deref(), Some(&Copy(5, "new")));
    }

    #[test]
    fn stays_within_its_capacity() {
        let cache = VersionedCache::new(2);
        cache.put(tenant("comp_a"), Arc::new(Copy(1, "a")));
        cache.put(tenant("comp_b"), Arc::new(Copy(1, "b")));
        cache.put(tenant("comp_c"), Arc::new(Copy(1, "c")));
        let held =
            ["comp_a", "comp_b", "comp_c"].iter().filter(|t| cache.get(&tenant(t), DataVersion(0)).is_some()).count();
        assert!(held <= 2);
        assert!(cache.get(&tenant("comp_c"), DataVersion(1)).is_some(), "the newest entry is kept");
    }
}

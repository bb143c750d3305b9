//! Shared by the store's test files: a migrated store on a fresh database of each backend.

use carbonpass_store::{Store, StoreConfig};
use carbonpass_testkit::{Backend, TestDatabase};

/// A migrated store on its own database, or `None` when `backend` is not available here.
pub async fn open(backend: Backend) -> Option<(TestDatabase, Store)> {
    let db = TestDatabase::of(backend)?;
    let store = Store::connect(&StoreConfig::new(db.url())).expect("connect");
    store.migrate().expect("migrate");
    Some((db, store))
}

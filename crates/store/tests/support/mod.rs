//! Shared by the store's test files: a migrated store on a fresh database of each backend.

use std::sync::Arc;

use carbonpass_domain::events::Event;
use carbonpass_domain::ports::EventPayloads;
use carbonpass_store::{Store, StoreConfig};
use carbonpass_testkit::{Backend, TestDatabase};

/// Events' wire form is the HTTP edge's; the store keeps whatever it is given. A stand-in that
/// names what happened to what.
#[derive(Debug)]
pub struct NamedPayloads;

impl EventPayloads for NamedPayloads {
    fn data(&self, event: &Event<'_>) -> String {
        match event {
            Event::BillUploaded(bill)
            | Event::BillConfirmed(bill)
            | Event::BillRejected(bill)
            | Event::BillVoided(bill) => {
                format!(r#"{{"id":"{}","status":"{}"}}"#, bill.id, bill.status.as_str())
            }
            Event::ActivityRecorded(record) | Event::ActivityVoided(record) => {
                format!(r#"{{"id":"{}","status":"{}"}}"#, record.id, record.status.as_str())
            }
            Event::CrpGenerated(plan) | Event::CrpPublished(plan) => {
                format!(r#"{{"id":"{}","status":"{}"}}"#, plan.id, plan.status.as_str())
            }
            Event::Ping(endpoint) => format!(r#"{{"endpointId":"{endpoint}"}}"#),
        }
    }

    fn body(&self, event_id: &str, event_type: &str, _at: chrono::DateTime<chrono::Utc>, data: &str) -> String {
        format!(r#"{{"id":"{event_id}","event":"{event_type}","data":{data}}}"#)
    }
}

pub fn payloads() -> Arc<dyn EventPayloads> {
    Arc::new(NamedPayloads)
}

/// A migrated store on its own database, or `None` when `backend` is not available here.
pub async fn open(backend: Backend) -> Option<(TestDatabase, Store)> {
    let db = TestDatabase::of(backend)?;
    let store = Store::connect(&StoreConfig::new(db.url()), payloads()).expect("connect");
    store.migrate().expect("migrate");
    Some((db, store))
}

//! The webhook delivery benchmark (docs/performance.md):
//!
//! ```text
//! cargo run --release -p carbonpass-server --example webhook_bench [-- EVENTS RATE]
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo run --release ...   # PostgreSQL too
//! ```
//!
//! The server application (release build, its delivery worker with the default settings) on a
//! fresh database, five receivers on loopback (real HTTP servers, one endpoint each), and EVENTS
//! events (10,000 by default) committed by eight concurrent writers through the same use case
//! `POST /webhook-endpoints/{id}/test` runs, spread over the five endpoints. Two runs per backend:
//! a burst (every event as fast as the writers commit: delivered events per second, first commit
//! to last arrival) and a paced run at RATE events per second (400 by default), where latency is
//! not queueing. Latency is from just before the committing call to the receiver's arrival, so it
//! includes the commit itself: an upper bound of commit→arrival.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use carbonpass_domain::model::{
    EndpointId, MembershipRole, NewCompany, NewSite, NewUser, Passport, Plan, ReportingYearStart, Tenant,
};
use carbonpass_domain::services::Services;
use carbonpass_domain::services::webhooks::CreateEndpoint;
use carbonpass_server::Application;
use carbonpass_server::settings::{Overrides, Settings};
use carbonpass_testkit::{Backend, Receiver, TestDatabase};
use chrono::Utc;
use tokio::sync::Mutex;

const RECEIVERS: usize = 5;
const WRITERS: usize = 8;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let events: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rate: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(400);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDatabase::of(backend) else { continue };
        let name = if backend == Backend::Sqlite { "SQLite" } else { "PostgreSQL" };
        let (services, receivers, endpoints, company) = setup(&db).await;
        let burst = run(&services, &company, &endpoints, &receivers, events, None).await;
        report(name, "burst", events, &burst);
        let paced = run(&services, &company, &endpoints, &receivers, events, Some(rate)).await;
        report(name, &format!("paced at {rate}/s"), events, &paced);
    }
}

async fn setup(db: &TestDatabase) -> (Services, Vec<Receiver>, Vec<EndpointId>, Tenant) {
    let data = tempfile::tempdir().expect("data").keep();
    let mut settings =
        Settings::load(&Overrides { data_dir: Some(data.clone()), ..Overrides::default() }).expect("default settings");
    settings.database_url = Some(db.url().to_owned().into());
    settings.bind = "127.0.0.1:0".into();
    settings.log_level = "warn".into();
    settings.webhooks.allow_insecure_targets = true;
    let app = Application::build(&settings).await.expect("server");
    let services = app.services().clone();
    tokio::spawn(app.run_until_stopped());
    let company = services
        .tenants
        .create_company(NewCompany {
            name: "Bench Ltd".into(),
            sector: "Manufacturing".into(),
            city: "Leeds".into(),
            employee_count: 10,
            plan: Plan::Business,
            passport: Passport { slug: "bench-ltd".into(), activated: false },
            reporting_year_start: ReportingYearStart::APRIL,
        })
        .await
        .expect("company");
    services
        .tenants
        .add_site(&company.id, NewSite { name: "HQ".into(), city: "Leeds".into(), employee_count: 10 })
        .await
        .expect("site");
    let user = services
        .tenants
        .create_user(NewUser { email: "b@bench.example".into(), name: "B".into() })
        .await
        .expect("user");
    services.tenants.add_member(&user.id, &company.id, MembershipRole::Owner).await.expect("member");
    let tenant = services.tenants.operator_tenant(&company.id, false).await.expect("tenant");
    let mut receivers = Vec::new();
    let mut endpoints = Vec::new();
    for _ in 0..RECEIVERS {
        let receiver = Receiver::start().await;
        let request =
            CreateEndpoint { url: receiver.url.clone(), events: vec!["bill.confirmed".into()], description: None };
        let created = services
            .webhooks
            .create_endpoint(&tenant, Default::default(), request, Utc::now())
            .await
            .expect("endpoint");
        endpoints.push(created.endpoint.id);
        receivers.push(receiver);
    }
    (services, receivers, endpoints, tenant)
}

/// Commits `events` pings over the endpoints (at `rate` per second, or as fast as possible) and
/// waits for every one to arrive: (event id → start of its commit), and arrivals.
async fn run(
    services: &Services,
    company: &Tenant,
    endpoints: &[EndpointId],
    receivers: &[Receiver],
    events: usize,
    rate: Option<u32>,
) -> Outcome {
    let already: usize = receivers.iter().map(|r| r.received().len()).sum();
    let started_at: Arc<Mutex<HashMap<String, SystemTime>>> = Arc::default();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let began = Instant::now();
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let (services, company, endpoints) = (services.clone(), company.clone(), endpoints.to_vec());
        let (started_at, next) = (started_at.clone(), next.clone());
        writers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= events {
                    break;
                }
                if let Some(rate) = rate {
                    let due = began + Duration::from_secs_f64(i as f64 / f64::from(rate));
                    tokio::time::sleep_until(due.into()).await;
                }
                let before = SystemTime::now();
                let delivery = services
                    .webhooks
                    .ping_endpoint(&company, &endpoints[i % endpoints.len()], Utc::now())
                    .await
                    .expect("ping");
                started_at.lock().await.insert(delivery.event_id.to_string(), before);
            }
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let committed_in = began.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    while receivers.iter().map(|r| r.received().len()).sum::<usize>() < already + events && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started_at = started_at.lock().await.clone();
    let mut latencies = Vec::new();
    let mut last_arrival = None;
    let mut first_start = None;
    for receiver in receivers {
        for got in receiver.received() {
            let Some(start) = got.header("webhook-id").and_then(|id| started_at.get(id)) else { continue };
            latencies.push(got.at.duration_since(*start).unwrap_or_default());
            last_arrival = last_arrival.max(Some(got.at));
            first_start = Some(first_start.map_or(*start, |f: SystemTime| f.min(*start)));
        }
    }
    latencies.sort();
    let span = match (first_start, last_arrival) {
        (Some(first), Some(last)) => last.duration_since(first).unwrap_or_default(),
        _ => Duration::ZERO,
    };
    Outcome { latencies, span, committed_in }
}

struct Outcome {
    latencies: Vec<Duration>,
    span: Duration,
    committed_in: Duration,
}

fn report(backend: &str, run: &str, events: usize, outcome: &Outcome) {
    let at = |q: f64| {
        let n = outcome.latencies.len();
        if n == 0 { Duration::ZERO } else { outcome.latencies[((n as f64 * q).ceil() as usize).clamp(1, n) - 1] }
    };
    println!(
        "{backend:<10} {run:<16} delivered {}/{events}  {:.0} events/s (commits took {:.2} s)  commit→arrival p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        outcome.latencies.len(),
        outcome.latencies.len() as f64 / outcome.span.as_secs_f64().max(1e-9),
        outcome.committed_in.as_secs_f64(),
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
        at(1.0).as_secs_f64() * 1000.0,
    );
}

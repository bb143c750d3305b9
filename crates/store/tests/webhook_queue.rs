//! The delivery queue's fairness and its circuit breaker, at the store: claims take tenants in
//! turns within each one's room and minute of sends; failures in a row open an endpoint's
//! circuit (its deliveries are not claimed) and a success closes it. Each case runs on SQLite and
//! PostgreSQL.

use carbonpass_domain::model::{CompanyId, NewCompany, Passport, Plan, ReportingYearStart};
use carbonpass_domain::ports::{CompanyRepository, DeliveryQueue, WebhookRepository};
use carbonpass_domain::webhooks::EventType;
use carbonpass_domain::webhooks::circuit::CircuitBreaker;
use carbonpass_domain::webhooks::model::{ClaimRequest, DueDelivery, NewEndpoint};
use carbonpass_domain::webhooks::verdict::{AttemptOutcome, judge};
use carbonpass_store::Store;
use carbonpass_testkit::TestDatabase;
use chrono::{DateTime, TimeDelta, Utc};

mod support;

use support::open;

carbonpass_testkit::on_both_backends!(open =>
    claims_take_tenants_in_turns_within_their_room_and_minute,
    failures_in_a_row_open_the_circuit_and_a_success_closes_it,
);

async fn tenant(store: &Store, slug: &str) -> CompanyId {
    store
        .create_company(NewCompany {
            name: slug.into(),
            sector: "Retail".into(),
            city: "Leeds".into(),
            employee_count: 3,
            plan: Plan::Business,
            passport: Passport { slug: slug.into(), activated: false },
            reporting_year_start: ReportingYearStart::APRIL,
        })
        .await
        .expect("company")
        .id
}

/// An endpoint of `company` with `pings` deliveries due at `now`.
async fn endpoint_with_pings(store: &Store, company: &CompanyId, pings: usize, now: DateTime<Utc>) {
    let new = NewEndpoint {
        url: "https://hooks.example.com/x".into(),
        description: String::new(),
        events: vec![EventType::BillConfirmed],
        secret: "whsec_AAAA".into(),
        created_by: Default::default(),
        created_at: now,
    };
    let endpoint = store.create_endpoint(company, new).await.expect("endpoint");
    for _ in 0..pings {
        store.enqueue_ping(company, &endpoint.id, now).await.expect("ping");
    }
}

fn request(now: DateTime<Utc>, limit: u32, per_tenant: u32, sends_per_minute: u32) -> ClaimRequest {
    ClaimRequest {
        now,
        limit,
        lease: TimeDelta::seconds(30),
        full_endpoints: Vec::new(),
        per_tenant,
        tenant_room: Vec::new(),
        sends_per_minute,
    }
}

fn of(claims: &[DueDelivery], company: &CompanyId) -> usize {
    claims.iter().filter(|c| &c.company == company).count()
}

/// Tenant A has ten due, B one: a claim of four with three per tenant takes three of A's and
/// B's one, whoever is older; A with no room left, only B's; A's minute of two sends, two.
async fn claims_take_tenants_in_turns_within_their_room_and_minute((_db, store): (TestDatabase, Store)) {
    let now = Utc::now();
    let (a, b) = (tenant(&store, "busy-a").await, tenant(&store, "quiet-b").await);
    endpoint_with_pings(&store, &a, 10, now - TimeDelta::seconds(10)).await;
    endpoint_with_pings(&store, &b, 1, now).await;

    let depth = store.depth(now).await.expect("depth");
    assert_eq!((depth.due, depth.in_flight, depth.scheduled, depth.circuit_open), (11, 0, 0, 0));
    let batch = store.claim_due(request(now, 4, 3, 1000)).await.expect("claim");
    assert_eq!((of(&batch.claims, &a), of(&batch.claims, &b)), (3, 1), "B's turn comes though A is older");
    let depth = store.depth(now).await.expect("depth");
    assert_eq!((depth.due, depth.in_flight), (7, 4), "the queue's depth by state");
    store.release(batch.claims).await.expect("release");

    let mut full = request(now, 4, 3, 1000);
    full.tenant_room = vec![(a.clone(), 0)];
    let batch = store.claim_due(full).await.expect("claim");
    assert_eq!((of(&batch.claims, &a), of(&batch.claims, &b)), (0, 1), "A has no room in this worker");
    store.release(batch.claims).await.expect("release");

    // The given-back claims did not count: A may still be sent its minute's two.
    let later = now + TimeDelta::seconds(1);
    let batch = store.claim_due(request(later, 8, 8, 2)).await.expect("claim");
    assert_eq!((of(&batch.claims, &a), of(&batch.claims, &b)), (2, 1));
    let batch = store.claim_due(request(later, 8, 8, 2)).await.expect("claim");
    assert_eq!(of(&batch.claims, &a), 0, "A's minute is used up: its deliveries wait");
    assert_eq!(batch.throttled, vec![a.clone()], "named, so the worker waits for the poll rather than spin");
    let next_minute = later + TimeDelta::seconds(61);
    let batch = store.claim_due(request(next_minute, 8, 8, 2)).await.expect("claim");
    assert_eq!(of(&batch.claims, &a), 2, "a new minute, two more");
}

fn outcome(status: u16, at: DateTime<Utc>) -> AttemptOutcome {
    AttemptOutcome {
        at,
        status_code: Some(status),
        latency_ms: 1,
        error: None,
        excerpt: String::new(),
        retry_after: None,
    }
}

/// With two failures in a row opening the circuit: after two failed attempts the endpoint's
/// third delivery is not claimed until the pause ends; then it is (half open), and its success
/// closes the circuit, so both failed deliveries are claimed again when due.
async fn failures_in_a_row_open_the_circuit_and_a_success_closes_it((_db, store): (TestDatabase, Store)) {
    let breaker = CircuitBreaker { failures: 2 };
    let now = Utc::now();
    let company = tenant(&store, "failing").await;
    endpoint_with_pings(&store, &company, 3, now).await;

    for n in 0..2 {
        let batch = store.claim_due(request(now, 1, 8, 1000)).await.expect("claim");
        assert_eq!(batch.claims.len(), 1, "attempt {n}");
        let claim = &batch.claims[0];
        let failed = outcome(500, now);
        let verdict = judge(&failed, claim.attempts_made, claim.failing_since, 0.5);
        assert!(store.record_attempt(claim, &failed, &verdict, breaker).await.expect("record"));
    }
    let open = store.claim_due(request(now + TimeDelta::seconds(10), 8, 8, 1000)).await.expect("claim");
    assert!(open.claims.is_empty(), "the circuit is open: nothing is claimed, though all three are due");
    let depth = store.depth(now + TimeDelta::seconds(10)).await.expect("depth");
    assert_eq!(depth.circuit_open, 3, "{depth:?}");

    let after_pause = Utc::now() + TimeDelta::seconds(31);
    let half_open = store.claim_due(request(after_pause, 1, 8, 1000)).await.expect("claim");
    assert_eq!(half_open.claims.len(), 1);
    let claim = &half_open.claims[0];
    assert_eq!(claim.consecutive_failures, 2, "half open: the worker lets one attempt through");
    let delivered = outcome(204, after_pause);
    let verdict = judge(&delivered, claim.attempts_made, claim.failing_since, 0.5);
    assert!(store.record_attempt(claim, &delivered, &verdict, breaker).await.expect("record"));

    let closed = store.claim_due(request(after_pause, 8, 8, 1000)).await.expect("claim");
    assert_eq!(closed.claims.len(), 2, "the circuit is closed: both retries are claimed");
    assert!(closed.claims.iter().all(|c| c.consecutive_failures == 0));
}

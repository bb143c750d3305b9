//! Every repository method on tenant data keeps to the tenant it is given: called with another
//! tenant's id, it finds nothing and changes nothing. Each case runs on SQLite and PostgreSQL.

use carbonpass_domain::DomainError;
use carbonpass_domain::calculation::{Activity, BillType, FactorLibrary, Unit, calculate};
use carbonpass_domain::model::{
    BillQuery, CompanyId, Confirmed, Correction, IdempotencyClaim, IdempotencyKey, IdempotencyLease, KeyHash, KeyMode,
    MembershipRole, NewApiKey, NewCompany, NewSite, NewUpload, NewUser, Passport, Plan, ReportingYearStart, StoredFile,
    StoredResponse,
};
use carbonpass_domain::ports::{
    ApiKeyRepository, BillRepository, CompanyRepository, EmissionsRepository, IdempotencyStore, UserRepository,
    WebhookRepository,
};
use carbonpass_store::Store;
use carbonpass_testkit::TestDatabase;
use chrono::{NaiveDate, TimeDelta, Utc};

mod support;

use support::open;

carbonpass_testkit::on_both_backends!(open =>
    bills_of_another_tenant_are_out_of_reach,
    reports_of_another_tenant_are_out_of_reach,
    keys_of_another_tenant_are_out_of_reach,
    idempotency_keys_of_another_tenant_are_out_of_reach,
    the_sweep_sees_every_tenants_files_in_use,
    webhook_endpoints_of_another_tenant_are_out_of_reach,
);

async fn company(store: &Store, slug: &str) -> (CompanyId, carbonpass_domain::model::Site) {
    let company = store
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
        .expect("company");
    let site = store
        .create_site(&company.id, NewSite { name: "Shop".into(), city: "Leeds".into(), employee_count: 3 })
        .await
        .expect("site");
    (company.id, site)
}

fn upload(site: &carbonpass_domain::model::Site, sha: &str) -> NewUpload {
    NewUpload {
        site_id: site.id.clone(),
        bill_type: BillType::Electricity,
        file: StoredFile {
            blob_key: sha.into(),
            content_type: "application/pdf".into(),
            size_bytes: 3,
            sha256: sha.into(),
        },
        period: "2025-26".into(),
    }
}

fn confirmed(day: u32) -> (Confirmed, Vec<(String, carbonpass_domain::calculation::Scope, i64)>) {
    let activity = Activity {
        bill_type: BillType::Electricity,
        quantity: 100.into(),
        unit: Unit::Kwh,
        period_start: NaiveDate::from_ymd_opt(2025, 5, day).expect("date"),
        period_end: NaiveDate::from_ymd_opt(2025, 5, day).expect("date"),
        calorific_value: None,
        volume_correction: None,
        sewerage_volume: None,
    };
    let calculation =
        calculate(&FactorLibrary::official().expect("factors"), ReportingYearStart::APRIL, &activity).expect("calc");
    let emissions = calculation.micrograms().expect("µg");
    (
        Confirmed {
            activity,
            meter_point: None,
            supplier: None,
            allow_overlap: false,
            confirmed_at: Utc::now(),
            calculation,
        },
        emissions,
    )
}

fn not_found<T: std::fmt::Debug>(result: Result<T, DomainError>) {
    assert!(matches!(result, Err(DomainError::NotFound { .. })), "{result:?}");
}

async fn bills_of_another_tenant_are_out_of_reach((_db, store): (TestDatabase, Store)) {
    let (mine, my_site) = company(&store, "mine").await;
    let (theirs, their_site) = company(&store, "theirs").await;
    let uploaded = store.record_upload(&mine, upload(&my_site, "a"), None).await.expect("upload");
    let to_void = store.record_upload(&mine, upload(&my_site, "b"), None).await.expect("upload");
    let (c, e) = confirmed(2);
    store.confirm(&mine, &to_void.id, c, e).await.expect("confirm");

    not_found(store.record_upload(&theirs, upload(&my_site, "c"), None).await);
    assert!(store.find_bill(&theirs, &uploaded.id).await.expect("find").is_none());
    let all = BillQuery { status: None, site: None, after: None, limit: 10 };
    assert!(store.list_bills(&theirs, all.clone()).await.expect("list").is_empty());
    let after = BillQuery { after: Some(uploaded.id.clone()), ..all.clone() };
    assert!(matches!(store.list_bills(&theirs, after).await, Err(DomainError::Invalid { field: "cursor", .. })));
    let (c, e) = confirmed(1);
    not_found(store.confirm(&theirs, &uploaded.id, c, e).await);
    not_found(store.reject(&theirs, &uploaded.id, Correction::new("x", Utc::now()).expect("reason")).await);
    not_found(store.void(&theirs, &to_void.id, Correction::new("x", Utc::now()).expect("reason")).await);
    // Their own upload of the same file is theirs, not a duplicate of mine.
    store.record_upload(&theirs, upload(&their_site, "a"), None).await.expect("their upload");

    let mine_now = store.list_bills(&mine, all).await.expect("list");
    let statuses: Vec<&str> = mine_now.iter().map(|b| b.status.as_str()).collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.contains(&"uploaded") && statuses.contains(&"confirmed"), "unchanged: {statuses:?}");
    let events = store.outbox(&theirs).await.expect("outbox");
    assert_eq!(events.len(), 1, "only their own upload: {events:?}");
}

async fn reports_of_another_tenant_are_out_of_reach((_db, store): (TestDatabase, Store)) {
    let (mine, my_site) = company(&store, "mine").await;
    let (theirs, _) = company(&store, "theirs").await;
    let bill = store.record_upload(&mine, upload(&my_site, "a"), None).await.expect("upload");
    let (c, e) = confirmed(3);
    store.confirm(&mine, &bill.id, c, e).await.expect("confirm");

    assert!(store.period_sums(&theirs, None, None).await.expect("latest").is_none());
    assert!(store.period_sums(&theirs, None, Some(my_site.id.clone())).await.expect("latest").is_none());
    let (_, sums) = store
        .period_sums(&theirs, Some("2025-26".into()), Some(my_site.id.clone()))
        .await
        .expect("sums")
        .expect("asked for");
    assert!(sums.by_scope_and_type.is_empty() && sums.sessions.is_empty());
    let (latest, _) = store.period_sums(&mine, None, None).await.expect("latest").expect("mine has data");
    assert_eq!(latest, "2025-26");
    assert!(store.sessions(&theirs).await.expect("sessions").is_empty());
    not_found(store.complete_session(&theirs, &bill.session_id, Utc::now()).await);
    let mine_sessions = store.sessions(&mine).await.expect("sessions");
    assert!(!mine_sessions[0].completed, "unchanged");
    assert!(store.overview(&theirs).await.expect("overview").expect("exists").current_emissions.is_none());
}

async fn keys_of_another_tenant_are_out_of_reach((_db, store): (TestDatabase, Store)) {
    let (mine, _) = company(&store, "mine").await;
    let (theirs, _) = company(&store, "theirs").await;
    let user = store.create_user(NewUser { email: "jo@x.example".into(), name: "Jo".into() }).await.expect("user");
    store.add_membership(&user.id, &mine, MembershipRole::Owner).await.expect("member");
    store.add_membership(&user.id, &theirs, MembershipRole::Owner).await.expect("member");
    let key = store
        .insert_key(
            NewApiKey {
                user_id: user.id.clone(),
                company_id: mine.clone(),
                mode: KeyMode::Live,
                hash: KeyHash("h".into()),
                display_prefix: "cp_live_x".into(),
                name: "k".into(),
            },
            100,
        )
        .await
        .expect("key");
    // The same user, acting for the other company, reaches none of this company's keys.
    assert!(
        store
            .list_keys(&theirs, &user.id, carbonpass_domain::model::KeyQuery { after: None, limit: 100 })
            .await
            .expect("list")
            .is_empty()
    );
    not_found(store.revoke_key(&theirs, &user.id, &key.id, Utc::now()).await);
    store.record_key_use(&theirs, &key.id, Utc::now()).await.expect("no error, and no change");
    assert_eq!(store.find_key(&theirs, &key.id).await.expect("find"), None, "another tenant's key is not found");
    assert_eq!(store.find_key(&mine, &key.id).await.expect("find").map(|k| k.user_id), Some(user.id.clone()));
    let found = store.find_key_by_hash(&KeyHash("h".into())).await.expect("find").expect("found");
    assert!(!found.revoked && found.last_used_at.is_none(), "unchanged");
}

async fn idempotency_keys_of_another_tenant_are_out_of_reach((_db, store): (TestDatabase, Store)) {
    let (mine, _) = company(&store, "mine").await;
    let (theirs, _) = company(&store, "theirs").await;
    let key = IdempotencyKey::parse("k-1").expect("key");
    let (now, ttl, lease) = (Utc::now(), TimeDelta::hours(24), TimeDelta::seconds(60));
    let IdempotencyClaim::Claimed(token) = store.claim(&mine, &key, now, ttl, lease).await.expect("claim") else {
        panic!("claimed")
    };
    assert!(matches!(store.claim(&theirs, &key, now, ttl, lease).await.expect("claim"), IdempotencyClaim::Claimed(_)));
    // Their calls with my token change nothing of mine.
    let my_lease = IdempotencyLease { key: key.clone(), token };
    let response = StoredResponse { fingerprint: "f".into(), status: 201, body: "{}".into() };
    store.complete(&theirs, &my_lease, response.clone()).await.expect("complete theirs");
    store.release(&theirs, &my_lease).await.expect("release theirs");
    assert_eq!(store.claim(&mine, &key, now, ttl, lease).await.expect("claim"), IdempotencyClaim::InProgress);
    // A claim whose lease ran out is taken over with a new token; the old token then keeps nothing.
    let later = now + TimeDelta::seconds(61);
    let IdempotencyClaim::Claimed(second) = store.claim(&mine, &key, later, ttl, lease).await.expect("claim") else {
        panic!("taken over")
    };
    assert_ne!(second, my_lease.token);
    store.complete(&mine, &my_lease, response.clone()).await.expect("stale complete");
    assert_eq!(store.claim(&mine, &key, later, ttl, lease).await.expect("claim"), IdempotencyClaim::InProgress);
    store.complete(&mine, &IdempotencyLease { key: key.clone(), token: second }, response.clone()).await.expect("c");
    assert_eq!(
        store.claim(&mine, &key, later, ttl, lease).await.expect("claim"),
        IdempotencyClaim::Completed(response)
    );
}

/// The sweep's one cross-tenant read: which stored file keys some bill (of any company, in any
/// status) holds. A key only another tenant's bill holds is in use all the same.
async fn the_sweep_sees_every_tenants_files_in_use((_db, store): (TestDatabase, Store)) {
    let (mine, my_site) = company(&store, "mine").await;
    let (theirs, their_site) = company(&store, "theirs").await;
    store.record_upload(&mine, upload(&my_site, "k-mine"), None).await.expect("upload");
    let rejected = store.record_upload(&theirs, upload(&their_site, "k-theirs"), None).await.expect("upload");
    store.reject(&theirs, &rejected.id, Correction::new("wrong", Utc::now()).expect("reason")).await.expect("reject");
    let asked: Vec<String> = ["k-mine", "k-theirs", "k-orphan"].map(String::from).into();
    let mut in_use: Vec<String> = store.blob_keys_in_use(&asked).await.expect("keys").into_iter().collect();
    in_use.sort();
    assert_eq!(in_use, ["k-mine", "k-theirs"]);
    assert!(store.blob_keys_in_use(&[]).await.expect("none asked").is_empty());
}

/// Every webhook method, called with another tenant's endpoint and delivery ids, finds nothing
/// and changes nothing; the owner's endpoint and delivery stay as they were.
async fn webhook_endpoints_of_another_tenant_are_out_of_reach((_db, store): (TestDatabase, Store)) {
    use carbonpass_domain::webhooks::EventType;
    use carbonpass_domain::webhooks::model::{DeliveryQuery, EndpointChange, ManualTarget, NewEndpoint};
    let (ours, _) = company(&store, "ours").await;
    let (theirs, _) = company(&store, "theirs").await;
    let now = Utc::now();
    let new = NewEndpoint {
        url: "https://hooks.example.com/x".into(),
        description: String::new(),
        events: vec![EventType::BillConfirmed],
        secret: "whsec_AAAA".into(),
        created_by: Default::default(),
        created_at: now,
    };
    let endpoint = store.create_endpoint(&ours, new).await.expect("endpoint");
    let ping = store.enqueue_ping(&ours, &endpoint.id, now).await.expect("ping");
    let not_found = |r: Result<_, DomainError>| matches!(r, Err(DomainError::NotFound { .. }));

    assert!(store.find_endpoint(&theirs, &endpoint.id).await.expect("read").is_none());
    assert!(store.list_endpoints(&theirs).await.expect("list").is_empty());
    let change = EndpointChange { enabled: Some(false), ..EndpointChange::default() };
    assert!(not_found(store.update_endpoint(&theirs, &endpoint.id, change, now).await.map(|_| ())));
    assert!(not_found(store.rotate_secret(&theirs, &endpoint.id, "whsec_BBBB".into(), now, now).await.map(|_| ())));
    assert!(not_found(store.enqueue_ping(&theirs, &endpoint.id, now).await.map(|_| ())));
    let query = DeliveryQuery { after: None, limit: 10 };
    assert!(not_found(store.list_deliveries(&theirs, &endpoint.id, query.clone()).await.map(|_| ())));
    assert!(not_found(store.retry_delivery(&theirs, &ping.id, now).await.map(|_| ())));
    assert!(not_found(store.recover_failed(&theirs, &endpoint.id, now - TimeDelta::days(1), now).await.map(|_| ())));
    for target in [ManualTarget::Endpoint(endpoint.id.clone()), ManualTarget::Delivery(ping.id.clone())] {
        assert!(not_found(store.count_manual(&theirs, &target, now, 10).await.map(|_| ())), "{target:?}");
    }
    assert!(not_found(store.delete_endpoint(&theirs, &endpoint.id).await));

    let kept = store.find_endpoint(&ours, &endpoint.id).await.expect("read").expect("still there");
    assert_eq!((kept.enabled, kept.updated_at), (endpoint.enabled, endpoint.updated_at));
    let log = store.list_deliveries(&ours, &endpoint.id, query).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].id, ping.id);
}

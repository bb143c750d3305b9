//! The repository ports against real databases: every case runs on SQLite and on PostgreSQL.

use carbonpass_domain::DomainError;
use carbonpass_domain::model::{
    ApiKeyId, CompanyId, KeyHash, KeyMode, MembershipRole, NewApiKey, NewCompany, NewSite, NewUser, Passport, Plan,
    ReportingYearStart, UserId,
};
use carbonpass_domain::ports::{ApiKeyRepository, CompanyRepository, HealthProbe, UserRepository};
use carbonpass_store::{Store, StoreConfig};
use carbonpass_testkit::{Backend, TestDatabase};
use chrono::{TimeDelta, TimeZone, Utc};

mod support;

use support::open;

carbonpass_testkit::on_both_backends!(open =>
    a_company_comes_with_a_sandbox_twin,
    sites_are_mirrored_into_the_sandbox,
    passport_slugs_are_unique_among_live_companies,
    sites_need_a_live_company,
    users_have_unique_emails_and_memberships,
    keys_are_found_by_hash_with_their_plan,
    keys_are_revoked_only_by_their_owner,
    racing_inserts_never_pass_the_keys_cap,
    keys_are_paged_newest_first_and_known_by_hash,
    migrating_again_changes_nothing,
    the_probe_reports_ready,
    every_change_to_a_tenant_bumps_its_data_version,
    an_upload_and_its_confirmation_are_atomic_with_their_events,
    scope_3_categories_are_put_right_at_start,
    market_based_scope2_an_older_release_voided_is_taken_out_at_start,
);

fn new_company(name: &str, slug: &str, plan: Plan) -> NewCompany {
    NewCompany {
        name: name.into(),
        sector: "Manufacturing".into(),
        city: "Birmingham".into(),
        employee_count: 42,
        plan,
        passport: Passport { slug: slug.into(), activated: true },
        reporting_year_start: ReportingYearStart::new(1).expect("month"),
    }
}

fn new_site(name: &str) -> NewSite {
    NewSite { name: name.into(), city: "Leeds".into(), employee_count: 7 }
}

async fn a_company_comes_with_a_sandbox_twin((_db, store): (TestDatabase, Store)) {
    let live = store.create_company(new_company("Acme", "acme", Plan::Business)).await.expect("create");
    assert!(!live.sandbox);
    assert_eq!(live.reporting_year_start.month(), 1);
    let twin_id = store.sandbox_twin(&live.id).await.expect("twin");
    assert_ne!(twin_id, live.id);
    let twin = store.overview(&twin_id).await.expect("read").expect("twin exists");
    assert!(twin.company.sandbox);
    assert_eq!(twin.company.name, "Acme");
    assert_eq!(twin.company.plan, Plan::Business);
    // A twin has no twin of its own, and only live companies are listed.
    assert!(matches!(store.sandbox_twin(&twin_id).await, Err(DomainError::NotFound { .. })));
    let listed: Vec<_> = store.list_companies().await.expect("list").into_iter().map(|c| c.id).collect();
    assert_eq!(listed, vec![live.id.clone()]);
    let found = store.find_company_by_slug("acme").await.expect("find").expect("found");
    assert_eq!(found.id, live.id);
    let unknown = CompanyId::parse("comp_nothere").expect("id");
    assert!(store.overview(&unknown).await.expect("read").is_none());
}

async fn sites_are_mirrored_into_the_sandbox((_db, store): (TestDatabase, Store)) {
    let live = store.create_company(new_company("Acme", "acme", Plan::Business)).await.expect("create");
    let first = store.add_site_for_test(&live.id, "Warehouse").await;
    let second = store.add_site_for_test(&live.id, "Office").await;
    let overview = store.overview(&live.id).await.expect("read").expect("exists");
    let ids: Vec<_> = overview.sites.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids, vec![first.id.clone(), second.id.clone()]);
    assert_eq!(overview.sites[0].employee_count, 7);
    assert!(overview.current_emissions.is_none());

    let twin = store.sandbox_twin(&live.id).await.expect("twin");
    let sandbox = store.overview(&twin).await.expect("read").expect("exists");
    let names: Vec<_> = sandbox.sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["Warehouse", "Office"]);
    assert!(sandbox.sites.iter().all(|s| s.id != first.id && s.id != second.id), "sandbox sites have their own ids");
}

async fn passport_slugs_are_unique_among_live_companies((_db, store): (TestDatabase, Store)) {
    store.create_company(new_company("Acme", "acme", Plan::Business)).await.expect("first");
    let again = store.create_company(new_company("Acme Two", "acme", Plan::Starter)).await;
    assert!(matches!(again, Err(DomainError::Conflict { .. })), "{again:?}");
    // The failed attempt left nothing behind.
    assert_eq!(store.list_companies().await.expect("list").len(), 1);
}

async fn sites_need_a_live_company((_db, store): (TestDatabase, Store)) {
    let live = store.create_company(new_company("Acme", "acme", Plan::Business)).await.expect("create");
    let twin = store.sandbox_twin(&live.id).await.expect("twin");
    let unknown = CompanyId::parse("comp_nothere").expect("id");
    for company in [twin, unknown] {
        let result = store.create_site(&company, new_site("Depot")).await;
        assert!(matches!(result, Err(DomainError::NotFound { .. })), "{result:?}");
    }
}

async fn users_have_unique_emails_and_memberships((_db, store): (TestDatabase, Store)) {
    let company = store.create_company(new_company("Acme", "acme", Plan::Business)).await.expect("create");
    let user = store.create_user(NewUser { email: "jo@acme.example".into(), name: "Jo".into() }).await.expect("user");
    let dup = store.create_user(NewUser { email: "jo@acme.example".into(), name: "Other".into() }).await;
    assert!(matches!(dup, Err(DomainError::Conflict { .. })), "{dup:?}");
    assert_eq!(store.find_user_by_email("jo@acme.example").await.expect("find"), Some(user.clone()));

    assert!(!store.is_member(&user.id, &company.id).await.expect("check"));
    store.add_membership(&user.id, &company.id, MembershipRole::Member).await.expect("join");
    store.add_membership(&user.id, &company.id, MembershipRole::Owner).await.expect("change role");
    assert!(store.is_member(&user.id, &company.id).await.expect("check"));

    let twin = store.sandbox_twin(&company.id).await.expect("twin");
    let into_twin = store.add_membership(&user.id, &twin, MembershipRole::Member).await;
    assert!(matches!(into_twin, Err(DomainError::NotFound { .. })), "memberships are of live companies");
    let nobody = UserId::parse("usr_nobody").expect("id");
    let result = store.add_membership(&nobody, &company.id, MembershipRole::Member).await;
    assert!(matches!(result, Err(DomainError::NotFound { .. })));
}

async fn keys_are_found_by_hash_with_their_plan((_db, store): (TestDatabase, Store)) {
    let (company, user) = store.company_with_member(Plan::Partner).await;
    let record = store.insert_key(new_key(&user, &company, "h-live"), 100).await.expect("insert");
    assert_eq!(record.display_prefix, "cp_live_abcdef");
    assert!(record.last_used_at.is_none() && record.revoked_at.is_none());

    let found = store.find_key_by_hash(&KeyHash("h-live".into())).await.expect("find").expect("found");
    assert_eq!(
        (found.id.clone(), found.plan, found.mode, found.revoked),
        (record.id.clone(), Plan::Partner, KeyMode::Live, false)
    );
    assert_eq!(found.company_id, company);
    assert!(store.find_key_by_hash(&KeyHash("h-other".into())).await.expect("find").is_none());

    let at = Utc.with_ymd_and_hms(2026, 4, 6, 14, 30, 0).single().expect("time") + TimeDelta::microseconds(123_456);
    store.record_key_use(&company, &record.id, at).await.expect("touch");
    let found = store.find_key_by_hash(&KeyHash("h-live".into())).await.expect("find").expect("found");
    assert_eq!(found.last_used_at, Some(at));

    let dup = store.insert_key(new_key(&user, &company, "h-live"), 100).await;
    assert!(matches!(dup, Err(DomainError::Conflict { .. })), "{dup:?}");
}

async fn keys_are_revoked_only_by_their_owner((_db, store): (TestDatabase, Store)) {
    let (company, user) = store.company_with_member(Plan::Business).await;
    let first = store.insert_key(new_key(&user, &company, "h1"), 100).await.expect("insert");
    let second = store.insert_key(new_key(&user, &company, "h2"), 100).await.expect("insert");
    let stranger = store.create_user(NewUser { email: "x@y.example".into(), name: "X".into() }).await.expect("user");

    let at = Utc::now();
    let refused = store.revoke_key(&company, &stranger.id, &first.id, at).await;
    assert!(matches!(refused, Err(DomainError::NotFound { .. })));
    assert!(!store.find_key_by_hash(&KeyHash("h1".into())).await.expect("find").expect("found").revoked);

    let revoked = store.revoke_key(&company, &user, &first.id, at).await.expect("revoke");
    assert!(revoked.revoked_at.is_some());
    let again = store.revoke_key(&company, &user, &first.id, at + TimeDelta::hours(1)).await.expect("again");
    assert_eq!(again.revoked_at, revoked.revoked_at, "the first revocation time is kept");
    assert!(store.find_key_by_hash(&KeyHash("h1".into())).await.expect("find").expect("found").revoked);

    let listed: Vec<ApiKeyId> =
        store.list_keys(&company, &user, all_keys()).await.expect("list").into_iter().map(|k| k.id).collect();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&first.id) && listed.contains(&second.id));
    assert!(store.list_keys(&company, &stranger.id, all_keys()).await.expect("list").is_empty());
    assert_eq!(store.list_user_keys(&user).await.expect("list").len(), 2);
}

async fn racing_inserts_never_pass_the_keys_cap((_db, store): (TestDatabase, Store)) {
    let (company, user) = store.company_with_member(Plan::Business).await;
    let inserts: Vec<_> = (0..12)
        .map(|i| {
            let (store, company, user) = (store.clone(), company.clone(), user.clone());
            tokio::spawn(async move { store.insert_key(new_key(&user, &company, &format!("race-{i}")), 5).await })
        })
        .collect();
    let mut made = 0;
    for insert in inserts {
        match insert.await.expect("task") {
            Ok(_) => made += 1,
            Err(DomainError::LimitReached { limit: 5, .. }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(made, 5, "exactly the cap");
    // Revoked keys leave room.
    let listed = store.list_keys(&company, &user, all_keys()).await.expect("list");
    store.revoke_key(&company, &user, &listed[0].id, Utc::now()).await.expect("revoke");
    store.insert_key(new_key(&user, &company, "after-revoking"), 5).await.expect("room again");
}

async fn keys_are_paged_newest_first_and_known_by_hash((_db, store): (TestDatabase, Store)) {
    let (company, user) = store.company_with_member(Plan::Business).await;
    let before = Utc::now() - TimeDelta::seconds(1);
    for i in 0..5 {
        store.insert_key(new_key(&user, &company, &format!("page-{i}")), 100).await.expect("insert");
    }
    let every = store.list_keys(&company, &user, all_keys()).await.expect("list");
    let first = store
        .list_keys(&company, &user, carbonpass_domain::model::KeyQuery { after: None, limit: 2 })
        .await
        .expect("page");
    let rest = store
        .list_keys(&company, &user, carbonpass_domain::model::KeyQuery { after: Some(first[1].id.clone()), limit: 10 })
        .await
        .expect("page");
    let paged: Vec<_> = first.iter().chain(&rest).map(|k| k.id.clone()).collect();
    assert_eq!(paged, every.iter().map(|k| k.id.clone()).collect::<Vec<_>>(), "pages join up, newest first");
    let stranger = ApiKeyId::parse("key_nosuchkey").expect("id");
    let bad =
        store.list_keys(&company, &user, carbonpass_domain::model::KeyQuery { after: Some(stranger), limit: 2 }).await;
    assert!(matches!(bad, Err(DomainError::Invalid { field: "cursor", .. })), "{bad:?}");

    let all = store.key_hashes_since(None).await.expect("hashes");
    assert!((0..5).all(|i| all.contains(&KeyHash(format!("page-{i}")))));
    let recent = store.key_hashes_since(Some(before)).await.expect("hashes");
    assert_eq!(recent.len(), 5, "{recent:?}");
    assert!(store.key_hashes_since(Some(Utc::now() + TimeDelta::minutes(1))).await.expect("hashes").is_empty());
    store.revoke_key(&company, &user, &every[0].id, Utc::now()).await.expect("revoke");
    assert_eq!(
        store.key_hashes_since(Some(before)).await.expect("hashes").len(),
        4,
        "revoked keys are not worth a lookup"
    );
}

async fn migrating_again_changes_nothing((_db, store): (TestDatabase, Store)) {
    assert!(store.migrate().expect("migrate").is_empty());
}

async fn the_probe_reports_ready((_db, store): (TestDatabase, Store)) {
    store.check().await.expect("ready");
}

fn new_key(user: &UserId, company: &CompanyId, hash: &str) -> NewApiKey {
    NewApiKey {
        user_id: user.clone(),
        company_id: company.clone(),
        mode: KeyMode::Live,
        hash: KeyHash(hash.into()),
        display_prefix: "cp_live_abcdef".into(),
        name: "ci".into(),
    }
}

/// Fixtures written through the ports themselves.
trait Fixtures {
    async fn add_site_for_test(&self, company: &CompanyId, name: &str) -> carbonpass_domain::model::Site;
    async fn company_with_member(&self, plan: Plan) -> (CompanyId, UserId);
}

impl Fixtures for Store {
    async fn add_site_for_test(&self, company: &CompanyId, name: &str) -> carbonpass_domain::model::Site {
        self.create_site(company, new_site(name)).await.expect("site")
    }

    async fn company_with_member(&self, plan: Plan) -> (CompanyId, UserId) {
        let company = self.create_company(new_company("Acme", "acme", plan)).await.expect("company");
        let user =
            self.create_user(NewUser { email: "owner@acme.example".into(), name: "Owner".into() }).await.expect("user");
        self.add_membership(&user.id, &company.id, MembershipRole::Owner).await.expect("member");
        (company.id, user.id)
    }
}

async fn every_change_to_a_tenant_bumps_its_data_version((_db, store): (TestDatabase, Store)) {
    let (company, user) = store.company_with_member(Plan::Business).await;
    store.insert_key(new_key(&user, &company, "h"), 100).await.expect("key");
    let version =
        || async { store.find_key_by_hash(&KeyHash("h".into())).await.expect("find").expect("found").data_version };
    let before = version().await;
    assert_eq!(store.overview(&company).await.expect("read").expect("exists").version, before);

    store.add_site_for_test(&company, "Depot").await;
    let after_site = version().await;
    assert!(after_site > before, "a new site bumps the version: {before:?} -> {after_site:?}");
    assert_eq!(store.overview(&company).await.expect("read").expect("exists").version, after_site);

    // Recording a key's use is not a change to the tenant's data.
    let key = store.find_key_by_hash(&KeyHash("h".into())).await.expect("f").expect("f").id;
    store.record_key_use(&company, &key, Utc::now()).await.expect("touch");
    assert_eq!(version().await, after_site);

    // The sandbox twin has versions of its own.
    let twin = store.sandbox_twin(&company).await.expect("twin");
    let twin_version = store.overview(&twin).await.expect("read").expect("exists").version;
    store.add_site_for_test(&company, "Office").await;
    assert!(
        store.overview(&twin).await.expect("read").expect("exists").version > twin_version,
        "its mirrored site bumps it"
    );
}

mod concurrent_migrations {
    use super::*;

    /// Several processes starting at once (instances of a deployment, `serve` beside an admin
    /// command) apply each migration exactly once, and none of them fails.
    fn run(backend: Backend) {
        let Some(db) = TestDatabase::empty(backend) else { return };
        let url = db.url().to_owned();
        let starters: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || {
                    let store = Store::connect(&StoreConfig::new(url), crate::support::payloads()).expect("connect");
                    store.migrate().expect("migrate").len()
                })
            })
            .collect();
        let applied: Vec<usize> = starters.into_iter().map(|t| t.join().expect("thread")).collect();
        assert_eq!(applied.iter().filter(|&&n| n > 0).count(), 1, "applied once: {applied:?}");
        let store = Store::connect(&StoreConfig::new(url), crate::support::payloads()).expect("connect");
        assert!(store.migrate().expect("migrate").is_empty());
    }

    #[test]
    fn sqlite() {
        run(Backend::Sqlite);
    }

    #[test]
    fn postgres() {
        run(Backend::Postgres);
    }
}

async fn an_upload_and_its_confirmation_are_atomic_with_their_events((_db, store): (TestDatabase, Store)) {
    use carbonpass_domain::calculation::{Activity, BillType, FactorLibrary, Unit, calculate};
    use carbonpass_domain::model::{Confirmed, NewUpload, StoredFile};
    use carbonpass_domain::ports::BillRepository;

    let (company, _) = store.company_with_member(Plan::Business).await;
    let site = store.add_site_for_test(&company, "Depot").await;
    let file = |sha: &str| StoredFile {
        blob_key: "k".into(),
        content_type: "application/pdf".into(),
        size_bytes: 3,
        sha256: sha.into(),
    };
    let upload = |sha: &str| NewUpload {
        site_id: site.id.clone(),
        bill_type: BillType::Electricity,
        file: file(sha),
        period: "2025-26".into(),
    };
    let bill = store.record_upload(&company, upload("aaa"), None).await.expect("upload");
    let again = store.record_upload(&company, upload("aaa"), None).await;
    assert!(
        matches!(&again, Err(DomainError::DuplicateBill { existing }) if existing == bill.id.as_str()),
        "{again:?}"
    );
    let second = store.record_upload(&company, upload("bbb"), None).await.expect("upload");
    assert_eq!(second.session_id, bill.session_id, "one session in progress per site");

    let activity = Activity {
        bill_type: BillType::Electricity,
        quantity: "1000".parse().expect("decimal"),
        unit: Unit::Kwh,
        period_start: chrono::NaiveDate::from_ymd_opt(2025, 5, 1).expect("date"),
        period_end: chrono::NaiveDate::from_ymd_opt(2025, 5, 31).expect("date"),
        calorific_value: None,
        volume_correction: None,
        sewerage_volume: None,
    };
    let library = FactorLibrary::official().expect("factors");
    let calculation = calculate(&library, ReportingYearStart::APRIL, &activity).expect("calc");
    let emissions = calculation.micrograms().expect("micrograms");
    let confirmed = Confirmed {
        activity,
        meter_point: None,
        supplier: None,
        allow_overlap: false,
        confirmed_at: Utc::now(),
        calculation,
    };
    let done = store.confirm(&company, &bill.id, confirmed.clone(), emissions.clone()).await.expect("confirm");
    assert_eq!(
        done.confirmed.as_ref().map(|c| &c.calculation),
        Some(&confirmed.calculation),
        "the record round-trips exactly"
    );
    let twice = store.confirm(&company, &bill.id, confirmed.clone(), emissions.clone()).await;
    assert!(matches!(twice, Err(DomainError::Conflict { .. })), "{twice:?}");
    let overlap = store.confirm(&company, &second.id, confirmed, emissions).await;
    assert!(
        matches!(&overlap, Err(DomainError::OverlappingBill { existing }) if existing == bill.id.as_str()),
        "{overlap:?}"
    );

    let events: Vec<String> = store.outbox(&company).await.expect("outbox").into_iter().map(|(t, _)| t).collect();
    assert_eq!(events, ["bill.uploaded", "bill.uploaded", "bill.confirmed"], "refusals wrote no event");
    let (_, data) = store.outbox(&company).await.expect("outbox").pop().expect("event");
    assert!(data.contains(bill.id.as_str()) && data.contains("\"status\":\"confirmed\""), "{data}");
}

fn all_keys() -> carbonpass_domain::model::KeyQuery {
    carbonpass_domain::model::KeyQuery { after: None, limit: 100 }
}

/// Bills confirmed before the categories existed (or by an older release during a rollout) gain
/// them at the next start, water split exactly from its stored calculation; bills such a release
/// voided lose them. The report's categories add up to its scope 3 total throughout.
async fn scope_3_categories_are_put_right_at_start((db, store): (TestDatabase, Store)) {
    use carbonpass_domain::calculation::{Activity, BillType, FactorLibrary, Unit, calculate};
    use carbonpass_domain::model::{Confirmed, Micrograms, NewUpload, StoredFile};
    use carbonpass_domain::ports::{BillRepository, EmissionsRepository};

    let (company, _) = store.company_with_member(Plan::Business).await;
    let site = store.add_site_for_test(&company, "Depot").await;
    let library = FactorLibrary::official().expect("factors");
    let mut bills = Vec::new();
    for (sha, bill_type, unit, quantity, sewerage) in [
        ("w1", BillType::Water, Unit::CubicMetres, "123.456", Some("100.5")),
        ("w2", BillType::Water, Unit::CubicMetres, "77.7", None),
        ("e1", BillType::Electricity, Unit::Kwh, "1000", None),
    ] {
        let file = StoredFile {
            blob_key: sha.into(),
            content_type: "application/pdf".into(),
            size_bytes: 3,
            sha256: sha.into(),
        };
        let upload = NewUpload { site_id: site.id.clone(), bill_type, file, period: "2025-26".into() };
        let bill = store.record_upload(&company, upload, None).await.expect("upload");
        let activity = Activity {
            bill_type,
            quantity: quantity.parse().expect("decimal"),
            unit,
            period_start: chrono::NaiveDate::from_ymd_opt(2025, 5, 1).expect("date"),
            period_end: chrono::NaiveDate::from_ymd_opt(2025, 5, 31).expect("date"),
            calorific_value: None,
            volume_correction: None,
            sewerage_volume: sewerage.map(|v| v.parse().expect("decimal")),
        };
        let calculation = calculate(&library, ReportingYearStart::APRIL, &activity).expect("calc");
        let emissions = calculation.micrograms().expect("µg");
        let confirmed = Confirmed {
            activity,
            meter_point: None,
            supplier: None,
            allow_overlap: true,
            confirmed_at: Utc::now(),
            calculation,
        };
        store.confirm(&company, &bill.id, confirmed, emissions).await.expect("confirm");
        bills.push(bill.id);
    }
    let categories = || async {
        let (_, sums) = store.period_sums(&company, Some("2025-26".into()), None).await.expect("sums").expect("data");
        let scope3: i128 = sums.by_scope_and_type.iter().filter(|(s, _, _)| *s == 3).map(|(_, _, a)| a.0).sum();
        let by: Vec<(u8, Micrograms)> = sums.scope3_by_category.clone();
        assert_eq!(by.iter().map(|(_, a)| a.0).sum::<i128>(), scope3, "categories add up to scope 3: {by:?}");
        by
    };
    let confirmed = categories().await;
    assert_eq!(confirmed.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 3, 5]);

    // As a release before the categories left them: none at all.
    db.execute("DELETE FROM bill_category_totals", &[]);
    db.execute("DELETE FROM bill_categories", &[]);
    assert!(store.migrate().expect("start").is_empty(), "no migration pending");
    assert_eq!(categories().await, confirmed, "the same split, read from the stored calculations");
    assert!(store.migrate().expect("start again").is_empty());
    assert_eq!(categories().await, confirmed, "a second start changes nothing");

    // A water bill voided by such a release: its scope rows gone, its categories left behind.
    let water = bills[0].as_str();
    db.execute("DELETE FROM bill_emissions WHERE bill_id = $1", &[water]);
    db.execute("DELETE FROM emission_totals WHERE bill_type = 'water'", &[]);
    db.execute(
        "INSERT INTO emission_totals (company_id, reporting_period, site_id, session_id, bill_type, scope, kilograms, micrograms, contributions) \
         SELECT company_id, reporting_period, site_id, session_id, bill_type, scope, SUM(micrograms / 1000000000), SUM(micrograms % 1000000000), COUNT(*) \
         FROM bill_emissions WHERE bill_type = 'water' GROUP BY company_id, reporting_period, site_id, session_id, bill_type, scope",
        &[],
    );
    store.migrate().expect("start");
    let after = categories().await;
    assert_eq!(after.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 3, 5], "the other water bill stays");
    assert!(after[0].1.0 < confirmed[0].1.0 && after[2].1.0 < confirmed[2].1.0, "{after:?}");
    assert_eq!(after[1], confirmed[1], "electricity untouched");
}

/// A bill with a market instrument voided by a release that knew nothing of instruments (its
/// scope rows gone, its instrument rows left behind) leaves the market-based sums at the next
/// start, and the tenant's data version moves so no process serves a report from before.
async fn market_based_scope2_an_older_release_voided_is_taken_out_at_start((db, store): (TestDatabase, Store)) {
    use carbonpass_domain::calculation::{
        Activity, BillType, FactorLibrary, InstrumentKind, MarketInstrument, Unit, calculate,
    };
    use carbonpass_domain::model::{Confirmed, NewUpload, StoredFile};
    use carbonpass_domain::ports::{BillRepository, CompanyRepository, EmissionsRepository};

    let (company, _) = store.company_with_member(Plan::Business).await;
    let site = store.add_site_for_test(&company, "Depot").await;
    let library = FactorLibrary::official().expect("factors");
    let mut bills = Vec::new();
    for (sha, instrument) in [
        ("green", MarketInstrument::Rego { source: "REGO tariff".into() }),
        (
            "specific",
            MarketInstrument::SupplierSpecific { kg_co2e_per_kwh: "0.1".parse().expect("d"), source: "FMD".into() },
        ),
    ] {
        let file = StoredFile {
            blob_key: sha.into(),
            content_type: "application/pdf".into(),
            size_bytes: 3,
            sha256: sha.into(),
        };
        let upload =
            NewUpload { site_id: site.id.clone(), bill_type: BillType::Electricity, file, period: "2025-26".into() };
        let bill = store.record_upload(&company, upload, None).await.expect("upload");
        let activity = Activity {
            bill_type: BillType::Electricity,
            quantity: "1000".parse().expect("decimal"),
            unit: Unit::Kwh,
            period_start: chrono::NaiveDate::from_ymd_opt(2025, 5, 1).expect("date"),
            period_end: chrono::NaiveDate::from_ymd_opt(2025, 5, 31).expect("date"),
            calorific_value: None,
            volume_correction: None,
            sewerage_volume: None,
        };
        let calculation = calculate(&library, ReportingYearStart::APRIL, &activity)
            .and_then(|c| c.with_market_instrument(instrument))
            .expect("calc");
        let emissions = calculation.micrograms().expect("µg");
        let confirmed = Confirmed {
            activity,
            meter_point: None,
            supplier: None,
            allow_overlap: true,
            confirmed_at: Utc::now(),
            calculation,
        };
        store.confirm(&company, &bill.id, confirmed, emissions).await.expect("confirm");
        bills.push(bill.id);
    }
    let instruments = || async {
        let (_, sums) = store.period_sums(&company, Some("2025-26".into()), None).await.expect("sums").expect("data");
        sums.scope2_instruments
    };
    // 1,000 kWh × 0.17700 kg location-based each; 0 and 100 kg market-based.
    let location = 177_000_000_000_i128;
    assert_eq!(
        instruments().await,
        [(InstrumentKind::SupplierSpecific, location, 100_000_000_000), (InstrumentKind::Rego, location, 0)]
    );
    let before = store.overview(&company).await.expect("overview").expect("company").version;

    db.execute("DELETE FROM bill_emissions WHERE bill_id = $1", &[bills[0].as_str()]);
    assert!(store.migrate().expect("start").is_empty(), "no migration pending");
    assert_eq!(instruments().await, [(InstrumentKind::SupplierSpecific, location, 100_000_000_000)]);
    let after = store.overview(&company).await.expect("overview").expect("company").version;
    assert!(after > before, "the data version moves: {before:?} → {after:?}");
    store.migrate().expect("start again");
    assert_eq!(instruments().await.len(), 1, "a second start changes nothing");
}

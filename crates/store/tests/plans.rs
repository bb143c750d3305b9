//! Plans and inputs stored in version 1 (before the store had formats of its own) read back
//! through the repository on both backends, and what it writes now reads back alike.

use carbonpass_domain::DomainError;
use carbonpass_domain::crp::{PlanStatus, Section};
use carbonpass_domain::model::{CompanyId, NewCompany, Passport, Plan, PlanId, ReportingYearStart};
use carbonpass_domain::ports::{CompanyRepository, NewPlan, PlanRepository};
use carbonpass_store::Store;
use carbonpass_testkit::TestDatabase;
use chrono::Utc;

mod support;

use support::open;

carbonpass_testkit::on_both_backends!(open =>
    version_1_inputs_read_back_and_write_back_alike,
    a_version_1_plan_reads_back_and_its_content_writes_back_alike,
    a_stored_plan_with_a_renamed_field_is_an_error_not_a_default,
);

const INPUTS_V1: &str = include_str!("fixtures/crp/inputs-v1.json");
const CONTENT_V1: &str = include_str!("fixtures/crp/plan-content-v1.json");
const PLAN_ID: &str = "crp_storedV1";

/// Version 1's text as this release writes it: the same, marked with its version.
fn marked(v1: &str) -> String {
    v1.replacen('{', r#"{"version":1,"#, 1)
}

async fn company(store: &Store) -> CompanyId {
    let new = NewCompany {
        name: "Acme Widgets Ltd".into(),
        sector: "Manufacturing".into(),
        city: "Leeds".into(),
        employee_count: 42,
        plan: Plan::Business,
        passport: Passport { slug: "acme-widgets".into(), activated: true },
        reporting_year_start: ReportingYearStart::APRIL,
    };
    store.create_company(new).await.expect("company").id
}

fn store_plan(db: &TestDatabase, company: &CompanyId, content: &str) {
    db.execute(
        "INSERT INTO crp_plans (id, company_id, status, fy_year, target_year, generated_at, published_at, content, sections) \
         VALUES ($1, $2, 'published', 2026, 2045, '2026-12-06 11:00:00', '2026-12-06 11:30:00', $3, \
         'organisationDetails,baselineEmissions,currentEmissions,reductionTargets,reductionProjects,environmentalMeasures,declaration')",
        &[PLAN_ID, company.as_str(), content],
    );
}

async fn version_1_inputs_read_back_and_write_back_alike((db, store): (TestDatabase, Store)) {
    let company = company(&store).await;
    db.execute(
        "INSERT INTO crp_inputs (company_id, document, updated_at) VALUES ($1, $2, '2026-12-06 11:00:00')",
        &[company.as_str(), INPUTS_V1],
    );
    let read = store.crp_inputs(&company).await.expect("read").expect("stored").inputs;
    assert_eq!(read.projects.len(), 2);
    assert_eq!(read.declaration.as_ref().map(|d| d.signatory_name.as_str()), Some("Ada Lovelace"));

    let saved = store.save_crp_inputs(&company, read.clone(), Utc::now()).await.expect("save");
    assert_eq!(saved.inputs, read);
    let document = db.texts("SELECT document AS text FROM crp_inputs WHERE company_id = $1", &[company.as_str()]);
    assert_eq!(document, [marked(INPUTS_V1)]);
    assert_eq!(store.crp_inputs(&company).await.expect("read").expect("stored").inputs, read);
}

async fn a_version_1_plan_reads_back_and_its_content_writes_back_alike((db, store): (TestDatabase, Store)) {
    let company = company(&store).await;
    store_plan(&db, &company, CONTENT_V1);
    let id = PlanId::parse(PLAN_ID).expect("id");
    let plan = store.find_plan(&company, &id).await.expect("read").expect("stored");
    assert_eq!((plan.status, plan.fy_year, plan.target_year), (PlanStatus::Published, 2026, 2045));
    assert_eq!(plan.present_sections(), Section::ALL, "every section of the fixture reads back");
    assert_eq!(plan.content.organisation.name, "Acme Widgets Ltd");

    let new = NewPlan { fy_year: 2026, target_year: 2045, generated_at: Utc::now(), content: plan.content.clone() };
    let again = store.insert_plan(&company, new, 100).await.expect("insert");
    let content = db.texts("SELECT content AS text FROM crp_plans WHERE id = $1", &[again.id.as_str()]);
    assert_eq!(content, [marked(CONTENT_V1)]);
    let reread = store.find_plan(&company, &again.id).await.expect("read").expect("stored");
    assert_eq!(reread.content, plan.content);
}

async fn a_stored_plan_with_a_renamed_field_is_an_error_not_a_default((db, store): (TestDatabase, Store)) {
    let company = company(&store).await;
    let renamed = CONTENT_V1.replacen(r#","source":"Calculated from 3 confirmed bills"#, r#","from":"#, 1);
    assert_ne!(renamed, CONTENT_V1);
    store_plan(&db, &company, &renamed);
    match store.find_plan(&company, &PlanId::parse(PLAN_ID).expect("id")).await {
        Err(DomainError::Internal(message)) => {
            assert!(message.starts_with("stored data is not valid: plan content"), "{message}");
            assert!(message.contains("unknown field `from`"), "{message}");
        }
        other => panic!("expected an internal error, got {other:?}"),
    }
}

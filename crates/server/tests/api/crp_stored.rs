//! Plans and inputs as they were stored before the store had formats of its own (issue 20, item
//! 2): the fixtures in `crates/store/tests/fixtures/crp`, captured once from a real plan.

use std::path::PathBuf;
use std::process::Command;

use carbonpass_domain::calculation::ReportingPeriod;
use carbonpass_domain::crp::{CarbonReductionPlan, PlanContent, PlanStatus};
use carbonpass_domain::model::{KeyMode, Plan, PlanId, ReportingYearStart};
use carbonpass_testkit::Backend;
use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::crp::{confirmed, generate, json_of, last_period, put};
use crate::support::spawn;

/// The plan around the fixture's content when its PDF text was captured.
pub(crate) const FIXTURE_PLAN_ID: &str = "crp_storedV1";
pub(crate) const FIXTURE_FY_YEAR: i32 = 2026;
pub(crate) const FIXTURE_TARGET_YEAR: i32 = 2045;

pub(crate) fn fixture_generated_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 11, 0, 0).single().expect("time")
}

pub(crate) fn fixture_published_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 11, 30, 0).single().expect("time")
}

pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../store/tests/fixtures/crp")
}

/// Every field of the inputs set, with text that JSON must escape and letters beyond ASCII.
fn every_input() -> Value {
    let year = last_period().end_year();
    let baseline = ReportingPeriod::ending_in(year - 1, ReportingYearStart::APRIL);
    json!({
        "organisation": {"registeredAddress": "Unit 4, Zoë's Yard, 1 High Street, Leeds LS1 1AA", "companyNumber": "SC123456"},
        "baselinePeriod": baseline.label(),
        "baselineEmissions": {"scope1": "10.25", "scope2": 20.5, "scope3": 0, "source": "A footprint by \"Green Ltd\" \\ 2024"},
        "netZeroYear": 2045,
        "interimTarget": {"year": year + 3, "reductionPercent": 42.5},
        "projects": [
            {"title": "LED lighting", "description": "All sites", "status": "completed", "year": year - 1, "estimatedSavingTco2e": 12.5},
            {"title": "Heat pump", "description": "Replaces the café's gas boiler", "status": "planned", "year": year + 2, "estimatedSavingTco2e": "7.125"}
        ],
        "measures": [
            {"title": "ISO 14001 certification", "description": ""},
            {"title": "Energy audit", "description": "Every site, each year"}
        ],
        "scope3Statements": [
            {"category": 4, "reason": "Suppliers deliver at their cost."},
            {"category": 5, "reason": "Wastewater from the water bills; solid waste not yet measured."},
            {"category": 6, "reason": "No business travel."},
            {"category": 7, "reason": "Commuting survey planned."},
            {"category": 9, "reason": "Customers collect."},
            {"category": 12, "reason": "Products are reused by customers."}
        ],
        "declaration": {"signatoryName": "Ada Lovelace", "signatoryRole": "Managing Director", "signedOn": Utc::now().date_naive().to_string()}
    })
}

/// A column's text exactly as the database holds it.
fn column(database: &str, sql: &str) -> String {
    let out = Command::new("sqlite3").arg(database).arg(sql).output().expect("run sqlite3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    text.strip_suffix('\n').expect("one line").to_owned()
}

/// Made the v1 fixtures on 2026-12-06, before the store had formats of its own. Version 1 is
/// what was stored then: never run this again to "refresh" them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "captured the v1 fixtures once; needs sqlite3 on PATH"]
async fn capture_the_v1_fixtures() {
    let app = spawn(Backend::Sqlite).await.expect("SQLite");
    let tenant = app.tenant("Acme Widgets Ltd", Plan::Business, KeyMode::Live).await;
    confirmed(&app, &tenant, "electricity", "electricity", 12_000).await;
    confirmed(&app, &tenant, "gas", "gas", 30_000).await;
    confirmed(&app, &tenant, "water", "water", 400).await;
    json_of(put(&app, &tenant.key, "/api/v1/crp-inputs", &every_input()).await, StatusCode::OK).await;
    let plan = generate(&app, &tenant.key).await;
    let id = plan["id"].as_str().expect("id");
    assert!(plan["sections"].as_object().expect("sections").values().all(|v| *v == json!(true)), "{plan}");
    assert_eq!(plan["fyYear"], json!(FIXTURE_FY_YEAR.to_string()));
    assert_eq!(plan["targetYear"], json!(FIXTURE_TARGET_YEAR.to_string()));

    let database = app.db.url();
    let company = tenant.company.id.as_str();
    let inputs = column(database, &format!("SELECT document FROM crp_inputs WHERE company_id = '{company}'"));
    let content = column(database, &format!("SELECT content FROM crp_plans WHERE id = '{id}'"));
    let parsed: PlanContent = serde_json::from_str(&content).expect("today's plan content");
    assert_eq!(serde_json::to_string(&parsed).expect("JSON"), content, "what the store wrote");

    let frozen = CarbonReductionPlan {
        id: PlanId::parse(FIXTURE_PLAN_ID).expect("id"),
        status: PlanStatus::Published,
        fy_year: FIXTURE_FY_YEAR,
        target_year: FIXTURE_TARGET_YEAR,
        generated_at: fixture_generated_at(),
        published_at: Some(fixture_published_at()),
        content: parsed,
    };
    let pdf = carbonpass_pdf::render(&frozen).expect("rendered");
    let text = pdf_extract::extract_text_from_mem(&pdf).expect("text");

    let dir = fixtures();
    std::fs::create_dir_all(&dir).expect("fixtures folder");
    std::fs::write(dir.join("inputs-v1.json"), inputs).expect("write");
    std::fs::write(dir.join("plan-content-v1.json"), content).expect("write");
    std::fs::write(dir.join("plan-v1.pdf.txt"), text).expect("write");
}

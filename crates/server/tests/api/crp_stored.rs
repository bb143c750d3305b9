//! A plan stored in version 1 (before the store had formats of its own, issue 20 item 2) still
//! renders, every figure and statement of it, on both backends: the fixtures in
//! `crates/store/tests/fixtures/crp`. The text is the current template's (it changed with issue
//! 23: the whole PPN 006 template, one rounding); a plan's PDF once rendered is stored and served
//! as it was.

use std::panic::catch_unwind;
use std::path::PathBuf;

use carbonpass_domain::model::{KeyMode, Plan};
use reqwest::StatusCode;

use crate::support::{TestApp, spawn};

carbonpass_testkit::on_both_backends!(spawn =>
    a_version_1_plan_renders_the_pdf_text_it_rendered_then,
);

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../store/tests/fixtures/crp").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn a_version_1_plan_renders_the_pdf_text_it_rendered_then(app: TestApp) {
    let tenant = app.tenant("Acme Widgets Ltd", Plan::Business, KeyMode::Live).await;
    // The plan around the content as it was when the fixture's PDF text was captured.
    app.db.execute(
        "INSERT INTO crp_plans (id, company_id, status, fy_year, target_year, generated_at, published_at, content, sections) \
         VALUES ('crp_storedV1', $1, 'published', 2026, 2045, '2026-12-06 11:00:00', '2026-12-06 11:30:00', $2, \
         'organisationDetails,baselineEmissions,currentEmissions,reductionTargets,reductionProjects,environmentalMeasures,declaration')",
        &[tenant.company.id.as_str(), &fixture("plan-content-v1.json")],
    );
    let res = app.get("/api/v1/crp/crp_storedV1/pdf", &tenant.key).await;
    assert_eq!(res.status(), StatusCode::OK);
    let pdf = res.bytes().await.expect("body").to_vec();
    let text = catch_unwind(move || pdf_extract::extract_text_from_mem(&pdf)).expect("no panic").expect("text");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        // The template changed on purpose (a reviewed change): the fixture follows it.
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../store/tests/fixtures/crp/plan-v1.pdf.txt");
        std::fs::write(path, &text).expect("fixture written");
    }
    assert_eq!(
        text,
        fixture("plan-v1.pdf.txt"),
        "the PDF's text, byte for byte (UPDATE_FIXTURES=1 after a template change)"
    );
}

//! The worst case a plan's PDF can cost: every text field at its longest, the most projects,
//! measures and scope 3 statements, written as the hostile inputs of issue 21 did. Renders each
//! kind `ROUNDS` times and prints the time of each render and the process's peak and current
//! RSS, so the bound in docs/performance.md can be checked:
//!
//! `cargo run --release -p carbonpass-pdf --example worst_case [kind …]`
//!
//! Kinds: `plain` (words and spaces), `marks` (a letter and 3 combining marks, the most a
//! grapheme may carry since issue 21), `marks_hostile` (a letter and 9 marks, refused since),
//! `unbroken` (letters without a space, breaking only where the limit on unbroken runs
//! allows), `unbroken_hostile` (whole fields without a space, refused since).

use std::time::Instant;

use carbonpass_domain::calculation::ReportingPeriod;
use carbonpass_domain::crp::{
    CarbonReductionPlan, CrpInputs, Declaration, InterimTarget, MAX_ITEMS, Measure, Organisation, PlanSources,
    PlanStatus, Project, ProjectStatus, Scope3Statement, StatedBaseline, plan_content,
};
use carbonpass_domain::model::{Company, CompanyId, Passport, Plan, PlanId, ReportingYearStart};
use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

const ROUNDS: usize = 3;

/// `chars` characters of text of `kind`.
fn text(kind: &str, chars: usize) -> String {
    let unit: &str = match kind {
        "plain" => "reduce emissions ",
        "marks" => "a\u{301}\u{308}\u{323}",
        "marks_hostile" => "a\u{301}\u{308}\u{323}\u{300}\u{302}\u{304}\u{306}\u{30a}\u{327}",
        // 40 letters, then a space: the longest run allowed.
        "unbroken" => "abcdefghijklmnopqrstuvwxyzabcdefghijklmn ",
        "unbroken_hostile" => "abcdefghijklmnopqrstuvwxyz",
        other => panic!("unknown kind {other}"),
    };
    let unit_chars = unit.chars().count();
    let mut out = unit.repeat(chars / unit_chars);
    out.push_str(&"x".repeat(chars - out.chars().count()));
    out
}

fn inputs(kind: &str) -> CrpInputs {
    let short = text(kind, 200);
    let long = text(kind, 1000);
    CrpInputs {
        organisation: Some(Organisation { registered_address: text(kind, 500), company_number: None }),
        baseline_period: Some("2024-25".into()),
        baseline_emissions: Some(StatedBaseline {
            scope1: Decimal::new(999_999_999_123_456, 6),
            scope2: Decimal::new(999_999_999_123_456, 6),
            scope3: Decimal::new(999_999_999_123_456, 6),
            source: long.clone(),
        }),
        net_zero_year: Some(2050),
        interim_target: Some(InterimTarget { year: 2030, reduction_percent: Decimal::new(4299, 2) }),
        projects: (0..MAX_ITEMS)
            .map(|i| Project {
                title: short.clone(),
                description: long.clone(),
                status: if i % 2 == 0 { ProjectStatus::Completed } else { ProjectStatus::Planned },
                year: 2025,
                estimated_saving_tco2e: Decimal::new(999_999_999_123_456, 6),
            })
            .collect(),
        measures: (0..MAX_ITEMS).map(|_| Measure { title: short.clone(), description: long.clone() }).collect(),
        scope3_statements: (1..=15)
            .map(|category| Scope3Statement {
                category,
                status: carbonpass_domain::crp::StatementStatus::NotApplicable,
                reason: long.clone(),
            })
            .collect(),
        declaration: Some(Declaration {
            signatory_name: short.clone(),
            signatory_role: short,
            signed_on: NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"),
        }),
    }
}

fn plan(kind: &str) -> CarbonReductionPlan {
    let company = Company {
        id: CompanyId::parse("comp_worst").expect("id"),
        name: text(kind, 200),
        sector: "Retail".into(),
        city: "Leeds".into(),
        employee_count: 900,
        plan: Plan::Business,
        passport: Passport { slug: "worst".into(), activated: true },
        reporting_year_start: ReportingYearStart::APRIL,
        sandbox: false,
    };
    let inputs = inputs(kind);
    let start = ReportingYearStart::APRIL;
    let sources = PlanSources {
        company: &company,
        sites: &[],
        inputs: &inputs,
        period: ReportingPeriod::ending_in(2026, start),
        current: &[],
        baseline: Some((ReportingPeriod::ending_in(2025, start), &[])),
        target_year: 2050,
    };
    CarbonReductionPlan {
        id: PlanId::parse("crp_worst").expect("id"),
        status: PlanStatus::Draft,
        fy_year: 2026,
        target_year: 2050,
        generated_at: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).single().expect("time"),
        published_at: None,
        content: plan_content(&sources).expect("content"),
    }
}

/// `VmHWM` (peak) and `VmRSS` (now) of this process, in MB.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn main() {
    let kinds: Vec<String> = std::env::args().skip(1).collect();
    let kinds =
        if kinds.is_empty() { vec!["plain".to_owned(), "marks".to_owned(), "unbroken".to_owned()] } else { kinds };
    let (peak, now) = rss();
    println!("start: peak {peak} MB, now {now} MB");
    for kind in &kinds {
        let plan = plan(kind);
        let chars: usize = inputs(kind).texts().iter().map(|(_, t)| t.chars().count()).sum();
        for round in 1..=ROUNDS {
            let started = Instant::now();
            let pdf = carbonpass_pdf::render(&plan).expect("pdf");
            let elapsed = started.elapsed();
            let (peak, now) = rss();
            println!(
                "{kind} ({chars} characters of inputs) round {round}: {:.0} ms, {} KB of PDF, peak RSS {peak} MB, RSS now {now} MB",
                elapsed.as_secs_f64() * 1000.0,
                pdf.len() / 1024
            );
        }
    }
}

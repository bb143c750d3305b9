//! A plan's cost: generating its content from a year of bills of 50 sites (600 bills of each of
//! electricity, gas and water), and laying it out as a PDF with 20 projects.
//! `cargo bench -p carbonpass-pdf --bench plan` (docs/performance.md).

use std::hint::black_box;

use carbonpass_domain::calculation::{
    Activity, BillType, Calculation, FactorLibrary, ReportingPeriod, Unit, calculate,
};
use carbonpass_domain::crp::{
    CarbonReductionPlan, CrpInputs, Declaration, InterimTarget, Measure, Organisation, PlanSources, PlanStatus,
    Project, ProjectStatus, Scope3Statement, plan_content,
};
use carbonpass_domain::model::{Company, CompanyId, Passport, Plan, PlanId, ReportingYearStart, Source};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const SITES: usize = 50;

fn company() -> Company {
    Company {
        id: CompanyId::parse("comp_bench").expect("id"),
        name: "Fifty Sites Ltd".into(),
        sector: "Retail".into(),
        city: "Leeds".into(),
        employee_count: 900,
        plan: Plan::Business,
        passport: Passport { slug: "fifty".into(), activated: true },
        reporting_year_start: ReportingYearStart::APRIL,
        sandbox: false,
    }
}

fn inputs() -> CrpInputs {
    CrpInputs {
        organisation: Some(Organisation { registered_address: "1 High Street, Leeds".into(), company_number: None }),
        baseline_period: Some("2024-25".into()),
        baseline_emissions: None,
        net_zero_year: Some(2045),
        interim_target: Some(InterimTarget { year: 2030, reduction_percent: Decimal::from(42) }),
        projects: (0..20)
            .map(|i| Project {
                title: format!("Project {i}: heat pumps and LED lighting at the depots"),
                description: "Replacing gas boilers with air-source heat pumps, sized from the half-hourly data."
                    .repeat(2),
                status: if i % 2 == 0 { ProjectStatus::Completed } else { ProjectStatus::Planned },
                year: 2024 + i % 5,
                estimated_saving_tco2e: Decimal::new(12_345 + i64::from(i), 2),
            })
            .collect(),
        measures: (0..5).map(|i| Measure { title: format!("Measure {i}"), description: "ISO 14001".into() }).collect(),
        scope3_statements: [4, 5, 6, 7, 9]
            .map(|category| Scope3Statement {
                category,
                status: carbonpass_domain::crp::StatementStatus::NotQuantified,
                reason: "Not yet measured; a survey is planned.".into(),
            })
            .to_vec(),
        declaration: Some(Declaration {
            signatory_name: "Ada Lovelace".into(),
            signatory_role: "Managing Director".into(),
            signed_on: NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"),
        }),
    }
}

/// A monthly bill of each type for each site, for the year starting `year`-04.
fn bills(year: i32) -> Vec<(Source, Calculation)> {
    let library = FactorLibrary::official().expect("factors");
    let mut out = Vec::new();
    for site in 0..SITES {
        for month in 0..12_u32 {
            let start =
                NaiveDate::from_ymd_opt(year, 4, 1).expect("date").checked_add_months(chrono::Months::new(month));
            let start = start.expect("date");
            let end = start.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).expect("date");
            for (bill_type, unit, quantity) in [
                (BillType::Electricity, Unit::Kwh, 4000),
                (BillType::Gas, Unit::Kwh, 9000),
                (BillType::Water, Unit::CubicMetres, 40),
            ] {
                let activity = Activity {
                    bill_type,
                    quantity: Decimal::from(quantity + site as i64 + i64::from(start.month())),
                    unit,
                    period_start: start,
                    period_end: end,
                    calorific_value: None,
                    volume_correction: None,
                    sewerage_volume: None,
                };
                out.push((
                    Source::Bill(bill_type),
                    calculate(&library, ReportingYearStart::APRIL, &activity).expect("calculation"),
                ));
            }
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let company = company();
    let inputs = inputs();
    let (current, baseline) = (bills(2025), bills(2024));
    let start = ReportingYearStart::APRIL;
    let sources = PlanSources {
        company: &company,
        sites: &[],
        inputs: &inputs,
        period: ReportingPeriod::ending_in(2026, start),
        current: &current,
        baseline: Some((ReportingPeriod::ending_in(2025, start), &baseline)),
        target_year: 2045,
    };
    c.bench_function("generate a plan's content from 3,600 bills of 50 sites", |b| {
        b.iter(|| black_box(plan_content(black_box(&sources)).expect("content")))
    });
    let plan = CarbonReductionPlan {
        id: PlanId::parse("crp_bench").expect("id"),
        status: PlanStatus::Draft,
        fy_year: 2026,
        target_year: 2045,
        generated_at: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).single().expect("time"),
        published_at: None,
        content: plan_content(&sources).expect("content"),
    };
    let pdf = carbonpass_pdf::render(&plan).expect("pdf");
    println!("PDF of a plan with 20 projects and 50 sites' bills: {} bytes", pdf.len());
    c.bench_function("lay out a plan with 20 projects as a PDF", |b| {
        b.iter(|| black_box(carbonpass_pdf::render(black_box(&plan)).expect("pdf")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Calculations per second of the pure engine. Run: `cargo bench -p carbonpass-domain`.

use carbonpass_domain::calculation::{Activity, BillType, FactorLibrary, Unit, calculate};
use carbonpass_domain::model::ReportingYearStart;
use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use std::hint::black_box;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn bench(c: &mut Criterion) {
    let Ok(library) = FactorLibrary::official() else { return };
    let start = ReportingYearStart::APRIL;
    let one_period = Activity {
        bill_type: BillType::Electricity,
        quantity: Decimal::new(1_234_567, 1),
        unit: Unit::Kwh,
        period_start: day(2025, 5, 1),
        period_end: day(2025, 5, 31),
        calorific_value: None,
        volume_correction: None,
        sewerage_volume: None,
    };
    let across_periods =
        Activity { period_start: day(2025, 2, 15), period_end: day(2025, 4, 14), ..one_period.clone() };
    let gas_volume = Activity {
        bill_type: BillType::Gas,
        unit: Unit::CubicMetres,
        calorific_value: Some(Decimal::new(395, 1)),
        ..one_period.clone()
    };
    let mut group = c.benchmark_group("calculate");
    group.throughput(Throughput::Elements(1));
    for (name, activity) in [
        ("electricity, one period", &one_period),
        ("electricity, two periods", &across_periods),
        ("gas by volume", &gas_volume),
    ] {
        group.bench_function(name, |b| b.iter(|| calculate(black_box(&library), start, black_box(activity))));
    }
    group.finish();
    c.bench_function("load and validate the factor sets", |b| b.iter(FactorLibrary::official));
}

criterion_group!(benches, bench);
criterion_main!(benches);

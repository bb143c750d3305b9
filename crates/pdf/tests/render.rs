//! The PDF as a reader sees it: its text extracted and checked for every figure and name, with
//! client text that looks like typst markup shown as typed.

use std::panic::catch_unwind;

use carbonpass_domain::crp::{
    Baseline, CarbonReductionPlan, CategoryFigure, Declaration, EmissionFigures, Figure, InterimTarget, Measure,
    Methodology, OrganisationDetails, PeriodSpan, PlanContent, PlanStatus, Project, ProjectStatus, ScopeChange,
    TrajectoryPoint,
};
use carbonpass_domain::model::PlanId;
use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn figures(s1: Decimal, s2: Decimal, s3: Decimal, note: Option<&str>) -> EmissionFigures {
    EmissionFigures {
        scope1: Figure { tco2e: s1, note: note.map(str::to_owned) },
        scope2: Figure { tco2e: s2, note: None },
        scope3: Figure { tco2e: s3, note: None },
        total: s1 + s2 + s3,
        source: "Calculated from 12 confirmed bills with the DESNZ 2025 conversion factors.".into(),
        scope2_market_based: None,
    }
}

/// Text a client might send that typst would run if it were markup.
const HOSTILE: &str = "#set page(fill: red) *bold* _em_ $x^2$ <lbl> @ref `raw` #(1+1) \\ ]";

fn plan(status: PlanStatus) -> CarbonReductionPlan {
    CarbonReductionPlan {
        id: PlanId::parse("crp_5tN8xBmQ").expect("id"),
        status,
        fy_year: 2026,
        target_year: 2045,
        generated_at: Utc.with_ymd_and_hms(2026, 4, 6, 14, 35, 48).single().expect("time"),
        published_at: None,
        content: PlanContent {
            organisation: OrganisationDetails {
                name: "Acme Widgets Ltd".into(),
                registered_address: Some("1 High Street, Leeds LS1 1AA".into()),
                company_number: Some("SC123456".into()),
            },
            reporting_period: PeriodSpan { label: "2025-26".into(), start: date(2025, 4, 1), end: date(2026, 3, 31) },
            current_emissions: Some(EmissionFigures {
                scope2_market_based: Some(Figure {
                    tco2e: Decimal::new(3_210_987, 3),
                    note: Some("2 of 3 records of scope 2 state a contractual instrument.".into()),
                }),
                ..figures(
                    Decimal::ZERO,
                    Decimal::new(123_456_789, 4),
                    Decimal::new(25_005, 4),
                    Some("No gas, fuel or vehicle use was recorded for 2025-26."),
                )
            }),
            baseline: Some(Baseline {
                period: PeriodSpan { label: "2024-25".into(), start: date(2024, 4, 1), end: date(2025, 3, 31) },
                emissions: Some(figures(Decimal::new(42, 1), Decimal::from(20_000), Decimal::new(375, 2), None)),
            }),
            scope3_categories: vec![
                CategoryFigure {
                    category: 3,
                    name: "Fuel- and energy-related activities".into(),
                    required: false,
                    tco2e: Some(Decimal::new(20_005, 4)),
                    statement: None,
                    status: None,
                },
                CategoryFigure {
                    category: 4,
                    name: "Upstream transportation and distribution".into(),
                    required: true,
                    tco2e: None,
                    statement: Some(HOSTILE.into()),
                    status: Some(carbonpass_domain::crp::StatementStatus::NotQuantified),
                },
                CategoryFigure {
                    category: 5,
                    name: "Waste generated in operations".into(),
                    required: true,
                    tco2e: Some(Decimal::new(5, 1)),
                    statement: None,
                    status: None,
                },
            ],
            interim_target: Some(InterimTarget { year: 2030, reduction_percent: Decimal::new(425, 1) }),
            trajectory: vec![
                TrajectoryPoint { year: 2025, tco2e: Decimal::new(2_000_795, 2) },
                TrajectoryPoint { year: 2045, tco2e: Decimal::ZERO },
            ],
            projects: vec![
                Project {
                    title: "LED lighting retrofit".into(),
                    description: "All three warehouses".into(),
                    status: ProjectStatus::Completed,
                    year: 2025,
                    estimated_saving_tco2e: Decimal::new(125, 1),
                },
                Project {
                    title: "Heat pump".into(),
                    description: HOSTILE.into(),
                    status: ProjectStatus::Planned,
                    year: 2028,
                    estimated_saving_tco2e: Decimal::from(7),
                },
            ],
            measures: vec![Measure { title: "ISO 14001 certification".into(), description: String::new() }],
            declaration: Some(Declaration {
                signatory_name: "Ada Lovelace".into(),
                signatory_role: "Managing Director".into(),
                signed_on: date(2026, 4, 1),
            }),
            methodology: Some(Methodology {
                sites: vec!["Head office (Leeds)".into(), "Warehouse (Wakefield)".into()],
                category_sources: vec![(3, vec!["electricity bills".into()]), (5, vec!["water bills".into()])],
                estimated: vec!["Water treatment: estimated: 95% of the supplied volume (2 records)".into()],
                change: Some(vec![
                    ScopeChange {
                        scope: 1,
                        change: Decimal::new(-42, 1),
                        from_factors: Decimal::ZERO,
                        from_activity: Decimal::new(-42, 1),
                    },
                    ScopeChange {
                        scope: 2,
                        change: Decimal::new(-100, 0),
                        from_factors: Decimal::new(-58, 0),
                        from_activity: Decimal::new(-42, 0),
                    },
                ]),
            }),
        },
    }
}

/// The document's text, as a PDF reader extracts it, with runs of whitespace made one space.
fn text_of(pdf: &[u8]) -> String {
    let bytes = pdf.to_vec();
    let text = catch_unwind(move || pdf_extract::extract_text_from_mem(&bytes))
        .expect("the extractor did not panic")
        .expect("the PDF's text could be extracted");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_figure_and_name_is_in_the_text() {
    let pdf = carbonpass_pdf::render(&plan(PlanStatus::Published)).expect("rendered");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let text = text_of(&pdf);
    for expected in [
        "Carbon Reduction Plan",
        "Acme Widgets Ltd",
        "1 High Street, Leeds LS1 1AA",
        "SC123456",
        "2025-26 (1 April 2025 to 31 March 2026)",
        "2024-25 (1 April 2024 to 31 March 2025)",
        "Net Zero emissions by 2045",
        // current: scope 1 zero with its reason, every figure rounded once to the kilogram
        "0.000",
        "No gas, fuel or vehicle use was recorded for 2025-26.",
        "12,345.679",
        "2.501",
        "12,348.179",
        // scope 2 both ways, the market-based figure outside the total
        "Scope 2 (location-based)",
        "Scope 2 (market-based)",
        "not in the total",
        "3,210.987",
        "2 of 3 records of scope 2 state a contractual instrument.",
        // baseline
        "4.200",
        "20,000.000",
        "20,007.950",
        "Upstream transportation and distribution",
        "2.001",
        "42.5 % below the baseline by 2030",
        "LED lighting retrofit",
        "All three warehouses",
        "12.500",
        "Heat pump",
        "7.000",
        "ISO 14001 certification",
        "Ada Lovelace",
        "Managing Director",
        "1 April 2026",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in the PDF's text:\n{text}");
    }
    assert!(!text.contains("DRAFT"), "a published plan carries no draft mark");
    // A buyer's document: no internal id, no API name, and never more than the kilogram.
    for hidden in ["crp_5tN8xBmQ", "fyYear", "12,345.6789", "2.0005", "baselinePeriod"] {
        assert!(!text.contains(hidden), "{hidden:?} is in the PDF's text:\n{text}");
    }
}

/// Every heading and statement of the PPN 006 template and its notes for completion.
#[test]
fn the_template_is_whole() {
    let pdf = carbonpass_pdf::render_published_at(
        &plan(PlanStatus::Published),
        Some("https://carbonpass.co/company/acme-widgets"),
    )
    .expect("rendered");
    let text = text_of(&pdf);
    for expected in [
        "Supplier name: Acme Widgets Ltd",
        "Publication date:",
        "Commitment to achieving Net Zero",
        "Acme Widgets Ltd is committed to achieving Net Zero emissions by 2045.",
        "Baseline Emissions Footprint",
        "Baseline emissions are a record of the greenhouse gases that have been produced in the past",
        "Baseline emissions are the reference point against which emissions reduction can be measured.",
        "Baseline year: 2024-25",
        "Additional details relating to the baseline emissions calculations.",
        "Current Emissions Reporting",
        "Reporting year: 2025-26",
        "Notes for completion",
        "Emissions reduction targets",
        "In order to continue our progress to achieving Net Zero, we have adopted the following carbon reduction targets.",
        "Progress against these targets can be seen in the chart below",
        "Carbon Reduction Projects",
        "Completed Carbon Reduction Initiatives",
        "In the future we hope to implement further measures such as:",
        "All the measures and projects in this plan, completed and planned, will be applied when performing the contract.",
        "Declaration and Sign Off",
        // The four paragraphs of the declaration.
        "This Carbon Reduction Plan has been completed in accordance with PPN 006 and associated guidance and reporting standard for Carbon Reduction Plans.",
        "Emissions have been reported and recorded in accordance with the published reporting standard for Carbon Reduction Plans and the GHG Reporting Protocol corporate standard",
        "Scope 1 and Scope 2 emissions have been reported in accordance with SECR requirements, and the required subset of Scope 3 emissions have been reported in accordance with the published reporting standard for Carbon Reduction Plans and the Corporate Value Chain (Scope 3) Standard.",
        "This Carbon Reduction Plan has been reviewed and signed off by the board of directors (or equivalent management body).",
        "Signed on behalf of the Supplier:",
        "Name Ada Lovelace",
        "Position Managing Director",
        "Date 1 April 2026",
        "This Carbon Reduction Plan is published at https://carbonpass.co/company/acme-widgets",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in the PDF's text:\n{text}");
    }
}

/// The targets as sentences a buyer reads, and the method stated.
#[test]
fn targets_and_method_read_as_sentences() {
    let text = text_of(&carbonpass_pdf::render(&plan(PlanStatus::Published)).expect("rendered"));
    for expected in [
        "Emissions fell from 20,007.950 tCO2e in the baseline year 2024-25 to 12,348.179 tCO2e in 2025-26: 7,659.771 tCO2e less, a reduction of 38.3 %.",
        "The interim target is 42.5 % below the baseline by 2030, that is 11,504.571 tCO2e.",
        "The carbon emission reduction achieved by these schemes equates to 12.500 tCO2e",
        "Boundary: operational control; every site of Acme Widgets Ltd (2 sites: Head office (Leeds), Warehouse (Wakefield))",
        "Scope 2 is reported location-based",
        "Global warming potentials: IPCC AR5",
        "Figure 1: Baseline and reporting year (bars) against the trajectory to net zero (line)",
        // The change explained, computed at generation: 58 of the 104.2 t from the factors.
        "of the change of -104.200 tCO2e, -58.000 tCO2e (55.7 %) comes from changed conversion factors and -46.200 tCO2e (44.3 %) from changed activity",
        "scope 2: -100.000 tCO2e, of which -58.000 tCO2e from factors and -42.000 tCO2e from activity",
        "Estimated rather than measured: Water treatment",
        // Category 5 says what it covers.
        "Waste generated in operations (covers water bills only: wastewater, not solid waste)",
        "Excluded: scope 3 categories 1, 2, 8, 10, 11, 12, 13, 14, 15 are outside the required subset",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in the PDF's text:\n{text}");
    }
}

#[test]
fn client_text_is_shown_as_typed_never_run_as_markup() {
    let pdf = carbonpass_pdf::render(&plan(PlanStatus::Published)).expect("rendered");
    let text = text_of(&pdf);
    let shown = HOSTILE.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(text.matches(&shown).count(), 2, "both copies, word for word:\n{text}");
}

#[test]
fn text_the_typeface_covers_is_printed_and_other_scripts_are_named_unshowable() {
    let covered = "Łódź Café £12 €3 — Ζωή Привет שלום naïve œuvre";
    assert_eq!(carbonpass_pdf::unshowable(covered), None);
    let mut shown = plan(PlanStatus::Published);
    shown.content.measures[0].description = covered.into();
    let text = text_of(&carbonpass_pdf::render(&shown).expect("rendered"));
    for word in covered.split_whitespace() {
        // Hebrew is laid out right to left, and the text extractor reads it in visual order.
        let visual: String = word.chars().rev().collect();
        assert!(text.contains(word) || text.contains(&visual), "{word:?} is not in the PDF's text:\n{text}");
    }
    for (text, first) in [("Factory 中国", '中'), ("مصنع", 'م'), ("Solar ☀️ panels", '☀'), ("नमस्ते", 'न')]
    {
        assert_eq!(carbonpass_pdf::unshowable(text), Some(first), "{text}");
    }
}

#[test]
fn drafts_are_marked_as_drafts_and_say_what_they_lack() {
    let mut draft = plan(PlanStatus::Draft);
    draft.content.measures.clear();
    let text = text_of(&carbonpass_pdf::render(&draft).expect("rendered"));
    assert!(text.contains("DRAFT"), "{text}");
    assert!(text.contains("This draft is not ready to publish"), "{text}");
    assert!(
        text.contains("Environmental management measures: at least one environmental management measure."),
        "{text}"
    );
}

#[test]
fn a_superseded_plan_is_marked_on_every_page() {
    let superseded = plan(PlanStatus::Superseded);
    let pdf = carbonpass_pdf::render(&superseded).expect("rendered");
    let pages = catch_unwind(move || pdf_extract::extract_text_from_mem_by_pages(&pdf))
        .expect("the extractor did not panic")
        .expect("the PDF's text could be extracted");
    assert!(pages.len() > 1, "a plan of several pages");
    for (n, page) in pages.iter().enumerate() {
        assert!(page.contains("SUPERSEDED"), "page {}: {page}", n + 1);
    }
}

#[test]
fn fonts_are_embedded() {
    let pdf = carbonpass_pdf::render(&plan(PlanStatus::Published)).expect("rendered");
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("/FontFile"), "embedded font programs");
    assert!(raw.contains("LibertinusSerif"), "the shipped font");
}

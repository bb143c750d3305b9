//! The passport as an HTML page: server-rendered, one request, nothing loaded from anywhere
//! else (its style is inline, it has no script), readable on a phone, and built to pass an
//! automated accessibility check (landmarks, one `h1`, captioned tables with header cells,
//! contrast above WCAG AA).

use std::fmt::Write;

use carbonpass_domain::crp::Scope3Category;
use carbonpass_domain::model::{Micrograms, PassportPeriod, PublicPassport};

use super::text::{date, escape, tonnes, tonnes_of};
use crate::dto::passport::{SCOPE2_METHOD, STANDARD};

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#fff}\
header,main,footer{max-width:52rem;margin:0 auto;padding:1rem}\
header{border-bottom:4px solid #1b5e20}\
.brand{margin:0;font-weight:600;color:#1b5e20;letter-spacing:.02em}\
h1{margin:.25rem 0;font-size:1.75rem;line-height:1.2}\
h2{margin:2rem 0 .5rem;font-size:1.35rem}\
h3{margin:1.25rem 0 .5rem;font-size:1.1rem}\
.lede{margin:0;color:#3d3d3d}\
.table-wrap{overflow-x:auto}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}\
caption{text-align:left;font-weight:600;padding:.25rem 0}\
th,td{padding:.4rem .5rem;border-bottom:1px solid #c8c8c8;text-align:left;vertical-align:top}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
tr.total th,tr.total td{font-weight:700;border-top:2px solid #1a1a1a}\
.note{color:#3d3d3d;font-size:.95rem}\
dl{margin:.5rem 0}dt{font-weight:600}dd{margin:0 0 .5rem}\
a{color:#0b57d0}a:focus{outline:3px solid #1b5e20;outline-offset:2px}\
.download{display:inline-block;margin:.5rem 0;padding:.6rem 1rem;background:#1b5e20;color:#fff;border-radius:4px;text-decoration:none;font-weight:600}\
footer{border-top:1px solid #c8c8c8;margin-top:2rem;color:#3d3d3d;font-size:.9rem}\
@media (max-width:30rem){h1{font-size:1.4rem}th,td{padding:.35rem .3rem}}";

/// The page's paths (relative to the origin the page is served from, so it works behind any
/// proxy).
pub(crate) struct PagePaths {
    pub page: String,
}

/// The whole page.
pub(crate) fn render(passport: &PublicPassport, paths: &PagePaths) -> String {
    let company = &passport.company;
    let name = escape(&company.name);
    let mut html = String::with_capacity(8 * 1024);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}: carbon passport</title>\
         <meta name=\"description\" content=\"Greenhouse gas emissions and Carbon Reduction Plan of {name}.\">\
         <link rel=\"alternate\" type=\"application/json\" href=\"{page}.json\">\
         <style>{STYLE}</style></head><body>\
         <header><p class=\"brand\">CarbonPass carbon passport</p><h1>{name}</h1>\
         <p class=\"lede\">{sector} · {city} · {employees} employees</p></header><main>",
        page = paths.page,
        sector = escape(&company.sector),
        city = escape(&company.city),
        employees = company.employee_count,
    );
    match &passport.latest {
        Some(period) => latest(&mut html, period),
        None => html.push_str(
            "<section aria-labelledby=\"emissions\"><h2 id=\"emissions\">Emissions</h2>\
             <p>No reporting period with confirmed records has ended yet.</p></section>",
        ),
    }
    plan(&mut html, passport, paths);
    if !passport.past.is_empty() {
        past(&mut html, &passport.past);
    }
    let _ = write!(
        html,
        "<section aria-labelledby=\"verify\"><h2 id=\"verify\">Check these figures</h2>\
         <p>The same figures as data: <a href=\"{page}.json\">JSON</a>, and signed by CarbonPass as a \
         <a href=\"{page}.jws\">JSON Web Signature</a> (EdDSA), verifiable with the \
         <a href=\"/.well-known/jwks.json\">public keys</a>.</p></section></main>\
         <footer><p>Figures from the company's confirmed records, worked out by CarbonPass with the UK \
         Government's greenhouse gas conversion factors. Only confirmed records and the published plan \
         are shown.</p></footer></body></html>",
        page = paths.page,
    );
    html
}

fn latest(html: &mut String, period: &PassportPeriod) {
    let report = &period.report;
    let label = escape(&report.reporting_period);
    let _ = write!(
        html,
        "<section aria-labelledby=\"emissions\"><h2 id=\"emissions\">Emissions in {label}</h2>\
         <p class=\"lede\">{start} to {end}, every site, in tonnes of carbon dioxide equivalent (tCO2e).</p>\
         <div class=\"table-wrap\"><table><caption>Emissions by scope, {label}</caption>\
         <thead><tr><th scope=\"col\">Scope</th><th scope=\"col\" class=\"n\">tCO2e</th></tr></thead><tbody>\
         <tr><th scope=\"row\">Scope 1: direct (fuel, gas, vehicles){s1_none}</th><td class=\"n\">{s1}</td></tr>\
         <tr><th scope=\"row\">Scope 2: purchased electricity and heat (location-based){s2_none}</th><td class=\"n\">{s2}</td></tr>\
         <tr><th scope=\"row\">Scope 3: other indirect{s3_none}</th><td class=\"n\">{s3}</td></tr>\
         <tr class=\"total\"><th scope=\"row\">Total</th><td class=\"n\">{total}</td></tr>\
         <tr><th scope=\"row\">Scope 2 (market-based), beside the total, not in it</th><td class=\"n\">{market}</td></tr>\
         </tbody></table></div>",
        start = date(period.start),
        end = date(period.end),
        s1 = tonnes(report.scope1.total),
        s2 = tonnes(report.scope2.total),
        s3 = tonnes(report.scope3.total),
        total = tonnes(report.total()),
        market = tonnes(Micrograms(report.scope2_market.total())),
        // A zero is never bare: it says there was nothing of the kind.
        s1_none = none_recorded(report.scope1.total),
        s2_none = none_recorded(report.scope2.total),
        s3_none = none_recorded(report.scope3.total),
    );
    if !report.scope3_categories.is_empty() {
        let _ = write!(
            html,
            "<div class=\"table-wrap\"><table><caption>Scope 3 by category, {label}</caption>\
             <thead><tr><th scope=\"col\">Category</th><th scope=\"col\" class=\"n\">tCO2e</th></tr></thead><tbody>"
        );
        for (number, amount) in &report.scope3_categories {
            let name = Scope3Category::new(*number).map_or("Other", |c| c.name());
            let _ = write!(
                html,
                "<tr><th scope=\"row\">{number}. {name}{covers}</th><td class=\"n\">{t}</td></tr>",
                name = escape(name),
                covers = if *number == 5 { " (wastewater of water bills and waste records, as recorded)" } else { "" },
                t = tonnes(*amount),
            );
        }
        html.push_str("</tbody></table></div>");
    }
    html.push_str("<h3>Method</h3><dl>");
    let _ = write!(html, "<dt>Standard and boundary</dt><dd>{}</dd>", escape(STANDARD));
    let _ = write!(html, "<dt>Scope 2</dt><dd>{}</dd>", escape(SCOPE2_METHOD));
    match &period.factors {
        Some(set) => {
            let _ = write!(
                html,
                "<dt>Conversion factors</dt><dd>UK Government GHG conversion factors for company reporting, {year} \
                 ({edition}); global warming potentials: {gwp}.{fallback}</dd>",
                year = set.year,
                edition = escape(&set.edition),
                gwp = escape(&set.gwp_basis),
                fallback = if set.fallback {
                    " The period is newer than every published set, so the newest set stands in."
                } else {
                    ""
                },
            );
        }
        None => html.push_str("<dt>Conversion factors</dt><dd>None published for this period.</dd>"),
    }
    html.push_str("</dl></section>");
}

/// What a zero scope means: nothing of its kind among the period's confirmed records.
fn none_recorded(total: Micrograms) -> &'static str {
    if total.0 == 0 { "<br><span class=\"note\">none recorded in the period</span>" } else { "" }
}

fn plan(html: &mut String, passport: &PublicPassport, paths: &PagePaths) {
    html.push_str("<section aria-labelledby=\"plan\"><h2 id=\"plan\">Carbon Reduction Plan</h2>");
    let Some(plan) = &passport.plan else {
        html.push_str("<p>The company has not published a Carbon Reduction Plan here yet.</p></section>");
        return;
    };
    let content = &plan.content;
    let _ = write!(
        html,
        "<p>Published{published} for the reporting period {period}. The company commits to net zero by {net_zero}.</p>",
        published = plan.published_at.map(|at| format!(" on {}", date(at.date_naive()))).unwrap_or_default(),
        period = escape(&content.reporting_period.label),
        net_zero = plan.target_year,
    );
    html.push_str("<dl>");
    if let Some(baseline) = &content.baseline {
        let figure = baseline.emissions.as_ref().map(|e| format!(": {} tCO2e", tonnes_of(e.total))).unwrap_or_default();
        let _ = write!(html, "<dt>Baseline year</dt><dd>{}{figure}</dd>", escape(&baseline.period.label));
    }
    if let Some(current) = &content.current_emissions {
        let _ = write!(
            html,
            "<dt>Reporting year</dt><dd>{}: {} tCO2e</dd>",
            escape(&content.reporting_period.label),
            tonnes_of(current.total)
        );
    }
    if let Some(target) = &content.interim_target {
        let _ = write!(
            html,
            "<dt>Interim target</dt><dd>{}% below the baseline by {}</dd>",
            target.reduction_percent.normalize(),
            target.year
        );
    }
    html.push_str("</dl>");
    let _ = write!(
        html,
        "<a class=\"download\" href=\"{page}/plan.pdf\">Download the Carbon Reduction Plan (PDF)</a></section>",
        page = paths.page
    );
}

fn past(html: &mut String, periods: &[PassportPeriod]) {
    html.push_str(
        "<section aria-labelledby=\"past\"><h2 id=\"past\">Earlier reporting periods</h2>\
         <div class=\"table-wrap\"><table><caption>Emissions by scope in earlier periods, tCO2e</caption>\
         <thead><tr><th scope=\"col\">Period</th><th scope=\"col\" class=\"n\">Scope 1</th>\
         <th scope=\"col\" class=\"n\">Scope 2</th><th scope=\"col\" class=\"n\">Scope 3</th>\
         <th scope=\"col\" class=\"n\">Total</th></tr></thead><tbody>",
    );
    for period in periods {
        let report = &period.report;
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{label}</th><td class=\"n\">{s1}</td><td class=\"n\">{s2}</td>\
             <td class=\"n\">{s3}</td><td class=\"n\">{total}</td></tr>",
            label = escape(&report.reporting_period),
            s1 = tonnes(report.scope1.total),
            s2 = tonnes(report.scope2.total),
            s3 = tonnes(report.scope3.total),
            total = tonnes(report.total()),
        );
    }
    html.push_str("</tbody></table></div></section>");
}

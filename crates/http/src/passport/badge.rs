//! The embeddable badge (`/company/{slug}/badge.svg`): the latest complete period's total, in a
//! flat two-part SVG a company can put on its own site. Its text is also its accessible name.

use carbonpass_domain::model::PublicPassport;

use super::text::{escape, tonnes};

/// Width of a text run at the badge's 11px sans-serif, generously rounded up (no font metrics
/// are available to a server; a little slack reads better than clipped text).
fn width(text: &str) -> usize {
    text.chars().count() * 7 + 12
}

pub(crate) fn render(passport: &PublicPassport) -> String {
    let label = "carbon passport";
    let value = match &passport.latest {
        Some(period) => format!("{} tCO2e {}", tonnes(period.report.total()), period.report.reporting_period),
        None => "no complete period yet".to_owned(),
    };
    let (left, right) = (width(label), width(&value));
    let total = left + right;
    let title = escape(&format!("{}: {label}, {value}", passport.company.name));
    let value = escape(&value);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total}\" height=\"20\" role=\"img\" aria-label=\"{title}\">\
         <title>{title}</title>\
         <rect width=\"{left}\" height=\"20\" fill=\"#333\"/>\
         <rect x=\"{left}\" width=\"{right}\" height=\"20\" fill=\"#1b5e20\"/>\
         <g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\" text-anchor=\"middle\">\
         <text x=\"{lx}\" y=\"14\">{label}</text><text x=\"{rx}\" y=\"14\">{value}</text></g></svg>",
        lx = left / 2,
        rx = left + right / 2,
    )
}

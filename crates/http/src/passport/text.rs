//! Text as a buyer reads it on the page and the badge: escaped for HTML and SVG, tonnes to the
//! kilogram with thousands separated, dates spelled out.

use carbonpass_domain::model::{Micrograms, tonnes_text};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// `text` safe inside HTML or SVG text and attribute values. Characters XML forbids (controls
/// other than tab and line breaks, U+FFFE, U+FFFF) become U+FFFD, so the badge stays valid XML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// tCO2e rounded once, to the kilogram (three decimals, always shown, so columns align), with
/// thousands separated: `1,234.500`.
pub(crate) fn tonnes(amount: Micrograms) -> String {
    tonnes_of(amount.tonnes())
}

pub(crate) fn tonnes_of(value: Decimal) -> String {
    tonnes_text(value)
}

/// `31 March 2026`.
pub(crate) fn date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_forbids_are_replaced() {
        assert_eq!(escape("a\u{FFFF}b\u{1}c\u{FFFE}"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
        assert_eq!(escape("tab\there"), "tab\there");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }

    #[test]
    fn dates_are_spelled_out() {
        assert_eq!(date(NaiveDate::from_ymd_opt(2026, 3, 31).expect("date")), "31 March 2026");
    }
}

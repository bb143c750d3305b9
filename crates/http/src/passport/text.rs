//! Text as a buyer reads it on the page and the badge: escaped for HTML and SVG, tonnes to the
//! kilogram with thousands separated, dates spelled out.

use carbonpass_domain::model::{Micrograms, tonnes_to_the_kilogram};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// `text` safe inside HTML or SVG text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
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
    let rounded = tonnes_to_the_kilogram(value);
    let text = format!("{:.3}", rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "000"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() { "-" } else { "" };
    format!("{sign}{grouped}.{fraction}")
}

/// `31 March 2026`.
pub(crate) fn date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tonnes_keep_three_decimals_and_group_thousands() {
        let t = |s: &str| tonnes_of(s.parse().expect("decimal"));
        assert_eq!(t("0"), "0.000");
        assert_eq!(t("1.5"), "1.500");
        assert_eq!(t("1234.5675"), "1,234.568");
        assert_eq!(t("999999.9994"), "999,999.999");
        assert_eq!(t("1000000"), "1,000,000.000");
        assert_eq!(t("-1234.5"), "-1,234.500");
        assert_eq!(t("-0.0001"), "0.000");
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

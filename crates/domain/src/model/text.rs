//! Free text from clients (reasons, supplier and key names) is shown in terminals, logs and
//! reports: it must be plain, visible text.

use crate::DomainError;

/// Characters that change how text is shown rather than showing anything: bidirectional
/// overrides and isolates, zero-width characters, the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
}

/// `text`, trimmed, if it is at most `max_chars` characters of plain text: no control characters
/// (NUL, escape sequences, newlines), no invisible formatting characters. `Ok(None)` when nothing
/// is left after trimming.
pub fn plain_text(field: &'static str, text: &str, max_chars: usize) -> Result<Option<String>, DomainError> {
    let text = text.trim();
    if text.chars().any(|c| c.is_control() || is_invisible_format(c)) {
        return Err(DomainError::invalid(field, "must not contain control or invisible formatting characters"));
    }
    if text.chars().count() > max_chars {
        return Err(DomainError::invalid(field, format!("must be at most {max_chars} characters")));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_visible_text_is_kept() {
        assert_eq!(plain_text("f", "  Octopus Energy ", 50).ok().flatten().as_deref(), Some("Octopus Energy"));
        assert_eq!(plain_text("f", "   ", 50).ok(), Some(None));
        for bad in ["a\u{0}b", "\u{1b}]0;pwned\u{7}", "line\nbreak", "\u{202E}evil", "\u{200B}", "x\u{FEFF}"] {
            assert!(matches!(plain_text("f", bad, 50), Err(DomainError::Invalid { field: "f", .. })), "{bad:?}");
        }
        assert!(plain_text("f", &"é".repeat(51), 50).is_err());
    }
}

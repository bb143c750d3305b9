//! Free text from clients (reasons, supplier and key names) is shown in terminals, logs and
//! reports: it must be plain, visible text.

use crate::DomainError;

/// Characters that change how text is shown, or break its lines, rather than showing anything:
/// bidirectional marks, overrides and isolates, zero-width spaces, line and paragraph
/// separators, interlinear annotations, tag characters, the byte-order mark. The zero-width
/// joiner and non-joiner (U+200C, U+200D) are allowed: Persian words and emoji need them.
/// Not a control character and not an invisible formatting character.
pub(crate) fn is_visible(c: char) -> bool {
    !c.is_control() && !is_invisible_format(c)
}

fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            // Combining grapheme joiner, Khmer inherent vowels, musical formatting: all render
            // as nothing.
            | '\u{034F}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
            // Hangul fillers: letters by category, blank on screen.
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

/// `text`, trimmed, if it is at most `max_chars` characters of plain text: no control characters
/// (NUL, escape sequences, newlines), no invisible formatting characters, and at least one letter
/// or digit (text of blanks that are not whitespace, such as U+2800 or U+3164, says nothing).
/// `Ok(None)` when nothing is left after trimming.
pub fn plain_text(field: &'static str, text: &str, max_chars: usize) -> Result<Option<String>, DomainError> {
    let text = text.trim();
    if text.chars().any(|c| c.is_control() || is_invisible_format(c)) {
        return Err(DomainError::invalid(field, "must not contain control or invisible formatting characters"));
    }
    if !text.is_empty() && !text.chars().any(char::is_alphanumeric) {
        return Err(DomainError::invalid(field, "must contain at least one letter or digit"));
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
        assert!(plain_text("f", "می\u{200c}خواهم", 50).is_ok(), "a zero-width non-joiner in Persian");
        for bad in [
            "a\u{0}b",
            "\u{1b}]0;pwned\u{7}",
            "line\nbreak",
            "\u{202E}evil",
            "\u{200B}",
            "x\u{FEFF}",
            "a\u{2028}b",
            "a\u{061C}b",
            "tag\u{E0041}",
            "\u{2800}",
            "\u{3164}",
            "\u{206F}x",
            "Evil\u{034F}Co",
            "a\u{17B4}b",
            "a\u{1D173}b",
        ] {
            assert!(matches!(plain_text("f", bad, 50), Err(DomainError::Invalid { field: "f", .. })), "{bad:?}");
        }
        assert!(plain_text("f", &"é".repeat(51), 50).is_err());
    }
}

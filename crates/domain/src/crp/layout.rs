//! What the text of the CRP inputs may cost to lay out. A plan's PDF is laid out from these
//! texts, and some text that is short in characters is costly in layout: a letter carrying
//! stacks of combining marks (each shaped and positioned on the one before), runs of letters
//! with nowhere to break a line, and a lot of text in all. The limits are chosen from the
//! worst case measured (docs/performance.md, `cargo run --release -p carbonpass-pdf --example
//! worst_case`), so every plan that can be saved renders within a known time and memory.

use crate::DomainError;

/// Combining marks one letter may carry: enough for any language the typeface covers
/// (Vietnamese stacks two on a vowel, Hebrew points take up to three).
pub const MAX_MARKS_PER_LETTER: usize = 3;

/// Characters in a row with nowhere to break a line (no space or hyphen): longer than any word
/// of a real plan, or a URL one would quote.
pub const MAX_UNBROKEN_RUN: usize = 100;

/// Characters of text in all the inputs' fields together.
pub const MAX_TOTAL_TEXT: usize = 60_000;

/// A combining mark (shown on the character before it) of the scripts the plan's typeface
/// covers, or a joiner or variation selector (which attach to it too). Text the typeface cannot
/// show is refused on its own, so these ranges are the marks that can reach a layout.
fn attaches(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0483}'..='\u{0489}'
            | '\u{0591}'..='\u{05BD}'
            | '\u{05BF}'
            | '\u{05C1}'..='\u{05C2}'
            | '\u{05C4}'..='\u{05C5}'
            | '\u{05C7}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{200C}'..='\u{200D}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Where a line may break: after a space or a hyphen. The no-break spaces (U+00A0, U+2007,
/// U+202F) are whitespace that forbids a break: they join a run, not end it.
fn breaks(c: char) -> bool {
    (c.is_whitespace() && !matches!(c, '\u{00A0}' | '\u{2007}' | '\u{202F}'))
        || matches!(c, '-' | '\u{2010}' | '\u{2013}' | '\u{2014}' | '/')
}

/// Refuses a text at `path` that is costly to lay out: a letter with more than
/// [`MAX_MARKS_PER_LETTER`] marks, or more than [`MAX_UNBROKEN_RUN`] characters without a
/// place to break.
pub fn check_text(path: &str, text: &str) -> Result<(), DomainError> {
    let (mut marks, mut run) = (0, 0);
    for c in text.chars() {
        if attaches(c) {
            marks += 1;
            if marks > MAX_MARKS_PER_LETTER {
                return Err(DomainError::invalid_at(
                    path,
                    format!("has a letter with more than {MAX_MARKS_PER_LETTER} combining marks"),
                ));
            }
            continue;
        }
        marks = 0;
        run = if breaks(c) { 0 } else { run + 1 };
        if run > MAX_UNBROKEN_RUN {
            return Err(DomainError::invalid_at(
                path,
                format!("has more than {MAX_UNBROKEN_RUN} characters without a space or hyphen"),
            ));
        }
    }
    Ok(())
}

/// Refuses texts that together exceed [`MAX_TOTAL_TEXT`] characters, naming the field where
/// the total passes it.
pub fn check_total<'a>(texts: impl IntoIterator<Item = (String, &'a str)>) -> Result<(), DomainError> {
    let mut total = 0;
    for (path, text) in texts {
        total += text.chars().count();
        if total > MAX_TOTAL_TEXT {
            return Err(DomainError::invalid_at(
                path,
                format!(
                    "brings the text of the CRP inputs to more than {MAX_TOTAL_TEXT} characters in all; shorten this or other fields"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_at(result: Result<(), DomainError>) -> Option<String> {
        match result {
            Err(DomainError::InvalidAt { path, .. }) => Some(path),
            _ => None,
        }
    }

    #[test]
    fn letters_may_carry_three_marks_not_four() {
        assert!(check_text("t", "Vie\u{302}\u{301}t c\u{327}a \u{5E9}\u{5C1}\u{5BC}\u{5B8}").is_ok());
        assert!(check_text("t", "a\u{301}\u{308}\u{323}").is_ok());
        assert_eq!(
            refused_at(check_text("measures[3].title", "a\u{301}\u{308}\u{323}\u{300}")).as_deref(),
            Some("measures[3].title")
        );
        assert!(refused_at(check_text("t", "ok a\u{200D}\u{FE0F}\u{301}\u{302}")).is_some(), "joiners count as marks");
    }

    #[test]
    fn runs_without_a_break_are_limited() {
        let run = "x".repeat(MAX_UNBROKEN_RUN);
        assert!(check_text("t", &format!("{run} {run}-{run}")).is_ok());
        assert!(refused_at(check_text("t", &format!("{run}x"))).is_some());
        // A no-break space joins the run it sits in.
        for joiner in ['\u{00A0}', '\u{2007}', '\u{202F}'] {
            let half = "x".repeat(MAX_UNBROKEN_RUN / 2);
            assert!(refused_at(check_text("t", &format!("{half}{joiner}{half}x"))).is_some(), "{joiner:?}");
        }
    }

    #[test]
    fn the_total_is_limited_and_the_field_that_passes_it_is_named() {
        let half = "word ".repeat(MAX_TOTAL_TEXT / 10);
        assert!(check_total([("a".to_owned(), half.as_str()), ("b".to_owned(), half.as_str())]).is_ok());
        let texts = [("a".to_owned(), half.as_str()), ("b".to_owned(), half.as_str()), ("c".to_owned(), "x")];
        assert_eq!(refused_at(check_total(texts)).as_deref(), Some("c"));
    }
}

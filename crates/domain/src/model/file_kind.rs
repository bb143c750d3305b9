//! What an uploaded file is, judged by its content and never by its name: PDF, PNG, JPEG or CSV.

/// Bytes of the file's start that [`FileKind::sniff`] needs at most.
pub const SNIFF_LEN: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Csv,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Csv => "text/csv",
        }
    }

    /// Judges a file by its first bytes (up to [`SNIFF_LEN`]; `head` may be the whole file).
    /// `None` for anything else, including an empty file.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        let head = &head[..head.len().min(SNIFF_LEN)];
        if head.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(FileKind::Png)
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if looks_like_csv(head) {
            Some(FileKind::Csv)
        } else {
            None
        }
    }
}

/// UTF-8 text (a BOM allowed; a character cut off by the window's end allowed), no control
/// characters but tab, CR and LF, and a first line with a field separator.
fn looks_like_csv(head: &[u8]) -> bool {
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // Only an incomplete character at the very end (cut by the window) is forgiven.
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(text) => text,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    let first_line = text.lines().next().unwrap_or("");
    !text.trim().is_empty()
        && text.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n'))
        && first_line.contains([',', ';', '\t'])
        && !looks_like_markup(text)
}

/// What a browser (or anything sniffing) reads as the start of a tag, and so as HTML, SVG or XML
/// whose scripts it may run: `<` followed by a letter (`<a href`, `<script`, `<svg`), `/` (a
/// closing tag), `!` (`<!--`, `<!DOCTYPE`) or `?` (`<?xml`). No utility's CSV export holds one;
/// a `<` before a digit or a space (`MPAN<123>`, `4 < 5`) is data.
fn opens_a_tag(after: u8) -> bool {
    after.is_ascii_alphabetic() || matches!(after, b'/' | b'!' | b'?')
}

/// The bytes a tag opening takes: a tag split across two chunks of a file is found by checking
/// each chunk together with this many bytes, less one, of the chunk before.
pub const LONGEST_MARKUP_TAG: usize = 2;

/// Text that is markup rather than data: it starts with `<`, or opens a tag anywhere.
fn looks_like_markup(text: &str) -> bool {
    text.trim_start().starts_with('<') || holds_markup_tag(text.as_bytes())
}

/// Whether any part of a text file opens a tag. The whole of a CSV upload is checked this way as
/// it streams, not only its first bytes.
pub fn holds_markup_tag(bytes: &[u8]) -> bool {
    bytes.windows(LONGEST_MARKUP_TAG).any(|pair| pair[0] == b'<' && opens_a_tag(pair[1]))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn recognises_each_accepted_kind_by_content() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"date,kwh\n2026-03-01,120.5\n"), Some(FileKind::Csv));
        assert_eq!(FileKind::sniff(b"\xEF\xBB\xBFdate;kwh\r\n"), Some(FileKind::Csv));
    }

    #[test]
    fn refuses_everything_else() {
        for other in [
            &b""[..],
            b"   \n",
            b"PK\x03\x04 a zip or docx",
            b"GIF89a",
            b"<html><body>bill</body></html>",
            b"just some words without separators",
            b"a,b\x00c",
            b"\xFF\xFE\xFDnot utf8, at all",
            b"<html><body>date,kwh</body></html>",
            b"  <table><tr><td>a,b</td></tr></table>",
            b"date,kwh\n2026-03-01,<script>alert(1)</script>\n",
            b"date,kwh\n<SCRIPT src=//x></SCRIPT>,1\n",
            b"name,logo\nacme,<svg onload=alert(1)>\n",
            b"<?xml version=\"1.0\"?>,\n<a/>",
        ] {
            assert_eq!(FileKind::sniff(other), None, "{other:?}");
        }
    }

    #[test]
    fn any_tag_opening_is_markup_and_comparisons_are_not() {
        for markup in
            [&b"a,b\n1,<ScRiPt>"[..], b"a,b\n1,<a href=x>", b"a,b\n</b>", b"a,<!-- x", b"a,<?xml", b"a,<x onclick=y>"]
        {
            assert!(holds_markup_tag(markup), "{}", String::from_utf8_lossy(markup));
        }
        for data in [&b"a,b\n1 < 2,3"[..], b"MPAN<123>,4", b"a,<", b"a,<<5"] {
            assert!(!holds_markup_tag(data), "{}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn data_with_angle_brackets_is_still_csv() {
        assert_eq!(FileKind::sniff(b"meter,reading\nMPAN<123>,4 < 5\n"), Some(FileKind::Csv));
    }

    #[test]
    fn a_character_cut_by_the_window_is_forgiven() {
        let mut head = b"name,city\n".to_vec();
        head.resize(SNIFF_LEN - 1, b'a');
        head.extend_from_slice("é".as_bytes());
        assert_eq!(FileKind::sniff(&head), Some(FileKind::Csv));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = FileKind::sniff(&bytes);
        }
    }
}

//! XML text escaping for cell text and the sheet name, and A1-style column letters.

/// Excel's limit on the text of one cell, in UTF-16 code units; longer text makes Excel
/// report the file as damaged.
pub(crate) const MAX_CELL_UNITS: usize = 32_767;

/// Appends `text` escaped for an XML text node, after cutting it to Excel's cell limit.
///
/// - `&`, `<`, `>` become entities;
/// - carriage return becomes `&#xD;`, because XML parsers turn a literal CR into LF;
/// - characters XML 1.0 forbids (C0 controls other than tab, LF and CR; U+FFFE; U+FFFF) are
///   dropped: the alternative is a file Excel refuses to open;
/// - an `_` that starts `_xHHHH_` becomes `_x005F_`, because Excel and other readers decode
///   `_xHHHH_` as an escaped character and would otherwise change the text.
pub(crate) fn push_text(buf: &mut Vec<u8>, text: &str) {
    let bytes = truncate_to_cell_limit(text).as_bytes();
    let mut clean_from = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (replacement, skip): (&[u8], usize) = match bytes[i] {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'\r' => (b"&#xD;", 1),
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            0x00..=0x1F => (b"", 1),
            b'_' if starts_excel_escape(&bytes[i..]) => (b"_x005F_", 1),
            // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8.
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => (b"", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        buf.extend_from_slice(&bytes[clean_from..i]);
        buf.extend_from_slice(replacement);
        i += skip;
        clean_from = i;
    }
    buf.extend_from_slice(&bytes[clean_from..]);
}

/// Escapes `text` for a double-quoted XML attribute (used once, for the sheet name).
pub(crate) fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// True when `text` would need `xml:space="preserve"` to keep its edge whitespace.
pub(crate) fn has_edge_whitespace(text: &str) -> bool {
    let edge = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | b'\n' | b'\r'));
    edge(text.as_bytes().first()) || edge(text.as_bytes().last())
}

/// Whether `bytes` starts with `_xHHHH_` (either case of `x` and of the hex digits).
fn starts_excel_escape(bytes: &[u8]) -> bool {
    match bytes.get(..7) {
        Some([b'_', b'x' | b'X', h1, h2, h3, h4, b'_']) => {
            [h1, h2, h3, h4].iter().all(|h| h.is_ascii_hexdigit())
        }
        _ => false,
    }
}

/// `text` cut to at most [`MAX_CELL_UNITS`] UTF-16 code units, on a character boundary.
fn truncate_to_cell_limit(text: &str) -> &str {
    // A UTF-8 string has at least as many bytes as UTF-16 units, so short text is never cut
    // and never scanned.
    if text.len() <= MAX_CELL_UNITS {
        return text;
    }
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_UNITS {
            return &text[..at];
        }
    }
    text
}

/// The letters of the 0-based column `index`: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub(crate) fn column_letters(index: usize) -> String {
    let mut letters = Vec::with_capacity(3);
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut buf = Vec::new();
        push_text(&mut buf, text);
        String::from_utf8(buf).expect("escaping keeps UTF-8 valid")
    }

    #[test]
    fn escapes_markup_and_keeps_unicode() {
        assert_eq!(
            escaped("Nguyễn <b> & \"Á\""),
            "Nguyễn &lt;b&gt; &amp; \"Á\""
        );
        assert_eq!(escaped("a\r\nb\tc"), "a&#xD;\nb\tc");
    }

    #[test]
    fn drops_what_xml_forbids() {
        assert_eq!(
            escaped("a\u{0}b\u{1b}c\u{fffe}d\u{ffff}e\u{fffd}"),
            "abcde\u{fffd}"
        );
    }

    #[test]
    fn protects_literal_excel_escapes() {
        assert_eq!(escaped("_x000D_"), "_x005F_x000D_");
        assert_eq!(escaped("a_b_x12_"), "a_b_x12_");
        assert_eq!(escaped("_X00aF_"), "_x005F_X00aF_");
    }

    #[test]
    fn cuts_text_to_excel_cell_limit() {
        let long = "Đ".repeat(MAX_CELL_UNITS + 10);
        assert_eq!(escaped(&long).chars().count(), MAX_CELL_UNITS);
        let astral = "😀".repeat(MAX_CELL_UNITS);
        assert_eq!(escaped(&astral).encode_utf16().count(), MAX_CELL_UNITS - 1);
    }

    #[test]
    fn column_letters_follow_excel() {
        let cases = [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (51, "AZ"),
            (52, "BA"),
            (16_383, "XFD"),
        ];
        for (index, letters) in cases {
            assert_eq!(column_letters(index), letters, "column {index}");
        }
    }
}

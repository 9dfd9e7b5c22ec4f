//! Which text a spreadsheet would take for a formula.
//!
//! Kept apart from the writers so CSV and XLSX share one definition, and so callers can ask
//! the same question (for example to warn about suspicious names at import time).

/// True when a spreadsheet opening this text as a cell value could read it as a formula.
///
/// The leading characters are those of OWASP's CSV-injection guidance: `=`, `+`, `-`, `@`,
/// tab and carriage return. A CSV writer prefixes such text with `'`; the XLSX writer keeps the
/// text as it is and marks the cell with Excel's `quotePrefix` style (see the crate docs).
///
/// # Examples
/// ```
/// assert!(sheets::is_formula_like("=HYPERLINK(\"http://x\")"));
/// assert!(sheets::is_formula_like("-5"));
/// assert!(!sheets::is_formula_like("Nguyễn Văn Á"));
/// ```
pub fn is_formula_like(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_every_trigger_and_nothing_else() {
        for text in ["=1+1", "+84 912", "-1", "@SUM(A1)", "\tx", "\r=1"] {
            assert!(is_formula_like(text), "{text:?} should be flagged");
        }
        for text in ["", "1+1", " =1", "Đoàn", "'=1", "\n=1"] {
            assert!(!is_formula_like(text), "{text:?} should not be flagged");
        }
    }
}

//! Turning a report title into a worksheet name Excel accepts.

/// Excel's limit, counted in UTF-16 code units.
const MAX_LEN: usize = 31;

/// The worksheet name used when nothing usable is left of the requested one.
const FALLBACK: &str = "Sheet1";

/// Makes `name` a valid Excel worksheet name instead of failing the export.
///
/// - `[ ] : * ? / \` and control characters become `_`;
/// - leading and trailing `'` and spaces are trimmed (Excel rejects the quote there);
/// - the result is cut to 31 UTF-16 code units, Excel's limit;
/// - an empty result becomes `Sheet1`, and `History` (reserved by Excel) becomes `History_`.
///
/// CSV has no sheet name; the writer ignores it there.
///
/// # Examples
/// ```
/// assert_eq!(sheets::sanitize_sheet_name("Kết quả 1/2024"), "Kết quả 1_2024");
/// assert_eq!(sheets::sanitize_sheet_name("   "), "Sheet1");
/// ```
pub fn sanitize_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == '\'' || c.is_whitespace());

    let mut units = 0;
    let mut out = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        units += c.len_utf16();
        if units > MAX_LEN {
            break;
        }
        out.push(c);
    }
    // Cutting may have exposed a trailing quote or space again.
    let cut = out.trim_end_matches(|c: char| c == '\'' || c.is_whitespace());

    if cut.is_empty() {
        FALLBACK.to_owned()
    } else if cut.eq_ignore_ascii_case("history") {
        format!("{cut}_")
    } else {
        cut.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_names_excel_would_reject() {
        let cases = [
            ("Xếp hạng", "Xếp hạng"),
            ("a[b]c:d*e?f/g\\h", "a_b_c_d_e_f_g_h"),
            ("'quoted'", "quoted"),
            ("", "Sheet1"),
            ("''", "Sheet1"),
            ("History", "History_"),
            ("tab\there", "tab_here"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize_sheet_name(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn cuts_to_31_utf16_units() {
        let long = "Đoàn Thanh niên Cộng sản Hồ Chí Minh";
        let name = sanitize_sheet_name(long);
        assert_eq!(name, "Đoàn Thanh niên Cộng sản Hồ Chí");
        assert!(name.encode_utf16().count() <= 31);

        // Astral characters count twice in Excel's limit.
        let emoji = "😀".repeat(20);
        assert_eq!(sanitize_sheet_name(&emoji).encode_utf16().count(), 30);
    }
}

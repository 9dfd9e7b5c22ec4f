//! Small text helpers shared by the domain types.

/// Trims and collapses runs of white space to one space.
pub fn collapse_spaces(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds text for diacritic-insensitive search: `Đoàn cơ sở` → `doan co so`.
///
/// # Implementation notes
/// The same function as the question bank's, so a search typed once behaves the same for
/// units, people and questions.
pub fn fold(input: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    let mut out = String::with_capacity(input.len());
    for word in input.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.nfd().filter(|c| !is_combining_mark(*c)) {
            match c {
                'đ' | 'Đ' => out.push('d'),
                _ => out.extend(c.to_lowercase()),
            }
        }
    }
    out
}

/// A file-name-safe form of a title, without diacritics: `Tuần thi thứ 1` → `tuan-thi-thu-1`.
/// Letters and digits are kept (lower case), every other run of characters becomes one `-`, and
/// the result is cut to `max` characters at a word boundary where possible.
pub fn slug(input: &str, max: usize) -> String {
    let mut out = String::new();
    for c in fold(input).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.len() > max {
        let cut = out[..max]
            .rfind('-')
            .filter(|i| *i > max / 2)
            .unwrap_or(max);
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_read_without_diacritics() {
        assert_eq!(slug("Tuần thi thứ 1", 40), "tuan-thi-thu-1");
        assert_eq!(
            slug("Cuộc thi “Tìm hiểu Luật An ninh mạng” – 2026!", 40),
            "cuoc-thi-tim-hieu-luat-an-ninh-mang-2026"
        );
        assert_eq!(slug("Đoàn Khối, Chi đoàn", 12), "doan-khoi");
        assert_eq!(slug("!!!", 10), "");
        assert_eq!(slug("=HYPERLINK(\"x\")", 40), "hyperlink-x");
    }

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("  Đoàn  CƠ sở "), "doan co so");
        assert_eq!(fold("Chi đoàn Kỹ thuật"), "chi doan ky thuat");
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("  Đoàn  CƠ sở "), "doan co so");
        assert_eq!(fold("Chi đoàn Kỹ thuật"), "chi doan ky thuat");
    }
}

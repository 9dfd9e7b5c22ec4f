//! Folding Vietnamese text for search and duplicate detection.
//!
//! "Đoàn cơ sở", "doan co so" and "ĐOÀN  CƠ SỞ" all fold to `doan co so`: lower case, without
//! diacritics (including đ → d, which Unicode does not decompose), with runs of white space
//! collapsed to one space and trimmed. [`fold_words`] goes further for near-duplicate checks:
//! punctuation counts as a space too, so "Đoàn viên." and "đoàn - viên" both give `doan vien`.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `text` for comparison: lower case, no diacritics, single spaces, trimmed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// [`fold`], then every run of characters that are neither letters nor digits becomes one
/// space: only the words and numbers are left, in order.
pub fn fold_words(text: &str) -> String {
    let folded = fold(text);
    let mut out = String::with_capacity(folded.len());
    for word in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{fold, fold_words};

    #[test]
    fn folds_vietnamese_diacritics_case_and_spacing() {
        for (input, expected) in [
            ("Đoàn cơ sở", "doan co so"),
            ("  ĐOÀN   CƠ\tSỞ ", "doan co so"),
            ("Chi đoàn Phòng Kỹ thuật", "chi doan phong ky thuat"),
            ("Nguyễn Thị Ánh", "nguyen thi anh"),
            ("", ""),
        ] {
            assert_eq!(fold(input), expected, "folding {input:?}");
        }
    }

    #[test]
    fn precomposed_and_decomposed_forms_fold_alike() {
        let precomposed = "Hồ Chí Minh";
        let decomposed: String =
            unicode_normalization::UnicodeNormalization::nfd(precomposed).collect();
        assert_eq!(fold(precomposed), fold(&decomposed));
    }

    #[test]
    fn fold_words_drops_punctuation_but_keeps_word_and_number_boundaries() {
        for (input, expected) in [
            ("Đoàn viên.", "doan vien"),
            ("đoàn - viên", "doan vien"),
            ("“Tuổi trẻ”, (sáng tạo)!", "tuoi tre sang tao"),
            ("12/6/2018", "12 6 2018"),
            ("...", ""),
        ] {
            assert_eq!(fold_words(input), expected, "folding {input:?}");
        }
    }
}

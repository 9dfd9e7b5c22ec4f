//! Checks over a file or a whole bank that no single question shows: whether answer keys sit
//! evenly across option positions, whether the longest option gives the answer away, whether
//! true/false answers are balanced, and whether active questions rest on law that has lapsed.
//!
//! Everything here is a [`Warning`]: each question is valid on its own, but a bank with these
//! patterns teaches entrants to guess (issue #19). The CLI prints them in `validate` and `stats`;
//! `validate --deny-warnings` makes them fail. Depends only on the model, `checks::Origin` and
//! `problem`; today's date is a parameter so tests do not depend on the clock.
//!
//! # Thresholds
//! - Shares are only checked over at least [`MIN_QUESTIONS`] questions of the kind concerned:
//!   below that one question moves a share by more than 12.5 points, so the check would only
//!   report noise.
//! - Key positions: a position must hold between [`LOW_FACTOR`] and [`HIGH_FACTOR`] times the
//!   share chance gives it. With four options (the whole starter bank) that is 15%–35% of keys;
//!   a position only three-option questions lack gets a lower expectation, so mixed banks are
//!   judged fairly.
//! - Longest option: always picking the longest option (ties broken at random) may score at most
//!   [`HIGH_FACTOR`] times chance (35% with four options). Ties count as a share (the key tied
//!   with one other option scores ½), not as a hit or a miss: counting only a *strictly* longest
//!   key gives 68 of 196 (34.7%) on the starter bank the issue found at 41%, because many dates
//!   and numbers are equally long; counting every tie as a hit would overstate it (107 of 196).
//! - True/false: between [`TRUE_SHARE_MIN`] and [`TRUE_SHARE_MAX`] answered "true" ("Đúng").
//! - Retired questions are never drawn (and must keep their text for past attempts), so they are
//!   left out of every share.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::checks::Origin;
use crate::fold::fold_words;
use crate::model::{Kind, Question, Status, option_letter};
use crate::problem::{Problem, Warning};

/// Fewest questions (single-choice for key positions and longest option, true/false for the
/// true share) a file or bank needs before its shares are checked.
pub const MIN_QUESTIONS: usize = 8;
/// A position may hold no less than this times its chance share of keys (15% of four options).
pub const LOW_FACTOR: f64 = 0.6;
/// A position may hold no more than this times its chance share of keys (35% of four options);
/// picking the longest option may score no more than this times chance.
pub const HIGH_FACTOR: f64 = 1.4;
/// Least share of true/false questions answered "true".
pub const TRUE_SHARE_MIN: f64 = 0.35;
/// Greatest share of true/false questions answered "true".
pub const TRUE_SHARE_MAX: f64 = 0.65;

/// Guards float comparisons of shares that are exact fractions (7/20 against 35%).
const EPSILON: f64 = 1e-9;

/// Option texts (folded) read as "true" in a true/false question.
const TRUE_WORDS: [&str; 4] = ["dung", "true", "t", "co"];
/// Option texts (folded) read as "false" in a true/false question.
const FALSE_WORDS: [&str; 4] = ["sai", "false", "f", "khong"];

/// How answers are spread over a set of questions; integer counts, so it compares exactly and
/// serialises plainly. Retired questions are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Balance {
    /// Single-choice questions (with exactly one correct option).
    pub single_choice: usize,
    /// Single-choice questions by their number of options.
    pub single_by_option_count: BTreeMap<usize, usize>,
    /// Single-choice keys by position letter, every position up to the most options present.
    pub key_positions: BTreeMap<char, usize>,
    /// Single-choice questions whose key is among the longest options, by how many options share
    /// that length (`1` → strictly the longest; `2` → tied with one other).
    pub key_among_longest: BTreeMap<usize, usize>,
    /// True/false questions whose answer reads as true or false ("Đúng"/"Sai" and the like).
    pub true_false: usize,
    /// Of those, the ones answered "true".
    pub true_answers: usize,
}

impl Balance {
    /// Counts `questions`, skipping retired ones.
    pub fn of<'a>(questions: impl IntoIterator<Item = &'a Question>) -> Self {
        let mut balance = Self::default();
        for q in questions {
            if q.status == Status::Retired {
                continue;
            }
            match q.kind {
                Kind::Single => balance.count_single(q),
                Kind::TrueFalse => {
                    if let Some(answer) = true_false_answer(q) {
                        balance.true_false += 1;
                        balance.true_answers += usize::from(answer);
                    }
                }
                Kind::Multiple => {}
            }
        }
        if let Some(&most) = balance.single_by_option_count.keys().next_back() {
            for position in 0..most {
                balance
                    .key_positions
                    .entry(option_letter(position))
                    .or_default();
            }
        }
        balance
    }

    fn count_single(&mut self, q: &Question) {
        let [key] = q.correct_indexes()[..] else {
            return;
        };
        self.single_choice += 1;
        *self
            .single_by_option_count
            .entry(q.options.len())
            .or_default() += 1;
        *self.key_positions.entry(option_letter(key)).or_default() += 1;
        let lengths: Vec<usize> = q
            .options
            .iter()
            .map(|o| o.text.trim().chars().count())
            .collect();
        let longest = lengths.iter().copied().max().unwrap_or(0);
        if lengths[key] == longest {
            let tied = lengths.iter().filter(|l| **l == longest).count();
            *self.key_among_longest.entry(tied).or_default() += 1;
        }
    }

    /// Single-choice questions whose key is strictly the longest option.
    pub fn key_strictly_longest(&self) -> usize {
        self.key_among_longest.get(&1).copied().unwrap_or(0)
    }

    /// The share of single-choice questions answered right by always picking the longest option
    /// and breaking ties at random.
    pub fn longest_guess_share(&self) -> f64 {
        if self.single_choice == 0 {
            return 0.0;
        }
        let score: f64 = self
            .key_among_longest
            .iter()
            .map(|(tied, count)| *count as f64 / *tied as f64)
            .sum();
        score / self.single_choice as f64
    }

    /// The share of single-choice keys that `position` would get by chance: each question gives
    /// it 1/n if it has more than `position` options.
    pub fn expected_key_share(&self, position: usize) -> f64 {
        if self.single_choice == 0 {
            return 0.0;
        }
        let sum: f64 = self
            .single_by_option_count
            .iter()
            .filter(|(n, _)| **n > position)
            .map(|(n, count)| *count as f64 / *n as f64)
            .sum();
        sum / self.single_choice as f64
    }

    /// What picking the longest option would score by chance: the mean of 1/n.
    pub fn expected_longest_share(&self) -> f64 {
        self.expected_key_share(0)
    }

    /// Warnings for this set of questions. `scope` names it in the messages (English,
    /// Vietnamese), e.g. `("", "")` for one file or `(" across all 15 files", " trên cả 15 tệp")`.
    pub fn warnings(&self, scope: (&str, &str)) -> Vec<Warning> {
        let (scope_en, scope_vi) = scope;
        let mut out = Vec::new();
        if self.single_choice >= MIN_QUESTIONS {
            let n = self.single_choice;
            let mut outside_en = Vec::new();
            let mut outside_vi = Vec::new();
            let mut shares = Vec::new();
            for (position, (letter, count)) in self.key_positions.iter().enumerate() {
                let share = *count as f64 / n as f64;
                let expected = self.expected_key_share(position);
                let (low, high) = (LOW_FACTOR * expected, HIGH_FACTOR * expected);
                shares.push(format!("{letter} {count} ({})", percent(share)));
                if share < low - EPSILON {
                    outside_en.push(format!("{letter} under {}", percent(low)));
                    outside_vi.push(format!("{letter} dưới {}", percent(low)));
                } else if share > high + EPSILON {
                    outside_en.push(format!("{letter} over {}", percent(high)));
                    outside_vi.push(format!("{letter} trên {}", percent(high)));
                }
            }
            if !outside_en.is_empty() {
                let shares = shares.join(", ");
                out.push(
                    Problem::new(
                        format!(
                            "single-choice answer keys are unevenly placed{scope_en}: {shares} of {n}; {} (entrants can guess by position: move the correct options)",
                            outside_en.join(", ")
                        ),
                        format!(
                            "đáp án đúng của câu một lựa chọn phân bố lệch{scope_vi}: {shares} trên {n} câu; {} (người thi có thể đoán theo vị trí: hãy đổi chỗ các phương án)",
                            outside_vi.join(", ")
                        ),
                    )
                    .field("correct"),
                );
            }
            let share = self.longest_guess_share();
            let limit = HIGH_FACTOR * self.expected_longest_share();
            if share > limit + EPSILON {
                let (strict, pct, limit) =
                    (self.key_strictly_longest(), percent(share), percent(limit));
                out.push(
                    Problem::new(
                        format!(
                            "always picking the longest option scores {pct} on the {n} single-choice questions{scope_en}, over {limit} (the key is strictly the longest in {strict}): entrants can guess by length (write distractors as long and as precise as the key)"
                        ),
                        format!(
                            "luôn chọn phương án dài nhất thì đúng {pct} trong {n} câu một lựa chọn{scope_vi}, vượt {limit} (đáp án dài hơn hẳn các phương án khác ở {strict} câu): người thi có thể đoán theo độ dài (hãy viết phương án nhiễu dài và cụ thể như đáp án)"
                        ),
                    )
                    .field("options"),
                );
            }
        }
        if self.true_false >= MIN_QUESTIONS {
            let (k, n) = (self.true_answers, self.true_false);
            let share = k as f64 / n as f64;
            if !(TRUE_SHARE_MIN - EPSILON..=TRUE_SHARE_MAX + EPSILON).contains(&share) {
                let (pct, min, max) = (
                    percent(share),
                    percent(TRUE_SHARE_MIN),
                    percent(TRUE_SHARE_MAX),
                );
                out.push(
                    Problem::new(
                        format!(
                            "{k} of {n} true/false questions{scope_en} ({pct}) are answered \"true\"; keep it between {min} and {max} (entrants can guess: rewrite some statements)"
                        ),
                        format!(
                            "{k}/{n} câu đúng/sai{scope_vi} ({pct}) có đáp án \"Đúng\"; nên giữ trong khoảng {min}–{max} (người thi có thể đoán: hãy viết lại một số mệnh đề)"
                        ),
                    )
                    .field("correct"),
                );
            }
        }
        out
    }
}

/// Whether a true/false question's answer is "true", read from its option texts; `None` when
/// neither option reads as true or false ("Có thể" / "Không thể" stay uncounted).
pub fn true_false_answer(q: &Question) -> Option<bool> {
    let [key] = q.correct_indexes()[..] else {
        return None;
    };
    let reads_as = |i: usize| {
        let text = fold_words(&q.options.get(i)?.text);
        if TRUE_WORDS.contains(&text.as_str()) {
            Some(true)
        } else if FALSE_WORDS.contains(&text.as_str()) {
            Some(false)
        } else {
            None
        }
    };
    let other = usize::from(key == 0);
    reads_as(key).or_else(|| reads_as(other).map(|v| !v))
}

/// Warnings over `questions` read from `origins` (same order): active questions past their
/// `valid_until` on `today`, then each file's balance, then — when the questions come from more
/// than one file — the balance of them all (with no file set).
pub fn audit(questions: &[Question], origins: &[Origin<'_>], today: NaiveDate) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut files: Vec<(Option<&str>, Vec<&Question>)> = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let origin = origins.get(i);
        let file = origin.and_then(|o| o.file);
        if let Some(w) = lapsed(q, today) {
            out.push(w.in_file(file).at(origin.and_then(|o| o.line)));
        }
        match files.iter_mut().find(|(f, _)| *f == file) {
            Some((_, group)) => group.push(q),
            None => files.push((file, vec![q])),
        }
    }
    for (file, group) in &files {
        out.extend(
            Balance::of(group.iter().copied())
                .warnings(("", ""))
                .into_iter()
                .map(|w| w.in_file(*file)),
        );
    }
    if files.len() > 1 {
        let n = files.len();
        out.extend(Balance::of(questions).warnings((
            &format!(" across all {n} files"),
            &format!(" trên cả {n} tệp"),
        )));
    }
    out
}

/// A warning if `q` is active but its legal basis stopped holding before `today`.
pub fn lapsed(q: &Question, today: NaiveDate) -> Option<Warning> {
    let until = q.legal_basis.as_ref()?.valid_until?;
    if q.status != Status::Active || until >= today {
        return None;
    }
    Some(
        Problem::new(
            format!(
                "the legal basis held until {until} and today is {today}, but the question is still active: retire it (status: retired) and write one on the law in force"
            ),
            format!(
                "căn cứ pháp lý chỉ có hiệu lực đến {until}, hôm nay là {today}, nhưng câu hỏi vẫn đang dùng: hãy chuyển sang ngừng dùng (status: retired) và viết câu hỏi mới theo văn bản đang có hiệu lực"
            ),
        )
        .field("legal_basis.valid_until"),
    )
}

/// `0.354` → `35.4%`, `0.35` → `35%`.
fn percent(share: f64) -> String {
    let value = share * 100.0;
    if (value - value.round()).abs() < 0.05 {
        format!("{value:.0}%")
    } else {
        format!("{value:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LegalBasis, QuestionOption, TopicRef};

    fn topic() -> TopicRef {
        TopicRef {
            code: "law".into(),
            name: "Pháp luật".into(),
        }
    }

    /// A single-choice question `n` with options of the given lengths, key at `key`.
    fn single(n: usize, lengths: &[usize], key: usize) -> Question {
        let mut q = Question::new(topic(), format!("Câu {n}?"));
        q.options = lengths
            .iter()
            .enumerate()
            .map(|(i, len)| QuestionOption {
                text: option_letter(i).to_string().repeat(*len),
                correct: i == key,
                image: None,
            })
            .collect();
        q
    }

    fn true_false(n: usize, answer_true: bool) -> Question {
        let mut q = Question::new(topic(), format!("Mệnh đề {n}."));
        q.kind = Kind::TrueFalse;
        q.options = ["Đúng", "Sai"]
            .iter()
            .enumerate()
            .map(|(i, t)| QuestionOption {
                text: (*t).into(),
                correct: (i == 0) == answer_true,
                image: None,
            })
            .collect();
        q
    }

    /// `keys[i]` is the key of question i; all options equally long.
    fn singles(keys: &[usize]) -> Vec<Question> {
        keys.iter()
            .enumerate()
            .map(|(n, key)| single(n, &[5, 5, 5, 5], *key))
            .collect()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn fields(warnings: &[Warning]) -> Vec<&str> {
        warnings
            .iter()
            .map(|w| w.field.as_deref().unwrap_or_default())
            .collect()
    }

    #[test]
    fn balanced_positions_pass_and_bounds_are_inclusive() {
        // 20 questions: 7 (35%) on A, 3 (15%) on B, 5 and 5: exactly on both bounds.
        let keys: Vec<usize> = [0; 7]
            .into_iter()
            .chain([1; 3])
            .chain([2; 5])
            .chain([3; 5])
            .collect();
        let balance = Balance::of(&singles(&keys));
        assert_eq!(balance.key_positions.get(&'A'), Some(&7));
        assert!(balance.warnings(("", "")).is_empty());
    }

    #[test]
    fn one_over_the_bound_warns_and_names_the_positions() {
        // 8 of 20 on A (40%), 2 on B (10%).
        let keys: Vec<usize> = [0; 8]
            .into_iter()
            .chain([1; 2])
            .chain([2; 5])
            .chain([3; 5])
            .collect();
        let warnings = Balance::of(&singles(&keys)).warnings(("", ""));
        assert_eq!(fields(&warnings), vec!["correct"]);
        let en = &warnings[0].message_en;
        assert!(
            en.contains("A 8 (40%), B 2 (10%), C 5 (25%), D 5 (25%) of 20"),
            "{en}"
        );
        assert!(en.contains("A over 35%, B under 15%"), "{en}");
        assert!(warnings[0].message_vi.contains("A trên 35%, B dưới 15%"));
    }

    #[test]
    fn too_few_questions_are_not_judged() {
        let all_a = singles(&[0; MIN_QUESTIONS - 1]);
        assert!(Balance::of(&all_a).warnings(("", "")).is_empty());
        let all_a = singles(&[0; MIN_QUESTIONS]);
        assert_eq!(Balance::of(&all_a).warnings(("", "")).len(), 1);
        let all_true: Vec<Question> = (0..MIN_QUESTIONS - 1)
            .map(|n| true_false(n, true))
            .collect();
        assert!(Balance::of(&all_true).warnings(("", "")).is_empty());
    }

    #[test]
    fn three_option_questions_expect_a_third_each() {
        // 9 three-option questions, 3 keys per position: 33% each, which would be "over 35%"
        // for four options but is exactly chance here.
        let questions: Vec<Question> = (0..9).map(|n| single(n, &[5, 5, 5], n % 3)).collect();
        let balance = Balance::of(&questions);
        assert!((balance.expected_key_share(0) - 1.0 / 3.0).abs() < 1e-12);
        assert!(balance.warnings(("", "")).is_empty());
        // Mixed 3 and 4 options: D only exists in the four-option half.
        let mut mixed = questions;
        mixed.extend((9..18).map(|n| single(n, &[5, 5, 5, 5], 3)));
        let balance = Balance::of(&mixed);
        assert!((balance.expected_key_share(3) - 0.125).abs() < 1e-12);
    }

    #[test]
    fn longest_option_guessing_counts_ties_as_a_share() {
        // Key on a rotating position: strictly longest in 2, tied with one other in 2 (½ each),
        // shorter than another in 4. Picking the longest scores (2 + 1) / 8 = 37.5% > 35%.
        let mut questions = Vec::new();
        for n in 0..8 {
            let key = n % 4;
            let other = (key + 1) % 4;
            let mut lengths = [5, 5, 5, 5];
            match n {
                0 | 1 => lengths[key] = 9,
                2 | 3 => (lengths[key], lengths[other]) = (9, 9),
                _ => lengths[other] = 9,
            }
            questions.push(single(n, &lengths, key));
        }
        let balance = Balance::of(&questions);
        assert_eq!(balance.key_among_longest, BTreeMap::from([(1, 2), (2, 2)]));
        assert_eq!(balance.key_strictly_longest(), 2);
        assert!((balance.longest_guess_share() - 0.375).abs() < 1e-12);
        let warnings = balance.warnings(("", ""));
        assert_eq!(fields(&warnings), vec!["options"], "{warnings:?}");
        assert!(
            warnings[0]
                .message_en
                .starts_with("always picking the longest option scores 37.5% on the 8 single-choice questions, over 35% (the key is strictly the longest in 2)"),
            "{}",
            warnings[0].message_en
        );
        // One tie fewer: 2.5 / 8 = 31.25%, fine.
        questions[3] = single(3, &[5, 5, 5, 9], 3);
        questions[3].options[0].text = "AAAAAAAAAA".into();
        assert!(Balance::of(&questions).warnings(("", "")).is_empty());
        // All options equally long: the longest-picker is guessing at random, 25%.
        let equal = singles(&[0, 1, 2, 3, 0, 1, 2, 3]);
        assert!((Balance::of(&equal).longest_guess_share() - 0.25).abs() < 1e-12);
    }

    #[test]
    fn true_false_balance() {
        let mut questions: Vec<Question> = (0..10).map(|n| true_false(n, n < 7)).collect();
        let warnings = Balance::of(&questions).warnings(("", ""));
        assert_eq!(fields(&warnings), vec!["correct"]);
        assert!(warnings[0].message_en.starts_with("7 of 10 true/false"));
        questions[6] = true_false(6, false);
        assert!(Balance::of(&questions).warnings(("", "")).is_empty());
        // 35% exactly is fine, under it is not.
        let low: Vec<Question> = (0..20).map(|n| true_false(n, n < 7)).collect();
        assert!(Balance::of(&low).warnings(("", "")).is_empty());
        let lower: Vec<Question> = (0..20).map(|n| true_false(n, n < 6)).collect();
        assert_eq!(Balance::of(&lower).warnings(("", "")).len(), 1);
    }

    #[test]
    fn true_false_answers_read_from_either_option() {
        let mut q = true_false(0, true);
        assert_eq!(true_false_answer(&q), Some(true));
        q.options.swap(0, 1);
        assert_eq!(true_false_answer(&q), Some(true));
        q.options[1].text = "ĐÚNG.".into();
        assert_eq!(true_false_answer(&q), Some(true));
        q.options[1].text = "Có thể".into();
        assert_eq!(
            true_false_answer(&q),
            Some(true),
            "the other option reads Sai"
        );
        q.options[0].text = "Không thể".into();
        assert_eq!(true_false_answer(&q), None);
    }

    #[test]
    fn retired_questions_are_left_out() {
        let mut questions = singles(&[0; 8]);
        for q in &mut questions {
            q.status = Status::Retired;
        }
        assert_eq!(Balance::of(&questions), Balance::default());
    }

    #[test]
    fn lapsed_only_when_active_and_strictly_past() {
        let mut q = single(0, &[5, 5], 0);
        q.legal_basis = Some(LegalBasis {
            document: "Nghị định 13/2023/NĐ-CP".into(),
            valid_from: Some(d(2023, 7, 1)),
            valid_until: Some(d(2025, 12, 31)),
        });
        assert!(
            lapsed(&q, d(2025, 12, 31)).is_none(),
            "the last day still holds"
        );
        let w = lapsed(&q, d(2026, 1, 1)).unwrap();
        assert_eq!(w.field.as_deref(), Some("legal_basis.valid_until"));
        assert!(
            w.message_en
                .contains("until 2025-12-31 and today is 2026-01-01")
        );
        q.status = Status::Retired;
        assert!(lapsed(&q, d(2026, 1, 1)).is_none());
        q.status = Status::Draft;
        assert!(lapsed(&q, d(2026, 1, 1)).is_none());
    }

    #[test]
    fn audit_checks_each_file_and_then_the_bank() {
        // Two files of 8 questions, each with every key on A: one warning per file, one for both.
        let mut questions = singles(&[0; 8]);
        questions.extend(singles(&[0; 8]).into_iter().map(|mut q| {
            q.text.push_str(" (2)");
            q
        }));
        let origins: Vec<Origin> = (0..16)
            .map(|i| Origin {
                file: Some(if i < 8 { "a.yaml" } else { "b.yaml" }),
                line: Some(u32::try_from(i).unwrap() + 1),
                is_row: false,
            })
            .collect();
        let warnings = audit(&questions, &origins, d(2026, 1, 1));
        let files: Vec<Option<&str>> = warnings.iter().map(|w| w.file.as_deref()).collect();
        assert_eq!(files, vec![Some("a.yaml"), Some("b.yaml"), None]);
        assert!(warnings[2].message_en.contains("across all 2 files"));
        // One file alone: no separate bank warning.
        assert_eq!(
            audit(&questions[..8], &origins[..8], d(2026, 1, 1)).len(),
            1
        );
    }

    #[test]
    fn audit_locates_lapsed_questions() {
        let mut q = single(0, &[5, 5], 0);
        q.legal_basis = Some(LegalBasis {
            document: "Luật".into(),
            valid_from: None,
            valid_until: Some(d(2025, 12, 31)),
        });
        let origin = Origin {
            file: Some("law.yaml"),
            line: Some(5),
            is_row: false,
        };
        let warnings = audit(&[q], &[origin], d(2026, 12, 4));
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].to_string(),
            "law.yaml:5: legal_basis.valid_until: the legal basis held until 2025-12-31 and today is 2026-12-04, but the question is still active: retire it (status: retired) and write one on the law in force"
        );
    }

    #[test]
    fn percentages_show_a_decimal_only_when_needed() {
        assert_eq!(percent(0.35), "35%");
        assert_eq!(percent(0.354), "35.4%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
    }
}

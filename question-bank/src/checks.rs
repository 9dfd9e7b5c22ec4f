//! Checks across the questions of one input (or several files): repeated stems, repeated ids,
//! one topic code used with two names. Single-question rules live in `validate`.

use std::collections::HashMap;

use crate::fold::fold;
use crate::model::{Question, TopicRef, parent_code};
use crate::problem::Problem;

/// Where a question was read from, to name it in a problem about a later one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin<'a> {
    /// File name, when checking across files.
    pub file: Option<&'a str>,
    /// Line or row.
    pub line: Option<u32>,
    /// Whether `line` is a spreadsheet row (CSV, XLSX) rather than a text line.
    pub is_row: bool,
}

impl Origin<'_> {
    fn describe(&self) -> (String, String) {
        match (self.file, self.line) {
            (Some(f), Some(l)) => (format!("{f}:{l}"), format!("{f}:{l}")),
            (None, Some(l)) if self.is_row => (format!("row {l}"), format!("hàng {l}")),
            (None, Some(l)) => (format!("line {l}"), format!("dòng {l}")),
            (Some(f), None) => (f.to_owned(), f.to_owned()),
            (None, None) => ("an earlier question".into(), "một câu trước đó".into()),
        }
    }
}

/// Problems across `questions` (each with its origin, same order). Each problem sits on the
/// later question and names the earlier one.
pub fn check_batch(questions: &[Question], origins: &[Origin<'_>]) -> Vec<Problem> {
    check(questions, origins, false)
}

/// Like [`check_batch`] over questions from several files, but only reports pairs from
/// *different* files (each file's own repeats are reported when it is read).
pub fn check_across_files(questions: &[Question], origins: &[Origin<'_>]) -> Vec<Problem> {
    check(questions, origins, true)
}

fn check(questions: &[Question], origins: &[Origin<'_>], across_only: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut stems: HashMap<String, usize> = HashMap::new();
    let mut ids: HashMap<uuid::Uuid, usize> = HashMap::new();
    let mut topic_names: HashMap<&str, usize> = HashMap::new();
    let none = Origin {
        file: None,
        line: None,
        is_row: false,
    };
    for (i, q) in questions.iter().enumerate() {
        let here = origins.get(i).copied().unwrap_or(none);
        let locate = |p: Problem| p.in_file(here.file).at(here.line);
        let reportable =
            |first: usize| !across_only || origins.get(first).and_then(|o| o.file) != here.file;
        let stem = fold(&q.text);
        if !stem.is_empty() {
            if let Some(&first) = stems.get(&stem) {
                if reportable(first) {
                    let (en, vi) = origins.get(first).copied().unwrap_or(none).describe();
                    out.push(locate(
                        Problem::new(
                            format!("the same question text already appears at {en}"),
                            format!("nội dung câu hỏi này đã có ở {vi}"),
                        )
                        .field("text"),
                    ));
                }
            } else {
                stems.insert(stem, i);
            }
        }
        if let Some(id) = q.id {
            if let Some(&first) = ids.get(&id) {
                if reportable(first) {
                    let (en, vi) = origins.get(first).copied().unwrap_or(none).describe();
                    out.push(locate(
                        Problem::new(
                            format!("id {id} is already used at {en}"),
                            format!("mã {id} đã được dùng ở {vi}"),
                        )
                        .field("id"),
                    ));
                }
            } else {
                ids.insert(id, i);
            }
        }
        match topic_names.get(q.topic.code.as_str()) {
            Some(&first) if questions[first].topic.name != q.topic.name && reportable(first) => {
                let (en, vi) = origins.get(first).copied().unwrap_or(none).describe();
                let earlier = &questions[first].topic.name;
                out.push(locate(
                    Problem::new(
                        format!(
                            "topic {} is named {:?} here but {:?} at {en}",
                            q.topic.code, q.topic.name, earlier
                        ),
                        format!(
                            "chủ đề {} ở đây tên là {:?} nhưng ở {vi} là {:?}",
                            q.topic.code, q.topic.name, earlier
                        ),
                    )
                    .field("topic.name"),
                ));
            }
            Some(_) => {}
            None => {
                topic_names.insert(&q.topic.code, i);
            }
        }
    }
    out
}

/// Every topic the questions use, plus their ancestors, sorted by code. An ancestor that no
/// question names gets its name from its code (`history.youth_union` → parent `history`).
pub fn topics(questions: &[Question]) -> Vec<TopicRef> {
    let mut by_code: HashMap<String, String> = HashMap::new();
    for q in questions {
        by_code
            .entry(q.topic.code.clone())
            .or_insert_with(|| q.topic.name.clone());
    }
    let named: Vec<String> = by_code.keys().cloned().collect();
    for code in named {
        let mut current = code.as_str();
        while let Some(parent) = parent_code(current) {
            by_code
                .entry(parent.to_owned())
                .or_insert_with(|| name_from_code(parent));
            current = parent;
        }
    }
    let mut out: Vec<TopicRef> = by_code
        .into_iter()
        .map(|(code, name)| TopicRef { code, name })
        .collect();
    out.sort();
    out
}

/// A readable name for a topic that has none: the last segment with `_` as spaces,
/// capitalised (`youth_union` → "Youth union").
pub fn name_from_code(code: &str) -> String {
    let last = code.rsplit('.').next().unwrap_or(code).replace('_', " ");
    let mut chars = last.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(code: &str, name: &str, text: &str) -> Question {
        Question::new(
            TopicRef {
                code: code.into(),
                name: name.into(),
            },
            text,
        )
    }

    #[test]
    fn later_duplicate_names_the_earlier_row() {
        let qs = vec![
            q("a", "A", "Đoàn thành lập năm nào?"),
            q("a", "A", "Khác?"),
            q("a", "A", "  doan THANH lap nam nao? "),
        ];
        let origins: Vec<Origin> = [2, 3, 4]
            .iter()
            .map(|l| Origin {
                file: None,
                line: Some(*l),
                is_row: false,
            })
            .collect();
        let problems = check_batch(&qs, &origins);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line_or_row, Some(4));
        assert!(problems[0].message_en.contains("line 2"), "{}", problems[0]);
    }

    #[test]
    fn conflicting_topic_names_and_ids() {
        let id = uuid::Uuid::now_v7();
        let mut a = q("a", "A", "x");
        a.id = Some(id);
        let mut b = q("a", "B", "y");
        b.id = Some(id);
        let fields: Vec<_> = check_batch(&[a, b], &[])
            .into_iter()
            .map(|p| p.field.unwrap_or_default())
            .collect();
        assert_eq!(fields, vec!["id", "topic.name"]);
    }

    #[test]
    fn parents_get_names_from_codes() {
        let t = topics(&[q("history.youth_union", "Lịch sử Đoàn", "x")]);
        assert_eq!(
            t[0],
            TopicRef {
                code: "history".into(),
                name: "History".into()
            }
        );
        assert_eq!(t[1].name, "Lịch sử Đoàn");
    }
}

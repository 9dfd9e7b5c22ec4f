//! Aiken: single-answer multiple choice in plain text.
//!
//! ```text
//! Đoàn TNCS Hồ Chí Minh được thành lập ngày nào?
//! A. 26/3/1931
//! B) 3/2/1930
//! ANSWER: A
//! ```
//! Questions are separated by blank lines; the stem may span several lines. Aiken has no topic,
//! so questions take the caller's default topic.

use super::Context;
use crate::model::{Kind, Question, QuestionOption};
use crate::problem::{Problem, ReadReport};

/// `A. text` / `A) text` → (index, text).
fn option_line(line: &str) -> Option<(usize, &str)> {
    let mut chars = line.chars();
    let letter = chars.next()?;
    let mark = chars.next()?;
    if !letter.is_ascii_uppercase() || !(mark == '.' || mark == ')') {
        return None;
    }
    let rest = &line[2..];
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some((letter as usize - 'A' as usize, rest.trim()))
}

fn answer_line(line: &str) -> Option<&str> {
    let upper = line.get(..6)?;
    if !upper.eq_ignore_ascii_case("ANSWER") {
        return None;
    }
    line[6..].trim_start().strip_prefix(':').map(str::trim)
}

/// Reads Aiken text.
pub fn read(text: &str, ctx: &Context<'_>) -> ReadReport {
    let mut report = ReadReport::default();
    let topic = ctx.topic_or_fallback(&mut report);
    let mut block: Vec<(u32, &str)> = Vec::new();
    let lines = text
        .lines()
        .enumerate()
        .map(|(n, l)| (u32::try_from(n + 1).unwrap_or(u32::MAX), l));
    for (line_no, line) in lines.chain(std::iter::once((0, ""))) {
        if !line.trim().is_empty() {
            block.push((line_no, line.trim()));
            // A block ends at its ANSWER line even without a blank line after it.
            if answer_line(line.trim()).is_none() {
                continue;
            }
        }
        if block.is_empty() {
            continue;
        }
        let start = block[0].0;
        if let Some(problem) = ctx.over_limit(report.questions.len() + 1, Some(start)) {
            report.problems.push(problem);
            return report;
        }
        match parse_block(&block) {
            Ok((stem, options, answer)) => {
                let mut q = Question::new(topic.clone(), stem);
                q.kind = Kind::Single;
                q.options = options
                    .into_iter()
                    .enumerate()
                    .map(|(i, text)| QuestionOption {
                        text: text.to_owned(),
                        correct: i == answer,
                        image: None,
                    })
                    .collect();
                report.push(q, Some(start));
            }
            Err((line, en, vi)) => report.problems.push(Problem::new(en, vi).at(Some(line))),
        }
        block.clear();
    }
    report
}

type BlockError = (u32, String, String);

fn parse_block<'a>(block: &[(u32, &'a str)]) -> Result<(String, Vec<&'a str>, usize), BlockError> {
    let start = block[0].0;
    let mut stem: Vec<&str> = Vec::new();
    let mut options: Vec<&str> = Vec::new();
    let mut answer: Option<(u32, &str)> = None;
    for &(line_no, line) in block {
        if let Some(a) = answer_line(line) {
            answer = Some((line_no, a));
        } else if let Some((index, text)) = option_line(line).filter(|_| !stem.is_empty()) {
            if index != options.len() {
                return Err((
                    line_no,
                    format!(
                        "option letters must run A, B, C…; found {} after {} options",
                        line.chars().next().unwrap_or('?'),
                        options.len()
                    ),
                    format!(
                        "chữ cái phương án phải theo thứ tự A, B, C…; gặp {} sau {} phương án",
                        line.chars().next().unwrap_or('?'),
                        options.len()
                    ),
                ));
            }
            options.push(text);
        } else if options.is_empty() {
            stem.push(line);
        } else {
            return Err((
                line_no,
                "text after the options must be an ANSWER: line".into(),
                "sau các phương án phải là dòng ANSWER:".into(),
            ));
        }
    }
    let Some((answer_line_no, letter)) = answer else {
        return Err((
            start,
            "question has no ANSWER: line".into(),
            "câu hỏi thiếu dòng ANSWER:".into(),
        ));
    };
    let index = match letter.chars().collect::<Vec<_>>().as_slice() {
        [c] if c.is_ascii_alphabetic() => c.to_ascii_uppercase() as usize - 'A' as usize,
        _ => usize::MAX,
    };
    if index >= options.len() {
        return Err((
            answer_line_no,
            format!(
                "ANSWER: {letter} does not name one of the {} options",
                options.len()
            ),
            format!(
                "ANSWER: {letter} không trỏ tới phương án nào trong {} phương án",
                options.len()
            ),
        ));
    }
    Ok((stem.join("\n"), options, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TopicRef;
    use crate::{Limits, ReadOptions};

    fn read_str(text: &str) -> ReadReport {
        let options = ReadOptions {
            default_topic: Some(TopicRef {
                code: "law".into(),
                name: "Pháp luật".into(),
            }),
            ..ReadOptions::default()
        };
        crate::read_with(text.as_bytes(), "q.txt", &options)
    }

    #[test]
    fn reads_questions() {
        let report = read_str(
            "Đoàn TNCS Hồ Chí Minh được thành lập ngày nào?\nA. 26/3/1931\nB) 3/2/1930\nC. 19/5/1941\nANSWER: A\n\nCâu hai\ndòng hai?\nA. x\nB. y\nANSWER: b\n",
        );
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions.len(), 2);
        assert_eq!(report.questions[1].text, "Câu hai\ndòng hai?");
        assert!(report.questions[1].options[1].correct);
        assert_eq!(report.lines, vec![Some(1), Some(7)]);
        assert_eq!(report.questions[0].topic.code, "law");
    }

    #[test]
    fn bad_blocks_point_at_lines() {
        let report = read_str(
            "Q1?\nA. x\nB. y\n\nQ2?\nA. x\nB. y\nANSWER: C\n\nQ3?\nA. x\nC. y\nANSWER: A\n",
        );
        let lines: Vec<_> = report.problems.iter().map(|p| p.line_or_row).collect();
        assert_eq!(
            lines,
            vec![Some(1), Some(8), Some(12)],
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn without_default_topic_falls_back_with_warning() {
        let report = crate::read(
            b"Q?\nA. x\nB. y\nANSWER: A\n",
            "q.aiken",
            &Limits::default(),
        );
        assert!(report.is_ok());
        assert_eq!(
            report.questions[0].topic.code,
            crate::formats::FALLBACK_TOPIC_CODE
        );
        assert_eq!(report.warnings.len(), 1);
    }
}

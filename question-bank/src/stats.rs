//! Counts of questions by topic, difficulty, kind and status, and how their answers are spread
//! ([`Balance`]), for `question-bank stats`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::Balance;
use crate::model::Question;

/// Question counts; maps are sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// All questions.
    pub total: usize,
    /// By topic code.
    pub by_topic: BTreeMap<String, usize>,
    /// By difficulty (`easy`, `medium`, `hard`).
    pub by_difficulty: BTreeMap<String, usize>,
    /// By kind (`single`, `multiple`, `true_false`).
    pub by_kind: BTreeMap<String, usize>,
    /// By status (`draft`, `active`, `retired`).
    pub by_status: BTreeMap<String, usize>,
    /// Key positions, longest-option keys and true/false answers of the questions not retired.
    pub balance: Balance,
}

fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl Stats {
    /// Counts `questions`.
    pub fn of(questions: &[Question]) -> Self {
        let mut stats = Self {
            total: questions.len(),
            ..Self::default()
        };
        for q in questions {
            *stats.by_topic.entry(q.topic.code.clone()).or_default() += 1;
            *stats.by_difficulty.entry(name(&q.difficulty)).or_default() += 1;
            *stats.by_kind.entry(name(&q.kind)).or_default() += 1;
            *stats.by_status.entry(name(&q.status)).or_default() += 1;
        }
        stats.balance = Balance::of(questions);
        stats
    }

    /// A plain-text table per dimension.
    pub fn to_table(&self) -> String {
        let mut out = format!("questions: {}\n", self.total);
        for (title, map) in [
            ("topic", &self.by_topic),
            ("difficulty", &self.by_difficulty),
            ("kind", &self.by_kind),
            ("status", &self.by_status),
        ] {
            let width = map
                .keys()
                .map(String::len)
                .max()
                .unwrap_or(0)
                .max(title.len());
            out.push_str(&format!("\n{title:<width$}  count\n"));
            for (key, count) in map {
                out.push_str(&format!("{key:<width$}  {count:>5}\n"));
            }
        }
        let b = &self.balance;
        let share = |k: usize, n: usize| {
            if n == 0 {
                0.0
            } else {
                100.0 * k as f64 / n as f64
            }
        };
        out.push_str("\nsingle-choice key  count  share  (not retired)\n");
        for (letter, count) in &b.key_positions {
            let pct = share(*count, b.single_choice);
            out.push_str(&format!("{letter:<17}  {count:>5}  {pct:>4.0}%\n"));
        }
        out.push_str(&format!(
            "\npicking the longest option scores {:.1}% of {} single-choice (strictly longest key: {})\n",
            100.0 * b.longest_guess_share(),
            b.single_choice,
            b.key_strictly_longest()
        ));
        out.push_str(&format!(
            "true/false answered true: {} of {} ({:.0}%)\n",
            b.true_answers,
            b.true_false,
            share(b.true_answers, b.true_false)
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_dimension() {
        let q = crate::formats::example_question();
        let stats = Stats::of(&[q.clone(), q]);
        assert_eq!(stats.total, 2);
        assert_eq!(stats.by_kind.get("single"), Some(&2));
        assert_eq!(stats.by_difficulty.get("easy"), Some(&2));
        assert!(stats.to_table().contains("history.youth_union      2"));
        assert_eq!(stats.balance.key_positions.get(&'A'), Some(&2));
        assert!(
            stats
                .to_table()
                .contains("picking the longest option scores 50.0% of 2 single-choice"),
            "{}",
            stats.to_table()
        );
    }
}

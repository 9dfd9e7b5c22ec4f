//! Item statistics: how a question performed, so organizers can find and fix bad ones.
//!
//! - facility: the share who answered correctly (too close to 0 or 1 tells little);
//! - discrimination: the share correct in the top 27% of attempts by total score minus the share
//!   correct in the bottom 27% (classical upper–lower index; negative values flag a question
//!   that strong entrants get wrong, often a wrong key or an ambiguous stem);
//! - the share choosing each option (a distractor nobody picks is not doing its job).

use crate::domain::ids::OptionId;

/// Fewest answers before discrimination is computed; below it one answer swings it wildly.
pub const MIN_FOR_DISCRIMINATION: usize = 10;

/// The statistics of one question version.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemStats {
    /// Times shown in finished attempts.
    pub shown: u64,
    /// Times left unanswered.
    pub unanswered: u64,
    /// Share correct (None before any answer).
    pub facility: Option<f64>,
    /// Upper–lower 27% discrimination (None below [`MIN_FOR_DISCRIMINATION`]).
    pub discrimination: Option<f64>,
    /// Share of attempts choosing each option, in the order given.
    pub option_shares: Vec<(OptionId, f64)>,
}

/// Computes the statistics from `(selected options, correct, attempt score)` triples.
pub fn compute(items: &[(Vec<OptionId>, bool, i64)], option_ids: &[OptionId]) -> ItemStats {
    let n = items.len();
    let share = |count: usize| if n == 0 { 0.0 } else { count as f64 / n as f64 };
    let correct = items.iter().filter(|i| i.1).count();
    let discrimination = (n >= MIN_FOR_DISCRIMINATION).then(|| {
        let mut by_score: Vec<&(Vec<OptionId>, bool, i64)> = items.iter().collect();
        by_score.sort_by_key(|i| std::cmp::Reverse(i.2));
        let group = ((n as f64) * 0.27).round().max(1.0) as usize;
        let p = |g: &[&(Vec<OptionId>, bool, i64)]| {
            g.iter().filter(|i| i.1).count() as f64 / g.len() as f64
        };
        p(&by_score[..group]) - p(&by_score[n - group..])
    });
    ItemStats {
        shown: n as u64,
        unanswered: items.iter().filter(|i| i.0.is_empty()).count() as u64,
        facility: (n > 0).then(|| share(correct)),
        discrimination,
        option_shares: option_ids
            .iter()
            .map(|o| (*o, share(items.iter().filter(|i| i.0.contains(o)).count())))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_question_discriminates_and_a_miskeyed_one_does_not() {
        let (right, wrong) = (OptionId::new(), OptionId::new());
        // Strong entrants (high scores) answer right, weak ones wrong.
        let good: Vec<(Vec<OptionId>, bool, i64)> = (0..100)
            .map(|s| {
                if s >= 50 {
                    (vec![right], true, s)
                } else {
                    (vec![wrong], false, s)
                }
            })
            .collect();
        let stats = compute(&good, &[right, wrong]);
        assert_eq!(stats.shown, 100);
        assert_eq!(stats.facility, Some(0.5));
        assert_eq!(stats.discrimination, Some(1.0));
        assert_eq!(stats.option_shares, vec![(right, 0.5), (wrong, 0.5)]);
        // The same answers with the key the wrong way round.
        let miskeyed: Vec<(Vec<OptionId>, bool, i64)> = good
            .iter()
            .map(|(sel, ok, s)| (sel.clone(), !ok, *s))
            .collect();
        assert_eq!(
            compute(&miskeyed, &[right, wrong]).discrimination,
            Some(-1.0)
        );
    }

    #[test]
    fn small_samples_give_no_discrimination() {
        let o = OptionId::new();
        let items = vec![(vec![o], true, 10), (vec![], false, 0)];
        let stats = compute(&items, &[o]);
        assert_eq!(
            (stats.facility, stats.discrimination, stats.unanswered),
            (Some(0.5), None, 1)
        );
        assert_eq!(compute(&[], &[o]).facility, None);
    }
}

//! Reordering answer options for exports, reproducibly from a seed.
//!
//! The bank keeps options in the order they were written, which for the starter bank put
//! nearly every key on A (issue #19); an export shuffled here does not give that away. The
//! generator is a small SplitMix64 written out below rather than `rand`, so the same seed gives
//! the same file with every build of this crate, whatever `rand` does to its algorithms.

use crate::fold::fold;
use crate::model::Question;

/// Shuffles the options of every question. Each question's order depends only on `seed` and
/// its folded stem, so a question keeps its order whatever else is exported with it.
pub fn shuffle_options(questions: &mut [Question], seed: u64) {
    for q in questions {
        let mut rng = SplitMix64(seed ^ fnv1a(fold(&q.text).as_bytes()));
        // Fisher–Yates, from the end.
        for i in (1..q.options.len()).rev() {
            let j = rng.below(i + 1);
            q.options.swap(i, j);
        }
    }
}

/// FNV-1a, 64 bits: a fixed, dependency-free hash of the stem.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, well mixed, fixed forever.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` ≤ 6 here, so the modulo bias is below 1e-18).
    fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        usize::try_from(self.next() % n64).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Balance;
    use crate::model::{QuestionOption, TopicRef};

    fn question(n: usize) -> Question {
        let mut q = Question::new(
            TopicRef {
                code: "law".into(),
                name: "Pháp luật".into(),
            },
            format!("Câu hỏi số {n}?"),
        );
        q.options = ["Một", "Hai", "Ba", "Bốn"]
            .iter()
            .enumerate()
            .map(|(i, t)| QuestionOption {
                text: (*t).into(),
                correct: i == 0,
                image: None,
            })
            .collect();
        q
    }

    #[test]
    fn same_seed_same_order_and_nothing_lost() {
        let original: Vec<Question> = (0..50).map(question).collect();
        let mut a = original.clone();
        let mut b = original.clone();
        shuffle_options(&mut a, 42);
        shuffle_options(&mut b, 42);
        assert_eq!(a, b);
        for (shuffled, before) in a.iter().zip(&original) {
            let mut texts: Vec<&str> = shuffled.options.iter().map(|o| o.text.as_str()).collect();
            texts.sort_unstable();
            assert_eq!(texts, vec!["Ba", "Bốn", "Hai", "Một"]);
            let key = shuffled.options.iter().find(|o| o.correct).unwrap();
            assert_eq!(key.text, "Một", "the key moves with its text");
            assert_eq!(shuffled.text, before.text);
        }
        let mut c = original;
        shuffle_options(&mut c, 43);
        assert_ne!(a, c, "another seed, another order");
    }

    #[test]
    fn a_question_keeps_its_order_whatever_comes_with_it() {
        let mut alone = vec![question(7)];
        let mut among: Vec<Question> = (0..10).map(question).collect();
        shuffle_options(&mut alone, 9);
        shuffle_options(&mut among, 9);
        assert_eq!(alone[0], among[7]);
    }

    #[test]
    fn keys_all_on_a_spread_over_every_position() {
        let mut questions: Vec<Question> = (0..200).map(question).collect();
        shuffle_options(&mut questions, 2026);
        let balance = Balance::of(&questions);
        for (letter, count) in &balance.key_positions {
            assert!((30..=70).contains(count), "{letter}: {count} of 200");
        }
    }

    #[test]
    fn splitmix_is_fixed() {
        // First outputs for seed 0, from the reference implementation.
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next(), 0x6e78_9e6a_a1b9_65f4);
    }
}

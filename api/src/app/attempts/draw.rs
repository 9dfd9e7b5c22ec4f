//! The draw: which questions an attempt shows, in which order, with options in which order.
//!
//! Pure and seeded: the same seed and the same candidates give the same attempt, so any attempt
//! can be reproduced from the seed stored with it.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use uuid::Uuid;

/// One quota's candidates (any order; sorted here so the draw does not depend on query order)
/// and how many to take.
#[derive(Debug, Clone)]
pub struct Group {
    /// Candidate question ids.
    pub candidates: Vec<Uuid>,
    /// How many to draw.
    pub count: usize,
}

/// The pool cannot supply the draw (questions retired or expired since the round was set up).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("group {group} needs {needed} questions but only {available} are available")]
pub struct PoolTooSmall {
    /// Which group.
    pub group: usize,
    /// Needed.
    pub needed: usize,
    /// Available.
    pub available: usize,
}

/// Draws from each group in turn (never the same question twice), then shuffles the order if
/// asked. With `keep_order` false the order follows the groups.
pub fn draw(groups: &[Group], shuffle: bool, seed: u64) -> Result<Vec<Uuid>, PoolTooSmall> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut drawn: Vec<Uuid> = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let mut candidates: Vec<Uuid> = group
            .candidates
            .iter()
            .copied()
            .filter(|id| !drawn.contains(id))
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        if candidates.len() < group.count {
            return Err(PoolTooSmall {
                group: i,
                needed: group.count,
                available: candidates.len(),
            });
        }
        let (chosen, _) = candidates.partial_shuffle(&mut rng, group.count);
        let mut chosen = chosen.to_vec();
        chosen.sort_unstable();
        drawn.extend(chosen);
    }
    if shuffle {
        drawn.shuffle(&mut rng);
    }
    Ok(drawn)
}

/// The order to show a question's options in: shuffled by a seed derived from the attempt's
/// seed and the question, so it is stable across reloads.
pub fn option_order(option_count: usize, shuffle: bool, seed: u64, question: Uuid) -> Vec<usize> {
    let mut order: Vec<usize> = (0..option_count).collect();
    if shuffle {
        let mut rng =
            StdRng::seed_from_u64(seed ^ question.as_u64_pair().0 ^ question.as_u64_pair().1);
        order.shuffle(&mut rng);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::now_v7()).collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_attempt() {
        let groups = vec![
            Group {
                candidates: ids(30),
                count: 5,
            },
            Group {
                candidates: ids(10),
                count: 2,
            },
        ];
        assert_eq!(draw(&groups, true, 42), draw(&groups, true, 42));
        assert_ne!(draw(&groups, true, 42), draw(&groups, true, 43));
    }

    #[test]
    fn quotas_are_met_and_nothing_is_drawn_twice() {
        let a = ids(10);
        let b: Vec<Uuid> = a[..5].to_vec();
        let groups = vec![
            Group {
                candidates: a.clone(),
                count: 8,
            },
            Group {
                candidates: b,
                count: 0,
            },
            Group {
                candidates: ids(3),
                count: 3,
            },
        ];
        for seed in 0..50 {
            let d = draw(&groups, true, seed).expect("draw");
            assert_eq!(d.len(), 11);
            let mut unique = d.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 11);
            assert_eq!(d.iter().filter(|id| a.contains(id)).count(), 8);
        }
    }

    #[test]
    fn overlapping_groups_exclude_what_was_drawn() {
        let shared = ids(3);
        let groups = vec![
            Group {
                candidates: shared.clone(),
                count: 2,
            },
            Group {
                candidates: shared,
                count: 2,
            },
        ];
        assert_eq!(
            draw(&groups, false, 1),
            Err(PoolTooSmall {
                group: 1,
                needed: 2,
                available: 1
            })
        );
    }

    #[test]
    fn option_orders_are_permutations_and_stable() {
        let q = Uuid::now_v7();
        let order = option_order(4, true, 7, q);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 1, 2, 3]);
        assert_eq!(order, option_order(4, true, 7, q));
        assert_eq!(option_order(4, false, 7, q), vec![0, 1, 2, 3]);
    }
}

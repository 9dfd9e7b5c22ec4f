//! The final ranking of a closed round: the prediction's true value, the contest's tie-break
//! chain, "perfect scores only", and the individual prizes. Pure functions here; the route
//! loads the attempts and writes the result.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::contest::{Prediction, PrizeTier, TieBreakKey, UnitPrizeBasis, UnitPrizes};
use crate::domain::ids::{AttemptId, UnitId, UserId};

/// A finished, counting attempt as the final ranking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Entrant.
    pub user_id: UserId,
    /// Attempt.
    pub attempt_id: AttemptId,
    /// The unit it counts for.
    pub unit_id: UnitId,
    /// Score.
    pub score: i64,
    /// Maximum score.
    pub max_score: i64,
    /// Prediction, if given in time.
    pub prediction: Option<i64>,
    /// Time used (ms).
    pub time_used_ms: i64,
    /// Finish time.
    pub finished_at: DateTime<Utc>,
}

impl Finished {
    fn is_perfect(&self) -> bool {
        self.max_score > 0 && self.score == self.max_score
    }
}

/// One line of the final ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// The counted attempt.
    pub entry: Finished,
    /// 1-based rank; entries equal on every key of the chain share it.
    pub rank: i32,
    /// |prediction − actual|, when both are known.
    pub prediction_error: Option<i64>,
    /// The prize won.
    pub prize: Option<String>,
}

/// Each entrant's counted attempt: the best score, then less time, then the earlier finish
/// (the same rule as the live boards).
pub fn best_per_entrant(attempts: impl IntoIterator<Item = Finished>) -> Vec<Finished> {
    let mut best: HashMap<UserId, Finished> = HashMap::new();
    for a in attempts {
        let key = |f: &Finished| (-f.score, f.time_used_ms, f.finished_at);
        match best.get(&a.user_id) {
            Some(b) if key(b) <= key(&a) => {}
            _ => {
                best.insert(a.user_id, a);
            }
        }
    }
    best.into_values().collect()
}

/// The true value of the prediction question among the counted attempts.
pub fn prediction_actual(kind: Option<Prediction>, counted: &[Finished]) -> Option<i64> {
    let n = match kind? {
        Prediction::Participants => counted.len(),
        // Each entrant counts once: their counted attempt is their best, so it is perfect
        // exactly when they had any perfect attempt.
        Prediction::AllCorrect => counted.iter().filter(|f| f.is_perfect()).count(),
    };
    Some(i64::try_from(n).unwrap_or(i64::MAX))
}

fn compare(a: &Finished, b: &Finished, chain: &[TieBreakKey], actual: Option<i64>) -> Ordering {
    // A missing prediction ranks after every given one.
    let error = |f: &Finished| match (f.prediction, actual) {
        (Some(p), Some(x)) => (p - x).unsigned_abs(),
        _ => u64::MAX,
    };
    for key in chain {
        let o = match key {
            TieBreakKey::Score => b.score.cmp(&a.score),
            TieBreakKey::Prediction => error(a).cmp(&error(b)),
            TieBreakKey::TimeUsed => a.time_used_ms.cmp(&b.time_used_ms),
            TieBreakKey::FinishedAt => a.finished_at.cmp(&b.finished_at),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// What prizes to give and to whom.
#[derive(Debug, Clone)]
pub struct PrizeRules<'a> {
    /// Levels, best first.
    pub tiers: &'a [PrizeTier],
    /// Only perfect scores win.
    pub perfect_only: bool,
    /// People passed over (they hold a prize from another round, with one prize per person).
    pub passed_over: &'a HashSet<UserId>,
}

/// Ranks the counted attempts by `chain` (entries equal on every key share a rank, the next
/// rank skipping as in "1, 2, 2, 4") and hands out the prizes in rank order. Entries sharing a
/// rank are never split: if a tie reaches past a level's count, everyone in it gets that level.
pub fn rank(
    mut counted: Vec<Finished>,
    chain: &[TieBreakKey],
    actual: Option<i64>,
    prizes: &PrizeRules<'_>,
) -> Vec<Ranked> {
    // The user id settles the order within a shared rank, so the list is reproducible.
    counted.sort_by(|a, b| compare(a, b, chain, actual).then(a.user_id.cmp(&b.user_id)));
    let mut out: Vec<Ranked> = Vec::with_capacity(counted.len());
    for (i, entry) in counted.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if compare(&prev.entry, &entry, chain, actual) == Ordering::Equal => {
                prev.rank
            }
            _ => i32::try_from(i + 1).unwrap_or(i32::MAX),
        };
        let prediction_error = entry.prediction.zip(actual).map(|(p, x)| (p - x).abs());
        out.push(Ranked {
            entry,
            rank,
            prediction_error,
            prize: None,
        });
    }
    award(&mut out, prizes);
    out
}

fn award(ranked: &mut [Ranked], rules: &PrizeRules<'_>) {
    let mut tiers = rules.tiers.iter().filter(|t| t.count > 0);
    let Some(mut tier) = tiers.next() else { return };
    let mut left = tier.count;
    let mut last_rank = None;
    for line in ranked.iter_mut() {
        let eligible = (!rules.perfect_only || line.entry.is_perfect())
            && !rules.passed_over.contains(&line.entry.user_id);
        if !eligible {
            continue;
        }
        if left == 0 {
            if last_rank == Some(line.rank) {
                // Same rank as the last winner of this level: the tie is not split.
                line.prize = Some(tier.name.clone());
                continue;
            }
            match tiers.next() {
                Some(next) => {
                    tier = next;
                    left = tier.count;
                }
                None => return,
            }
        }
        line.prize = Some(tier.name.clone());
        left -= 1;
        last_rank = Some(line.rank);
    }
}

/// A unit competing for unit prizes: its subtree's counted entrants and prizes.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitEntry {
    /// Unit.
    pub unit_id: Uuid,
    /// Name (orders equal units).
    pub name: String,
    /// Entrants of its subtree in the final ranking.
    pub participants: i64,
    /// Declared members.
    pub members: Option<i32>,
    /// Individual prizes won in its subtree.
    pub prizes_won: i64,
}

/// A unit's place for unit prizes.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRanked {
    /// The unit.
    pub entry: UnitEntry,
    /// 1-based; equal values share it.
    pub rank: i32,
    /// participants ÷ members, without a positive member count none.
    pub rate: Option<f64>,
    /// The value ranked on (participants, rate, or rate in percent plus prize points).
    pub points: Option<f64>,
    /// The unit prize.
    pub prize: Option<String>,
}

/// Ranks units for unit prizes by the configured basis and hands out the tiers. A unit without
/// a positive member count has no rate, ranks after every unit that has one and wins nothing
/// on a rate-based basis (its rate is unknown, not zero). A unit none of whose members entered
/// wins nothing, whatever prizes are left over.
pub fn rank_units(entries: Vec<UnitEntry>, rules: &UnitPrizes) -> Vec<UnitRanked> {
    #[allow(clippy::cast_precision_loss)]
    let mut lines: Vec<UnitRanked> = entries
        .into_iter()
        .map(|entry| {
            let rate = entry
                .members
                .filter(|m| *m > 0)
                .map(|m| entry.participants as f64 / f64::from(m));
            let points = match rules.basis {
                UnitPrizeBasis::Participants => Some(entry.participants as f64),
                UnitPrizeBasis::Rate => rate,
                UnitPrizeBasis::Weighted => rate.map(|r| {
                    r * 100.0 + f64::from(rules.points_per_prize) * entry.prizes_won as f64
                }),
            };
            UnitRanked {
                entry,
                rank: 0,
                rate,
                points,
                prize: None,
            }
        })
        .collect();
    let order = |a: &UnitRanked, b: &UnitRanked| match (a.points, b.points) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    lines.sort_by(|a, b| order(a, b).then_with(|| a.entry.name.cmp(&b.entry.name)));
    for i in 0..lines.len() {
        lines[i].rank = if i > 0 && order(&lines[i - 1], &lines[i]) == Ordering::Equal {
            lines[i - 1].rank
        } else {
            i32::try_from(i + 1).unwrap_or(i32::MAX)
        };
    }
    let mut tiers = rules.tiers.iter().filter(|t| t.count > 0);
    let Some(mut tier) = tiers.next() else {
        return lines;
    };
    let mut left = tier.count;
    let mut last_rank = None;
    for line in &mut lines {
        if line.points.is_none() {
            break;
        }
        if line.entry.participants == 0 {
            continue;
        }
        if left == 0 {
            if last_rank == Some(line.rank) {
                line.prize = Some(tier.name.clone());
                continue;
            }
            match tiers.next() {
                Some(next) => {
                    tier = next;
                    left = tier.count;
                }
                None => break,
            }
        }
        line.prize = Some(tier.name.clone());
        left -= 1;
        last_rank = Some(line.rank);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contest::DEFAULT_TIE_BREAK;

    fn f(user: u128, score: i64, prediction: Option<i64>, time: i64, at: i64) -> Finished {
        Finished {
            user_id: UserId::from_uuid(Uuid::from_u128(user)),
            attempt_id: AttemptId::from_uuid(Uuid::from_u128(user + 1000)),
            unit_id: UnitId::from_uuid(Uuid::nil()),
            score,
            max_score: 10,
            prediction,
            time_used_ms: time,
            finished_at: DateTime::from_timestamp(at, 0).unwrap_or_default(),
        }
    }

    fn tier(name: &str, count: u32) -> PrizeTier {
        PrizeTier {
            name: name.into(),
            count,
        }
    }

    #[test]
    fn the_default_chain_orders_score_prediction_time_finish() {
        let entries = vec![
            f(1, 9, Some(100), 50, 10),
            f(2, 10, Some(500), 90, 10),
            f(3, 10, Some(120), 90, 10),
            f(4, 10, Some(120), 80, 20),
            f(5, 10, Some(120), 80, 15),
            f(6, 10, None, 1, 1),
        ];
        let none = HashSet::new();
        let rules = PrizeRules {
            tiers: &[],
            perfect_only: false,
            passed_over: &none,
        };
        let order: Vec<u128> = rank(entries, &DEFAULT_TIE_BREAK, Some(110), &rules)
            .iter()
            .map(|r| r.entry.user_id.into_uuid().as_u128())
            .collect();
        assert_eq!(order, vec![5, 4, 3, 2, 6, 1]);
    }

    #[test]
    fn equal_on_every_key_shares_a_rank_and_the_prize() {
        let chain = [TieBreakKey::Score];
        let entries = vec![
            f(1, 10, None, 1, 1),
            f(2, 9, None, 1, 1),
            f(3, 9, None, 2, 2),
            f(4, 8, None, 1, 1),
        ];
        let none = HashSet::new();
        let tiers = [tier("Nhất", 1), tier("Nhì", 1), tier("Ba", 1)];
        let rules = PrizeRules {
            tiers: &tiers,
            perfect_only: false,
            passed_over: &none,
        };
        let ranked = rank(entries, &chain, None, &rules);
        let got: Vec<(i32, Option<&str>)> = ranked
            .iter()
            .map(|r| (r.rank, r.prize.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, Some("Nhất")),
                (2, Some("Nhì")),
                (2, Some("Nhì")),
                (4, Some("Ba"))
            ]
        );
    }

    #[test]
    fn perfect_only_and_passed_over_skip_to_the_next() {
        let entries = vec![
            f(1, 10, None, 1, 1),
            f(2, 10, None, 2, 2),
            f(3, 10, None, 3, 3),
            f(4, 9, None, 1, 1),
        ];
        let passed: HashSet<UserId> = [UserId::from_uuid(Uuid::from_u128(1))].into();
        let tiers = [tier("Nhất", 1), tier("KK", 5)];
        let rules = PrizeRules {
            tiers: &tiers,
            perfect_only: true,
            passed_over: &passed,
        };
        let ranked = rank(entries, &DEFAULT_TIE_BREAK, None, &rules);
        let prizes: Vec<Option<&str>> = ranked.iter().map(|r| r.prize.as_deref()).collect();
        assert_eq!(prizes, vec![None, Some("Nhất"), Some("KK"), None]);
    }

    #[test]
    fn the_best_attempt_counts_and_the_earlier_wins_a_tie() {
        let mut a = f(1, 8, None, 10, 100);
        let b = f(1, 8, None, 10, 50);
        let c = f(1, 7, None, 1, 1);
        a.attempt_id = AttemptId::from_uuid(Uuid::from_u128(77));
        let best = best_per_entrant([a, b.clone(), c]);
        assert_eq!(best, vec![b]);
    }

    #[test]
    fn prediction_actual_counts_entrants() {
        let counted = vec![
            f(1, 10, None, 1, 1),
            f(2, 9, None, 1, 1),
            f(3, 10, None, 1, 1),
        ];
        assert_eq!(
            prediction_actual(Some(Prediction::AllCorrect), &counted),
            Some(2)
        );
        assert_eq!(
            prediction_actual(Some(Prediction::Participants), &counted),
            Some(3)
        );
        assert_eq!(prediction_actual(None, &counted), None);
    }

    fn unit(name: &str, participants: i64, members: Option<i32>, prizes_won: i64) -> UnitEntry {
        UnitEntry {
            unit_id: Uuid::new_v4(),
            name: name.into(),
            participants,
            members,
            prizes_won,
        }
    }

    #[test]
    fn unit_prizes_by_rate_skip_units_without_members() {
        let rules = UnitPrizes {
            basis: UnitPrizeBasis::Rate,
            tiers: vec![tier("Nhất", 1), tier("Nhì", 1)],
            points_per_prize: 0,
        };
        let ranked = rank_units(
            vec![
                unit("A", 50, Some(100), 0),
                unit("B", 9, Some(10), 0),
                unit("C", 500, None, 0),
                unit("D", 0, Some(0), 0),
                unit("E", 5, Some(10), 0),
            ],
            &rules,
        );
        let got: Vec<(&str, i32, Option<&str>)> = ranked
            .iter()
            .map(|u| (u.entry.name.as_str(), u.rank, u.prize.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("B", 1, Some("Nhất")),
                ("A", 2, Some("Nhì")),
                ("E", 2, Some("Nhì")),
                ("C", 4, None),
                ("D", 4, None),
            ]
        );
    }

    #[test]
    fn a_unit_none_of_whose_members_entered_wins_no_unit_prize() {
        for basis in [
            UnitPrizeBasis::Participants,
            UnitPrizeBasis::Rate,
            UnitPrizeBasis::Weighted,
        ] {
            let rules = UnitPrizes {
                basis,
                tiers: vec![tier("Nhất", 1), tier("Nhì", 1), tier("Ba", 1)],
                points_per_prize: 10,
            };
            let ranked = rank_units(
                vec![
                    unit("A", 5, Some(10), 1),
                    unit("B", 0, Some(10), 0),
                    unit("C", 0, Some(20), 0),
                ],
                &rules,
            );
            let won: Vec<(&str, Option<&str>)> = ranked
                .iter()
                .map(|u| (u.entry.name.as_str(), u.prize.as_deref()))
                .collect();
            assert_eq!(
                won,
                vec![("A", Some("Nhất")), ("B", None), ("C", None)],
                "{basis:?}"
            );
        }
    }

    #[test]
    fn weighted_unit_prizes_add_points_for_prizes_won() {
        let rules = UnitPrizes {
            basis: UnitPrizeBasis::Weighted,
            tiers: vec![tier("Tập thể", 1)],
            points_per_prize: 10,
        };
        // A: 50% + 0; B: 40% + 2 prizes × 10 = 60.
        let ranked = rank_units(
            vec![unit("A", 5, Some(10), 0), unit("B", 4, Some(10), 2)],
            &rules,
        );
        assert_eq!(ranked[0].entry.name, "B");
        assert_eq!(ranked[0].points, Some(60.0));
        assert_eq!(ranked[0].prize.as_deref(), Some("Tập thể"));
        let by_participants = rank_units(
            vec![unit("A", 5, None, 0), unit("B", 7, None, 0)],
            &UnitPrizes {
                basis: UnitPrizeBasis::Participants,
                tiers: vec![tier("Đông nhất", 1)],
                points_per_prize: 0,
            },
        );
        assert_eq!(by_participants[0].entry.name, "B");
        assert_eq!(by_participants[0].prize.as_deref(), Some("Đông nhất"));
    }

    /// Every chain `parse_tie_break` allows: score first, then any ordered subset of the rest.
    fn every_chain() -> Vec<Vec<TieBreakKey>> {
        let rest = [
            TieBreakKey::Prediction,
            TieBreakKey::TimeUsed,
            TieBreakKey::FinishedAt,
        ];
        let mut chains = vec![vec![TieBreakKey::Score]];
        let mut frontier = chains.clone();
        for _ in 0..rest.len() {
            let mut next = Vec::new();
            for chain in &frontier {
                for k in rest {
                    if !chain.contains(&k) {
                        let mut c = chain.clone();
                        c.push(k);
                        next.push(c);
                    }
                }
            }
            chains.extend(next.clone());
            frontier = next;
        }
        chains
    }

    #[test]
    fn every_allowed_chain_ranks_like_an_independent_sort() {
        use rand::Rng;
        let chains = every_chain();
        assert_eq!(chains.len(), 16);
        let mut rng = rand::rng();
        let none = HashSet::new();
        let rules = PrizeRules {
            tiers: &[],
            perfect_only: false,
            passed_over: &none,
        };
        for chain in &chains {
            assert!(crate::domain::contest::parse_tie_break(chain.clone()).is_ok());
            for _ in 0..50 {
                let actual = 5;
                let entries: Vec<Finished> = (0..30)
                    .map(|i| {
                        f(
                            i,
                            rng.random_range(8..=10),
                            if rng.random_bool(0.8) {
                                Some(rng.random_range(3..=7))
                            } else {
                                None
                            },
                            rng.random_range(0..3),
                            rng.random_range(0..3),
                        )
                    })
                    .collect();
                // The independent key: one tuple per entry, built from the chain.
                let key = |e: &Finished| -> Vec<i64> {
                    chain
                        .iter()
                        .map(|k| match k {
                            TieBreakKey::Score => -e.score,
                            TieBreakKey::Prediction => {
                                e.prediction.map_or(i64::MAX, |p| (p - actual).abs())
                            }
                            TieBreakKey::TimeUsed => e.time_used_ms,
                            TieBreakKey::FinishedAt => e.finished_at.timestamp(),
                        })
                        .collect()
                };
                let ranked = rank(entries.clone(), chain, Some(actual), &rules);
                for pair in ranked.windows(2) {
                    let (a, b) = (&pair[0], &pair[1]);
                    assert!(key(&a.entry) <= key(&b.entry), "{chain:?}");
                    assert_eq!(
                        a.rank == b.rank,
                        key(&a.entry) == key(&b.entry),
                        "{chain:?}"
                    );
                }
                for r in &ranked {
                    let better = entries.iter().filter(|e| key(e) < key(&r.entry)).count();
                    assert_eq!(r.rank as usize, better + 1, "{chain:?}");
                }
            }
        }
    }
}

//! Round-wide results: the counters and each member's best attempt, kept in an order usable as
//! a live leaderboard. Pure encoding here; the backends store it.
//!
//! # Implementation notes
//! The live ranking is score ↓, then time used ↑, then finish time ↑ (DOMAIN.md, Contests; the
//! prediction only enters the final ranking when the round closes). A Redis sorted-set score is
//! an `f64`, exact only up to 2^53, which cannot hold all three keys at millisecond precision.
//! So the entry is a pair ordered like a sorted set orders it, ascending (rank 0 = best):
//!
//! * `composite = (MAX_SCORE - score) * 2^32 + time_used_ms` (< 2^52, exact in an `f64`);
//! * `member = "<finished_at_ms, 13 digits>:<user id>"`: Redis orders equal scores by the
//!   member's bytes, so the earlier finish comes first, and the user id makes every entry
//!   distinct and the order total.
//!
//! `score` is clamped to `0..=MAX_SCORE` (attempts are validated to fit), `time_used_ms` to
//! `0..2^32` ms (49 days, far beyond any attempt), `finished_at_ms` to 13 digits (year 2286).

use uuid::Uuid;

use super::attempt::AttemptResult;
use crate::domain::ids::{AttemptId, ContestId, RoundId};

/// Largest score the encoding holds exactly (2^20 − 1).
pub const MAX_SCORE: i64 = (1 << 20) - 1;

const TIME_BITS: u32 = 32;
const MAX_TIME: i64 = (1 << TIME_BITS) - 1;
const MAX_FINISHED_AT: i64 = 9_999_999_999_999;

/// How long round-wide keys live after the last recorded result. The database is the record;
/// this only bounds what an abandoned round leaves in Redis.
pub const ROUND_RETENTION_MS: i64 = 60 * 24 * 60 * 60 * 1000;

/// One member's position in a round's leaderboard; smaller `(composite, member)` ranks higher.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeaderboardEntry {
    /// Score and time used (see the module notes).
    pub composite: u64,
    /// Finish time and user (see the module notes).
    pub member: String,
}

impl LeaderboardEntry {
    /// Encodes a result's ranking keys.
    pub fn encode(score: i64, time_used_ms: i64, finished_at_ms: i64, user_id: Uuid) -> Self {
        let score = score.clamp(0, MAX_SCORE).unsigned_abs();
        let time = time_used_ms.clamp(0, MAX_TIME).unsigned_abs();
        let finished_at = finished_at_ms.clamp(0, MAX_FINISHED_AT);
        Self {
            composite: ((MAX_SCORE.unsigned_abs() - score) << TIME_BITS) | time,
            member: format!("{finished_at:013}:{user_id}"),
        }
    }

    /// The entry for a finished attempt.
    pub fn of(result: &AttemptResult) -> Self {
        Self::encode(
            result.score,
            result.time_used_ms,
            result.finished_at_ms,
            result.user_id.into_uuid(),
        )
    }

    /// The score this entry encodes (clamped).
    pub fn score(&self) -> i64 {
        MAX_SCORE - i64::try_from(self.composite >> TIME_BITS).unwrap_or(MAX_SCORE)
    }
}

/// Counts over a round's recorded results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundCounters {
    /// Distinct members with at least one finished attempt.
    pub participants: i64,
    /// Finished attempts recorded.
    pub finished_attempts: i64,
    /// Finished attempts with every question right.
    pub perfect_attempts: i64,
    /// Distinct members with at least one perfect attempt (the usual prediction target).
    pub perfect_participants: i64,
}

/// Who a result belongs to, as the boards show and group it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrant {
    /// The entrant's unit and its ancestors, root first (the unit itself last). The entry counts
    /// on the board of every unit on this path.
    pub unit_path: Vec<Uuid>,
    /// The name boards show (already masked).
    pub display_name: String,
}

/// A finished attempt to count in its contest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// The contest the attempt's round belongs to.
    pub contest_id: ContestId,
    /// The result.
    pub result: AttemptResult,
    /// Whose it is.
    pub entrant: Entrant,
}

/// One live board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    /// A round's best attempts; with a unit, only the entrants of its subtree.
    Round {
        /// The contest.
        contest_id: ContestId,
        /// The round.
        round_id: RoundId,
        /// The subtree, or every entrant.
        unit_id: Option<Uuid>,
    },
    /// The cumulative standings over a contest's rounds; with a unit, only its subtree.
    Contest {
        /// The contest.
        contest_id: ContestId,
        /// The subtree, or every entrant.
        unit_id: Option<Uuid>,
    },
}

impl Board {
    /// The contest the board belongs to.
    pub fn contest_id(&self) -> Uuid {
        match *self {
            Self::Round { contest_id, .. } | Self::Contest { contest_id, .. } => {
                contest_id.into_uuid()
            }
        }
    }

    /// The subtree the board is limited to.
    pub fn unit_id(&self) -> Option<Uuid> {
        match *self {
            Self::Round { unit_id, .. } | Self::Contest { unit_id, .. } => unit_id,
        }
    }
}

/// A line of a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// 0-based position on the board asked for.
    pub rank: u64,
    /// Whose.
    pub user_id: Uuid,
    /// The attempt that counts (round boards only).
    pub attempt_id: Option<AttemptId>,
    /// Score (the sum over rounds on a contest board).
    pub score: i64,
    /// Time used in ms (the sum over rounds on a contest board).
    pub time_used_ms: i64,
    /// When the counted attempt finished (the latest of them on a contest board), ms.
    pub finished_at_ms: i64,
    /// The entrant's unit and its ancestors, root first.
    pub unit_path: Vec<Uuid>,
    /// The masked name.
    pub display_name: String,
}

impl Standing {
    /// The entrant's own unit.
    pub fn unit_id(&self) -> Option<Uuid> {
        self.unit_path.last().copied()
    }
}

/// A page of a board.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardPage {
    /// The lines, best first.
    pub items: Vec<Standing>,
    /// Entries on the whole board.
    pub total: u64,
}

/// One user's place on a board.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// Their line with its rank, or `None` when they are not on the board.
    pub standing: Option<Standing>,
    /// Entries on the whole board, read with the line.
    pub total: u64,
}

/// What a unit's subtree has on a round (or over a contest): counted entrants and the sum of
/// their scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitTally {
    /// Distinct entrants of the subtree with a counted result.
    pub participants: i64,
    /// The sum of their counted scores.
    pub score_sum: i64,
}

/// Which tallies: a round's or a contest's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyScope {
    /// One round.
    Round {
        /// The contest.
        contest_id: ContestId,
        /// The round.
        round_id: RoundId,
    },
    /// A contest, cumulative.
    Contest {
        /// The contest.
        contest_id: ContestId,
    },
}

/// What recording a result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordOutcome {
    /// False when this attempt had been recorded before (nothing changed).
    pub newly_recorded: bool,
    /// True when it became the member's best attempt in its round.
    pub is_best: bool,
}

/// The composite of a cumulative standing (same layout as a round entry's).
pub fn total_composite(score: i64, time_used_ms: i64) -> u64 {
    LeaderboardEntry::encode(score, time_used_ms, 0, Uuid::nil()).composite
}

/// The member of a board entry: finish time, then user.
pub fn member_of(finished_at_ms: i64, user_id: Uuid) -> String {
    LeaderboardEntry::encode(0, 0, finished_at_ms, user_id).member
}

/// Joins a unit path for the store (`a,b,c`).
pub(super) fn join_path(path: &[Uuid]) -> String {
    path.iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Splits [`join_path`]'s output.
pub(super) fn split_path(raw: &str) -> Option<Vec<Uuid>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

/// Parses a stored round best (`composite|member|attempt|score|max|time|finished|path|name`,
/// written by `lua/record_results.lua`) into a standing with rank 0.
pub(super) fn parse_best(user_id: Uuid, raw: &str) -> Option<(String, Standing)> {
    let mut parts = raw.splitn(9, '|');
    let _composite = parts.next()?;
    let member = parts.next()?.to_owned();
    let attempt_id = parts.next()?.parse().ok()?;
    let score = parts.next()?.parse().ok()?;
    let _max: i64 = parts.next()?.parse().ok()?;
    let time_used_ms = parts.next()?.parse().ok()?;
    let finished_at_ms = parts.next()?.parse().ok()?;
    let unit_path = split_path(parts.next()?)?;
    let display_name = parts.next()?.to_owned();
    Some((
        member,
        Standing {
            rank: 0,
            user_id,
            attempt_id: Some(attempt_id),
            score,
            time_used_ms,
            finished_at_ms,
            unit_path,
            display_name,
        },
    ))
}

/// Parses a stored contest total (`composite|member|score|time|finished|path|name`).
pub(super) fn parse_total(user_id: Uuid, raw: &str) -> Option<(String, Standing)> {
    let mut parts = raw.splitn(7, '|');
    let _composite = parts.next()?;
    let member = parts.next()?.to_owned();
    let score = parts.next()?.parse().ok()?;
    let time_used_ms = parts.next()?.parse().ok()?;
    let finished_at_ms = parts.next()?.parse().ok()?;
    let unit_path = split_path(parts.next()?)?;
    let display_name = parts.next()?.to_owned();
    Some((
        member,
        Standing {
            rank: 0,
            user_id,
            attempt_id: None,
            score,
            time_used_ms,
            finished_at_ms,
            unit_path,
            display_name,
        },
    ))
}

/// The user id at the end of a board member (`<finished>:<user>`).
pub(super) fn user_of_member(member: &str) -> Option<Uuid> {
    member.get(14..)?.parse().ok()
}

/// Whether `new` beats the same member's `old` best: better ranking keys; an exact tie keeps
/// the attempt recorded first. Compares the finish time, not the whole member, because both
/// members carry the same user id.
pub(super) fn beats(new: &LeaderboardEntry, old: &LeaderboardEntry) -> bool {
    (new.composite, finished_part(new)) < (old.composite, finished_part(old))
}

fn finished_part(entry: &LeaderboardEntry) -> &str {
    entry.member.get(..13).unwrap_or(&entry.member)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use std::cmp::Reverse;

    /// The ranking the encoding must reproduce.
    fn rank_key(t: &(i64, i64, i64, Uuid)) -> (Reverse<i64>, i64, i64, Uuid) {
        (Reverse(t.0), t.1, t.2, t.3)
    }

    #[test]
    fn encoding_orders_like_score_desc_time_asc_finish_asc() {
        let mut rng = rand::rng();
        let users: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        // Small ranges force many ties on each key; large ones exercise the bit layout.
        let mut triple = |small: bool| {
            let (s, t, f) = if small {
                (
                    rng.random_range(0..4),
                    rng.random_range(0..4),
                    rng.random_range(1_700_000_000_000..1_700_000_000_004),
                )
            } else {
                (
                    rng.random_range(0..=MAX_SCORE),
                    rng.random_range(0..=MAX_TIME),
                    rng.random_range(0..=MAX_FINISHED_AT),
                )
            };
            (s, t, f, users[rng.random_range(0..users.len())])
        };
        for i in 0..20_000 {
            let small = i % 2 == 0;
            let (a, b) = (triple(small), triple(small));
            let ea = LeaderboardEntry::encode(a.0, a.1, a.2, a.3);
            let eb = LeaderboardEntry::encode(b.0, b.1, b.2, b.3);
            assert_eq!(
                rank_key(&a).cmp(&rank_key(&b)),
                ea.cmp(&eb),
                "{a:?} vs {b:?}"
            );
            // Redis holds the composite as an f64; it must survive the round trip exactly.
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            let back = (ea.composite as f64) as u64;
            assert_eq!(back, ea.composite);
            assert_eq!(ea.score(), a.0);
        }
    }

    #[test]
    fn extremes_are_clamped_not_wrapped() {
        let u = Uuid::nil();
        let top = LeaderboardEntry::encode(MAX_SCORE + 5, -3, -1, u);
        assert_eq!(top.composite, 0);
        assert!(top.member.starts_with("0000000000000:"));
        let bottom = LeaderboardEntry::encode(-1, i64::MAX, i64::MAX, u);
        assert!(bottom.composite < (1 << 52));
        assert!(top < bottom);
    }

    #[test]
    fn stored_values_parse_back_and_ties_keep_the_first() {
        let user = Uuid::new_v4();
        let unit = Uuid::new_v4();
        let attempt = Uuid::new_v4();
        let raw = format!(
            "5|1700000000000:{user}|{attempt}|7|10|12345|1700000000000|{unit}|Nguyễn V. |A."
        );
        let (member, s) = parse_best(user, &raw).expect("parses");
        assert_eq!(member, format!("1700000000000:{user}"));
        assert_eq!(user_of_member(&member), Some(user));
        assert_eq!(
            (s.score, s.time_used_ms, s.attempt_id),
            (7, 12_345, Some(AttemptId::from_uuid(attempt)))
        );
        assert_eq!(s.unit_path, vec![unit]);
        assert_eq!(s.display_name, "Nguyễn V. |A.");
        let (_, t) = parse_total(user, &format!("5|m|-3|4|5|{unit},{unit}|X")).expect("total");
        assert_eq!(
            (t.score, t.unit_path.len(), t.display_name.as_str()),
            (-3, 2, "X")
        );
        let entry = LeaderboardEntry::encode(7, 12_345, 1_700_000_000_000, user);
        assert!(!beats(&entry, &entry));
    }
}

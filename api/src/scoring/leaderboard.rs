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
            result.user_id,
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

/// A member's best attempt in a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestAttempt {
    /// The attempt that counts.
    pub attempt_id: Uuid,
    /// Its score.
    pub score: i64,
    /// Its maximum score.
    pub max_score: i64,
    /// Its time used (ms).
    pub time_used_ms: i64,
    /// Its finish time (ms).
    pub finished_at_ms: i64,
    /// 0-based position in the round's live leaderboard.
    pub rank: u64,
}

/// What recording a result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordOutcome {
    /// False when this attempt had been recorded before (nothing changed).
    pub newly_recorded: bool,
    /// True when it became the member's best attempt.
    pub is_best: bool,
}

/// The stored form of a best attempt: `composite|member|attempt|score|max|time|finished`.
/// The Lua script reads the first two fields to compare and to remove the old entry.
pub(super) fn encode_best(result: &AttemptResult, entry: &LeaderboardEntry) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{}",
        entry.composite,
        entry.member,
        result.attempt_id,
        result.score,
        result.max_score,
        result.time_used_ms,
        result.finished_at_ms
    )
}

/// Parses [`encode_best`]'s output into the entry and the attempt (rank left at 0).
pub(super) fn decode_best(raw: &str) -> Option<(LeaderboardEntry, BestAttempt)> {
    let mut parts = raw.split('|');
    let composite = parts.next()?.parse().ok()?;
    let member = parts.next()?.to_owned();
    let attempt_id = parts.next()?.parse().ok()?;
    let mut num = || parts.next().and_then(|p| p.parse::<i64>().ok());
    let (score, max_score, time_used_ms, finished_at_ms) = (num()?, num()?, num()?, num()?);
    Some((
        LeaderboardEntry { composite, member },
        BestAttempt {
            attempt_id,
            score,
            max_score,
            time_used_ms,
            finished_at_ms,
            rank: 0,
        },
    ))
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
    fn best_round_trips_and_ties_keep_the_first() {
        let result = AttemptResult {
            attempt_id: Uuid::new_v4(),
            round_id: Uuid::new_v4(),
            user_id: Uuid::new_v4(),
            score: 7,
            max_score: 10,
            correct_count: 7,
            time_used_ms: 12_345,
            finished_at_ms: 1_700_000_000_000,
            prediction: None,
        };
        let entry = LeaderboardEntry::of(&result);
        let (back, best) = decode_best(&encode_best(&result, &entry)).expect("decodes");
        assert_eq!(back, entry);
        assert_eq!(best.attempt_id, result.attempt_id);
        assert_eq!(best.finished_at_ms, result.finished_at_ms);
        assert!(!beats(&entry, &entry));
    }
}

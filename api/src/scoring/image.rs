//! A contest's results computed in memory from all its counted attempts, then written to Redis
//! in bulk: how a rebuild fills its staging area without running the record script a million
//! times (the benchmark measured ~170 µs of script per result, over three minutes for a round of
//! a million).
//!
//! # Implementation notes
//! The image holds exactly what `lua/record_results.lua` would have produced from the same
//! results in any order (recording is order-independent): each member's best attempt per round
//! (score ↓, time ↑, finish ↑; between identical keys, the smaller attempt id), the counters,
//! the unit tallies of each best's unit path, and each member's cumulative standing (sums, the
//! latest finish, and the unit and name of their latest best). The stored values use the same
//! formats as the script, which `tests/api/boards.rs` checks by comparing the two.

use std::collections::{BTreeMap, HashMap, HashSet};

use uuid::Uuid;

use super::leaderboard::{
    Counted, LeaderboardEntry, ROUND_RETENTION_MS, join_path, member_of, total_composite,
};
use super::{RedisStore, StoreError};
use crate::domain::ids::AttemptId;

/// One member's best attempt in a round.
struct Best {
    entry: LeaderboardEntry,
    attempt_id: AttemptId,
    score: i64,
    max_score: i64,
    time_used_ms: i64,
    finished_at_ms: i64,
    path: String,
    name: String,
}

#[derive(Default)]
struct Round {
    recorded: Vec<Uuid>,
    perfect: HashSet<Uuid>,
    finished_attempts: i64,
    perfect_attempts: i64,
    best: HashMap<Uuid, Best>,
}

/// A contest's results, ready to be written.
#[derive(Default)]
pub struct ContestImage {
    rounds: BTreeMap<Uuid, Round>,
}

/// Board entries and tallies of one board family (a round's, or the contest's).
#[derive(Default)]
struct Family {
    all: Vec<(u64, String)>,
    by_unit: HashMap<String, Vec<(u64, String)>>,
    participants: HashMap<String, i64>,
    score_sum: HashMap<String, i64>,
}

impl Family {
    fn enter(&mut self, composite: u64, member: &str, path: &str, score: i64) {
        self.all.push((composite, member.to_owned()));
        for unit in path.split(',').filter(|u| !u.is_empty()) {
            self.by_unit
                .entry(unit.to_owned())
                .or_default()
                .push((composite, member.to_owned()));
            *self.participants.entry(unit.to_owned()).or_default() += 1;
            *self.score_sum.entry(unit.to_owned()).or_default() += score;
        }
    }
}

impl ContestImage {
    /// Adds one counted attempt (each attempt once; a repeat is ignored like a re-record).
    pub fn add(&mut self, counted: &Counted) {
        let r = &counted.result;
        let round = self.rounds.entry(r.round_id.into_uuid()).or_default();
        round.recorded.push(r.attempt_id.into_uuid());
        round.finished_attempts += 1;
        if r.is_perfect() {
            round.perfect_attempts += 1;
            round.perfect.insert(r.user_id.into_uuid());
        }
        let entry = LeaderboardEntry::of(r);
        let candidate = Best {
            entry,
            attempt_id: r.attempt_id,
            score: r.score,
            max_score: r.max_score,
            time_used_ms: r.time_used_ms,
            finished_at_ms: r.finished_at_ms,
            path: join_path(&counted.entrant.unit_path),
            name: counted.entrant.display_name.clone(),
        };
        let key = |b: &Best| (b.entry.composite, b.finished_at_ms, b.attempt_id);
        match round.best.get(r.user_id.as_uuid()) {
            Some(old) if key(old) <= key(&candidate) => {}
            _ => {
                round.best.insert(r.user_id.into_uuid(), candidate);
            }
        }
    }

    /// Writes the image under `base` (a contest's staging base), in pipelined batches of bulk
    /// commands. The keys must not exist yet.
    pub(super) async fn write(&self, store: &RedisStore, base: &str) -> Result<(), StoreError> {
        let mut out = Writer::new(store, base);
        let mut contest = Family::default();
        // user → (score, time, latest finish, path, name)
        let mut totals: HashMap<Uuid, (i64, i64, i64, &str, &str)> = HashMap::new();
        if !self.rounds.is_empty() {
            let ids: Vec<String> = self.rounds.keys().map(Uuid::to_string).collect();
            out.cmd("SADD", "rounds", ids).await?;
        }
        for (round_id, round) in &self.rounds {
            let r = format!("r:{round_id}:");
            let ids: Vec<String> = round.recorded.iter().map(Uuid::to_string).collect();
            out.cmd("SADD", &format!("{r}recorded"), ids).await?;
            if !round.perfect.is_empty() {
                let users: Vec<String> = round.perfect.iter().map(Uuid::to_string).collect();
                out.cmd("SADD", &format!("{r}perfect"), users).await?;
            }
            let mut counters = vec![
                "participants".to_owned(),
                round.best.len().to_string(),
                "finished_attempts".to_owned(),
                round.finished_attempts.to_string(),
            ];
            if round.perfect_attempts > 0 {
                counters.extend([
                    "perfect_attempts".to_owned(),
                    round.perfect_attempts.to_string(),
                    "perfect_participants".to_owned(),
                    round.perfect.len().to_string(),
                ]);
            }
            out.cmd("HSET", &format!("{r}counters"), counters).await?;
            let mut family = Family::default();
            let mut values = Vec::with_capacity(round.best.len() * 2);
            for (user, b) in &round.best {
                family.enter(b.entry.composite, &b.entry.member, &b.path, b.score);
                values.push(user.to_string());
                values.push(format!(
                    "{}|{}|{}|{}|{}|{}|{}|{}|{}",
                    b.entry.composite,
                    b.entry.member,
                    b.attempt_id,
                    b.score,
                    b.max_score,
                    b.time_used_ms,
                    b.finished_at_ms,
                    b.path,
                    b.name
                ));
                let t = totals.entry(*user).or_insert((0, 0, -1, "", ""));
                t.0 += b.score;
                t.1 += b.time_used_ms;
                // The latest best names the unit (as `retotal` in the script).
                let newer = b.finished_at_ms > t.2
                    || (b.finished_at_ms == t.2
                        && format!("{}|{}", b.path, b.name) > format!("{}|{}", t.3, t.4));
                if newer {
                    t.2 = b.finished_at_ms;
                    t.3 = &b.path;
                    t.4 = &b.name;
                }
            }
            out.cmd("HSET", &format!("{r}best"), values).await?;
            out.family(&r, family).await?;
        }
        let mut values = Vec::with_capacity(totals.len() * 2);
        for (user, (score, time, finished, path, name)) in &totals {
            let composite = total_composite(*score, *time);
            let member = member_of(*finished, *user);
            contest.enter(composite, &member, path, *score);
            values.push(user.to_string());
            values.push(format!(
                "{composite}|{member}|{score}|{time}|{finished}|{path}|{name}"
            ));
        }
        if !totals.is_empty() {
            out.cmd("HSET", "total", values).await?;
            out.cmd(
                "HSET",
                "counters",
                vec!["participants".to_owned(), totals.len().to_string()],
            )
            .await?;
        }
        out.family("", contest).await?;
        out.flush().await
    }
}

/// Bulk commands in pipelines, each key given its time to live once.
struct Writer<'a> {
    store: &'a RedisStore,
    base: &'a str,
    pipe: redis::Pipeline,
    queued: usize,
}

/// Values per command, and commands per round trip.
const CHUNK: usize = 2_000;
const PIPELINE: usize = 16;

impl<'a> Writer<'a> {
    fn new(store: &'a RedisStore, base: &'a str) -> Self {
        Self {
            store,
            base,
            pipe: redis::pipe(),
            queued: 0,
        }
    }

    /// `VERB <base>:<suffix> values…`, split into commands of at most [`CHUNK`] values (kept
    /// whole pairs for hashes and sorted sets), then the key's time to live.
    async fn cmd(
        &mut self,
        verb: &str,
        suffix: &str,
        values: Vec<String>,
    ) -> Result<(), StoreError> {
        if values.is_empty() {
            return Ok(());
        }
        let key = format!("{}:{suffix}", self.base);
        for chunk in values.chunks(CHUNK) {
            self.pipe.cmd(verb).arg(&key).arg(chunk).ignore();
            self.queued += 1;
            if self.queued >= PIPELINE {
                self.flush().await?;
            }
        }
        self.pipe
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(ROUND_RETENTION_MS)
            .ignore();
        Ok(())
    }

    /// A family's boards (`ZADD score member …`) and tallies, under `prefix` (`r:<id>:` or "").
    async fn family(&mut self, prefix: &str, family: Family) -> Result<(), StoreError> {
        let zadd = |entries: Vec<(u64, String)>| -> Vec<String> {
            entries
                .into_iter()
                .flat_map(|(c, m)| [c.to_string(), m])
                .collect()
        };
        self.cmd("ZADD", &format!("{prefix}board"), zadd(family.all))
            .await?;
        for (unit, entries) in family.by_unit {
            self.cmd("ZADD", &format!("{prefix}board:{unit}"), zadd(entries))
                .await?;
        }
        let mut tallies = Vec::with_capacity(family.participants.len() * 4);
        for (unit, p) in &family.participants {
            tallies.extend([format!("p:{unit}"), p.to_string()]);
            let s = family.score_sum.get(unit).copied().unwrap_or(0);
            tallies.extend([format!("s:{unit}"), s.to_string()]);
        }
        self.cmd("HSET", &format!("{prefix}units"), tallies).await
    }

    async fn flush(&mut self) -> Result<(), StoreError> {
        if self.queued == 0 && self.pipe.is_empty() {
            return Ok(());
        }
        let mut conn = self.store.connection();
        let pipe = std::mem::replace(&mut self.pipe, redis::pipe());
        let () = pipe.query_async(&mut conn).await?;
        self.queued = 0;
        Ok(())
    }
}

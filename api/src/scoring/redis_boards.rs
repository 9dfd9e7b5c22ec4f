//! Contest results on Redis: recording through `lua/record_results.lua`, and the board reads.
//!
//! # Implementation notes
//! A page and a user's line are each read by one script, so the lines always belong to the
//! board they were read from (a best replaced in between would otherwise show a stale rank).
//! Reads cost O(log n + page) and touch only the contest's keys.

use std::collections::HashMap;

use redis::{AsyncCommands, Value};
use uuid::Uuid;

use super::leaderboard::{
    Board, BoardPage, Counted, LeaderboardEntry, MAX_SCORE, Place, ROUND_RETENTION_MS,
    RecordOutcome, RoundCounters, Standing, TallyScope, UnitTally, join_path, parse_best,
    parse_total,
};
use super::{Keys, RedisStore, StoreError, scripts};
use crate::domain::ids::{ContestId, RoundId};

/// How many results one script call records: large enough that a rebuild is not dominated by
/// round trips, small enough that one call does not hold Redis for long (~ a few ms).
const RECORD_BATCH: usize = 200;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

/// The hash holding a board's lines.
fn lines_key(keys: &Keys, board: &Board) -> String {
    match *board {
        Board::Round {
            contest_id,
            round_id,
            ..
        } => keys.round_best(contest_id, round_id),
        Board::Contest { contest_id, .. } => keys.contest_totals(contest_id),
    }
}

fn parse_line(board: &Board, user_id: Uuid, raw: &str) -> Option<Standing> {
    let parsed = match board {
        Board::Round { .. } => parse_best(user_id, raw),
        Board::Contest { .. } => parse_total(user_id, raw),
    };
    parsed.map(|(_, standing)| standing)
}

impl RedisStore {
    pub(super) async fn record_results(
        &self,
        keys: &Keys,
        batch: &[Counted],
        staging: bool,
    ) -> Result<Vec<RecordOutcome>, StoreError> {
        let mut conn = self.connection();
        let mut outcomes = Vec::with_capacity(batch.len());
        // Consecutive results of one contest go in one call (a rebuild sends one contest).
        for group in batch.chunk_by(|a, b| a.contest_id == b.contest_id) {
            for chunk in group.chunks(RECORD_BATCH) {
                let mut invocation = scripts::RECORD_RESULTS.prepare_invoke();
                let contest = chunk[0].contest_id;
                invocation
                    .key(if staging {
                        keys.contest_staging_base(contest)
                    } else {
                        keys.contest_base(contest)
                    })
                    .arg(ROUND_RETENTION_MS)
                    .arg(MAX_SCORE);
                for counted in chunk {
                    let r = &counted.result;
                    let entry = LeaderboardEntry::of(r);
                    invocation
                        .arg(r.round_id.to_string())
                        .arg(r.attempt_id.to_string())
                        .arg(r.user_id.to_string())
                        .arg(entry.composite)
                        .arg(&entry.member)
                        .arg(i32::from(r.is_perfect()))
                        .arg(r.score)
                        .arg(r.max_score)
                        .arg(r.time_used_ms)
                        .arg(r.finished_at_ms)
                        .arg(join_path(&counted.entrant.unit_path))
                        .arg(&counted.entrant.display_name);
                }
                let flags: Vec<i64> = invocation.invoke_async(&mut conn).await?;
                if flags.len() != chunk.len() * 2 {
                    return Err(corrupt("record reply length"));
                }
                outcomes.extend(flags.chunks(2).map(|f| RecordOutcome {
                    newly_recorded: f[0] == 1,
                    is_best: f[1] == 1,
                }));
            }
        }
        Ok(outcomes)
    }

    pub(super) async fn round_counters(
        &self,
        keys: &Keys,
        contest_id: ContestId,
        round_id: RoundId,
    ) -> Result<RoundCounters, StoreError> {
        let mut conn = self.connection();
        let raw: HashMap<String, i64> = conn
            .hgetall(keys.round_counters(contest_id, round_id))
            .await?;
        let get = |field: &str| raw.get(field).copied().unwrap_or(0);
        Ok(RoundCounters {
            participants: get("participants"),
            finished_attempts: get("finished_attempts"),
            perfect_attempts: get("perfect_attempts"),
            perfect_participants: get("perfect_participants"),
        })
    }

    pub(super) async fn contest_participants(
        &self,
        keys: &Keys,
        contest_id: ContestId,
    ) -> Result<i64, StoreError> {
        let mut conn = self.connection();
        let n: Option<i64> = conn
            .hget(keys.contest_counters(contest_id), "participants")
            .await?;
        Ok(n.unwrap_or(0))
    }

    pub(super) async fn board_page(
        &self,
        keys: &Keys,
        board: &Board,
        offset: u64,
        limit: u64,
    ) -> Result<BoardPage, StoreError> {
        let mut conn = self.connection();
        let reply: Vec<Value> = scripts::BOARD_PAGE
            .key(keys.board(board))
            .key(lines_key(keys, board))
            .arg(offset)
            .arg(limit)
            .invoke_async(&mut conn)
            .await?;
        let mut values = reply.into_iter();
        let total: u64 = values
            .next()
            .and_then(|v| redis::from_redis_value::<u64>(v).ok())
            .ok_or_else(|| corrupt("board size"))?;
        let rest: Vec<String> = values
            .map(redis::from_redis_value::<String>)
            .collect::<Result<_, _>>()
            .map_err(|_| corrupt("board line"))?;
        let mut items = Vec::with_capacity(rest.len() / 2);
        for (i, pair) in rest.chunks_exact(2).enumerate() {
            let user = super::leaderboard::user_of_member(&pair[0])
                .ok_or_else(|| corrupt("board member"))?;
            let mut line = parse_line(board, user, &pair[1]).ok_or_else(|| corrupt("line"))?;
            line.rank = offset + u64::try_from(i).unwrap_or(u64::MAX);
            items.push(line);
        }
        Ok(BoardPage { items, total })
    }

    pub(super) async fn place_of(
        &self,
        keys: &Keys,
        board: &Board,
        user_id: Uuid,
    ) -> Result<Place, StoreError> {
        let mut conn = self.connection();
        let reply: Vec<Value> = scripts::STANDING
            .key(keys.board(board))
            .key(lines_key(keys, board))
            .arg(user_id.to_string())
            .invoke_async(&mut conn)
            .await?;
        let mut values = reply.into_iter();
        let total: u64 = values
            .next()
            .and_then(|v| redis::from_redis_value::<u64>(v).ok())
            .ok_or_else(|| corrupt("board size"))?;
        let (Some(rank), Some(raw)) = (values.next(), values.next()) else {
            return Ok(Place {
                standing: None,
                total,
            });
        };
        let rank: u64 = redis::from_redis_value(rank).map_err(|_| corrupt("rank"))?;
        let raw: String = redis::from_redis_value(raw).map_err(|_| corrupt("standing"))?;
        let line = parse_line(board, user_id, &raw).ok_or_else(|| corrupt("standing"))?;
        Ok(Place {
            standing: Some(Standing { rank, ..line }),
            total,
        })
    }

    pub(super) async fn tallies(
        &self,
        keys: &Keys,
        scope: &TallyScope,
        units: &[Uuid],
    ) -> Result<Vec<UnitTally>, StoreError> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.connection();
        let fields: Vec<String> = units
            .iter()
            .flat_map(|u| [format!("p:{u}"), format!("s:{u}")])
            .collect();
        let raw: Vec<Option<i64>> = redis::cmd("HMGET")
            .arg(keys.tallies(scope))
            .arg(&fields)
            .query_async(&mut conn)
            .await?;
        Ok(raw
            .chunks(2)
            .map(|pair| UnitTally {
                participants: pair[0].unwrap_or(0),
                score_sum: pair.get(1).copied().flatten().unwrap_or(0),
            })
            .collect())
    }

    /// The names, relative to a contest's base key, of every key that exists under it: the
    /// fixed contest keys, each recorded round's keys, and the per-unit boards named in the
    /// tallies (see `Keys::contest_base` for the layout).
    async fn suffixes_under(&self, base: &str) -> Result<Vec<String>, StoreError> {
        let mut conn = self.connection();
        let rounds: Vec<String> = conn.smembers(format!("{base}:rounds")).await?;
        let mut out: Vec<String> = ["rounds", "total", "board", "units", "counters"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let mut families = vec![String::new()];
        for round in rounds {
            let round_id: RoundId = round.parse().map_err(|_| corrupt("round id"))?;
            let r = format!("r:{round_id}:");
            for part in ["recorded", "counters", "perfect", "best", "board", "units"] {
                out.push(format!("{r}{part}"));
            }
            families.push(r);
        }
        for family in families {
            let fields: Vec<String> = conn.hkeys(format!("{base}:{family}units")).await?;
            for unit in fields.iter().filter_map(|f| f.strip_prefix("p:")) {
                let unit_id: Uuid = unit.parse().map_err(|_| corrupt("unit id"))?;
                out.push(format!("{family}board:{unit_id}"));
            }
        }
        Ok(out)
    }

    async fn unlink_under(&self, base: &str) -> Result<(), StoreError> {
        let mut conn = self.connection();
        let doomed: Vec<String> = self
            .suffixes_under(base)
            .await?
            .iter()
            .map(|s| format!("{base}:{s}"))
            .collect();
        for chunk in doomed.chunks(500) {
            let _: i64 = redis::cmd("UNLINK")
                .arg(chunk)
                .query_async(&mut conn)
                .await?;
        }
        Ok(())
    }

    /// Deletes every key of a contest's results.
    pub(super) async fn clear_contest(
        &self,
        keys: &Keys,
        contest_id: ContestId,
    ) -> Result<(), StoreError> {
        self.unlink_under(&keys.contest_base(contest_id)).await
    }

    /// Deletes a contest's staging area (what an unfinished rebuild left).
    pub(super) async fn clear_staging(
        &self,
        keys: &Keys,
        contest_id: ContestId,
    ) -> Result<(), StoreError> {
        self.unlink_under(&keys.contest_staging_base(contest_id))
            .await
    }

    /// Replaces a contest's live keys by its staged ones in one script, so readers see the old
    /// boards or the new ones, never a mixture.
    pub(super) async fn promote_staging(
        &self,
        keys: &Keys,
        contest_id: ContestId,
    ) -> Result<(), StoreError> {
        let live = keys.contest_base(contest_id);
        let staging = keys.contest_staging_base(contest_id);
        let old = self.suffixes_under(&live).await?;
        let new = self.suffixes_under(&staging).await?;
        let mut invocation = scripts::SWAP_KEYS.prepare_invoke();
        for s in &old {
            invocation.key(format!("{live}:{s}"));
        }
        for s in &new {
            invocation.key(format!("{staging}:{s}"));
        }
        for s in &new {
            invocation.key(format!("{live}:{s}"));
        }
        invocation.arg(old.len()).arg(new.len());
        let mut conn = self.connection();
        let _: i64 = invocation.invoke_async(&mut conn).await?;
        Ok(())
    }
}

//! Contest results in the in-process store: the same meaning as `lua/record_results.lua` and
//! the reads in `redis_boards.rs`, for the embedded single-server default.
//!
//! # Implementation notes
//! One mutex over every contest, held for each record's whole read-modify-write, as a Lua
//! script is on Redis. Boards are ordered sets of [`LeaderboardEntry`], so a rank or an offset
//! costs a walk from the top (O(rank)); that is fine for one embedded server and a few
//! thousand entrants, and Redis is the store for large contests.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::MemoryStore;
use super::leaderboard::{
    Board, BoardPage, Counted, LeaderboardEntry, MAX_SCORE, Place, ROUND_RETENTION_MS,
    RecordOutcome, RoundCounters, Standing, TallyScope, UnitTally, beats, member_of,
    total_composite,
};
use crate::domain::ids::{AttemptId, ContestId, RoundId};

/// The contest results part of [`MemoryStore`].
#[derive(Default)]
pub(super) struct Boards {
    maps: Mutex<Maps>,
}

/// The live contests, and those a rebuild is writing before they replace the live ones.
#[derive(Default)]
struct Maps {
    live: HashMap<ContestId, Contest>,
    staging: HashMap<ContestId, Contest>,
}

/// One board with its per-unit boards and tallies: a round's, or a contest's cumulative one.
#[derive(Default)]
struct Family {
    all: BTreeSet<LeaderboardEntry>,
    by_unit: HashMap<Uuid, BTreeSet<LeaderboardEntry>>,
    tallies: HashMap<Uuid, UnitTally>,
}

impl Family {
    fn leave(&mut self, entry: &LeaderboardEntry, standing: &Standing) {
        self.all.remove(entry);
        for unit in &standing.unit_path {
            if let Some(board) = self.by_unit.get_mut(unit) {
                board.remove(entry);
            }
            let tally = self.tallies.entry(*unit).or_default();
            tally.participants -= 1;
            tally.score_sum -= standing.score;
        }
    }

    fn enter(&mut self, entry: &LeaderboardEntry, standing: &Standing) {
        self.all.insert(entry.clone());
        for unit in &standing.unit_path {
            self.by_unit.entry(*unit).or_default().insert(entry.clone());
            let tally = self.tallies.entry(*unit).or_default();
            tally.participants += 1;
            tally.score_sum += standing.score;
        }
    }

    fn board(&self, unit: Option<Uuid>) -> Option<&BTreeSet<LeaderboardEntry>> {
        match unit {
            None => Some(&self.all),
            Some(unit) => self.by_unit.get(&unit),
        }
    }
}

#[derive(Default)]
struct Round {
    recorded: HashSet<AttemptId>,
    counters: RoundCounters,
    perfect: HashSet<Uuid>,
    best: HashMap<Uuid, (LeaderboardEntry, Standing)>,
    family: Family,
}

struct Contest {
    rounds: HashMap<RoundId, Round>,
    totals: HashMap<Uuid, (LeaderboardEntry, Standing)>,
    family: Family,
    participants: i64,
    expires: Instant,
}

impl Contest {
    fn new() -> Self {
        Self {
            rounds: HashMap::new(),
            totals: HashMap::new(),
            family: Family::default(),
            participants: 0,
            expires: Instant::now(),
        }
    }

    /// Recomputes `user`'s cumulative standing from their round bests (as `retotal` in Lua):
    /// the sums, and the unit path and name of the latest best.
    fn retotal(&mut self, user: Uuid) {
        let (mut score, mut time) = (0_i64, 0_i64);
        let mut latest: Option<&Standing> = None;
        for round in self.rounds.values() {
            if let Some((_, best)) = round.best.get(&user) {
                score += best.score;
                time += best.time_used_ms;
                if latest.is_none_or(|l| later(best, l)) {
                    latest = Some(best);
                }
            }
        }
        let Some(latest) = latest.cloned() else {
            return;
        };
        let finished = latest.finished_at_ms;
        if let Some((entry, old)) = self.totals.remove(&user) {
            self.family.leave(&entry, &old);
        } else {
            self.participants += 1;
        }
        let entry = LeaderboardEntry {
            composite: total_composite(score.min(MAX_SCORE), time),
            member: member_of(finished, user),
        };
        let standing = Standing {
            rank: 0,
            user_id: user,
            attempt_id: None,
            score,
            time_used_ms: time,
            finished_at_ms: finished,
            unit_path: latest.unit_path.clone(),
            display_name: latest.display_name.clone(),
        };
        self.family.enter(&entry, &standing);
        self.totals.insert(user, (entry, standing));
    }
}

/// The live contests, for the reads.
struct LiveBoards<'a>(MutexGuard<'a, Maps>);

impl std::ops::Deref for LiveBoards<'_> {
    type Target = HashMap<ContestId, Contest>;

    fn deref(&self) -> &Self::Target {
        &self.0.live
    }
}

/// Whether best `a` is the one a cumulative standing takes its unit and name from, over `b`:
/// the later finish, then (equal finishes) the greater path and name, as the Lua script does.
pub(super) fn later(a: &Standing, b: &Standing) -> bool {
    let key = |s: &Standing| {
        (
            s.finished_at_ms,
            format!(
                "{}|{}",
                super::leaderboard::join_path(&s.unit_path),
                s.display_name
            ),
        )
    };
    key(a) > key(b)
}

fn rank_in(board: &BTreeSet<LeaderboardEntry>, entry: &LeaderboardEntry) -> u64 {
    u64::try_from(board.range(..entry).count()).unwrap_or(u64::MAX)
}

impl MemoryStore {
    fn maps(&self) -> MutexGuard<'_, Maps> {
        // Every update below is complete before the next begins and nothing in it panics by
        // design; a poisoned lock is safe to keep using.
        let mut maps = self
            .boards
            .maps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        maps.live.retain(|_, c| c.expires > now);
        maps
    }

    fn boards(&self) -> LiveBoards<'_> {
        LiveBoards(self.maps())
    }

    pub(super) fn record_results(&self, batch: &[Counted], staging: bool) -> Vec<RecordOutcome> {
        let mut maps = self.maps();
        let contests = if staging {
            &mut maps.staging
        } else {
            &mut maps.live
        };
        batch
            .iter()
            .map(|counted| {
                let contest = contests
                    .entry(counted.contest_id)
                    .or_insert_with(Contest::new);
                record(contest, counted)
            })
            .collect()
    }

    pub(super) fn round_counters(&self, contest_id: ContestId, round_id: RoundId) -> RoundCounters {
        self.boards()
            .get(&ContestId::from_uuid(*contest_id.as_uuid()))
            .and_then(|c| c.rounds.get(&RoundId::from_uuid(*round_id.as_uuid())))
            .map(|r| r.counters)
            .unwrap_or_default()
    }

    pub(super) fn contest_participants(&self, contest_id: ContestId) -> i64 {
        self.boards()
            .get(&ContestId::from_uuid(*contest_id.as_uuid()))
            .map_or(0, |c| c.participants)
    }

    pub(super) fn board_page(&self, board: &Board, offset: u64, limit: u64) -> BoardPage {
        let contests = self.boards();
        let Some(contest) = contests.get(&ContestId::from_uuid(board.contest_id())) else {
            return BoardPage::default();
        };
        let (family, lines) = match *board {
            Board::Round { round_id, .. } => {
                match contest.rounds.get(&RoundId::from_uuid(*round_id.as_uuid())) {
                    Some(round) => (&round.family, &round.best),
                    None => return BoardPage::default(),
                }
            }
            Board::Contest { .. } => (&contest.family, &contest.totals),
        };
        let Some(set) = family.board(board.unit_id()) else {
            return BoardPage::default();
        };
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        let items = set
            .iter()
            .enumerate()
            .skip(skip)
            .take(take)
            .filter_map(|(rank, entry)| {
                let user = super::leaderboard::user_of_member(&entry.member)?;
                let (_, standing) = lines.get(&user)?;
                Some(Standing {
                    rank: u64::try_from(rank).unwrap_or(u64::MAX),
                    ..standing.clone()
                })
            })
            .collect();
        BoardPage {
            items,
            total: u64::try_from(set.len()).unwrap_or(u64::MAX),
        }
    }

    pub(super) fn place_of(&self, board: &Board, user_id: Uuid) -> Place {
        let contests = self.boards();
        let Some(contest) = contests.get(&ContestId::from_uuid(board.contest_id())) else {
            return Place::default();
        };
        let (family, line) = match *board {
            Board::Round { round_id, .. } => {
                let Some(round) = contest.rounds.get(&RoundId::from_uuid(*round_id.as_uuid()))
                else {
                    return Place::default();
                };
                (&round.family, round.best.get(&user_id))
            }
            Board::Contest { .. } => (&contest.family, contest.totals.get(&user_id)),
        };
        let Some(set) = family.board(board.unit_id()) else {
            return Place::default();
        };
        let standing = line
            .filter(|(entry, _)| set.contains(entry))
            .map(|(entry, standing)| Standing {
                rank: rank_in(set, entry),
                ..standing.clone()
            });
        Place {
            standing,
            total: u64::try_from(set.len()).unwrap_or(u64::MAX),
        }
    }

    pub(super) fn tallies(&self, scope: &TallyScope, units: &[Uuid]) -> Vec<UnitTally> {
        let contests = self.boards();
        let family = match *scope {
            TallyScope::Round {
                contest_id,
                round_id,
            } => contests
                .get(&ContestId::from_uuid(*contest_id.as_uuid()))
                .and_then(|c| c.rounds.get(&RoundId::from_uuid(*round_id.as_uuid())))
                .map(|r| &r.family),
            TallyScope::Contest { contest_id } => contests
                .get(&ContestId::from_uuid(*contest_id.as_uuid()))
                .map(|c| &c.family),
        };
        units
            .iter()
            .map(|u| {
                family
                    .and_then(|f| f.tallies.get(u))
                    .copied()
                    .unwrap_or_default()
            })
            .collect()
    }

    pub(super) fn clear_contest(&self, contest_id: ContestId) {
        self.maps()
            .live
            .remove(&ContestId::from_uuid(*contest_id.as_uuid()));
    }

    pub(super) fn clear_staging(&self, contest_id: ContestId) {
        self.maps()
            .staging
            .remove(&ContestId::from_uuid(*contest_id.as_uuid()));
    }

    /// Replaces the live contest by the staged one under the lock, as the swap script does.
    pub(super) fn promote_staging(&self, contest_id: ContestId) {
        let mut maps = self.maps();
        match maps
            .staging
            .remove(&ContestId::from_uuid(*contest_id.as_uuid()))
        {
            Some(staged) => {
                maps.live.insert(contest_id, staged);
            }
            None => {
                maps.live
                    .remove(&ContestId::from_uuid(*contest_id.as_uuid()));
            }
        }
    }
}

fn record(contest: &mut Contest, counted: &Counted) -> RecordOutcome {
    let result = &counted.result;
    let round = contest.rounds.entry(result.round_id).or_default();
    if !round.recorded.insert(result.attempt_id) {
        return RecordOutcome {
            newly_recorded: false,
            is_best: false,
        };
    }
    round.counters.finished_attempts += 1;
    if result.is_perfect() {
        round.counters.perfect_attempts += 1;
        if round.perfect.insert(result.user_id.into_uuid()) {
            round.counters.perfect_participants += 1;
        }
    }
    let entry = LeaderboardEntry::of(result);
    let standing = Standing {
        rank: 0,
        user_id: result.user_id.into_uuid(),
        attempt_id: Some(result.attempt_id),
        score: result.score,
        time_used_ms: result.time_used_ms,
        finished_at_ms: result.finished_at_ms,
        unit_path: counted.entrant.unit_path.clone(),
        display_name: counted.entrant.display_name.clone(),
    };
    let is_best = match round.best.get(result.user_id.as_uuid()) {
        None => {
            round.counters.participants += 1;
            true
        }
        Some((old, _)) => beats(&entry, old),
    };
    if is_best {
        if let Some((old_entry, old)) = round.best.remove(result.user_id.as_uuid()) {
            round.family.leave(&old_entry, &old);
        }
        round.family.enter(&entry, &standing);
        round
            .best
            .insert(result.user_id.into_uuid(), (entry, standing.clone()));
        contest.retotal(result.user_id.into_uuid());
    }
    contest.expires = Instant::now() + Duration::from_millis(ROUND_RETENTION_MS.unsigned_abs());
    RecordOutcome {
        newly_recorded: true,
        is_best,
    }
}

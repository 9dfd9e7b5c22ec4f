//! Standings: how finished attempts reach the live boards, how the boards are rebuilt from the
//! database, and (in `publish`) the frozen final ranking of a closed round.
//!
//! The boards live in the scoring store (`scoring::leaderboard`); the database holds every
//! finished attempt, so the boards of any contest can be thrown away and replayed from it
//! (`rebuild_contest`), which is also what a server does when it finds the store empty.

pub mod publish;

use std::collections::HashSet;

use crate::domain::ids::{ContestId, RoundId, UserId};
use crate::domain::person::mask_name;
use crate::domain::time::ms;
use crate::error::ApiError;
use crate::persistence::{self, attempts::AttemptRecord, results::CountedRow};
use crate::scoring::{AttemptResult, Counted, Entrant};
use crate::state::AppState;

/// Counts a finished attempt on the boards of its contest, unless its entrant's result in that
/// round has been voided. Safe to repeat.
pub async fn count(
    state: &AppState,
    record: &AttemptRecord,
    result: &AttemptResult,
) -> Result<(), ApiError> {
    if persistence::results::void_in_force(&state.db, record.round_id, record.user_id)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let user = persistence::users::get(&state.db, record.user_id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit = record.unit_id.unwrap_or(user.unit_id).into_uuid();
    let counted = Counted {
        contest_id: record.contest_id,
        result: result.clone(),
        entrant: Entrant {
            unit_path: units.path_of(unit),
            display_name: mask_name(&user.full_name),
        },
    };
    state
        .store
        .record_results(&state.keys, std::slice::from_ref(&counted))
        .await?;
    Ok(())
}

/// The result a stored attempt row describes.
pub fn result_of(row: &CountedRow) -> AttemptResult {
    AttemptResult {
        attempt_id: row.attempt_id,
        round_id: row.round_id,
        user_id: row.user_id,
        score: row.score,
        max_score: row.max_score,
        correct_count: 0,
        time_used_ms: row.time_used_ms,
        finished_at_ms: ms(row.finished_at),
        prediction: row.prediction,
    }
}

/// What a rebuild did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    /// Finished attempts counted again.
    pub results: usize,
    /// Attempts left out because their entrant's result is voided.
    pub voided: usize,
}

/// How many attempts one database page of a rebuild reads.
const REPLAY_PAGE: u64 = 5_000;

/// How far before a rebuild's start its catch-up pass looks again: covers attempts finished
/// while the replay read past them (finishing writes the database before it records).
const CATCH_UP_MARGIN: chrono::Duration = chrono::Duration::seconds(10);

/// Rebuilds a contest's boards from the database: every counting attempt is replayed into a
/// staging area that then replaces the live boards in one step (readers see the old boards
/// until then, never a half-built one); the result is the state live recording would have
/// reached (recording is order-independent), with voided results left out and every entrant
/// placed by their unit's current position in the tree. Results recorded live meanwhile are
/// replayed again after the swap (recording an attempt twice is a no-op).
///
/// One rebuild of a contest at a time across every instance sharing the store (the lease
/// `rebuild:{contest}`): two at once would clear and fill the same staging keys. A rebuild
/// asked for while another runs waits for it and then runs too, so it reads what changed
/// meanwhile.
#[tracing::instrument(name = "Rebuild contest boards", skip(state))]
pub async fn rebuild_contest(
    state: &AppState,
    contest_id: ContestId,
) -> Result<Replayed, ApiError> {
    let lease = crate::scoring::lease::Lease::new(
        &state.store,
        &state.keys,
        &format!("rebuild:{contest_id}"),
        REBUILD_LEASE,
    );
    lease
        .exclusive(
            std::time::Duration::from_millis(100),
            rebuild_contest_held(state, contest_id),
        )
        .await?
}

/// How long a dead rebuilder holds up the next rebuild of its contest.
const REBUILD_LEASE: std::time::Duration = std::time::Duration::from_secs(15);

/// [`rebuild_contest`] once its lease is held.
async fn rebuild_contest_held(
    state: &AppState,
    contest_id: ContestId,
) -> Result<Replayed, ApiError> {
    let started = chrono::Utc::now();
    let rounds: Vec<RoundId> = persistence::contests::rounds_of(&state.db, contest_id)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let voided: HashSet<(RoundId, UserId)> =
        persistence::results::voided_pairs(&state.db, &rounds).await?;
    state.store.clear_staging(&state.keys, contest_id).await?;
    let mut all = Vec::new();
    let done = replay(state, contest_id, &voided, None, |batch| {
        all.extend(batch);
        std::future::ready(Ok(()))
    })
    .await?;
    state
        .store
        .stage_contest(&state.keys, contest_id, &all)
        .await?;
    drop(all);
    state.store.promote_staging(&state.keys, contest_id).await?;
    replay(
        state,
        contest_id,
        &voided,
        Some(started - CATCH_UP_MARGIN),
        |batch| async move {
            state
                .store
                .record_results(&state.keys, &batch)
                .await
                .map(|_| ())
        },
    )
    .await?;
    tracing::info!(
        contest.id = %contest_id,
        results = done.results,
        voided = done.voided,
        "contest boards rebuilt"
    );
    Ok(done)
}

/// Reads a contest's counting attempts (those finished since `since`, if given) page by page
/// and hands each page, as results to count, to `sink`.
async fn replay<F, Fut>(
    state: &AppState,
    contest_id: ContestId,
    voided: &HashSet<(RoundId, UserId)>,
    since: Option<chrono::DateTime<chrono::Utc>>,
    mut sink: F,
) -> Result<Replayed, ApiError>
where
    F: FnMut(Vec<Counted>) -> Fut,
    Fut: std::future::Future<Output = Result<(), crate::scoring::StoreError>>,
{
    let units = state.units.snapshot(&state.db).await?;
    let filter = persistence::results::CountedFilter {
        round_id: None,
        finished_since: since,
    };
    let mut done = Replayed::default();
    let mut after = None;
    loop {
        let page =
            persistence::results::counted_page(&state.db, contest_id, filter, after, REPLAY_PAGE)
                .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.attempt_id.into_uuid());
        let batch: Vec<Counted> = page
            .iter()
            .filter(|row| {
                let void = voided.contains(&(row.round_id, row.user_id));
                done.voided += usize::from(void);
                !void
            })
            .map(|row| Counted {
                contest_id,
                result: result_of(row),
                entrant: Entrant {
                    unit_path: units.path_of(row.unit_id),
                    display_name: mask_name(&row.full_name),
                },
            })
            .collect();
        done.results += batch.len();
        sink(batch).await?;
    }
    Ok(done)
}

/// Rebuilds the boards of every contest with results since `since`.
pub async fn rebuild_recent(
    state: &AppState,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Replayed, ApiError> {
    let mut total = Replayed::default();
    for contest_id in persistence::results::contests_with_results_since(&state.db, since).await? {
        let done = rebuild_contest(state, ContestId::from_uuid(contest_id)).await?;
        total.results += done.results;
        total.voided += done.voided;
    }
    Ok(total)
}

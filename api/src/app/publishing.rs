//! Publishing results: a closed round's final ranking with its prizes, and a contest's overall
//! results over its published rounds. Who may do it ([`managed_round`]), when (a round once
//! closed past the grace period, a contest once every round is published), and what is
//! recorded (the frozen ranking, the audit entry, what changed since the last publication).
//!
//! The ranking itself is computed by the pure functions of [`crate::standings::publish`];
//! this module loads the attempts, applies the rules and writes the result.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::contest_access::{Access, access};
use crate::auth::Caller;
use crate::caches::coherence::Change;
use crate::domain::contest::TieBreakKey;
use crate::domain::ids::{AttemptId, ContestId, RoundId, UserId};
use crate::error::{ApiError, Conflict};
use crate::persistence::{self, PersistenceError, contests::Contest, contests::Round};
use crate::standings::publish::{self, Finished, PrizeRules};
use crate::state::AppState;

/// Loads a round and requires `user` to organise its contest: 403 for an entrant, 404 for
/// anyone who cannot see the contest.
pub async fn managed_round(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
) -> Result<(Round, Contest), ApiError> {
    let round = persistence::contests::get_round(&state.db, round_id).await?;
    let contest = persistence::contests::get(&state.db, round.contest_id).await?;
    let caller = Caller::load(&state.db, user).await?;
    match access(&state.db, &caller, &contest).await {
        Ok(Access::Manage) => Ok((round, contest)),
        Ok(Access::Enter) => Err(ApiError::Forbidden),
        Err(_) => Err(ApiError::NotFound("round")),
    }
}

/// What publishing did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// When.
    pub published_at: DateTime<Utc>,
    /// The prediction question's true value.
    pub prediction_actual: Option<i64>,
    /// Entrants ranked.
    pub ranked: usize,
    /// Prizes awarded.
    pub prizes: usize,
    /// Entrants whose rank or prize differs from the previous publication (0 the first time).
    pub changed: usize,
    /// Whether this replaced an earlier publication.
    pub republished: bool,
    /// What changed for whom since the previous publication (empty the first time), best
    /// new rank first, at most [`CHANGES_KEPT`] of them.
    pub changes: Vec<RankChange>,
}

/// How many changed lines a republication reports and records.
pub const CHANGES_KEPT: usize = 200;

/// A place in a published ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct Placing {
    /// 1-based rank.
    pub rank: i32,
    /// The prize, if any.
    pub prize: Option<String>,
}

/// One entrant whose rank or prize changed between two publications.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct RankChange {
    /// Whose.
    pub user_id: Uuid,
    /// Full name (organizers see it).
    pub full_name: String,
    /// In the previous publication (null: not ranked then, e.g. restored after a void).
    pub before: Option<Placing>,
    /// In this one (null: no longer ranked, e.g. voided).
    pub after: Option<Placing>,
}

/// What changed between two rankings (user → placing): everyone whose placing differs, best
/// new rank first and those who left the ranking last, by their old rank.
pub fn rank_changes(
    previous: &HashMap<UserId, Placing>,
    current: &HashMap<UserId, Placing>,
) -> Vec<(UserId, Option<Placing>, Option<Placing>)> {
    let mut out: Vec<(UserId, Option<Placing>, Option<Placing>)> = current
        .iter()
        .filter(|(u, p)| previous.get(*u) != Some(*p))
        .map(|(u, p)| (*u, previous.get(u).cloned(), Some(p.clone())))
        .chain(
            previous
                .iter()
                .filter(|(u, _)| !current.contains_key(*u))
                .map(|(u, p)| (*u, Some(p.clone()), None)),
        )
        .collect();
    out.sort_by_key(|(u, before, after)| {
        (
            after.as_ref().map_or(i32::MAX, |p| p.rank),
            before.as_ref().map_or(i32::MAX, |p| p.rank),
            *u,
        )
    });
    out
}

/// One publication of a round, as the audit log recorded it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Publication {
    /// When.
    pub published_at: DateTime<Utc>,
    /// By whom.
    pub published_by: Option<Uuid>,
    /// Whether it replaced an earlier one.
    pub republished: bool,
    /// Entrants ranked.
    pub ranked: u64,
    /// Prizes awarded.
    pub prizes: u64,
    /// Entrants whose rank or prize changed.
    pub changed: u64,
    /// Those changes (at most [`CHANGES_KEPT`]).
    pub changes: Vec<RankChange>,
}

/// The publications of a round, newest first (organizers of its contest).
pub async fn publications(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
) -> Result<Vec<Publication>, ApiError> {
    let (round, _) = managed_round(state, user, round_id).await?;
    let entries = persistence::audit::of_subject(
        &state.db,
        round.id.into_uuid(),
        &["round.publish", "round.republish"],
        100,
    )
    .await?;
    Ok(entries
        .into_iter()
        .map(|e| {
            let d = &e.detail;
            let n = |k: &str| d.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
            Publication {
                published_at: d
                    .get("published_at")
                    .and_then(|v| serde_json::from_value(v.clone()).ok())
                    .unwrap_or(e.at),
                published_by: e.actor_id.map(UserId::into_uuid),
                republished: e.action == "round.republish",
                ranked: n("ranked"),
                prizes: n("prizes"),
                changed: n("changed"),
                changes: d
                    .get("changes")
                    .and_then(|v| serde_json::from_value(v.clone()).ok())
                    .unwrap_or_default(),
            }
        })
        .collect())
}

/// Publishes a closed round at `now` on behalf of `user` (an organizer of its contest):
/// computes the prediction's true value, ranks the counted attempts with the contest's
/// tie-break chain, applies "perfect scores only" and "one prize per person", awards the round
/// prizes and freezes the ranking. Publishing again (after a void) recomputes and records what
/// changed.
pub async fn publish_round(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
    now: DateTime<Utc>,
) -> Result<Published, ApiError> {
    let (round, contest) = managed_round(state, user, round_id).await?;
    let grace =
        chrono::Duration::seconds(i64::try_from(state.settings.attempt_grace_seconds).unwrap_or(5));
    if round.settings.practice || now < round.settings.closes_at + grace {
        return Err(Conflict::RoundNotClosed {
            practice: round.settings.practice,
            closes_at: round.settings.closes_at,
        }
        .into());
    }
    // Attempts left open past their deadline are finished first, so every result counts.
    crate::app::attempts::finish_due(state, now).await?;
    let voided =
        persistence::results::voided_pairs(&state.db, std::slice::from_ref(&round.id)).await?;
    let mut finished = Vec::new();
    let mut after = None;
    loop {
        let page = persistence::results::counted_page(
            &state.db,
            contest.id,
            persistence::results::CountedFilter {
                round_id: Some(round.id),
                finished_since: None,
            },
            after,
            5_000,
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.attempt_id.into_uuid());
        finished.extend(
            page.into_iter()
                .filter(|r| !voided.contains(&(r.round_id, r.user_id)))
                .map(|r| Finished {
                    user_id: r.user_id,
                    attempt_id: r.attempt_id,
                    unit_id: r.unit_id,
                    score: r.score,
                    max_score: r.max_score,
                    prediction: r.prediction,
                    time_used_ms: r.time_used_ms,
                    finished_at: r.finished_at,
                }),
        );
    }
    let counted = publish::best_per_entrant(finished);
    let actual = publish::prediction_actual(round.settings.prediction, &counted);
    let s = &contest.settings;
    let passed_over: HashSet<UserId> = if s.prizes.one_per_person {
        let others: Vec<RoundId> = persistence::contests::rounds_of(&state.db, contest.id)
            .await?
            .into_iter()
            .filter(|r| r.id != round.id && r.published_at.is_some())
            .map(|r| r.id)
            .collect();
        persistence::results::prize_holders(&state.db, &others).await?
    } else {
        HashSet::new()
    };
    let ranked = publish::rank(
        counted,
        &s.tie_break,
        actual,
        &PrizeRules {
            tiers: &s.prizes.round,
            perfect_only: s.perfect_only,
            passed_over: &passed_over,
        },
    );
    let rows: Vec<persistence::results::FinalRow> = ranked
        .iter()
        .map(|r| persistence::results::FinalRow {
            user_id: r.entry.user_id,
            attempt_id: r.entry.attempt_id,
            unit_id: r.entry.unit_id,
            rank: r.rank,
            score: r.entry.score,
            max_score: r.entry.max_score,
            prediction: r.entry.prediction,
            prediction_error: r.prediction_error,
            time_used_ms: r.entry.time_used_ms,
            finished_at: r.entry.finished_at,
            prize: r.prize.clone(),
        })
        .collect();
    // What the previous publication said, to record what changed.
    let previous: HashMap<UserId, Placing> = persistence::results::final_all(&state.db, round.id)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.user_id,
                Placing {
                    rank: r.rank,
                    prize: r.prize,
                },
            )
        })
        .collect();
    let current: HashMap<UserId, Placing> = rows
        .iter()
        .map(|r| {
            (
                r.user_id,
                Placing {
                    rank: r.rank,
                    prize: r.prize.clone(),
                },
            )
        })
        .collect();
    let republished = round.published_at.is_some();
    let (changed, changes) = if republished {
        let all = rank_changes(&previous, &current);
        let kept: Vec<_> = all.iter().take(CHANGES_KEPT).cloned().collect();
        let ids: Vec<UserId> = kept.iter().map(|(u, _, _)| *u).collect();
        let names = persistence::results::names(&state.db, &ids).await?;
        let changes: Vec<RankChange> = kept
            .into_iter()
            .map(|(user_id, before, after)| RankChange {
                user_id: user_id.into_uuid(),
                full_name: names.get(&user_id).cloned().unwrap_or_default(),
                before,
                after,
            })
            .collect();
        (all.len(), changes)
    } else {
        (0, Vec::new())
    };
    let prizes = rows.iter().filter(|r| r.prize.is_some()).count();
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::results::publish(&txn, round.id, actual, &rows, now).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        if republished {
            "round.republish"
        } else {
            "round.publish"
        },
        Some(round.id.into_uuid()),
        Some(contest.settings.unit_id),
        json!({
            "published_at": now,
            "prediction_actual": actual,
            "ranked": rows.len(),
            "prizes": prizes,
            "changed": changed,
            "changes": changes,
        }),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::app::coherence::changed(state, Change::round(&round)).await;
    Ok(Published {
        published_at: now,
        prediction_actual: actual,
        ranked: rows.len(),
        prizes,
        changed,
        republished,
        changes,
    })
}

/// What publishing a contest's overall results did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedOverall {
    /// When.
    pub published_at: DateTime<Utc>,
    /// Entrants ranked.
    pub ranked: usize,
    /// Overall prizes awarded.
    pub prizes: usize,
    /// Rounds whose results were summed.
    pub rounds: usize,
}

/// Publishes a contest's overall results at `now` once every round is published: the
/// cumulative score over the rounds (score ↓, then time used ↑, then the latest finish ↑), with
/// the overall prizes; with "one prize per person", round prize winners are passed over.
pub async fn publish_contest(
    state: &AppState,
    user: UserId,
    contest_id: ContestId,
    now: DateTime<Utc>,
) -> Result<PublishedOverall, ApiError> {
    let contest = persistence::contests::get(&state.db, contest_id).await?;
    let caller = Caller::load(&state.db, user).await?;
    match access(&state.db, &caller, &contest).await {
        Ok(Access::Manage) => {}
        Ok(Access::Enter) => return Err(ApiError::Forbidden),
        Err(_) => return Err(ApiError::NotFound("contest")),
    }
    let rounds: Vec<Round> = persistence::contests::rounds_of(&state.db, contest.id)
        .await?
        .into_iter()
        .filter(|r| !r.settings.practice)
        .collect();
    let pending: Vec<String> = rounds
        .iter()
        .filter(|r| r.published_at.is_none())
        .map(|r| r.settings.name.clone())
        .collect();
    if rounds.is_empty() || !pending.is_empty() {
        return Err(Conflict::RoundsNotPublished { pending }.into());
    }
    let round_ids: Vec<RoundId> = rounds.iter().map(|r| r.id).collect();
    let mut totals: HashMap<UserId, (Finished, i32)> = HashMap::new();
    for row in persistence::results::published_round_rows(&state.db, &round_ids).await? {
        let (t, n) = totals.entry(row.user_id).or_insert_with(|| {
            (
                Finished {
                    user_id: row.user_id,
                    attempt_id: AttemptId::from_uuid(Uuid::nil()),
                    unit_id: row.unit_id,
                    score: 0,
                    max_score: 0,
                    prediction: None,
                    time_used_ms: 0,
                    finished_at: row.finished_at,
                },
                0,
            )
        });
        t.score += row.score;
        t.max_score += row.max_score;
        t.time_used_ms += row.time_used_ms;
        if row.finished_at >= t.finished_at {
            t.finished_at = row.finished_at;
            t.unit_id = row.unit_id;
        }
        *n += 1;
    }
    let s = &contest.settings;
    let passed_over = if s.prizes.one_per_person {
        persistence::results::prize_holders(&state.db, &round_ids).await?
    } else {
        HashSet::new()
    };
    let rounds_of: HashMap<UserId, i32> = totals.iter().map(|(u, (_, n))| (*u, *n)).collect();
    let ranked = publish::rank(
        totals.into_values().map(|(f, _)| f).collect(),
        &[
            TieBreakKey::Score,
            TieBreakKey::TimeUsed,
            TieBreakKey::FinishedAt,
        ],
        None,
        &PrizeRules {
            tiers: &s.prizes.overall,
            perfect_only: false,
            passed_over: &passed_over,
        },
    );
    let rows: Vec<persistence::results::OverallRow> = ranked
        .iter()
        .map(|r| persistence::results::OverallRow {
            user_id: r.entry.user_id,
            unit_id: r.entry.unit_id,
            rank: r.rank,
            score: r.entry.score,
            time_used_ms: r.entry.time_used_ms,
            last_finished_at: r.entry.finished_at,
            rounds: rounds_of.get(&r.entry.user_id).copied().unwrap_or(0),
            prize: r.prize.clone(),
        })
        .collect();
    let prizes = rows.iter().filter(|r| r.prize.is_some()).count();
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::results::publish_overall(&txn, contest.id, &rows, now).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "contest.publish",
        Some(contest.id.into_uuid()),
        Some(contest.settings.unit_id),
        json!({"ranked": rows.len(), "prizes": prizes, "rounds": round_ids.len()}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::app::coherence::changed(state, Change::Contest(contest.id)).await;
    Ok(PublishedOverall {
        published_at: now,
        ranked: rows.len(),
        prizes,
        rounds: round_ids.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placing(rank: i32, prize: Option<&str>) -> Placing {
        Placing {
            rank,
            prize: prize.map(str::to_owned),
        }
    }

    #[test]
    fn changes_list_who_moved_best_new_rank_first_and_the_departed_last() {
        let [a, b, c, d] = [1, 2, 3, 4].map(|n| UserId::from_uuid(Uuid::from_u128(n)));
        let previous = HashMap::from([
            (a, placing(1, Some("Giải Nhất"))),
            (b, placing(2, Some("Giải Nhì"))),
            (c, placing(3, None)),
        ]);
        let current = HashMap::from([
            (b, placing(1, Some("Giải Nhất"))),
            (c, placing(3, None)),
            (d, placing(2, Some("Giải Nhì"))),
        ]);
        let got = rank_changes(&previous, &current);
        assert_eq!(
            got,
            vec![
                (
                    b,
                    Some(placing(2, Some("Giải Nhì"))),
                    Some(placing(1, Some("Giải Nhất")))
                ),
                (d, None, Some(placing(2, Some("Giải Nhì")))),
                (a, Some(placing(1, Some("Giải Nhất"))), None),
            ],
            "c kept rank 3 without a prize, so it is not listed"
        );
        assert!(rank_changes(&current, &current).is_empty());
    }
}

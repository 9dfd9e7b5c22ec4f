//! Rounds of a contest: creating them with the checks organizers need, reading them, and
//! editing them within what may change once anyone has started. Who may (the contest's
//! organizers create and edit; whoever may see the contest reads), the checks against the bank
//! and the other rounds (`app::contests::check_against_data`), what a theory-test round tests,
//! the warnings about weak settings, and what is recorded.
//!
//! Depends on `app`, `auth`, `domain`, `persistence`; never on `routes`.

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::contest_access::{Access, access};
use crate::app::contests::check_against_data;
use crate::app::theory::{TheoryTestSpec, TheoryTestView, link_theory_test, theory_test_of};
use crate::auth::Caller;
use crate::caches::coherence::Change;
use crate::domain::contest::{ContestKind, Pool, Prediction, Review, RoundSettings};
use crate::domain::ids::ContestId;
use crate::domain::ids::RoundId;
use crate::domain::ids::UserId;
use crate::error::{ApiError, Conflict, Frozen};
use crate::persistence::{
    self, PersistenceError,
    contests::{Contest, Extension, Round},
};
use crate::state::AppState;

/// A round as the caller may see it.
#[derive(Debug)]
pub struct RoundView {
    /// The round.
    pub round: Round,
    /// The caller organises its contest: they see its pool, extensions, warnings and locks.
    pub manage: bool,
    /// What it tests, for a round of a theory test.
    pub theory: Option<TheoryTestView>,
}

/// Changes to a round; absent fields stay.
#[derive(Debug, Default)]
pub struct RoundChanges {
    /// Name.
    pub name: Option<String>,
    /// Opens.
    pub opens_at: Option<DateTime<Utc>>,
    /// Closes; once anyone has started, it may only move later (recorded).
    pub closes_at: Option<DateTime<Utc>>,
    /// Questions per attempt.
    pub questions_per_attempt: Option<u32>,
    /// Time limit.
    pub time_limit_seconds: Option<u32>,
    /// Attempts allowed (`Some(None)` = unlimited).
    pub attempts_allowed: Option<Option<u32>>,
    /// Shuffle questions.
    pub shuffle_questions: Option<bool>,
    /// Shuffle options.
    pub shuffle_options: Option<bool>,
    /// Pool.
    pub pool: Option<Pool>,
    /// Prediction (`Some(None)` = off).
    pub prediction: Option<Option<Prediction>>,
    /// Points per question.
    pub points_per_question: Option<u32>,
    /// Review.
    pub review: Option<Review>,
    /// Practice.
    pub practice: Option<bool>,
    /// What a theory-test round tests (before anyone starts).
    pub theory: Option<TheoryTestSpec>,
}

impl RoundChanges {
    /// `s` with the given fields replaced.
    fn apply_to(&mut self, mut s: RoundSettings) -> RoundSettings {
        if let Some(v) = self.name.take() {
            s.name = v;
        }
        if let Some(v) = self.opens_at {
            s.opens_at = v;
        }
        if let Some(v) = self.closes_at {
            s.closes_at = v;
        }
        if let Some(v) = self.questions_per_attempt {
            s.questions_per_attempt = v;
        }
        if let Some(v) = self.time_limit_seconds {
            s.time_limit_seconds = v;
        }
        if let Some(v) = self.attempts_allowed {
            s.attempts_allowed = v;
        }
        if let Some(v) = self.shuffle_questions {
            s.shuffle_questions = v;
        }
        if let Some(v) = self.shuffle_options {
            s.shuffle_options = v;
        }
        if let Some(v) = self.pool.take() {
            s.pool = v;
        }
        if let Some(v) = self.prediction.take() {
            s.prediction = v;
        }
        if let Some(v) = self.points_per_question {
            s.points_per_question = v;
        }
        if let Some(v) = self.review {
            s.review = v;
        }
        if let Some(v) = self.practice {
            s.practice = v;
        }
        s
    }
}

/// Adds a round with `settings` to contest `contest_id`, which `user` must organise (403 if
/// they may only enter it); `theory` is what it tests, required for a theory test and refused
/// elsewhere. Checked against the bank and the other rounds, recorded, in one transaction.
pub async fn create_round(
    state: &AppState,
    user: UserId,
    contest_id: ContestId,
    settings: RoundSettings,
    theory: Option<TheoryTestSpec>,
) -> Result<RoundView, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let contest = persistence::contests::get(&state.db, contest_id).await?;
    if access(&state.db, &caller, &contest).await? != Access::Manage {
        return Err(ApiError::Forbidden);
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let theory = theory_test_of(&txn, &contest, &settings, theory).await?;
    check_against_data(&txn, &contest, &settings, None).await?;
    let round = persistence::contests::insert_round(&txn, contest.id, &settings).await?;
    let theory = match theory {
        Some(t) => Some(link_theory_test(&txn, &contest, &round, t).await?),
        None => None,
    };
    persistence::audit::record_at(
        &txn,
        Some(user),
        "round.create",
        Some(round.id.into_uuid()),
        Some(contest.settings.unit_id),
        json!({"contest_id": contest.id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::app::coherence::changed(state, Change::round(&round)).await;
    Ok(RoundView {
        round,
        manage: true,
        theory,
    })
}

/// The rounds of contest `contest_id`, by opening time, for its organizers and for those who
/// may enter it (404 for anyone else).
pub async fn list_rounds(
    state: &AppState,
    user: UserId,
    contest_id: ContestId,
) -> Result<Vec<RoundView>, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let contest = persistence::contests::get(&state.db, contest_id).await?;
    let manage = access(&state.db, &caller, &contest).await? == Access::Manage;
    let rounds = persistence::contests::rounds_of(&state.db, contest.id).await?;
    let ids: Vec<RoundId> = rounds.iter().map(|r| r.id).collect();
    let mut tests = persistence::theory::tests_of_rounds(&state.db, &ids).await?;
    Ok(rounds
        .into_iter()
        .map(|round| RoundView {
            theory: tests.remove(&round.id).map(TheoryTestView::from),
            round,
            manage,
        })
        .collect())
}

/// Round `round_id`, its contest, and what the caller may do with it; a contest the caller may
/// not see answers 404 `round`.
async fn round_and_access(
    state: &AppState,
    caller: &Caller,
    round_id: Uuid,
) -> Result<(Round, Contest, Access), ApiError> {
    let round = persistence::contests::get_round(&state.db, RoundId::from_uuid(round_id)).await?;
    let contest = persistence::contests::get(&state.db, round.contest_id).await?;
    let a = access(&state.db, caller, &contest)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("round"),
            other => other,
        })?;
    Ok((round, contest, a))
}

/// Round `round_id`, for its contest's organizers and for those who may enter it.
pub async fn get_round(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
) -> Result<RoundView, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let (round, _, a) = round_and_access(state, &caller, round_id.into_uuid()).await?;
    let theory = persistence::theory::test_of_round(&state.db, round.id)
        .await?
        .map(TheoryTestView::from);
    Ok(RoundView {
        round,
        manage: a == Access::Manage,
        theory,
    })
}

/// Edits round `round_id`, whose contest `user` must organise. Before anyone starts, anything
/// may change (and is checked again, as at creation); after, only the name and a later close
/// time (409 `round_started` otherwise), and the extension is recorded with `now`.
pub async fn update_round(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
    mut changes: RoundChanges,
    now: DateTime<Utc>,
) -> Result<RoundView, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let (round, contest, a) = round_and_access(state, &caller, round_id.into_uuid()).await?;
    if a != Access::Manage {
        return Err(ApiError::Forbidden);
    }
    let s = changes.apply_to(round.settings.clone());
    let extensions = started_round_changes(&round, &s, changes.theory.is_some(), user, now)?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let theory = match changes.theory {
        Some(spec) => theory_test_of(&txn, &contest, &s, Some(spec)).await?,
        None => None,
    };
    check_against_data(&txn, &contest, &s, Some(round.id.into_uuid())).await?;
    let updated = persistence::contests::update_round(&txn, &round, &s, &extensions).await?;
    if let Some(t) = theory {
        link_theory_test(&txn, &contest, &updated, t).await?;
    } else if contest.settings.kind == ContestKind::TheoryTest && s.prediction.is_some() {
        return Err(ApiError::field(
            "/prediction",
            "a theory test has no prediction question",
        ));
    }
    let theory = persistence::theory::test_of_round(&txn, updated.id)
        .await?
        .map(TheoryTestView::from);
    persistence::audit::record_at(
        &txn,
        Some(user),
        "round.update",
        Some(round.id.into_uuid()),
        Some(contest.settings.unit_id),
        json!({"closes_at": {"from": round.settings.closes_at, "to": s.closes_at}}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::app::coherence::changed(state, Change::round(&updated)).await;
    Ok(RoundView {
        round: updated,
        manage: true,
        theory,
    })
}

/// What a started round keeps: the same rules, no earlier close, the same theory test. Returns
/// the round's extensions, with a new one when a started round's close time moves.
fn started_round_changes(
    round: &Round,
    s: &RoundSettings,
    changes_theory: bool,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<Extension>, ApiError> {
    let mut extensions = round.extensions.clone();
    if round.first_started_at.is_some() {
        if !round.settings.same_rules(s) {
            return Err(Conflict::RoundStarted {
                frozen: Frozen::Rules,
            }
            .into());
        }
        if s.closes_at < round.settings.closes_at {
            return Err(Conflict::RoundStarted {
                frozen: Frozen::EarlierClose,
            }
            .into());
        }
    }
    if round.first_started_at.is_some() && s.closes_at != round.settings.closes_at {
        extensions.push(Extension {
            by: user,
            at: now,
            from: round.settings.closes_at,
            to: s.closes_at,
        });
    }
    if changes_theory && round.first_started_at.is_some() {
        return Err(Conflict::RoundStarted {
            frozen: Frozen::Theory,
        }
        .into());
    }
    Ok(extensions)
}

/// The `code` of a warning about a shuffle setting turned off.
pub const SHUFFLE_OFF: &str = "shuffle_off";

/// A setting that is allowed but weakens the round, shown to its organizers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoundWarning {
    /// Stable snake_case identifier the frontend can switch on: `shuffle_off`.
    #[schema(example = "shuffle_off")]
    pub code: &'static str,
    /// JSON pointer to the setting, e.g. `/shuffle_options`.
    #[schema(example = "/shuffle_options")]
    pub pointer: &'static str,
    /// What it means, in English.
    pub detail: &'static str,
    /// The same in Vietnamese.
    pub detail_vi: &'static str,
}

/// Warnings for a round's settings: one `shuffle_off` per shuffle setting turned off.
///
/// # Implementation notes
/// Turning shuffling off is allowed (a teacher may want a fixed order to go through answers
/// together), so these are warnings, not validation errors. Option order matters most: a bank
/// written with its keys first gives every answer away, and entrants can pass answers around
/// as letters (issue #19).
pub fn round_warnings(s: &RoundSettings) -> Vec<RoundWarning> {
    let mut out = Vec::new();
    if !s.shuffle_options {
        out.push(RoundWarning {
            code: SHUFFLE_OFF,
            pointer: "/shuffle_options",
            detail: "Option shuffling is off: every entrant sees the options in the order they were written in the bank, so answers can be guessed from their position or passed around as letters (A, B, C, D). Turn it on unless you need a fixed order.",
            detail_vi: "Đang tắt đảo thứ tự phương án: mọi thí sinh thấy phương án theo đúng thứ tự trong ngân hàng câu hỏi, nên có thể đoán đáp án theo vị trí hoặc truyền tay đáp án theo chữ cái (A, B, C, D). Nên bật lại, trừ khi cần giữ nguyên thứ tự.",
        });
    }
    if !s.shuffle_questions {
        out.push(RoundWarning {
            code: SHUFFLE_OFF,
            pointer: "/shuffle_questions",
            detail: "Question shuffling is off: entrants who draw the same questions see them in the same order, which makes it easier to share answers by question number. Turn it on unless you need a fixed order.",
            detail_vi: "Đang tắt đảo thứ tự câu hỏi: thí sinh gặp cùng câu hỏi theo cùng một thứ tự, nên dễ chia sẻ đáp án theo số thứ tự câu. Nên bật lại, trừ khi cần giữ nguyên thứ tự.",
        });
    }
    out
}

//! Contests and their rounds as organizers set them up: who may (the organizers of the host
//! unit), the checks that need the database (units exist and are in scope, the pool can
//! supply every draw through the whole round, counted rounds do not overlap) and the
//! cross-field rules, and what is recorded.

use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::app::contest_access::{Access, CONTEST_MANAGERS, access};
use crate::auth::Caller;
use crate::domain::contest::{
    ContestKind, ExcludedRole, LeaderboardVisibility, Pool, Prizes, RoundSettings, TieBreakKey,
    parse_tie_break,
};
use crate::domain::ids::{UnitId, UserId};
use crate::error::{ApiError, FieldError};
use crate::persistence::{
    self, PersistenceError,
    contests::{Contest, ContestSettings},
    questions::{Filter, Visibility},
};
use crate::state::AppState;

/// Who may enter a contest, as given.
#[derive(Debug, Clone, Default)]
pub struct EligibilityChange {
    /// Members of this unit's subtree; `None` = anyone registered.
    pub eligible_unit_id: Option<UnitId>,
    /// Subtrees left out.
    pub excluded_unit_ids: Vec<UnitId>,
    /// Roles left out.
    pub excluded_roles: Vec<ExcludedRole>,
    /// Whether the organizers may enter.
    pub managers_may_enter: bool,
}

/// Changes to a contest; absent fields stay.
#[derive(Debug, Default)]
pub struct ContestChanges {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Rules.
    pub rules: Option<String>,
    /// Who may enter.
    pub eligibility: Option<EligibilityChange>,
    /// Who sees leaderboards.
    pub leaderboard_visibility: Option<LeaderboardVisibility>,
    /// Ranking chain.
    pub tie_break: Option<Vec<TieBreakKey>>,
    /// Only perfect scores rank.
    pub perfect_only: Option<bool>,
    /// Pass mark.
    pub pass_mark: Option<i32>,
    /// Prizes.
    pub prizes: Option<Prizes>,
}

/// Checks settings that need the database (units exist) and the cross-field rules.
async fn check(state: &AppState, caller: &Caller, s: &mut ContestSettings) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let title_len = s.title.trim().chars().count();
    if !(3..=300).contains(&title_len) {
        errors.push(FieldError::new(
            "/title",
            "title must be 3 to 300 characters",
        ));
    }
    s.title = s.title.trim().to_owned();
    match parse_tie_break(std::mem::take(&mut s.tie_break)) {
        Ok(chain) => s.tie_break = chain,
        Err(e) => errors.push(FieldError::new("/tie_break", e.0)),
    }
    match (s.kind, s.pass_mark) {
        (ContestKind::TheoryTest, None) => errors.push(FieldError::new(
            "/pass_mark",
            "a theory test needs a pass mark (percent)",
        )),
        (_, Some(m)) if !(1..=100).contains(&m) => errors.push(FieldError::new(
            "/pass_mark",
            "the pass mark is a percentage from 1 to 100",
        )),
        _ => {}
    }
    errors.extend(s.prizes.check("/prizes"));
    if let Some(eligible) = s.eligible_unit_id {
        match persistence::units::get(&state.db, eligible).await {
            Ok(unit) if caller.covers(CONTEST_MANAGERS, &unit.path) => {}
            _ => errors.push(FieldError::new(
                "/eligibility/unit_id",
                "no such unit in your scope",
            )),
        }
    }
    for (i, ex) in s.excluded_unit_ids.iter().enumerate() {
        if persistence::units::get(&state.db, *ex).await.is_err() {
            errors.push(FieldError::new(
                format!("/eligibility/excluded_unit_ids/{i}"),
                "no such unit",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Creates a contest with `settings`, hosted by `settings.unit_id`, which `user` must organise.
pub async fn create_contest(
    state: &AppState,
    user: UserId,
    mut settings: ContestSettings,
) -> Result<Contest, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let host = caller
        .require_unit(&state.db, CONTEST_MANAGERS, settings.unit_id)
        .await?;
    settings.unit_id = host.id;
    check(state, &caller, &mut settings).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let contest = persistence::contests::insert(&txn, &settings, Some(user)).await?;
    persistence::audit::record(
        &txn,
        Some(user),
        "contest.create",
        Some(contest.id),
        json!({"unit_id": host.id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    Ok(contest)
}

/// Edits contest `contest_id`, which `user` must organise.
pub async fn update_contest(
    state: &AppState,
    user: UserId,
    contest_id: Uuid,
    b: ContestChanges,
) -> Result<Contest, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let contest = persistence::contests::get(&state.db, contest_id).await?;
    if access(&state.db, &caller, &contest).await? != Access::Manage {
        return Err(ApiError::Forbidden);
    }
    let mut s = contest.settings.clone();
    if let Some(v) = b.title {
        s.title = v;
    }
    if let Some(v) = b.description {
        s.description = v;
    }
    if let Some(v) = b.rules {
        s.rules = v;
    }
    if let Some(e) = b.eligibility {
        s.eligible_unit_id = e.eligible_unit_id;
        s.excluded_unit_ids = e.excluded_unit_ids;
        s.excluded_roles = e.excluded_roles;
        s.managers_may_enter = e.managers_may_enter;
    }
    if let Some(v) = b.leaderboard_visibility {
        s.leaderboard_visibility = v;
    }
    if let Some(v) = b.tie_break {
        s.tie_break = v;
    }
    if let Some(v) = b.perfect_only {
        s.perfect_only = v;
    }
    if let Some(prizes) = b.prizes {
        s.prizes = prizes;
    }
    if b.pass_mark.is_some() {
        s.pass_mark = b.pass_mark;
    }
    check(state, &caller, &mut s).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let updated = persistence::contests::update(&txn, contest.id, &s).await?;
    persistence::audit::record(
        &txn,
        Some(user),
        "contest.update",
        Some(contest.id),
        json!({}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    state.catalog.forget_contest(updated.id);
    Ok(updated)
}

/// Checks that the pool can supply every draw through the whole round, and that the round does
/// not overlap another counted round of the contest.
pub async fn check_against_data(
    db: &impl ConnectionTrait,
    contest: &Contest,
    s: &RoundSettings,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    let mut errors = s.check();
    if !s.review.fits(contest.settings.kind, s.practice) {
        errors.push(FieldError::new(
            "/review",
            "after_each_attempt shows the key while the round is open: only for a theory test, a practice contest or a practice round",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let host = persistence::units::get(db, contest.settings.unit_id).await?;
    let visibility = Visibility {
        roots: Some(vec![host.path]),
    };
    // A question must be drawable on every day of the round, not just the first.
    let window = Some((s.opens_at.date_naive(), s.closes_at.date_naive()));
    match &s.pool {
        Pool::Questions { question_ids } => {
            let filter = Filter {
                ids: Some(question_ids.clone()),
                drawable_between: window,
                ..Filter::default()
            };
            let available = persistence::questions::count(db, &visibility, &filter).await?;
            if available < question_ids.len() as u64 {
                errors.push(FieldError::new("/pool/question_ids", format!("{} of the listed questions are unknown, outside the contest's bank, not active, or not valid for the whole round", question_ids.len() as u64 - available)));
            }
        }
        Pool::Quotas { quotas } => {
            for (i, q) in quotas.iter().enumerate() {
                let filter = Filter {
                    topic: Some(q.topic.clone()),
                    difficulty: q.difficulty,
                    drawable_between: window,
                    ..Filter::default()
                };
                let available = persistence::questions::count(db, &visibility, &filter).await?;
                if available < u64::from(q.count) {
                    errors.push(FieldError::new(format!("/pool/quotas/{i}/count"), format!("the bank has {available} drawable questions for this quota but {} are drawn", q.count)));
                }
            }
        }
    }
    // A theory test's lessons are taken side by side: its rounds may overlap.
    if !s.practice && contest.settings.kind != ContestKind::TheoryTest {
        for other in persistence::contests::rounds_of(db, contest.id).await? {
            if Some(other.id) == except || other.settings.practice {
                continue;
            }
            if s.opens_at < other.settings.closes_at && other.settings.opens_at < s.closes_at {
                errors.push(FieldError::new(
                    "/opens_at",
                    format!(
                        "overlaps round \"{}\" ({} – {})",
                        other.settings.name, other.settings.opens_at, other.settings.closes_at
                    ),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

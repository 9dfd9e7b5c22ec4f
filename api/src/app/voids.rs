//! Voiding a person's result in a round, with a reason: who may (the contest's organizers),
//! when (the person has a finished, counting attempt and no void in force), and what follows
//! (the audit entry and the live boards rebuilt without the result).

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::publishing::managed_round;
use crate::domain::ids::{RoundId, UserId};
use crate::error::{ApiError, Conflict};
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;

/// A void, as organizers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoidResponse {
    /// Id.
    pub id: Uuid,
    /// Round.
    #[schema(value_type = Uuid)]
    pub round_id: RoundId,
    /// Whose result.
    pub user_id: Uuid,
    /// Their name (organizers see it in full).
    pub full_name: String,
    /// Why.
    pub reason: String,
    /// When.
    pub voided_at: DateTime<Utc>,
    /// By whom.
    pub voided_by: Option<Uuid>,
    /// When it was lifted.
    pub lifted_at: Option<DateTime<Utc>>,
    /// Why it was lifted.
    pub lift_reason: Option<String>,
}

/// A void with the entrant's name, as organizers see it.
pub async fn void_response(
    state: &AppState,
    v: persistence::results::Void,
) -> Result<VoidResponse, ApiError> {
    let names = persistence::results::names(&state.db, &[v.user_id]).await?;
    Ok(VoidResponse {
        id: v.id.into_uuid(),
        round_id: v.round_id,
        user_id: v.user_id.into_uuid(),
        full_name: names.get(&v.user_id).cloned().unwrap_or_default(),
        reason: v.reason,
        voided_at: v.voided_at,
        voided_by: v.voided_by.map(UserId::into_uuid),
        lifted_at: v.lifted_at,
        lift_reason: v.lift_reason,
    })
}

/// A reason for a decision, trimmed: 3 to 1000 characters, kept in the record.
pub fn checked_reason(raw: &str) -> Result<&str, ApiError> {
    let r = raw.trim();
    if (3..=1000).contains(&r.chars().count()) {
        Ok(r)
    } else {
        Err(ApiError::field(
            "/reason",
            "give a reason of 3 to 1000 characters",
        ))
    }
}

/// Voids `entrant`'s result in a round at `now` on behalf of `user` (an organizer): it leaves
/// the live boards at once and the final ranking when the round is published (again).
pub async fn void_result(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
    entrant: UserId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<VoidResponse, ApiError> {
    let (round, contest) = managed_round(state, user, round_id).await?;
    let reason = checked_reason(reason)?;
    let attempts = persistence::attempts::of_user_in_round(&state.db, entrant, round.id).await?;
    if !attempts.iter().any(|a| a.finished && !a.practice) {
        return Err(ApiError::NotFound("result"));
    }
    if persistence::results::void_in_force(&state.db, round.id, entrant)
        .await?
        .is_some()
    {
        return Err(Conflict::AlreadyVoided.into());
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let void =
        persistence::results::insert_void(&txn, round.id, entrant, reason, user, now).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "result.void",
        Some(void.id.into_uuid()),
        Some(contest.settings.unit_id),
        json!({"round_id": round.id, "user_id": entrant, "reason": reason}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::standings::rebuild_contest(state, contest.id).await?;
    void_response(state, void).await
}

/// Lifts the void in force on `entrant`'s result in a round at `now` on behalf of `user` (an
/// organizer): the result counts again, live at once and in the final ranking on republishing.
/// 404 `void` when none is in force.
pub async fn lift_void(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
    entrant: UserId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<VoidResponse, ApiError> {
    let (round, contest) = managed_round(state, user, round_id).await?;
    let reason = checked_reason(reason)?;
    let void = persistence::results::void_in_force(&state.db, round.id, entrant)
        .await?
        .ok_or(ApiError::NotFound("void"))?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let lifted =
        persistence::results::lift_void(&txn, &void, reason, user.into_uuid(), now).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "result.restore",
        Some(void.id.into_uuid()),
        Some(contest.settings.unit_id),
        json!({"round_id": round.id, "user_id": entrant, "reason": reason}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::standings::rebuild_contest(state, contest.id).await?;
    void_response(state, lifted).await
}

/// Every void of round `round_id`, lifted or not, for its contest's organizers.
pub async fn list_voids(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
) -> Result<Vec<VoidResponse>, ApiError> {
    let (round, _) = managed_round(state, user, round_id).await?;
    let mut items = Vec::new();
    for v in persistence::results::voids_of_round(&state.db, round.id).await? {
        items.push(void_response(state, v).await?);
    }
    Ok(items)
}

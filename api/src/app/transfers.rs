//! Unit transfers: a member who moved (school, workplace, residence) asks to join another unit,
//! and a manager of the receiving unit decides.
//!
//! - A member has at most one pending request (the database holds the rule; 409
//!   `transfer_pending`). The destination must be a unit a member may belong to, checked as at
//!   registration ([`crate::app::accounts::joinable_unit`]), and not their own.
//! - Managers ([`TRANSFER_MANAGERS`], and system admins) list the requests into or out of a unit
//!   of their subtree; only one whose scope holds the *destination* decides (the receiving unit
//!   accepts the member). A manager who sees a request only from the sending side gets 403 on
//!   deciding it; one who cannot see it at all, 404. Nobody but a system admin decides their
//!   own request.
//! - Approval, in one transaction: the request is closed, the member's unit changes, and the
//!   audit log records it at both units. Past attempts keep the unit they were started under
//!   (attempts store it), so finished rounds and published results are not rewritten; the
//!   member's attempts from now on count for the new unit, which is also how live boards see
//!   them (boards place each attempt by its own unit, so nothing needs replaying).

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::paging::checked_limit;
use crate::auth::Caller;
use crate::caches::coherence::Change;
use crate::domain::ids::{TransferRequestId, UnitId, UserId};
use crate::domain::role::Role;
use crate::domain::transfer::{TransferStatus, parse_note, parse_reason};
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::{self, PersistenceError, transfers::Transfer};
use crate::state::AppState;

/// Who lists and decides transfer requests in their subtree (system admins everywhere).
pub const TRANSFER_MANAGERS: &[Role] = &[Role::UnitAdmin, Role::Organizer];

/// How many of their own requests a member sees.
const OWN_HISTORY: u64 = 50;

/// A unit as a transfer request shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferUnit {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Code.
    pub code: String,
    /// The names of the units above it, root first.
    pub path: Vec<String>,
}

/// A unit transfer request.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitTransfer {
    /// Id.
    pub id: Uuid,
    /// The member who asked.
    pub user_id: Uuid,
    /// Their full name.
    pub full_name: String,
    /// Their phone (managers' lists only; null in the member's own list).
    pub phone: Option<String>,
    /// Their unit when they asked.
    pub from_unit: TransferUnit,
    /// The unit they asked to join.
    pub to_unit: TransferUnit,
    /// Why, in their words.
    pub reason: Option<String>,
    /// Where it stands.
    pub status: TransferStatus,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was approved, rejected or cancelled.
    pub decided_at: Option<DateTime<Utc>>,
    /// Who approved or rejected it (the member for a cancellation).
    pub decided_by_name: Option<String>,
    /// The manager's note (always given for a rejection).
    pub decision_note: Option<String>,
    /// Whether the caller may approve or reject it now.
    pub can_decide: bool,
}

/// A page of transfer requests, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitTransferPage {
    /// The requests.
    pub items: Vec<UnitTransfer>,
    /// How many match in all.
    pub total: u64,
}

/// A manager's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The member moves to the requested unit.
    Approve,
    /// The member stays; a note says why.
    Reject,
}

/// Asks, for `user`, to move to `to_unit_id`, with an optional reason.
pub async fn request(
    state: &AppState,
    user: UserId,
    to_unit_id: Uuid,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<UnitTransfer, ApiError> {
    let member = persistence::users::get(&state.db, user).await?;
    let mut errors = Vec::new();
    let reason = parse_reason(reason)
        .map_err(|e| {
            errors.push(FieldError::new("/reason", e.0).with_vi("Lý do dài quá 500 ký tự."));
        })
        .ok()
        .flatten();
    let target =
        crate::app::accounts::joinable_unit(&state.db, UnitId::from_uuid(to_unit_id)).await?;
    match &target {
        None => errors
            .push(FieldError::new("/to_unit_id", "no such unit").with_vi("Không có đơn vị này.")),
        Some(unit) if unit.id == member.unit_id => errors.push(
            FieldError::new("/to_unit_id", "you already belong to this unit")
                .with_vi("Bạn đang sinh hoạt ở đơn vị này; hãy chọn đơn vị khác."),
        ),
        Some(_) => {}
    }
    let (Some(target), true) = (target, errors.is_empty()) else {
        errors.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        return Err(ApiError::Validation(errors));
    };
    if persistence::transfers::pending_of(&state.db, user)
        .await?
        .is_some()
    {
        return Err(Conflict::TransferPending.into());
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let transfer =
        persistence::transfers::insert(&txn, user, member.unit_id, target.id, reason, now)
            .await
            .map_err(|e| match e {
                // A second request sent at the same moment: the index refused it.
                PersistenceError::Duplicate(_) => Conflict::TransferPending.into(),
                other => ApiError::from(other),
            })?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "unit_transfer.request",
        Some(transfer.id.into_uuid()),
        Some(target.id),
        json!({"user_id": user, "from": member.unit_id, "to": target.id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    one_view(state, None, transfer).await
}

/// The member's own requests, newest first.
pub async fn mine(state: &AppState, user: UserId) -> Result<UnitTransferPage, ApiError> {
    let transfers = persistence::transfers::of_user(&state.db, user, OWN_HISTORY).await?;
    let total = transfers.len() as u64;
    Ok(UnitTransferPage {
        items: views(state, None, transfers).await?,
        total,
    })
}

/// Withdraws the member's own pending request.
pub async fn cancel(
    state: &AppState,
    user: UserId,
    id: TransferRequestId,
    now: DateTime<Utc>,
) -> Result<UnitTransfer, ApiError> {
    let transfer = persistence::transfers::get(&state.db, id).await?;
    if transfer.user_id != user {
        return Err(ApiError::NotFound("unit transfer"));
    }
    close(state, user, transfer, TransferStatus::Cancelled, None, now).await?;
    let closed = persistence::transfers::get(&state.db, id).await?;
    one_view(state, None, closed).await
}

/// The requests into or out of `unit_id`'s subtree that `user` manages, newest first,
/// optionally of one status.
pub async fn for_unit(
    state: &AppState,
    user: UserId,
    unit_id: UnitId,
    status: Option<TransferStatus>,
    offset: u64,
    limit: Option<u64>,
) -> Result<UnitTransferPage, ApiError> {
    let limit = checked_limit(limit)?;
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, TRANSFER_MANAGERS, unit_id)
        .await?;
    let (transfers, total) =
        persistence::transfers::in_subtree(&state.db, &unit.path, status, offset, limit).await?;
    Ok(UnitTransferPage {
        items: views(state, Some(&caller), transfers).await?,
        total,
    })
}

/// Approves or rejects a pending request (a note is required to reject).
pub async fn decide(
    state: &AppState,
    user: UserId,
    id: TransferRequestId,
    decision: Decision,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<UnitTransfer, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(TRANSFER_MANAGERS) {
        return Err(ApiError::Forbidden);
    }
    let transfer = persistence::transfers::get(&state.db, id).await?;
    let to = persistence::units::get(&state.db, transfer.to_unit_id).await?;
    if !caller.covers(TRANSFER_MANAGERS, &to.path) {
        // The sending side sees the request in its lists but does not decide it.
        let from = persistence::units::get(&state.db, transfer.from_unit_id).await?;
        return Err(if caller.covers(TRANSFER_MANAGERS, &from.path) {
            ApiError::Forbidden
        } else {
            ApiError::NotFound("unit transfer")
        });
    }
    if transfer.user_id == user && !caller.is_admin() {
        return Err(ApiError::Forbidden);
    }
    let note = parse_note(note, decision == Decision::Reject).map_err(|e| {
        ApiError::Validation(vec![FieldError::new("/note", e.0).with_vi(
            "Ghi chú dài 3 đến 500 ký tự; khi từ chối phải ghi lý do để đoàn viên biết.",
        )])
    })?;
    let status = match decision {
        Decision::Approve => TransferStatus::Approved,
        Decision::Reject => TransferStatus::Rejected,
    };
    close(state, user, transfer, status, note, now).await?;
    let closed = persistence::transfers::get(&state.db, id).await?;
    one_view(state, Some(&caller), closed).await
}

/// Closes `transfer` as `status` in one transaction: on approval the member's unit changes
/// too, and every close is audited. 409 if it is no longer pending.
async fn close(
    state: &AppState,
    actor: UserId,
    transfer: Transfer,
    status: TransferStatus,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if transfer.status != TransferStatus::Pending {
        return Err(Conflict::TransferClosed {
            status: transfer.status.as_str(),
        }
        .into());
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let closed =
        persistence::transfers::close(&txn, transfer.id, status, actor, note.clone(), now).await?;
    if !closed {
        // Decided or cancelled by someone else since it was read.
        let now_status = persistence::transfers::get(&txn, transfer.id).await?.status;
        return Err(Conflict::TransferClosed {
            status: now_status.as_str(),
        }
        .into());
    }
    let detail = json!({
        "user_id": transfer.user_id,
        "from": transfer.from_unit_id,
        "to": transfer.to_unit_id,
        "note": note,
    });
    let action = match status {
        TransferStatus::Approved => "unit_transfer.approve",
        TransferStatus::Rejected => "unit_transfer.reject",
        TransferStatus::Cancelled | TransferStatus::Pending => "unit_transfer.cancel",
    };
    persistence::audit::record_at(
        &txn,
        Some(actor),
        action,
        Some(transfer.id.into_uuid()),
        Some(transfer.to_unit_id),
        detail.clone(),
    )
    .await?;
    if status == TransferStatus::Approved {
        persistence::users::set_unit(&txn, transfer.user_id, transfer.to_unit_id).await?;
        // The sending unit's managers read the departure in their own log.
        persistence::audit::record_at(
            &txn,
            Some(actor),
            "user.unit_change",
            Some(transfer.user_id.into_uuid()),
            Some(transfer.from_unit_id),
            detail,
        )
        .await?;
    }
    txn.commit().await.map_err(PersistenceError::from)?;
    if status == TransferStatus::Approved {
        // Who may see a board is decided from a copy of each person's unit.
        crate::app::coherence::changed(state, Change::Person(transfer.user_id)).await;
    }
    tracing::info!(
        transfer.id = %transfer.id,
        user.id = %transfer.user_id,
        status = status.as_str(),
        "unit transfer closed"
    );
    Ok(())
}

async fn one_view(
    state: &AppState,
    caller: Option<&Caller>,
    transfer: Transfer,
) -> Result<UnitTransfer, ApiError> {
    views(state, caller, vec![transfer])
        .await?
        .pop()
        .ok_or(ApiError::NotFound("unit transfer"))
}

/// The requests as shown: names, units with their paths, and, for a manager (`caller`), the
/// member's phone and whether the caller may decide. A few queries per page, whatever its size.
async fn views(
    state: &AppState,
    caller: Option<&Caller>,
    transfers: Vec<Transfer>,
) -> Result<Vec<UnitTransfer>, ApiError> {
    let mut unit_ids: Vec<UnitId> = transfers
        .iter()
        .flat_map(|t| [t.from_unit_id, t.to_unit_id])
        .collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let units = persistence::units::by_ids(&state.db, &unit_ids).await?;
    let mut above: Vec<UnitId> = units.values().flat_map(|u| u.path.ids()).collect();
    above.sort_unstable();
    above.dedup();
    let names = persistence::units::names_of(&state.db, &above).await?;
    let mut people: Vec<UserId> = transfers
        .iter()
        .flat_map(|t| std::iter::once(t.user_id).chain(t.decided_by))
        .collect();
    people.sort_unstable();
    people.dedup();
    let users = persistence::users::by_ids(&state.db, &people).await?;
    let unit_view = |id: UnitId| match units.get(&id) {
        Some(u) => TransferUnit {
            id: u.id.into_uuid(),
            name: u.name.clone(),
            code: u.code.clone(),
            path: u
                .path
                .ids()
                .into_iter()
                .filter(|a| *a != u.id)
                .filter_map(|a| names.get(&a).cloned())
                .collect(),
        },
        None => TransferUnit {
            id: id.into_uuid(),
            name: String::new(),
            code: String::new(),
            path: Vec::new(),
        },
    };
    Ok(transfers
        .into_iter()
        .map(|t| {
            let member = users.get(&t.user_id);
            let can_decide = caller.is_some_and(|c| {
                t.status == TransferStatus::Pending
                    && (t.user_id != c.id || c.is_admin())
                    && units
                        .get(&t.to_unit_id)
                        .is_some_and(|u| c.covers(TRANSFER_MANAGERS, &u.path))
            });
            UnitTransfer {
                id: t.id.into_uuid(),
                user_id: t.user_id.into_uuid(),
                full_name: member.map(|m| m.full_name.clone()).unwrap_or_default(),
                phone: caller.and(member.map(|m| m.phone.clone())),
                from_unit: unit_view(t.from_unit_id),
                to_unit: unit_view(t.to_unit_id),
                reason: t.reason,
                status: t.status,
                created_at: t.created_at,
                decided_at: t.decided_at,
                decided_by_name: t
                    .decided_by
                    .and_then(|d| users.get(&d).map(|u| u.full_name.clone())),
                decision_note: t.decision_note,
                can_decide,
            }
        })
        .collect())
}

//! Reading the audit log by scope: a system admin reads every event; an organizer or unit
//! admin reads the events about units in their subtrees (the unit recorded with each event,
//! where it is now), and never the rest. Dates are Vietnamese days.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::paging::checked_limit;
use crate::auth::Caller;
use crate::domain::ids::{UnitId, UserId};
use crate::domain::role::Role;
use crate::domain::time::vietnam_day_start;
use crate::error::ApiError;
use crate::persistence::{self, audit::Filter};
use crate::state::AppState;

/// Who reads the audit log of their subtree (system admins read all of it).
pub const AUDIT_READERS: &[Role] = &[Role::Organizer, Role::UnitAdmin];

/// What to read.
#[derive(Debug, Default)]
pub struct AuditQuery {
    /// An action (`certificate.revoke`) or an area (`certificate`).
    pub action: Option<String>,
    /// Who did it.
    pub actor_id: Option<Uuid>,
    /// Only events about this unit's subtree (within the caller's scope).
    pub unit_id: Option<Uuid>,
    /// From this day (inclusive, Vietnam time).
    pub from: Option<NaiveDate>,
    /// To this day (inclusive, Vietnam time).
    pub to: Option<NaiveDate>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
}

/// One event as managers read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    /// Id.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// What, as `area.verb`: `contest.update`, `round.update`, `result.void`, `user.roles`,
    /// `certificate.revoke`, `export.round`, `export.theory_pending`, …
    pub action: String,
    /// Who did it; null for the system or a command-line tool.
    pub actor_id: Option<Uuid>,
    /// Their full name (empty for the system).
    pub actor_name: String,
    /// The unit the event is about.
    pub unit_id: Option<Uuid>,
    /// Its name.
    pub unit_name: Option<String>,
    /// The row changed (contest, round, certificate, person…), when there is one.
    pub subject_id: Option<Uuid>,
    /// What was recorded with it (reasons, counts, file names, roles, formats…).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A page of events, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// The events.
    pub items: Vec<AuditEvent>,
    /// How many match in all.
    pub total: u64,
}

/// The events `user` may read that match `q`, newest first.
pub async fn list(state: &AppState, user: UserId, q: AuditQuery) -> Result<AuditPage, ApiError> {
    let limit = checked_limit(q.limit)?;
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(AUDIT_READERS) {
        return Err(ApiError::Forbidden);
    }
    let action = match q.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(a)
            if a.len() <= 50
                && a.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.') =>
        {
            Some(a.to_owned())
        }
        Some(_) => {
            return Err(ApiError::field(
                "/action",
                "an action is lower-case words joined by dots, like certificate.revoke",
            ));
        }
    };
    if let (Some(from), Some(to)) = (q.from, q.to)
        && to < from
    {
        return Err(ApiError::field("/to", "the last day is before the first"));
    }
    let roots = match q.unit_id {
        Some(id) => Some(vec![
            caller
                .require_unit(&state.db, AUDIT_READERS, UnitId::from_uuid(id))
                .await?
                .path,
        ]),
        None => caller.roots(AUDIT_READERS),
    };
    let filter = Filter {
        roots,
        action,
        actor_id: q.actor_id.map(UserId::from_uuid),
        from: q.from.map(vietnam_day_start),
        until: q
            .to
            .map(|d| vietnam_day_start(d) + chrono::Duration::days(1)),
    };
    let (events, total) = persistence::audit::list(&state.db, &filter, q.offset, limit).await?;
    let actors: Vec<UserId> = events.iter().filter_map(|e| e.actor_id).collect();
    let names = persistence::results::names(&state.db, &actors).await?;
    let units = state.units.snapshot(&state.db).await?;
    let items = events
        .into_iter()
        .map(|e| AuditEvent {
            actor_name: e
                .actor_id
                .and_then(|a| names.get(&a).cloned())
                .unwrap_or_default(),
            unit_name: e
                .unit_id
                .map(UnitId::into_uuid)
                .and_then(|u| units.get(u).map(|_| units.name(Some(u)).to_owned())),
            id: e.id.into_uuid(),
            at: e.at,
            action: e.action,
            actor_id: e.actor_id.map(UserId::into_uuid),
            unit_id: e.unit_id.map(UnitId::into_uuid),
            subject_id: e.subject_id,
            detail: e.detail,
        })
        .collect();
    Ok(AuditPage { items, total })
}

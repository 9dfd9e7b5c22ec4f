//! The audit log: an append-only record of changes that matter later, each tied (where it has
//! one) to the unit it is about, so that managers read the events of their own subtree.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Result;
use super::entities::{audit_log, units};
use crate::domain::ids::{AuditEntryId, UnitId, UserId};
use crate::domain::unit::TreePath;

/// Records `action` by `actor` on `subject` with `detail`, about no unit in particular: only
/// system admins read such events. Prefer [`record_at`] when the event concerns a unit.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<UserId>,
    action: &str,
    subject: Option<Uuid>,
    detail: serde_json::Value,
) -> Result<()> {
    record_at(db, actor, action, subject, None, detail).await
}

/// Records `action` by `actor` on `subject` with `detail`, about `unit` (the contest's host,
/// the person's unit, the unit changed…): the managers of that unit's subtree, and of every
/// unit above it, read it in their audit log.
pub async fn record_at(
    db: &impl ConnectionTrait,
    actor: Option<UserId>,
    action: &str,
    subject: Option<Uuid>,
    unit: Option<UnitId>,
    detail: serde_json::Value,
) -> Result<()> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(AuditEntryId::new()),
        actor_id: Set(actor),
        action: Set(action.to_owned()),
        subject_id: Set(subject),
        detail: Set(detail),
        at: Set(Utc::now()),
        unit_id: Set(unit),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// One recorded event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its id.
    pub id: AuditEntryId,
    /// Who did it (`None`: the system or a command-line tool).
    pub actor_id: Option<UserId>,
    /// What, as `area.verb` (`certificate.revoke`, `export.round`, …).
    pub action: String,
    /// The row it changed, when there is one.
    pub subject_id: Option<Uuid>,
    /// The unit it is about.
    pub unit_id: Option<UnitId>,
    /// Details as recorded.
    pub detail: serde_json::Value,
    /// When.
    pub at: DateTime<Utc>,
}

/// Which events to read.
#[derive(Debug, Default)]
pub struct Filter {
    /// The subtrees whose events may be read; `None` reads everything (system admins).
    pub roots: Option<Vec<TreePath>>,
    /// An action (`certificate.revoke`) or an area (`certificate`: every `certificate.…`).
    pub action: Option<String>,
    /// Who did it.
    pub actor_id: Option<UserId>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this instant (exclusive).
    pub until: Option<DateTime<Utc>>,
}

/// A page of events, newest first, and how many match in all.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Event>, u64)> {
    let mut select = audit_log::Entity::find();
    if let Some(roots) = &filter.roots {
        // Events about a unit whose current path lies under one of the roots; an empty list of
        // roots matches nothing (an empty OR is false).
        let mut within = Condition::any();
        for root in roots {
            within = within.add(units::Column::Path.starts_with(root.as_str()));
        }
        select = select.filter(
            audit_log::Column::UnitId.in_subquery(
                Query::select()
                    .column(units::Column::Id)
                    .from(units::Entity)
                    .cond_where(within)
                    .to_owned(),
            ),
        );
    }
    if let Some(action) = &filter.action {
        let area = format!("{}.%", escape_like(action));
        select = select.filter(
            Condition::any()
                .add(audit_log::Column::Action.eq(action.as_str()))
                .add(Expr::col(audit_log::Column::Action).like(LikeExpr::new(area).escape('\\'))),
        );
    }
    if let Some(actor) = filter.actor_id {
        select = select.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(from) = filter.from {
        select = select.filter(audit_log::Column::At.gte(from));
    }
    if let Some(until) = filter.until {
        select = select.filter(audit_log::Column::At.lt(until));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((
        rows.into_iter()
            .map(|m| Event {
                id: m.id,
                actor_id: m.actor_id,
                action: m.action,
                subject_id: m.subject_id,
                unit_id: m.unit_id,
                detail: m.detail,
                at: m.at,
            })
            .collect(),
        total,
    ))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// An entry of the audit log.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Who.
    pub actor_id: Option<UserId>,
    /// What (`round.publish`, …).
    pub action: String,
    /// The details recorded.
    pub detail: serde_json::Value,
    /// When.
    pub at: chrono::DateTime<Utc>,
}

/// The entries about `subject` whose action is one of `actions`, newest first, at most `limit`.
pub async fn of_subject(
    db: &impl ConnectionTrait,
    subject: Uuid,
    actions: &[&str],
    limit: u64,
) -> Result<Vec<Entry>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::SubjectId.eq(subject))
        .filter(audit_log::Column::Action.is_in(actions.iter().copied()))
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Entry {
            actor_id: m.actor_id,
            action: m.action,
            detail: m.detail,
            at: m.at,
        })
        .collect())
}

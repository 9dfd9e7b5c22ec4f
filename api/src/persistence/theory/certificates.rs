//! Certificates: issued when a member passes every lesson of a course version, verified by
//! code, revoked (never deleted).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::domain::ids::{CertificateId, CourseId, UserId};
use crate::persistence::Result;
use crate::persistence::entities::certificates;

/// A certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Id.
    pub id: CertificateId,
    /// Its code (10 characters, Crockford base 32).
    pub code: String,
    /// Holder.
    pub user_id: UserId,
    /// The course version passed.
    pub course_id: CourseId,
    /// When the last lesson was passed.
    pub issued_at: DateTime<Utc>,
    /// When revoked, if so.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who revoked it.
    pub revoked_by: Option<UserId>,
    /// Why.
    pub revoked_reason: Option<String>,
}

impl From<certificates::Model> for Certificate {
    fn from(m: certificates::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            user_id: m.user_id,
            course_id: m.course_id,
            issued_at: m.issued_at,
            revoked_at: m.revoked_at,
            revoked_by: m.revoked_by,
            revoked_reason: m.revoked_reason,
        }
    }
}

/// The certificate with `code`.
pub async fn certificate_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<Certificate>> {
    Ok(certificates::Entity::find()
        .filter(certificates::Column::Code.eq(code))
        .one(db)
        .await?
        .map(Certificate::from))
}

/// A person's certificates, newest first.
pub async fn certificates_of_user(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Vec<Certificate>> {
    Ok(certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user_id))
        .order_by_desc(certificates::Column::IssuedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Certificate::from)
        .collect())
}

/// Inserts a certificate; a second one for the same person and course, or a code already
/// taken, comes back as `Duplicate`.
pub async fn insert_certificate(db: &impl ConnectionTrait, c: &Certificate) -> Result<()> {
    certificates::Entity::insert(certificates::ActiveModel {
        id: Set(c.id),
        code: Set(c.code.clone()),
        user_id: Set(c.user_id),
        course_id: Set(c.course_id),
        issued_at: Set(c.issued_at),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revoked_reason: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Revokes a certificate not yet revoked; false if it already was.
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: CertificateId,
    by: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = certificates::Entity::update_many()
        .col_expr(certificates::Column::RevokedAt, Expr::value(now))
        .col_expr(certificates::Column::RevokedBy, Expr::value(by))
        .col_expr(
            certificates::Column::RevokedReason,
            Expr::value(reason.to_owned()),
        )
        .filter(certificates::Column::Id.eq(id))
        .filter(certificates::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// People holding a certificate not revoked for any of `course_ids`; and those whose
/// certificate for one of them was revoked.
pub async fn certified(
    db: &impl ConnectionTrait,
    course_ids: &[CourseId],
) -> Result<(HashSet<UserId>, HashSet<UserId>)> {
    let mut valid = HashSet::new();
    let mut revoked = HashSet::new();
    if course_ids.is_empty() {
        return Ok((valid, revoked));
    }
    let rows: Vec<(UserId, Option<DateTime<Utc>>)> = certificates::Entity::find()
        .select_only()
        .columns([
            certificates::Column::UserId,
            certificates::Column::RevokedAt,
        ])
        .filter(certificates::Column::CourseId.is_in(course_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    for (user, revoked_at) in rows {
        if revoked_at.is_none() {
            valid.insert(user);
        } else {
            revoked.insert(user);
        }
    }
    Ok((valid, revoked))
}

/// When each holder of a certificate in force of `course_ids` got their first one.
pub async fn certified_on(
    db: &impl ConnectionTrait,
    course_ids: &[CourseId],
) -> Result<std::collections::HashMap<UserId, DateTime<Utc>>> {
    let mut out = std::collections::HashMap::new();
    if course_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(UserId, DateTime<Utc>)> = certificates::Entity::find()
        .select_only()
        .columns([certificates::Column::UserId, certificates::Column::IssuedAt])
        .filter(certificates::Column::CourseId.is_in(course_ids.iter().copied()))
        .filter(certificates::Column::RevokedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    for (user, at) in rows {
        let first = out.entry(user).or_insert(at);
        if at < *first {
            *first = at;
        }
    }
    Ok(out)
}

/// Which certificates of a subtree to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Every certificate.
    Any,
    /// Those in force.
    Valid,
    /// Those revoked.
    Revoked,
}

/// A page of the certificates held by members of the subtree at `path` (newest first: by
/// revocation for revoked ones, else by issue), optionally only the one with `code`, and how
/// many match in all.
pub async fn certificates_within(
    db: &impl ConnectionTrait,
    path: &crate::domain::unit::TreePath,
    standing: Standing,
    code: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Certificate>, u64)> {
    use crate::persistence::entities::{units, users};
    use sea_orm::PaginatorTrait;
    use sea_orm::sea_query::Query;
    let holders = Query::select()
        .column(users::Column::Id)
        .from(users::Entity)
        .and_where(
            users::Column::UnitId.in_subquery(
                Query::select()
                    .column(units::Column::Id)
                    .from(units::Entity)
                    .and_where(units::Column::Path.starts_with(path.as_str()))
                    .to_owned(),
            ),
        )
        .to_owned();
    let mut select =
        certificates::Entity::find().filter(certificates::Column::UserId.in_subquery(holders));
    select = match standing {
        Standing::Any => select,
        Standing::Valid => select.filter(certificates::Column::RevokedAt.is_null()),
        Standing::Revoked => select.filter(certificates::Column::RevokedAt.is_not_null()),
    };
    if let Some(code) = code {
        select = select.filter(certificates::Column::Code.eq(code));
    }
    let total = select.clone().count(db).await?;
    if standing == Standing::Revoked {
        select = select.order_by_desc(certificates::Column::RevokedAt);
    }
    let rows = select
        .order_by_desc(certificates::Column::IssuedAt)
        .order_by_asc(certificates::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows.into_iter().map(Certificate::from).collect(), total))
}

//! People's accounts.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait as _,
};
use uuid::Uuid;

use super::entities::{units, users};
use super::{PersistenceError, Result};
use crate::domain::ids::{UnitId, UserId};
use crate::domain::text::fold;
use crate::domain::unit::TreePath;

/// An account as the rest of the code sees it. The password hash stays in this module except
/// for [`credentials_by_phone`].
#[derive(Debug, Clone)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Login phone, national form.
    pub phone: String,
    /// Full name.
    pub full_name: String,
    /// Birth date (absent only for staff accounts made from the command line).
    pub birth_date: Option<NaiveDate>,
    /// The unit they belong to.
    pub unit_id: UnitId,
    /// Citizen id, if given.
    pub citizen_id: Option<String>,
    /// Email, if given.
    pub email: Option<String>,
    /// Date admitted to the Union, if given.
    pub admitted_at: Option<NaiveDate>,
    /// When they consented to the processing of their personal data.
    pub consent_at: DateTime<Utc>,
    /// The version of the personal-data notice they consented to.
    pub consent_version: String,
    /// When the account was erased at its owner's request.
    pub erased_at: Option<DateTime<Utc>>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the password was last set: access tokens issued before it are refused.
    pub password_changed_at: DateTime<Utc>,
    /// Whether, since when, why and by whom the account is disabled.
    pub disabled: Option<Disabled>,
}

/// Why and since when an account is disabled: it cannot sign in, refresh, or use a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disabled {
    /// When.
    pub at: DateTime<Utc>,
    /// Why, as the manager wrote it.
    pub reason: String,
    /// The manager (absent only for rows written outside the API).
    pub by: Option<UserId>,
}

impl From<users::Model> for User {
    fn from(m: users::Model) -> Self {
        Self {
            id: m.id,
            phone: m.phone,
            full_name: m.full_name,
            birth_date: m.birth_date,
            unit_id: m.unit_id,
            citizen_id: m.citizen_id,
            email: m.email,
            admitted_at: m.admitted_at,
            consent_at: m.consent_at,
            consent_version: m.consent_version,
            erased_at: m.erased_at,
            created_at: m.created_at,
            password_changed_at: m.password_changed_at,
            disabled: m.disabled_at.map(|at| Disabled {
                at,
                reason: m.disabled_reason.unwrap_or_default(),
                by: m.disabled_by,
            }),
        }
    }
}

/// A validated new account.
#[derive(Clone)]
pub struct NewUser {
    /// Phone (normalised).
    pub phone: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Full name.
    pub full_name: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Unit.
    pub unit_id: UnitId,
    /// Citizen id.
    pub citizen_id: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Admission date.
    pub admitted_at: Option<NaiveDate>,
}

/// Which unique field a duplicate insert hit.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    /// Another account has this phone.
    Phone,
    /// Another account has this citizen id.
    CitizenId,
}

/// Tells which unique field a constraint message is about (PostgreSQL names the constraint,
/// SQLite the column; both contain the column name).
pub fn taken_field(detail: &str) -> Option<Taken> {
    if detail.contains("phone") {
        Some(Taken::Phone)
    } else if detail.contains("citizen_id") {
        Some(Taken::CitizenId)
    } else {
        None
    }
}

/// Inserts a new account.
pub async fn insert(db: &impl ConnectionTrait, new: NewUser) -> Result<User> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    users::Entity::insert(users::ActiveModel {
        id: Set(UserId::from_uuid(id)),
        phone: Set(new.phone),
        password_hash: Set(new.password_hash),
        full_name_folded: Set(fold(&new.full_name)),
        full_name: Set(new.full_name),
        birth_date: Set(new.birth_date),
        unit_id: Set(new.unit_id),
        citizen_id: Set(new.citizen_id),
        email: Set(new.email),
        admitted_at: Set(new.admitted_at),
        consent_at: Set(now),
        consent_version: Set(crate::domain::person::CONSENT_VERSION.to_owned()),
        erased_at: Set(None),
        password_changed_at: Set(now),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        disabled_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    get(db, UserId::from_uuid(id)).await
}

/// Loads one account.
pub async fn get(db: &impl ConnectionTrait, id: UserId) -> Result<User> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(User::from)
        .ok_or(PersistenceError::NotFound("user"))
}

/// The account with `phone` and its password hash, for login.
pub async fn credentials_by_phone(
    db: &impl ConnectionTrait,
    phone: &str,
) -> Result<Option<(User, String)>> {
    Ok(users::Entity::find()
        .filter(users::Column::Phone.eq(phone))
        .one(db)
        .await?
        .map(|m| {
            let hash = m.password_hash.clone();
            (User::from(m), hash)
        }))
}

/// The password hash of an account.
pub async fn password_hash(db: &impl ConnectionTrait, id: UserId) -> Result<String> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|m| m.password_hash)
        .ok_or(PersistenceError::NotFound("user"))
}

/// Replaces an account's password hash.
/// Sets a new password hash; returns the time recorded as `password_changed_at`.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: UserId,
    hash: String,
) -> Result<DateTime<Utc>> {
    let now = Utc::now();
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::PasswordChangedAt, Expr::value(now))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(now)
}

/// Replaces an outdated hash of the same password with one made with today's parameters, only
/// if the stored hash is still `old` (a password change meanwhile wins). Sessions are kept:
/// the password did not change. Returns whether it replaced it.
pub async fn replace_outdated_hash(
    db: &impl ConnectionTrait,
    id: UserId,
    old: &str,
    new: String,
) -> Result<bool> {
    let done = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(new))
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::PasswordHash.eq(old))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The members of a subtree, by name, paginated.
pub async fn list_in_subtree(
    db: &impl ConnectionTrait,
    root: &TreePath,
    query: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<User>, u64)> {
    search(db, Some(std::slice::from_ref(root)), query, offset, limit).await
}

/// The digits of a search that looks like a phone number ("0912 345", "+84 912"), national
/// form; `None` for a name.
fn phone_digits(query: &str) -> Option<String> {
    let kept: String = query
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')'))
        .collect();
    let digits = kept
        .strip_prefix("+84")
        .map_or(kept.clone(), |rest| format!("0{rest}"));
    (digits.len() >= 3 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// People (not erased) whose unit lies in one of `roots`' subtrees (`None`: anywhere), by
/// name, paginated, with how many match. `query` finds a phone number by its digits (any part
/// of it) or a name ignoring case and diacritics.
pub async fn search(
    db: &impl ConnectionTrait,
    roots: Option<&[TreePath]>,
    query: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<User>, u64)> {
    let mut select = users::Entity::find()
        .join(JoinType::InnerJoin, users::Relation::Unit.def())
        .filter(users::Column::ErasedAt.is_null());
    if let Some(roots) = roots {
        let mut within = sea_orm::Condition::any();
        for root in roots {
            within = within.add(units::Column::Path.starts_with(root.as_str()));
        }
        select = select.filter(within);
    }
    if let Some(q) = query.map(str::trim).filter(|q| !q.is_empty()) {
        select = match phone_digits(q) {
            Some(digits) => select.filter(users::Column::Phone.contains(&digits)),
            None => select.filter(users::Column::FullNameFolded.contains(fold(q))),
        };
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_asc(users::Column::FullNameFolded)
        .order_by_asc(users::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows.into_iter().map(User::from).collect(), total))
}

/// Sets an account's name and birth date (the owner's own profile).
pub async fn set_profile(
    db: &impl ConnectionTrait,
    id: UserId,
    full_name: &str,
    birth_date: Option<NaiveDate>,
) -> Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::FullName, Expr::value(full_name))
        .col_expr(users::Column::FullNameFolded, Expr::value(fold(full_name)))
        .col_expr(users::Column::BirthDate, Expr::value(birth_date))
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether any account exists at all (first-run detection).
pub async fn any(db: &impl ConnectionTrait) -> Result<bool> {
    Ok(users::Entity::find().count(db).await? > 0)
}

/// Accounts whose password changed since `since`: (account, when).
pub async fn passwords_changed_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<(UserId, DateTime<Utc>)>> {
    Ok(users::Entity::find()
        .filter(users::Column::PasswordChangedAt.gte(since))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.password_changed_at))
        .collect())
}

/// Records consent to `version` of the personal-data notice.
pub async fn record_consent(
    db: &impl ConnectionTrait,
    id: UserId,
    version: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::ConsentVersion, Expr::value(version))
        .col_expr(users::Column::ConsentAt, Expr::value(now))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The placeholder an erased account keeps in place of its phone.
fn erased_phone(id: UserId) -> String {
    let hex = id.into_uuid().simple().to_string();
    format!("erased-{}", &hex[hex.len() - 13..])
}

/// Erases an account's personal data at its owner's request: name, phone, birth date, citizen
/// id, email and admission date go; the row stays (with a name that says so and a phone
/// placeholder no one can sign in with) so the results that reference it keep their rankings.
/// The password hash is replaced by one that matches no password.
pub async fn erase(db: &impl ConnectionTrait, id: UserId, now: DateTime<Utc>) -> Result<()> {
    const ERASED_NAME: &str = "Người dùng đã xoá";
    users::Entity::update_many()
        .col_expr(users::Column::FullName, Expr::value(ERASED_NAME))
        .col_expr(
            users::Column::FullNameFolded,
            Expr::value(fold(ERASED_NAME)),
        )
        // Unique (the column is) and never a phone number, within the column's 20 characters;
        // the tail of a v7 id is its random part.
        .col_expr(users::Column::Phone, Expr::value(erased_phone(id)))
        .col_expr(users::Column::PasswordHash, Expr::value("!erased"))
        .col_expr(
            users::Column::BirthDate,
            Expr::value(Option::<NaiveDate>::None),
        )
        .col_expr(
            users::Column::CitizenId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(users::Column::Email, Expr::value(Option::<String>::None))
        .col_expr(
            users::Column::AdmittedAt,
            Expr::value(Option::<NaiveDate>::None),
        )
        .col_expr(users::Column::ErasedAt, Expr::value(Some(now)))
        .col_expr(users::Column::PasswordChangedAt, Expr::value(now))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Moves an account to another unit (an approved transfer). Past attempts keep the unit they
/// were started under; only what the member does from now on counts for `unit`.
pub async fn set_unit(db: &impl ConnectionTrait, id: UserId, unit: UnitId) -> Result<()> {
    let done = users::Entity::update_many()
        .col_expr(users::Column::UnitId, Expr::value(unit.into_uuid()))
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(PersistenceError::NotFound("user"));
    }
    Ok(())
}

/// The accounts of `ids` that exist, by id.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[UserId],
) -> Result<std::collections::HashMap<UserId, User>> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let rows = users::Entity::find()
            .filter(users::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|m| (m.id, User::from(m))));
    }
    Ok(out)
}

/// Disables the account `id` with `disabled` (or enables it with `None`). Returns whether the
/// account was in the other state before (disabling a disabled account changes nothing).
pub async fn set_disabled(
    db: &impl ConnectionTrait,
    id: UserId,
    disabled: Option<&Disabled>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let update = users::Entity::update_many()
        .col_expr(
            users::Column::DisabledAt,
            Expr::value(disabled.map(|d| d.at)),
        )
        .col_expr(
            users::Column::DisabledReason,
            Expr::value(disabled.map(|d| d.reason.clone())),
        )
        .col_expr(
            users::Column::DisabledBy,
            Expr::value(disabled.and_then(|d| d.by.map(|u| u.into_uuid()))),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id));
    let update = if disabled.is_some() {
        update.filter(users::Column::DisabledAt.is_null())
    } else {
        update.filter(users::Column::DisabledAt.is_not_null())
    };
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Accounts disabled since `since` and still disabled: (account, when).
pub async fn disabled_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<(UserId, DateTime<Utc>)>> {
    Ok(users::Entity::find()
        .filter(users::Column::DisabledAt.gte(since))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| Some((m.id, m.disabled_at?)))
        .collect())
}

//! Refresh tokens: issue, rotate, revoke. Only SHA-256 hashes are stored.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, Statement, TransactionTrait,
};

use super::Result;
use super::entities::refresh_tokens::{self, Column, Entity};
use super::entities::users;
use crate::domain::ids::{RefreshTokenId, TokenFamilyId, UserId};

/// A stored refresh token.
#[derive(Debug, Clone)]
pub struct StoredToken {
    /// Row id.
    pub id: RefreshTokenId,
    /// Whose.
    pub user_id: UserId,
    /// The login session it belongs to.
    pub family_id: TokenFamilyId,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Set once it was exchanged for a new one.
    pub rotated_at: Option<DateTime<Utc>>,
    /// Set once it (or its family) was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<refresh_tokens::Model> for StoredToken {
    fn from(m: refresh_tokens::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            family_id: m.family_id,
            expires_at: m.expires_at,
            rotated_at: m.rotated_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// Where a token was issued, for the user's session list and for fraud checks.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// Client address.
    pub ip: Option<String>,
    /// User agent, truncated.
    pub user_agent: Option<String>,
}

/// The user agent as a token keeps it: its first 300 characters.
fn stored_user_agent(client: &ClientInfo) -> Option<String> {
    client
        .user_agent
        .as_ref()
        .map(|ua| ua.chars().take(300).collect())
}

/// Stores a new token of `family`.
pub async fn insert(
    db: &impl ConnectionTrait,
    user: UserId,
    family_id: TokenFamilyId,
    token_hash: String,
    expires_at: DateTime<Utc>,
    client: &ClientInfo,
) -> Result<()> {
    Entity::insert(refresh_tokens::ActiveModel {
        id: Set(RefreshTokenId::new()),
        user_id: Set(user),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        issued_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        rotated_at: Set(None),
        revoked_at: Set(None),
        client_ip: Set(client.ip.clone()),
        user_agent: Set(stored_user_agent(client)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Whether `user` has signed in from `ip` before (a session record still kept, see the
/// retention setting): such an address is the owner's, and keeps its own limit when strangers
/// exhaust the account's.
pub async fn signed_in_from(db: &impl ConnectionTrait, user: UserId, ip: &str) -> Result<bool> {
    use sea_orm::PaginatorTrait as _;
    Ok(Entity::find()
        .filter(Column::UserId.eq(user))
        .filter(Column::ClientIp.eq(ip))
        .count(db)
        .await?
        > 0)
}

/// Finds a token by its hash.
pub async fn find_by_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<StoredToken>> {
    Ok(Entity::find()
        .filter(Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
        .map(StoredToken::from))
}

/// Whether the token issued when a token of `family` was rotated at `rotated_at` is still
/// unused and live and went to `client` (the same address and browser), and no token of the
/// session was used since: then presenting the rotated token again is a retry whose answer was
/// lost, not a replay by someone else.
pub async fn unused_successor_went_to(
    db: &impl ConnectionTrait,
    family_id: TokenFamilyId,
    rotated_at: DateTime<Utc>,
    client: &ClientInfo,
) -> Result<bool> {
    use sea_orm::PaginatorTrait as _;
    let same = |column: Column, value: Option<String>| match value {
        Some(v) => column.eq(v),
        None => column.is_null(),
    };
    let moved_on = Entity::find()
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::RotatedAt.gt(rotated_at))
        .count(db)
        .await?
        > 0;
    if moved_on {
        return Ok(false);
    }
    Ok(Entity::find()
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::IssuedAt.gte(rotated_at))
        .filter(Column::RotatedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .filter(same(Column::ClientIp, client.ip.clone()))
        .filter(same(Column::UserAgent, stored_user_agent(client)))
        .count(db)
        .await?
        > 0)
}

/// The token issued in place of a rotated one: same account and session.
#[derive(Debug)]
pub struct Successor<'a> {
    /// Its stored form: the SHA-256 of the token, in hex.
    pub token_hash: String,
    /// Its expiry.
    pub expires_at: DateTime<Utc>,
    /// Where it goes.
    pub client: &'a ClientInfo,
}

/// Rotates live token `old` and stores its `successor` of the same session at `now`, both or
/// neither, provided the account still exists and is not disabled. Returns false when nothing
/// was done: the token was rotated or revoked since it was read, or the account is disabled
/// or gone; the caller reads again to tell which.
///
/// A refresh on PostgreSQL first tries [`rotate_live_by_hash`], one statement; this
/// transaction is SQLite's way, and PostgreSQL's only when that did nothing.
pub async fn rotate(
    db: &DatabaseConnection,
    old: &StoredToken,
    successor: Successor<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let id = RefreshTokenId::new();
    let txn = db.begin().await?;
    let enabled = Query::select()
        .expr(Expr::val(1))
        .from(users::Entity)
        .and_where(Expr::col((users::Entity, users::Column::Id)).equals((Entity, Column::UserId)))
        .and_where(Expr::col((users::Entity, users::Column::DisabledAt)).is_null())
        .to_owned();
    let rotated = Entity::update_many()
        .col_expr(Column::RotatedAt, Expr::value(now))
        .filter(Column::Id.eq(old.id))
        .filter(Column::RotatedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .filter(Expr::exists(enabled))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !rotated {
        return Ok(false);
    }
    Entity::insert(refresh_tokens::ActiveModel {
        id: Set(id),
        user_id: Set(old.user_id),
        family_id: Set(old.family_id),
        token_hash: Set(successor.token_hash),
        issued_at: Set(now),
        expires_at: Set(successor.expires_at),
        rotated_at: Set(None),
        revoked_at: Set(None),
        client_ip: Set(successor.client.ip.clone()),
        user_agent: Set(stored_user_agent(successor.client)),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Rotates the live token whose hash is `token_hash` (unexpired at `now`, neither rotated nor
/// revoked, of an enabled account) and stores its `successor`, both or neither, without
/// reading it first: whose it was and its session, or `None` when nothing was done.
///
/// # Implementation notes
/// A refresh that reads the token and then rotates it is two round trips; every member makes
/// one as a round opens, and nearly every token presented is live. So on PostgreSQL the
/// rotation and the insert are one statement (the rotation in a data-modifying `WITH`, the
/// insert reading its result), keyed by the hash; the caller reads the token only when it did
/// nothing, to tell why. SQLite, in process, has no round trips to save and no such
/// `WITH`: there it always does nothing and the caller takes the reading path.
pub async fn rotate_live_by_hash(
    db: &DatabaseConnection,
    token_hash: &str,
    successor: &Successor<'_>,
    now: DateTime<Utc>,
) -> Result<Option<(UserId, TokenFamilyId)>> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    const ROTATE: &str = "WITH rotated AS ( \
           UPDATE refresh_tokens SET rotated_at = $1 \
           WHERE token_hash = $2 AND rotated_at IS NULL AND revoked_at IS NULL \
             AND expires_at > $1 \
             AND EXISTS (SELECT 1 FROM users \
                         WHERE users.id = refresh_tokens.user_id AND users.disabled_at IS NULL) \
           RETURNING user_id, family_id) \
         INSERT INTO refresh_tokens \
           (id, user_id, family_id, token_hash, issued_at, expires_at, client_ip, user_agent) \
         SELECT $3, user_id, family_id, $4, $1, $5, $6, $7 FROM rotated \
         RETURNING user_id, family_id";
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            ROTATE,
            [
                now.into(),
                token_hash.into(),
                RefreshTokenId::new().into_uuid().into(),
                successor.token_hash.clone().into(),
                successor.expires_at.into(),
                successor.client.ip.clone().into(),
                stored_user_agent(successor.client).into(),
            ],
        ))
        .await?;
    row.map(|row| Ok((row.try_get("", "user_id")?, row.try_get("", "family_id")?)))
        .transpose()
}

/// Revokes every token of a login session.
pub async fn revoke_family(db: &impl ConnectionTrait, family_id: TokenFamilyId) -> Result<u64> {
    let result = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(Utc::now()))
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Revokes every token of an account (password change, "sign out everywhere").
pub async fn revoke_all_for_user(db: &impl ConnectionTrait, user: UserId) -> Result<u64> {
    let result = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(Utc::now()))
        .filter(Column::UserId.eq(user))
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Whether the login session `family_id` was revoked (logout, replay, password change).
pub async fn family_revoked(db: &impl ConnectionTrait, family_id: TokenFamilyId) -> Result<bool> {
    Ok(Entity::find()
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::RevokedAt.is_not_null())
        .one(db)
        .await?
        .is_some())
}

/// The sessions revoked since `since`: (user, session, when).
pub async fn families_revoked_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<(UserId, TokenFamilyId, DateTime<Utc>)>> {
    let rows = Entity::find()
        .filter(Column::RevokedAt.gte(since))
        .all(db)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|m| seen.insert(m.family_id))
        .filter_map(|m| Some((m.user_id, m.family_id, m.revoked_at?)))
        .collect())
}

/// A stored session token with where it was issued, for the holder's copy of their data.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// The login session.
    pub family_id: TokenFamilyId,
    /// Issued.
    pub created_at: DateTime<Utc>,
    /// Client address.
    pub ip: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every refresh token of `user`, oldest first.
pub async fn of_user(db: &impl ConnectionTrait, user: UserId) -> Result<Vec<SessionRecord>> {
    use sea_orm::QueryOrder;
    Ok(Entity::find()
        .filter(Column::UserId.eq(user))
        .order_by_asc(Column::IssuedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|m| SessionRecord {
            family_id: m.family_id,
            created_at: m.issued_at,
            ip: m.client_ip,
            user_agent: m.user_agent,
            revoked_at: m.revoked_at,
        })
        .collect())
}

/// Deletes the tokens that expired, or were revoked, before `before`.
pub async fn delete_ended_before(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64> {
    use sea_orm::Condition;
    let result = Entity::delete_many()
        .filter(
            Condition::any()
                .add(Column::ExpiresAt.lt(before))
                .add(Column::RevokedAt.lt(before)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

//! Who is asking, decided from memory: the caller's unit and grants (`caches::people`) resolved
//! in the unit tree held in memory (`caches::directory`).
//!
//! The paths a member takes when a round opens (the home screen's contest list, the start) and
//! every board poll ask who the caller is. Read from the database, that was three to five
//! statements per request (the person, their grants, the paths of their unit and of the units
//! their grants cover); in a storm of starts they were the commonest of the database's
//! statements, and queued for a connection behind the starts themselves (#16).
//!
//! The copies are as fresh as the caches keep them: this server's own changes to a person's
//! unit or grants drop their entry at once, and other servers' through `coherence`. A grant
//! over a unit the copy of the tree does not know yet is resolved by the database.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::Caller;
use crate::caches::directory::Snapshot;
use crate::caches::people::Person;
use crate::domain::ids::{UnitId, UserId};
use crate::error::ApiError;
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;

/// The caller, their unit, and the tree both were resolved in.
pub struct Known {
    /// Their grants, with the paths of the units they cover.
    pub caller: Caller,
    /// The unit they belong to.
    pub unit_id: UnitId,
    /// The unit tree as this server holds it.
    pub tree: Arc<Snapshot>,
}

/// `user` as the caches know them.
pub async fn known(state: &AppState, user: UserId) -> Result<Known, ApiError> {
    let db = state.db.clone();
    let person = state
        .people
        .get(user, move || async move { read_person(&db, user).await })
        .await?;
    let tree = state.units.snapshot(&state.db).await?;
    // A grant over a unit the copy of the tree does not know (newer than the copy, or since
    // deleted) is resolved by the database, as everywhere else.
    let resolved = person
        .grants
        .iter()
        .filter_map(|g| g.unit_id)
        .all(|unit| tree.get(unit).is_some());
    let caller = if resolved {
        Caller::resolve(user, &person.grants, |unit| tree.tree_path(unit))
    } else {
        Caller::load(&state.db, user).await?
    };
    Ok(Known {
        caller,
        unit_id: person.unit_id,
        tree,
    })
}

async fn read_person(db: &DatabaseConnection, id: UserId) -> Result<Person, PersistenceError> {
    let (unit_id, grants) = persistence::roles::unit_and_grants(db, id).await?;
    Ok(Person { unit_id, grants })
}

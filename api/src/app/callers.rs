//! Who is asking, decided from memory: the caller's unit and grants (`caches::people`) resolved
//! in the unit tree held in memory (`caches::directory`).
//!
//! The paths a member takes when a round opens (the home screen's contest list, the start) and
//! every board poll ask who the caller is. Read from the database, that was three to five
//! statements per request (the person, their grants, the paths of their unit and of the units
//! their grants cover); in a storm of starts they were the commonest of the database's
//! statements, and queued for a connection behind the starts themselves (#16).
//!
//! A person nobody holds is read together with the others asked at about the same moment
//! (`caches::coalesce`): in a round's first seconds that is everyone who starts or polls.
//!
//! The copies are as fresh as the caches keep them: this server's own changes to a person's
//! unit or grants drop their entry at once, and other servers' through `coherence`. A grant
//! over a unit the copy of the tree does not know yet is resolved by the database.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::Caller;
use crate::caches::coalesce::{Coalesced, Got};
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
    let (db, reads) = (state.db.clone(), state.person_reads.clone());
    let person = state
        .people
        .get(
            user,
            move || async move { read_person(&db, &reads, user).await },
        )
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

/// Person `id`, read with the others asked at about the same moment; alone when that read
/// failed, so that the error is this read's own.
async fn read_person(
    db: &DatabaseConnection,
    reads: &Coalesced<UserId, Person>,
    id: UserId,
) -> Result<Person, PersistenceError> {
    let together = {
        let db = db.clone();
        move |ids: Vec<UserId>| {
            let db = db.clone();
            async move { read_people(&db, &ids).await }
        }
    };
    match reads.get(id, together).await {
        Got::Found(person) => Ok(person),
        Got::Missing => Err(PersistenceError::NotFound("user")),
        Got::Failed => read_people(db, &[id])
            .await?
            .remove(&id)
            .ok_or(PersistenceError::NotFound("user")),
    }
}

async fn read_people(
    db: &DatabaseConnection,
    ids: &[UserId],
) -> Result<HashMap<UserId, Person>, PersistenceError> {
    Ok(persistence::roles::units_and_grants(db, ids)
        .await?
        .into_iter()
        .map(|(id, (unit_id, grants))| (id, Person { unit_id, grants }))
        .collect())
}

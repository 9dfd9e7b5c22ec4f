//! Authorization in one place: what the caller's roles let them touch.
//!
//! A request may touch a unit's data only if one of the caller's grants covers that unit: the
//! grant's unit is the unit itself or one of its ancestors. Outside every grant the answer is
//! 404, as if the data did not exist; a caller with no managing role at all gets 403.

use sea_orm::ConnectionTrait;

use crate::domain::ids::{UnitId, UserId};
use crate::domain::role::{Grant, Role};
use crate::domain::unit::TreePath;
use crate::error::ApiError;
use crate::persistence::{self, units::Unit};

/// The caller with their grants resolved to subtree paths.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account.
    pub id: UserId,
    grants: Vec<(Role, Option<TreePath>)>,
}

impl Caller {
    /// Loads the caller's grants and the paths of the units they cover.
    pub async fn load(db: &impl ConnectionTrait, id: UserId) -> Result<Self, ApiError> {
        let grants = persistence::roles::for_user(db, id).await?;
        let mut resolved = Vec::with_capacity(grants.len());
        for Grant { role, unit_id } in grants {
            let path = match unit_id {
                Some(unit_id) => match persistence::units::get(db, unit_id).await {
                    Ok(unit) => Some(unit.path),
                    Err(persistence::PersistenceError::NotFound(_)) => continue,
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            resolved.push((role, path));
        }
        Ok(Self {
            id,
            grants: resolved,
        })
    }

    /// The caller with `grants` resolved by `path_of` (the unit tree held in memory), as
    /// [`Caller::load`] resolves them: a grant over a unit that no longer exists is dropped.
    pub fn resolve(
        id: UserId,
        grants: &[Grant],
        path_of: impl Fn(UnitId) -> Option<TreePath>,
    ) -> Self {
        let grants = grants
            .iter()
            .filter_map(|g| match g.unit_id {
                Some(unit) => path_of(unit).map(|path| (g.role, Some(path))),
                None => Some((g.role, None)),
            })
            .collect();
        Self { id, grants }
    }

    /// Whether the caller is a system administrator.
    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|(role, _)| *role == Role::Admin)
    }

    /// Whether the caller holds exactly `role` somewhere (admin does not count).
    pub fn holds(&self, role: Role) -> bool {
        self.grants.iter().any(|(r, _)| *r == role)
    }

    /// Whether the caller holds any of `roles` anywhere (admin counts for every role).
    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.grants
            .iter()
            .any(|(role, _)| *role == Role::Admin || roles.contains(role))
    }

    /// Whether one of the caller's `roles` grants covers `path` (admin covers everything).
    pub fn covers(&self, roles: &[Role], path: &TreePath) -> bool {
        self.grants.iter().any(|(role, root)| match (role, root) {
            (Role::Admin, _) => true,
            (role, Some(root)) => roles.contains(role) && path.is_within(root),
            (_, None) => false,
        })
    }

    /// Requires one of `roles` over `unit`: 403 with no such role anywhere, 404 outside scope.
    pub fn require(&self, roles: &[Role], unit: &Unit) -> Result<(), ApiError> {
        if !self.has_any(roles) {
            return Err(ApiError::Forbidden);
        }
        if !self.covers(roles, &unit.path) {
            return Err(ApiError::NotFound("unit"));
        }
        Ok(())
    }

    /// Loads `unit_id` and requires one of `roles` over it.
    pub async fn require_unit(
        &self,
        db: &impl ConnectionTrait,
        roles: &[Role],
        unit_id: UnitId,
    ) -> Result<Unit, ApiError> {
        if !self.has_any(roles) {
            return Err(ApiError::Forbidden);
        }
        let unit = persistence::units::get(db, unit_id).await?;
        self.require(roles, &unit)?;
        Ok(unit)
    }

    /// The subtree roots the caller manages with `roles`; `None` means everything (admin).
    pub fn roots(&self, roles: &[Role]) -> Option<Vec<TreePath>> {
        if self.is_admin() {
            return None;
        }
        Some(
            self.grants
                .iter()
                .filter(|(role, _)| roles.contains(role))
                .filter_map(|(_, p)| p.clone())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(grants: Vec<(Role, Option<TreePath>)>) -> Caller {
        Caller {
            id: UserId::new(),
            grants,
        }
    }

    #[test]
    fn a_grant_covers_its_subtree_only() {
        let (a, b) = (TreePath::root(UnitId::new()), TreePath::root(UnitId::new()));
        let a_child = a.child(UnitId::new());
        let organizer_of_a = caller(vec![(Role::Organizer, Some(a.clone()))]);
        assert!(organizer_of_a.covers(&[Role::Organizer], &a));
        assert!(organizer_of_a.covers(&[Role::Organizer], &a_child));
        assert!(!organizer_of_a.covers(&[Role::Organizer], &b));
        assert!(
            !organizer_of_a.covers(&[Role::UnitAdmin], &a),
            "an organizer is not a unit admin"
        );
        let admin = caller(vec![(Role::Admin, None)]);
        assert!(admin.covers(&[Role::UnitAdmin], &b));
    }
}

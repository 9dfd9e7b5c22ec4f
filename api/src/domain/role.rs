//! Roles beyond "member" (which every account is): organizer and unit admin, each over a unit
//! subtree, and the system-wide admin.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ids::UnitId;

/// A role a person can be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Builds question banks and runs contests for a unit subtree.
    Organizer,
    /// Manages a unit subtree's units and people, and grants roles within it.
    UnitAdmin,
    /// Everything, everywhere.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organizer => "organizer",
            Self::UnitAdmin => "unit_admin",
            Self::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        match s {
            "organizer" => Some(Self::Organizer),
            "unit_admin" => Some(Self::UnitAdmin),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A role together with the subtree it covers (`None` for admin: everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The root of the subtree it covers.
    pub unit_id: Option<UnitId>,
}

impl Grant {
    /// Checks the pairing: admin is global, the others need a unit.
    pub fn new(role: Role, unit_id: Option<UnitId>) -> Result<Self, super::Invalid> {
        match (role, unit_id) {
            (Role::Admin, None) | (Role::Organizer | Role::UnitAdmin, Some(_)) => {
                Ok(Self { role, unit_id })
            }
            (Role::Admin, Some(_)) => Err(super::Invalid::new(
                "the admin role is system-wide; leave unit_id empty",
            )),
            (_, None) => Err(super::Invalid::new(
                "organizer and unit_admin need the unit_id whose subtree they cover",
            )),
        }
    }
}

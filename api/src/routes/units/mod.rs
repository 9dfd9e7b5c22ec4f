//! `/units`: the organisation tree. Reading it is public (registration needs a unit picker);
//! changing it needs a unit admin whose subtree covers the units touched.

pub(crate) mod import;
mod participation;
mod read;
mod write;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::persistence::units::Unit;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    // Literal paths before `{id}`, so `/units/import` is not read as an id.
    cfg.service(import::import_units)
        .service(read::list_units)
        .service(read::get_unit)
        .service(participation::unit_rounds)
        .service(write::create_unit)
        .service(write::update_unit);
}

/// A unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitResponse {
    /// Id.
    pub id: Uuid,
    /// Parent; null for a root.
    pub parent_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Short code.
    pub code: String,
    /// Declared member count.
    pub member_count: Option<i32>,
    /// When the member count was declared.
    pub member_count_date: Option<NaiveDate>,
    /// 0 for a root.
    pub depth: i32,
}

impl From<Unit> for UnitResponse {
    fn from(u: Unit) -> Self {
        Self {
            id: u.id.into_uuid(),
            parent_id: u.parent_id.map(|p| p.into_uuid()),
            name: u.name,
            code: u.code,
            member_count: u.member_count,
            member_count_date: u.member_count_date,
            depth: u.path.depth(),
        }
    }
}

/// One unit of a listing: the unit, the names above it and whether it has children.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitListItem {
    #[serde(flatten)]
    pub unit: UnitResponse,
    /// The names of the units above it, root first ("Tỉnh đoàn …", "Đoàn cơ sở …").
    pub path: Vec<String>,
    /// Whether any unit sits under it (the registration picker browses into it).
    pub has_children: bool,
}

/// A page of units.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    /// The units.
    pub items: Vec<UnitListItem>,
    /// How many match in all.
    pub total: u64,
}

/// A unit with the chain of units above it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDetail {
    /// The unit.
    #[serde(flatten)]
    pub unit: UnitResponse,
    /// From the root down to the parent.
    pub ancestors: Vec<UnitResponse>,
}

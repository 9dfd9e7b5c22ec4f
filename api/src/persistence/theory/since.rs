//! The admission-date setting of units: from which admission date a unit's new members must
//! take the course (inherited down the tree unless a unit sets its own).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::domain::ids::{UnitId, UserId};
use crate::persistence::Result;
use crate::persistence::entities::unit_theory_settings;

/// Every unit's own admission-date setting.
pub async fn since_settings(db: &impl ConnectionTrait) -> Result<HashMap<Uuid, NaiveDate>> {
    Ok(unit_theory_settings::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.unit_id.into_uuid(), m.theory_since))
        .collect())
}

/// Sets (or, with `None`, clears so the unit inherits) a unit's admission-date setting.
pub async fn set_since(
    db: &impl ConnectionTrait,
    unit_id: Uuid,
    since: Option<NaiveDate>,
    by: Option<Uuid>,
) -> Result<()> {
    match since {
        None => {
            unit_theory_settings::Entity::delete_by_id(unit_id)
                .exec(db)
                .await?;
        }
        Some(date) => {
            unit_theory_settings::Entity::insert(unit_theory_settings::ActiveModel {
                unit_id: Set(UnitId::from_uuid(unit_id)),
                theory_since: Set(date),
                updated_by: Set(by.map(UserId::from_uuid)),
                updated_at: Set(Utc::now()),
            })
            .on_conflict(
                OnConflict::column(unit_theory_settings::Column::UnitId)
                    .update_columns([
                        unit_theory_settings::Column::TheorySince,
                        unit_theory_settings::Column::UpdatedBy,
                        unit_theory_settings::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

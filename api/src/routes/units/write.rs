//! Creating, editing and moving units.

use actix_web::{HttpResponse, patch, post, web};
use chrono::{NaiveDate, Utc};
use sea_orm::TransactionTrait;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{UnitDetail, UnitResponse};
use crate::auth::{AuthUser, Caller};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::domain::unit::{MAX_DEPTH, MemberCount, UnitCode, UnitName};
use crate::error::{ApiError, Conflict, FieldError, Problem};
use crate::persistence::{self, PersistenceError};
use crate::routes::extract::{Json, double_option};
use crate::state::AppState;

const MANAGERS: &[Role] = &[Role::UnitAdmin];

/// A new unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    /// Parent; null makes a root (admins only).
    pub parent_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Short code, unique.
    pub code: String,
    /// Declared member count.
    pub member_count: Option<i64>,
    /// When it was declared (default today).
    pub member_count_date: Option<NaiveDate>,
}

pub(super) fn duplicate_code(e: PersistenceError) -> ApiError {
    match e {
        PersistenceError::Duplicate(_) => Conflict::UnitCodeTaken.into(),
        other => other.into(),
    }
}

/// Creates a unit under a parent the caller administers.
#[utoipa::path(
    tag = "units",
    request_body = CreateUnitRequest,
    responses(
        (status = 201, description = "Created", body = UnitResponse),
        (status = 403, description = "Not a unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Parent unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/units")]
#[tracing::instrument(name = "Create unit", skip_all, fields(user.id = %user.id))]
pub async fn create_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let caller = Caller::load(&state.db, user.id).await?;
    let parent = match body.parent_id {
        Some(id) => Some(caller.require_unit(&state.db, MANAGERS, UnitId(id)).await?),
        None if caller.is_admin() => None,
        None => {
            return Err(if caller.has_any(MANAGERS) {
                ApiError::field("/parent_id", "only a system admin can create a root unit")
            } else {
                ApiError::Forbidden
            });
        }
    };
    if parent
        .as_ref()
        .is_some_and(|p| p.path.depth() + 1 > MAX_DEPTH)
    {
        return Err(ApiError::field(
            "/parent_id",
            format!("the tree may be at most {} levels deep", MAX_DEPTH + 1),
        ));
    }
    let today = Utc::now().date_naive();
    let mut errors = Vec::new();
    let name = UnitName::parse(&body.name)
        .map_err(|e| errors.push(FieldError::new("/name", e.0)))
        .ok();
    let code = UnitCode::parse(&body.code)
        .map_err(|e| errors.push(FieldError::new("/code", e.0)))
        .ok();
    let member_count = match body.member_count {
        Some(n) => MemberCount::parse(n, body.member_count_date, today)
            .map_err(|e| errors.push(FieldError::new("/member_count", e.0)))
            .ok(),
        None => None,
    };
    let (Some(name), Some(code), true) = (name, code, errors.is_empty()) else {
        errors.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        return Err(ApiError::Validation(errors));
    };
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let unit = persistence::units::insert(
        &txn,
        persistence::units::NewUnit {
            id: UnitId::new(),
            parent,
            name,
            code,
            member_count,
        },
    )
    .await
    .map_err(duplicate_code)?;
    persistence::audit::record(
        &txn,
        Some(user.id),
        "unit.create",
        Some(unit.id.0),
        json!({"code": unit.code, "parent_id": unit.parent_id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Boards read names, member counts and paths from the in-memory tree.
    state.units.invalidate();
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/units/{}", unit.id)))
        .json(UnitResponse::from(unit)))
}

/// Changes to a unit; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnitRequest {
    /// New name.
    pub name: Option<String>,
    /// New code.
    pub code: Option<String>,
    /// New declared member count.
    pub member_count: Option<i64>,
    /// When it was declared (default today).
    pub member_count_date: Option<NaiveDate>,
    /// Move the unit and its whole subtree under this parent (`null`: make it a root; admins only).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
}

/// Renames, recodes, updates the member count, or moves a subtree (never into itself).
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Unit id")),
    request_body = UpdateUnitRequest,
    responses(
        (status = 200, description = "Updated", body = UnitDetail),
        (status = 403, description = "Not a unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation, or the move would make a cycle", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/units/{id}")]
#[tracing::instrument(name = "Update unit", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn update_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateUnitRequest>,
) -> Result<web::Json<UnitDetail>, ApiError> {
    let body = body.0;
    let caller = Caller::load(&state.db, user.id).await?;
    let unit = caller
        .require_unit(&state.db, MANAGERS, UnitId(*id))
        .await?;
    let today = Utc::now().date_naive();
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .map(UnitName::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::new("/name", e.0)))
        .ok()
        .flatten();
    let code = body
        .code
        .as_deref()
        .map(UnitCode::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::new("/code", e.0)))
        .ok()
        .flatten();
    let member_count = match (body.member_count, body.member_count_date) {
        (Some(n), date) => MemberCount::parse(n, date, today)
            .map_err(|e| errors.push(FieldError::new("/member_count", e.0)))
            .ok(),
        (None, Some(_)) => {
            errors.push(FieldError::new(
                "/member_count_date",
                "give member_count together with its date",
            ));
            None
        }
        (None, None) => None,
    };
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        return Err(ApiError::Validation(errors));
    }

    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let mut updated = persistence::units::update_fields(&txn, unit.id, name, code, member_count)
        .await
        .map_err(duplicate_code)?;
    if let Some(new_parent_id) = body.parent_id {
        let new_parent = match new_parent_id {
            Some(pid) => Some(
                caller
                    .require_unit(&txn, MANAGERS, UnitId(pid))
                    .await
                    .map_err(|e| match e {
                        ApiError::NotFound(_) => {
                            ApiError::field("/parent_id", "no such unit in your scope")
                        }
                        other => other,
                    })?,
            ),
            None if caller.is_admin() => None,
            None => {
                return Err(ApiError::field(
                    "/parent_id",
                    "only a system admin can make a unit a root",
                ));
            }
        };
        if new_parent
            .as_ref()
            .is_some_and(|p| p.path.is_within(&unit.path))
        {
            return Err(ApiError::field(
                "/parent_id",
                "a unit cannot be moved under itself or one of its own sub-units",
            ));
        }
        if new_parent.as_ref().map(|p| p.id) != unit.parent_id {
            let new_depth = new_parent.as_ref().map_or(0, |p| p.path.depth() + 1);
            let deepest = persistence::units::max_depth_within(&txn, &unit).await?;
            if deepest - unit.path.depth() + new_depth > MAX_DEPTH {
                return Err(ApiError::field(
                    "/parent_id",
                    format!(
                        "after the move the tree would be more than {} levels deep",
                        MAX_DEPTH + 1
                    ),
                ));
            }
            updated = persistence::units::move_subtree(&txn, &updated, new_parent.as_ref()).await?;
            persistence::audit::record(
                &txn,
                Some(user.id),
                "unit.move",
                Some(unit.id.0),
                json!({"from": unit.parent_id, "to": new_parent.as_ref().map(|p| p.id)}),
            )
            .await?;
        }
    }
    persistence::audit::record(
        &txn,
        Some(user.id),
        "unit.update",
        Some(unit.id.0),
        json!({"name": updated.name, "code": updated.code, "member_count": updated.member_count}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Boards read names, member counts and paths from the in-memory tree.
    state.units.invalidate();
    if updated.parent_id != unit.parent_id {
        // A moved subtree takes its results along: the boards of its old and new ancestors
        // are replayed from the database in the background.
        let state = state.clone();
        tokio::spawn(async move {
            let since = chrono::Utc::now() - chrono::Duration::days(60);
            if let Err(e) = crate::standings::rebuild_recent(&state, since).await {
                tracing::error!(error = %crate::error::cause_chain(&e), "rebuilding boards after a unit move failed");
            }
        });
    }
    let ancestors = persistence::units::ancestors(&state.db, &updated).await?;
    Ok(web::Json(UnitDetail {
        unit: updated.into(),
        ancestors: ancestors.into_iter().map(UnitResponse::from).collect(),
    }))
}

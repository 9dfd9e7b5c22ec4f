//! `GET /me/theory`: my lessons with their status, my tests and my certificate;
//! `GET /me/programmes`: the study programmes that apply to me ("Học tập").

use actix_web::{get, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::theory::me;
pub use crate::app::theory::me::{MyProgrammes, MyTheoryResponse};
use crate::auth::AuthUser;
use crate::domain::ids::CourseId;
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::state::AppState;

/// The study programmes taught now that apply to me — the new members' theory course when I
/// must take it, the year's thematic study, a resolution study — with my progress, their
/// deadline and my certificate.
#[utoipa::path(
    tag = "theory",
    responses(
        (status = 200, description = "My programmes", body = MyProgrammes),
    ),
    security(("bearer" = []))
)]
#[get("/me/programmes")]
#[tracing::instrument(name = "My programmes", skip_all, fields(user.id = %user.id))]
pub async fn my_programmes(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<MyProgrammes>, ApiError> {
    Ok(web::Json(
        me::my_programmes(&state, user.id, Utc::now()).await?,
    ))
}

/// Which course.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CourseQuery {
    /// A course version; the one taught now by default.
    pub course_id: Option<Uuid>,
}

/// My lessons of the course (the one taught now, or `course_id`) with their status — not yet
/// tested, tested (best score so far), passed (date) — the tests I may take, and my
/// certificate once every lesson is passed (issued here if it was not yet).
#[utoipa::path(
    tag = "theory",
    params(CourseQuery),
    responses(
        (status = 200, description = "My progress", body = MyTheoryResponse),
        (status = 404, description = "No course yet, or unknown course", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/me/theory")]
#[tracing::instrument(name = "My theory", skip_all, fields(user.id = %user.id))]
pub async fn my_theory(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<CourseQuery>,
) -> Result<web::Json<MyTheoryResponse>, ApiError> {
    let mine = me::my_theory(
        &state,
        user.id,
        query.course_id.map(CourseId::from_uuid),
        Utc::now(),
    )
    .await?;
    Ok(web::Json(mine))
}

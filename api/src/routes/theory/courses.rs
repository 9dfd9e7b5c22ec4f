//! `/courses`: study programmes (the political-theory course among them), their versions,
//! lessons and listed audiences.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};

pub use crate::app::theory::audience::AudienceImportResult;
pub use crate::app::theory::courses::{
    CourseList, CourseResponse, CreateCourseRequest, CreateLessonRequest, LessonMaterialsRequest,
};
use crate::app::theory::{audience, courses};
use crate::auth::AuthUser;
use crate::domain::ids::{CourseId, LessonId};
use crate::error::{ApiError, Problem};
use crate::routes::extract::Json;
use crate::routes::units::import::import_limits;
use crate::routes::upload;
use crate::state::AppState;

/// Every course version with its lessons.
#[utoipa::path(
    tag = "theory",
    responses((status = 200, description = "Courses", body = CourseList), (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/courses")]
#[tracing::instrument(name = "List courses", skip_all, fields(user.id = %user.id))]
pub async fn list_courses(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<CourseList>, ApiError> {
    Ok(web::Json(courses::list_courses(&state).await?))
}

/// Adds a study programme (course), or a new version of one: system admins any; an organizer,
/// a programme limited to a unit of their scope and not for new members.
#[utoipa::path(
    tag = "theory",
    request_body = CreateCourseRequest,
    responses(
        (status = 201, description = "Created", body = CourseResponse),
        (status = 403, description = "Neither a system admin nor an organizer (or, for an organizer, the new members' course)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This version of the code exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/courses")]
#[tracing::instrument(name = "Create course", skip_all, fields(user.id = %user.id))]
pub async fn create_course(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateCourseRequest>,
) -> Result<HttpResponse, ApiError> {
    let course = courses::create_course(&state, user.id, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", "/api/v1/courses"))
        .json(course))
}

/// Adds a lesson at the end of a course version (those who manage the programme). Certificates already issued
/// for the version stay; members not yet certified must also pass the new lesson.
#[utoipa::path(
    tag = "theory",
    params(("id" = Uuid, Path, description = "Course version id")),
    request_body = CreateLessonRequest,
    responses(
        (status = 201, description = "The course with the new lesson", body = CourseResponse),
        (status = 403, description = "Does not manage the programme", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown course", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/courses/{id}/lessons")]
#[tracing::instrument(name = "Add lesson", skip_all, fields(user.id = %user.id, course.id = %id))]
pub async fn add_lesson(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<CourseId>,
    body: Json<CreateLessonRequest>,
) -> Result<HttpResponse, ApiError> {
    let course = courses::add_lesson(&state, user.id, *id, body.0).await?;
    Ok(HttpResponse::Created().json(course))
}

/// Multipart form with the list.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AudienceImportForm {
    /// A `.csv` (UTF-8) or `.xlsx` file with a `phone` (`số điện thoại`) column.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// Replaces a programme's listed audience (every version of its code) with the members whose
/// phones the file lists (those who manage the programme: system admins; an organizer, their
/// unit's programmes). Any unknown phone means nothing changes; the 422
/// answer lists every bad row as `/rows/{row}/phone`.
#[utoipa::path(
    tag = "theory",
    params(("id" = Uuid, Path, description = "Course version id")),
    request_body(content = AudienceImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The list in force", body = AudienceImportResult),
        (status = 403, description = "Does not manage the programme", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown course", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows, or the programme's audience is not a list; nothing changed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/courses/{id}/audience")]
#[tracing::instrument(name = "Import a programme's audience", skip_all, fields(user.id = %user.id, course.id = %id))]
pub async fn import_audience(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<CourseId>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<AudienceImportResult>, ApiError> {
    let (limits, max_bytes) = (import_limits(&state), state.settings.max_upload_bytes);
    // Read only once the caller may import (the application awaits it after that check).
    let file = async move {
        let file = upload::read_file(&req, payload, "file", max_bytes).await?;
        let file_name = file.file_name.clone();
        Ok((file_name, upload::read_table(file, limits).await?))
    };
    Ok(web::Json(
        audience::import(&state, user.id, *id, file).await?,
    ))
}

/// Replaces the study materials of one lesson of a course version (those who manage the
/// programme): links, and files uploaded through `POST /materials`. Members see the new list at
/// once; their results and certificates do not change.
#[utoipa::path(
    tag = "theory",
    params(
        ("id" = Uuid, Path, description = "Course version id"),
        ("lesson_id" = Uuid, Path, description = "Lesson id"),
    ),
    request_body = LessonMaterialsRequest,
    responses(
        (status = 200, description = "The course with the lesson's new materials", body = CourseResponse),
        (status = 403, description = "Does not manage the programme", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown course, or no such lesson in it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A material failed validation, or names a file nobody uploaded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/courses/{id}/lessons/{lesson_id}/materials")]
#[tracing::instrument(name = "Set a lesson's materials", skip_all, fields(user.id = %user.id, course.id = %path.0))]
pub async fn set_lesson_materials(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(CourseId, LessonId)>,
    body: Json<LessonMaterialsRequest>,
) -> Result<web::Json<CourseResponse>, ApiError> {
    let (course, lesson) = path.into_inner();
    Ok(web::Json(
        courses::set_lesson_materials(&state, user.id, course, lesson, body.0).await?,
    ))
}

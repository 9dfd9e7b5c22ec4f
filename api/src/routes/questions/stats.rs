//! `GET /questions/{id}/stats` (how a question performed in finished attempts) and
//! `GET /questions/{id}/versions` (what each kept version showed).

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{AuthUser, Caller};
use crate::domain::ids::QuestionId;
use crate::domain::item_stats;
use crate::error::{ApiError, Problem};
use crate::persistence;
use crate::state::AppState;

/// The share choosing one option.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionShare {
    /// Option id.
    pub option_id: Uuid,
    /// Text.
    pub text: String,
    /// Whether it is (part of) the key.
    pub correct: bool,
    /// Share of attempts that chose it (0–1).
    pub share: f64,
}

/// Item statistics of the current version.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionStats {
    /// Question.
    pub question_id: Uuid,
    /// The version these figures are about (an edit starts fresh figures).
    pub version: i32,
    /// Times shown in finished attempts.
    pub times_shown: u64,
    /// Times left unanswered.
    pub unanswered: u64,
    /// Share answering correctly (0–1); null before any attempt.
    pub facility: Option<f64>,
    /// Upper–lower 27% discrimination (−1…1); null below 10 attempts.
    pub discrimination: Option<f64>,
    /// Share choosing each option.
    pub options: Vec<OptionShare>,
}

/// How the question's current version has performed, for the organizers who can see it.
#[utoipa::path(
    tag = "questions",
    params(("id" = Uuid, Path, description = "Question id")),
    responses(
        (status = 200, description = "Statistics", body = QuestionStats),
        (status = 403, description = "Not an organizer of the bank that owns the question (a bank shared from above shows no statistics: they give the key away)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/questions/{id}/stats")]
#[tracing::instrument(name = "Question stats", skip_all, fields(user.id = %user.id, question.id = %id))]
pub async fn question_stats(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<QuestionId>,
) -> Result<web::Json<QuestionStats>, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let (question, manages_bank) = super::crud::visible_question(&state, &caller, *id).await?;
    // The shares and the facility give the key away as surely as `correct` does.
    if !manages_bank {
        return Err(ApiError::Forbidden);
    }
    let items = persistence::attempts::items_of_version(
        state.reporting_db().await?,
        question.id.into_uuid(),
        question.version_id,
    )
    .await?;
    let stats = item_stats::compute(&items, &question.option_ids);
    let options = question
        .option_ids
        .iter()
        .zip(&question.content.options)
        .zip(stats.option_shares)
        .map(|((id, o), (_, share))| OptionShare {
            option_id: id.into_uuid(),
            text: o.text.clone(),
            correct: o.correct,
            share,
        })
        .collect();
    Ok(web::Json(QuestionStats {
        question_id: question.id.into_uuid(),
        version: question.version,
        times_shown: stats.shown,
        unanswered: stats.unanswered,
        facility: stats.facility,
        discrimination: stats.discrimination,
        options,
    }))
}

/// One kept version of a question.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionVersionItem {
    /// Version number.
    pub version: i32,
    /// Its id (what attempts record).
    pub version_id: Uuid,
    /// Whether it is the current one.
    pub current: bool,
    /// When it was written.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The stem it showed.
    pub text: String,
    /// The stem's picture.
    pub image: Option<String>,
    /// Its options, with the key.
    pub options: Vec<super::OptionResponse>,
    /// Its explanation.
    pub explanation: Option<String>,
    /// Its source's title.
    pub source_title: Option<String>,
}

/// The versions of a question.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionVersionList {
    /// Newest first.
    pub items: Vec<QuestionVersionItem>,
}

/// The versions kept of a question, newest first: once a question has been active, each edit
/// of what members see makes a new version and attempts keep the one they showed.
#[utoipa::path(
    tag = "questions",
    params(("id" = Uuid, Path, description = "Question id")),
    responses(
        (status = 200, description = "Versions", body = QuestionVersionList),
        (status = 403, description = "Not an organizer of the bank that owns the question", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/questions/{id}/versions")]
#[tracing::instrument(name = "Question versions", skip_all, fields(user.id = %user.id, question.id = %id))]
pub async fn question_versions(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<QuestionId>,
) -> Result<web::Json<QuestionVersionList>, ApiError> {
    let versions = crate::app::bank::question_versions(&state, user.id, *id).await?;
    let newest = versions.first().map(|v| v.version);
    Ok(web::Json(QuestionVersionList {
        items: versions
            .into_iter()
            .map(|v| QuestionVersionItem {
                version: v.version,
                version_id: v.content.version_id.into_uuid(),
                current: Some(v.version) == newest,
                created_at: v.created_at,
                text: v.content.text,
                image: v.content.image,
                options: v
                    .content
                    .options
                    .into_iter()
                    .map(|o| super::OptionResponse {
                        id: o.id.into_uuid(),
                        text: o.text,
                        correct: Some(o.correct),
                        image: o.image,
                    })
                    .collect(),
                explanation: v.content.explanation,
                source_title: v.source_title,
            })
            .collect(),
    }))
}

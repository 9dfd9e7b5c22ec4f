//! Creating, reading, searching, editing and deleting questions; listing topics.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use question_bank::{Difficulty, Kind, Question, Status, TopicRef};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    LegalBasisDto, OptionInput, QuestionResponse, SourceDto, TopicDto, legal_from, source_from,
    visibility,
};
pub(super) use crate::app::bank::visible_question;
use crate::app::bank::{self, QuestionChanges, TopicInput, key_readable_owners};
use crate::auth::{AuthUser, Caller};
use crate::domain::ids::{QuestionId, UnitId};
use crate::error::{ApiError, Problem};
use crate::persistence;
use crate::routes::extract::{Json, Pagination, Query};
use crate::routes::query_params::SortOrder;
use crate::state::AppState;

/// A topic in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopicItem {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Parent topic's code.
    pub parent_code: Option<String>,
}

/// Every topic.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopicList {
    /// Topics ordered by code (parents before children).
    pub items: Vec<TopicItem>,
    /// How many.
    pub total: usize,
}

/// The topic tree (topics are created by questions and imports).
#[utoipa::path(tag = "questions", responses((status = 200, description = "Topics", body = TopicList), (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
#[get("/topics")]
#[tracing::instrument(name = "List topics", skip_all)]
pub async fn list_topics(
    state: web::Data<AppState>,
    _user: AuthUser,
) -> Result<web::Json<TopicList>, ApiError> {
    let items: Vec<TopicItem> = persistence::questions::list_topics(&state.db)
        .await?
        .into_iter()
        .map(|(code, name, parent_code)| TopicItem {
            code,
            name,
            parent_code,
        })
        .collect();
    Ok(web::Json(TopicList {
        total: items.len(),
        items,
    }))
}

/// Search filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QuestionQuery {
    /// Topic code; also matches its subtopics.
    pub topic: Option<String>,
    /// Exact tag.
    pub tag: Option<String>,
    /// `easy`, `medium`, `hard`.
    pub difficulty: Option<Difficulty>,
    /// `single`, `multiple`, `true_false`.
    pub kind: Option<Kind>,
    /// `draft`, `active`, `retired`.
    pub status: Option<Status>,
    /// Free text, ignoring case and diacritics.
    pub q: Option<String>,
    /// Only this unit's own bank.
    pub unit_id: Option<Uuid>,
}

impl QuestionQuery {
    pub(super) fn filter(&self) -> persistence::questions::Filter {
        persistence::questions::Filter {
            topic: self.topic.clone().filter(|t| !t.is_empty()),
            tag: self.tag.clone().filter(|t| !t.is_empty()),
            difficulty: self.difficulty,
            kind: self.kind,
            status: self.status,
            text: self.q.clone(),
            unit_id: self.unit_id.map(UnitId::from_uuid),
            drawable_between: None,
            ids: None,
        }
    }
}

/// What a question list is sorted by.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionSort {
    /// When it was added (default).
    CreatedAt,
    /// When it was last changed.
    UpdatedAt,
    /// The stem, ignoring case and diacritics.
    Text,
    /// Topic code.
    Topic,
    /// Easy → hard.
    Difficulty,
    /// Status.
    Status,
}

/// Order of a question list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QuestionOrder {
    /// `created_at` (default), `updated_at`, `text`, `topic`, `difficulty`, `status`.
    #[param(inline)]
    pub sort: Option<QuestionSort>,
    /// `asc` or `desc`; default `desc` for dates, `asc` otherwise.
    #[param(inline)]
    pub order: Option<SortOrder>,
}

impl QuestionOrder {
    fn sort(&self) -> persistence::questions::Sort {
        use persistence::questions::SortKey;
        let key = match self.sort.unwrap_or(QuestionSort::CreatedAt) {
            QuestionSort::CreatedAt => SortKey::Created,
            QuestionSort::UpdatedAt => SortKey::Updated,
            QuestionSort::Text => SortKey::Text,
            QuestionSort::Topic => SortKey::Topic,
            QuestionSort::Difficulty => SortKey::Difficulty,
            QuestionSort::Status => SortKey::Status,
        };
        let dated = matches!(key, SortKey::Created | SortKey::Updated);
        let ascending = match self.order {
            Some(SortOrder::Asc) => true,
            Some(SortOrder::Desc) => false,
            None => !dated,
        };
        persistence::questions::Sort { key, ascending }
    }
}

/// A page of questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionList {
    /// The questions.
    pub items: Vec<QuestionResponse>,
    /// How many match.
    pub total: u64,
}

/// Searches the banks the caller manages, and those shared down to them, newest first unless
/// `sort`/`order` say otherwise. `q` ignores case and diacritics ("quoc hoi" finds "Quốc hội").
#[utoipa::path(
    tag = "questions",
    params(QuestionQuery, QuestionOrder, Pagination),
    responses(
        (status = 200, description = "A page of questions", body = QuestionList),
        (status = 403, description = "Not an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad filter value", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/questions")]
#[tracing::instrument(name = "List questions", skip_all, fields(user.id = %user.id))]
pub async fn list_questions(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<QuestionQuery>,
    order: Query<QuestionOrder>,
    page: Query<Pagination>,
) -> Result<web::Json<QuestionList>, ApiError> {
    let limit = page.limit()?;
    let caller = Caller::load(&state.db, user.id).await?;
    let visibility = visibility(&caller)?;
    let (items, total) = persistence::questions::search_sorted(
        &state.db,
        &visibility,
        &query.filter(),
        order.sort(),
        page.offset,
        limit,
    )
    .await?;
    let readable = key_readable_owners(&state, &caller, &items).await?;
    Ok(web::Json(QuestionList {
        items: items
            .into_iter()
            .map(|q| {
                let key_visible = readable.contains(&q.unit_id);
                QuestionResponse::new(q, key_visible)
            })
            .collect(),
        total,
    }))
}

/// A new question.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateQuestionRequest {
    /// The bank (unit) it goes into; the caller must organise it.
    pub unit_id: Uuid,
    /// Let units below see and draw it.
    #[serde(default)]
    pub shared: bool,
    /// `single` (default), `multiple`, `true_false`.
    #[serde(default)]
    pub kind: Kind,
    /// The stem (plain text, no HTML).
    pub text: String,
    /// The stem's picture: the `name` an upload to `POST /images` returned.
    #[serde(default)]
    pub image: Option<String>,
    /// 2–6 options.
    pub options: Vec<OptionInput>,
    /// Shown after answering.
    pub explanation: Option<String>,
    /// Topic; created if new (then `name` is required).
    pub topic: TopicDto,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `easy`, `medium` (default), `hard`.
    #[serde(default)]
    pub difficulty: Difficulty,
    /// Source.
    pub source: Option<SourceDto>,
    /// Legal basis and validity dates.
    pub legal_basis: Option<LegalBasisDto>,
    /// `draft`, `active` (default), `retired`.
    #[serde(default)]
    pub status: Status,
}

/// Adds a question to a bank the caller organises.
#[utoipa::path(
    tag = "questions",
    request_body = CreateQuestionRequest,
    responses(
        (status = 201, description = "Created", body = QuestionResponse),
        (status = 403, description = "Not an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same question is already in this bank", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/questions")]
#[tracing::instrument(name = "Create question", skip_all, fields(user.id = %user.id))]
pub async fn create_question(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateQuestionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let draft = Question {
        id: None,
        kind: body.kind,
        text: body.text,
        options: body.options.into_iter().map(Into::into).collect(),
        explanation: body.explanation.filter(|e| !e.trim().is_empty()),
        // Set from `topic` once its name is known.
        topic: TopicRef {
            code: String::new(),
            name: String::new(),
        },
        tags: body.tags,
        difficulty: body.difficulty,
        source: source_from(body.source),
        legal_basis: legal_from(body.legal_basis),
        status: body.status,
        image: body.image.filter(|i| !i.trim().is_empty()),
    };
    let topic = topic_input(body.topic);
    let unit_id = UnitId::from_uuid(body.unit_id);
    let stored = bank::create_question(&state, user.id, unit_id, body.shared, draft, topic).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/questions/{}", stored.id)))
        .json(QuestionResponse::with_key(stored)))
}

/// One question; with its answer key for the managers of its bank only.
#[utoipa::path(
    tag = "questions",
    params(("id" = Uuid, Path, description = "Question id")),
    responses(
        (status = 200, description = "The question", body = QuestionResponse),
        (status = 403, description = "Not an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/questions/{id}")]
#[tracing::instrument(name = "Get question", skip_all, fields(user.id = %user.id, question.id = %id))]
pub async fn get_question(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<QuestionId>,
) -> Result<web::Json<QuestionResponse>, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let (question, manages_bank) = visible_question(&state, &caller, *id).await?;
    Ok(web::Json(QuestionResponse::new(question, manages_bank)))
}

fn topic_input(t: TopicDto) -> TopicInput {
    TopicInput {
        code: t.code,
        name: t.name,
    }
}

/// Changes to a question; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateQuestionRequest {
    /// Shared down the tree.
    pub shared: Option<bool>,
    /// Kind.
    pub kind: Option<Kind>,
    /// Stem.
    pub text: Option<String>,
    /// The stem's picture; an empty string removes it.
    pub image: Option<String>,
    /// All options (replaces the list).
    pub options: Option<Vec<OptionInput>>,
    /// Explanation (empty string clears it).
    pub explanation: Option<String>,
    /// Topic.
    pub topic: Option<TopicDto>,
    /// Tags (replaces the list).
    pub tags: Option<Vec<String>>,
    /// Difficulty.
    pub difficulty: Option<Difficulty>,
    /// Source.
    pub source: Option<SourceDto>,
    /// Legal basis.
    pub legal_basis: Option<LegalBasisDto>,
    /// `draft` → `active` → `retired` (retired hides it from new draws only).
    pub status: Option<Status>,
}

/// Edits a question. A draft changes in place; changing what members see of a question that
/// has been active makes a new version, so attempts keep the version they showed.
#[utoipa::path(
    tag = "questions",
    params(("id" = Uuid, Path, description = "Question id")),
    request_body = UpdateQuestionRequest,
    responses(
        (status = 200, description = "Updated", body = QuestionResponse),
        (status = 403, description = "Not an organizer, or shared from a unit above yours", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same question is already in this bank", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/questions/{id}")]
#[tracing::instrument(name = "Update question", skip_all, fields(user.id = %user.id, question.id = %id))]
pub async fn update_question(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<QuestionId>,
    body: Json<UpdateQuestionRequest>,
) -> Result<web::Json<QuestionResponse>, ApiError> {
    let body = body.0;
    let changes = QuestionChanges {
        shared: body.shared,
        kind: body.kind,
        text: body.text,
        image: body.image,
        options: body
            .options
            .map(|o| o.into_iter().map(Into::into).collect()),
        explanation: body.explanation,
        topic: body.topic.map(topic_input),
        tags: body.tags,
        difficulty: body.difficulty,
        source: body.source.map(|s| source_from(Some(s))),
        legal_basis: body.legal_basis.map(|l| legal_from(Some(l))),
        status: body.status,
    };
    let stored = bank::update_question(&state, user.id, *id, changes).await?;
    Ok(web::Json(QuestionResponse::with_key(stored)))
}

/// Deletes a draft that was never active; anything that may have been shown is retired instead.
#[utoipa::path(
    tag = "questions",
    params(("id" = Uuid, Path, description = "Question id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an organizer, or shared from a unit above yours", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Has been active: retire it instead", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/questions/{id}")]
#[tracing::instrument(name = "Delete question", skip_all, fields(user.id = %user.id, question.id = %id))]
pub async fn delete_question(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<QuestionId>,
) -> Result<HttpResponse, ApiError> {
    bank::delete_question(&state, user.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

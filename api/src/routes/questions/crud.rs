//! Creating, reading, searching, editing and deleting questions; listing topics.

use std::collections::HashSet;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use question_bank::{Difficulty, Kind, Question, Status};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    LegalBasisDto, OptionInput, QuestionResponse, SourceDto, TopicDto, build_question, legal_from,
    source_from, topic_ref, visibility,
};
use crate::app::answer_key;
use crate::auth::{AuthUser, Caller};
use crate::domain::ids::UnitId;
use crate::error::{ApiError, Conflict, FieldError, Problem};
use crate::persistence::{self, PersistenceError, questions::StoredQuestion};
use crate::routes::extract::{Json, Pagination, Query};
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
    #[param(value_type = Option<String>)]
    pub difficulty: Option<Difficulty>,
    /// `single`, `multiple`, `true_false`.
    #[param(value_type = Option<String>)]
    pub kind: Option<Kind>,
    /// `draft`, `active`, `retired`.
    #[param(value_type = Option<String>)]
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
            unit_id: self.unit_id.map(UnitId),
            drawable_between: None,
            ids: None,
        }
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

/// Searches the banks the caller manages, and those shared down to them, newest first.
#[utoipa::path(
    tag = "questions",
    params(QuestionQuery, Pagination),
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
    page: Query<Pagination>,
) -> Result<web::Json<QuestionList>, ApiError> {
    let limit = page.limit()?;
    let caller = Caller::load(&state.db, user.id).await?;
    let visibility = visibility(&caller)?;
    let (items, total) =
        persistence::questions::search(&state.db, &visibility, &query.filter(), page.offset, limit)
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
    #[schema(value_type = Option<String>)]
    pub kind: Kind,
    /// The stem (plain text, no HTML).
    pub text: String,
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
    #[schema(value_type = Option<String>)]
    pub difficulty: Difficulty,
    /// Source.
    pub source: Option<SourceDto>,
    /// Legal basis and validity dates.
    pub legal_basis: Option<LegalBasisDto>,
    /// `draft`, `active` (default), `retired`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub status: Status,
}

/// The topic's name: given, or the existing topic's; a new topic needs one.
async fn resolve_topic(db: &impl ConnectionTrait, topic: &TopicDto) -> Result<String, ApiError> {
    if let Some(name) = topic
        .name
        .as_ref()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
    {
        return Ok(name.to_owned());
    }
    match persistence::questions::topic_name(db, topic.code.trim()).await? {
        Some(name) => Ok(name),
        None => Err(ApiError::field("/topic/name", "a new topic needs a name")),
    }
}

/// Refuses a stem already in the same bank (folded for case, spacing and diacritics).
async fn ensure_not_duplicate(
    db: &impl ConnectionTrait,
    unit: UnitId,
    q: &Question,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    let stem = question_bank::fold(&q.text);
    let existing =
        persistence::questions::existing_stems(db, unit, std::slice::from_ref(&stem)).await?;
    if let Some((_, id)) = existing.into_iter().find(|(_, id)| Some(*id) != except) {
        return Err(Conflict::DuplicateQuestion { question_id: id }.into());
    }
    Ok(())
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
    let caller = Caller::load(&state.db, user.id).await?;
    let unit = caller
        .require_unit(&state.db, super::BANK_MANAGERS, UnitId(body.unit_id))
        .await?;
    let topic_name = resolve_topic(&state.db, &body.topic).await?;
    let question = build_question(Question {
        id: None,
        kind: body.kind,
        text: body.text,
        options: body.options.into_iter().map(Into::into).collect(),
        explanation: body.explanation.filter(|e| !e.trim().is_empty()),
        topic: topic_ref(body.topic.code.trim().to_owned(), topic_name),
        tags: body.tags,
        difficulty: body.difficulty,
        source: source_from(body.source),
        legal_basis: legal_from(body.legal_basis),
        status: body.status,
    })?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    ensure_not_duplicate(&txn, unit.id, &question, None).await?;
    persistence::questions::ensure_topics(&txn, std::slice::from_ref(&question.topic)).await?;
    let id = persistence::questions::insert(&txn, unit.id, body.shared, &question, Some(user.id))
        .await?;
    persistence::audit::record(
        &txn,
        Some(user.id),
        "question.create",
        Some(id),
        json!({"unit_id": unit.id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    let stored = persistence::questions::get(&state.db, id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/questions/{id}")))
        .json(QuestionResponse::with_key(stored)))
}

/// Loads a question the caller may see (404 otherwise) and says whether they manage its bank:
/// then they may edit it and read its answer key.
pub(super) async fn visible_question(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(StoredQuestion, bool), ApiError> {
    let visibility = visibility(caller)?;
    let question = persistence::questions::get(&state.db, id).await?;
    let owner = persistence::units::get(&state.db, question.unit_id).await?;
    if !persistence::questions::is_visible(&visibility, &owner.path, question.shared) {
        return Err(ApiError::NotFound("question"));
    }
    let manages_bank = answer_key::reads_key(caller, &owner.path);
    Ok((question, manages_bank))
}

/// The owners among `questions`' banks whose answer keys the caller may read.
pub(super) async fn key_readable_owners(
    state: &AppState,
    caller: &Caller,
    questions: &[StoredQuestion],
) -> Result<HashSet<UnitId>, ApiError> {
    let mut readable = HashSet::new();
    let mut seen = HashSet::new();
    for q in questions {
        if seen.insert(q.unit_id) {
            let owner = persistence::units::get(&state.db, q.unit_id).await?;
            if answer_key::reads_key(caller, &owner.path) {
                readable.insert(q.unit_id);
            }
        }
    }
    Ok(readable)
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
    id: web::Path<Uuid>,
) -> Result<web::Json<QuestionResponse>, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let (question, manages_bank) = visible_question(&state, &caller, *id).await?;
    Ok(web::Json(QuestionResponse::new(question, manages_bank)))
}

/// Changes to a question; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateQuestionRequest {
    /// Shared down the tree.
    pub shared: Option<bool>,
    /// Kind.
    #[schema(value_type = Option<String>)]
    pub kind: Option<Kind>,
    /// Stem.
    pub text: Option<String>,
    /// All options (replaces the list).
    pub options: Option<Vec<OptionInput>>,
    /// Explanation (empty string clears it).
    pub explanation: Option<String>,
    /// Topic.
    pub topic: Option<TopicDto>,
    /// Tags (replaces the list).
    pub tags: Option<Vec<String>>,
    /// Difficulty.
    #[schema(value_type = Option<String>)]
    pub difficulty: Option<Difficulty>,
    /// Source.
    pub source: Option<SourceDto>,
    /// Legal basis.
    pub legal_basis: Option<LegalBasisDto>,
    /// `draft` → `active` → `retired` (retired hides it from new draws only).
    #[schema(value_type = Option<String>)]
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
    id: web::Path<Uuid>,
    body: Json<UpdateQuestionRequest>,
) -> Result<web::Json<QuestionResponse>, ApiError> {
    let body = body.0;
    let caller = Caller::load(&state.db, user.id).await?;
    let (current, editable) = visible_question(&state, &caller, *id).await?;
    if !editable {
        return Err(ApiError::Forbidden);
    }
    let mut q = current.content.clone();
    if let Some(kind) = body.kind {
        q.kind = kind;
    }
    if let Some(text) = body.text {
        q.text = text;
    }
    if let Some(options) = body.options {
        q.options = options.into_iter().map(Into::into).collect();
    }
    if let Some(explanation) = body.explanation {
        q.explanation = Some(explanation).filter(|e| !e.trim().is_empty());
    }
    if let Some(topic) = &body.topic {
        q.topic = topic_ref(
            topic.code.trim().to_owned(),
            resolve_topic(&state.db, topic).await?,
        );
    }
    if let Some(tags) = body.tags {
        q.tags = tags;
    }
    if let Some(d) = body.difficulty {
        q.difficulty = d;
    }
    if body.source.is_some() {
        q.source = source_from(body.source);
    }
    if body.legal_basis.is_some() {
        q.legal_basis = legal_from(body.legal_basis);
    }
    if let Some(status) = body.status {
        if status == Status::Draft && current.content.status != Status::Draft {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/status",
                "a question that has been active cannot go back to draft; retire it instead",
            )]));
        }
        q.status = status;
    }
    let q = build_question(q)?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    if question_bank::fold(&q.text) != question_bank::fold(&current.content.text) {
        ensure_not_duplicate(&txn, current.unit_id, &q, Some(current.id)).await?;
    }
    persistence::questions::ensure_topics(&txn, std::slice::from_ref(&q.topic)).await?;
    persistence::questions::update(
        &txn,
        &current,
        &q,
        body.shared.unwrap_or(current.shared),
        Some(user.id),
    )
    .await?;
    persistence::audit::record(
        &txn,
        Some(user.id),
        "question.update",
        Some(current.id),
        json!({"from_version": current.version}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    Ok(web::Json(QuestionResponse::with_key(
        persistence::questions::get(&state.db, current.id).await?,
    )))
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
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let (current, editable) = visible_question(&state, &caller, *id).await?;
    if !editable {
        return Err(ApiError::Forbidden);
    }
    if current.content.status != Status::Draft || current.version > 1 {
        return Err(Conflict::QuestionInUse.into());
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::questions::delete(&txn, current.id).await?;
    persistence::audit::record(
        &txn,
        Some(user.id),
        "question.delete",
        Some(current.id),
        json!({}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

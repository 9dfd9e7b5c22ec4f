//! `/rounds/{id}/attempts`, `/attempts/{id}`, `/me/attempts`: taking a contest.
//!
//! Nothing here reveals correctness before the round's review setting allows it: questions go
//! out without their key, results follow `review`, and the key is shown only with
//! `review = after_close` once the round has closed, or with `after_each_attempt` (theory tests
//! and practice) once the attempt is finished (`app::attempts::key_for_finished`).

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::auth::client_info;
use super::auth_user::UncheckedSession;
use super::extract::{Json, Query};
use crate::app::attempts::{self, Started, from_ms, ms};
use crate::app::boards;
use crate::app::theory::outcome::{TheoryOutcome, outcome};
use crate::auth::{AuthUser, Caller};
use crate::domain::contest::{ContestKind, Prediction, Review};
use crate::domain::ids::{AttemptId, ContestId, RoundId};
use crate::domain::ids::{OptionId, QuestionId, QuestionVersionId};
use crate::error::{ApiError, Problem};
use crate::persistence::{
    self, attempts::AttemptRecord, contests::Round, questions::VersionContent,
};
use crate::state::AppState;

/// Registers the routes of this module.
///
/// The answer save comes first: it is most of a contest's requests, and each resource tried
/// before it costs a regular expression (9% of the server's time on the answer path when it
/// came fifth, `perf` of 2026-12-06).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(save_answer)
        .service(start_attempt)
        .service(preview_round)
        .service(list_my_attempts)
        .service(get_attempt)
        .service(finish_attempt);
}

/// An option as a member sees it: no correctness.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionView {
    /// Id.
    pub id: Uuid,
    /// Text.
    pub text: String,
    /// Its picture's image name (`/api/v1/images/{name}`), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// A question as a member sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionView {
    /// Question id.
    pub id: Uuid,
    /// 1-based position.
    pub position: usize,
    /// `single`, `multiple`, `true_false`.
    pub kind: question_bank::Kind,
    /// Stem.
    pub text: String,
    /// The stem's picture (`/api/v1/images/{name}`), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Options in the order shown.
    pub options: Vec<OptionView>,
}

/// An attempt's result, as far as the round's review setting shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultView {
    /// Points (null when the round shows no scores).
    pub score: Option<i64>,
    /// Most possible (null when hidden).
    pub max_score: Option<i64>,
    /// Correct answers (null when hidden).
    pub correct_count: Option<i64>,
    /// Time used.
    pub time_used_ms: i64,
    /// When it finished (stamped at the deadline when time ran out).
    pub finished_at: DateTime<Utc>,
    /// The prediction given.
    pub prediction: Option<i64>,
    /// Whether this is the attempt that counts (the best; the earlier among equals); null when
    /// the round shows no scores, since it would tell whether this attempt beat the others.
    pub counted: Option<bool>,
}

/// The key of one question, shown after the round closes when the round allows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    /// Question.
    pub question_id: Uuid,
    /// The correct options.
    pub correct_option_ids: Vec<Uuid>,
    /// Why.
    pub explanation: Option<String>,
}

/// Everything to show or resume an attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResponse {
    /// Id.
    pub id: Uuid,
    /// Round.
    pub round_id: Uuid,
    /// `open` or `finished`.
    pub status: &'static str,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// When answers stop counting (the phone counts down to this using `server_time`).
    pub deadline: DateTime<Utc>,
    /// The server's clock now.
    pub server_time: DateTime<Utc>,
    /// Milliseconds left (0 once the deadline passed).
    pub remaining_ms: i64,
    /// The prediction asked at the end, if any.
    pub prediction: Option<Prediction>,
    /// The drawn questions.
    pub questions: Vec<QuestionView>,
    /// Answers so far: question id → option ids.
    #[schema(value_type = BTreeMap<Uuid, Vec<Uuid>>)]
    pub answers: BTreeMap<Uuid, Vec<OptionId>>,
    /// The result once finished.
    pub result: Option<ResultView>,
    /// A practice attempt (a practice round or contest, or an organizer's preview): it never
    /// counts.
    pub practice: bool,
    /// The key, only when the round's review allows it now (`after_close` once it has
    /// closed; `after_each_attempt` once this attempt is finished and no other of mine runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Vec<ReviewItem>>,
    /// The round's review policy, so the result can say when the key will show.
    pub review_policy: Review,
    /// Whether I may open this round's board now (false for theory tests, practice rounds,
    /// boards kept for the organizers, and a round hiding scores until its results are
    /// published); only for a finished attempt, false while it runs.
    pub has_board: bool,
    /// For a finished theory-test attempt: the verdict and the next step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theory: Option<TheoryOutcome>,
}

/// An attempt as stored: the versions it shows and its answers so far are read back.
async fn respond(
    state: &AppState,
    record: AttemptRecord,
    round: &Round,
) -> Result<AttemptResponse, ApiError> {
    let version_ids: Vec<QuestionVersionId> =
        record.questions.iter().map(|q| q.version_id).collect();
    let versions: HashMap<QuestionVersionId, VersionContent> =
        persistence::questions::versions(&state.db, &version_ids)
            .await?
            .into_iter()
            .map(|v| (v.version_id, v))
            .collect();
    let answers = answers_so_far(state, &record).await?;
    respond_with(state, record, round, &versions, answers).await
}

/// A new attempt: its versions as drawn, nothing answered yet (no read of either).
async fn respond_started(
    state: &AppState,
    started: Started,
    round: &Round,
) -> Result<AttemptResponse, ApiError> {
    respond_with(
        state,
        started.record,
        round,
        &started.shown,
        BTreeMap::new(),
    )
    .await
}

/// The answers saved so far: from the journal once finished, else from the scoring store
/// (restoring the attempt there first if the store lost it).
async fn answers_so_far(
    state: &AppState,
    record: &AttemptRecord,
) -> Result<BTreeMap<Uuid, Vec<OptionId>>, ApiError> {
    Ok(if record.finished {
        persistence::attempts::answers(&state.db, record.id)
            .await?
            .into_iter()
            .map(|a| (a.question_id.into_uuid(), a.option_ids))
            .collect()
    } else {
        match state.store.attempt_state(&state.keys, record.id).await? {
            Some(s) => s.selections,
            None => {
                attempts::restore(state, record).await?;
                state
                    .store
                    .attempt_state(&state.keys, record.id)
                    .await?
                    .map(|s| s.selections)
                    .unwrap_or_default()
            }
        }
    })
}

/// A finished attempt's result, as far as its round's review setting shows it; none while it
/// runs.
async fn result_view(
    state: &AppState,
    record: &AttemptRecord,
    round: &Round,
) -> Result<Option<ResultView>, ApiError> {
    let show_score = attempts::may_see_score(round.settings.review);
    let counted = if record.finished && show_score {
        Some(attempts::is_counted(state, record).await?)
    } else {
        None
    };
    Ok(shown_result(record, show_score, counted))
}

/// A finished attempt's result, its score and whether it counts shown only when `show_score`.
fn shown_result(
    record: &AttemptRecord,
    show_score: bool,
    counted: Option<bool>,
) -> Option<ResultView> {
    record.finished.then(|| ResultView {
        score: record.score.filter(|_| show_score),
        max_score: Some(record.max_score).filter(|_| show_score),
        correct_count: record.correct_count.filter(|_| show_score),
        time_used_ms: record.time_used_ms.unwrap_or(0),
        finished_at: record.finished_at.unwrap_or(record.deadline),
        prediction: record.prediction,
        counted: counted.filter(|_| show_score),
    })
}

/// An attempt's answer from its versions and answers, however they were obtained.
async fn respond_with(
    state: &AppState,
    record: AttemptRecord,
    round: &Round,
    versions: &HashMap<QuestionVersionId, VersionContent>,
    answers: BTreeMap<Uuid, Vec<OptionId>>,
) -> Result<AttemptResponse, ApiError> {
    let now = Utc::now();
    let mut questions = Vec::with_capacity(record.questions.len());
    for (i, q) in record.questions.iter().enumerate() {
        let v = versions
            .get(&q.version_id)
            .ok_or(persistence::PersistenceError::NotFound("question version"))?;
        let shown: HashMap<OptionId, &persistence::questions::StoredOption> =
            v.options.iter().map(|o| (o.id, o)).collect();
        questions.push(QuestionView {
            id: q.question_id.into_uuid(),
            position: i + 1,
            kind: q.kind,
            text: v.text.clone(),
            image: v.image.clone(),
            options: q
                .option_ids
                .iter()
                .map(|id| OptionView {
                    id: id.into_uuid(),
                    text: shown.get(id).map(|o| o.text.clone()).unwrap_or_default(),
                    image: shown.get(id).and_then(|o| o.image.clone()),
                })
                .collect(),
        });
    }
    let result = result_view(state, &record, round).await?;
    let show_key = attempts::key_for_finished(
        state,
        &record,
        round.settings.review,
        round.settings.closes_at,
        now,
    )
    .await?;
    let theory = outcome(state, &record, round, now).await?;
    let has_board = record.finished
        && theory.is_none()
        && !round.settings.practice
        && !record.practice
        && match boards::visible_round(state, Some(record.user_id), record.round_id).await {
            Ok(_) => true,
            Err(
                ApiError::NotFound(_)
                | ApiError::Unauthorized
                | ApiError::Forbidden
                | ApiError::ResultsNotPublished,
            ) => false,
            Err(e) => return Err(e),
        };
    let review = show_key.then(|| {
        record
            .questions
            .iter()
            .filter_map(|q| {
                versions.get(&q.version_id).map(|v| ReviewItem {
                    question_id: q.question_id.into_uuid(),
                    correct_option_ids: v
                        .options
                        .iter()
                        .filter(|o| o.correct)
                        .map(|o| o.id.into_uuid())
                        .collect(),
                    explanation: v.explanation.clone(),
                })
            })
            .collect()
    });
    Ok(AttemptResponse {
        id: record.id.into_uuid(),
        round_id: record.round_id.into_uuid(),
        status: if record.finished { "finished" } else { "open" },
        started_at: record.started_at,
        deadline: record.deadline,
        server_time: now,
        remaining_ms: if record.finished {
            0
        } else {
            (ms(record.deadline) - ms(now)).max(0)
        },
        prediction: round.settings.prediction,
        questions,
        answers,
        result,
        practice: record.practice,
        review,
        review_policy: round.settings.review,
        has_board,
        theory,
    })
}

/// Starts an attempt: eligibility, round open, attempts left, no other attempt running; draws
/// the questions and fixes `deadline = min(start + time limit, round close)`.
#[utoipa::path(
    tag = "attempts",
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 201, description = "Started", body = AttemptResponse),
        (status = 403, description = "You organise this contest but may not enter it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round, or not open to you", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`round_not_open`, `attempts_exhausted`, `attempt_in_progress`, `pool_too_small`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/attempts")]
#[tracing::instrument(name = "Start attempt", skip_all, fields(user.id = %user.id, round.id = %id))]
pub async fn start_attempt(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req, &state.settings.trusted_proxies);
    let started = attempts::start(&state, user.id, *id, &client).await?;
    // The start just read it through the catalog.
    let round = state
        .catalog
        .round(&state.db, started.record.round_id)
        .await?;
    let body = respond_started(&state, started, &round).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/attempts/{}", body.id)))
        .json(body))
}

/// Starts an organizer's preview of a round: the round as a member would take it, at any time
/// before or during the round, as a practice attempt that never counts (no board, no result,
/// no attempt used, the round stays unstarted and editable). Continue it with the usual
/// `/attempts/{id}` paths.
#[utoipa::path(
    tag = "attempts",
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 201, description = "Started; `practice` is true", body = AttemptResponse),
        (status = 403, description = "You may enter the contest but do not organise it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round, or not yours to see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`attempt_in_progress`, `pool_too_small`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/preview")]
#[tracing::instrument(name = "Preview round", skip_all, fields(user.id = %user.id, round.id = %id))]
pub async fn preview_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let client = client_info(&req, &state.settings.trusted_proxies);
    let started = attempts::start_preview(&state, &caller, *id, &client).await?;
    let round = persistence::contests::get_round(&state.db, started.record.round_id).await?;
    let body = respond_started(&state, started, &round).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/attempts/{}", body.id)))
        .json(body))
}

/// An attempt of mine, with everything to resume it after a reload, a lost connection or a
/// change of phone. An attempt whose time is up is finished first, so its result shows.
#[utoipa::path(
    tag = "attempts",
    params(("id" = Uuid, Path, description = "Attempt id")),
    responses((status = 200, description = "The attempt", body = AttemptResponse), (status = 404, description = "Unknown or not yours", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/attempts/{id}")]
#[tracing::instrument(name = "Get attempt", skip_all, fields(user.id = %user.id, attempt.id = %id))]
pub async fn get_attempt(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<AttemptId>,
) -> Result<web::Json<AttemptResponse>, ApiError> {
    let mut record = attempts::own_attempt(&state, user.id, *id).await?;
    let now = Utc::now();
    if !record.finished && ms(now) > ms(record.deadline) + record.grace_ms {
        record = attempts::finish(&state, &record, None, now).await?;
    }
    let round = persistence::contests::get_round(&state.db, record.round_id).await?;
    Ok(web::Json(respond(&state, record, &round).await?))
}

/// An answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The chosen options (one for single and true/false).
    #[schema(max_items = 10)]
    pub option_ids: Vec<Uuid>,
}

/// A saved answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerResponse {
    /// Question.
    pub question_id: Uuid,
    /// When the server saved it.
    #[serde(serialize_with = "crate::domain::rfc3339::auto")]
    pub saved_at: DateTime<Utc>,
    /// Milliseconds left until the deadline.
    pub remaining_ms: i64,
}

/// Saves an answer. Idempotent; may be changed until the attempt ends; refused with 409
/// `attempt_closed` after the deadline plus a short grace for slow networks.
#[utoipa::path(
    tag = "attempts",
    params(("id" = Uuid, Path, description = "Attempt id"), ("question_id" = Uuid, Path, description = "Question id")),
    request_body = AnswerRequest,
    responses(
        (status = 200, description = "Saved", body = AnswerResponse),
        (status = 404, description = "Unknown attempt or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`attempt_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Question not in the attempt, or options not in the question", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/attempts/{id}/answers/{question_id}")]
// No span of its own, unlike the other handlers: this is most of a contest's requests, and a
// span with fields cost it 4% of the server's instructions (`loadtest/instructions.sh`). The
// request's span names the path, and so the attempt and the question.
pub async fn save_answer(
    state: web::Data<AppState>,
    caller: UncheckedSession,
    path: web::Path<(AttemptId, Uuid)>,
    body: Json<AnswerRequest>,
) -> Result<web::Json<AnswerResponse>, ApiError> {
    let (attempt_id, question_id) = path.into_inner();
    if body.0.option_ids.len() > 10 {
        return Err(ApiError::field("/option_ids", "at most 10 options"));
    }
    let saved = attempts::save(
        &state,
        &caller.0,
        attempt_id,
        QuestionId::from_uuid(question_id),
        &body
            .0
            .option_ids
            .iter()
            .copied()
            .map(OptionId::from_uuid)
            .collect::<Vec<_>>(),
    )
    .await?;
    Ok(web::Json(AnswerResponse {
        question_id,
        saved_at: from_ms(saved.saved_at_ms),
        remaining_ms: saved.remaining_ms,
    }))
}

/// Finishing an attempt.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    /// The answer to the prediction question, when the round has one.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub prediction: Option<i64>,
}

/// Finishes an attempt and returns its result (as far as the round shows results). Calling it
/// again returns the same result. The result is stored before this answers.
#[utoipa::path(
    tag = "attempts",
    params(("id" = Uuid, Path, description = "Attempt id")),
    request_body = FinishRequest,
    responses(
        (status = 200, description = "Finished", body = ResultView),
        (status = 404, description = "Unknown attempt or not yours", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or bad prediction", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/attempts/{id}/finish")]
#[tracing::instrument(name = "Finish attempt", skip_all, fields(user.id = %user.id, attempt.id = %id))]
pub async fn finish_attempt(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<AttemptId>,
    body: web::Bytes,
) -> Result<web::Json<ResultView>, ApiError> {
    // The body is optional (no prediction question): empty means `{}`.
    let body: FinishRequest = if body.iter().all(u8::is_ascii_whitespace) {
        FinishRequest::default()
    } else {
        super::extract::parse(&body)?
    };
    let (record, round) =
        attempts::finish_own(&state, user.id, *id, body.prediction, Utc::now()).await?;
    // Only the result is answered: none of the questions, answers and review the attempt's
    // view reads (in a storm of finishes, three queries each less).
    result_view(&state, &record, &round)
        .await?
        .map(web::Json)
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("finished attempt without a result")))
}

/// Filters of my attempts.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MyAttemptsQuery {
    /// Only this contest.
    pub contest_id: Option<Uuid>,
    /// Only this round.
    pub round_id: Option<Uuid>,
}

/// One of my attempts in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAttempt {
    /// Id.
    pub id: Uuid,
    /// Contest.
    pub contest_id: Uuid,
    /// Round.
    pub round_id: Uuid,
    /// `open` or `finished`.
    pub status: &'static str,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Deadline.
    pub deadline: DateTime<Utc>,
    /// Result, as far as the round shows it.
    pub result: Option<ResultView>,
    /// The round's name.
    pub round_name: String,
    /// The contest's title.
    pub contest_title: String,
    /// `contest`, `theory_test` or `practice`.
    pub contest_kind: ContestKind,
}

/// My attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAttemptList {
    /// Newest first.
    pub items: Vec<MyAttempt>,
    /// How many.
    pub total: usize,
}

fn my_attempt(a: attempts::MyAttempt) -> MyAttempt {
    let record = a.record;
    let result = shown_result(&record, a.show_score, Some(a.counted));
    MyAttempt {
        id: record.id.into_uuid(),
        contest_id: record.contest_id.into_uuid(),
        round_id: record.round_id.into_uuid(),
        status: if record.finished { "finished" } else { "open" },
        started_at: record.started_at,
        deadline: record.deadline,
        result,
        round_name: a.round_name,
        contest_title: a.contest_title,
        contest_kind: a.contest_kind,
    }
}

/// My attempts, newest first.
#[utoipa::path(tag = "attempts", params(MyAttemptsQuery), responses((status = 200, description = "My attempts", body = MyAttemptList)), security(("bearer" = [])))]
#[get("/me/attempts")]
#[tracing::instrument(name = "List my attempts", skip_all, fields(user.id = %user.id))]
pub async fn list_my_attempts(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<MyAttemptsQuery>,
) -> Result<web::Json<MyAttemptList>, ApiError> {
    let mine = attempts::my_attempts(
        &state,
        user.id,
        query.contest_id.map(ContestId::from_uuid),
        query.round_id.map(RoundId::from_uuid),
    )
    .await?;
    let items: Vec<MyAttempt> = mine.into_iter().map(my_attempt).collect();
    Ok(web::Json(MyAttemptList {
        total: items.len(),
        items,
    }))
}

//! Final results of a round: publishing (organizers, after the close), reading them, voiding
//! and restoring a person's result, and rebuilding a contest's live boards.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{AuthUser, Caller};
use crate::domain::person::mask_name;
use crate::error::{ApiError, Problem};
use crate::persistence::{self, PersistenceError, contests::Contest, contests::Round};
use crate::routes::contests::{Access, access};
use crate::routes::extract::{Json, Query};
use crate::standings::publish::{self, Finished, PrizeRules};
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(publish_round)
        .service(round_results)
        .service(publish_contest)
        .service(contest_results)
        .service(void_result)
        .service(lift_void)
        .service(list_voids)
        .service(rebuild_boards);
}

/// Loads a round and requires the caller to organise its contest.
async fn managed_round(
    state: &AppState,
    user: &AuthUser,
    round_id: Uuid,
) -> Result<(Round, Contest), ApiError> {
    let round = persistence::contests::get_round(&state.db, round_id).await?;
    let contest = persistence::contests::get(&state.db, round.contest_id).await?;
    let caller = Caller::load(&state.db, user.id).await?;
    match access(&state.db, &caller, &contest).await {
        Ok(Access::Manage) => Ok((round, contest)),
        Ok(Access::Enter) => Err(ApiError::Forbidden),
        Err(_) => Err(ApiError::NotFound("round")),
    }
}

/// What publishing did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// When.
    pub published_at: DateTime<Utc>,
    /// The prediction question's true value.
    pub prediction_actual: Option<i64>,
    /// Entrants ranked.
    pub ranked: usize,
    /// Prizes awarded.
    pub prizes: usize,
    /// Entrants whose rank or prize differs from the previous publication (0 the first time).
    pub changed: usize,
    /// Whether this replaced an earlier publication.
    pub republished: bool,
}

/// Publishes a closed round: computes the prediction's true value, ranks the counted attempts
/// with the contest's tie-break chain, applies "perfect scores only" and "one prize per
/// person", awards the round prizes and freezes the ranking. Publishing again (after a void)
/// recomputes and records what changed.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 200, description = "Published", body = Published),
        (status = 403, description = "Not an organizer of this contest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`round_not_closed`: attempts may still finish", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/publish")]
#[tracing::instrument(name = "Publish round", skip_all, fields(round.id = %id, user.id = %user.id))]
pub async fn publish_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Published>, ApiError> {
    let (round, contest) = managed_round(&state, &user, *id).await?;
    let now = Utc::now();
    let grace =
        chrono::Duration::seconds(i64::try_from(state.settings.attempt_grace_seconds).unwrap_or(5));
    if round.settings.practice || now < round.settings.closes_at + grace {
        return Err(ApiError::Conflict {
            code: "round_not_closed",
            detail: if round.settings.practice {
                "a practice round has no results".to_owned()
            } else {
                format!(
                    "results can be published once the round has closed ({}) and the last attempts have finished",
                    round.settings.closes_at.to_rfc3339()
                )
            },
            pointer: None,
        });
    }
    // Attempts left open past their deadline are finished first, so every result counts.
    crate::attempts::finish_due(&state, now).await?;
    let voided =
        persistence::results::voided_pairs(&state.db, std::slice::from_ref(&round.id)).await?;
    let mut finished = Vec::new();
    let mut after = None;
    loop {
        let page = persistence::results::counted_page(
            &state.db,
            contest.id,
            persistence::results::CountedFilter {
                round_id: Some(round.id),
                finished_since: None,
            },
            after,
            5_000,
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.attempt_id);
        finished.extend(
            page.into_iter()
                .filter(|r| !voided.contains(&(r.round_id, r.user_id)))
                .map(|r| Finished {
                    user_id: r.user_id,
                    attempt_id: r.attempt_id,
                    unit_id: r.unit_id,
                    score: r.score,
                    max_score: r.max_score,
                    prediction: r.prediction,
                    time_used_ms: r.time_used_ms,
                    finished_at: r.finished_at,
                }),
        );
    }
    let counted = publish::best_per_entrant(finished);
    let actual = publish::prediction_actual(round.settings.prediction, &counted);
    let s = &contest.settings;
    let passed_over: HashSet<Uuid> = if s.prizes.one_per_person {
        let others: Vec<Uuid> = persistence::contests::rounds_of(&state.db, contest.id)
            .await?
            .into_iter()
            .filter(|r| r.id != round.id && r.published_at.is_some())
            .map(|r| r.id)
            .collect();
        persistence::results::prize_holders(&state.db, &others).await?
    } else {
        HashSet::new()
    };
    let ranked = publish::rank(
        counted,
        &s.tie_break,
        actual,
        &PrizeRules {
            tiers: &s.prizes.round,
            perfect_only: s.perfect_only,
            passed_over: &passed_over,
        },
    );
    let rows: Vec<persistence::results::FinalRow> = ranked
        .iter()
        .map(|r| persistence::results::FinalRow {
            user_id: r.entry.user_id,
            attempt_id: r.entry.attempt_id,
            unit_id: r.entry.unit_id,
            rank: r.rank,
            score: r.entry.score,
            max_score: r.entry.max_score,
            prediction: r.entry.prediction,
            prediction_error: r.prediction_error,
            time_used_ms: r.entry.time_used_ms,
            finished_at: r.entry.finished_at,
            prize: r.prize.clone(),
        })
        .collect();
    // What the previous publication said, to record what changed.
    let previous: HashMap<Uuid, (i32, Option<String>)> =
        persistence::results::final_all(&state.db, round.id)
            .await?
            .into_iter()
            .map(|r| (r.user_id, (r.rank, r.prize)))
            .collect();
    let changed = rows
        .iter()
        .filter(|r| previous.get(&r.user_id) != Some(&(r.rank, r.prize.clone())))
        .count()
        + previous
            .keys()
            .filter(|u| !rows.iter().any(|r| r.user_id == **u))
            .count();
    let republished = round.published_at.is_some();
    let prizes = rows.iter().filter(|r| r.prize.is_some()).count();
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::results::publish(&txn, round.id, actual, &rows, now).await?;
    persistence::audit::record(
        &txn,
        Some(user.id),
        if republished {
            "round.republish"
        } else {
            "round.publish"
        },
        Some(round.id),
        json!({
            "prediction_actual": actual,
            "ranked": rows.len(),
            "prizes": prizes,
            "changed": if republished { changed } else { 0 },
        }),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    state.catalog.forget_round(round.id);
    Ok(web::Json(Published {
        published_at: now,
        prediction_actual: actual,
        ranked: rows.len(),
        prizes,
        changed: if republished { changed } else { 0 },
        republished,
    }))
}

/// Which part of the results.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResultsQuery {
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
    /// Only prize winners.
    #[serde(default)]
    pub prizes_only: bool,
}

/// One line of the final results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultLine {
    /// Rank (shared by entrants equal on every key of the chain).
    pub rank: i32,
    /// Masked name.
    pub display_name: String,
    /// Unit.
    pub unit_id: Uuid,
    /// Its name.
    pub unit_name: String,
    /// Score.
    pub score: i64,
    /// Maximum score.
    pub max_score: i64,
    /// Prediction.
    pub prediction: Option<i64>,
    /// |prediction − actual|.
    pub prediction_error: Option<i64>,
    /// Time used (ms).
    pub time_used_ms: i64,
    /// Finish time.
    pub finished_at: DateTime<Utc>,
    /// Prize.
    pub prize: Option<String>,
}

/// The final results of a round.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsResponse {
    /// When published.
    pub published_at: DateTime<Utc>,
    /// The prediction question's true value.
    pub prediction_actual: Option<i64>,
    /// Lines in rank order.
    pub items: Vec<ResultLine>,
    /// Lines in all (after `prizes_only`).
    pub total: usize,
    /// Unit prizes, if the contest awards them.
    pub unit_prizes: Vec<UnitPrizeLine>,
}

/// The published results of a round, to anyone who may see its leaderboard.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), ResultsQuery),
    responses(
        (status = 200, description = "The results", body = ResultsResponse),
        (status = 404, description = "Unknown round, or not published yet (`not_published`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/results")]
#[tracing::instrument(name = "Round results", skip_all, fields(round.id = %id))]
pub async fn round_results(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<Uuid>,
    query: Query<ResultsQuery>,
) -> Result<web::Json<ResultsResponse>, ApiError> {
    let round = persistence::contests::get_round(&state.db, *id).await?;
    let contest =
        crate::routes::leaderboards::visible_contest(&state, user.as_ref(), round.contest_id)
            .await?;
    let Some(published_at) = round.published_at else {
        return Err(ApiError::NotFound("published results"));
    };
    let limit = match query.limit {
        None => 50,
        Some(l @ 1..=200) => l,
        Some(_) => return Err(ApiError::field("/limit", "limit must be between 1 and 200")),
    };
    let mut rows = persistence::results::final_all(&state.db, round.id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_prizes = unit_prizes(&contest, &units, &rows);
    if query.prizes_only {
        rows.retain(|r| r.prize.is_some());
    }
    let total = rows.len();
    let start = usize::try_from(query.offset)
        .unwrap_or(usize::MAX)
        .min(total);
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(50))
        .min(total);
    let page = &rows[start..end];
    let ids: Vec<Uuid> = page.iter().map(|r| r.user_id).collect();
    let names = persistence::results::names(&state.db, &ids).await?;
    Ok(web::Json(ResultsResponse {
        published_at,
        prediction_actual: round.prediction_actual,
        items: page
            .iter()
            .map(|r| ResultLine {
                rank: r.rank,
                display_name: names
                    .get(&r.user_id)
                    .map_or_else(String::new, |n| mask_name(n)),
                unit_id: r.unit_id,
                unit_name: units.name(Some(r.unit_id)).to_owned(),
                score: r.score,
                max_score: r.max_score,
                prediction: r.prediction,
                prediction_error: r.prediction_error,
                time_used_ms: r.time_used_ms,
                finished_at: r.finished_at,
                prize: r.prize.clone(),
            })
            .collect(),
        total,
        unit_prizes,
    }))
}

/// A unit's line in the unit prizes.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPrizeLine {
    /// 1-based; equal values share it.
    pub rank: i32,
    /// Unit (a direct child of the contest's host unit).
    pub unit_id: Uuid,
    /// Name.
    pub name: String,
    /// Entrants of its subtree in the final ranking.
    pub participants: i64,
    /// Declared members.
    pub members: Option<i32>,
    /// `participants ÷ members`.
    pub rate: Option<f64>,
    /// Individual prizes won in its subtree.
    pub prizes_won: i64,
    /// The value ranked on.
    pub points: Option<f64>,
    /// The unit prize.
    pub prize: Option<String>,
}

/// The unit prizes among the host unit's children, from the published ranking (with the
/// member counts declared now).
fn unit_prizes(
    contest: &Contest,
    units: &crate::standings::directory::Snapshot,
    rows: &[persistence::results::FinalRow],
) -> Vec<UnitPrizeLine> {
    let Some(rules) = &contest.settings.prizes.units else {
        return Vec::new();
    };
    let host = contest.settings.unit_id.0;
    let depth = units.path_of(host).len();
    let mut tallies: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for r in rows {
        if let Some(child) = units.path_of(r.unit_id).get(depth) {
            let t = tallies.entry(*child).or_default();
            t.0 += 1;
            t.1 += i64::from(r.prize.is_some());
        }
    }
    let entries = units
        .children(Some(host))
        .iter()
        .map(|id| {
            let (participants, prizes_won) = tallies.get(id).copied().unwrap_or_default();
            publish::UnitEntry {
                unit_id: *id,
                name: units.name(Some(*id)).to_owned(),
                participants,
                members: units.get(*id).and_then(|u| u.member_count),
                prizes_won,
            }
        })
        .collect();
    publish::rank_units(entries, rules)
        .into_iter()
        .map(|u| UnitPrizeLine {
            rank: u.rank,
            unit_id: u.entry.unit_id,
            name: u.entry.name,
            participants: u.entry.participants,
            members: u.entry.members,
            rate: u.rate,
            prizes_won: u.entry.prizes_won,
            points: u.points,
            prize: u.prize,
        })
        .collect()
}

/// A reason for a decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Why (3–1000 characters); kept in the record.
    pub reason: String,
}

impl ReasonRequest {
    fn checked(&self) -> Result<&str, ApiError> {
        let r = self.reason.trim();
        if (3..=1000).contains(&r.chars().count()) {
            Ok(r)
        } else {
            Err(ApiError::field(
                "/reason",
                "give a reason of 3 to 1000 characters",
            ))
        }
    }
}

/// A void, as organizers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoidResponse {
    /// Id.
    pub id: Uuid,
    /// Round.
    pub round_id: Uuid,
    /// Whose result.
    pub user_id: Uuid,
    /// Their name (organizers see it in full).
    pub full_name: String,
    /// Why.
    pub reason: String,
    /// When.
    pub voided_at: DateTime<Utc>,
    /// By whom.
    pub voided_by: Option<Uuid>,
    /// When it was lifted.
    pub lifted_at: Option<DateTime<Utc>>,
    /// Why it was lifted.
    pub lift_reason: Option<String>,
}

async fn void_response(
    state: &AppState,
    v: persistence::results::Void,
) -> Result<VoidResponse, ApiError> {
    let names = persistence::results::names(&state.db, &[v.user_id]).await?;
    Ok(VoidResponse {
        id: v.id,
        round_id: v.round_id,
        user_id: v.user_id,
        full_name: names.get(&v.user_id).cloned().unwrap_or_default(),
        reason: v.reason,
        voided_at: v.voided_at,
        voided_by: v.voided_by,
        lifted_at: v.lifted_at,
        lift_reason: v.lift_reason,
    })
}

/// Voids a person's result in a round (e.g. someone sat the test for them): it leaves the live
/// boards at once and the final ranking when the round is published (again). Never deleted.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), ("user_id" = Uuid, Path, description = "Whose result")),
    request_body = ReasonRequest,
    responses(
        (status = 201, description = "Voided", body = VoidResponse),
        (status = 404, description = "Unknown round or no result of that person", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_voided`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/results/{user_id}/void")]
#[tracing::instrument(name = "Void result", skip_all, fields(round.id = %path.0, user.id = %user.id))]
pub async fn void_result(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, entrant) = *path;
    let (round, contest) = managed_round(&state, &user, round_id).await?;
    let reason = body.0.checked()?;
    let attempts = persistence::attempts::of_user_in_round(&state.db, entrant, round.id).await?;
    if !attempts.iter().any(|a| a.finished && !a.practice) {
        return Err(ApiError::NotFound("result"));
    }
    if persistence::results::void_in_force(&state.db, round.id, entrant)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict {
            code: "already_voided",
            detail: "this result is already voided".to_owned(),
            pointer: None,
        });
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let void =
        persistence::results::insert_void(&txn, round.id, entrant, reason, user.id.0, Utc::now())
            .await?;
    persistence::audit::record(
        &txn,
        Some(user.id),
        "result.void",
        Some(void.id),
        json!({"round_id": round.id, "user_id": entrant, "reason": reason}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::standings::rebuild_contest(&state, contest.id).await?;
    Ok(HttpResponse::Created().json(void_response(&state, void).await?))
}

/// Lifts a void: the result counts again (live at once; in the final ranking on republishing).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), ("user_id" = Uuid, Path, description = "Whose result")),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Lifted", body = VoidResponse),
        (status = 404, description = "No void in force", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/results/{user_id}/restore")]
#[tracing::instrument(name = "Lift void", skip_all, fields(round.id = %path.0, user.id = %user.id))]
pub async fn lift_void(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<ReasonRequest>,
) -> Result<web::Json<VoidResponse>, ApiError> {
    let (round_id, entrant) = *path;
    let (round, contest) = managed_round(&state, &user, round_id).await?;
    let reason = body.0.checked()?;
    let void = persistence::results::void_in_force(&state.db, round.id, entrant)
        .await?
        .ok_or(ApiError::NotFound("void"))?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let lifted =
        persistence::results::lift_void(&txn, &void, reason, user.id.0, Utc::now()).await?;
    persistence::audit::record(
        &txn,
        Some(user.id),
        "result.restore",
        Some(void.id),
        json!({"round_id": round.id, "user_id": entrant, "reason": reason}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::standings::rebuild_contest(&state, contest.id).await?;
    Ok(web::Json(void_response(&state, lifted).await?))
}

/// Every void of a round, lifted or not.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoidList {
    /// Newest first.
    pub items: Vec<VoidResponse>,
    /// How many.
    pub total: usize,
}

/// The voids of a round (organizers).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id")),
    responses((status = 200, description = "Voids", body = VoidList)),
    security(("bearer" = []))
)]
#[get("/rounds/{id}/voids")]
#[tracing::instrument(name = "List voids", skip_all, fields(round.id = %id))]
pub async fn list_voids(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<VoidList>, ApiError> {
    let (round, _) = managed_round(&state, &user, *id).await?;
    let mut items = Vec::new();
    for v in persistence::results::voids_of_round(&state.db, round.id).await? {
        items.push(void_response(&state, v).await?);
    }
    Ok(web::Json(VoidList {
        total: items.len(),
        items,
    }))
}

/// What a rebuild did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RebuildResponse {
    /// Attempts counted again.
    pub results: usize,
    /// Attempts left out as voided.
    pub voided: usize,
}

/// Rebuilds the live boards of the round's contest from the database (organizers).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id")),
    responses((status = 200, description = "Rebuilt", body = RebuildResponse)),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/leaderboard/rebuild")]
#[tracing::instrument(name = "Rebuild boards", skip_all, fields(round.id = %id))]
pub async fn rebuild_boards(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<RebuildResponse>, ApiError> {
    let (_, contest) = managed_round(&state, &user, *id).await?;
    let done = crate::standings::rebuild_contest(&state, contest.id).await?;
    Ok(web::Json(RebuildResponse {
        results: done.results,
        voided: done.voided,
    }))
}

/// What publishing a contest's overall results did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedOverall {
    /// When.
    pub published_at: DateTime<Utc>,
    /// Entrants ranked.
    pub ranked: usize,
    /// Overall prizes awarded.
    pub prizes: usize,
    /// Rounds whose results were summed.
    pub rounds: usize,
}

/// Publishes a contest's overall results once every round is published: the cumulative score
/// over the rounds (score ↓, then time used ↑, then the latest finish ↑), with the overall
/// prizes; with "one prize per person", round prize winners are passed over.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id")),
    responses(
        (status = 200, description = "Published", body = PublishedOverall),
        (status = 403, description = "Not an organizer of this contest", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`rounds_not_published`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/contests/{id}/publish")]
#[tracing::instrument(name = "Publish contest", skip_all, fields(contest.id = %id, user.id = %user.id))]
pub async fn publish_contest(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<PublishedOverall>, ApiError> {
    let contest = persistence::contests::get(&state.db, *id).await?;
    let caller = Caller::load(&state.db, user.id).await?;
    match access(&state.db, &caller, &contest).await {
        Ok(Access::Manage) => {}
        Ok(Access::Enter) => return Err(ApiError::Forbidden),
        Err(_) => return Err(ApiError::NotFound("contest")),
    }
    let rounds: Vec<Round> = persistence::contests::rounds_of(&state.db, contest.id)
        .await?
        .into_iter()
        .filter(|r| !r.settings.practice)
        .collect();
    let pending: Vec<&str> = rounds
        .iter()
        .filter(|r| r.published_at.is_none())
        .map(|r| r.settings.name.as_str())
        .collect();
    if rounds.is_empty() || !pending.is_empty() {
        return Err(ApiError::Conflict {
            code: "rounds_not_published",
            detail: if rounds.is_empty() {
                "the contest has no rounds to sum".to_owned()
            } else {
                format!("publish these rounds first: {}", pending.join(", "))
            },
            pointer: None,
        });
    }
    let round_ids: Vec<Uuid> = rounds.iter().map(|r| r.id).collect();
    let mut totals: HashMap<Uuid, (Finished, i32)> = HashMap::new();
    for row in persistence::results::published_round_rows(&state.db, &round_ids).await? {
        let (t, n) = totals.entry(row.user_id).or_insert_with(|| {
            (
                Finished {
                    user_id: row.user_id,
                    attempt_id: Uuid::nil(),
                    unit_id: row.unit_id,
                    score: 0,
                    max_score: 0,
                    prediction: None,
                    time_used_ms: 0,
                    finished_at: row.finished_at,
                },
                0,
            )
        });
        t.score += row.score;
        t.max_score += row.max_score;
        t.time_used_ms += row.time_used_ms;
        if row.finished_at >= t.finished_at {
            t.finished_at = row.finished_at;
            t.unit_id = row.unit_id;
        }
        *n += 1;
    }
    let s = &contest.settings;
    let passed_over = if s.prizes.one_per_person {
        persistence::results::prize_holders(&state.db, &round_ids).await?
    } else {
        HashSet::new()
    };
    let rounds_of: HashMap<Uuid, i32> = totals.iter().map(|(u, (_, n))| (*u, *n)).collect();
    let ranked = publish::rank(
        totals.into_values().map(|(f, _)| f).collect(),
        &[
            crate::domain::contest::TieBreakKey::Score,
            crate::domain::contest::TieBreakKey::TimeUsed,
            crate::domain::contest::TieBreakKey::FinishedAt,
        ],
        None,
        &PrizeRules {
            tiers: &s.prizes.overall,
            perfect_only: false,
            passed_over: &passed_over,
        },
    );
    let rows: Vec<persistence::results::OverallRow> = ranked
        .iter()
        .map(|r| persistence::results::OverallRow {
            user_id: r.entry.user_id,
            unit_id: r.entry.unit_id,
            rank: r.rank,
            score: r.entry.score,
            time_used_ms: r.entry.time_used_ms,
            last_finished_at: r.entry.finished_at,
            rounds: rounds_of.get(&r.entry.user_id).copied().unwrap_or(0),
            prize: r.prize.clone(),
        })
        .collect();
    let now = Utc::now();
    let prizes = rows.iter().filter(|r| r.prize.is_some()).count();
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::results::publish_overall(&txn, contest.id, &rows, now).await?;
    persistence::audit::record(
        &txn,
        Some(user.id),
        "contest.publish",
        Some(contest.id),
        json!({"ranked": rows.len(), "prizes": prizes, "rounds": round_ids.len()}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    state.catalog.forget_contest(contest.id);
    Ok(web::Json(PublishedOverall {
        published_at: now,
        ranked: rows.len(),
        prizes,
        rounds: round_ids.len(),
    }))
}

/// One line of a contest's overall results.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverallLine {
    /// Rank.
    pub rank: i32,
    /// Masked name.
    pub display_name: String,
    /// Unit.
    pub unit_id: Uuid,
    /// Its name.
    pub unit_name: String,
    /// Cumulative score.
    pub score: i64,
    /// Cumulative time used (ms).
    pub time_used_ms: i64,
    /// Latest counted finish.
    pub last_finished_at: DateTime<Utc>,
    /// Rounds with a result.
    pub rounds: i32,
    /// Overall prize.
    pub prize: Option<String>,
}

/// A contest's overall results.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverallResponse {
    /// When published.
    pub published_at: DateTime<Utc>,
    /// Lines in rank order.
    pub items: Vec<OverallLine>,
    /// Lines in all (after `prizes_only`).
    pub total: usize,
}

/// The published overall results of a contest, to anyone who may see its boards.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), ResultsQuery),
    responses(
        (status = 200, description = "The overall results", body = OverallResponse),
        (status = 404, description = "Unknown contest or not published yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contests/{id}/results")]
#[tracing::instrument(name = "Contest results", skip_all, fields(contest.id = %id))]
pub async fn contest_results(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<Uuid>,
    query: Query<ResultsQuery>,
) -> Result<web::Json<OverallResponse>, ApiError> {
    crate::routes::leaderboards::visible_contest(&state, user.as_ref(), *id).await?;
    let contest = persistence::contests::get(&state.db, *id).await?;
    let Some(published_at) = contest.published_at else {
        return Err(ApiError::NotFound("published results"));
    };
    let limit = match query.limit {
        None => 50,
        Some(l @ 1..=200) => l,
        Some(_) => return Err(ApiError::field("/limit", "limit must be between 1 and 200")),
    };
    let mut rows = persistence::results::overall_all(&state.db, contest.id).await?;
    if query.prizes_only {
        rows.retain(|r| r.prize.is_some());
    }
    let total = rows.len();
    let start = usize::try_from(query.offset)
        .unwrap_or(usize::MAX)
        .min(total);
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(50))
        .min(total);
    let page = &rows[start..end];
    let ids: Vec<Uuid> = page.iter().map(|r| r.user_id).collect();
    let names = persistence::results::names(&state.db, &ids).await?;
    let units = state.units.snapshot(&state.db).await?;
    Ok(web::Json(OverallResponse {
        published_at,
        items: page
            .iter()
            .map(|r| OverallLine {
                rank: r.rank,
                display_name: names
                    .get(&r.user_id)
                    .map_or_else(String::new, |n| mask_name(n)),
                unit_id: r.unit_id,
                unit_name: units.name(Some(r.unit_id)).to_owned(),
                score: r.score,
                time_used_ms: r.time_used_ms,
                last_finished_at: r.last_finished_at,
                rounds: r.rounds,
                prize: r.prize.clone(),
            })
            .collect(),
        total,
    }))
}

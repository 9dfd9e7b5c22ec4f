//! A person's own personal data (Law 91/2025/QH15 on personal data protection): what they
//! consented to, a copy of everything held about them, and erasure at their request.
//!
//! Erasure keeps the account's row and its results, anonymised: rankings that were published
//! stay valid, and nobody can tell whose they were. Name, phone, birth date, citizen id, email
//! and admission date go; roles and sessions end at once; the live boards of the contests the
//! person took part in are rebuilt in the background, so the masked name they showed goes too
//! (final rankings read names when they are read, so they show the erased name already).
//!
//! Retention: a login session's record (client address, browser) is deleted
//! `DAUTRI_RETENTION__SESSION_DAYS` after it expired or was revoked ([`purge_sessions`], hourly).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::sessions;
use crate::caches::coherence::Change;
use crate::domain::ids::{ContestId, CourseId, OptionId, QuestionId, RoundId, UserId};
use crate::error::ApiError;
use crate::persistence;
use crate::state::AppState;

/// Everything dautri holds about one person, as they may download it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalData {
    /// When this copy was made.
    pub exported_at: DateTime<Utc>,
    /// The account.
    pub account: AccountData,
    /// Roles held, by unit (null: everywhere).
    pub roles: Vec<RoleData>,
    /// Every attempt, with its answers.
    pub attempts: Vec<AttemptData>,
    /// Certificates issued.
    pub certificates: Vec<CertificateData>,
    /// Login sessions: when, from which address and browser.
    pub sessions: Vec<SessionData>,
}

/// The account's own fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountData {
    /// Id.
    pub id: Uuid,
    /// Phone.
    pub phone: String,
    /// Full name.
    pub full_name: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Unit.
    pub unit_id: Uuid,
    /// Citizen id.
    pub citizen_id: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Admitted to the Union.
    pub admitted_at: Option<NaiveDate>,
    /// Consent to the personal-data notice: when, and to which version.
    pub consent_at: DateTime<Utc>,
    /// Version of the notice consented to.
    pub consent_version: String,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleData {
    /// `admin`, `organizer`, `unit_admin`.
    pub role: String,
    /// Where.
    pub unit_id: Option<Uuid>,
}

/// An attempt and its answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptData {
    /// Id.
    pub id: Uuid,
    /// Contest.
    #[schema(value_type = Uuid)]
    pub contest_id: ContestId,
    /// Round.
    #[schema(value_type = Uuid)]
    pub round_id: RoundId,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Score.
    pub score: Option<i64>,
    /// Out of.
    pub max_score: i64,
    /// Time used, ms.
    pub time_used_ms: Option<i64>,
    /// The prediction given.
    pub prediction: Option<i64>,
    /// Answers: question and the options chosen, with when.
    pub answers: Vec<AnswerData>,
}

/// One saved answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerData {
    /// Question.
    #[schema(value_type = Uuid)]
    pub question_id: QuestionId,
    /// Options chosen.
    #[schema(value_type = Vec<Uuid>)]
    pub option_ids: Vec<OptionId>,
    /// Saved.
    pub saved_at: DateTime<Utc>,
}

/// A certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateData {
    /// Code.
    pub code: String,
    /// Course.
    #[schema(value_type = Uuid)]
    pub course_id: CourseId,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Revoked, if so.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A login session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionData {
    /// Session.
    pub session_id: Uuid,
    /// Signed in (or refreshed).
    pub created_at: DateTime<Utc>,
    /// From this address.
    pub ip: Option<String>,
    /// With this browser.
    pub user_agent: Option<String>,
    /// Ended.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A copy of everything held about `user`.
pub async fn my_data(
    state: &AppState,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<PersonalData, ApiError> {
    let db = &state.db;
    let account = persistence::users::get(db, user).await?;
    let roles = persistence::roles::for_user(db, user)
        .await?
        .into_iter()
        .map(|g| RoleData {
            role: serde_json::to_value(g.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            unit_id: g.unit_id.map(|u| u.into_uuid()),
        })
        .collect();
    let mut attempts = Vec::new();
    for a in persistence::attempts::of_user(db, user, None, None).await? {
        let answers = persistence::attempts::answers(db, a.id)
            .await?
            .into_iter()
            .map(|r| AnswerData {
                question_id: r.question_id,
                option_ids: r.option_ids,
                saved_at: r.saved_at,
            })
            .collect();
        attempts.push(AttemptData {
            id: a.id.into_uuid(),
            contest_id: a.contest_id,
            round_id: a.round_id,
            started_at: a.started_at,
            finished_at: a.finished_at,
            score: a.score,
            max_score: a.max_score,
            time_used_ms: a.time_used_ms,
            prediction: a.prediction,
            answers,
        });
    }
    let certificates = persistence::theory::certificates_of_user(db, user)
        .await?
        .into_iter()
        .map(|c| CertificateData {
            code: c.code,
            course_id: c.course_id,
            issued_at: c.issued_at,
            revoked_at: c.revoked_at,
        })
        .collect();
    let sessions = persistence::tokens::of_user(db, user)
        .await?
        .into_iter()
        .map(|t| SessionData {
            session_id: t.family_id.into_uuid(),
            created_at: t.created_at,
            ip: t.ip,
            user_agent: t.user_agent,
            revoked_at: t.revoked_at,
        })
        .collect();
    Ok(PersonalData {
        exported_at: now,
        account: AccountData {
            id: account.id.into_uuid(),
            phone: account.phone,
            full_name: account.full_name,
            birth_date: account.birth_date,
            unit_id: account.unit_id.into_uuid(),
            citizen_id: account.citizen_id,
            email: account.email,
            admitted_at: account.admitted_at,
            consent_at: account.consent_at,
            consent_version: account.consent_version,
            created_at: account.created_at,
        },
        roles,
        attempts,
        certificates,
        sessions,
    })
}

/// Records that `user` accepts `version` of the personal-data notice; only the current version
/// can be accepted.
pub async fn consent(
    state: &AppState,
    user: UserId,
    version: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if version != crate::domain::person::CONSENT_VERSION {
        return Err(ApiError::field(
            "/version",
            format!(
                "the notice in force is version {}",
                crate::domain::person::CONSENT_VERSION
            ),
        ));
    }
    persistence::users::record_consent(&state.db, user, version, now).await?;
    Ok(())
}

/// Erases `user`'s personal data at their request, after checking their password.
pub async fn erase(
    state: &AppState,
    user: UserId,
    password_given: String,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    super::accounts::check_current_password(state, user, password_given).await?;
    let contests: std::collections::BTreeSet<ContestId> =
        persistence::attempts::of_user(&state.db, user, None, None)
            .await?
            .into_iter()
            .filter(|a| a.finished)
            .map(|a| a.contest_id)
            .collect();
    let txn = sea_orm::TransactionTrait::begin(&state.db)
        .await
        .map_err(persistence::PersistenceError::from)?;
    // Read before erasing: the audit log files the erasure under the person's unit.
    let unit = persistence::users::get(&txn, user).await?.unit_id;
    persistence::users::erase(&txn, user, now).await?;
    persistence::roles::replace(&txn, user, &[]).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "user.erase",
        Some(user.into_uuid()),
        Some(unit),
        json!({"contests": contests.len()}),
    )
    .await?;
    txn.commit()
        .await
        .map_err(persistence::PersistenceError::from)?;
    crate::app::coherence::changed(state, Change::Person(user)).await;
    sessions::end_all_sessions(state, user, now).await?;
    // The live boards hold the masked name recorded at each finish: rebuild them from the
    // database, which now holds the erased name. In the background: a rebuild of a large
    // contest takes a while, and the erasure is already complete where it matters.
    let state = state.clone();
    tokio::spawn(async move {
        for contest in contests {
            if let Err(e) = crate::standings::rebuild_contest(&state, contest).await {
                tracing::warn!(contest.id = %contest, error = %e, "board rebuild after an erasure failed; the next rebuild will drop the name");
            }
        }
    });
    Ok(())
}

/// Deletes the records of login sessions that ended (expired or revoked) more than the retention
/// period before `now`. Returns how many were deleted.
pub async fn purge_sessions(state: &AppState, now: DateTime<Utc>) -> Result<u64, ApiError> {
    let days = i64::from(state.settings.retention_session_days);
    let before = now - chrono::Duration::days(days);
    Ok(persistence::tokens::delete_ended_before(&state.db, before).await?)
}

/// Runs [`purge_sessions`] every hour, on one instance at a time (the lease `retention`, held
/// for most of an hour: another instance takes it over at its next hourly tick after that).
pub fn spawn_retention(state: AppState) {
    tokio::spawn(async move {
        let lease = crate::scoring::lease::Lease::new(
            &state.store,
            &state.keys,
            "retention",
            std::time::Duration::from_secs(3000),
        );
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let run = crate::app::attempts::run_leased(&lease, purge_sessions(&state, Utc::now()));
            match run.await {
                Ok(None | Some(0)) => {}
                Ok(Some(n)) => {
                    tracing::info!(deleted = n, "ended login sessions past retention deleted")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "session retention run failed; next hour again")
                }
            }
        }
    });
}

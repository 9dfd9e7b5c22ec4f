//! A person as their managers see them in the console: finding people by name or phone within
//! the caller's scope, one person's profile (unit, roles and which of them the caller may
//! change, the reset code's state), their attempts and their theory status, and who manages a
//! unit. Outside the caller's scope everything answers 404, as if the person did not exist.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::disabling::{self, DisabledState};
use super::people::{PEOPLE_READERS, manages};
use super::recovery;
use crate::auth::Caller;
use crate::domain::ids::{ContestId, RoundId, UnitId, UserId};
use crate::domain::role::Role;
use crate::domain::theory::{LessonStatus, effective_since, must_take};
use crate::error::ApiError;
use crate::persistence::{self, units::Unit, users::User};
use crate::state::AppState;

/// A unit as the console names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitName {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Code.
    pub code: String,
}

impl From<&Unit> for UnitName {
    fn from(u: &Unit) -> Self {
        Self {
            id: u.id.into_uuid(),
            name: u.name.clone(),
            code: u.code.clone(),
        }
    }
}

/// A person found by a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummary {
    /// Id.
    pub id: Uuid,
    /// Họ tên.
    pub full_name: String,
    /// Phone, national form (managers in scope need it to reach people).
    pub phone: String,
    /// Their unit.
    pub unit: UnitName,
    /// Ngày kết nạp.
    pub admitted_at: Option<NaiveDate>,
    /// Set when the account is disabled (Đã khoá).
    pub disabled: Option<DisabledState>,
}

/// A page of people.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonList {
    /// The people.
    pub items: Vec<PersonSummary>,
    /// How many match in all.
    pub total: u64,
}

async fn unit_names(
    state: &AppState,
    ids: impl IntoIterator<Item = UnitId>,
) -> Result<HashMap<UnitId, UnitName>, ApiError> {
    let mut out = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(id) {
            let unit = persistence::units::get(&state.db, id).await?;
            slot.insert(UnitName::from(&unit));
        }
    }
    Ok(out)
}

/// People within the subtrees `user` organises or administers (everyone for an admin), found
/// by name (ignoring case and diacritics) or by phone digits, optionally within unit `unit_id`'s
/// subtree.
pub async fn search(
    state: &AppState,
    user: UserId,
    q: Option<&str>,
    unit_id: Option<UnitId>,
    offset: u64,
    limit: u64,
) -> Result<PersonList, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(PEOPLE_READERS) {
        return Err(ApiError::Forbidden);
    }
    if q.is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::field(
            "/q",
            "search text must be at most 100 characters",
        ));
    }
    let roots = match unit_id {
        Some(id) => Some(vec![
            caller
                .require_unit(&state.db, PEOPLE_READERS, id)
                .await?
                .path,
        ]),
        None => caller.roots(PEOPLE_READERS),
    };
    let (people, total) =
        persistence::users::search(&state.db, roots.as_deref(), q, offset, limit).await?;
    let names = unit_names(state, people.iter().map(|p| p.unit_id)).await?;
    let items = people
        .into_iter()
        .filter_map(|p| {
            Some(PersonSummary {
                unit: names.get(&p.unit_id)?.clone(),
                id: p.id.into_uuid(),
                full_name: p.full_name,
                phone: p.phone,
                admitted_at: p.admitted_at,
                disabled: p.disabled.as_ref().map(DisabledState::from),
            })
        })
        .collect();
    Ok(PersonList { items, total })
}

/// Loads `id` if `caller` organises or administers their unit (never themselves by that
/// route: their own page is Tài khoản).
async fn in_scope(state: &AppState, caller: &Caller, id: UserId) -> Result<(User, Unit), ApiError> {
    if !caller.has_any(PEOPLE_READERS) {
        return Err(ApiError::Forbidden);
    }
    let person = persistence::users::get(&state.db, id).await?;
    let unit = persistence::units::get(&state.db, person.unit_id).await?;
    if person.erased_at.is_some() || !caller.covers(PEOPLE_READERS, &unit.path) {
        return Err(ApiError::NotFound("user"));
    }
    Ok((person, unit))
}

/// A role a person holds, with its unit's name and whether the caller may revoke it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileRole {
    /// The role.
    pub role: Role,
    /// The unit whose subtree it covers (null for admin).
    pub unit: Option<UnitName>,
    /// Whether the caller may revoke it (and so must send it back in `PUT /users/{id}/roles`
    /// to keep it).
    pub manageable: bool,
}

/// A live reset code (never the code itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetCodeState {
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A person as their managers see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonProfile {
    /// Id.
    pub id: Uuid,
    /// Họ tên.
    pub full_name: String,
    /// Phone.
    pub phone: String,
    /// Ngày sinh.
    pub birth_date: Option<NaiveDate>,
    /// Ngày kết nạp.
    pub admitted_at: Option<NaiveDate>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// Their unit.
    pub unit: UnitName,
    /// The units above it, from the root down.
    pub unit_path: Vec<UnitName>,
    /// Their roles beyond member.
    pub roles: Vec<ProfileRole>,
    /// The units over which the caller may grant roles to this person (their unit and the
    /// units above it within the caller's unit-admin scope, from the top down); empty when the
    /// caller may grant none.
    pub grantable_units: Vec<UnitName>,
    /// Whether the caller may issue this person a password reset code.
    pub can_issue_reset_code: bool,
    /// The person's live reset code, if any.
    pub reset_code: Option<ResetCodeState>,
    /// Set when the account is disabled (Đã khoá), with why and by whom.
    pub disabled: Option<DisabledState>,
    /// Whether the caller may disable or enable this account.
    pub can_disable: bool,
}

/// Person `id`'s profile for `user`, who must organise or administer their unit.
pub async fn profile(
    state: &AppState,
    user: UserId,
    id: UserId,
    now: DateTime<Utc>,
) -> Result<PersonProfile, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let (person, unit) = in_scope(state, &caller, id).await?;
    let ancestors = persistence::units::ancestors(&state.db, &unit).await?;
    let grants = persistence::roles::for_user(&state.db, person.id).await?;
    let names = unit_names(state, grants.iter().filter_map(|g| g.unit_id)).await?;
    let mut roles = Vec::with_capacity(grants.len());
    for grant in &grants {
        roles.push(ProfileRole {
            role: grant.role,
            unit: grant.unit_id.and_then(|u| names.get(&u).cloned()),
            manageable: manages(state, &caller, grant).await?,
        });
    }
    let grantable_units = if caller.has_any(&[Role::UnitAdmin]) {
        ancestors
            .iter()
            .chain(std::iter::once(&unit))
            .filter(|u| caller.covers(&[Role::UnitAdmin], &u.path))
            .map(UnitName::from)
            .collect()
    } else {
        Vec::new()
    };
    let can_issue_reset_code = recovery::may_issue(state, &caller, &person).await?;
    let can_disable = disabling::may_manage(state, &caller, &person, &unit).await?;
    let reset_code = if can_issue_reset_code {
        recovery::status(state, person.id, now)
            .await?
            .map(|s| ResetCodeState {
                issued_at: s.issued_at,
                expires_at: s.expires_at,
            })
    } else {
        None
    };
    Ok(PersonProfile {
        id: person.id.into_uuid(),
        full_name: person.full_name,
        phone: person.phone,
        birth_date: person.birth_date,
        admitted_at: person.admitted_at,
        created_at: person.created_at,
        unit: UnitName::from(&unit),
        unit_path: ancestors.iter().map(UnitName::from).collect(),
        roles,
        grantable_units,
        can_issue_reset_code,
        reset_code,
        disabled: person.disabled.as_ref().map(DisabledState::from),
        can_disable,
    })
}

/// One attempt of a person, as their managers list it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonAttempt {
    /// Attempt id.
    pub id: Uuid,
    /// Contest.
    #[schema(value_type = Uuid)]
    pub contest_id: ContestId,
    /// Its title.
    pub contest_title: String,
    /// Round.
    #[schema(value_type = Uuid)]
    pub round_id: RoundId,
    /// Its name.
    pub round_name: String,
    /// 1 for the first attempt in the round, …
    pub seq: i32,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Finished (null while open).
    pub finished_at: Option<DateTime<Utc>>,
    /// Score, once finished.
    pub score: Option<i64>,
    /// Most possible.
    pub max_score: i64,
    /// Time used, ms.
    pub time_used_ms: Option<i64>,
    /// A practice attempt (never counts).
    pub practice: bool,
}

/// A page of a person's attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonAttemptList {
    /// Newest first.
    pub items: Vec<PersonAttempt>,
    /// How many in all.
    pub total: u64,
}

/// Person `id`'s attempts, newest first, for a manager whose scope holds them.
pub async fn attempts(
    state: &AppState,
    user: UserId,
    id: UserId,
    offset: u64,
    limit: u64,
) -> Result<PersonAttemptList, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let (person, _) = in_scope(state, &caller, id).await?;
    let records = persistence::attempts::of_user(&state.db, person.id, None, None).await?;
    let total = records.len() as u64;
    let mut contests = HashMap::new();
    let mut rounds = HashMap::new();
    let mut items = Vec::new();
    for r in records
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        if let std::collections::hash_map::Entry::Vacant(slot) = contests.entry(r.contest_id) {
            let c = persistence::contests::get(&state.db, r.contest_id).await?;
            slot.insert(c.settings.title);
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = rounds.entry(r.round_id) {
            let round = persistence::contests::get_round(&state.db, r.round_id).await?;
            slot.insert(round.settings.name);
        }
        items.push(PersonAttempt {
            id: r.id.into_uuid(),
            contest_title: contests.get(&r.contest_id).cloned().unwrap_or_default(),
            contest_id: r.contest_id,
            round_name: rounds.get(&r.round_id).cloned().unwrap_or_default(),
            round_id: r.round_id,
            seq: r.seq,
            started_at: r.started_at,
            finished_at: r.finished_at,
            score: r.score,
            max_score: r.max_score,
            time_used_ms: r.time_used_ms,
            practice: r.practice,
        });
    }
    Ok(PersonAttemptList { items, total })
}

/// A lesson's status for one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonLesson {
    /// Bài 1, 2, …
    pub position: i32,
    /// Title.
    pub title: String,
    /// Not tested, tested, passed.
    pub status: LessonStatus,
    /// Best score as a percentage.
    pub best_percent: Option<f64>,
    /// When it was first passed.
    pub passed_at: Option<DateTime<Utc>>,
}

/// A person's political-theory status, for their managers.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonTheory {
    /// The course taught now.
    pub course_title: String,
    /// Its version.
    pub course_version: i32,
    /// Ngày kết nạp.
    pub admitted_at: Option<NaiveDate>,
    /// The admission date from which their unit's new members must take the course.
    pub theory_since: Option<NaiveDate>,
    /// Whether they must take it.
    pub required: bool,
    /// Lessons passed.
    pub passed_lessons: usize,
    /// Lessons in all.
    pub total_lessons: usize,
    /// Each lesson.
    pub lessons: Vec<PersonLesson>,
    /// Their certificate's verification code, once issued.
    pub certificate_code: Option<String>,
    /// When it was revoked, if it was.
    pub certificate_revoked_at: Option<DateTime<Utc>>,
}

/// Person `id`'s status in the course taught now; 404 when no course is taught.
pub async fn theory(state: &AppState, user: UserId, id: UserId) -> Result<PersonTheory, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let (person, unit) = in_scope(state, &caller, id).await?;
    let course = super::theory::progress::course_or_current(&state.db, None).await?;
    let path: Vec<Uuid> = unit.path.ids().into_iter().map(Into::into).collect();
    let settings = persistence::theory::since_settings(&state.db).await?;
    let theory_since = effective_since(&path, &settings);
    let progress = super::theory::progress::progress(state, person.id, course).await?;
    let lessons: Vec<PersonLesson> = progress
        .course
        .lessons
        .iter()
        .zip(&progress.results)
        .map(|(lesson, result)| PersonLesson {
            position: lesson.position,
            title: lesson.title.clone(),
            status: result.status(),
            best_percent: result.best.map(|(s, m)| {
                if m > 0 {
                    100.0 * s as f64 / m as f64
                } else {
                    0.0
                }
            }),
            passed_at: result.passed_at,
        })
        .collect();
    Ok(PersonTheory {
        course_title: progress.course.title.clone(),
        course_version: progress.course.version,
        admitted_at: person.admitted_at,
        theory_since,
        required: must_take(person.admitted_at, theory_since),
        passed_lessons: lessons
            .iter()
            .filter(|l| l.status == LessonStatus::Passed)
            .count(),
        total_lessons: lessons.len(),
        lessons,
        certificate_code: progress.certificate.as_ref().map(|c| c.code.clone()),
        certificate_revoked_at: progress.certificate.and_then(|c| c.revoked_at),
    })
}

/// Someone holding a managing role over a unit or one above it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitManager {
    /// The person.
    pub user_id: Uuid,
    /// Họ tên.
    pub full_name: String,
    /// The role.
    pub role: Role,
    /// The unit the grant is on (this unit or one above it).
    pub unit: UnitName,
    /// Whether the grant is on a unit above this one (inherited).
    pub inherited: bool,
}

/// Who organises or administers unit `unit_id`: grants on it and on the units above it that
/// lie within the caller's scope.
pub async fn unit_managers(
    state: &AppState,
    user: UserId,
    unit_id: UnitId,
) -> Result<Vec<UnitManager>, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, PEOPLE_READERS, unit_id)
        .await?;
    let ancestors = persistence::units::ancestors(&state.db, &unit).await?;
    let chain: Vec<&Unit> = ancestors
        .iter()
        .chain(std::iter::once(&unit))
        .filter(|u| caller.covers(PEOPLE_READERS, &u.path))
        .collect();
    let ids: Vec<UnitId> = chain.iter().map(|u| u.id).collect();
    let by_id: HashMap<UnitId, &Unit> = chain.iter().map(|u| (u.id, *u)).collect();
    let mut out = Vec::new();
    let mut people: HashMap<UserId, Option<String>> = HashMap::new();
    for (who, grant) in persistence::roles::over_units(&state.db, &ids).await? {
        let Some(on) = grant.unit_id.and_then(|u| by_id.get(&u)) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = people.entry(who) {
            let name = match persistence::users::get(&state.db, who).await {
                Ok(p) if p.erased_at.is_none() => Some(p.full_name),
                Ok(_) | Err(persistence::PersistenceError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            };
            slot.insert(name);
        }
        let Some(Some(full_name)) = people.get(&who).cloned() else {
            continue;
        };
        out.push(UnitManager {
            user_id: who.into_uuid(),
            full_name,
            role: grant.role,
            unit: UnitName::from(*on),
            inherited: on.id != unit.id,
        });
    }
    // This unit's own managers first, then those above, nearest first.
    out.sort_by_key(|m| {
        (
            m.inherited,
            std::cmp::Reverse(
                by_id
                    .get(&UnitId::from_uuid(m.unit.id))
                    .map(|u| u.path.depth()),
            ),
        )
    });
    Ok(out)
}

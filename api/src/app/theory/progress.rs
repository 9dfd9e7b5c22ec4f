//! A member's progress through a course, the waiting time between attempts, certificates
//! issued when the last lesson is passed, and the count of units' coverage of their new
//! members.
//!
//! The other `app::theory` modules and the attempt start and finish paths call these
//! functions; the rules themselves are in `domain::theory`.
//!
//! # Implementation notes
//! Pass status is derived from the attempts every time (the best attempt kept, voided results
//! left out), so a void, a lifted void or a late auto-finish is reflected without a second
//! record. A certificate is issued by the finish of the attempt that completes the course and,
//! should that have failed, by the member's next look at their progress; a unique
//! `(user, course)` makes both idempotent.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::caches::directory::Snapshot;
use crate::domain::ids::{CertificateId, CourseId, LessonId, RoundId, UnitId, UserId};
use crate::domain::programme::AudienceKind;
use crate::domain::theory::{
    LessonResult, Tally, TheoryAttempt, completed_at, effective_since, lesson_results, must_take,
    new_certificate_code,
};
use crate::domain::time::vietnam_date;
use crate::error::ApiError;
use crate::persistence::attempts::AttemptRecord;
use crate::persistence::theory::{self as store, Admitted, Certificate, Course, TheoryTest};
use crate::persistence::units::Unit;
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;

/// Refuses a new attempt at a theory test before its waiting time after the last one is over.
pub async fn check_retry_wait(
    db: &impl ConnectionTrait,
    round_id: RoundId,
    previous: &[AttemptRecord],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(test) = store::test_of_round(db, round_id).await? else {
        return Ok(());
    };
    if test.retry_wait_minutes <= 0 {
        return Ok(());
    }
    let Some(last) = previous.iter().filter_map(|a| a.finished_at).max() else {
        return Ok(());
    };
    let allowed_at = last + chrono::Duration::minutes(i64::from(test.retry_wait_minutes));
    if now < allowed_at {
        return Err(ApiError::RetryTooSoon { allowed_at });
    }
    Ok(())
}

/// One member's attempts bearing on a course version, with voided results left out.
async fn member_attempts(
    db: &impl ConnectionTrait,
    user_id: UserId,
    tests: &[TheoryTest],
) -> Result<Vec<(TheoryTest, store::TestAttempt)>, ApiError> {
    let by_round: HashMap<RoundId, &TheoryTest> = tests.iter().map(|t| (t.round_id, t)).collect();
    let round_ids: Vec<RoundId> = by_round.keys().copied().collect();
    let voided = persistence::results::voided_pairs(db, &round_ids).await?;
    Ok(store::attempts_of_user(db, user_id, &round_ids)
        .await?
        .into_iter()
        .filter(|a| !voided.contains(&(a.round_id, a.user_id)))
        .filter_map(|a| {
            by_round
                .get(&RoundId::from_uuid(*a.round_id.as_uuid()))
                .map(|t| ((*t).clone(), a))
        })
        .collect())
}

fn as_theory_attempt(test: &TheoryTest, a: &store::TestAttempt) -> TheoryAttempt {
    TheoryAttempt {
        lesson_id: test.lesson_id,
        pass_mark: test.pass_mark,
        score: a.score,
        max_score: a.max_score,
        finished_at: a.finished_at,
    }
}

/// A member's progress through a course version.
#[derive(Debug, Clone)]
pub struct Progress {
    /// The course.
    pub course: Course,
    /// Its tests.
    pub tests: Vec<TheoryTest>,
    /// Each lesson's result, in lesson order.
    pub results: Vec<LessonResult>,
    /// The member's attempts per test round.
    pub attempts_per_round: HashMap<Uuid, Vec<store::TestAttempt>>,
    /// The certificate for this version, if issued (possibly revoked).
    pub certificate: Option<Certificate>,
}

/// Loads a member's progress and issues their certificate if every lesson is passed and none
/// was issued yet.
pub async fn progress(
    state: &AppState,
    user_id: UserId,
    course: Course,
) -> Result<Progress, ApiError> {
    let tests = store::tests_of_course(&state.db, course.id).await?;
    // Only tests finished within the programme's period count (the theory course has none).
    let attempts: Vec<_> = member_attempts(&state.db, user_id, &tests)
        .await?
        .into_iter()
        .filter(|(_, a)| course.audience.counts(a.finished_at))
        .collect();
    let lesson_ids: Vec<LessonId> = course.lessons.iter().map(|l| l.id).collect();
    let theory: Vec<TheoryAttempt> = attempts
        .iter()
        .map(|(t, a)| as_theory_attempt(t, a))
        .collect();
    let results = lesson_results(&lesson_ids, &theory);
    let certificate = issue_if_complete(&state.db, user_id, &course, &results).await?;
    let mut attempts_per_round: HashMap<Uuid, Vec<store::TestAttempt>> = HashMap::new();
    for (t, a) in attempts {
        attempts_per_round
            .entry(t.round_id.into_uuid())
            .or_default()
            .push(a);
    }
    Ok(Progress {
        course,
        tests,
        results,
        attempts_per_round,
        certificate,
    })
}

/// The certificate of `user_id` for `course`: the existing one, or a new one when `results`
/// show every lesson passed.
async fn issue_if_complete(
    db: &impl ConnectionTrait,
    user_id: UserId,
    course: &Course,
    results: &[LessonResult],
) -> Result<Option<Certificate>, ApiError> {
    if !course.issues_certificate {
        return Ok(None);
    }
    let existing = |all: Vec<Certificate>| all.into_iter().find(|c| c.course_id == course.id);
    if let Some(c) = existing(store::certificates_of_user(db, user_id).await?) {
        return Ok(Some(c));
    }
    let Some(done) = completed_at(results) else {
        return Ok(None);
    };
    for _ in 0..5 {
        let cert = Certificate {
            id: CertificateId::new(),
            code: new_certificate_code(rand::rng().next_u64()),
            user_id,
            course_id: course.id,
            issued_at: done,
            revoked_at: None,
            revoked_by: None,
            revoked_reason: None,
        };
        match store::insert_certificate(db, &cert).await {
            Ok(()) => {
                tracing::info!(user.id = %user_id, course.id = %course.id, "theory certificate issued");
                return Ok(Some(cert));
            }
            Err(PersistenceError::Duplicate(_)) => {
                // Issued at the same moment by another request, or (rarely) a code taken.
                if let Some(c) = existing(store::certificates_of_user(db, user_id).await?) {
                    return Ok(Some(c));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Unexpected(anyhow::anyhow!(
        "no free certificate code after five draws"
    )))
}

/// After an attempt finishes: if it was a theory test, issue the certificate it may complete.
/// Failures are logged, not raised: the result is already recorded, and the member's next look
/// at their progress issues the certificate.
pub async fn after_finish(state: &AppState, record: &AttemptRecord) {
    let outcome = async {
        // Most finishes are of ordinary contests: the cached contest says so without a query.
        let contest = state.catalog.contest(&state.db, record.contest_id).await?;
        if contest.settings.kind != crate::domain::contest::ContestKind::TheoryTest {
            return Ok(());
        }
        let Some(test) = store::test_of_round(&state.db, record.round_id).await? else {
            return Ok::<(), ApiError>(());
        };
        let course = store::get_course(&state.db, test.course_id).await?;
        progress(state, record.user_id, course).await?;
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        tracing::error!(attempt.id = %record.id, error = %crate::error::cause_chain(&e), "could not check the theory certificate after a finish");
    }
}

/// The course a request means: the one named, or the one taught now.
pub async fn course_or_current(
    db: &impl ConnectionTrait,
    course_id: Option<CourseId>,
) -> Result<Course, ApiError> {
    match course_id {
        Some(id) => Ok(store::get_course(db, id).await?),
        None => store::current_course(db)
            .await?
            .ok_or(ApiError::NotFound("course")),
    }
}

/// A new member in a coverage count.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// Who.
    pub member: Admitted,
    /// Their lesson results.
    pub results: Vec<LessonResult>,
    /// Whether they hold a valid certificate of the course (any version).
    pub certified: bool,
}

/// A row of coverage: a unit's subtree (or, for `direct`, the members placed in the unit
/// itself rather than in a child).
#[derive(Debug, Clone)]
pub struct CoverageRow {
    /// The unit.
    pub unit_id: Uuid,
    /// Its name.
    pub name: String,
    /// Members placed directly in the asked unit, not in any child.
    pub direct: bool,
    /// The counts.
    pub tally: Tally,
}

/// Coverage of a unit's subtree.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The whole subtree.
    pub total: Tally,
    /// One row per child unit (and one for members placed in the unit itself, if any).
    pub rows: Vec<CoverageRow>,
    /// Every new member, by name.
    pub members: Vec<NewMember>,
    /// The unit's own effective admission-date setting.
    pub since: Option<chrono::NaiveDate>,
    /// How many completed the course on each Vietnamese day (the whole subtree).
    pub completed_days: Vec<(chrono::NaiveDate, i64)>,
}

/// Counts the new members of `unit`'s subtree on `course`: who must take it (admitted on or
/// after their unit's date), who was tested, who passed, per lesson and overall.
pub async fn coverage(
    state: &AppState,
    units: &Snapshot,
    unit: &Unit,
    course: &Course,
) -> Result<Coverage, ApiError> {
    if course.audience.kind() != AudienceKind::NewMembers {
        return programme_coverage(state, units, unit, course).await;
    }
    let db = state.reporting_db().await?;
    // A new-member programme may be limited to a subtree and a period; the theory course is
    // neither, and these filters keep everyone and every attempt.
    let in_audience = |unit_id: UnitId| {
        course
            .audience
            .unit_id()
            .is_none_or(|u| units.path_of(unit_id).contains(&u.into_uuid()))
    };
    let settings = store::since_settings(db).await?;
    let since = effective_since(&units.path_of(unit.id.into_uuid()), &settings);
    let lesson_ids: Vec<LessonId> = course.lessons.iter().map(|l| l.id).collect();
    let mut members = Vec::new();
    let mut certified_on = HashMap::new();
    if let Some(earliest) = settings.values().min().copied() {
        let admitted: Vec<Admitted> = store::admitted_in_subtree(db, &unit.path, earliest)
            .await?
            .into_iter()
            .filter(|m| {
                in_audience(m.unit_id)
                    && must_take(
                        Some(m.admitted_at),
                        effective_since(&units.path_of(m.unit_id), &settings),
                    )
            })
            .collect();
        let tests = store::tests_of_course(db, course.id).await?;
        let by_round: HashMap<RoundId, &TheoryTest> =
            tests.iter().map(|t| (t.round_id, t)).collect();
        let round_ids: Vec<RoundId> = by_round.keys().copied().collect();
        let voided = persistence::results::voided_pairs(db, &round_ids).await?;
        let mut per_user: HashMap<UserId, Vec<TheoryAttempt>> = HashMap::new();
        for a in store::attempts_in_subtree(db, &unit.path, &round_ids).await? {
            if voided.contains(&(a.round_id, a.user_id)) || !course.audience.counts(a.finished_at) {
                continue;
            }
            if let Some(t) = by_round.get(&RoundId::from_uuid(*a.round_id.as_uuid())) {
                per_user
                    .entry(a.user_id)
                    .or_default()
                    .push(as_theory_attempt(t, &a));
            }
        }
        let versions = store::versions_of(db, &course.code).await?;
        let (certified, _) = store::certified(db, &versions).await?;
        certified_on = store::certified_on(db, &versions).await?;
        for m in admitted {
            let results = lesson_results(
                &lesson_ids,
                per_user.get(&m.id).map_or(&[][..], Vec::as_slice),
            );
            members.push(NewMember {
                certified: certified.contains(&m.id),
                member: m,
                results,
            });
        }
    }
    let mut total = Tally::new(lesson_ids.len());
    let children = units.children(Some(unit.id.into_uuid()));
    let mut by_child: HashMap<Uuid, Tally> = children
        .iter()
        .map(|c| (*c, Tally::new(lesson_ids.len())))
        .collect();
    let mut direct = Tally::new(lesson_ids.len());
    for m in &members {
        total.add(&m.results, m.certified);
        let path = units.path_of(m.member.unit_id);
        let child = path
            .iter()
            .position(|u| *u == unit.id.into_uuid())
            .and_then(|i| path.get(i + 1));
        match child.and_then(|c| by_child.get_mut(c)) {
            Some(t) => t.add(&m.results, m.certified),
            None => direct.add(&m.results, m.certified),
        }
    }
    let mut rows: Vec<CoverageRow> = children
        .iter()
        .map(|c| CoverageRow {
            unit_id: *c,
            name: units.name(Some(*c)).to_owned(),
            direct: false,
            tally: by_child
                .remove(c)
                .unwrap_or_else(|| Tally::new(lesson_ids.len())),
        })
        .collect();
    if direct.members > 0 {
        rows.push(CoverageRow {
            unit_id: unit.id.into_uuid(),
            name: unit.name.clone(),
            direct: true,
            tally: direct,
        });
    }
    let mut by_day: HashMap<chrono::NaiveDate, i64> = HashMap::new();
    for m in members.iter().filter(|m| m.certified) {
        if let Some(at) = certified_on.get(&m.member.id) {
            *by_day.entry(vietnam_date(*at)).or_default() += 1;
        }
    }
    Ok(Coverage {
        total,
        rows,
        members,
        since,
        completed_days: by_day.into_iter().collect(),
    })
}

/// Coverage of a programme whose audience is not "new members", counted in the database
/// (`persistence::theory::programme_counts`): a line per child unit, one for members placed in
/// the unit itself, and per lesson. No member is loaded: `members` stays empty (the pending
/// list has its own paged query).
async fn programme_coverage(
    state: &AppState,
    units: &Snapshot,
    unit: &Unit,
    course: &Course,
) -> Result<Coverage, ApiError> {
    let db = state.reporting_db().await?;
    let lessons = course.lessons.len();
    let children = units.children(Some(unit.id.into_uuid()));
    let empty = || Coverage {
        total: Tally::new(lessons),
        rows: children
            .iter()
            .map(|c| CoverageRow {
                unit_id: *c,
                name: units.name(Some(*c)).to_owned(),
                direct: false,
                tally: Tally::new(lessons),
            })
            .collect(),
        members: Vec::new(),
        since: None,
        completed_days: Vec::new(),
    };
    let audience_root = match course.audience.unit_id() {
        None => None,
        Some(id) => match persistence::units::get(db, id).await {
            Ok(u) => Some(u.path),
            // The unit the programme was limited to is gone: it applies to nobody.
            Err(PersistenceError::NotFound(_)) => return Ok(empty()),
            Err(e) => return Err(e.into()),
        },
    };
    let scope = store::Scope {
        course,
        root: &unit.path,
        audience_root: audience_root.as_ref(),
    };
    let counts = store::programme_counts(db, &scope).await?;
    let (buckets, per_lesson) = (&counts.buckets, &counts.lessons);
    let by_path: HashMap<String, Uuid> = children
        .iter()
        .map(|c| {
            (
                unit.path.child(UnitId::from_uuid(*c)).as_str().to_owned(),
                *c,
            )
        })
        .collect();
    let position: HashMap<LessonId, usize> = course
        .lessons
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id, i))
        .collect();
    // None: members placed in the unit itself (or below a child the snapshot does not know
    // yet, which a report reading the tree afresh does not meet).
    let key = |bucket: &Option<String>| bucket.as_ref().and_then(|b| by_path.get(b)).copied();
    let mut tallies: HashMap<Option<Uuid>, Tally> = HashMap::new();
    for b in buckets {
        let t = tallies
            .entry(key(&b.bucket))
            .or_insert_with(|| Tally::new(lessons));
        t.members += b.members;
        t.tested += b.tested;
        t.passed += b.passed;
    }
    for l in per_lesson {
        let (Some(t), Some(i)) = (tallies.get_mut(&key(&l.bucket)), position.get(&l.lesson_id))
        else {
            continue;
        };
        t.lessons[*i].0 += l.tested;
        t.lessons[*i].1 += l.passed;
    }
    let mut total = Tally::new(lessons);
    for t in tallies.values() {
        total.members += t.members;
        total.tested += t.tested;
        total.passed += t.passed;
        for (sum, add) in total.lessons.iter_mut().zip(&t.lessons) {
            sum.0 += add.0;
            sum.1 += add.1;
        }
    }
    let mut rows: Vec<CoverageRow> = children
        .iter()
        .map(|c| CoverageRow {
            unit_id: *c,
            name: units.name(Some(*c)).to_owned(),
            direct: false,
            tally: tallies
                .remove(&Some(*c))
                .unwrap_or_else(|| Tally::new(lessons)),
        })
        .collect();
    if let Some(direct) = tallies.remove(&None).filter(|t| t.members > 0) {
        rows.push(CoverageRow {
            unit_id: unit.id.into_uuid(),
            name: unit.name.clone(),
            direct: true,
            tally: direct,
        });
    }
    Ok(Coverage {
        total,
        rows,
        members: Vec::new(),
        since: None,
        completed_days: counts.days,
    })
}

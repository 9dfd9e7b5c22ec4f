//! Contests and their rounds as organizers set them up: who may (the organizers of the host
//! unit), the checks that need the database (units exist and are in scope, the pool can
//! supply every draw through the whole round, counted rounds do not overlap) and the
//! cross-field rules, and what is recorded.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::app::callers;
use crate::app::contest_access::{Access, CONTEST_MANAGERS, Checker, access};
use crate::auth::Caller;
use crate::caches::coherence::Change;
use crate::domain::contest::{
    ContestKind, ContestStatus, ExcludedRole, LeaderboardVisibility, Pool, Prizes, RoundSettings,
    TieBreakKey, parse_tie_break,
};
use crate::domain::ids::RoundId;
use crate::domain::ids::{ContestId, UnitId, UserId};
use crate::domain::text::fold;
use crate::domain::unit::TreePath;
use crate::error::{ApiError, FieldError};
use crate::persistence::{
    self, PersistenceError,
    contests::{Contest, ContestSettings},
    questions::{Filter, Visibility},
};
use crate::state::AppState;

/// Who may enter a contest, as given.
#[derive(Debug, Clone, Default)]
pub struct EligibilityChange {
    /// Members of this unit's subtree; `None` = anyone registered.
    pub eligible_unit_id: Option<UnitId>,
    /// Subtrees left out.
    pub excluded_unit_ids: Vec<UnitId>,
    /// Roles left out.
    pub excluded_roles: Vec<ExcludedRole>,
    /// Whether the organizers may enter.
    pub managers_may_enter: bool,
}

/// Changes to a contest; absent fields stay.
#[derive(Debug, Default)]
pub struct ContestChanges {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Rules.
    pub rules: Option<String>,
    /// Who may enter.
    pub eligibility: Option<EligibilityChange>,
    /// Who sees leaderboards.
    pub leaderboard_visibility: Option<LeaderboardVisibility>,
    /// Ranking chain.
    pub tie_break: Option<Vec<TieBreakKey>>,
    /// Only perfect scores rank.
    pub perfect_only: Option<bool>,
    /// Pass mark.
    pub pass_mark: Option<i32>,
    /// Prizes.
    pub prizes: Option<Prizes>,
}

/// Checks settings that need the database (units exist) and the cross-field rules.
async fn check(state: &AppState, caller: &Caller, s: &mut ContestSettings) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let title_len = s.title.trim().chars().count();
    if !(3..=300).contains(&title_len) {
        errors.push(
            FieldError::new("/title", "title must be 3 to 300 characters")
                .with_vi("Tên cuộc thi cần từ 3 đến 300 ký tự."),
        );
    }
    s.title = s.title.trim().to_owned();
    match parse_tie_break(std::mem::take(&mut s.tie_break)) {
        Ok(chain) => s.tie_break = chain,
        Err(e) => errors.push(FieldError::new("/tie_break", e.0)),
    }
    match (s.kind, s.pass_mark) {
        (ContestKind::TheoryTest, None) => errors.push(FieldError::new(
            "/pass_mark",
            "a theory test needs a pass mark (percent)",
        )),
        (_, Some(m)) if !(1..=100).contains(&m) => errors.push(FieldError::new(
            "/pass_mark",
            "the pass mark is a percentage from 1 to 100",
        )),
        _ => {}
    }
    errors.extend(s.prizes.check("/prizes"));
    if s.eligible_unit_id.is_none() && !caller.is_admin() {
        // Issue #11 (10): "anyone registered" reaches beyond every subtree, so only a contest
        // hosted by a top-level unit (or an administrator) may open that wide; a branch's
        // organizers choose a unit of their scope.
        let host = persistence::units::get(&state.db, s.unit_id).await?;
        if host.parent_id.is_some() {
            errors.push(
                FieldError::new(
                    "/eligibility/unit_id",
                    "only a contest hosted by a top-level unit may be open to anyone registered: choose a unit",
                )
                .with_vi("Chỉ cuộc thi do đơn vị cấp cao nhất tổ chức mới mở cho mọi người; hãy chọn một đơn vị dự thi."),
            );
        }
    }
    if let Some(eligible) = s.eligible_unit_id {
        match persistence::units::get(&state.db, eligible).await {
            Ok(unit) if caller.covers(CONTEST_MANAGERS, &unit.path) => {}
            _ => errors.push(
                FieldError::new("/eligibility/unit_id", "no such unit in your scope")
                    .with_vi("Đơn vị dự thi phải thuộc phạm vi quản lý của bạn."),
            ),
        }
    }
    for (i, ex) in s.excluded_unit_ids.iter().enumerate() {
        if persistence::units::get(&state.db, *ex).await.is_err() {
            errors.push(FieldError::new(
                format!("/eligibility/excluded_unit_ids/{i}"),
                "no such unit",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Creates a contest with `settings`, hosted by `settings.unit_id`, which `user` must organise.
pub async fn create_contest(
    state: &AppState,
    user: UserId,
    mut settings: ContestSettings,
) -> Result<Contest, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let host = caller
        .require_unit(&state.db, CONTEST_MANAGERS, settings.unit_id)
        .await?;
    settings.unit_id = host.id;
    check(state, &caller, &mut settings).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let contest = persistence::contests::insert(&txn, &settings, Some(user)).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "contest.create",
        Some(contest.id.into_uuid()),
        Some(host.id),
        json!({"unit_id": host.id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // The contest list is kept (`Catalog::listing`): it shows the new contest at once, here
    // and on the other instances.
    crate::app::coherence::changed(state, Change::Contest(contest.id)).await;
    Ok(contest)
}

/// Edits contest `contest_id`, which `user` must organise.
pub async fn update_contest(
    state: &AppState,
    user: UserId,
    contest_id: ContestId,
    b: ContestChanges,
) -> Result<Contest, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let contest = persistence::contests::get(&state.db, contest_id).await?;
    if access(&state.db, &caller, &contest).await? != Access::Manage {
        return Err(ApiError::Forbidden);
    }
    let mut s = contest.settings.clone();
    if let Some(v) = b.title {
        s.title = v;
    }
    if let Some(v) = b.description {
        s.description = v;
    }
    if let Some(v) = b.rules {
        s.rules = v;
    }
    if let Some(e) = b.eligibility {
        s.eligible_unit_id = e.eligible_unit_id;
        s.excluded_unit_ids = e.excluded_unit_ids;
        s.excluded_roles = e.excluded_roles;
        s.managers_may_enter = e.managers_may_enter;
    }
    if let Some(v) = b.leaderboard_visibility {
        s.leaderboard_visibility = v;
    }
    if let Some(v) = b.tie_break {
        s.tie_break = v;
    }
    if let Some(v) = b.perfect_only {
        s.perfect_only = v;
    }
    if let Some(prizes) = b.prizes {
        s.prizes = prizes;
    }
    if b.pass_mark.is_some() {
        s.pass_mark = b.pass_mark;
    }
    check(state, &caller, &mut s).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let updated = persistence::contests::update(&txn, contest.id, &s).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "contest.update",
        Some(contest.id.into_uuid()),
        Some(updated.settings.unit_id),
        json!({}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    crate::app::coherence::changed(state, Change::Contest(updated.id)).await;
    Ok(updated)
}

/// Checks that the pool can supply every draw through the whole round, and that the round does
/// not overlap another counted round of the contest.
pub async fn check_against_data(
    db: &impl ConnectionTrait,
    contest: &Contest,
    s: &RoundSettings,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    let mut errors = s.check();
    if !s.review.fits(contest.settings.kind, s.practice) {
        errors.push(FieldError::new(
            "/review",
            "after_each_attempt shows the key while the round is open: only for a theory test, a practice contest or a practice round",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let host = persistence::units::get(db, contest.settings.unit_id).await?;
    // A question must be drawable on every day of the round, not just the first.
    let window = (s.opens_at.date_naive(), s.closes_at.date_naive());
    let available = pool_availability(db, &host.path, &s.pool, window).await?;
    match &s.pool {
        Pool::Questions { question_ids } => {
            let available = available.first().copied().unwrap_or(0);
            if available < question_ids.len() as u64 {
                let missing = question_ids.len() as u64 - available;
                errors.push(FieldError::new("/pool/question_ids", format!("{missing} of the listed questions are unknown, outside the contest's bank, not active, or not valid for the whole round")).with_vi(format!("Có {missing} câu hỏi đã chọn không dùng được (không thuộc ngân hàng của cuộc thi, đã ngừng dùng hoặc hết hiệu lực trong thời gian vòng thi).")));
            }
        }
        Pool::Quotas { quotas } => {
            for (i, (q, available)) in quotas.iter().zip(available).enumerate() {
                if available < u64::from(q.count) {
                    errors.push(FieldError::new(format!("/pool/quotas/{i}/count"), format!("the bank has {available} drawable questions for this quota but {} are drawn", q.count)).with_vi(format!("Ngân hàng câu hỏi chỉ có {available} câu phù hợp, không đủ {} câu.", q.count)));
                }
            }
        }
    }
    // A theory test's lessons are taken side by side: its rounds may overlap.
    if !s.practice && contest.settings.kind != ContestKind::TheoryTest {
        for other in persistence::contests::rounds_of(db, contest.id).await? {
            if Some(other.id) == except.map(RoundId::from_uuid) || other.settings.practice {
                continue;
            }
            if s.opens_at < other.settings.closes_at && other.settings.opens_at < s.closes_at {
                errors.push(
                    FieldError::new(
                        "/opens_at",
                        format!(
                            "overlaps round \"{}\" ({} – {})",
                            other.settings.name, other.settings.opens_at, other.settings.closes_at
                        ),
                    )
                    .with_vi(format!(
                        "Trùng thời gian với vòng thi \"{}\"; các vòng thi tính điểm không được diễn ra cùng lúc.",
                        other.settings.name
                    )),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// How many questions the banks under `host` (the contest's host unit) can supply for `pool`
/// on every day of `window`: one count per quota, or one count of the listed questions that
/// are drawable. The same filters the draw and the round checks use, so the console's live
/// count and the server's refusal never disagree.
pub async fn pool_availability(
    db: &impl ConnectionTrait,
    host: &TreePath,
    pool: &Pool,
    window: (NaiveDate, NaiveDate),
) -> Result<Vec<u64>, ApiError> {
    let visibility = Visibility {
        roots: Some(vec![host.clone()]),
    };
    let filters: Vec<Filter> = match pool {
        Pool::Questions { question_ids } => vec![Filter {
            ids: Some(question_ids.clone()),
            drawable_between: Some(window),
            ..Filter::default()
        }],
        Pool::Quotas { quotas } => quotas
            .iter()
            .map(|q| Filter {
                topic: Some(q.topic.clone()),
                difficulty: q.difficulty,
                drawable_between: Some(window),
                ..Filter::default()
            })
            .collect(),
    };
    let mut out = Vec::with_capacity(filters.len());
    for filter in &filters {
        out.push(persistence::questions::count(db, &visibility, filter).await?);
    }
    Ok(out)
}

/// At most this many quotas or listed questions are counted in one request.
pub const MAX_POOL_ITEMS: usize = 200;

/// The live count of the console's pool editor: what the banks of `unit_id` (the contest's
/// host, which the caller must organise) can supply for `pool` over `window` (today when
/// absent). 404 for a unit outside the caller's scope.
pub async fn pool_availability_for(
    state: &AppState,
    user: UserId,
    unit_id: UnitId,
    pool: &Pool,
    window: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<u64>, ApiError> {
    let items = match pool {
        Pool::Questions { question_ids } => question_ids.len(),
        Pool::Quotas { quotas } => quotas.len(),
    };
    if items > MAX_POOL_ITEMS {
        return Err(ApiError::field(
            "/pool",
            format!("at most {MAX_POOL_ITEMS} quotas or questions are counted at once"),
        ));
    }
    let window = match window {
        Some((opens, closes)) if opens >= closes => {
            return Err(ApiError::field(
                "/closes_at",
                "the round must close after it opens",
            ));
        }
        Some((opens, closes)) => (opens.date_naive(), closes.date_naive()),
        None => {
            let today = Utc::now().date_naive();
            (today, today)
        }
    };
    let caller = Caller::load(&state.db, user).await?;
    let host = caller
        .require_unit(&state.db, CONTEST_MANAGERS, unit_id)
        .await?;
    pool_availability(&state.db, &host.path, pool, window).await
}

/// How the console's contest list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContestSortKey {
    /// When it was created.
    #[default]
    Created,
    /// Title, ignoring case and diacritics.
    Title,
    /// When its first round opens (contests without rounds last).
    Opens,
}

/// What the contest list asks for.
#[derive(Debug, Clone, Default)]
pub struct ContestListQuery {
    /// Free text in the title, ignoring case and diacritics.
    pub text: Option<String>,
    /// Only this status.
    pub status: Option<ContestStatus>,
    /// Only this kind.
    pub kind: Option<ContestKind>,
    /// Only contests hosted in this unit's subtree.
    pub unit_id: Option<UnitId>,
    /// Only those the caller manages.
    pub managed_only: bool,
    /// Sort key.
    pub sort: ContestSortKey,
    /// Ascending?
    pub ascending: bool,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

/// A contest in the list, with what the list shows of its rounds.
#[derive(Debug, Clone)]
pub struct ListedContest {
    /// The contest.
    pub contest: Contest,
    /// Whether the caller manages it.
    pub manage: bool,
    /// Draft, open or ended, from its rounds.
    pub status: ContestStatus,
    /// How many rounds.
    pub rounds: usize,
    /// When its first round opens.
    pub opens_at: Option<DateTime<Utc>>,
    /// When its last round closes.
    pub closes_at: Option<DateTime<Utc>>,
}

impl ListedContest {
    /// `contest` whose rounds run over `windows`, at `now`.
    pub fn new(
        contest: Contest,
        manage: bool,
        windows: &[(DateTime<Utc>, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            status: ContestStatus::of(windows, now),
            rounds: windows.len(),
            opens_at: windows.iter().map(|(o, _)| *o).min(),
            closes_at: windows.iter().map(|(_, c)| *c).max(),
            contest,
            manage,
        }
    }

    /// One contest with its rounds' times loaded.
    pub async fn load(
        db: &impl ConnectionTrait,
        contest: Contest,
        manage: bool,
    ) -> Result<Self, ApiError> {
        let windows = persistence::contests::round_windows(db, &[contest.id])
            .await?
            .remove(&contest.id)
            .unwrap_or_default();
        Ok(Self::new(contest, manage, &windows, Utc::now()))
    }
}

/// The contests the caller manages or may enter, filtered, sorted and paged, with the total
/// that match.
///
/// # Implementation notes
/// Who may see a contest is decided by [`access`] (eligible subtree, excluded branches and
/// roles, managers), which is not a SQL predicate; contests number in the hundreds, so the
/// list is filtered here in one place for both databases, and only the page is returned.
pub async fn list_contests(
    state: &AppState,
    user: UserId,
    q: &ContestListQuery,
) -> Result<(Vec<ListedContest>, u64), ApiError> {
    // Who is asking, from memory: every member opens this list when a round opens.
    let known = callers::known(state, user).await?;
    let scope_root =
        match q.unit_id {
            Some(id) => Some(persistence::units::get(&state.db, id).await.map_err(
                |e| match e {
                    PersistenceError::NotFound(_) => ApiError::field("/unit_id", "no such unit"),
                    e => e.into(),
                },
            )?),
            None => None,
        };
    let needle = q.text.as_deref().map(fold).filter(|t| !t.is_empty());
    let mut picked = Vec::new();
    let mut check = Checker::in_tree(&state.db, &known.caller, known.unit_id, &known.tree);
    // Every contest and its rounds' times from the catalog: the whole list changes only when
    // a contest or a round is added or edited, which drops it.
    let listing = state.catalog.listing(&state.db).await?;
    for (contest, windows) in &listing.contests {
        if q.kind.is_some_and(|k| k != contest.settings.kind) {
            continue;
        }
        if let Some(needle) = &needle
            && !fold(&contest.settings.title).contains(needle.as_str())
        {
            continue;
        }
        if let Some(root) = &scope_root
            && !check
                .unit_path(contest.settings.unit_id)
                .await?
                .is_within(&root.path)
        {
            continue;
        }
        let manage = match check.access(contest).await {
            Ok(a) => a == Access::Manage,
            Err(ApiError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        if q.managed_only && !manage {
            continue;
        }
        picked.push((contest, windows, manage));
    }
    let now = Utc::now();
    let mut listed: Vec<ListedContest> = picked
        .into_iter()
        .map(|(contest, windows, manage)| ListedContest::new(contest.clone(), manage, windows, now))
        .filter(|c| q.status.is_none_or(|s| s == c.status))
        .collect();
    // Ties keep the newest first, so a page boundary never shuffles equal rows.
    listed.sort_by(|a, b| {
        b.contest
            .created_at
            .cmp(&a.contest.created_at)
            .then(b.contest.id.cmp(&a.contest.id))
    });
    match q.sort {
        ContestSortKey::Created => {
            if q.ascending {
                listed.reverse();
            }
        }
        ContestSortKey::Title => {
            let mut keyed: Vec<(String, ListedContest)> = listed
                .into_iter()
                .map(|c| (fold(&c.contest.settings.title), c))
                .collect();
            keyed.sort_by(|(a, _), (b, _)| if q.ascending { a.cmp(b) } else { b.cmp(a) });
            listed = keyed.into_iter().map(|(_, c)| c).collect();
        }
        ContestSortKey::Opens => {
            // Without rounds, last whichever the direction.
            listed.sort_by(|a, b| match (a.opens_at, b.opens_at) {
                (Some(x), Some(y)) if q.ascending => x.cmp(&y),
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
        }
    }
    let total = listed.len() as u64;
    let (from, to) = crate::domain::paging::page_bounds(listed.len(), q.offset, q.limit);
    Ok((listed.drain(from..to).collect(), total))
}

//! Study programmes: who must study a course (its audience) and when (its period).
//!
//! A course is a programme with an audience rule. The new members' political-theory course is
//! one (`NewMembers`: admitted on or after their unit's date); the yearly thematic study
//! (`AllMembers` for a calendar year), a resolution study for officers with a deadline
//! (`Officers`) and a list imported from a spreadsheet (`Listed`) are others. Any audience can
//! be limited to one unit's subtree.
//!
//! Pure rules only: the caller gathers a member's facts and passes `today` in.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Invalid;
use super::ids::UnitId;
use super::theory::must_take;
use super::time::{vietnam_date, vietnam_day_start};

/// Who must study a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AudienceKind {
    /// Members admitted on or after their unit's admission date (the theory course).
    NewMembers,
    /// Every member.
    AllMembers,
    /// Members holding a management role (organizer, unit admin, admin).
    Officers,
    /// The members on the programme's imported list.
    Listed,
}

impl AudienceKind {
    /// Every kind, as stored.
    pub const ALL: [Self; 4] = [
        Self::NewMembers,
        Self::AllMembers,
        Self::Officers,
        Self::Listed,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewMembers => "new_members",
            Self::AllMembers => "all_members",
            Self::Officers => "officers",
            Self::Listed => "listed",
        }
    }

    /// The kind a stored word names.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new(format!("no audience is called '{s}'")))
    }
}

/// A programme's audience and period, valid by construction: the period never ends before it
/// starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    kind: AudienceKind,
    unit_id: Option<UnitId>,
    opens_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
}

impl Audience {
    /// The theory course's audience: new members, everywhere, no period.
    pub const NEW_MEMBERS: Self = Self {
        kind: AudienceKind::NewMembers,
        unit_id: None,
        opens_on: None,
        due_on: None,
    };

    /// An audience limited to `unit_id`'s subtree (none: everywhere) and to a period from
    /// `opens_on` to `due_on`, both days included (either may be open).
    pub fn new(
        kind: AudienceKind,
        unit_id: Option<UnitId>,
        opens_on: Option<NaiveDate>,
        due_on: Option<NaiveDate>,
    ) -> Result<Self, Invalid> {
        if let (Some(o), Some(d)) = (opens_on, due_on)
            && d < o
        {
            return Err(Invalid::new(
                "a programme's deadline is on or after its start",
            ));
        }
        Ok(Self {
            kind,
            unit_id,
            opens_on,
            due_on,
        })
    }

    /// Who.
    pub fn kind(&self) -> AudienceKind {
        self.kind
    }

    /// Limited to this unit's subtree.
    pub fn unit_id(&self) -> Option<UnitId> {
        self.unit_id
    }

    /// First day.
    pub fn opens_on(&self) -> Option<NaiveDate> {
        self.opens_on
    }

    /// Last day (the deadline).
    pub fn due_on(&self) -> Option<NaiveDate> {
        self.due_on
    }

    /// Whether a member with these facts must study the programme.
    pub fn includes(&self, member: &MemberFacts<'_>) -> bool {
        if let Some(unit) = self.unit_id
            && !member.unit_path.contains(&unit)
        {
            return false;
        }
        match self.kind {
            AudienceKind::NewMembers => must_take(member.admitted_at, member.since),
            AudienceKind::AllMembers => true,
            AudienceKind::Officers => member.officer,
            AudienceKind::Listed => member.listed,
        }
    }

    /// Where the programme stands on `today` (a Vietnam date).
    pub fn phase(&self, today: NaiveDate) -> Phase {
        if self.opens_on.is_some_and(|o| today < o) {
            Phase::Upcoming
        } else if self.due_on.is_some_and(|d| today > d) {
            Phase::Ended
        } else {
            Phase::Open
        }
    }

    /// The period as instants: from the start of its first Vietnamese day (included) to the
    /// start of the day after its deadline (excluded), for queries; the same rule as
    /// [`Audience::counts`].
    pub fn window(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.opens_on.map(vietnam_day_start),
            self.due_on
                .and_then(|d| d.succ_opt())
                .map(vietnam_day_start),
        )
    }

    /// Whether a test finished at `at` counts: within the period, Vietnam dates, both days
    /// included.
    pub fn counts(&self, at: DateTime<Utc>) -> bool {
        let day = vietnam_date(at);
        self.opens_on.is_none_or(|o| day >= o) && self.due_on.is_none_or(|d| day <= d)
    }
}

/// Where a programme stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Its period has not started.
    Upcoming,
    /// Running (or without a period).
    Open,
    /// Its deadline has passed.
    Ended,
}

/// What an audience rule needs to know of a member.
#[derive(Debug, Clone, Copy)]
pub struct MemberFacts<'a> {
    /// The member's unit and its ancestors.
    pub unit_path: &'a [UnitId],
    /// Admission date.
    pub admitted_at: Option<NaiveDate>,
    /// The admission date their unit requires the theory course from (inherited).
    pub since: Option<NaiveDate>,
    /// Holds a management role.
    pub officer: bool,
    /// On the programme's imported list.
    pub listed: bool,
}

/// Completions in one week (Monday to Sunday, Vietnam dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Week {
    /// Its Monday.
    pub starts_on: NaiveDate,
    /// Members who completed the programme that week.
    pub completed: i64,
    /// Members who completed it up to the end of that week.
    pub cumulative: i64,
}

/// Folds completions per day into weeks from the first completion's week to the last's, the
/// weeks without one included (a report upward shows every week).
pub fn weekly(days: &[(NaiveDate, i64)]) -> Vec<Week> {
    let monday = |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    let (Some(first), Some(last)) = (
        days.iter().map(|(d, _)| *d).min(),
        days.iter().map(|(d, _)| *d).max(),
    ) else {
        return Vec::new();
    };
    let mut weeks = Vec::new();
    let mut cumulative = 0;
    let mut start = monday(first);
    while start <= monday(last) {
        let end = start + Duration::days(7);
        let completed: i64 = days
            .iter()
            .filter(|(d, _)| *d >= start && *d < end)
            .map(|(_, n)| n)
            .sum();
        cumulative += completed;
        weeks.push(Week {
            starts_on: start,
            completed,
            cumulative,
        });
        start = end;
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn facts(path: &[UnitId]) -> MemberFacts<'_> {
        MemberFacts {
            unit_path: path,
            admitted_at: Some(d(2025, 3, 1)),
            since: Some(d(2025, 1, 1)),
            officer: false,
            listed: false,
        }
    }

    #[test]
    fn a_period_never_ends_before_it_starts() {
        assert!(
            Audience::new(
                AudienceKind::AllMembers,
                None,
                Some(d(2026, 2, 1)),
                Some(d(2026, 1, 31))
            )
            .is_err()
        );
        assert!(
            Audience::new(
                AudienceKind::AllMembers,
                None,
                Some(d(2026, 2, 1)),
                Some(d(2026, 2, 1))
            )
            .is_ok()
        );
    }

    #[test]
    fn each_kind_picks_its_members() {
        let root = UnitId::new();
        let path = [root];
        let member = facts(&path);
        let all = |k| Audience::new(k, None, None, None).unwrap_or(Audience::NEW_MEMBERS);
        assert!(all(AudienceKind::NewMembers).includes(&member));
        assert!(all(AudienceKind::AllMembers).includes(&member));
        assert!(!all(AudienceKind::Officers).includes(&member));
        assert!(!all(AudienceKind::Listed).includes(&member));
        let old = MemberFacts {
            admitted_at: Some(d(2020, 1, 1)),
            officer: true,
            listed: true,
            ..member
        };
        assert!(!all(AudienceKind::NewMembers).includes(&old));
        assert!(all(AudienceKind::Officers).includes(&old));
        assert!(all(AudienceKind::Listed).includes(&old));
    }

    #[test]
    fn a_unit_limit_keeps_to_its_subtree() {
        let (root, a, b) = (UnitId::new(), UnitId::new(), UnitId::new());
        let in_a = [root, a];
        let limited = Audience::new(AudienceKind::AllMembers, Some(a), None, None)
            .unwrap_or(Audience::NEW_MEMBERS);
        assert!(limited.includes(&facts(&in_a)));
        assert!(!limited.includes(&facts(&[root, b])));
        assert!(!limited.includes(&facts(&[root])));
    }

    #[test]
    fn the_period_decides_the_phase_and_which_tests_count() {
        let year = Audience::new(
            AudienceKind::AllMembers,
            None,
            Some(d(2026, 1, 1)),
            Some(d(2026, 12, 31)),
        )
        .unwrap_or(Audience::NEW_MEMBERS);
        assert_eq!(year.phase(d(2025, 12, 31)), Phase::Upcoming);
        assert_eq!(year.phase(d(2026, 1, 1)), Phase::Open);
        assert_eq!(year.phase(d(2026, 12, 31)), Phase::Open);
        assert_eq!(year.phase(d(2027, 1, 1)), Phase::Ended);
        // 31/12/2026 23:30 in Vietnam is 16:30 UTC: still counts; 17:30 UTC is 1 January.
        let late = DateTime::parse_from_rfc3339("2026-12-31T16:30:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        let next = DateTime::parse_from_rfc3339("2026-12-31T17:30:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        assert!(year.counts(late));
        assert!(!year.counts(next));
        let (from, until) = year.window();
        assert!(from.is_some_and(|f| f <= late) && until.is_some_and(|u| late < u && next >= u));
        assert_eq!(Audience::NEW_MEMBERS.phase(d(1990, 1, 1)), Phase::Open);
    }

    #[test]
    fn weeks_start_on_monday_and_keep_empty_weeks() {
        // Wed 2 Dec 2026 and Mon 7 Dec, then nothing until Sun 27 Dec.
        let weeks = weekly(&[
            (d(2026, 12, 7), 1),
            (d(2026, 12, 2), 2),
            (d(2026, 12, 27), 4),
        ]);
        let starts: Vec<NaiveDate> = weeks.iter().map(|w| w.starts_on).collect();
        assert_eq!(
            starts,
            vec![
                d(2026, 11, 30),
                d(2026, 12, 7),
                d(2026, 12, 14),
                d(2026, 12, 21)
            ]
        );
        let counts: Vec<(i64, i64)> = weeks.iter().map(|w| (w.completed, w.cumulative)).collect();
        assert_eq!(counts, vec![(2, 2), (1, 3), (0, 3), (4, 7)]);
        assert!(weekly(&[]).is_empty());
    }

    #[test]
    fn kinds_round_trip_through_their_stored_words() {
        for k in AudienceKind::ALL {
            assert_eq!(AudienceKind::parse(k.as_str()).ok(), Some(k));
        }
        assert!(AudienceKind::parse("everyone").is_err());
    }
}

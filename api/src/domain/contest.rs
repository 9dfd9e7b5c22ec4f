//! Contests and rounds: their settings and the rules that make them valid.
//!
//! Cross-field rules live here (`opens_at < closes_at`, quotas adding up to the draw, a
//! tie-break chain without repeats), so a `RoundSettings` that exists is one an organizer can run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Invalid;
use crate::error::FieldError;

/// What a contest is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContestKind {
    /// A ranked contest with prizes.
    #[default]
    Contest,
    /// A political-theory test with a pass mark; no ranking.
    TheoryTest,
    /// Practice; never counts.
    Practice,
}

/// Where a contest stands, from its rounds' times: what the console's list shows and filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContestStatus {
    /// No round has opened yet (or there is none): everything may still change.
    Draft,
    /// A round has opened and not every round has closed.
    Open,
    /// It has rounds and every one has closed.
    Ended,
}

impl ContestStatus {
    /// The status of a contest whose rounds run over `windows` (opens, closes), at `now`.
    pub fn of(windows: &[(DateTime<Utc>, DateTime<Utc>)], now: DateTime<Utc>) -> Self {
        if windows.is_empty() || windows.iter().all(|(opens, _)| now < *opens) {
            Self::Draft
        } else if windows.iter().all(|(_, closes)| *closes <= now) {
            Self::Ended
        } else {
            Self::Open
        }
    }
}

/// Who may see a contest's leaderboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum LeaderboardVisibility {
    /// Anyone, signed in or not.
    Public,
    /// The people who may enter the contest, and its organizers. The default: a board names
    /// (masked) members and their units, which a unit should choose to publish (#11).
    #[default]
    Members,
    /// The contest's organizers only.
    Organizers,
}

/// One key of the ranking chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TieBreakKey {
    /// Score, higher first.
    Score,
    /// |prediction − actual|, smaller first.
    Prediction,
    /// Time used, less first.
    TimeUsed,
    /// Finish time, earlier first.
    FinishedAt,
}

/// The usual chain: score ↓, |prediction − actual| ↑, time used ↑, finish time ↑.
pub const DEFAULT_TIE_BREAK: [TieBreakKey; 4] = [
    TieBreakKey::Score,
    TieBreakKey::Prediction,
    TieBreakKey::TimeUsed,
    TieBreakKey::FinishedAt,
];

/// Checks a tie-break chain: known keys, no repeats, score first.
pub fn parse_tie_break(keys: Vec<TieBreakKey>) -> Result<Vec<TieBreakKey>, Invalid> {
    if keys.is_empty() {
        return Ok(DEFAULT_TIE_BREAK.to_vec());
    }
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].contains(k) {
            return Err(Invalid::new("each tie-break key may appear once"));
        }
    }
    if keys[0] != TieBreakKey::Score {
        return Err(Invalid::new("the ranking starts with the score"));
    }
    Ok(keys)
}

/// One prize level: a name and how many are awarded (e.g. "Giải Nhất" × 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrizeTier {
    /// Name shown in results and exports.
    pub name: String,
    /// How many are awarded.
    pub count: u32,
}

/// How units are ranked for unit prizes (giải tập thể).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnitPrizeBasis {
    /// Most participants.
    #[default]
    Participants,
    /// Highest participation rate (participants ÷ declared members).
    Rate,
    /// Rate in percent plus `points_per_prize` for each individual prize won by its members.
    Weighted,
}

/// Unit prizes among the direct children of the contest's host unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitPrizes {
    /// How units are ranked.
    #[serde(default)]
    pub basis: UnitPrizeBasis,
    /// Prize levels, best first.
    pub tiers: Vec<PrizeTier>,
    /// Points per individual prize (weighted basis).
    #[serde(default)]
    pub points_per_prize: u32,
}

/// The prizes a contest awards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Prizes {
    /// Individual prizes of each round, best first (e.g. 1 first, 2 second, 3 third).
    #[serde(default)]
    pub round: Vec<PrizeTier>,
    /// Overall prizes on the cumulative score over the rounds, best first.
    #[serde(default)]
    pub overall: Vec<PrizeTier>,
    /// A person holds at most one prize over the whole contest: when a round is published,
    /// entrants with a prize from another published round are passed over, and the overall
    /// prizes pass over everyone holding a round prize.
    #[serde(default)]
    pub one_per_person: bool,
    /// Unit prizes per round, if any.
    #[serde(default)]
    pub units: Option<UnitPrizes>,
}

impl Prizes {
    /// Checks names and counts; the errors point under `base` (e.g. `/prizes`).
    pub fn check(&self, base: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut tiers = |list: &[PrizeTier], at: String| {
            if list.len() > 20 {
                errors.push(FieldError::new(at.clone(), "at most 20 prize levels"));
            }
            for (i, t) in list.iter().enumerate() {
                if !(1..=100).contains(&t.name.trim().chars().count()) {
                    errors.push(FieldError::new(
                        format!("{at}/{i}/name"),
                        "a prize name is 1 to 100 characters",
                    ));
                }
                if !(1..=100_000).contains(&t.count) {
                    errors.push(FieldError::new(
                        format!("{at}/{i}/count"),
                        "a prize count is 1 to 100000",
                    ));
                }
            }
        };
        tiers(&self.round, format!("{base}/round"));
        tiers(&self.overall, format!("{base}/overall"));
        if let Some(units) = &self.units {
            tiers(&units.tiers, format!("{base}/units/tiers"));
            if units.points_per_prize > 1000 {
                errors.push(FieldError::new(
                    format!("{base}/units/points_per_prize"),
                    "at most 1000 points per prize",
                ));
            }
        }
        errors
    }
}

/// The roles an eligibility rule can bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExcludedRole {
    /// People who organise contests.
    Organizer,
    /// Unit administrators.
    UnitAdmin,
}

/// The prediction question at the end of each attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Prediction {
    /// How many entrants will answer every question correctly.
    AllCorrect,
    /// How many will take part.
    Participants,
}

/// What a member may see after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    /// Nothing.
    None,
    /// Their score only.
    #[default]
    ScoreOnly,
    /// Their answers with the correct ones, after the round closes.
    AfterClose,
    /// Their answers with the correct ones and the explanations right after each attempt, even
    /// while they may attempt again: for learning (theory tests, practice), never for a ranked
    /// round, where a key shown early reaches those who have not entered yet.
    AfterEachAttempt,
}

impl Review {
    /// Whether this policy fits a round of a contest of `kind`: the key after each attempt only
    /// where nothing is ranked (a theory test, a practice contest or a practice round).
    pub fn fits(self, kind: ContestKind, practice_round: bool) -> bool {
        self != Self::AfterEachAttempt
            || practice_round
            || matches!(kind, ContestKind::TheoryTest | ContestKind::Practice)
    }
}

/// Draw `count` questions of a topic (and its subtopics), optionally of one difficulty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Topic code.
    pub topic: String,
    /// `easy`, `medium`, `hard`; any when absent.
    #[serde(default)]
    pub difficulty: Option<question_bank::Difficulty>,
    /// How many to draw.
    pub count: u32,
}

/// Where a round's questions come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Pool {
    /// An explicit list.
    Questions {
        /// Question ids.
        question_ids: Vec<Uuid>,
    },
    /// Quotas by topic and difficulty.
    Quotas {
        /// The quotas; their counts add up to the questions per attempt.
        quotas: Vec<Quota>,
    },
}

/// A round's settings, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundSettings {
    /// Name.
    pub name: String,
    /// Opens.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// Questions drawn per attempt.
    pub questions_per_attempt: u32,
    /// Time limit per attempt.
    pub time_limit_seconds: u32,
    /// Attempts allowed; `None` = unlimited.
    pub attempts_allowed: Option<u32>,
    /// Shuffle question order per attempt.
    pub shuffle_questions: bool,
    /// Shuffle option order per attempt.
    pub shuffle_options: bool,
    /// The pool.
    pub pool: Pool,
    /// The prediction question.
    pub prediction: Option<Prediction>,
    /// Points per correct question.
    pub points_per_question: u32,
    /// What members see afterwards.
    pub review: Review,
    /// A practice round never counts.
    pub practice: bool,
}

impl RoundSettings {
    /// Checks every cross-field rule, reporting each broken one by field.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name_len = self.name.trim().chars().count();
        if !(1..=200).contains(&name_len) {
            errors.push(
                FieldError::new("/name", "name must be 1 to 200 characters")
                    .with_vi("Tên vòng thi cần từ 1 đến 200 ký tự."),
            );
        }
        if self.opens_at >= self.closes_at {
            errors.push(
                FieldError::new("/closes_at", "the round must close after it opens")
                    .with_vi("Thời gian đóng phải sau thời gian mở."),
            );
        }
        if !(1..=200).contains(&self.questions_per_attempt) {
            errors.push(FieldError::new(
                "/questions_per_attempt",
                "between 1 and 200 questions per attempt",
            ));
        }
        if !(30..=4 * 3600).contains(&self.time_limit_seconds) {
            errors.push(
                FieldError::new(
                    "/time_limit_seconds",
                    "the time limit must be between 30 seconds and 4 hours",
                )
                .with_vi("Thời gian làm bài từ 30 giây đến 4 giờ."),
            );
        }
        if self.attempts_allowed == Some(0) || self.attempts_allowed.is_some_and(|n| n > 1000) {
            errors.push(FieldError::new(
                "/attempts_allowed",
                "attempts allowed must be 1 to 1000, or null for unlimited",
            ));
        }
        if !(1..=1000).contains(&self.points_per_question) {
            errors.push(FieldError::new(
                "/points_per_question",
                "points per question must be 1 to 1000",
            ));
        }
        match &self.pool {
            Pool::Questions { question_ids } => {
                let mut unique = question_ids.clone();
                unique.sort();
                unique.dedup();
                if unique.len() != question_ids.len() {
                    errors.push(FieldError::new(
                        "/pool/question_ids",
                        "a question is listed twice",
                    ));
                }
                if question_ids.len() < self.questions_per_attempt as usize {
                    errors.push(FieldError::new(
                        "/pool/question_ids",
                        format!(
                            "the pool has {} questions but each attempt draws {}",
                            question_ids.len(),
                            self.questions_per_attempt
                        ),
                    ));
                }
            }
            Pool::Quotas { quotas } => {
                if quotas.is_empty() {
                    errors.push(
                        FieldError::new("/pool/quotas", "give at least one quota")
                            .with_vi("Cần ít nhất một dòng chủ đề."),
                    );
                }
                let total: u32 = quotas.iter().map(|q| q.count).sum();
                if total != self.questions_per_attempt {
                    errors.push(FieldError::new(
                        "/pool/quotas",
                        format!(
                            "the quotas add up to {total} but each attempt draws {}",
                            self.questions_per_attempt
                        ),
                    ));
                }
                for (i, q) in quotas.iter().enumerate() {
                    if q.count == 0 {
                        errors.push(FieldError::new(
                            format!("/pool/quotas/{i}/count"),
                            "a quota draws at least one question",
                        ));
                    }
                    if quotas[..i]
                        .iter()
                        .any(|o| o.topic == q.topic && o.difficulty == q.difficulty)
                    {
                        errors.push(
                            FieldError::new(
                                format!("/pool/quotas/{i}"),
                                "the same topic and difficulty appear twice",
                            )
                            .with_vi("Chủ đề và mức độ này đã có ở dòng trên."),
                        );
                    }
                }
            }
        }
        errors
    }

    /// Whether the round accepts new attempts at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.closes_at
    }

    /// The settings (by their field name in the API) that may not change once anyone has
    /// started: everything but the name and the close time, which may only move later. The
    /// console shows these locked with the reason; [`Self::same_rules`] enforces it (a test
    /// below keeps the two in step). `theory` is the theory-test link of the round.
    pub const LOCKED_AFTER_START: &'static [&'static str] = &[
        "opens_at",
        "questions_per_attempt",
        "time_limit_seconds",
        "attempts_allowed",
        "shuffle_questions",
        "shuffle_options",
        "pool",
        "prediction",
        "points_per_question",
        "review",
        "practice",
        "theory",
    ];

    /// Settings that may change after the start in one direction only: the close time, later.
    pub const LATER_ONLY_AFTER_START: &'static [&'static str] = &["closes_at"];

    /// The settings that may not change once anyone has started, equal in `self` and `other`?
    pub fn same_rules(&self, other: &Self) -> bool {
        Self {
            closes_at: other.closes_at,
            name: other.name.clone(),
            ..self.clone()
        } == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RoundSettings {
        let opens = Utc::now();
        RoundSettings {
            name: "Tuần 1".into(),
            opens_at: opens,
            closes_at: opens + chrono::Duration::days(7),
            questions_per_attempt: 3,
            time_limit_seconds: 600,
            attempts_allowed: Some(2),
            shuffle_questions: true,
            shuffle_options: true,
            pool: Pool::Quotas {
                quotas: vec![
                    Quota {
                        topic: "a".into(),
                        difficulty: None,
                        count: 2,
                    },
                    Quota {
                        topic: "b".into(),
                        difficulty: None,
                        count: 1,
                    },
                ],
            },
            prediction: Some(Prediction::AllCorrect),
            points_per_question: 10,
            review: Review::ScoreOnly,
            practice: false,
        }
    }

    #[test]
    fn a_sound_round_passes() {
        assert_eq!(settings().check(), vec![]);
    }

    #[test]
    fn each_broken_rule_is_named() {
        let mut s = settings();
        s.closes_at = s.opens_at;
        s.questions_per_attempt = 4;
        s.attempts_allowed = Some(0);
        let pointers: Vec<String> = s.check().into_iter().map(|e| e.pointer).collect();
        assert_eq!(
            pointers,
            vec!["/closes_at", "/attempts_allowed", "/pool/quotas"]
        );
    }

    #[test]
    fn tie_breaks_start_with_score_and_do_not_repeat() {
        assert_eq!(parse_tie_break(vec![]).map(|k| k.len()), Ok(4));
        assert!(parse_tie_break(vec![TieBreakKey::TimeUsed]).is_err());
        assert!(parse_tie_break(vec![TieBreakKey::Score, TieBreakKey::Score]).is_err());
        assert!(parse_tie_break(vec![TieBreakKey::Score, TieBreakKey::FinishedAt]).is_ok());
    }

    #[test]
    fn only_the_close_time_and_name_may_change_once_started() {
        let a = settings();
        let mut b = a.clone();
        b.closes_at = a.closes_at + chrono::Duration::days(1);
        b.name = "Tuần 1 (gia hạn)".into();
        assert!(a.same_rules(&b));
        b.time_limit_seconds = 900;
        assert!(!a.same_rules(&b));
    }

    /// The list the console shows as locked is the list `same_rules` enforces: changing any
    /// listed setting breaks the rules, and every setting of a round is either listed, the
    /// name, or the close time.
    #[test]
    fn the_locked_list_matches_the_rule() {
        let a = settings();
        let changed: Vec<(&str, RoundSettings)> = vec![
            (
                "opens_at",
                RoundSettings {
                    opens_at: a.opens_at - chrono::Duration::hours(1),
                    ..a.clone()
                },
            ),
            (
                "questions_per_attempt",
                RoundSettings {
                    questions_per_attempt: 4,
                    ..a.clone()
                },
            ),
            (
                "time_limit_seconds",
                RoundSettings {
                    time_limit_seconds: 60,
                    ..a.clone()
                },
            ),
            (
                "attempts_allowed",
                RoundSettings {
                    attempts_allowed: None,
                    ..a.clone()
                },
            ),
            (
                "shuffle_questions",
                RoundSettings {
                    shuffle_questions: false,
                    ..a.clone()
                },
            ),
            (
                "shuffle_options",
                RoundSettings {
                    shuffle_options: false,
                    ..a.clone()
                },
            ),
            (
                "pool",
                RoundSettings {
                    pool: Pool::Questions {
                        question_ids: vec![],
                    },
                    ..a.clone()
                },
            ),
            (
                "prediction",
                RoundSettings {
                    prediction: None,
                    ..a.clone()
                },
            ),
            (
                "points_per_question",
                RoundSettings {
                    points_per_question: 1,
                    ..a.clone()
                },
            ),
            (
                "review",
                RoundSettings {
                    review: Review::None,
                    ..a.clone()
                },
            ),
            (
                "practice",
                RoundSettings {
                    practice: true,
                    ..a.clone()
                },
            ),
        ];
        for (field, b) in &changed {
            assert!(RoundSettings::LOCKED_AFTER_START.contains(field), "{field}");
            assert!(!a.same_rules(b), "{field}");
        }
        // Every locked setting but the theory link (kept outside `RoundSettings`) was tried.
        assert_eq!(changed.len() + 1, RoundSettings::LOCKED_AFTER_START.len());
    }

    #[test]
    fn a_contest_is_a_draft_until_a_round_opens_and_ends_when_all_have_closed() {
        let now = Utc::now();
        let h = chrono::Duration::hours(1);
        assert_eq!(ContestStatus::of(&[], now), ContestStatus::Draft);
        assert_eq!(
            ContestStatus::of(&[(now + h, now + h * 2)], now),
            ContestStatus::Draft
        );
        assert_eq!(
            ContestStatus::of(&[(now - h, now + h)], now),
            ContestStatus::Open
        );
        assert_eq!(
            ContestStatus::of(&[(now - h * 2, now - h), (now + h, now + h * 2)], now),
            ContestStatus::Open
        );
        assert_eq!(
            ContestStatus::of(&[(now - h * 2, now - h)], now),
            ContestStatus::Ended
        );
    }
}

//! Requests that clash with the state of the data: every 409 the API answers, each with its
//! stable `code` and, where a client can act on it, its data as typed problem extensions
//! (`attempt_id`, `opens_at`, …). Codes are listed here once; nothing else writes one.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Why a request conflicts with the data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Something with the same unique key exists (the database said so; which key is not
    /// told: constraint names are internals).
    #[error("this already exists")]
    Exists,
    /// An answer or a finish for an attempt whose time is up or that was handed in.
    #[error("this attempt has ended; answers are no longer accepted")]
    AttemptClosed,
    /// A start before the round opens.
    #[error("this round opens at {}", opens_at.to_rfc3339())]
    RoundNotYetOpen {
        /// When it opens.
        opens_at: DateTime<Utc>,
    },
    /// A start after the round closed.
    #[error("this round closed at {}", closes_at.to_rfc3339())]
    RoundClosed {
        /// When it closed.
        closes_at: DateTime<Utc>,
    },
    /// A start while another attempt of the same person in the round is running.
    #[error("{}", match attempt_id { Some(id) => format!("attempt {id} is still running; resume or finish it first"), None => "another attempt of yours in this round started at the same moment".to_owned() })]
    AttemptInProgress {
        /// The running attempt, when known (a simultaneous start does not know it).
        attempt_id: Option<Uuid>,
    },
    /// Every allowed attempt is used.
    #[error("you have used all {attempts_allowed} attempts of this round")]
    AttemptsExhausted {
        /// How many the round allows.
        attempts_allowed: u32,
    },
    /// The pool cannot supply an attempt (questions retired or expired since the round was
    /// set up).
    #[error(
        "the round's question pool cannot supply an attempt right now; the organizers have been told"
    )]
    PoolTooSmall,
    /// Registration with a phone number that has an account.
    #[error("an account with this phone number already exists")]
    PhoneTaken,
    /// Registration with a citizen id that has an account.
    #[error("an account with this citizen id already exists")]
    CitizenIdTaken,
    /// A unit code that another unit has.
    #[error("another unit already has this code")]
    UnitCodeTaken,
    /// A prize list before the results it lists are published.
    #[error("the prize list exists once the {of}'s results are published")]
    NotPublished {
        /// `round` or `contest`.
        of: &'static str,
    },
    /// Publishing a round that has not closed, or a practice round.
    #[error("{}", if *practice { "a practice round has no results".to_owned() } else { format!("results can be published once the round has closed ({}) and the last attempts have finished", closes_at.to_rfc3339()) })]
    RoundNotClosed {
        /// The round is a practice round (it never has results).
        practice: bool,
        /// When it closes.
        closes_at: DateTime<Utc>,
    },
    /// Publishing a contest's overall results before its rounds' results.
    #[error("{}", if pending.is_empty() { "the contest has no rounds to sum".to_owned() } else { format!("publish these rounds first: {}", pending.join(", ")) })]
    RoundsNotPublished {
        /// Names of the rounds still to publish (empty: the contest has no rounds).
        pending: Vec<String>,
    },
    /// Voiding a result twice.
    #[error("this result is already voided")]
    AlreadyVoided,
    /// Revoking a certificate twice.
    #[error("this certificate is already revoked")]
    CertificateRevoked,
    /// A course version that exists.
    #[error("version {version} of this course exists already")]
    CourseVersionExists {
        /// The version.
        version: i32,
    },
    /// A question whose folded stem is already in the bank.
    #[error("the same question is already in this bank")]
    DuplicateQuestion {
        /// The question already there.
        question_id: Uuid,
    },
    /// Deleting a question that may have been shown.
    #[error(
        "this question has been active and may have been shown; set its status to retired instead"
    )]
    QuestionInUse,
    /// Changing what a started round tests or how it is scored.
    #[error("someone has started this round: {}", frozen.as_str())]
    RoundStarted {
        /// What may no longer change.
        frozen: Frozen,
    },
    /// A unit transfer request while the member has one pending.
    #[error("you already have a unit transfer request waiting for a decision; cancel it first")]
    TransferPending,
    /// Deciding or cancelling a unit transfer request that is no longer pending.
    #[error("this unit transfer request was already {status}")]
    TransferClosed {
        /// Where it stands: `approved`, `rejected` or `cancelled`.
        status: &'static str,
    },
    /// Removing the system-admin role from, or disabling, the last enabled system admin: no
    /// one would be left to manage the system.
    #[error("this is the last enabled system administrator; make someone else one first")]
    LastAdmin,
}

/// What a started round no longer lets change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frozen {
    /// Its questions and rules (only the close time may be extended).
    Rules,
    /// Its close time may only move later.
    EarlierClose,
    /// What it tests (a theory test's lesson).
    Theory,
}

impl Frozen {
    fn as_str(self) -> &'static str {
        match self {
            Self::Rules => {
                "its questions and rules are frozen; only the close time may be extended"
            }
            Self::EarlierClose => "the close time may only move later",
            Self::Theory => "what it tests is frozen",
        }
    }
}

impl Conflict {
    /// Every code a 409 can carry, for the OpenAPI document and the frontend's messages.
    pub const CODES: &'static [&'static str] = &[
        "conflict",
        "attempt_closed",
        "round_not_open",
        "attempt_in_progress",
        "attempts_exhausted",
        "pool_too_small",
        "phone_taken",
        "citizen_id_taken",
        "unit_code_taken",
        "not_published",
        "round_not_closed",
        "rounds_not_published",
        "already_voided",
        "certificate_revoked",
        "course_version_exists",
        "duplicate_question",
        "question_in_use",
        "round_started",
        "transfer_pending",
        "transfer_closed",
        "last_admin",
    ];

    /// The stable code of the problem body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Exists => "conflict",
            Self::AttemptClosed => "attempt_closed",
            Self::RoundNotYetOpen { .. } | Self::RoundClosed { .. } => "round_not_open",
            Self::AttemptInProgress { .. } => "attempt_in_progress",
            Self::AttemptsExhausted { .. } => "attempts_exhausted",
            Self::PoolTooSmall => "pool_too_small",
            Self::PhoneTaken => "phone_taken",
            Self::CitizenIdTaken => "citizen_id_taken",
            Self::UnitCodeTaken => "unit_code_taken",
            Self::NotPublished { .. } => "not_published",
            Self::RoundNotClosed { .. } => "round_not_closed",
            Self::RoundsNotPublished { .. } => "rounds_not_published",
            Self::AlreadyVoided => "already_voided",
            Self::CertificateRevoked => "certificate_revoked",
            Self::CourseVersionExists { .. } => "course_version_exists",
            Self::DuplicateQuestion { .. } => "duplicate_question",
            Self::QuestionInUse => "question_in_use",
            Self::RoundStarted { .. } => "round_started",
            Self::TransferPending => "transfer_pending",
            Self::TransferClosed { .. } => "transfer_closed",
            Self::LastAdmin => "last_admin",
        }
    }

    /// The input field at fault, if one, and the field error's code: `taken` for a value
    /// that something else holds, `invalid` for a change the data no longer allows.
    pub fn field(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::PhoneTaken => Some(("/phone", "taken")),
            Self::CitizenIdTaken => Some(("/citizen_id", "taken")),
            Self::UnitCodeTaken => Some(("/code", "taken")),
            Self::CourseVersionExists { .. } => Some(("/version", "taken")),
            Self::DuplicateQuestion { .. } => Some(("/text", "taken")),
            Self::RoundStarted {
                frozen: Frozen::EarlierClose,
            } => Some(("/closes_at", "invalid")),
            Self::RoundStarted {
                frozen: Frozen::Theory,
            } => Some(("/theory", "invalid")),
            _ => None,
        }
    }

    /// Fills the problem's typed extensions from this conflict's data.
    pub(super) fn extend(&self, problem: &mut super::Problem) {
        match self {
            Self::AttemptInProgress { attempt_id } => problem.attempt_id = *attempt_id,
            Self::RoundNotYetOpen { opens_at } => problem.opens_at = Some(*opens_at),
            Self::RoundClosed { closes_at } | Self::RoundNotClosed { closes_at, .. } => {
                problem.closes_at = Some(*closes_at);
            }
            Self::AttemptsExhausted { attempts_allowed } => {
                problem.attempts_allowed = Some(*attempts_allowed);
            }
            Self::DuplicateQuestion { question_id } => problem.question_id = Some(*question_id),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once() {
        let now = Utc::now();
        let all = [
            Conflict::Exists,
            Conflict::AttemptClosed,
            Conflict::RoundNotYetOpen { opens_at: now },
            Conflict::RoundClosed { closes_at: now },
            Conflict::AttemptInProgress { attempt_id: None },
            Conflict::AttemptsExhausted {
                attempts_allowed: 1,
            },
            Conflict::PoolTooSmall,
            Conflict::PhoneTaken,
            Conflict::CitizenIdTaken,
            Conflict::UnitCodeTaken,
            Conflict::NotPublished { of: "round" },
            Conflict::RoundNotClosed {
                practice: false,
                closes_at: now,
            },
            Conflict::RoundsNotPublished { pending: vec![] },
            Conflict::AlreadyVoided,
            Conflict::CertificateRevoked,
            Conflict::CourseVersionExists { version: 1 },
            Conflict::DuplicateQuestion {
                question_id: Uuid::nil(),
            },
            Conflict::QuestionInUse,
            Conflict::RoundStarted {
                frozen: Frozen::Rules,
            },
            Conflict::TransferPending,
            Conflict::TransferClosed { status: "approved" },
            Conflict::LastAdmin,
        ];
        let mut codes: Vec<&str> = all.iter().map(Conflict::code).collect();
        codes.sort_unstable();
        codes.dedup();
        let mut listed = Conflict::CODES.to_vec();
        listed.sort_unstable();
        assert_eq!(codes, listed);
    }
}

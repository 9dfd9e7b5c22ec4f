//! The question model shared by every file format and by the `api` crate.
//!
//! Plain data with serde derives (snake_case values, as in the native YAML format and in JSON).
//! Checking a question lives in `validate`; reading and writing files lives in `formats`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a question is answered.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = QuestionKind))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Exactly one correct option among 2–6 (the norm: 3–4 options).
    #[default]
    Single,
    /// One or more correct options among 2–6; the entrant picks all correct ones.
    Multiple,
    /// Two options (usually "Đúng" / "Sai"), exactly one correct.
    TrueFalse,
}

/// How hard a question is meant to be.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    /// Dễ.
    Easy,
    /// Trung bình.
    #[default]
    Medium,
    /// Khó.
    Hard,
}

/// Where a question is in its life.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = QuestionStatus))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written; never drawn into a contest.
    Draft,
    /// May be drawn (within its legal validity dates).
    #[default]
    Active,
    /// No longer drawn; kept so past attempts keep their text.
    Retired,
}

/// One answer option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionOption {
    /// What the entrant sees; plain text.
    pub text: String,
    /// Whether choosing this option is (part of) the right answer.
    #[serde(default)]
    pub correct: bool,
    /// A picture shown with the option: an image name ([`crate::image_name`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl QuestionOption {
    /// An option with text only.
    pub fn text(text: impl Into<String>, correct: bool) -> Self {
        Self {
            text: text.into(),
            correct,
            image: None,
        }
    }
}

/// The topic a question belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TopicRef {
    /// Dotted slug path such as `history.youth_union`; the parent of `a.b` is `a`.
    pub code: String,
    /// Human name, e.g. "Lịch sử Đoàn TNCS Hồ Chí Minh".
    pub name: String,
}

impl TopicRef {
    /// The parent topic's code (`history` for `history.youth_union`), if any.
    pub fn parent_code(&self) -> Option<&str> {
        parent_code(&self.code)
    }
}

/// The parent of a dotted topic code: `a.b.c` → `a.b`; a top-level code has none.
pub fn parent_code(code: &str) -> Option<&str> {
    code.rsplit_once('.').map(|(parent, _)| parent)
}

/// Where the fact behind a question can be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Title of the document or article.
    pub title: String,
    /// Link to it; `http` or `https` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The law or policy a question rests on, and the dates it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// e.g. "Luật An ninh mạng 24/2018/QH14".
    pub document: String,
    /// First day the question is correct (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day the question is correct (inclusive); after it the question is not drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

/// A quiz question as stored in the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id when the question came from (or is meant for) the database.
    pub id: Option<Uuid>,
    /// How it is answered.
    pub kind: Kind,
    /// The stem: plain text, line breaks allowed, no HTML.
    pub text: String,
    /// Answer options in display order.
    pub options: Vec<QuestionOption>,
    /// Shown after answering.
    pub explanation: Option<String>,
    /// Topic it belongs to.
    pub topic: TopicRef,
    /// Free tags (no commas: CSV and XLSX join them with commas).
    pub tags: Vec<String>,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// Where the fact comes from.
    pub source: Option<Source>,
    /// Law or policy it rests on, with validity dates.
    pub legal_basis: Option<LegalBasis>,
    /// Draft, active or retired.
    pub status: Status,
    /// A picture shown with the stem: an image name ([`crate::image_name`]), the SHA-256 of
    /// its bytes and its type's extension, e.g. `3a…f0.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl Question {
    /// A new active, medium, single-answer question with no options yet.
    pub fn new(topic: TopicRef, text: impl Into<String>) -> Self {
        Self {
            id: None,
            kind: Kind::Single,
            text: text.into(),
            options: Vec::new(),
            explanation: None,
            topic,
            tags: Vec::new(),
            difficulty: Difficulty::Medium,
            source: None,
            legal_basis: None,
            status: Status::Active,
            image: None,
        }
    }

    /// Whether the question may be drawn into a contest on `date`: it is active, `date` is not
    /// before its `valid_from` and not after its `valid_until` (both inclusive).
    pub fn is_drawable_on(&self, date: NaiveDate) -> bool {
        if self.status != Status::Active {
            return false;
        }
        let Some(legal) = &self.legal_basis else {
            return true;
        };
        legal.valid_from.is_none_or(|from| date >= from)
            && legal.valid_until.is_none_or(|until| date <= until)
    }

    /// Indexes of the correct options.
    pub fn correct_indexes(&self) -> Vec<usize> {
        self.options
            .iter()
            .enumerate()
            .filter(|(_, o)| o.correct)
            .map(|(i, _)| i)
            .collect()
    }
}

/// Option letter for an index: 0 → `A`.
pub fn option_letter(index: usize) -> char {
    // Only six options are allowed; anything past Z is never produced by validated data.
    char::from(b'A' + u8::try_from(index.min(25)).unwrap_or(25))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn law_question(from: Option<NaiveDate>, until: Option<NaiveDate>) -> Question {
        let mut q = Question::new(
            TopicRef {
                code: "law".into(),
                name: "Pháp luật".into(),
            },
            "Câu hỏi?",
        );
        q.legal_basis = Some(LegalBasis {
            document: "Luật An ninh mạng 24/2018/QH14".into(),
            valid_from: from,
            valid_until: until,
        });
        q
    }

    #[test]
    fn drawable_respects_status_and_inclusive_dates() {
        let q = law_question(Some(d(2019, 1, 1)), Some(d(2026, 6, 30)));
        assert!(!q.is_drawable_on(d(2018, 12, 31)));
        assert!(q.is_drawable_on(d(2019, 1, 1)));
        assert!(q.is_drawable_on(d(2026, 6, 30)));
        assert!(!q.is_drawable_on(d(2026, 7, 1)));
        let mut retired = q.clone();
        retired.status = Status::Retired;
        assert!(!retired.is_drawable_on(d(2020, 1, 1)));
        let mut draft = q;
        draft.status = Status::Draft;
        assert!(!draft.is_drawable_on(d(2020, 1, 1)));
        assert!(law_question(None, None).is_drawable_on(d(1990, 1, 1)));
    }

    #[test]
    fn parent_of_dotted_code() {
        assert_eq!(parent_code("history.youth_union"), Some("history"));
        assert_eq!(parent_code("a.b.c"), Some("a.b"));
        assert_eq!(parent_code("history"), None);
    }

    #[test]
    fn letters() {
        assert_eq!(option_letter(0), 'A');
        assert_eq!(option_letter(5), 'F');
    }
}

//! `/questions` and `/topics`: the question bank, for organizers.
//!
//! Members never reach these routes (403). Organizers see the answer key (`correct`, and the
//! explanation that gives it away) only of the banks they manage; questions shared down to them
//! from a unit above come without it ([`crate::app::answer_key`]). Everything a member sees of
//! a question goes through the contest routes, which strip it.

mod crud;
mod files;
mod stats;

use chrono::{DateTime, NaiveDate, Utc};
use question_bank::{Difficulty, Kind, LegalBasis, QuestionOption, Source, Status};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::persistence::questions::StoredQuestion;

pub(crate) use crate::app::bank::visibility;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    // Literal paths before `{id}`.
    cfg.service(files::import_questions)
        .service(files::export_questions)
        .service(files::question_template)
        .service(crud::list_topics)
        .service(crud::list_questions)
        .service(crud::create_question)
        .service(stats::question_stats)
        .service(stats::question_versions)
        .service(crud::get_question)
        .service(crud::update_question)
        .service(crud::delete_question);
}

/// A topic.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicDto {
    /// Dotted slug path, e.g. `history.youth_union`.
    pub code: String,
    /// Name; may be left out when the topic already exists.
    #[serde(default)]
    pub name: Option<String>,
}

/// An option with its id and, for the bank's managers, whether it is correct.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionResponse {
    /// Id (stable within a version).
    pub id: Uuid,
    /// Text.
    pub text: String,
    /// Part of the right answer; absent unless the caller manages the owning bank.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
    /// Its picture: an image name, served at `/api/v1/images/{name}`.
    pub image: Option<String>,
}

/// Where the fact comes from.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceDto {
    /// Title of the document.
    pub title: String,
    /// Link (http/https).
    #[serde(default)]
    pub url: Option<String>,
}

/// The law or policy behind a question and its validity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalBasisDto {
    /// e.g. "Luật An ninh mạng 24/2018/QH14".
    pub document: String,
    /// First day it holds.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last day it holds; the question is not drawn after it.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

/// A question as its bank's managers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionResponse {
    /// Stable id.
    pub id: Uuid,
    /// `single`, `multiple` or `true_false`.
    #[schema(example = "single")]
    pub kind: Kind,
    /// The stem (plain text).
    pub text: String,
    /// The stem's picture: an image name, served at `/api/v1/images/{name}`.
    pub image: Option<String>,
    /// Options in display order.
    pub options: Vec<OptionResponse>,
    /// Shown after answering; null without the key (it gives the answer away).
    pub explanation: Option<String>,
    /// Whether `correct` and `explanation` are shown: only to the managers of the owning bank.
    pub key_visible: bool,
    /// Topic.
    pub topic: TopicDto,
    /// Tags.
    pub tags: Vec<String>,
    /// `easy`, `medium` or `hard`.
    #[schema(example = "medium")]
    pub difficulty: Difficulty,
    /// Source.
    pub source: Option<SourceDto>,
    /// Legal basis and validity.
    pub legal_basis: Option<LegalBasisDto>,
    /// Owner unit.
    pub unit_id: Uuid,
    /// Visible to (and drawable by) the units below the owner.
    pub shared: bool,
    /// `draft`, `active` or `retired`.
    #[schema(example = "active")]
    pub status: Status,
    /// Version number.
    pub version: i32,
    /// Id of this version (what attempts record).
    pub version_id: Uuid,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl QuestionResponse {
    /// The question as a bank manager sees it, answer key included.
    pub(crate) fn with_key(q: StoredQuestion) -> Self {
        Self::new(q, true)
    }

    /// The question for someone who may or may not read its key.
    pub(crate) fn new(q: StoredQuestion, key_visible: bool) -> Self {
        let c = q.content;
        Self {
            id: q.id.into_uuid(),
            kind: c.kind,
            text: c.text,
            image: c.image,
            options: c
                .options
                .into_iter()
                .zip(q.option_ids)
                .map(|(o, id)| OptionResponse {
                    id: id.into_uuid(),
                    text: o.text,
                    correct: key_visible.then_some(o.correct),
                    image: o.image,
                })
                .collect(),
            explanation: c.explanation.filter(|_| key_visible),
            key_visible,
            topic: TopicDto {
                code: c.topic.code,
                name: Some(c.topic.name),
            },
            tags: c.tags,
            difficulty: c.difficulty,
            source: c.source.map(|s| SourceDto {
                title: s.title,
                url: s.url,
            }),
            legal_basis: c.legal_basis.map(|l| LegalBasisDto {
                document: l.document,
                valid_from: l.valid_from,
                valid_until: l.valid_until,
            }),
            unit_id: q.unit_id.into_uuid(),
            shared: q.shared,
            status: c.status,
            version: q.version,
            version_id: q.version_id.into_uuid(),
            created_at: q.created_at,
            updated_at: q.updated_at,
        }
    }
}

/// An option of a new or changed question.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionInput {
    /// Text.
    pub text: String,
    /// Part of the right answer.
    #[serde(default)]
    pub correct: bool,
    /// Its picture: the `name` an upload to `POST /images` returned.
    #[serde(default)]
    pub image: Option<String>,
}

impl From<OptionInput> for QuestionOption {
    fn from(o: OptionInput) -> Self {
        Self {
            text: o.text,
            correct: o.correct,
            image: o.image.filter(|i| !i.trim().is_empty()),
        }
    }
}

pub(crate) fn source_from(dto: Option<SourceDto>) -> Option<Source> {
    dto.map(|s| Source {
        title: s.title,
        url: s.url.filter(|u| !u.trim().is_empty()),
    })
}

pub(crate) fn legal_from(dto: Option<LegalBasisDto>) -> Option<LegalBasis> {
    dto.map(|l| LegalBasis {
        document: l.document,
        valid_from: l.valid_from,
        valid_until: l.valid_until,
    })
}

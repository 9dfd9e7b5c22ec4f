//! The question bank: topics, questions and their versions.
//!
//! A question's content is the `question_bank::Question` model (validated there); this module
//! stores it as an identity row plus versions, and answers visibility by unit scope.

use chrono::{DateTime, Utc};
use question_bank::{
    Difficulty, Kind, LegalBasis, Question, QuestionOption, Source, Status, TopicRef,
};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait as _,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::entities::{question_versions, questions, topics, units};
use super::{PersistenceError, Result};
use crate::domain::ids::{OptionId, QuestionId, QuestionVersionId, UnitId, UserId};
use crate::domain::unit::TreePath;

/// One stored option: its id is stable within a version, and attempts record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOption {
    /// Id.
    pub id: OptionId,
    /// Text.
    pub text: String,
    /// Part of the right answer.
    pub correct: bool,
    /// Its picture's image name, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// A question with its current version.
#[derive(Debug, Clone)]
pub struct StoredQuestion {
    /// Stable id.
    pub id: QuestionId,
    /// Owner unit (whose bank it is in).
    pub unit_id: UnitId,
    /// Whether units below the owner may see and draw it.
    pub shared: bool,
    /// Current version number (1 for a new question).
    pub version: i32,
    /// Id of the current version (what attempts point at).
    pub version_id: QuestionVersionId,
    /// The content; `options` mirror `option_ids` by position.
    pub content: Question,
    /// Ids of the options, in display order.
    pub option_ids: Vec<OptionId>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

fn kind_str(k: Kind) -> &'static str {
    match k {
        Kind::Single => "single",
        Kind::Multiple => "multiple",
        Kind::TrueFalse => "true_false",
    }
}

fn parse_kind(s: &str) -> Kind {
    match s {
        "multiple" => Kind::Multiple,
        "true_false" => Kind::TrueFalse,
        _ => Kind::Single,
    }
}

fn difficulty_str(d: Difficulty) -> &'static str {
    match d {
        Difficulty::Easy => "easy",
        Difficulty::Medium => "medium",
        Difficulty::Hard => "hard",
    }
}

fn parse_difficulty(s: &str) -> Difficulty {
    match s {
        "easy" => Difficulty::Easy,
        "hard" => Difficulty::Hard,
        _ => Difficulty::Medium,
    }
}

/// The stored name of a status.
pub fn status_str(s: Status) -> &'static str {
    match s {
        Status::Draft => "draft",
        Status::Active => "active",
        Status::Retired => "retired",
    }
}

fn parse_status(s: &str) -> Status {
    match s {
        "draft" => Status::Draft,
        "retired" => Status::Retired,
        _ => Status::Active,
    }
}

fn tags_column(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(",{},", tags.join(","))
    }
}

fn assemble(
    q: questions::Model,
    v: question_versions::Model,
    topic_name: String,
) -> Result<StoredQuestion> {
    let options: Vec<StoredOption> = serde_json::from_value(v.options)
        .map_err(|e| PersistenceError::Db(sea_orm::DbErr::Json(e.to_string())))?;
    let legal_basis = v.legal_document.map(|document| LegalBasis {
        document,
        valid_from: q.valid_from,
        valid_until: q.valid_until,
    });
    let content = Question {
        id: Some(q.id.into_uuid()),
        kind: parse_kind(&q.kind),
        text: v.text,
        options: options
            .iter()
            .map(|o| QuestionOption {
                text: o.text.clone(),
                correct: o.correct,
                image: o.image.clone(),
            })
            .collect(),
        explanation: v.explanation,
        topic: TopicRef {
            code: q.topic_code,
            name: topic_name,
        },
        tags: q
            .tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        difficulty: parse_difficulty(&q.difficulty),
        source: v.source_title.map(|title| Source {
            title,
            url: v.source_url,
        }),
        legal_basis,
        status: parse_status(&q.status),
        image: v.image,
    };
    Ok(StoredQuestion {
        id: q.id,
        unit_id: q.unit_id,
        shared: q.shared,
        version: q.current_version,
        version_id: q.current_version_id,
        content,
        option_ids: options.iter().map(|o| o.id).collect(),
        created_at: q.created_at,
        updated_at: q.updated_at,
    })
}

/// Inserts missing topics (and their parents); an existing topic keeps its name.
pub async fn ensure_topics(db: &impl ConnectionTrait, wanted: &[TopicRef]) -> Result<()> {
    let mut all: Vec<TopicRef> = Vec::new();
    for topic in wanted {
        let mut code = topic.code.as_str();
        let mut name = topic.name.clone();
        loop {
            if !all.iter().any(|t| t.code == code) {
                all.push(TopicRef {
                    code: code.to_owned(),
                    name: name.clone(),
                });
            }
            match question_bank::model::parent_code(code) {
                Some(parent) => {
                    code = parent;
                    name = question_bank::checks::name_from_code(parent);
                }
                None => break,
            }
        }
    }
    let codes: Vec<String> = all.iter().map(|t| t.code.clone()).collect();
    let mut existing = Vec::new();
    for chunk in codes.chunks(500) {
        existing.extend(
            topics::Entity::find()
                .filter(topics::Column::Code.is_in(chunk.iter().cloned()))
                .all(db)
                .await?
                .into_iter()
                .map(|t| t.code),
        );
    }
    let missing: Vec<topics::ActiveModel> = all
        .into_iter()
        .filter(|t| !existing.contains(&t.code))
        .map(|t| topics::ActiveModel {
            parent_code: Set(question_bank::model::parent_code(&t.code).map(str::to_owned)),
            code: Set(t.code),
            name: Set(t.name),
        })
        .collect();
    if !missing.is_empty() {
        topics::Entity::insert_many(missing)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Every topic: (code, name, parent code).
pub async fn list_topics(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, String, Option<String>)>> {
    Ok(topics::Entity::find()
        .order_by_asc(topics::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.code, t.name, t.parent_code))
        .collect())
}

/// The name of a topic, if it exists.
pub async fn topic_name(db: &impl ConnectionTrait, code: &str) -> Result<Option<String>> {
    Ok(topics::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?
        .map(|t| t.name))
}

fn version_model(
    question_id: QuestionId,
    version: i32,
    q: &Question,
    by: Option<UserId>,
) -> (question_versions::ActiveModel, Vec<OptionId>) {
    let options: Vec<StoredOption> = q
        .options
        .iter()
        .map(|o| StoredOption {
            id: OptionId::new(),
            text: o.text.clone(),
            correct: o.correct,
            image: o.image.clone(),
        })
        .collect();
    let ids = options.iter().map(|o| o.id).collect();
    let model = question_versions::ActiveModel {
        id: Set(QuestionVersionId::new()),
        question_id: Set(question_id),
        version: Set(version),
        text: Set(q.text.clone()),
        options: Set(serde_json::to_value(&options).unwrap_or_default()),
        explanation: Set(q.explanation.clone()),
        source_title: Set(q.source.as_ref().map(|s| s.title.clone())),
        source_url: Set(q.source.as_ref().and_then(|s| s.url.clone())),
        legal_document: Set(q.legal_basis.as_ref().map(|l| l.document.clone())),
        image: Set(q.image.clone()),
        created_by: Set(by),
        created_at: Set(Utc::now()),
    };
    (model, ids)
}

/// Inserts a new question (version 1) into `unit`'s bank. Topics must exist.
pub async fn insert(
    db: &impl ConnectionTrait,
    unit: UnitId,
    shared: bool,
    q: &Question,
    by: Option<UserId>,
) -> Result<QuestionId> {
    let id = QuestionId::new();
    let (version, _) = version_model(id, 1, q, by);
    let version_id = match &version.id {
        sea_orm::ActiveValue::Set(v) => *v,
        _ => QuestionVersionId::new(),
    };
    let now = Utc::now();
    questions::Entity::insert(questions::ActiveModel {
        id: Set(id),
        unit_id: Set(unit),
        shared: Set(shared),
        kind: Set(kind_str(q.kind).to_owned()),
        topic_code: Set(q.topic.code.clone()),
        difficulty: Set(difficulty_str(q.difficulty).to_owned()),
        status: Set(status_str(q.status).to_owned()),
        tags: Set(tags_column(&q.tags)),
        stem_folded: Set(question_bank::fold(&q.text)),
        current_version: Set(1),
        current_version_id: Set(version_id),
        valid_from: Set(q.legal_basis.as_ref().and_then(|l| l.valid_from)),
        valid_until: Set(q.legal_basis.as_ref().and_then(|l| l.valid_until)),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    question_versions::Entity::insert(version)
        .exec_without_returning(db)
        .await?;
    Ok(id)
}

/// Whether two contents differ in what a member sees (text, options and their pictures,
/// explanation, source, legal document, the stem's picture): such a change to a question that may have been shown makes a new version.
pub fn shown_content_differs(a: &Question, b: &Question) -> bool {
    a.text != b.text
        || a.options != b.options
        || a.explanation != b.explanation
        || a.source != b.source
        || a.legal_basis.as_ref().map(|l| &l.document)
            != b.legal_basis.as_ref().map(|l| &l.document)
        || a.kind != b.kind
        || a.image != b.image
}

/// Saves `new` over `current`. A draft is changed in place; a question that was ever active
/// gets a new version when its shown content changes, so attempts keep what they showed.
pub async fn update(
    db: &impl ConnectionTrait,
    current: &StoredQuestion,
    new: &Question,
    shared: bool,
    by: Option<UserId>,
) -> Result<()> {
    let was_published = current.content.status != Status::Draft || current.version > 1;
    let mut version = current.version;
    let mut version_id = current.version_id;
    if shown_content_differs(&current.content, new) {
        if was_published {
            version += 1;
            let (model, _) = version_model(current.id, version, new, by);
            if let sea_orm::ActiveValue::Set(id) = &model.id {
                version_id = *id;
            }
            question_versions::Entity::insert(model)
                .exec_without_returning(db)
                .await?;
        } else {
            question_versions::Entity::delete_by_id(current.version_id)
                .exec(db)
                .await?;
            let (model, _) = version_model(current.id, version, new, by);
            if let sea_orm::ActiveValue::Set(id) = &model.id {
                version_id = *id;
            }
            question_versions::Entity::insert(model)
                .exec_without_returning(db)
                .await?;
        }
    }
    questions::Entity::update_many()
        .col_expr(questions::Column::Shared, Expr::value(shared))
        .col_expr(questions::Column::Kind, Expr::value(kind_str(new.kind)))
        .col_expr(
            questions::Column::TopicCode,
            Expr::value(new.topic.code.clone()),
        )
        .col_expr(
            questions::Column::Difficulty,
            Expr::value(difficulty_str(new.difficulty)),
        )
        .col_expr(
            questions::Column::Status,
            Expr::value(status_str(new.status)),
        )
        .col_expr(questions::Column::Tags, Expr::value(tags_column(&new.tags)))
        .col_expr(
            questions::Column::StemFolded,
            Expr::value(question_bank::fold(&new.text)),
        )
        .col_expr(questions::Column::CurrentVersion, Expr::value(version))
        .col_expr(questions::Column::CurrentVersionId, Expr::value(version_id))
        .col_expr(
            questions::Column::ValidFrom,
            Expr::value(new.legal_basis.as_ref().and_then(|l| l.valid_from)),
        )
        .col_expr(
            questions::Column::ValidUntil,
            Expr::value(new.legal_basis.as_ref().and_then(|l| l.valid_until)),
        )
        .col_expr(questions::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(questions::Column::Id.eq(current.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes a question and its versions.
pub async fn delete(db: &impl ConnectionTrait, id: QuestionId) -> Result<()> {
    question_versions::Entity::delete_many()
        .filter(question_versions::Column::QuestionId.eq(id))
        .exec(db)
        .await?;
    questions::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

async fn load_many(
    db: &impl ConnectionTrait,
    rows: Vec<questions::Model>,
) -> Result<Vec<StoredQuestion>> {
    let version_ids: Vec<QuestionVersionId> = rows.iter().map(|q| q.current_version_id).collect();
    let mut versions = Vec::new();
    for chunk in version_ids.chunks(500) {
        versions.extend(
            question_versions::Entity::find()
                .filter(question_versions::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    let names: std::collections::HashMap<String, String> = topics::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.code, t.name))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for q in rows {
        let Some(position) = versions.iter().position(|v| v.id == q.current_version_id) else {
            return Err(PersistenceError::NotFound("question version"));
        };
        let v = versions.swap_remove(position);
        let name = names
            .get(&q.topic_code)
            .cloned()
            .unwrap_or_else(|| q.topic_code.clone());
        out.push(assemble(q, v, name)?);
    }
    Ok(out)
}

/// Loads one question with its current version.
pub async fn get(db: &impl ConnectionTrait, id: QuestionId) -> Result<StoredQuestion> {
    let row = questions::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("question"))?;
    load_many(db, vec![row])
        .await?
        .pop()
        .ok_or(PersistenceError::NotFound("question"))
}

/// Which banks a caller sees: `None` = all (admin); otherwise the subtrees they organise, plus
/// questions shared down from the units above those subtrees.
#[derive(Debug, Clone)]
pub struct Visibility {
    /// Subtree roots the caller organises; `None` for everything.
    pub roots: Option<Vec<TreePath>>,
}

/// Search filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Topic code; also matches its subtopics.
    pub topic: Option<String>,
    /// Exact tag.
    pub tag: Option<String>,
    /// Difficulty.
    pub difficulty: Option<Difficulty>,
    /// Kind.
    pub kind: Option<Kind>,
    /// Status.
    pub status: Option<Status>,
    /// Free text, folded.
    pub text: Option<String>,
    /// Only this owner unit's bank.
    pub unit_id: Option<UnitId>,
    /// Only questions that may be drawn on every day from `.0` to `.1`: active, and valid on
    /// both days.
    pub drawable_between: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// Only these ids.
    pub ids: Option<Vec<Uuid>>,
}

fn visibility_condition(visibility: &Visibility) -> Condition {
    let Some(roots) = &visibility.roots else {
        return Condition::all();
    };
    let mut any = Condition::any();
    let mut ancestors: Vec<Uuid> = Vec::new();
    for root in roots {
        any = any.add(units::Column::Path.starts_with(root.as_str()));
        ancestors.extend(root.ids().into_iter().map(|u| u.into_uuid()));
    }
    if !ancestors.is_empty() {
        any = any.add(
            Condition::all()
                .add(questions::Column::Shared.eq(true))
                .add(questions::Column::UnitId.is_in(ancestors)),
        );
    }
    any
}

/// How many questions match, without loading them.
pub async fn count(
    db: &impl ConnectionTrait,
    visibility: &Visibility,
    filter: &Filter,
) -> Result<u64> {
    Ok(search_select(visibility, filter).count(db).await?)
}

/// What a question list is ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// When it was added (the default, newest first).
    #[default]
    Created,
    /// When it was last changed.
    Updated,
    /// The stem, folded (so "Đoàn" sorts with "Doan", not after "Z").
    Text,
    /// Topic code.
    Topic,
    /// Difficulty, easy → hard.
    Difficulty,
    /// Status.
    Status,
}

/// A sort key and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The key.
    pub key: SortKey,
    /// Ascending when true.
    pub ascending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            key: SortKey::Created,
            ascending: false,
        }
    }
}

/// Searches the banks visible under `visibility`, newest first.
pub async fn search(
    db: &impl ConnectionTrait,
    visibility: &Visibility,
    filter: &Filter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<StoredQuestion>, u64)> {
    search_sorted(db, visibility, filter, Sort::default(), offset, limit).await
}

/// Searches the banks visible under `visibility` in the order `sort` names; ties fall back to
/// newest first, then id, so paging is stable.
pub async fn search_sorted(
    db: &impl ConnectionTrait,
    visibility: &Visibility,
    filter: &Filter,
    sort: Sort,
    offset: u64,
    limit: u64,
) -> Result<(Vec<StoredQuestion>, u64)> {
    use sea_orm::Order;
    let select = search_select(visibility, filter);
    let total = select.clone().count(db).await?;
    let order = if sort.ascending {
        Order::Asc
    } else {
        Order::Desc
    };
    let select = match sort.key {
        SortKey::Created => select,
        SortKey::Updated => select.order_by(questions::Column::UpdatedAt, order),
        SortKey::Text => select.order_by(questions::Column::StemFolded, order),
        SortKey::Topic => select.order_by(questions::Column::TopicCode, order),
        // The stored words do not sort by hardness; a CASE ranks them.
        SortKey::Difficulty => select.order_by(
            Into::<Expr>::into(
                Expr::case(
                    Expr::col((questions::Entity, questions::Column::Difficulty)).eq("easy"),
                    1,
                )
                .case(
                    Expr::col((questions::Entity, questions::Column::Difficulty)).eq("medium"),
                    2,
                )
                .finally(3),
            ),
            order,
        ),
        SortKey::Status => select.order_by(questions::Column::Status, order),
    };
    let created_order = if sort.key == SortKey::Created && sort.ascending {
        Order::Asc
    } else {
        Order::Desc
    };
    let rows = select
        .order_by(questions::Column::CreatedAt, created_order.clone())
        .order_by(questions::Column::Id, created_order)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((load_many(db, rows).await?, total))
}

fn search_select(visibility: &Visibility, filter: &Filter) -> sea_orm::Select<questions::Entity> {
    let mut select = questions::Entity::find()
        .join(JoinType::InnerJoin, questions::Relation::Unit.def())
        .filter(visibility_condition(visibility));
    if let Some(topic) = &filter.topic {
        select = select.filter(
            Condition::any()
                .add(questions::Column::TopicCode.eq(topic.clone()))
                .add(questions::Column::TopicCode.starts_with(format!("{topic}."))),
        );
    }
    if let Some(tag) = &filter.tag {
        select = select.filter(questions::Column::Tags.contains(format!(",{tag},")));
    }
    if let Some(d) = filter.difficulty {
        select = select.filter(questions::Column::Difficulty.eq(difficulty_str(d)));
    }
    if let Some(k) = filter.kind {
        select = select.filter(questions::Column::Kind.eq(kind_str(k)));
    }
    if let Some(s) = filter.status {
        select = select.filter(questions::Column::Status.eq(status_str(s)));
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(question_bank::fold)
        .filter(|t| !t.is_empty())
    {
        select = select.filter(
            Expr::col((questions::Entity, questions::Column::StemFolded))
                .like(format!("%{}%", text.replace(['%', '_'], ""))),
        );
    }
    if let Some(unit) = filter.unit_id {
        select = select.filter(questions::Column::UnitId.eq(unit));
    }
    if let Some((from, to)) = filter.drawable_between {
        select = select
            .filter(questions::Column::Status.eq("active"))
            .filter(
                Condition::any()
                    .add(questions::Column::ValidFrom.is_null())
                    .add(questions::Column::ValidFrom.lte(from)),
            )
            .filter(
                Condition::any()
                    .add(questions::Column::ValidUntil.is_null())
                    .add(questions::Column::ValidUntil.gte(to)),
            );
    }
    if let Some(ids) = &filter.ids {
        select = select.filter(questions::Column::Id.is_in(ids.iter().copied()));
    }
    select
}

/// Whether `visibility` lets the caller see `q`.
pub fn is_visible(visibility: &Visibility, owner_path: &TreePath, shared: bool) -> bool {
    match &visibility.roots {
        None => true,
        Some(roots) => roots
            .iter()
            .any(|root| owner_path.is_within(root) || (shared && root.is_within(owner_path))),
    }
}

/// Folded stems already present in `unit`'s bank among `stems`: (stem, question id).
pub async fn existing_stems(
    db: &impl ConnectionTrait,
    unit: UnitId,
    stems: &[String],
) -> Result<Vec<(String, QuestionId)>> {
    let mut out = Vec::new();
    for chunk in stems.chunks(500) {
        let rows = questions::Entity::find()
            .filter(questions::Column::UnitId.eq(unit))
            .filter(questions::Column::StemFolded.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|q| (q.stem_folded, q.id)));
    }
    Ok(out)
}

/// What one version of a question showed.
#[derive(Debug, Clone)]
pub struct VersionContent {
    /// Version id.
    pub version_id: QuestionVersionId,
    /// The question.
    pub question_id: QuestionId,
    /// Stem.
    pub text: String,
    /// Options with their ids and the key.
    pub options: Vec<StoredOption>,
    /// Explanation.
    pub explanation: Option<String>,
    /// The stem's picture.
    pub image: Option<String>,
}

impl StoredQuestion {
    /// What its current version shows, as [`versions`] would read it back.
    pub fn shown(&self) -> VersionContent {
        VersionContent {
            version_id: self.version_id,
            question_id: self.id,
            text: self.content.text.clone(),
            options: self
                .option_ids
                .iter()
                .zip(&self.content.options)
                .map(|(id, o)| StoredOption {
                    id: *id,
                    text: o.text.clone(),
                    correct: o.correct,
                    image: o.image.clone(),
                })
                .collect(),
            explanation: self.content.explanation.clone(),
            image: self.content.image.clone(),
        }
    }
}

/// Loads versions by id (what attempts showed, whatever the question is now).
pub async fn versions(
    db: &impl ConnectionTrait,
    ids: &[QuestionVersionId],
) -> Result<Vec<VersionContent>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for v in question_versions::Entity::find()
            .filter(question_versions::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            let options: Vec<StoredOption> = serde_json::from_value(v.options)
                .map_err(|e| PersistenceError::Db(sea_orm::DbErr::Json(e.to_string())))?;
            out.push(VersionContent {
                version_id: v.id,
                question_id: v.question_id,
                text: v.text,
                options,
                explanation: v.explanation,
                image: v.image,
            });
        }
    }
    Ok(out)
}

/// One stored version of a question, with when it was written.
#[derive(Debug, Clone)]
pub struct VersionRecord {
    /// Version number.
    pub version: i32,
    /// What it showed.
    pub content: VersionContent,
    /// Where the fact came from, as that version said.
    pub source_title: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// Every kept version of a question, newest first. (A draft's edits replace its only version;
/// a question that has been active keeps each version attempts may have shown.)
pub async fn list_versions(
    db: &impl ConnectionTrait,
    question_id: QuestionId,
) -> Result<Vec<VersionRecord>> {
    let rows = question_versions::Entity::find()
        .filter(question_versions::Column::QuestionId.eq(question_id))
        .order_by_desc(question_versions::Column::Version)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for v in rows {
        let options: Vec<StoredOption> = serde_json::from_value(v.options)
            .map_err(|e| PersistenceError::Db(sea_orm::DbErr::Json(e.to_string())))?;
        out.push(VersionRecord {
            version: v.version,
            source_title: v.source_title,
            created_at: v.created_at,
            content: VersionContent {
                version_id: v.id,
                question_id: v.question_id,
                text: v.text,
                options,
                explanation: v.explanation,
                image: v.image,
            },
        });
    }
    Ok(out)
}

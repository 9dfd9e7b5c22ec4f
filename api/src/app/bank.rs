//! The question bank: who sees which banks ([`visibility`]), who may edit a question and read
//! its key ([`visible_question`]), building and checking a question, adding and editing one
//! (no duplicate stem in a bank; an edit of a question once active makes a new version), and
//! importing and exporting question files (an import is all or nothing; an export carries the
//! key, so only of the banks the caller manages).

use std::collections::HashSet;
use std::future::Future;

use question_bank::{
    Difficulty, Format, Kind, LegalBasis, Limits, Question, QuestionOption, ReadOptions,
    ReadReport, Source, Status, TopicRef,
};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

use crate::app::answer_key;
pub use crate::app::answer_key::BANK_MANAGERS;
use crate::auth::Caller;
use crate::caches::coherence::Change;
use crate::domain::ids::QuestionId;
use crate::domain::ids::{UnitId, UserId};
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::questions::{Filter, StoredQuestion, Visibility};
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;

/// Most questions one export holds.
const MAX_EXPORT: u64 = 20_000;

/// A question's topic as given: its code, and a name (required when the topic is new).
#[derive(Debug, Clone)]
pub struct TopicInput {
    /// Dotted slug path.
    pub code: String,
    /// Name; may be left out when the topic already exists.
    pub name: Option<String>,
}

/// Changes to a question; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct QuestionChanges {
    /// Shared down the tree.
    pub shared: Option<bool>,
    /// Kind.
    pub kind: Option<Kind>,
    /// Stem.
    pub text: Option<String>,
    /// The stem's picture (empty string removes it).
    pub image: Option<String>,
    /// All options (replaces the list).
    pub options: Option<Vec<QuestionOption>>,
    /// Explanation (empty string clears it).
    pub explanation: Option<String>,
    /// Topic.
    pub topic: Option<TopicInput>,
    /// Tags (replaces the list).
    pub tags: Option<Vec<String>>,
    /// Difficulty.
    pub difficulty: Option<Difficulty>,
    /// Source (`Some(None)` clears it).
    pub source: Option<Option<Source>>,
    /// Legal basis (`Some(None)` clears it).
    pub legal_basis: Option<Option<LegalBasis>>,
    /// New status.
    pub status: Option<Status>,
}

/// How to import a question file.
#[derive(Debug)]
pub struct ImportOptions {
    /// Check and report everything, write nothing.
    pub dry_run: bool,
    /// Share the imported questions down the tree.
    pub shared: bool,
    /// Topic for questions without a category: code …
    pub topic_code: Option<String>,
    /// … and name.
    pub topic_name: Option<String>,
}

/// What an import that passed every check did (or, on a dry run, would do).
#[derive(Debug)]
pub struct QuestionImport {
    /// Questions written (0 on a dry run).
    pub imported: usize,
    /// What was read: the questions with their rows, and the warnings.
    pub report: ReadReport,
}

/// The banks the caller may see; 403 for someone who manages no bank.
pub fn visibility(caller: &Caller) -> Result<Visibility, ApiError> {
    if !caller.has_any(BANK_MANAGERS) {
        return Err(ApiError::Forbidden);
    }
    Ok(Visibility {
        roots: caller.roots(BANK_MANAGERS),
    })
}

/// Turns the crate's problems (`options[1].text`) into field errors (`/options/1/text`).
pub fn problems_to_errors(problems: Vec<question_bank::Problem>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|p| {
            let pointer = p
                .field
                .as_deref()
                .map(model_path_to_pointer)
                .unwrap_or_else(|| "/".to_owned());
            FieldError::new(pointer, p.message_en).with_vi(p.message_vi)
        })
        .collect()
}

fn model_path_to_pointer(path: &str) -> String {
    // The crate names the answer key `correct` (a column in spreadsheets); in JSON it is the
    // `correct` flags of `options`.
    if path == "correct" {
        return "/options".to_owned();
    }
    let mut out = String::new();
    for part in path.split('.') {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        out.push('/');
        out.push_str(name);
        for index in rest
            .split('[')
            .map(|i| i.trim_end_matches(']'))
            .filter(|i| !i.is_empty())
        {
            out.push('/');
            out.push_str(index);
        }
    }
    out
}

/// Builds and validates a question from request parts; 422 naming each bad field.
pub fn build_question(mut q: Question) -> Result<Question, ApiError> {
    q.normalize();
    let problems = q.validate();
    if problems.is_empty() {
        Ok(q)
    } else {
        Err(ApiError::Validation(problems_to_errors(problems)))
    }
}

/// A topic reference.
pub fn topic_ref(code: String, name: String) -> TopicRef {
    TopicRef { code, name }
}

/// The topic's name: given, or the existing topic's; a new topic needs one.
async fn resolve_topic(db: &impl ConnectionTrait, topic: &TopicInput) -> Result<String, ApiError> {
    if let Some(name) = topic
        .name
        .as_ref()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
    {
        return Ok(name.to_owned());
    }
    match persistence::questions::topic_name(db, topic.code.trim()).await? {
        Some(name) => Ok(name),
        None => Err(ApiError::field("/topic/name", "a new topic needs a name")),
    }
}

/// Refuses a stem already in the same bank (folded for case, spacing and diacritics).
async fn ensure_not_duplicate(
    db: &impl ConnectionTrait,
    unit: UnitId,
    q: &Question,
    except: Option<QuestionId>,
) -> Result<(), ApiError> {
    let stem = question_bank::fold(&q.text);
    let existing =
        persistence::questions::existing_stems(db, unit, std::slice::from_ref(&stem)).await?;
    if let Some((_, id)) = existing.into_iter().find(|(_, id)| Some(*id) != except) {
        return Err(Conflict::DuplicateQuestion {
            question_id: id.into_uuid(),
        }
        .into());
    }
    Ok(())
}

/// Loads a question the caller may see (404 otherwise) and says whether they manage its bank:
/// then they may edit it and read its answer key.
pub async fn visible_question(
    state: &AppState,
    caller: &Caller,
    id: QuestionId,
) -> Result<(StoredQuestion, bool), ApiError> {
    let visibility = visibility(caller)?;
    let question = persistence::questions::get(&state.db, id).await?;
    let owner = persistence::units::get(&state.db, question.unit_id).await?;
    if !persistence::questions::is_visible(&visibility, &owner.path, question.shared) {
        return Err(ApiError::NotFound("question"));
    }
    let manages_bank = answer_key::reads_key(caller, &owner.path);
    Ok((question, manages_bank))
}

/// Deletes question `id`, a draft that was never active, from a bank `user` manages (403 for a
/// bank shared from above, 404 outside their scope). Anything that may have been shown is
/// retired instead: 409 `question_in_use`.
pub async fn delete_question(
    state: &AppState,
    user: UserId,
    id: QuestionId,
) -> Result<(), ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let (current, editable) = visible_question(state, &caller, id).await?;
    if !editable {
        return Err(ApiError::Forbidden);
    }
    if current.content.status != Status::Draft || current.version > 1 {
        return Err(Conflict::QuestionInUse.into());
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::questions::delete(&txn, current.id).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "question.delete",
        Some(current.id.into_uuid()),
        Some(current.unit_id),
        json!({}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Rounds drawing from the bank see the change at their next start, on every instance.
    crate::app::coherence::changed(state, Change::Bank).await;
    Ok(())
}

/// The owners among `questions`' banks whose answer keys the caller may read.
pub async fn key_readable_owners(
    state: &AppState,
    caller: &Caller,
    questions: &[StoredQuestion],
) -> Result<HashSet<UnitId>, ApiError> {
    let mut readable = HashSet::new();
    let mut seen = HashSet::new();
    for q in questions {
        if seen.insert(q.unit_id) {
            let owner = persistence::units::get(&state.db, q.unit_id).await?;
            if answer_key::reads_key(caller, &owner.path) {
                readable.insert(q.unit_id);
            }
        }
    }
    Ok(readable)
}

/// Adds `draft` (its topic taken from `topic`) to bank `unit_id`, which `user` must organise.
pub async fn create_question(
    state: &AppState,
    user: UserId,
    unit_id: UnitId,
    shared: bool,
    mut draft: Question,
    topic: TopicInput,
) -> Result<StoredQuestion, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, BANK_MANAGERS, unit_id)
        .await?;
    let topic_name = resolve_topic(&state.db, &topic).await?;
    draft.topic = topic_ref(topic.code.trim().to_owned(), topic_name);
    let question = build_question(draft)?;
    crate::app::images::ensure_stored(state, &question).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    ensure_not_duplicate(&txn, unit.id, &question, None).await?;
    persistence::questions::ensure_topics(&txn, std::slice::from_ref(&question.topic)).await?;
    let id = persistence::questions::insert(&txn, unit.id, shared, &question, Some(user)).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "question.create",
        Some(id.into_uuid()),
        Some(unit.id),
        json!({"unit_id": unit.id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Rounds drawing from the bank see the change at their next start, on every instance.
    crate::app::coherence::changed(state, Change::Bank).await;
    persistence::questions::get(&state.db, id)
        .await
        .map_err(Into::into)
}

/// Edits question `id` on behalf of `user`, who must manage its bank. A draft changes in
/// place; changing what members see of a question that has been active makes a new version.
pub async fn update_question(
    state: &AppState,
    user: UserId,
    id: QuestionId,
    body: QuestionChanges,
) -> Result<StoredQuestion, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let (current, editable) = visible_question(state, &caller, id).await?;
    if !editable {
        return Err(ApiError::Forbidden);
    }
    let mut q = current.content.clone();
    if let Some(kind) = body.kind {
        q.kind = kind;
    }
    if let Some(text) = body.text {
        q.text = text;
    }
    if let Some(image) = body.image {
        q.image = Some(image).filter(|i| !i.trim().is_empty());
    }
    if let Some(options) = body.options {
        q.options = options;
    }
    if let Some(explanation) = body.explanation {
        q.explanation = Some(explanation).filter(|e| !e.trim().is_empty());
    }
    if let Some(topic) = &body.topic {
        q.topic = topic_ref(
            topic.code.trim().to_owned(),
            resolve_topic(&state.db, topic).await?,
        );
    }
    if let Some(tags) = body.tags {
        q.tags = tags;
    }
    if let Some(d) = body.difficulty {
        q.difficulty = d;
    }
    if let Some(source) = body.source {
        q.source = source;
    }
    if let Some(legal_basis) = body.legal_basis {
        q.legal_basis = legal_basis;
    }
    if let Some(status) = body.status {
        if status == Status::Draft && current.content.status != Status::Draft {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/status",
                "a question that has been active cannot go back to draft; retire it instead",
            )]));
        }
        q.status = status;
    }
    let q = build_question(q)?;
    crate::app::images::ensure_stored(state, &q).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    if question_bank::fold(&q.text) != question_bank::fold(&current.content.text) {
        ensure_not_duplicate(&txn, current.unit_id, &q, Some(current.id)).await?;
    }
    persistence::questions::ensure_topics(&txn, std::slice::from_ref(&q.topic)).await?;
    persistence::questions::update(
        &txn,
        &current,
        &q,
        body.shared.unwrap_or(current.shared),
        Some(user),
    )
    .await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "question.update",
        Some(current.id.into_uuid()),
        Some(current.unit_id),
        json!({"from_version": current.version}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Rounds drawing from the bank see the change at their next start, on every instance.
    crate::app::coherence::changed(state, Change::Bank).await;
    persistence::questions::get(&state.db, current.id)
        .await
        .map_err(Into::into)
}

/// The kept versions of question `id`, newest first, for the managers of its bank only (each
/// version carries its answer key).
pub async fn question_versions(
    state: &AppState,
    user: UserId,
    id: QuestionId,
) -> Result<Vec<persistence::questions::VersionRecord>, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let (question, manages_bank) = visible_question(state, &caller, id).await?;
    if !manages_bank {
        return Err(ApiError::Forbidden);
    }
    Ok(persistence::questions::list_versions(&state.db, question.id).await?)
}

/// Imports a question file into bank `unit_id` on behalf of `user`: `file` reads the upload
/// (its name and bytes) and is awaited only once `user` is known to organise the bank. Any
/// problem means nothing is imported; the 422 lists every problem as `/rows/{row}/{column}`.
pub async fn import_questions(
    state: &AppState,
    user: UserId,
    unit_id: UnitId,
    file: impl Future<Output = Result<(Option<String>, Vec<u8>), ApiError>>,
    options: ImportOptions,
) -> Result<QuestionImport, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, BANK_MANAGERS, unit_id)
        .await?;
    let (given_name, bytes) = file.await?;
    let mut file_name = given_name.clone().unwrap_or_else(|| "upload".into());
    // A zip that is not an Office file is a bank with its pictures ([`question_bank::package`]).
    let (bytes, package_images) = if question_bank::package::is_package(&bytes) {
        let max_total = u64::try_from(state.settings.max_upload_bytes).unwrap_or(u64::MAX) * 4;
        let max_image = u64::try_from(crate::app::images::MAX_IMAGE_BYTES).unwrap_or(u64::MAX);
        let read = crate::telemetry::spawn_blocking_with_tracing(move || {
            question_bank::package::read(&bytes, max_total, max_image)
        })
        .await
        .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e).context("import task failed")))?;
        match read {
            Ok(package) => {
                let (sheet_name, sheet) = package.sheet.unwrap_or_default();
                file_name = sheet_name;
                (sheet, package.images)
            }
            Err(problems) => return Err(ApiError::Validation(row_errors(problems))),
        }
    } else {
        (bytes, std::collections::BTreeMap::new())
    };
    let default_topic = match (&options.topic_code, &options.topic_name) {
        (Some(code), Some(name)) => Some(TopicRef {
            code: code.clone(),
            name: name.clone(),
        }),
        (Some(code), None) => Some(TopicRef {
            code: code.clone(),
            name: question_bank::checks::name_from_code(code),
        }),
        _ => None,
    };
    let read_options = ReadOptions {
        limits: Limits {
            max_file_bytes: state.settings.max_upload_bytes,
            ..Limits::default()
        },
        default_topic,
        format: None,
    };
    // Parsing a large spreadsheet is CPU work: keep it off the async threads.
    let mut report = crate::telemetry::spawn_blocking_with_tracing(move || {
        question_bank::read_with(&bytes, &file_name, &read_options)
    })
    .await
    .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e).context("import task failed")))?;
    let mut errors = row_errors(std::mem::take(&mut report.problems));
    let stems: Vec<String> = report
        .questions
        .iter()
        .map(|q| question_bank::fold(&q.text))
        .collect();
    let store = crate::app::images::store(state);
    for (i, q) in report.questions.iter().enumerate() {
        for (field, name) in crate::app::images::named_in(q) {
            let stored = package_images.contains_key(name)
                || store
                    .exists(name)
                    .await
                    .map_err(|e| crate::app::images::unavailable(e, "cannot look up a picture"))?;
            if !stored {
                let row = report.lines.get(i).copied().flatten();
                let column = question_bank::formats::tabular::column_for_field(&field);
                errors.push(
                    FieldError::new(
                        row_pointer(row, Some(&column)),
                        format!("picture {name} is neither in the zip nor on the server"),
                    )
                    .with_vi(format!(
                        "ảnh {name} không có trong tệp zip và chưa có trên máy chủ"
                    )),
                );
            }
        }
    }
    let existing = persistence::questions::existing_stems(&state.db, unit.id, &stems).await?;
    for (i, stem) in stems.iter().enumerate() {
        if let Some((_, id)) = existing.iter().find(|(s, _)| s == stem) {
            let row = report.lines.get(i).copied().flatten();
            errors.push(
                FieldError::new(
                    row_pointer(row, Some("text")),
                    format!("this question is already in the bank ({id})"),
                )
                .with_vi(format!("câu hỏi này đã có trong ngân hàng ({id})")),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if options.dry_run {
        return Ok(QuestionImport {
            imported: 0,
            report,
        });
    }
    // Pictures first: a stored picture nobody names is harmless; a question naming a picture
    // that failed to store is not.
    for (name, bytes) in package_images {
        store
            .write(&name, bytes)
            .await
            .map_err(|e| crate::app::images::unavailable(e, "cannot store a picture"))?;
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::questions::ensure_topics(&txn, &question_bank::topics(&report.questions)).await?;
    for q in &report.questions {
        persistence::questions::insert(&txn, unit.id, options.shared, q, Some(user)).await?;
    }
    persistence::audit::record_at(
        &txn,
        Some(user),
        "question.import",
        Some(unit.id.into_uuid()),
        Some(unit.id),
        json!({"count": report.questions.len(), "file": given_name}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Rounds drawing from the bank see the change at their next start, on every instance.
    crate::app::coherence::changed(state, Change::Bank).await;
    tracing::info!(count = report.questions.len(), "questions imported");
    Ok(QuestionImport {
        imported: report.questions.len(),
        report,
    })
}

fn row_pointer(row: Option<u32>, field: Option<&str>) -> String {
    match (row, field) {
        (Some(r), Some(f)) => format!("/rows/{r}/{f}"),
        (Some(r), None) => format!("/rows/{r}"),
        (None, Some(f)) => format!("/file/{f}"),
        (None, None) => "/file".to_owned(),
    }
}

fn row_errors(problems: Vec<question_bank::Problem>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|p| {
            FieldError::new(row_pointer(p.line_or_row, p.field.as_deref()), p.message_en)
                .with_vi(p.message_vi)
        })
        .collect()
}

/// The questions matching `filter` from the banks `user` manages, written as `format`, their
/// options shuffled with `seed` when given. At most [`MAX_EXPORT`] may match.
pub async fn export_questions(
    state: &AppState,
    user: UserId,
    filter: &Filter,
    format: Format,
    seed: Option<u64>,
) -> Result<Vec<u8>, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let visibility = visibility(&caller)?;
    let (found, total) =
        persistence::questions::search(&state.db, &visibility, filter, 0, MAX_EXPORT).await?;
    if total > MAX_EXPORT {
        return Err(ApiError::field(
            "/",
            format!("{total} questions match; narrow the filters to at most {MAX_EXPORT}"),
        ));
    }
    // An export carries the key: only the banks the caller manages, never one shared from above.
    let readable = key_readable_owners(state, &caller, &found).await?;
    let mut questions: Vec<question_bank::Question> = found
        .into_iter()
        .filter(|q| readable.contains(&q.unit_id))
        .map(|q| q.content)
        .collect();
    crate::telemetry::spawn_blocking_with_tracing(move || {
        if let Some(seed) = seed {
            question_bank::shuffle_options(&mut questions, seed);
        }
        question_bank::write(&questions, format)
    })
    .await
    .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e).context("export task failed")))?
    .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("cannot write the export: {e}")))
}

/// The questions matching `filter` as a package: `cau-hoi.xlsx` and the pictures they name
/// under `anh/` ([`question_bank::package`]).
pub async fn export_package(
    state: &AppState,
    user: UserId,
    filter: &Filter,
    seed: Option<u64>,
) -> Result<Vec<u8>, ApiError> {
    let sheet = export_questions(state, user, filter, Format::Xlsx, seed).await?;
    // Read the names back from the sheet just written, so the zip holds exactly what it names.
    let report = question_bank::read_with(&sheet, "cau-hoi.xlsx", &ReadOptions::default());
    let store = crate::app::images::store(state);
    let mut images = std::collections::BTreeMap::new();
    for q in &report.questions {
        for (_, name) in crate::app::images::named_in(q) {
            if images.contains_key(name) {
                continue;
            }
            match store.read(name).await {
                Ok(Some(bytes)) => {
                    images.insert(name.to_owned(), bytes);
                }
                // A picture lost from the disk leaves its name in the sheet; the import of the
                // package will say which one is missing.
                Ok(None) => tracing::warn!(image = name, "a question names a missing picture"),
                Err(e) => return Err(crate::app::images::unavailable(e, "cannot read a picture")),
            }
        }
    }
    crate::telemetry::spawn_blocking_with_tracing(move || {
        question_bank::package::write("cau-hoi.xlsx", &sheet, &images)
    })
    .await
    .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e).context("export task failed")))?
    .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("cannot write the package: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn model_paths_become_pointers() {
        assert_eq!(
            super::model_path_to_pointer("options[1].text"),
            "/options/1/text"
        );
        assert_eq!(super::model_path_to_pointer("topic.code"), "/topic/code");
        assert_eq!(super::model_path_to_pointer("text"), "/text");
    }
}

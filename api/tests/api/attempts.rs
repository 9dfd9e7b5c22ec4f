//! Taking a contest over HTTP: start, answer, finish, resume, limits, deadlines, recovery.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use dautri_api::domain::ids::AttemptId;
use dautri_api::domain::ids::ContestId;
use dautri_api::domain::ids::RoundId;
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{
    Backend, TestApp, TestUser, assert_problem, pointers, spawn_app, spawn_app_with,
};

both_backends!(
    boards_results_and_voids_over_http,
    a_moved_branch_takes_its_results_along,
    who_sees_a_board_follows_the_contest_setting,
    the_rebuild_command_restores_the_boards,
    live_events_follow_the_board,
    a_member_takes_an_attempt_from_start_to_result,
    no_member_facing_response_reveals_the_key_before_review_allows,
    concurrent_starts_never_exceed_the_attempt_limit,
    concurrent_saves_and_finishes_give_one_result,
    answers_must_belong_to_the_attempt,
    attempts_follow_the_rules_of_the_round,
    a_start_follows_the_round_as_just_edited,
    eligibility_decides_who_may_start,
    each_attempt_draws_its_own_questions,
    review_settings_decide_what_a_member_sees,
    item_statistics_follow_the_answers,
    true_false_options_follow_the_round_shuffle_setting,
    a_result_that_missed_the_boards_reaches_them,
    a_restore_never_replays_an_older_journal_over_newer_answers,
    the_journal_keeps_the_newest_save_whatever_the_batch,
    a_bank_change_reaches_the_next_start,
);

/// A contest with a round and a bank of `n` true/false questions whose correct option is known.
pub(crate) struct Setup {
    pub(crate) unit: UnitId,
    pub(crate) organizer: TestUser,
    pub(crate) contest_id: String,
    pub(crate) round_id: String,
    /// question id → correct option id
    pub(crate) key: HashMap<String, String>,
}

pub(crate) async fn setup(app: &TestApp, n: usize, round: Value) -> Setup {
    let unit = app
        .unit(
            &format!("U{}", &Uuid::now_v7().simple().to_string()[20..]),
            None,
        )
        .await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    let mut key = HashMap::new();
    for i in 0..n {
        let body = json!({
            "unit_id": unit.into_uuid(), "kind": "single",
            "text": format!("Câu hỏi số {i}: đáp án đúng là A?"),
            "options": [{"text": "A", "correct": true}, {"text": "B"}, {"text": "C"}],
            "topic": {"code": "law", "name": "Pháp luật"},
        });
        let q: Value = app
            .post("/api/v1/questions", Some(&organizer.access), &body)
            .await
            .json()
            .await
            .expect("json");
        let correct = q["options"]
            .as_array()
            .expect("options")
            .iter()
            .find(|o| o["correct"] == true)
            .expect("correct")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        key.insert(q["id"].as_str().expect("id").to_owned(), correct);
    }
    let contest: Value = app.post("/api/v1/contests", Some(&organizer.access), &json!({"title": "Cuộc thi thử nghiệm", "unit_id": unit.into_uuid(), "eligibility": {"unit_id": unit.into_uuid()}, "leaderboard_visibility": "public"})).await.json().await.expect("json");
    let contest_id = contest["id"].as_str().expect("id").to_owned();
    let r = app
        .post(
            &format!("/api/v1/contests/{contest_id}/rounds"),
            Some(&organizer.access),
            &round,
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let round: Value = r.json().await.expect("json");
    Setup {
        unit,
        organizer,
        contest_id,
        round_id: round["id"].as_str().expect("id").to_owned(),
        key,
    }
}

pub(crate) fn round(
    questions: u32,
    attempts: Option<u32>,
    opens_in_s: i64,
    closes_in_s: i64,
) -> Value {
    let now = Utc::now();
    json!({
        "name": "Tuần 1",
        "opens_at": (now + chrono::Duration::seconds(opens_in_s)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::seconds(closes_in_s)).to_rfc3339(),
        "questions_per_attempt": questions,
        "time_limit_seconds": 600,
        "attempts_allowed": attempts,
        "pool": {"quotas": [{"topic": "law", "count": questions}]},
        "points_per_question": 10,
        "review": "score_only",
    })
}

/// Retires one of the round's questions through `app`; its id.
pub(crate) async fn retire_a_question(app: &TestApp, s: &Setup) -> String {
    let retired = s.key.keys().next().expect("a question").clone();
    let r = app
        .patch(
            &format!("/api/v1/questions/{retired}"),
            Some(&s.organizer.access),
            &json!({"status": "retired"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    retired
}

/// Makes the boards of the contest of `s` its organizers' only.
pub(crate) async fn boards_for_organizers_only(app: &TestApp, s: &Setup) {
    let r = app
        .patch(
            &format!("/api/v1/contests/{}", s.contest_id),
            Some(&s.organizer.access),
            &json!({"leaderboard_visibility": "organizers"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
}

pub(crate) async fn start(app: &TestApp, s: &Setup, user: &TestUser) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/rounds/{}/attempts", s.round_id)))
        .bearer_auth(&user.access)
        .send()
        .await
        .expect("request")
}

pub(crate) async fn started(app: &TestApp, s: &Setup, user: &TestUser) -> Value {
    let r = start(app, s, user).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    r.json().await.expect("json")
}

fn option_ids(q: &Value) -> Vec<String> {
    q["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

pub(crate) async fn answer(
    app: &TestApp,
    user: &TestUser,
    attempt: &str,
    question: &str,
    options: &[String],
) -> reqwest::Response {
    app.put(
        &format!("/api/v1/attempts/{attempt}/answers/{question}"),
        Some(&user.access),
        &json!({"option_ids": options}),
    )
    .await
}

async fn finish(app: &TestApp, user: &TestUser, attempt: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/attempts/{attempt}/finish"),
        Some(&user.access),
        &body,
    )
    .await
}

async fn a_member_takes_an_attempt_from_start_to_result(app: &TestApp) {
    let s = setup(app, 5, round(4, Some(2), -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    let id = attempt["id"].as_str().expect("id").to_owned();
    let questions = attempt["questions"].as_array().expect("questions").clone();
    assert_eq!(questions.len(), 4);
    assert_eq!(attempt["status"], "open");
    assert_eq!(attempt["answers"], json!({}));
    assert!(attempt["remaining_ms"].as_i64().unwrap_or(0) > 590_000);
    let deadline =
        chrono::DateTime::parse_from_rfc3339(attempt["deadline"].as_str().expect("deadline"))
            .expect("time");
    let server_time =
        chrono::DateTime::parse_from_rfc3339(attempt["server_time"].as_str().expect("time"))
            .expect("time");
    assert!((deadline - server_time).num_seconds() <= 600);
    // Three right, one wrong, one changed from wrong to right.
    for (i, q) in questions.iter().enumerate() {
        let qid = q["id"].as_str().expect("id");
        let correct = s.key[qid].clone();
        let wrong = option_ids(q)
            .into_iter()
            .find(|o| *o != correct)
            .expect("wrong");
        let choice = if i == 0 {
            wrong.clone()
        } else {
            correct.clone()
        };
        let r = answer(app, &member, &id, qid, std::slice::from_ref(&choice)).await;
        assert_eq!(r.status(), StatusCode::OK);
        // Saving the same answer twice is the same.
        assert_eq!(
            answer(app, &member, &id, qid, std::slice::from_ref(&choice))
                .await
                .status(),
            StatusCode::OK
        );
        if i == 3 {
            answer(app, &member, &id, qid, std::slice::from_ref(&wrong)).await;
            answer(app, &member, &id, qid, std::slice::from_ref(&correct)).await;
        }
    }
    // Resume: everything needed to continue.
    let resumed: Value = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(resumed["answers"].as_object().map(|a| a.len()), Some(4));
    assert_eq!(
        resumed["questions"], attempt["questions"],
        "the same questions in the same order"
    );
    let missing = finish(app, &member, &id, json!({"prediction": -5})).await;
    assert_eq!(
        pointers(
            &assert_problem(
                missing,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        vec!["/prediction"]
    );
    let r = finish(app, &member, &id, json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let result: Value = r.json().await.expect("json");
    assert_eq!(
        (
            result["score"].clone(),
            result["max_score"].clone(),
            result["correct_count"].clone()
        ),
        (json!(30), json!(40), json!(3))
    );
    assert_eq!(result["counted"], true);
    let again: Value = finish(app, &member, &id, json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again, result, "finishing again returns the same result");
    let late = answer(
        app,
        &member,
        &id,
        questions[0]["id"].as_str().expect("id"),
        &[s.key[questions[0]["id"].as_str().expect("id")].clone()],
    )
    .await;
    assert_problem(late, StatusCode::CONFLICT, "attempt_closed").await;
    let mine: Value = app
        .get(
            &format!("/api/v1/me/attempts?round_id={}", s.round_id),
            Some(&member.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["result"]["score"], 30);
    // The database holds the result and the answers.
    let record = dautri_api::persistence::attempts::get(&app.state.db, id.parse().expect("uuid"))
        .await
        .expect("record");
    assert_eq!((record.finished, record.score), (true, Some(30)));
    assert_eq!(
        dautri_api::persistence::attempts::answers(&app.state.db, record.id)
            .await
            .expect("answers")
            .len(),
        4
    );
    // A second attempt that scores less does not count; the first stays the counted one.
    let second = started(app, &s, &member).await;
    let second_id = second["id"].as_str().expect("id");
    let result2: Value = finish(app, &member, second_id, json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (result2["score"].clone(), result2["counted"].clone()),
        (json!(0), json!(false))
    );
    let exhausted = start(app, &s, &member).await;
    assert_problem(exhausted, StatusCode::CONFLICT, "attempts_exhausted").await;
}

fn assert_no_key(value: &Value, context: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                // `review` as a string is the round's setting; as a list it would be the key.
                let is_key = k == "correct"
                    || k == "correct_option_ids"
                    || (k == "review" && !v.is_string());
                assert!(!is_key, "{context}: member response contains `{k}`");
                assert_no_key(v, context);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| assert_no_key(v, context)),
        _ => {}
    }
}

async fn no_member_facing_response_reveals_the_key_before_review_allows(app: &TestApp) {
    let mut r = round(3, None, -60, 3600);
    r["review"] = json!("after_close");
    let s = setup(app, 3, r).await;
    let member = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    assert_no_key(&attempt, "start");
    let id = attempt["id"].as_str().expect("id");
    let q = &attempt["questions"][0];
    let saved: Value = answer(
        app,
        &member,
        id,
        q["id"].as_str().expect("id"),
        &option_ids(q)[..1],
    )
    .await
    .json()
    .await
    .expect("json");
    assert_no_key(&saved, "answer");
    let resumed: Value = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert_no_key(&resumed, "resume");
    let result: Value = finish(app, &member, id, json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_no_key(&result, "finish");
    let after: Value = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert_no_key(&after, "after finish, round still open");
    for path in [
        format!("/api/v1/rounds/{}", s.round_id),
        format!("/api/v1/contests/{}/rounds", s.contest_id),
        format!("/api/v1/contests/{}", s.contest_id),
        "/api/v1/contests".to_owned(),
        "/api/v1/me/attempts".to_owned(),
    ] {
        let body: Value = app
            .get(&path, Some(&member.access))
            .await
            .json()
            .await
            .expect("json");
        assert_no_key(&body, &path);
    }
    // Once the round has closed, `after_close` shows the key.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let model = dautri_api::persistence::entities::rounds::Entity::find_by_id(
        s.round_id.parse::<Uuid>().expect("uuid"),
    )
    .one(&app.state.db)
    .await
    .expect("db")
    .expect("round");
    let mut active: dautri_api::persistence::entities::rounds::ActiveModel = model.into();
    active.closes_at = Set(Utc::now() - chrono::Duration::seconds(1));
    active.update(&app.state.db).await.expect("close the round");
    let closed: Value = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    let review = closed["review"].as_array().expect("review after close");
    assert_eq!(review.len(), 3);
    assert_eq!(
        review[0]["correct_option_ids"][0].as_str(),
        Some(s.key[review[0]["question_id"].as_str().expect("id")].as_str())
    );
}

async fn concurrent_starts_never_exceed_the_attempt_limit(app: &TestApp) {
    let s = setup(app, 3, round(2, Some(1), -60, 3600)).await;
    let member = app.member(s.unit).await;
    let responses = futures_util::future::join_all((0..10).map(|_| start(app, &s, &member))).await;
    let statuses: Vec<StatusCode> = responses.iter().map(|r| r.status()).collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let mine = dautri_api::persistence::attempts::of_user_in_round(
        &app.state.db,
        member.id,
        s.round_id.parse().expect("uuid"),
    )
    .await
    .expect("db");
    assert_eq!(mine.len(), 1);
}

async fn concurrent_saves_and_finishes_give_one_result(app: &TestApp) {
    let s = setup(app, 10, round(10, None, -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    let id = attempt["id"].as_str().expect("id").to_owned();
    let questions = attempt["questions"].as_array().expect("questions").clone();
    // 50 saves: every question answered right five times over, concurrently.
    let saves = (0..50).map(|i| {
        let q = &questions[i % questions.len()];
        let qid = q["id"].as_str().expect("id").to_owned();
        let correct = s.key[&qid].clone();
        let (member, id) = (&member, id.clone());
        async move { answer(app, member, &id, &qid, &[correct]).await.status() }
    });
    let statuses = futures_util::future::join_all(saves).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let finishes =
        futures_util::future::join_all((0..10).map(|_| finish(app, &member, &id, json!({})))).await;
    let mut results = Vec::new();
    for r in finishes {
        assert_eq!(r.status(), StatusCode::OK);
        results.push(r.json::<Value>().await.expect("json"));
    }
    assert!(
        results.iter().all(|r| *r == results[0]),
        "one result: {results:?}"
    );
    assert_eq!(results[0]["score"], 100);
    assert_eq!(results[0]["correct_count"], 10);
}

async fn answers_must_belong_to_the_attempt(app: &TestApp) {
    let s = setup(app, 3, round(2, None, -60, 3600)).await;
    let member = app.member(s.unit).await;
    let other = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    let id = attempt["id"].as_str().expect("id");
    let q = &attempt["questions"][0];
    let qid = q["id"].as_str().expect("id");
    let opts = option_ids(q);
    let r = answer(app, &member, id, &Uuid::now_v7().to_string(), &opts[..1]).await;
    assert_eq!(
        pointers(&assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["/question_id"]
    );
    let r = answer(app, &member, id, qid, &[Uuid::now_v7().to_string()]).await;
    assert_eq!(
        pointers(&assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["/option_ids"]
    );
    let r = answer(app, &member, id, qid, &opts[..2]).await;
    assert_eq!(
        pointers(&assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["/option_ids"]
    );
    // Someone else's attempt does not exist for them.
    assert_problem(
        answer(app, &other, id, qid, &opts[..1]).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/attempts/{id}"), Some(&other.access))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        finish(app, &other, id, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn attempts_follow_the_rules_of_the_round(app: &TestApp) {
    // A round in the past and one in the future: no sleeping, just their windows.
    let past = setup(app, 2, round(1, None, -7200, -3600)).await;
    let member = app.member(past.unit).await;
    assert_problem(
        start(app, &past, &member).await,
        StatusCode::CONFLICT,
        "round_not_open",
    )
    .await;
    let future = setup(app, 2, round(1, None, 3600, 7200)).await;
    let member = app.member(future.unit).await;
    assert_problem(
        start(app, &future, &member).await,
        StatusCode::CONFLICT,
        "round_not_open",
    )
    .await;
    // One attempt at a time.
    let open = setup(app, 2, round(1, None, -60, 3600)).await;
    let member = app.member(open.unit).await;
    started(app, &open, &member).await;
    assert_problem(
        start(app, &open, &member).await,
        StatusCode::CONFLICT,
        "attempt_in_progress",
    )
    .await;
    // The deadline never passes the round's close.
    let closing = setup(app, 2, round(1, None, -60, 120)).await;
    let member = app.member(closing.unit).await;
    let attempt = started(app, &closing, &member).await;
    assert!(
        attempt["remaining_ms"].as_i64().unwrap_or(i64::MAX) <= 120_000,
        "{}",
        attempt["remaining_ms"]
    );
}

/// Starts read the round and its contest from a cache: the first start must still freeze the
/// round's rules, and an edit must reach the very next start.
async fn a_start_follows_the_round_as_just_edited(app: &TestApp) {
    let s = setup(app, 2, round(1, None, -60, 120)).await;
    let first = app.member(s.unit).await;
    let attempt = started(app, &s, &first).await;
    let remaining = attempt["remaining_ms"].as_i64().unwrap_or(i64::MAX);
    assert!(remaining <= 120_000, "cut at the close: {remaining}");
    // The first start froze the rules.
    let url = format!("/api/v1/rounds/{}", s.round_id);
    assert_problem(
        app.patch(
            &url,
            Some(&s.organizer.access),
            &json!({"time_limit_seconds": 900}),
        )
        .await,
        StatusCode::CONFLICT,
        "round_started",
    )
    .await;
    // A later close is still allowed, and the next start's deadline follows it.
    let later = (Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let r = app
        .patch(
            &url,
            Some(&s.organizer.access),
            &json!({"closes_at": later}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let second = app.member(s.unit).await;
    let attempt = started(app, &s, &second).await;
    let remaining = attempt["remaining_ms"].as_i64().unwrap_or(0);
    assert!(
        remaining > 500_000,
        "the full time limit of 600 s once the close moved: {remaining}"
    );
    // Before anyone starts, an outsider's refused start has read the round into the cache; the
    // organizer then moves the opening to tomorrow, and a member's start sees that at once.
    let s2 = setup(app, 2, round(1, None, -60, 3600)).await;
    let outsider = app.member(app.unit("OUTSIDE-2", None).await).await;
    assert_problem(
        start(app, &s2, &outsider).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    let r = app
        .patch(
            &format!("/api/v1/rounds/{}", s2.round_id),
            Some(&s2.organizer.access),
            &json!({"opens_at": tomorrow.to_rfc3339(), "closes_at": (tomorrow + chrono::Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let member = app.member(s2.unit).await;
    assert_problem(
        start(app, &s2, &member).await,
        StatusCode::CONFLICT,
        "round_not_open",
    )
    .await;
}

async fn eligibility_decides_who_may_start(app: &TestApp) {
    let s = setup(app, 2, round(1, None, -60, 3600)).await;
    let outsider_unit = app.unit("OUTSIDE", None).await;
    let outsider = app.member(outsider_unit).await;
    assert_problem(
        start(app, &s, &outsider).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Organizers excluded by role may not enter their own contest.
    let patched = app
        .patch(
            &format!("/api/v1/contests/{}", s.contest_id),
            Some(&s.organizer.access),
            &json!({"eligibility": {"unit_id": s.unit.into_uuid(), "excluded_roles": ["organizer"]}}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    assert_problem(
        start(app, &s, &s.organizer).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let branch = app.unit("EXCLUDED-BRANCH", Some(s.unit)).await;
    let excluded = app.member(branch).await;
    app.patch(
        &format!("/api/v1/contests/{}", s.contest_id),
        Some(&s.organizer.access),
        &json!({"eligibility": {"unit_id": s.unit.into_uuid(), "excluded_unit_ids": [branch.into_uuid()]}}),
    )
    .await;
    assert_problem(
        start(app, &s, &excluded).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn each_attempt_draws_its_own_questions(app: &TestApp) {
    let s = setup(app, 12, round(3, None, -60, 3600)).await;
    let mut draws = Vec::new();
    let mut orders = Vec::new();
    for _ in 0..6 {
        let member = app.member(s.unit).await;
        let attempt = started(app, &s, &member).await;
        let mut ids: Vec<String> = attempt["questions"]
            .as_array()
            .expect("q")
            .iter()
            .map(|q| q["id"].as_str().expect("id").to_owned())
            .collect();
        orders.push(
            attempt["questions"][0]["options"]
                .as_array()
                .expect("o")
                .iter()
                .map(|o| o["text"].as_str().expect("t").to_owned())
                .collect::<Vec<_>>(),
        );
        ids.sort();
        draws.push(ids);
    }
    draws.sort();
    draws.dedup();
    assert!(
        draws.len() > 1,
        "six attempts drew the very same questions: {draws:?}"
    );
    orders.sort();
    orders.dedup();
    assert!(orders.len() > 1, "options were never shuffled: {orders:?}");
}

async fn review_settings_decide_what_a_member_sees(app: &TestApp) {
    let mut r = round(2, None, -60, 3600);
    r["review"] = json!("none");
    let s = setup(app, 2, r).await;
    let member = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    let result: Value = finish(app, &member, attempt["id"].as_str().expect("id"), json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            result["score"].clone(),
            result["max_score"].clone(),
            result["correct_count"].clone(),
            result["counted"].clone()
        ),
        (Value::Null, Value::Null, Value::Null, Value::Null)
    );
    // Nor do the boards tell: not the member's place, not the round's or the contest's board,
    // not the units' tallies, not the live stream. Its organizers see them all.
    let hidden = [
        format!("/api/v1/rounds/{}/leaderboard", s.round_id),
        format!("/api/v1/rounds/{}/leaderboard/me", s.round_id),
        format!("/api/v1/rounds/{}/units", s.round_id),
        format!("/api/v1/rounds/{}/live", s.round_id),
        format!("/api/v1/contests/{}/leaderboard", s.contest_id),
        format!("/api/v1/contests/{}/leaderboard/me", s.contest_id),
        format!("/api/v1/contests/{}/units", s.contest_id),
    ];
    for path in &hidden {
        assert_problem(
            app.get(path, Some(&member.access)).await,
            StatusCode::FORBIDDEN,
            "results_not_published",
        )
        .await;
    }
    for path in hidden
        .iter()
        .filter(|p| !p.ends_with("/me") && !p.ends_with("/live"))
    {
        let r = app.get(path, Some(&s.organizer.access)).await;
        assert_eq!(r.status(), StatusCode::OK, "{path} for its organizer");
    }
    let board: Value = app
        .get(
            &format!("/api/v1/rounds/{}/leaderboard", s.round_id),
            Some(&s.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["total"], 1, "the organizer sees the live board");
}

/// With a round closing in two seconds and no grace, answers after the deadline are refused and
/// the server finishes the attempt itself. Waiting is the behaviour under test: the server's
/// own clock passing the deadline.
async fn deadlines(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.attempt_grace_seconds = 0;
        s.auto_finish = true;
    })
    .await;
    // The round closes a few seconds after it is created (arranging it takes a moment on a busy
    // machine); the attempt's deadline is the round's close.
    let s = setup(&app, 3, round(2, None, -60, 8)).await;
    let member = app.member(s.unit).await;
    let attempt = started(&app, &s, &member).await;
    let deadline =
        chrono::DateTime::parse_from_rfc3339(attempt["deadline"].as_str().expect("deadline"))
            .expect("time")
            .with_timezone(&Utc);
    let id = attempt["id"].as_str().expect("id").to_owned();
    let q = &attempt["questions"][0];
    let qid = q["id"].as_str().expect("id").to_owned();
    assert_eq!(
        answer(&app, &member, &id, &qid, &[s.key[&qid].clone()])
            .await
            .status(),
        StatusCode::OK
    );
    let wait = (deadline - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(300);
    assert!(
        wait < Duration::from_secs(10),
        "deadline {deadline} is too far off"
    );
    tokio::time::sleep(wait).await;
    assert_problem(
        answer(&app, &member, &id, &qid, &[s.key[&qid].clone()]).await,
        StatusCode::CONFLICT,
        "attempt_closed",
    )
    .await;
    // The auto-finisher finishes it without anyone asking (within a few seconds).
    let attempt_id: Uuid = id.parse().expect("uuid");
    let mut finished = None;
    for _ in 0..50 {
        let record =
            dautri_api::persistence::attempts::get(&app.state.db, AttemptId::from_uuid(attempt_id))
                .await
                .expect("record");
        if record.finished {
            finished = Some(record);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let record = finished.expect("finished by the server");
    assert_eq!(record.score, Some(10), "scored with what it had");
    assert_eq!(
        record.finished_at,
        Some(record.deadline),
        "stamped at the deadline"
    );
    let shown: Value = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shown["status"], "finished");
    assert_eq!(shown["result"]["score"], 10);
    app.cleanup().await;
}

#[tokio::test]
async fn answers_after_the_deadline_are_refused_and_the_server_finishes_the_attempt_embedded() {
    deadlines(Backend::Embedded).await;
}

#[tokio::test]
async fn answers_after_the_deadline_are_refused_and_the_server_finishes_the_attempt_services() {
    deadlines(Backend::Services).await;
}

/// Deletes every key of the app's prefix from Redis, as a Redis restarted empty would.
async fn empty_redis(app: &TestApp) {
    let dautri_api::scoring::Store::Redis(redis) = &app.state.store else {
        panic!("services backend uses Redis")
    };
    let mut conn = redis.connection();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", app.state.keys.prefix()))
        .query_async(&mut conn)
        .await
        .expect("keys");
    assert!(!keys.is_empty());
    let _: () = redis::cmd("DEL")
        .arg(keys)
        .query_async(&mut conn)
        .await
        .expect("del");
}

/// The member answers questions `range` of their attempt rightly, each acknowledged.
async fn answer_right(
    app: &TestApp,
    s: &Setup,
    member: &TestUser,
    attempt: &Value,
    range: std::ops::Range<usize>,
) {
    let id = attempt["id"].as_str().expect("id");
    for q in &attempt["questions"].as_array().expect("q")[range] {
        let qid = q["id"].as_str().expect("id");
        assert_eq!(
            answer(app, member, id, qid, &[s.key[qid].clone()])
                .await
                .status(),
            StatusCode::OK
        );
    }
}

/// The attempt's answers in the journal.
async fn journaled(app: &TestApp, attempt: &Value) -> usize {
    let id = AttemptId::from_uuid(attempt["id"].as_str().expect("id").parse().expect("uuid"));
    dautri_api::persistence::attempts::answers(&app.state.db, id)
        .await
        .expect("answers")
        .len()
}

/// The member's first two answers, acknowledged and journaled; then the journal's table locked
/// against writes (reads go on), so the next answer is acknowledged and not yet journaled.
async fn two_journaled_then_locked(
    app: &TestApp,
    s: &Setup,
    member: &TestUser,
    attempt: &Value,
) -> sea_orm::DatabaseTransaction {
    answer_right(app, s, member, attempt, 0..2).await;
    // Acknowledged before their write, journaled moments later.
    for _ in 0..250 {
        if journaled(app, attempt).await == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(journaled(app, attempt).await, 2);
    lock_journal(app).await
}

/// Holds back the journal's writes until the returned transaction ends; reads go on.
async fn lock_journal(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let lock = app.state.db.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE attempt_answers IN SHARE MODE")
        .await
        .expect("lock");
    lock
}

/// The member answers the attempt's `i`-th question rightly on the server at `address`.
async fn answer_right_on(
    app: &TestApp,
    address: &str,
    s: &Setup,
    member: &TestUser,
    attempt: &Value,
    i: usize,
) -> StatusCode {
    let id = attempt["id"].as_str().expect("id");
    let qid = attempt["questions"][i]["id"].as_str().expect("id");
    app.client
        .put(format!("{address}/api/v1/attempts/{id}/answers/{qid}"))
        .bearer_auth(&member.access)
        .json(&json!({"option_ids": [s.key[qid].clone()]}))
        .send()
        .await
        .expect("answer")
        .status()
}

/// Reads (so resumes) the member's attempt `id` while `lock` is released after `after`.
async fn resume_unlocking(
    app: &TestApp,
    member: &TestUser,
    id: &str,
    lock: sea_orm::DatabaseTransaction,
    after: Duration,
) -> Value {
    let (resumed, ()) = tokio::join!(
        async {
            app.get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
                .await
                .json::<Value>()
                .await
                .expect("json")
        },
        async {
            tokio::time::sleep(after).await;
            lock.rollback().await.expect("unlock");
        }
    );
    resumed
}

/// Redis loses everything mid-attempt, right after an answer was acknowledged and before the
/// journal could write it (a lock holds the write back): reading the attempt restores it only
/// once this instance has written what it acknowledged, so it comes back with every
/// acknowledged answer and finishes with the right score.
#[tokio::test]
async fn an_attempt_survives_redis_losing_its_data() {
    use dautri_api::persistence::journal;
    let app = spawn_app(Backend::Services).await;
    let s = setup(&app, 4, round(4, None, -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(&app, &s, &member).await;
    let id = attempt["id"].as_str().expect("id").to_owned();
    let lock = two_journaled_then_locked(&app, &s, &member, &attempt).await;
    answer_right(&app, &s, &member, &attempt, 2..3).await;
    assert_eq!(
        journaled(&app, &attempt).await,
        2,
        "the third is acknowledged once in Redis, before the journal's write"
    );
    empty_redis(&app).await;
    // Unlocked later than the restore waits for other instances' journals: only waiting for
    // this instance's own write brings the third answer back.
    let resumed = resume_unlocking(
        &app,
        &member,
        &id,
        lock,
        journal::HORIZON + Duration::from_millis(500),
    )
    .await;
    assert_eq!(
        resumed["answers"].as_object().map(|a| a.len()),
        Some(3),
        "{resumed}"
    );
    let result: Value = finish(&app, &member, &id, json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(result["score"], 30);
    app.cleanup().await;
}

/// As above, but the answer the journal has not written yet was acknowledged by another
/// instance: the instance that restores the attempt cannot write it, so it gives the others
/// [`journal::HORIZON`] to write what they acknowledged before it reads the journal.
#[tokio::test]
async fn an_answer_another_instance_acknowledged_survives_redis_losing_its_data() {
    use dautri_api::persistence::journal;
    let app = spawn_app(Backend::Services).await;
    let peer = crate::helpers::spawn_peer(&app, |_| {}).await;
    let s = setup(&app, 4, round(4, None, -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(&app, &s, &member).await;
    let id = attempt["id"].as_str().expect("id").to_owned();
    let lock = two_journaled_then_locked(&app, &s, &member, &attempt).await;
    assert_eq!(
        answer_right_on(&app, &peer.address, &s, &member, &attempt, 2).await,
        StatusCode::OK
    );
    assert_eq!(journaled(&app, &attempt).await, 2);
    empty_redis(&app).await;
    // Unlocked well within the horizon, as a journal that keeps up writes.
    let resumed = resume_unlocking(&app, &member, &id, lock, journal::HORIZON / 4).await;
    assert_eq!(
        resumed["answers"].as_object().map(|a| a.len()),
        Some(3),
        "{resumed}"
    );
    peer.kill().await;
    app.cleanup().await;
}

/// A server told to stop writes the answers it acknowledged before their journal write
/// before it ends: a rolling restart leaves nothing that only Redis knows.
#[tokio::test]
async fn a_stopping_server_journals_what_it_acknowledged() {
    let app = spawn_app(Backend::Services).await;
    let s = setup(&app, 4, round(4, None, -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(&app, &s, &member).await;
    // A second server on the same database and store, stopped below.
    let mut settings = (*app.state.settings).clone();
    settings.port = 0;
    let server = dautri_api::startup::Application::build(settings)
        .await
        .expect("builds");
    let (address, handle) = (
        format!("http://127.0.0.1:{}", server.port()),
        server.handle(),
    );
    let serving = tokio::spawn(server.run_until_stopped());
    let lock = lock_journal(&app).await;
    assert_eq!(
        answer_right_on(&app, &address, &s, &member, &attempt, 0).await,
        StatusCode::OK
    );
    handle.stop(true).await;
    let ((), stopped) = tokio::join!(
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            lock.rollback().await.expect("unlock");
        },
        serving
    );
    stopped.expect("join").expect("served");
    assert_eq!(
        journaled(&app, &attempt).await,
        1,
        "the server ended before journaling what it acknowledged"
    );
    app.cleanup().await;
}

/// With `DAUTRI_ATTEMPT__ACKNOWLEDGE=journaled` an acknowledged answer is already in the
/// journal: no waiting for a background write.
#[tokio::test]
async fn an_answer_acknowledged_once_journaled_is_in_the_database_at_once() {
    let app = spawn_app_with(Backend::Services, |s| {
        s.acknowledge = dautri_api::config::Acknowledge::Journaled;
    })
    .await;
    let s = setup(&app, 4, round(4, None, -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(&app, &s, &member).await;
    answer_right(&app, &s, &member, &attempt, 0..3).await;
    assert_eq!(journaled(&app, &attempt).await, 3);
    app.cleanup().await;
}

/// The store is emptied after results were counted: the rebuild from the database restores
/// the same counters and best attempts, and a second check finds nothing to do.
#[tokio::test]
async fn a_rebuilt_store_equals_the_live_one() {
    // With the background tasks on, start-up checks the store and marks it ready.
    let app = spawn_app_with(Backend::Services, |s| s.auto_finish = true).await;
    let s = setup(&app, 4, round(4, Some(3), -60, 3600)).await;
    let round_id: Uuid = s.round_id.parse().expect("uuid");
    let contest_id: Uuid = s.contest_id.parse().expect("uuid");
    let mut users = Vec::new();
    for answers_right in [4usize, 2, 0] {
        let member = app.member(s.unit).await;
        for _ in 0..2 {
            let attempt = started(&app, &s, &member).await;
            let id = attempt["id"].as_str().expect("id").to_owned();
            for q in attempt["questions"]
                .as_array()
                .expect("q")
                .iter()
                .take(answers_right)
            {
                let qid = q["id"].as_str().expect("id");
                answer(&app, &member, &id, qid, &[s.key[qid].clone()]).await;
            }
            assert_eq!(
                finish(&app, &member, &id, json!({})).await.status(),
                StatusCode::OK
            );
        }
        users.push(member);
    }
    let keys = &app.state.keys;
    let counters = app
        .state
        .store
        .round_counters(
            keys,
            ContestId::from_uuid(contest_id),
            RoundId::from_uuid(round_id),
        )
        .await
        .expect("counters");
    assert_eq!(counters.participants, 3);
    let board = dautri_api::scoring::Board::Round {
        contest_id: ContestId::from_uuid(contest_id),
        round_id: RoundId::from_uuid(round_id),
        unit_id: None,
    };
    let mut best = Vec::new();
    for u in &users {
        best.push(
            app.state
                .store
                .place_of(keys, &board, u.id.into_uuid())
                .await
                .expect("best"),
        );
    }
    // First check after start-up: the marker is there, nothing to do.
    assert_eq!(
        dautri_api::attempts::ensure_store_ready(&app.state)
            .await
            .expect("check"),
        None
    );
    let dautri_api::scoring::Store::Redis(redis) = &app.state.store else {
        panic!("services backend uses Redis")
    };
    let mut conn = redis.connection();
    let all: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", keys.prefix()))
        .query_async(&mut conn)
        .await
        .expect("keys");
    let _: () = redis::cmd("DEL")
        .arg(all)
        .query_async(&mut conn)
        .await
        .expect("del");
    assert_eq!(
        app.state
            .store
            .round_counters(
                keys,
                ContestId::from_uuid(contest_id),
                RoundId::from_uuid(round_id)
            )
            .await
            .expect("counters")
            .participants,
        0
    );
    let rebuilt = dautri_api::attempts::ensure_store_ready(&app.state)
        .await
        .expect("rebuild")
        .expect("it rebuilt");
    assert_eq!(rebuilt.results_replayed, 6);
    assert_eq!(
        app.state
            .store
            .round_counters(
                keys,
                ContestId::from_uuid(contest_id),
                RoundId::from_uuid(round_id)
            )
            .await
            .expect("counters"),
        counters
    );
    for (u, before) in users.iter().zip(best) {
        assert_eq!(
            app.state
                .store
                .place_of(keys, &board, u.id.into_uuid())
                .await
                .expect("best"),
            before
        );
    }
    assert_eq!(
        dautri_api::attempts::ensure_store_ready(&app.state)
            .await
            .expect("check"),
        None
    );
    app.cleanup().await;
}

async fn item_statistics_follow_the_answers(app: &TestApp) {
    let s = setup(app, 1, round(1, None, -60, 3600)).await;
    let qid = s.key.keys().next().expect("question").clone();
    let url = format!("/api/v1/questions/{qid}/stats");
    let empty: Value = app
        .get(&url, Some(&s.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (empty["times_shown"].clone(), empty["facility"].clone()),
        (json!(0), Value::Null)
    );
    for i in 0..12 {
        let member = app.member(s.unit).await;
        let attempt = started(app, &s, &member).await;
        let id = attempt["id"].as_str().expect("id");
        let q = &attempt["questions"][0];
        let correct = s.key[&qid].clone();
        let wrong_b = q["options"]
            .as_array()
            .expect("o")
            .iter()
            .find(|o| o["text"] == "B")
            .expect("B")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let choice = if i < 9 { correct } else { wrong_b };
        answer(app, &member, id, &qid, &[choice]).await;
        assert_eq!(
            finish(app, &member, id, json!({})).await.status(),
            StatusCode::OK
        );
    }
    let stats: Value = app
        .get(&url, Some(&s.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stats["times_shown"], 12);
    assert_eq!(stats["facility"], 0.75);
    assert_eq!(stats["discrimination"], 1.0);
    let shares: HashMap<String, f64> = stats["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            (
                o["text"].as_str().expect("t").to_owned(),
                o["share"].as_f64().expect("share"),
            )
        })
        .collect();
    assert_eq!((shares["A"], shares["B"], shares["C"]), (0.75, 0.25, 0.0));
    let member = app.member(s.unit).await;
    assert_problem(
        app.get(&url, Some(&member.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

/// Takes one attempt answering the first `right` questions correctly, and finishes it.
async fn attempt_with(app: &TestApp, s: &Setup, member: &TestUser, right: usize) {
    let attempt = started(app, s, member).await;
    let id = attempt["id"].as_str().expect("id").to_owned();
    for (i, q) in attempt["questions"]
        .as_array()
        .expect("q")
        .iter()
        .enumerate()
    {
        let qid = q["id"].as_str().expect("id");
        let pick = if i < right {
            s.key[qid].clone()
        } else {
            option_ids(q)
                .into_iter()
                .find(|o| *o != s.key[qid])
                .expect("a wrong option")
        };
        assert_eq!(
            answer(app, member, &id, qid, &[pick]).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        finish(app, member, &id, json!({})).await.status(),
        StatusCode::OK
    );
}

/// The round's boards while it runs (whole, per subtree, mine, units), then voiding,
/// publishing with prizes, restoring and publishing again.
async fn boards_results_and_voids_over_http(app: &TestApp) {
    let s = setup(app, 4, round(4, None, -60, 10)).await;
    let closes = Utc::now() + chrono::Duration::seconds(10);
    let org = &s.organizer.access;
    let bad = app
        .patch(
            &format!("/api/v1/contests/{}", s.contest_id),
            Some(org),
            &json!({"prizes": {"round": [{"name": "", "count": 0}]}}),
        )
        .await;
    let problem = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        pointers(&problem),
        vec!["/prizes/round/0/name", "/prizes/round/0/count"]
    );
    let r = app
        .patch(
            &format!("/api/v1/contests/{}", s.contest_id),
            Some(org),
            &json!({"prizes": {
                "round": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}],
                "units": {"basis": "rate", "tiers": [{"name": "Giải tập thể", "count": 1}]},
                "overall": [{"name": "Giải Nhất chung cuộc", "count": 1}],
                "one_per_person": true,
            }}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    // A branch whose name looks like a formula: exports must not let it run.
    let branch = dautri_api::persistence::units::insert(
        &app.state.db,
        dautri_api::persistence::units::NewUnit {
            id: UnitId::new(),
            parent: Some(
                dautri_api::persistence::units::get(&app.state.db, s.unit)
                    .await
                    .expect("parent"),
            ),
            name: dautri_api::domain::unit::UnitName::parse(
                "=HYPERLINK(\"http://x\",\"Chi đoàn\")",
            )
            .expect("name"),
            code: dautri_api::domain::unit::UnitCode::parse(&format!(
                "B{}",
                &Uuid::now_v7().simple().to_string()[20..]
            ))
            .expect("code"),
            member_count: Some(
                dautri_api::domain::unit::MemberCount::parse(4, None, Utc::now().date_naive())
                    .expect("count"),
            ),
        },
    )
    .await
    .expect("branch")
    .id;
    let (a, b, c) = (
        app.member(s.unit).await,
        app.member(s.unit).await,
        app.member(branch).await,
    );
    attempt_with(app, &s, &a, 4).await;
    attempt_with(app, &s, &b, 2).await;
    attempt_with(app, &s, &c, 3).await;
    let board_url = format!("/api/v1/rounds/{}/leaderboard", s.round_id);
    // The contest's board is public (the default): no token needed.
    let board: Value = app.get(&board_url, None).await.json().await.expect("json");
    assert_eq!(board["state"], "live");
    assert_eq!(board["total"], 3);
    let scores: Vec<i64> = board["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["score"].as_i64().expect("score"))
        .collect();
    assert_eq!(scores, vec![40, 30, 20]);
    let text = board.to_string();
    assert!(
        !text.contains(&a.phone) && !text.contains("phone"),
        "{text}"
    );
    for item in board["items"].as_array().expect("items") {
        let name = item["display_name"].as_str().expect("name");
        assert!(name.ends_with('.') && name.contains(". "), "masked: {name}");
    }
    let sub: Value = app
        .get(&format!("{board_url}?unit_id={}", branch.into_uuid()), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (sub["total"].as_i64(), sub["items"][0]["score"].as_i64()),
        (Some(1), Some(30))
    );
    let me: Value = app
        .get(&format!("{board_url}/me"), Some(&b.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (me["entry"]["rank"].as_i64(), me["entry"]["is_me"].as_bool()),
        (Some(3), Some(true))
    );
    check_live_export(app, &s, &a, branch).await;
    let units: Value = app
        .get(
            &format!("/api/v1/rounds/{}/units?order=score", s.round_id),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(units["parent"]["participants"], 3);
    assert_eq!(units["items"][0]["unit_id"], json!(branch.into_uuid()));
    assert_eq!(units["items"][0]["participants"], 1);
    assert_eq!(units["items"][0]["avg_score"], 30.0);
    let bad = app
        .get(&format!("{board_url}?unit_id={}", Uuid::new_v4()), None)
        .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let publish_url = format!("/api/v1/rounds/{}/publish", s.round_id);
    let early = app.post(&publish_url, Some(org), &json!({})).await;
    assert_problem(early, StatusCode::CONFLICT, "round_not_closed").await;
    let contest_publish = format!("/api/v1/contests/{}/publish", s.contest_id);
    let too_soon = app.post(&contest_publish, Some(org), &json!({})).await;
    assert_problem(too_soon, StatusCode::CONFLICT, "rounds_not_published").await;
    let members_may_not = app.post(&publish_url, Some(&a.access), &json!({})).await;
    assert_eq!(members_may_not.status(), StatusCode::FORBIDDEN);

    // Voiding a's result takes it off the live board at once.
    let void_url = format!(
        "/api/v1/rounds/{}/results/{}/void",
        s.round_id,
        a.id.into_uuid()
    );
    let no_reason = app.post(&void_url, Some(org), &json!({"reason": ""})).await;
    assert_problem(
        no_reason,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let r = app
        .post(&void_url, Some(org), &json!({"reason": "Thi hộ"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let again = app
        .post(&void_url, Some(org), &json!({"reason": "Thi hộ"}))
        .await;
    assert_problem(again, StatusCode::CONFLICT, "already_voided").await;
    let board: Value = app.get(&board_url, None).await.json().await.expect("json");
    assert_eq!(
        (board["total"].as_i64(), board["items"][0]["score"].as_i64()),
        (Some(2), Some(30))
    );

    // After the close (and the grace period), publish: c first, b second.
    let grace = app.state.settings.attempt_grace_seconds;
    let wait =
        closes + chrono::Duration::seconds(i64::try_from(grace).unwrap_or(5) + 1) - Utc::now();
    if let Ok(wait) = wait.to_std() {
        tokio::time::sleep(wait).await;
    }
    let published: Value = app
        .post(&publish_url, Some(org), &json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (published["ranked"].as_i64(), published["prizes"].as_i64()),
        (Some(2), Some(2)),
        "{published}"
    );
    let results_url = format!("/api/v1/rounds/{}/results", s.round_id);
    let results: Value = app
        .get(&results_url, None)
        .await
        .json()
        .await
        .expect("json");
    let lines: Vec<(i64, i64, String)> = results["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["rank"].as_i64().unwrap_or(0),
                i["score"].as_i64().unwrap_or(0),
                i["prize"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![(1, 30, "Giải Nhất".into()), (2, 20, "Giải Nhì".into())]
    );
    let board: Value = app.get(&board_url, None).await.json().await.expect("json");
    assert_eq!(board["state"], "final");

    // Restoring a's result and publishing again recomputes and says what changed.
    let r = app
        .post(
            &format!(
                "/api/v1/rounds/{}/results/{}/restore",
                s.round_id,
                a.id.into_uuid()
            ),
            Some(org),
            &json!({"reason": "Đã xác minh"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let again: Value = app
        .post(&publish_url, Some(org), &json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["republished"], true);
    assert_eq!(again["ranked"], 3);
    assert_eq!(
        again["changed"], 3,
        "a is new, c and b each moved down: {again}"
    );
    let results: Value = app
        .get(&results_url, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(results["items"][0]["score"], 40);
    assert_eq!(results["items"][0]["prize"], "Giải Nhất");
    assert_eq!(results["items"][2]["prize"], Value::Null);
    // The branch (1 of its 4 members took part) is the host's only child with members.
    assert_eq!(
        results["unit_prizes"][0]["unit_id"],
        json!(branch.into_uuid())
    );
    assert_eq!(results["unit_prizes"][0]["rate"], 0.25);
    assert_eq!(results["unit_prizes"][0]["prize"], "Giải tập thể");
    check_exports(app, &s, &a, &c, branch).await;
    // Overall results: with one prize per person, a and c (round prize winners) are passed
    // over and the overall prize goes to b.
    let overall: Value = app
        .post(&contest_publish, Some(org), &json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (overall["ranked"].as_i64(), overall["prizes"].as_i64()),
        (Some(3), Some(1)),
        "{overall}"
    );
    let overall: Value = app
        .get(&format!("/api/v1/contests/{}/results", s.contest_id), None)
        .await
        .json()
        .await
        .expect("json");
    let got: Vec<(i64, i64, Option<&str>)> = overall["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["rank"].as_i64().unwrap_or(0),
                i["score"].as_i64().unwrap_or(0),
                i["prize"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, 40, None),
            (2, 30, None),
            (3, 20, Some("Giải Nhất chung cuộc"))
        ]
    );
    let csv = app
        .get(
            &format!(
                "/api/v1/contests/{}/export?format=csv&report=prizes",
                s.contest_id
            ),
            Some(org),
        )
        .await
        .text()
        .await
        .expect("text");
    let winners: Vec<String> = csv_records(&csv)
        .into_iter()
        .filter(|r| r.get(9).is_some_and(|p| p.starts_with("Giải ")))
        .map(|r| format!("{}|{}", r.get(0).unwrap_or(""), r.get(5).unwrap_or("")))
        .collect();
    assert_eq!(winners, vec!["3|20"]);
    let board: Value = app
        .get(
            &format!("/api/v1/contests/{}/leaderboard", s.contest_id),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (board["state"].as_str(), board["total"].as_i64()),
        (Some("final"), Some(3))
    );
    assert_eq!(board["items"][2]["prize"], "Giải Nhất chung cuộc");
    assert_eq!(board["title"], "Cuộc thi thử nghiệm");
    let voids: Value = app
        .get(&format!("/api/v1/rounds/{}/voids", s.round_id), Some(org))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(voids["total"], 1);
    assert!(voids["items"][0]["lifted_at"].is_string());
}

/// Every record of a CSV export (title lines included), without its byte-order mark.
fn csv_records(body: &str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.expect("record"))
        .collect()
}

/// Before publication the round's export is the live board: rank order, full names and masked
/// phones from the database, the unit's subtree only when a unit is asked for.
async fn check_live_export(app: &TestApp, s: &Setup, a: &TestUser, branch: UnitId) {
    let org = &s.organizer.access;
    let lines = |body: String| -> Vec<Vec<String>> {
        csv_records(&body)
            .iter()
            .map(|r| r.iter().map(str::to_owned).collect())
            .skip_while(|r: &Vec<String>| r.first().map(String::as_str) != Some("Hạng"))
            .skip(1)
            .collect()
    };
    let url = |q: &str| format!("/api/v1/rounds/{}/export?format=csv{q}", s.round_id);
    let r = app.get(&url(""), Some(org)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.expect("text");
    assert!(body.contains("bảng trực tiếp"), "{body}");
    assert!(!body.contains(&a.phone), "{body}");
    let all = lines(body);
    let got: Vec<(&str, &str, &str)> = all
        .iter()
        .map(|l| (l[0].as_str(), l[1].as_str(), l[5].as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("1", "Nguyễn Văn Thử", "40"),
            ("2", "Nguyễn Văn Thử", "30"),
            ("3", "Nguyễn Văn Thử", "20")
        ]
    );
    assert!(all.iter().all(|l| l[2].contains("xx xxx")), "{all:?}");
    let sub = lines(
        app.get(&url(&format!("&unit_id={}", branch.into_uuid())), Some(org))
            .await
            .text()
            .await
            .expect("text"),
    );
    assert_eq!(sub.len(), 1, "{sub:?}");
    assert_eq!((sub[0][0].as_str(), sub[0][5].as_str()), ("1", "30"));
    assert!(sub[0][3].starts_with("'="), "neutralised: {:?}", sub[0]);
}

/// The round's exports parse back to what the results say: XLSX with calamine, CSV with the
/// csv crate; the formula-like unit name stays text; scope and format are checked.
async fn check_exports(app: &TestApp, s: &Setup, a: &TestUser, c: &TestUser, branch: UnitId) {
    use calamine::{Data, Reader, Xlsx};
    let org = &s.organizer.access;
    let url = |q: &str| format!("/api/v1/rounds/{}/export?{q}", s.round_id);
    let r = app.get(&url("format=xlsx"), Some(org)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains(".xlsx")
    );
    let bytes = r.bytes().await.expect("body");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("range");
    let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    let header = rows
        .iter()
        .position(|r| r.first() == Some(&Data::String("Hạng".into())))
        .expect("header row");
    let lines = &rows[header + 1..];
    assert_eq!(lines.len(), 3);
    let text = |d: &Data| d.to_string();
    // Rank, full name (organizers report with it), masked phone, unit, …, score, …, prize.
    assert_eq!(text(&lines[0][0]), "1");
    assert_eq!(text(&lines[0][5]), "40");
    assert_eq!(text(&lines[0][11]), "Giải Nhất");
    assert!(text(&lines[0][2]).contains("xx xxx"), "masked phone");
    assert!(
        !bytes
            .windows(a.phone.len())
            .any(|w| w == a.phone.as_bytes())
    );
    let branch_line = lines
        .iter()
        .find(|l| text(&l[5]) == "30")
        .expect("c's line");
    assert_eq!(
        text(&branch_line[3]),
        "=HYPERLINK(\"http://x\",\"Chi đoàn\")"
    );

    let csv = app.get(&url("format=csv&report=prizes"), Some(org)).await;
    assert_eq!(csv.status(), StatusCode::OK);
    let body = csv.text().await.expect("text");
    let records = csv_records(&body);
    let prize_lines: Vec<&csv::StringRecord> = records
        .iter()
        .filter(|r| r.get(11).is_some_and(|p| p.starts_with("Giải ")))
        .collect();
    assert_eq!(prize_lines.len(), 2);
    let branch_cell = prize_lines
        .iter()
        .find(|r| r.get(5) == Some("30"))
        .and_then(|r| r.get(3))
        .expect("c's unit");
    assert!(branch_cell.starts_with("'="), "neutralised: {branch_cell}");

    // Participation by unit: the branch is 1 of 4 members.
    let units = app
        .get(&url("format=csv&report=units"), Some(org))
        .await
        .text()
        .await
        .expect("text");
    assert!(units.contains("1/4 = 25.0%"), "{units}");
    assert!(units.contains("Tổng cộng"), "{units}");

    // A member may not export; an unknown format is a field error.
    let member = app.get(&url("format=xlsx"), Some(&c.access)).await;
    assert_eq!(member.status(), StatusCode::FORBIDDEN);
    let bad = app.get(&url("format=pdf"), Some(org)).await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // The unit's participation over today (a Vietnamese day): three people, one of them in
    // the branch.
    let today = (Utc::now() + chrono::Duration::hours(7)).date_naive();
    let report: Value = app
        .get(
            &format!(
                "/api/v1/units/{}/participation?from={today}&to={today}",
                s.unit.into_uuid()
            ),
            Some(org),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["total"]["participants"], 3, "{report}");
    let b = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["unit_id"] == json!(branch.into_uuid()))
        .expect("branch line");
    assert_eq!(
        (b["participants"].as_i64(), b["rate_text"].as_str()),
        (Some(1), Some("1/4 = 25.0%"))
    );
}

/// Reads the event stream until an event arrives (its id and data) or `wait` passes.
async fn next_event(
    response: &mut reqwest::Response,
    buffer: &mut String,
    wait: Duration,
) -> Option<(i64, Value)> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(str::to_owned))
            };
            if let (Some(id), Some(data)) = (field("id: "), field("data: ")) {
                return Some((
                    id.parse().expect("numeric id"),
                    serde_json::from_str(&data).expect("json data"),
                ));
            }
            continue;
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .ok()?;
        let bytes = chunk.expect("stream")?;
        buffer.push_str(std::str::from_utf8(&bytes).expect("utf-8"));
    }
}

/// The live stream sends a snapshot, then a new one when a result is recorded; reconnecting
/// with the last id skips the unchanged snapshot.
async fn live_events_follow_the_board(app: &TestApp) {
    let s = setup(app, 3, round(3, None, -60, 3600)).await;
    let (a, b) = (app.member(s.unit).await, app.member(s.unit).await);
    attempt_with(app, &s, &a, 3).await;
    let url = app.url(&format!("/api/v1/rounds/{}/live?top=5", s.round_id));
    let client = reqwest::Client::new();
    let mut live = client.get(&url).send().await.expect("connect");
    assert_eq!(live.status(), StatusCode::OK);
    assert!(
        live.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/event-stream")
    );
    let mut buffer = String::new();
    let (id, first) = next_event(&mut live, &mut buffer, Duration::from_secs(10))
        .await
        .expect("a first snapshot");
    assert_eq!(
        (
            first["participants"].as_i64(),
            first["top"][0]["score"].as_i64()
        ),
        (Some(1), Some(30))
    );
    attempt_with(app, &s, &b, 1).await;
    let (next_id, next) = next_event(&mut live, &mut buffer, Duration::from_secs(10))
        .await
        .expect("an update");
    assert!(next_id > id);
    assert_eq!(next["participants"], 2);
    assert_eq!(next["top"][1]["score"], 10);
    drop(live);
    // Reconnecting with the last id: nothing new, so nothing is sent.
    let mut again = client
        .get(&url)
        .header("Last-Event-ID", next_id.to_string())
        .send()
        .await
        .expect("reconnect");
    let mut buffer = String::new();
    assert_eq!(
        next_event(&mut again, &mut buffer, Duration::from_millis(1500)).await,
        None
    );
    // A stale id gets the current snapshot at once.
    let mut stale = client
        .get(&url)
        .header("Last-Event-ID", id.to_string())
        .send()
        .await
        .expect("reconnect");
    let mut buffer = String::new();
    let (got, _) = next_event(&mut stale, &mut buffer, Duration::from_secs(10))
        .await
        .expect("the current snapshot");
    assert_eq!(got, next_id);
}

/// `api rebuild-boards` replays a contest's results into Redis; with the in-process store it
/// refuses and says where to rebuild instead.
async fn the_rebuild_command_restores_the_boards(app: &TestApp) {
    let s = setup(app, 2, round(2, None, -60, 3600)).await;
    for right in [2, 1, 0] {
        let member = app.member(s.unit).await;
        attempt_with(app, &s, &member, right).await;
    }
    let contest: Uuid = s.contest_id.parse().expect("uuid");
    let url = format!("/api/v1/rounds/{}/leaderboard", s.round_id);
    let before: Value = app.get(&url, None).await.json().await.expect("json");
    assert_eq!(before["total"], 3);
    let out = crate::cli::api(
        app,
        &["rebuild-boards", "--contest", &s.contest_id],
        &[],
        None,
    );
    if app.backend == Backend::Embedded {
        assert!(!out.status.success());
        assert!(
            crate::cli::text(&out).contains("leaderboard/rebuild"),
            "{}",
            crate::cli::text(&out)
        );
        return;
    }
    app.state
        .store
        .clear_contest(&app.state.keys, ContestId::from_uuid(contest))
        .await
        .expect("clear");
    let empty: Value = app.get(&url, None).await.json().await.expect("json");
    assert_eq!(empty["total"], 0);
    let out = crate::cli::api(
        app,
        &["rebuild-boards", "--contest", &s.contest_id],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", crate::cli::text(&out));
    assert!(
        crate::cli::text(&out).contains("3 results counted"),
        "{}",
        crate::cli::text(&out)
    );
    let after: Value = app.get(&url, None).await.json().await.expect("json");
    assert_eq!(after, before);
}

/// Public boards for anyone, members' boards for anyone signed in, organizers' boards for the
/// contest's organizers; the cumulative board and the unit ranking follow the same rule.
async fn who_sees_a_board_follows_the_contest_setting(app: &TestApp) {
    // A new contest's boards are for the people who may enter it unless the organizer chooses.
    let unit = app.unit("BOARD-DEF", None).await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    let fresh: Value = app
        .post(
            "/api/v1/contests",
            Some(&organizer.access),
            &json!({"title": "Cuộc thi mặc định", "unit_id": unit.into_uuid()}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(fresh["leaderboard_visibility"], "members");
    let s = setup(app, 2, round(2, None, -60, 3600)).await;
    let member = app.member(s.unit).await;
    attempt_with(app, &s, &member, 2).await;
    let org = &s.organizer.access;
    let urls = [
        format!("/api/v1/rounds/{}/leaderboard", s.round_id),
        format!("/api/v1/rounds/{}/units", s.round_id),
        format!("/api/v1/contests/{}/leaderboard", s.contest_id),
        format!("/api/v1/contests/{}/units", s.contest_id),
    ];
    let contest_url = format!("/api/v1/contests/{}", s.contest_id);
    let set = |v: &'static str| {
        let body = json!({"leaderboard_visibility": v});
        let url = contest_url.clone();
        async move { app.patch(&url, Some(org), &body).await }
    };
    for url in &urls {
        assert_eq!(app.get(url, None).await.status(), StatusCode::OK, "{url}");
    }
    let contest: Value = app
        .get(
            &format!("/api/v1/contests/{}/leaderboard", s.contest_id),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            contest["total"].as_i64(),
            contest["items"][0]["score"].as_i64()
        ),
        (Some(1), Some(20))
    );
    assert_eq!(set("members").await.status(), StatusCode::OK);
    // Someone signed in who may not enter the contest sees its board no more than the contest.
    let outsider = app.member(app.unit("BOARD-OUT", None).await).await;
    for url in &urls {
        assert_problem(
            app.get(url, None).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        assert_eq!(
            app.get(url, Some(&member.access)).await.status(),
            StatusCode::OK,
            "{url}"
        );
        assert_problem(
            app.get(url, Some(&outsider.access)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    assert_eq!(set("organizers").await.status(), StatusCode::OK);
    for url in &urls {
        assert_problem(
            app.get(url, Some(&member.access)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_eq!(
            app.get(url, Some(org)).await.status(),
            StatusCode::OK,
            "{url}"
        );
    }
    // A member still sees their own place on a members' board.
    assert_eq!(set("members").await.status(), StatusCode::OK);
    let me: Value = app
        .get(
            &format!("/api/v1/contests/{}/leaderboard/me", s.contest_id),
            Some(&member.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (me["ranked"].as_bool(), me["entry"]["rank"].as_i64()),
        (Some(true), Some(1))
    );
}

/// Moving a branch under another unit moves its members' results to the new ancestors' boards
/// (the boards are replayed in the background after the move).
async fn a_moved_branch_takes_its_results_along(app: &TestApp) {
    let s = setup(app, 2, round(2, None, -60, 3600)).await;
    let code = |p: &str| format!("{p}{}", &Uuid::now_v7().simple().to_string()[20..]);
    let (x, y) = (
        app.unit(&code("X"), Some(s.unit)).await,
        app.unit(&code("Y"), Some(s.unit)).await,
    );
    let member = app.member(x).await;
    attempt_with(app, &s, &member, 2).await;
    let board = |unit: UnitId| {
        format!(
            "/api/v1/rounds/{}/leaderboard?unit_id={}",
            s.round_id,
            unit.into_uuid()
        )
    };
    let total = |url: String| async move {
        let v: Value = app.get(&url, None).await.json().await.expect("json");
        v["total"].as_i64()
    };
    assert_eq!(
        (total(board(x)).await, total(board(y)).await),
        (Some(1), Some(0))
    );
    let admin = app
        .with_roles(s.unit, &[(Role::UnitAdmin, Some(s.unit))])
        .await;
    let moved = app
        .patch(
            &format!("/api/v1/units/{}", x.into_uuid()),
            Some(&admin.access),
            &json!({"parent_id": y.into_uuid()}),
        )
        .await;
    assert_eq!(
        moved.status(),
        StatusCode::OK,
        "{}",
        moved.text().await.unwrap_or_default()
    );
    let mut waited = 0;
    while total(board(y)).await != Some(1) {
        assert!(waited < 100, "the move never reached Y's board");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(
        total(board(x)).await,
        Some(1),
        "X still counts its own member"
    );
}

async fn true_false_options_follow_the_round_shuffle_setting(app: &TestApp) {
    // Twelve true/false statements, all stored "Đúng" first.
    let unit = app
        .unit(
            &format!("U{}", &Uuid::now_v7().simple().to_string()[20..]),
            None,
        )
        .await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    for i in 0..12 {
        let body = json!({
            "unit_id": unit.into_uuid(), "kind": "true_false",
            "text": format!("Mệnh đề số {i} là đúng."),
            "options": [{"text": "Đúng", "correct": true}, {"text": "Sai"}],
            "topic": {"code": "tf", "name": "Đúng sai"},
        });
        let r = app
            .post("/api/v1/questions", Some(&organizer.access), &body)
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let member = app.member(unit).await;
    // The option texts of each question of a fresh attempt, in the order shown.
    let shown = |shuffle_options: bool| {
        let organizer = organizer.access.clone();
        let member = member.access.clone();
        async move {
            let contest: Value = app
                .post(
                    "/api/v1/contests",
                    Some(&organizer),
                    &json!({"title": "Cuộc thi đúng sai", "unit_id": unit.into_uuid(), "eligibility": {"unit_id": unit.into_uuid()}}),
                )
                .await
                .json()
                .await
                .expect("json");
            let mut body = round(12, None, -60, 3600);
            body["pool"] = json!({"quotas": [{"topic": "tf", "count": 12}]});
            body["shuffle_options"] = json!(shuffle_options);
            let round: Value = app
                .post(
                    &format!(
                        "/api/v1/contests/{}/rounds",
                        contest["id"].as_str().expect("id")
                    ),
                    Some(&organizer),
                    &body,
                )
                .await
                .json()
                .await
                .expect("json");
            let attempt: Value = app
                .client
                .post(app.url(&format!(
                    "/api/v1/rounds/{}/attempts",
                    round["id"].as_str().expect("id")
                )))
                .bearer_auth(&member)
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            attempt["questions"]
                .as_array()
                .unwrap_or_else(|| panic!("no questions: {attempt}"))
                .iter()
                .map(|q| {
                    q["options"]
                        .as_array()
                        .expect("options")
                        .iter()
                        .map(|o| o["text"].as_str().expect("text").to_owned())
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        }
    };
    let stored = vec!["Đúng".to_owned(), "Sai".to_owned()];
    let shuffled = shown(true).await;
    assert_eq!(shuffled.len(), 12);
    // All twelve left in place by chance: 1 in 4096.
    assert!(
        shuffled.iter().any(|o| *o != stored),
        "true/false options were never shuffled: {shuffled:?}"
    );
    let fixed = shown(false).await;
    assert_eq!(fixed.len(), 12);
    assert!(
        fixed.iter().all(|o| *o == stored),
        "with shuffling off the bank's order is kept: {fixed:?}"
    );
}

/// Finishing commits the result and then records it on the boards; when the store fails in
/// between (a timeout, a failover, a crash at that moment) the result is in the database but on
/// no board. The member's retry records it, and so does the reconciler when no retry comes.
async fn a_result_that_missed_the_boards_reaches_them(app: &TestApp) {
    use dautri_api::persistence::entities::attempts;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

    let s = setup(app, 3, round(3, None, -60, 3600)).await;
    let contest: Uuid = s.contest_id.parse().expect("uuid");
    let board_size = || async {
        let board: Value = app
            .get(
                &format!("/api/v1/rounds/{}/leaderboard", s.round_id),
                Some(&s.organizer.access),
            )
            .await
            .json()
            .await
            .expect("json");
        board["total"].as_u64().expect("total")
    };
    // The store "fails" after the commit: the attempt's result is in the database, the flag
    // says it never reached the boards, and the boards do not have it.
    let lose_recording = |ids: Vec<String>| async move {
        let ids: Vec<Uuid> = ids.iter().map(|a| a.parse().expect("uuid")).collect();
        attempts::Entity::update_many()
            .col_expr(attempts::Column::BoardRecorded, Expr::value(false))
            .filter(attempts::Column::Id.is_in(ids))
            .exec(&app.state.db)
            .await
            .expect("update");
        // An empty staging area promoted over the live boards empties them.
        app.state
            .store
            .clear_staging(&app.state.keys, ContestId::from_uuid(contest))
            .await
            .expect("clear");
        app.state
            .store
            .promote_staging(&app.state.keys, ContestId::from_uuid(contest))
            .await
            .expect("promote");
    };

    let noted = |id: String| async move {
        attempts::Entity::find_by_id(id.parse::<Uuid>().expect("uuid"))
            .one(&app.state.db)
            .await
            .expect("row")
            .expect("exists")
            .board_recorded
    };

    // 1. The member's retry of the finish records it.
    let member = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    let id = attempt["id"].as_str().expect("id").to_owned();
    assert_eq!(
        finish(app, &member, &id, json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(board_size().await, 1);
    // The finish notes it as on the boards with the other finishes of its moment.
    app.state.board_marks.flush().await;
    assert!(
        noted(id.clone()).await,
        "the finish noted it as on the boards"
    );
    lose_recording(vec![id.clone()]).await;
    assert_eq!(
        board_size().await,
        0,
        "the simulated failure left the board without it"
    );
    assert_eq!(
        finish(app, &member, &id, json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        board_size().await,
        1,
        "the retry put the result on the board"
    );

    // 2. Without a retry, the reconciler records it (and everything else it finds missing).
    let other = app.member(s.unit).await;
    let attempt = started(app, &s, &other).await;
    let other_id = attempt["id"].as_str().expect("id").to_owned();
    assert_eq!(
        finish(app, &other, &other_id, json!({})).await.status(),
        StatusCode::OK
    );
    app.state.board_marks.flush().await;
    lose_recording(vec![id.clone(), other_id.clone()]).await;
    assert_eq!(board_size().await, 0);
    // A finish still on its way to the store is left to itself…
    let now = Utc::now();
    dautri_api::app::attempts::reconcile_boards(&app.state, now - chrono::Duration::seconds(30))
        .await
        .expect("reconcile");
    assert_eq!(
        board_size().await,
        0,
        "a fresh finish is the finish path's to record"
    );
    // …a later pass records every result the boards miss.
    let done = dautri_api::app::attempts::reconcile_boards(
        &app.state,
        now + chrono::Duration::seconds(30),
    )
    .await
    .expect("reconcile");
    assert!(done >= 1, "the reconciler found the missing result");
    assert_eq!(board_size().await, 2, "both results are on the board again");
    assert!(
        noted(other_id.clone()).await,
        "the attempt is noted as recorded"
    );
    // Nothing is left for the next pass.
    assert_eq!(
        dautri_api::app::attempts::reconcile_boards(
            &app.state,
            now + chrono::Duration::seconds(30)
        )
        .await
        .expect("reconcile"),
        0
    );
}

/// Found by the fault suite (`loadtest/fault-day.sh redis-slow`): after an empty store restart
/// two requests restored the same attempt, and the second replayed the journal it had read
/// over an answer acknowledged in between, reverting it. A restore that finds the attempt
/// already in the store (restored meanwhile, perhaps answered since) now leaves it alone.
async fn a_restore_never_replays_an_older_journal_over_newer_answers(app: &TestApp) {
    let s = setup(app, 3, round(2, Some(1), -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    let id = attempt["id"].as_str().expect("id");
    let q = &attempt["questions"][0];
    let qid = q["id"].as_str().expect("question id");
    let options = option_ids(q);
    let r = answer(app, &member, id, qid, &options[..1]).await;
    assert_eq!(r.status(), StatusCode::OK);
    // A later answer the store holds and the journal this restore reads does not (acknowledged
    // after the restore read it).
    let newer: dautri_api::domain::ids::OptionId = options[1].parse().expect("uuid");
    app.state
        .store
        .save_answer(
            &app.state.keys,
            id.parse().expect("uuid"),
            qid.parse().expect("uuid"),
            &[newer],
            Utc::now().timestamp_millis(),
        )
        .await
        .expect("save in the store");
    let record = dautri_api::persistence::attempts::get(&app.state.db, id.parse().expect("uuid"))
        .await
        .expect("record");
    dautri_api::app::attempts::restore(&app.state, &record)
        .await
        .expect("restore");
    let resumed: Value = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        resumed["answers"][qid],
        json!([options[1]]),
        "the newer answer stays"
    );
}

/// The journal's upsert, as the writer calls it: a batch of any size lands whole, a newer save
/// replaces an older one and an older one never replaces a newer one, whatever order batches
/// come in, and the selection and its time read back as written. (PostgreSQL takes the batch as
/// one document, SQLite as chunks of rows: both must say the same.)
async fn the_journal_keeps_the_newest_save_whatever_the_batch(app: &TestApp) {
    use chrono::TimeZone;
    use dautri_api::domain::ids::{OptionId, QuestionId};
    use dautri_api::persistence::attempts::{AnswerRow, answers, upsert_answers};

    let s = setup(app, 3, round(2, Some(1), -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    let attempt_id: AttemptId = attempt["id"].as_str().expect("id").parse().expect("uuid");
    let q = &attempt["questions"][0];
    let question: QuestionId = q["id"].as_str().expect("id").parse().expect("uuid");
    let options: Vec<OptionId> = option_ids(q)
        .iter()
        .map(|o| o.parse().expect("uuid"))
        .collect();
    // Whole microseconds: what both databases keep.
    let at = |micros: i64| {
        Utc.timestamp_opt(1_800_000_000, 0).single().expect("time")
            + chrono::Duration::microseconds(micros)
    };
    let row = |question_id: QuestionId, option_ids: Vec<OptionId>, saved_at| AnswerRow {
        attempt_id,
        question_id,
        option_ids,
        saved_at,
    };
    // A batch larger than any one chunk: the question the attempt shows and 449 others.
    let others: Vec<QuestionId> = (0..449)
        .map(|_| QuestionId::from_uuid(Uuid::now_v7()))
        .collect();
    let mut batch = vec![row(question, vec![options[1], options[0]], at(2))];
    batch.extend(others.iter().map(|&o| row(o, vec![options[0]], at(5))));
    upsert_answers(&app.state.db, &batch)
        .await
        .expect("first batch");
    // An older save of the question comes in late, a newer save of another with it.
    upsert_answers(
        &app.state.db,
        &[
            row(question, vec![options[0]], at(1)),
            row(others[0], Vec::new(), at(6)),
        ],
    )
    .await
    .expect("second batch");
    let stored: HashMap<QuestionId, (Vec<OptionId>, chrono::DateTime<Utc>)> =
        answers(&app.state.db, attempt_id)
            .await
            .expect("answers")
            .into_iter()
            .map(|r| (r.question_id, (r.option_ids, r.saved_at)))
            .collect();
    assert_eq!(stored.len(), 450, "every row of the batch");
    assert_eq!(
        stored[&question],
        (vec![options[1], options[0]], at(2)),
        "the older save does not replace the newer, and the order of the options is kept"
    );
    assert_eq!(
        stored[&others[0]],
        (Vec::new(), at(6)),
        "the newer save replaces"
    );
    assert_eq!(stored[&others[1]], (vec![options[0]], at(5)));
    // The same time again replaces (a retried batch writes what it wrote).
    upsert_answers(&app.state.db, &[row(question, vec![options[0]], at(2))])
        .await
        .expect("same time");
    let again = answers(&app.state.db, attempt_id).await.expect("answers");
    let kept = again
        .iter()
        .find(|r| r.question_id == question)
        .expect("question");
    assert_eq!(kept.option_ids, vec![options[0]]);
}

/// Starts read what a round draws from once every few seconds (#16); a change to the bank made
/// through this server still reaches the very next start: a retired question is no longer
/// drawn, and a new one is.
async fn a_bank_change_reaches_the_next_start(app: &TestApp) {
    let s = setup(app, 2, round(2, None, -60, 3600)).await;
    let first = app.member(s.unit).await;
    let running = started(app, &s, &first).await;
    let retired = retire_a_question(app, &s).await;
    // One question is left for an attempt of two.
    let second = app.member(s.unit).await;
    assert_problem(
        start(app, &s, &second).await,
        StatusCode::CONFLICT,
        "pool_too_small",
    )
    .await;
    // Whoever is already in is sent back to their attempt, not refused for the pool: the
    // earlier attempts' rules come before the draw's.
    let again = start(app, &s, &first).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let problem: Value = again.json().await.expect("json");
    assert_eq!(problem["code"], "attempt_in_progress", "{problem}");
    assert_eq!(problem["attempt_id"], running["id"], "{problem}");
    let body = json!({
        "unit_id": s.unit.into_uuid(), "kind": "single",
        "text": "Câu hỏi mới: đáp án đúng là A?",
        "options": [{"text": "A", "correct": true}, {"text": "B"}],
        "topic": {"code": "law", "name": "Pháp luật"},
    });
    let added: Value = app
        .post("/api/v1/questions", Some(&s.organizer.access), &body)
        .await
        .json()
        .await
        .expect("json");
    let attempt = started(app, &s, &second).await;
    let drawn: Vec<&str> = attempt["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("id"))
        .collect();
    assert!(
        drawn.contains(&added["id"].as_str().expect("id")),
        "{drawn:?}"
    );
    assert!(!drawn.contains(&retired.as_str()), "{drawn:?}");
}

//! The attempt scoring engine's contract, the same on Redis and in process: opening, saving and
//! changing answers, closing at `deadline + grace`, scoring, finishing once under concurrency,
//! the auto-finish index and round results.

use std::time::{SystemTime, UNIX_EPOCH};

use dautri_api::domain::ids::AttemptId;
use dautri_api::domain::ids::ContestId;
use dautri_api::domain::ids::OptionId;
use dautri_api::domain::ids::QuestionId;
use dautri_api::domain::ids::RoundId;
use dautri_api::scoring::{
    Answered, AttemptError, AttemptQuestion, AttemptResult, AttemptSetup, Board, Counted, Entrant,
    QuestionKind, Store,
};
use futures_util::future::join_all;
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::TestApp;

/// A result to record, in a contest whose id is the round's (these tests need no other).
fn counted(result: &AttemptResult) -> Counted {
    Counted {
        contest_id: ContestId::from_uuid(result.round_id.into_uuid()),
        result: result.clone(),
        entrant: Entrant {
            unit_path: Vec::new(),
            display_name: "Nguyễn V. A.".to_owned(),
        },
    }
}

both_backends!(
    opening_twice_returns_the_first_attempt_unchanged,
    an_attempt_restored_with_its_answers_never_overwrites_newer_ones,
    ten_concurrent_opens_create_one_attempt,
    an_incoherent_setup_is_refused,
    an_answer_can_be_saved_repeated_and_changed,
    answers_are_accepted_until_deadline_plus_grace_inclusive,
    invalid_answers_are_refused_with_their_reason,
    fifty_concurrent_saves_leave_a_consistent_attempt,
    ten_concurrent_finishes_give_one_result,
    scoring_is_all_or_nothing_per_question,
    finishing_late_is_stamped_at_the_deadline,
    due_for_auto_finish_lists_exactly_the_expired_unfinished_attempts,
    a_due_entry_that_outlived_its_attempt_is_dropped_by_finish,
    recording_a_result_twice_counts_it_once,
    the_best_attempt_wins_with_ties_broken_by_time_then_finish,
    every_attempt_key_expires,
    scripts_survive_a_script_flush,
);

const MINUTE: i64 = 60_000;
const GRACE: i64 = 3_000;

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn question(kind: QuestionKind, options: usize, correct: &[usize], points: i64) -> AttemptQuestion {
    let option_ids: Vec<OptionId> = (0..options).map(|_| OptionId::new()).collect();
    AttemptQuestion {
        question_id: QuestionId::from_uuid(Uuid::new_v4()),
        kind,
        correct: correct.iter().map(|&i| option_ids[i]).collect(),
        option_ids,
        points,
    }
}

/// A 10-minute attempt started at `started`: q0 single (key option 1, 1 point), q1 multiple
/// (key options 0 and 2, 2 points), q2 true/false (key option 0, 1 point). Max score 4.
fn attempt_at(started: i64) -> AttemptSetup {
    AttemptSetup {
        attempt_id: AttemptId::from_uuid(Uuid::new_v4()),
        round_id: RoundId::from_uuid(Uuid::new_v4()),
        user_id: dautri_api::domain::ids::UserId::new(),
        questions: vec![
            question(QuestionKind::Single, 4, &[1], 1),
            question(QuestionKind::Multiple, 4, &[0, 2], 2),
            question(QuestionKind::TrueFalse, 2, &[0], 1),
        ],
        started_at_ms: started,
        deadline_ms: started + 10 * MINUTE,
        grace_ms: GRACE,
    }
}

fn q(setup: &AttemptSetup, i: usize) -> Uuid {
    (setup.questions[i].question_id).into_uuid()
}

fn opts(setup: &AttemptSetup, i: usize, which: &[usize]) -> Vec<OptionId> {
    which
        .iter()
        .map(|&j| setup.questions[i].option_ids[j])
        .collect()
}

fn store(app: &TestApp) -> &Store {
    &app.state.store
}

async fn open(app: &TestApp, setup: &AttemptSetup) {
    let outcome = store(app)
        .open_attempt(&app.state.keys, setup)
        .await
        .expect("open");
    assert!(outcome.created, "fresh attempt is created");
}

async fn save(
    app: &TestApp,
    setup: &AttemptSetup,
    i: usize,
    which: &[usize],
    now: i64,
) -> Result<dautri_api::scoring::AnswerSaved, AttemptError> {
    store(app)
        .save_answer(
            &app.state.keys,
            setup.attempt_id,
            QuestionId::from_uuid(q(setup, i)),
            &opts(setup, i, which),
            now,
        )
        .await
}

/// A restore from the answer journal creates the attempt with its answers in one step (both
/// stores): an answer saved once it exists is kept when a second, older restore arrives.
async fn an_attempt_restored_with_its_answers_never_overwrites_newer_ones(app: &TestApp) {
    let setup = attempt_at(now_ms());
    let journal = vec![
        (QuestionId::from_uuid(q(&setup, 0)), opts(&setup, 0, &[2])),
        (
            QuestionId::from_uuid(q(&setup, 1)),
            opts(&setup, 1, &[2, 0]),
        ),
    ];
    let first = store(app)
        .open_attempt_with_answers(&app.state.keys, &setup, &journal)
        .await
        .expect("restore");
    assert!(first.created);
    let mut expected_q1 = opts(&setup, 1, &[2, 0]);
    expected_q1.sort();
    assert_eq!(
        first.state.selections.len(),
        2,
        "the journal's answers are in"
    );
    assert_eq!(
        first.state.selections[&q(&setup, 1)],
        expected_q1,
        "stored sorted"
    );
    // The member answers q0 again once the attempt exists…
    save(app, &setup, 0, &[1], setup.started_at_ms + 5)
        .await
        .expect("save");
    // …and a second restore, holding the older journal, changes nothing.
    let second = store(app)
        .open_attempt_with_answers(&app.state.keys, &setup, &journal)
        .await
        .expect("second restore");
    assert!(!second.created);
    assert_eq!(
        second.state.selections[&q(&setup, 0)],
        opts(&setup, 0, &[1]),
        "the newer answer is kept"
    );
}

async fn opening_twice_returns_the_first_attempt_unchanged(app: &TestApp) {
    let setup = attempt_at(now_ms());
    let first = store(app)
        .open_attempt(&app.state.keys, &setup)
        .await
        .expect("open");
    assert!(first.created);
    assert_eq!(
        first.state.question_ids,
        setup
            .questions
            .iter()
            .map(|q| q.question_id)
            .collect::<Vec<_>>()
    );
    assert_eq!(first.state.round_id, setup.round_id);
    assert_eq!(first.state.user_id, setup.user_id);
    assert_eq!(first.state.deadline_ms, setup.deadline_ms);
    assert_eq!(first.state.grace_ms, GRACE);
    assert!(first.state.selections.is_empty() && first.state.result.is_none());

    save(app, &setup, 0, &[1], setup.started_at_ms + 1)
        .await
        .expect("save");
    // A retried start, even with a different deadline, must not reset or alter the attempt.
    let mut retry = setup.clone();
    retry.deadline_ms += MINUTE;
    let second = store(app)
        .open_attempt(&app.state.keys, &retry)
        .await
        .expect("open again");
    assert!(!second.created);
    assert_eq!(second.state.deadline_ms, setup.deadline_ms);
    assert_eq!(second.state.selections.len(), 1, "the answer survived");
}

async fn ten_concurrent_opens_create_one_attempt(app: &TestApp) {
    let setup = attempt_at(now_ms());
    let opens = join_all((0..10).map(|_| store(app).open_attempt(&app.state.keys, &setup))).await;
    let created = opens
        .into_iter()
        .map(|o| o.expect("open"))
        .filter(|o| o.created)
        .count();
    assert_eq!(created, 1);
}

async fn an_incoherent_setup_is_refused(app: &TestApp) {
    let mut setup = attempt_at(now_ms());
    setup.questions[0].correct = opts(&setup, 0, &[0, 1]);
    let refused = store(app).open_attempt(&app.state.keys, &setup).await;
    assert!(
        matches!(refused, Err(AttemptError::InvalidSetup(_))),
        "{refused:?}"
    );
    let state = store(app)
        .attempt_state(&app.state.keys, setup.attempt_id)
        .await
        .expect("state");
    assert!(state.is_none(), "nothing stored");
}

async fn an_answer_can_be_saved_repeated_and_changed(app: &TestApp) {
    let setup = attempt_at(now_ms());
    open(app, &setup).await;
    let at = setup.started_at_ms + MINUTE;

    let saved = save(app, &setup, 0, &[2], at).await.expect("save");
    assert_eq!(saved.saved_at_ms, at);
    assert_eq!(saved.remaining_ms, setup.deadline_ms - at);
    let again = save(app, &setup, 0, &[2], at).await.expect("same body");
    assert_eq!(again, saved, "same body, same result");

    save(app, &setup, 0, &[1], at + 1).await.expect("change");
    // Order of the options in the body does not matter; they are stored sorted.
    save(app, &setup, 1, &[2, 0], at + 2).await.expect("multi");

    let state = store(app)
        .attempt_state(&app.state.keys, setup.attempt_id)
        .await
        .expect("state")
        .expect("exists");
    assert_eq!(state.selections.len(), 2);
    assert_eq!(state.selections[&q(&setup, 0)], opts(&setup, 0, &[1]));
    let mut multi = opts(&setup, 1, &[0, 2]);
    multi.sort_unstable();
    assert_eq!(state.selections[&q(&setup, 1)], multi);

    let finished = store(app)
        .finish_attempt(&app.state.keys, setup.attempt_id, at + 3, None)
        .await
        .expect("finish");
    assert_eq!(
        (finished.result.score, finished.result.correct_count),
        (3, 2),
        "the changed answer is the one scored, once"
    );
}

async fn answers_are_accepted_until_deadline_plus_grace_inclusive(app: &TestApp) {
    let setup = attempt_at(now_ms() - 10 * MINUTE);
    open(app, &setup).await;
    let last = setup.deadline_ms + GRACE;

    let at_deadline = save(app, &setup, 0, &[0], setup.deadline_ms)
        .await
        .expect("at deadline");
    assert_eq!(at_deadline.remaining_ms, 0);
    let in_grace = save(app, &setup, 0, &[1], last)
        .await
        .expect("at exactly deadline + grace");
    assert_eq!(in_grace.remaining_ms, 0);
    let late = save(app, &setup, 0, &[2], last + 1).await;
    assert!(matches!(late, Err(AttemptError::Closed)), "{late:?}");
    let a_second_late = save(app, &setup, 2, &[0], last + 1_000).await;
    assert!(
        matches!(a_second_late, Err(AttemptError::Closed)),
        "{a_second_late:?}"
    );

    // A finished attempt is closed too, even before its deadline.
    let early = attempt_at(now_ms());
    open(app, &early).await;
    store(app)
        .finish_attempt(
            &app.state.keys,
            early.attempt_id,
            early.started_at_ms + 5,
            None,
        )
        .await
        .expect("finish");
    let after_finish = save(app, &early, 0, &[1], early.started_at_ms + 6).await;
    assert!(
        matches!(after_finish, Err(AttemptError::Closed)),
        "{after_finish:?}"
    );
}

async fn invalid_answers_are_refused_with_their_reason(app: &TestApp) {
    let setup = attempt_at(now_ms());
    open(app, &setup).await;
    let other = attempt_at(now_ms());
    let at = setup.started_at_ms + 1;
    let keys = &app.state.keys;
    let s = store(app);

    type Case = (&'static str, Uuid, Uuid, Vec<OptionId>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "unknown attempt",
            other.attempt_id.into_uuid(),
            q(&setup, 0),
            opts(&setup, 0, &[1]),
            "not_found",
        ),
        (
            "question of another attempt",
            setup.attempt_id.into_uuid(),
            q(&other, 0),
            opts(&other, 0, &[1]),
            "unknown_question",
        ),
        (
            "option of another question",
            setup.attempt_id.into_uuid(),
            q(&setup, 0),
            opts(&setup, 1, &[0]),
            "unknown_option",
        ),
        (
            "one good option and one unknown",
            setup.attempt_id.into_uuid(),
            q(&setup, 1),
            vec![setup.questions[1].option_ids[0], OptionId::new()],
            "unknown_option",
        ),
        (
            "single with two options",
            setup.attempt_id.into_uuid(),
            q(&setup, 0),
            opts(&setup, 0, &[0, 1]),
            "invalid_selection",
        ),
        (
            "single with none",
            setup.attempt_id.into_uuid(),
            q(&setup, 0),
            vec![],
            "invalid_selection",
        ),
        (
            "true/false with both",
            setup.attempt_id.into_uuid(),
            q(&setup, 2),
            opts(&setup, 2, &[0, 1]),
            "invalid_selection",
        ),
        (
            "multiple with none",
            setup.attempt_id.into_uuid(),
            q(&setup, 1),
            vec![],
            "invalid_selection",
        ),
    ];
    for (name, attempt, question, options, expected) in cases {
        let got = s
            .save_answer(
                keys,
                AttemptId::from_uuid(attempt),
                QuestionId::from_uuid(question),
                &options,
                at,
            )
            .await;
        let reason = match &got {
            Err(AttemptError::NotFound) => "not_found",
            Err(AttemptError::UnknownQuestion) => "unknown_question",
            Err(AttemptError::UnknownOption) => "unknown_option",
            Err(AttemptError::InvalidSelection) => "invalid_selection",
            _ => "something else",
        };
        assert_eq!(reason, expected, "{name}: {got:?}");
    }
    // The same option twice is one option.
    save(app, &setup, 0, &[1, 1], at)
        .await
        .expect("repeated option is one selection");
    let state = s
        .attempt_state(keys, setup.attempt_id)
        .await
        .expect("state")
        .expect("exists");
    assert_eq!(state.selections.len(), 1, "refusals stored nothing");
}

async fn fifty_concurrent_saves_leave_a_consistent_attempt(app: &TestApp) {
    let started = now_ms();
    let mut setup = attempt_at(started);
    setup.questions = (0..50)
        .map(|_| question(QuestionKind::Single, 4, &[3], 1))
        .collect();
    open(app, &setup).await;
    let keys = &app.state.keys;
    let s = store(app);

    // 50 different questions at once: every one is kept.
    let saves = join_all((0..50).map(|i| {
        let setup = &setup;
        async move {
            s.save_answer(
                keys,
                setup.attempt_id,
                QuestionId::from_uuid(q(setup, i)),
                &opts(setup, i, &[i % 4]),
                started + 1,
            )
            .await
        }
    }))
    .await;
    assert!(saves.iter().all(Result::is_ok), "{saves:?}");
    let state = s
        .attempt_state(keys, setup.attempt_id)
        .await
        .expect("state")
        .expect("exists");
    assert_eq!(state.selections.len(), 50);
    for i in 0..50 {
        assert_eq!(
            state.selections[&q(&setup, i)],
            opts(&setup, i, &[i % 4]),
            "q{i}"
        );
    }

    // 50 changes of one question at once: exactly one of them is the final selection.
    let saves = join_all((0..50).map(|i| {
        let setup = &setup;
        async move {
            s.save_answer(
                keys,
                setup.attempt_id,
                QuestionId::from_uuid(q(setup, 0)),
                &opts(setup, 0, &[i % 4]),
                started + 2,
            )
            .await
        }
    }))
    .await;
    assert!(saves.iter().all(Result::is_ok), "{saves:?}");
    let state = s
        .attempt_state(keys, setup.attempt_id)
        .await
        .expect("state")
        .expect("exists");
    assert_eq!(state.selections.len(), 50);
    let final_pick = &state.selections[&q(&setup, 0)];
    assert_eq!(final_pick.len(), 1);
    assert!(setup.questions[0].option_ids.contains(&final_pick[0]));

    // The score agrees with the stored selections: options 3 are right.
    let expected = (0..50)
        .filter(|&i| state.selections[&q(&setup, i)] == opts(&setup, i, &[3]))
        .count();
    let finished = s
        .finish_attempt(keys, setup.attempt_id, started + 3, None)
        .await
        .expect("finish");
    assert_eq!(finished.result.score, i64::try_from(expected).unwrap());
    assert_eq!(finished.result.max_score, 50);
}

async fn ten_concurrent_finishes_give_one_result(app: &TestApp) {
    let setup = attempt_at(now_ms());
    open(app, &setup).await;
    let at = setup.started_at_ms + MINUTE;
    save(app, &setup, 0, &[1], at).await.expect("save");
    save(app, &setup, 1, &[0, 2], at).await.expect("save");
    let keys = &app.state.keys;
    let s = store(app);

    let finishes = join_all(
        (0..10).map(|i| s.finish_attempt(keys, setup.attempt_id, at + 1_000 + i, Some(100 + i))),
    )
    .await;
    let finishes: Vec<_> = finishes.into_iter().map(|f| f.expect("finish")).collect();
    let first: Vec<_> = finishes.iter().filter(|f| !f.already_finished).collect();
    assert_eq!(first.len(), 1, "exactly one call finished it");
    assert!(
        finishes
            .iter()
            .all(|f| f.answered.is_some() != f.already_finished),
        "only the call that finished it reports the questions as judged"
    );
    let result = &first[0].result;
    assert!(finishes.iter().all(|f| &f.result == result), "{finishes:?}");
    assert_eq!(
        (result.score, result.max_score, result.correct_count),
        (3, 4, 2)
    );
    assert_eq!(
        result.time_used_ms,
        result.finished_at_ms - setup.started_at_ms
    );
    assert!(result.prediction.is_some());

    // And later, from a resume.
    let state = s
        .attempt_state(keys, setup.attempt_id)
        .await
        .expect("state")
        .expect("exists");
    assert_eq!(state.result.as_ref(), Some(result));
}

async fn scoring_is_all_or_nothing_per_question(app: &TestApp) {
    // (name, [q0 single, q1 multiple, q2 true/false] selections, score, correct)
    type Case = (&'static str, [Option<&'static [usize]>; 3], i64, i64);
    let cases: [Case; 6] = [
        ("all right", [Some(&[1]), Some(&[0, 2]), Some(&[0])], 4, 3),
        ("nothing answered", [None, None, None], 0, 0),
        (
            "multiple partial",
            [Some(&[1]), Some(&[0]), Some(&[0])],
            2,
            2,
        ),
        ("multiple superset", [None, Some(&[0, 1, 2]), None], 0, 0),
        (
            "multiple exact only",
            [Some(&[0]), Some(&[2, 0]), Some(&[1])],
            2,
            1,
        ),
        ("true/false wrong", [None, None, Some(&[1])], 0, 0),
    ];
    for (name, picks, score, correct) in cases {
        let setup = attempt_at(now_ms());
        open(app, &setup).await;
        for (i, pick) in picks.iter().enumerate() {
            if let Some(which) = pick {
                save(app, &setup, i, which, setup.started_at_ms + 1)
                    .await
                    .expect(name);
            }
        }
        let outcome = store(app)
            .finish_attempt(
                &app.state.keys,
                setup.attempt_id,
                setup.started_at_ms + 2,
                None,
            )
            .await
            .expect(name);
        let result = &outcome.result;
        assert_eq!(
            (result.score, result.correct_count, result.max_score),
            (score, correct, 4),
            "{name}"
        );
        // What the finish keeps of each question: its selection and whether it was right,
        // judged as it was scored (the keys: q0 option 1, q1 options 0 and 2, q2 option 0).
        let keys: [&[usize]; 3] = [&[1], &[0, 2], &[0]];
        let mut answered = outcome.answered.clone().expect(name);
        answered.sort_by_key(|a| {
            setup
                .questions
                .iter()
                .position(|q| q.question_id == a.question_id)
        });
        let expected: Vec<Answered> = picks
            .iter()
            .enumerate()
            .map(|(i, pick)| {
                let mut selected = pick.map(|w| opts(&setup, i, w)).unwrap_or_default();
                selected.sort_unstable();
                let mut key = opts(&setup, i, keys[i]);
                key.sort_unstable();
                Answered {
                    question_id: setup.questions[i].question_id,
                    correct: !selected.is_empty() && selected == key,
                    selected,
                }
            })
            .collect();
        assert_eq!(answered, expected, "{name}");
        assert_eq!(
            answered.iter().filter(|a| a.correct).count(),
            usize::try_from(correct).unwrap(),
            "{name}: judged as scored"
        );
    }
}

async fn finishing_late_is_stamped_at_the_deadline(app: &TestApp) {
    let keys = &app.state.keys;
    // Auto-finished ten minutes after the deadline, prediction offered too late.
    let late = attempt_at(now_ms() - 30 * MINUTE);
    open(app, &late).await;
    let result = store(app)
        .finish_attempt(
            keys,
            late.attempt_id,
            late.deadline_ms + 10 * MINUTE,
            Some(7),
        )
        .await
        .expect("finish")
        .result;
    assert_eq!(result.finished_at_ms, late.deadline_ms);
    assert_eq!(result.time_used_ms, late.deadline_ms - late.started_at_ms);
    assert_eq!(result.prediction, None, "prediction after deadline + grace");

    // Within the grace period: stamped at the deadline, prediction kept.
    let grace = attempt_at(now_ms() - 30 * MINUTE);
    open(app, &grace).await;
    let result = store(app)
        .finish_attempt(keys, grace.attempt_id, grace.deadline_ms + GRACE, Some(7))
        .await
        .expect("finish")
        .result;
    assert_eq!(result.finished_at_ms, grace.deadline_ms);
    assert_eq!(result.prediction, Some(7));

    // Early: the real time.
    let early = attempt_at(now_ms());
    open(app, &early).await;
    let at = early.started_at_ms + 95_000;
    let result = store(app)
        .finish_attempt(keys, early.attempt_id, at, Some(-3))
        .await
        .expect("finish")
        .result;
    assert_eq!((result.finished_at_ms, result.time_used_ms), (at, 95_000));
    assert_eq!(result.prediction, Some(-3));
}

async fn due_for_auto_finish_lists_exactly_the_expired_unfinished_attempts(app: &TestApp) {
    let keys = &app.state.keys;
    let now = now_ms();
    let expired = attempt_at(now - 20 * MINUTE);
    let expired_later = attempt_at(now - 15 * MINUTE);
    let finished = attempt_at(now - 20 * MINUTE);
    let running = attempt_at(now - 5 * MINUTE);
    let mut closing_now = attempt_at(now - 10 * MINUTE);
    closing_now.deadline_ms = now - GRACE;
    for setup in [&expired, &expired_later, &finished, &running, &closing_now] {
        open(app, setup).await;
    }
    store(app)
        .finish_attempt(keys, finished.attempt_id, now, None)
        .await
        .expect("finish");

    let due = store(app)
        .due_for_auto_finish(keys, now, 100)
        .await
        .expect("due");
    let ids: Vec<_> = due.iter().map(|d| d.attempt_id).collect();
    assert_eq!(
        ids,
        vec![expired.attempt_id, expired_later.attempt_id],
        "earliest first; not finished, running or closing exactly now"
    );
    assert_eq!(due[0].closes_at_ms, expired.deadline_ms + GRACE);

    let one = store(app)
        .due_for_auto_finish(keys, now, 1)
        .await
        .expect("due");
    assert_eq!(one.len(), 1, "limit");

    for d in &due {
        store(app)
            .finish_attempt(keys, d.attempt_id, now, None)
            .await
            .expect("auto-finish");
    }
    let due = store(app)
        .due_for_auto_finish(keys, now, 100)
        .await
        .expect("due");
    assert!(due.is_empty(), "{due:?}");
    // Re-opening a finished attempt does not make it due again, and re-opening a running one
    // with an earlier deadline does not move it.
    store(app)
        .open_attempt(keys, &finished)
        .await
        .expect("reopen");
    let mut rewound = running.clone();
    rewound.deadline_ms = now - MINUTE;
    store(app)
        .open_attempt(keys, &rewound)
        .await
        .expect("reopen");
    let due = store(app)
        .due_for_auto_finish(keys, now, 100)
        .await
        .expect("due");
    assert!(due.is_empty(), "{due:?}");
}

async fn a_due_entry_that_outlived_its_attempt_is_dropped_by_finish(app: &TestApp) {
    let Store::Redis(redis) = store(app) else {
        return; // in process, the index and the attempts change under one lock
    };
    let keys = &app.state.keys;
    let now = now_ms();
    let ghost = Uuid::new_v4();
    let mut conn = redis.connection();
    let _: () = redis::cmd("ZADD")
        .arg(keys.attempts_due())
        .arg(now - MINUTE)
        .arg(ghost.to_string())
        .query_async(&mut conn)
        .await
        .unwrap();
    let due = store(app)
        .due_for_auto_finish(keys, now, 10)
        .await
        .expect("due");
    assert_eq!(due.len(), 1);
    let finish = store(app)
        .finish_attempt(keys, due[0].attempt_id, now, None)
        .await;
    assert!(matches!(finish, Err(AttemptError::NotFound)), "{finish:?}");
    let due = store(app)
        .due_for_auto_finish(keys, now, 10)
        .await
        .expect("due");
    assert!(due.is_empty(), "{due:?}");
}

async fn recording_a_result_twice_counts_it_once(app: &TestApp) {
    let keys = &app.state.keys;
    let setup = attempt_at(now_ms());
    open(app, &setup).await;
    for (i, which) in [(0, &[1][..]), (1, &[0, 2]), (2, &[0])] {
        save(app, &setup, i, which, setup.started_at_ms + 1)
            .await
            .expect("save");
    }
    let result = store(app)
        .finish_attempt(keys, setup.attempt_id, setup.started_at_ms + 2, Some(1))
        .await
        .expect("finish")
        .result;
    assert!(result.is_perfect());

    let first = store(app)
        .record_results(keys, &[counted(&result)])
        .await
        .expect("record")[0];
    assert!(first.newly_recorded && first.is_best);
    let counters = store(app)
        .round_counters(
            keys,
            ContestId::from_uuid(setup.round_id.into_uuid()),
            setup.round_id,
        )
        .await
        .expect("counters");
    // As after a crash between finishing and recording: the retry changes nothing.
    let again = store(app)
        .record_results(keys, &[counted(&result)])
        .await
        .expect("again")[0];
    assert!(!again.newly_recorded && !again.is_best);
    assert_eq!(
        store(app)
            .round_counters(
                keys,
                ContestId::from_uuid(setup.round_id.into_uuid()),
                setup.round_id
            )
            .await
            .expect("counters"),
        counters
    );
    assert_eq!(
        (
            counters.participants,
            counters.finished_attempts,
            counters.perfect_attempts,
            counters.perfect_participants
        ),
        (1, 1, 1, 1)
    );
    let unknown = store(app)
        .round_counters(
            keys,
            ContestId::from_uuid(Uuid::new_v4()),
            RoundId::from_uuid(Uuid::new_v4()),
        )
        .await
        .expect("counters");
    assert_eq!(unknown.finished_attempts, 0);
}

async fn the_best_attempt_wins_with_ties_broken_by_time_then_finish(app: &TestApp) {
    let keys = &app.state.keys;
    let round = Uuid::new_v4();
    let (u, v) = (Uuid::new_v4(), Uuid::new_v4());
    let base = now_ms();
    let result = |user: Uuid, score: i64, time: i64, finished: i64| AttemptResult {
        attempt_id: AttemptId::from_uuid(Uuid::new_v4()),
        round_id: RoundId::from_uuid(round),
        user_id: dautri_api::domain::ids::UserId::from_uuid(user),
        score,
        max_score: 6,
        correct_count: score,
        time_used_ms: time,
        finished_at_ms: base + finished,
        prediction: None,
    };
    let s = store(app);
    // (name, result, becomes the best)
    let steps = [
        ("first attempt", result(u, 5, 100, 3_000), true),
        ("higher score, slower", result(u, 6, 500, 4_000), true),
        ("lower score, faster", result(u, 4, 10, 5_000), false),
        ("equal score, less time", result(u, 6, 400, 6_000), true),
        (
            "equal score and time, later",
            result(u, 6, 400, 7_000),
            false,
        ),
        (
            "equal score and time, earlier",
            result(u, 6, 400, 2_000),
            true,
        ),
        ("identical keys", result(u, 6, 400, 2_000), false),
        ("another user", result(v, 6, 400, 2_500), true),
    ];
    let mut best_u = None;
    for (name, r, becomes_best) in &steps {
        let outcome = s.record_results(keys, &[counted(r)]).await.expect(name)[0];
        assert!(outcome.newly_recorded, "{name}");
        assert_eq!(outcome.is_best, *becomes_best, "{name}");
        if *becomes_best && r.user_id.into_uuid() == u {
            best_u = Some(r.attempt_id);
        }
    }
    let board = Board::Round {
        contest_id: ContestId::from_uuid(round),
        round_id: RoundId::from_uuid(round),
        unit_id: None,
    };
    let place = s.place_of(keys, &board, u).await.expect("best");
    assert_eq!(place.total, 2, "u and v are on the board, once each");
    let bu = place.standing.expect("u");
    assert_eq!(bu.attempt_id, best_u);
    assert_eq!(
        (bu.score, bu.time_used_ms, bu.finished_at_ms, bu.rank),
        (6, 400, base + 2_000, 0)
    );
    let bv = s
        .place_of(keys, &board, v)
        .await
        .expect("best")
        .standing
        .expect("v");
    assert_eq!(bv.rank, 1, "same score and time, finished later");
    let stranger = s
        .place_of(keys, &board, Uuid::new_v4())
        .await
        .expect("best");
    assert_eq!((stranger.standing, stranger.total), (None, 2));
    let counters = s
        .round_counters(keys, ContestId::from_uuid(round), RoundId::from_uuid(round))
        .await
        .expect("counters");
    assert_eq!(
        (
            counters.participants,
            counters.finished_attempts,
            counters.perfect_attempts,
            counters.perfect_participants
        ),
        (2, 8, 6, 2)
    );
}

async fn every_attempt_key_expires(app: &TestApp) {
    let Store::Redis(redis) = store(app) else {
        return; // the in-process store expires by the same rule (memory_attempts.rs)
    };
    let keys = &app.state.keys;
    let setup = attempt_at(now_ms());
    open(app, &setup).await;
    save(app, &setup, 0, &[1], setup.started_at_ms + 1)
        .await
        .expect("save");
    // The answers hash takes its expiry with the first answer; a changed answer and a further
    // one keep it.
    save(app, &setup, 0, &[0], setup.started_at_ms + 2)
        .await
        .expect("changed");
    save(app, &setup, 1, &[1], setup.started_at_ms + 3)
        .await
        .expect("another");
    let limit = setup.deadline_ms + GRACE - setup.started_at_ms + 24 * 60 * MINUTE;
    let mut conn = redis.connection();
    for key in [
        keys.attempt_meta(setup.attempt_id),
        keys.attempt_questions(setup.attempt_id),
        keys.attempt_answers(setup.attempt_id),
    ] {
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(ttl > limit - MINUTE && ttl <= limit, "{key}: {ttl}");
    }
    let result = store(app)
        .finish_attempt(keys, setup.attempt_id, setup.started_at_ms + 2, None)
        .await
        .expect("finish")
        .result;
    store(app)
        .record_results(keys, &[counted(&result)])
        .await
        .expect("record");
    let mut round_keys = keys.round_fixed_keys(
        ContestId::from_uuid(setup.round_id.into_uuid()),
        setup.round_id,
    );
    round_keys.retain(|k| !k.ends_with(":perfect") && !k.ends_with(":units"));
    for key in round_keys {
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(ttl > 0, "{key}: {ttl}");
    }
}

async fn scripts_survive_a_script_flush(app: &TestApp) {
    let keys = &app.state.keys;
    // Load every script once, then make Redis forget them all.
    let warm = attempt_at(now_ms());
    open(app, &warm).await;
    save(app, &warm, 0, &[1], warm.started_at_ms + 1)
        .await
        .expect("save");
    let warm_result = store(app)
        .finish_attempt(keys, warm.attempt_id, warm.started_at_ms + 2, None)
        .await
        .expect("finish")
        .result;
    store(app)
        .record_results(keys, &[counted(&warm_result)])
        .await
        .expect("record");
    if let Store::Redis(redis) = store(app) {
        let mut conn = redis.connection();
        let _: () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut conn)
            .await
            .unwrap();
    }

    let setup = attempt_at(now_ms());
    open(app, &setup).await;
    save(app, &setup, 0, &[1], setup.started_at_ms + 1)
        .await
        .expect("save after flush");
    let result = store(app)
        .finish_attempt(keys, setup.attempt_id, setup.started_at_ms + 2, None)
        .await
        .expect("finish after flush")
        .result;
    assert_eq!(result.score, 1);
    assert!(
        store(app)
            .record_results(keys, &[counted(&result)])
            .await
            .expect("record after flush")[0]
            .newly_recorded
    );
}

//! The scoring scripts on a real Redis Cluster of three masters, so every key layout and script
//! is checked against slot routing.
//!
//! The cluster is `DAUTRI_TEST_REDIS_CLUSTER_URL` when set (`./scripts/test.sh` starts one with
//! `scripts/throwaway.sh`); otherwise this test starts its own through the same script, so a
//! bare `cargo test` works too wherever `redis-server` is installed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use dautri_api::domain::ids::AttemptId;
use dautri_api::domain::ids::ContestId;
use dautri_api::domain::ids::OptionId;
use dautri_api::domain::ids::QuestionId;
use dautri_api::domain::ids::RoundId;
use dautri_api::scoring::{
    AnswerCaller, AttemptError, AttemptQuestion, AttemptResult, AttemptSetup, Board, Counted,
    Entrant, Keys, QuestionKind, RedisStore, SessionMarkers, SessionRefusal, Store,
};
use uuid::Uuid;

/// A result to record, in a contest whose id is the round's.
fn counted(result: &AttemptResult) -> Counted {
    Counted {
        contest_id: ContestId::from_uuid(result.round_id.into_uuid()),
        result: result.clone(),
        entrant: Entrant {
            unit_path: vec![Uuid::new_v4()],
            display_name: "Trần T. B.".to_owned(),
        },
    }
}

/// The cluster the test runs on.
struct LocalCluster {
    url: String,
    /// `scripts/throwaway.sh run --redis-cluster 3 -- …`, which keeps its nodes while its stdin
    /// is open and stops and removes them when it closes (also if this process dies).
    helper: Option<Child>,
}

impl LocalCluster {
    fn start() -> Self {
        if let Ok(url) = std::env::var("DAUTRI_TEST_REDIS_CLUSTER_URL")
            && !url.is_empty()
        {
            return Self { url, helper: None };
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/throwaway.sh");
        let mut helper = Command::new("bash")
            .arg(&script)
            .args(["run", "--redis-cluster", "3", "--", "sh", "-c"])
            .arg(r#"echo "$DAUTRI_TEST_REDIS_CLUSTER_URL"; exec cat >/dev/null"#)
            .env("THROWAWAY_QUIET", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("bash runs scripts/throwaway.sh");
        let mut url = String::new();
        BufReader::new(helper.stdout.take().expect("the helper's stdout"))
            .read_line(&mut url)
            .expect("the cluster's address");
        let url = url.trim().to_owned();
        let cluster = Self {
            url,
            helper: Some(helper),
        };
        assert!(
            !cluster.url.is_empty(),
            "scripts/throwaway.sh started no Redis Cluster (is redis-server installed?)"
        );
        cluster
    }

    fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Some(helper) = &mut self.helper {
            drop(helper.stdin.take());
            let _ = helper.wait();
        }
    }
}

fn question(kind: QuestionKind, options: usize, correct: &[usize]) -> AttemptQuestion {
    let option_ids: Vec<OptionId> = (0..options).map(|_| OptionId::new()).collect();
    AttemptQuestion {
        question_id: QuestionId::from_uuid(Uuid::now_v7()),
        kind,
        correct: correct.iter().map(|i| option_ids[*i]).collect(),
        option_ids,
        points: 10,
    }
}

#[tokio::test]
async fn the_scoring_scripts_run_on_a_redis_cluster() {
    let cluster = LocalCluster::start();
    let store = Store::Redis(
        RedisStore::connect(&cluster.url())
            .await
            .expect("connect to the cluster"),
    );
    store.ping().await.expect("ping");
    let keys = Keys::new(format!("test:{}", Uuid::now_v7().simple()));
    let now = chrono::Utc::now().timestamp_millis();
    let round = Uuid::now_v7();
    // Several attempts, so their keys land on different slots and nodes.
    let mut setups = Vec::new();
    for _ in 0..6 {
        let setup = AttemptSetup {
            attempt_id: AttemptId::from_uuid(Uuid::now_v7()),
            round_id: RoundId::from_uuid(round),
            user_id: dautri_api::domain::ids::UserId::new(),
            questions: vec![
                question(QuestionKind::Single, 3, &[0]),
                question(QuestionKind::Multiple, 4, &[1, 2]),
                question(QuestionKind::TrueFalse, 2, &[1]),
            ],
            started_at_ms: now,
            deadline_ms: now + 600_000,
            grace_ms: 5_000,
        };
        assert!(
            store
                .open_attempt(&keys, &setup)
                .await
                .expect("open")
                .created
        );
        setups.push(setup);
    }
    for (i, s) in setups.iter().enumerate() {
        // Attempt i answers the first i % 4 questions right.
        for (j, q) in s.questions.iter().enumerate().take(i % 4) {
            let saved = store
                .save_answer_for(
                    &keys,
                    s.attempt_id,
                    AnswerCaller {
                        owner: Some(s.user_id),
                        session: None,
                    },
                    q.question_id,
                    &q.correct,
                    now + 1000 + j as i64,
                )
                .await
                .expect("save");
            assert!(saved.remaining_ms > 0);
        }
        // Someone else cannot answer it.
        let other = store
            .save_answer_for(
                &keys,
                s.attempt_id,
                AnswerCaller {
                    owner: Some(dautri_api::domain::ids::UserId::new()),
                    session: None,
                },
                s.questions[0].question_id,
                &s.questions[0].correct,
                now + 2000,
            )
            .await;
        assert!(matches!(other, Err(AttemptError::NotFound)), "{other:?}");
    }
    // The caller's session markers live in the user's hash slot, not the attempt's: on a
    // cluster they are read by a command of their own, with the same verdict. (Attempt 1 has
    // its first question right already: saving it again changes nothing below.)
    let first = &setups[1];
    let (ended, standing) = (Uuid::now_v7(), Uuid::now_v7());
    let user = first.user_id.into_uuid();
    store
        .set_marker(
            &keys.session_ended(user, ended),
            now,
            Duration::from_secs(60),
        )
        .await
        .expect("end a session");
    for (session, refused) in [(ended, true), (standing, false)] {
        let markers = SessionMarkers::new(&keys, user, session, now - 1000);
        let q = &first.questions[0];
        let saved = store
            .save_answer_for(
                &keys,
                first.attempt_id,
                AnswerCaller {
                    owner: Some(first.user_id),
                    session: Some(&markers),
                },
                q.question_id,
                &q.correct,
                now + 3000,
            )
            .await;
        if refused {
            assert!(
                matches!(saved, Err(AttemptError::Session(SessionRefusal::Ended))),
                "{saved:?}"
            );
        } else {
            saved.expect("a standing session saves");
        }
    }
    let due = store
        .due_for_auto_finish(&keys, now + 700_000, 100)
        .await
        .expect("due");
    assert_eq!(due.len(), 6);
    let mut results = Vec::new();
    for (i, s) in setups.iter().enumerate() {
        let outcome = store
            .finish_attempt(&keys, s.attempt_id, now + 60_000, Some(3))
            .await
            .expect("finish");
        assert_eq!(outcome.result.score, 10 * (i % 4) as i64);
        assert!(
            store
                .record_results(&keys, &[counted(&outcome.result)])
                .await
                .expect("record")[0]
                .newly_recorded
        );
        // Both steps are idempotent on a cluster too.
        assert!(
            store
                .finish_attempt(&keys, s.attempt_id, now + 70_000, None)
                .await
                .expect("finish")
                .already_finished
        );
        assert!(
            !store
                .record_results(&keys, &[counted(&outcome.result)])
                .await
                .expect("record")[0]
                .newly_recorded
        );
        results.push(outcome.result);
    }
    let counters = store
        .round_counters(
            &keys,
            ContestId::from_uuid(round),
            RoundId::from_uuid(round),
        )
        .await
        .expect("counters");
    assert_eq!(
        (
            counters.participants,
            counters.finished_attempts,
            counters.perfect_attempts
        ),
        (6, 6, 1)
    );
    let place = store
        .place_of(
            &keys,
            &Board::Round {
                contest_id: ContestId::from_uuid(round),
                round_id: RoundId::from_uuid(round),
                unit_id: None,
            },
            setups[3].user_id.into_uuid(),
        )
        .await
        .expect("best");
    assert_eq!(place.total, 6, "every participant is on the round's board");
    let best = place.standing.expect("has a best");
    assert_eq!(best.rank, 0, "the only perfect score ranks first");
    // A rebuild's staging and swap run on the cluster too (one slot per contest).
    store
        .clear_staging(&keys, ContestId::from_uuid(round))
        .await
        .expect("clear staging");
    store
        .stage_results(&keys, &[counted(&results[3])])
        .await
        .expect("stage");
    store
        .promote_staging(&keys, ContestId::from_uuid(round))
        .await
        .expect("promote");
    assert_eq!(
        store
            .contest_participants(&keys, ContestId::from_uuid(round))
            .await
            .expect("participants"),
        1
    );
    assert!(
        store
            .due_for_auto_finish(&keys, now + 700_000, 100)
            .await
            .expect("due")
            .is_empty()
    );
    let hit = store
        .hit(
            &keys.login_attempts_by_ip("127.0.0.1"),
            Duration::from_secs(60),
        )
        .await
        .expect("hit");
    assert_eq!(hit.count, 1);
}

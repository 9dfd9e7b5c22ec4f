//! What one attempt holds in the in-process store, counted by the allocator
//! (`cargo test -p api --test memory_per_attempt -- --nocapture` prints the figures).
//!
//! On the embedded default every running attempt of a contest day lives in this process, and
//! every finished one for a day after: at 20,000 members the store was most of the server's
//! memory. The bounds below are about twice what the compact layout measures and half what the
//! previous layout (hash maps and a B-tree per attempt) took, so a return to it fails here.
//! Allocation sizes are deterministic, so these are exact checks, not timings.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use dautri_api::domain::ids::{AttemptId, OptionId, QuestionId, RoundId, UserId};
use dautri_api::scoring::{AttemptQuestion, AttemptSetup, Keys, MemoryStore, QuestionKind, Store};

/// The system allocator, counting the bytes it has handed out and not had back.
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

const ATTEMPTS: usize = 2_000;
const QUESTIONS: usize = 20;
const OPTIONS: usize = 4;

fn setup() -> AttemptSetup {
    let questions = (0..QUESTIONS)
        .map(|_| {
            let options: Vec<OptionId> = (0..OPTIONS).map(|_| OptionId::new()).collect();
            AttemptQuestion {
                question_id: QuestionId::new(),
                kind: QuestionKind::Single,
                correct: vec![options[0]],
                option_ids: options,
                points: 10,
            }
        })
        .collect();
    AttemptSetup {
        attempt_id: AttemptId::new(),
        round_id: RoundId::new(),
        user_id: UserId::new(),
        questions,
        started_at_ms: 1_000,
        deadline_ms: 1_000 + 600_000,
        grace_ms: 5_000,
    }
}

/// Bytes per attempt the store holds beyond `before`.
fn per_attempt(before: usize) -> usize {
    ALLOCATOR.allocated().saturating_sub(before) / ATTEMPTS
}

#[tokio::test(flavor = "current_thread")]
async fn an_attempt_in_the_in_process_store_stays_small() {
    let store = Store::Memory(MemoryStore::new());
    let keys = Keys::new("t");
    // Built before counting: only what the store keeps is counted.
    let setups: Vec<AttemptSetup> = (0..ATTEMPTS).map(|_| setup()).collect();
    let before = ALLOCATOR.allocated();
    for s in &setups {
        store
            .open_attempt_with_answers(&keys, s, &[])
            .await
            .expect("open");
        for q in &s.questions {
            store
                .save_answer(
                    &keys,
                    s.attempt_id,
                    q.question_id,
                    &q.option_ids[..1],
                    2_000,
                )
                .await
                .expect("save");
        }
    }
    let running = per_attempt(before);
    for s in &setups {
        let finished = store
            .finish_attempt(&keys, s.attempt_id, 3_000, None)
            .await
            .expect("finish");
        assert_eq!(finished.result.score, 10 * QUESTIONS as i64);
    }
    let finished = per_attempt(before);
    println!(
        "{QUESTIONS} questions of {OPTIONS} options, every one answered: {running} bytes per running attempt, {finished} per finished one"
    );
    assert!(running < 6_000, "a running attempt holds {running} bytes");
    assert!(
        finished < 3_500,
        "a finished attempt holds {finished} bytes"
    );
    // What the store keeps of a finished attempt still resumes it.
    let state = store
        .attempt_state(&keys, setups[0].attempt_id)
        .await
        .expect("state")
        .expect("kept");
    assert_eq!(state.question_ids.len(), QUESTIONS);
    assert_eq!(state.selections.len(), QUESTIONS);
}

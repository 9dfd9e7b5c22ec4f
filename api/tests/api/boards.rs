//! The contest boards in the scoring store, on both backends, against a ranking computed here
//! independently from the same results: many ties, results recorded in random order and in
//! batches, every unit's subtree, the cumulative standings, the unit tallies, and a replay
//! (what a rebuild does) reaching exactly the same state.

use std::collections::{BTreeMap, HashMap};

use dautri_api::domain::ids::AttemptId;
use dautri_api::domain::ids::ContestId;
use dautri_api::domain::ids::RoundId;
use dautri_api::scoring::{
    AttemptResult, Board, Counted, Entrant, Standing, TallyScope, UnitTally,
};
use rand::Rng;
use rand::seq::SliceRandom;
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(boards_equal_an_independent_ranking_and_a_replay);

/// A three-level tree: root → 3 children → 2 grandchildren each; paths root first.
fn tree() -> Vec<Vec<Uuid>> {
    let root = Uuid::new_v4();
    let mut paths = vec![vec![root]];
    for _ in 0..3 {
        let child = Uuid::new_v4();
        paths.push(vec![root, child]);
        for _ in 0..2 {
            paths.push(vec![root, child, Uuid::new_v4()]);
        }
    }
    paths
}

/// The ranking key of a line: score ↓, time ↑, finish ↑, then the user id as Redis orders the
/// member bytes (`<13-digit finish>:<uuid>`).
fn key(s: &Standing) -> (i64, i64, i64, String) {
    (
        -s.score,
        s.time_used_ms,
        s.finished_at_ms,
        s.user_id.to_string(),
    )
}

async fn whole_board(app: &TestApp, board: &Board) -> Vec<Standing> {
    let store = &app.state.store;
    let keys = &app.state.keys;
    let mut out = Vec::new();
    loop {
        let page = store
            .board_page(keys, board, out.len() as u64, 37)
            .await
            .expect("page");
        if page.items.is_empty() {
            assert_eq!(page.total as usize, out.len(), "{board:?}");
            return out;
        }
        out.extend(page.items);
    }
}

/// Everything the store shows of a contest, for comparing two states.
async fn snapshot(app: &TestApp, contest: Uuid, rounds: &[Uuid], units: &[Uuid]) -> Vec<String> {
    let mut all = Vec::new();
    let mut boards = vec![Board::Contest {
        contest_id: ContestId::from_uuid(contest),
        unit_id: None,
    }];
    let mut scopes = vec![TallyScope::Contest {
        contest_id: ContestId::from_uuid(contest),
    }];
    for &round_id in rounds {
        boards.push(Board::Round {
            contest_id: ContestId::from_uuid(contest),
            round_id: RoundId::from_uuid(round_id),
            unit_id: None,
        });
        scopes.push(TallyScope::Round {
            contest_id: ContestId::from_uuid(contest),
            round_id: RoundId::from_uuid(round_id),
        });
        let c = app
            .state
            .store
            .round_counters(
                &app.state.keys,
                ContestId::from_uuid(contest),
                RoundId::from_uuid(round_id),
            )
            .await
            .expect("counters");
        all.push(format!("{c:?}"));
    }
    for b in boards.clone() {
        for &u in units {
            let with_unit = match b {
                Board::Round {
                    contest_id,
                    round_id,
                    ..
                } => Board::Round {
                    contest_id,
                    round_id,
                    unit_id: Some(u),
                },
                Board::Contest { contest_id, .. } => Board::Contest {
                    contest_id,
                    unit_id: Some(u),
                },
            };
            boards.push(with_unit);
        }
    }
    for b in &boards {
        all.push(format!("{:?}", whole_board(app, b).await));
    }
    for s in &scopes {
        let t = app
            .state
            .store
            .tallies(&app.state.keys, s, units)
            .await
            .expect("tallies");
        all.push(format!("{t:?}"));
    }
    all
}

async fn boards_equal_an_independent_ranking_and_a_replay(app: &TestApp) {
    let store = &app.state.store;
    let keys = &app.state.keys;
    let mut rng = rand::rng();
    let paths = tree();
    let units: Vec<Uuid> = paths.iter().map(|p| *p.last().expect("unit")).collect();
    let contest = Uuid::new_v4();
    let rounds: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    let base = 1_800_000_000_000_i64;
    // 40 people in random units (the root too), 1–3 attempts in each of 1–3 rounds; scores
    // 0–3 and times 0–2 s force ties, finishes collide across people.
    let people: Vec<(Uuid, Vec<Uuid>, String)> = (0..40)
        .map(|i| {
            let path = paths[rng.random_range(0..paths.len())].clone();
            (Uuid::new_v4(), path, format!("Nguyễn V. {i}."))
        })
        .collect();
    let mut batch = Vec::new();
    for (user, path, name) in &people {
        for &round in &rounds {
            if !rng.random_bool(0.7) {
                continue;
            }
            for n in 0..rng.random_range(1..=3_i64) {
                let score = rng.random_range(0..=3);
                batch.push(Counted {
                    contest_id: ContestId::from_uuid(contest),
                    result: AttemptResult {
                        attempt_id: AttemptId::from_uuid(Uuid::new_v4()),
                        round_id: RoundId::from_uuid(round),
                        user_id: dautri_api::domain::ids::UserId::from_uuid(*user),
                        score,
                        max_score: 3,
                        correct_count: score,
                        time_used_ms: rng.random_range(0..3) * 1000,
                        // One person's attempts finish apart; people share finish times.
                        finished_at_ms: base + n * 10_000 + rng.random_range(0..3) * 1000,
                        prediction: None,
                    },
                    entrant: Entrant {
                        unit_path: path.clone(),
                        display_name: name.clone(),
                    },
                });
            }
        }
    }
    batch.shuffle(&mut rng);
    let mut i = 0;
    while i < batch.len() {
        let n = rng.random_range(1..=25).min(batch.len() - i);
        store
            .record_results(keys, &batch[i..i + n])
            .await
            .expect("record");
        i += n;
    }
    // Recording again changes nothing.
    let again = store.record_results(keys, &batch).await.expect("again");
    assert!(again.iter().all(|o| !o.newly_recorded && !o.is_best));

    // The expected state, computed from the results alone.
    let mut best: HashMap<(Uuid, Uuid), &Counted> = HashMap::new();
    for c in &batch {
        let r = &c.result;
        let k = |c: &Counted| {
            (
                -c.result.score,
                c.result.time_used_ms,
                c.result.finished_at_ms,
            )
        };
        let e = best
            .entry((r.round_id.into_uuid(), r.user_id.into_uuid()))
            .or_insert(c);
        if k(c) < k(e) {
            *e = c;
        }
    }
    let expect_round = |round: Uuid, unit: Option<Uuid>| -> Vec<Standing> {
        let mut lines: Vec<Standing> = best
            .iter()
            .filter(|((r, _), c)| {
                *r == round && unit.is_none_or(|u| c.entrant.unit_path.contains(&u))
            })
            .map(|(_, c)| Standing {
                rank: 0,
                user_id: c.result.user_id.into_uuid(),
                attempt_id: Some(c.result.attempt_id),
                score: c.result.score,
                time_used_ms: c.result.time_used_ms,
                finished_at_ms: c.result.finished_at_ms,
                unit_path: c.entrant.unit_path.clone(),
                display_name: c.entrant.display_name.clone(),
            })
            .collect();
        lines.sort_by_key(key);
        for (i, l) in lines.iter_mut().enumerate() {
            l.rank = i as u64;
        }
        lines
    };
    let mut totals: BTreeMap<Uuid, Standing> = BTreeMap::new();
    for ((_, user), c) in &best {
        let t = totals.entry(*user).or_insert_with(|| Standing {
            rank: 0,
            user_id: *user,
            attempt_id: None,
            score: 0,
            time_used_ms: 0,
            finished_at_ms: 0,
            unit_path: c.entrant.unit_path.clone(),
            display_name: c.entrant.display_name.clone(),
        });
        t.score += c.result.score;
        t.time_used_ms += c.result.time_used_ms;
        t.finished_at_ms = t.finished_at_ms.max(c.result.finished_at_ms);
    }
    for &round in &rounds {
        for unit in std::iter::once(None).chain(units.iter().copied().map(Some)) {
            let board = Board::Round {
                contest_id: ContestId::from_uuid(contest),
                round_id: RoundId::from_uuid(round),
                unit_id: unit,
            };
            let expected = expect_round(round, unit);
            assert_eq!(whole_board(app, &board).await, expected, "{board:?}");
            for line in &expected {
                let place = store
                    .place_of(keys, &board, line.user_id)
                    .await
                    .expect("standing");
                assert_eq!(place.standing.as_ref(), Some(line), "{board:?}");
                assert_eq!(place.total, expected.len() as u64, "{board:?}");
            }
            // Someone outside the subtree is not on its board.
            if let Some(u) = unit
                && let Some((outsider, _, _)) = people
                    .iter()
                    .find(|(p, path, _)| !path.contains(&u) && best.contains_key(&(round, *p)))
            {
                let place = store
                    .place_of(keys, &board, *outsider)
                    .await
                    .expect("standing");
                assert_eq!(place.standing, None);
                assert_eq!(place.total, expected.len() as u64, "{board:?}");
            }
        }
        let expected_tallies: Vec<UnitTally> = units
            .iter()
            .map(|u| {
                let lines = expect_round(round, Some(*u));
                UnitTally {
                    participants: lines.len() as i64,
                    score_sum: lines.iter().map(|l| l.score).sum(),
                }
            })
            .collect();
        let scope = TallyScope::Round {
            contest_id: ContestId::from_uuid(contest),
            round_id: RoundId::from_uuid(round),
        };
        assert_eq!(
            store.tallies(keys, &scope, &units).await.expect("tallies"),
            expected_tallies
        );
        let counters = store
            .round_counters(
                keys,
                ContestId::from_uuid(contest),
                RoundId::from_uuid(round),
            )
            .await
            .expect("counters");
        let in_round: Vec<&Counted> = batch
            .iter()
            .filter(|c| c.result.round_id == RoundId::from_uuid(round))
            .collect();
        assert_eq!(counters.finished_attempts as usize, in_round.len());
        assert_eq!(
            counters.participants as usize,
            best.keys().filter(|(r, _)| *r == round).count()
        );
    }
    for unit in std::iter::once(None).chain(units.iter().copied().map(Some)) {
        let mut expected: Vec<Standing> = totals
            .values()
            .filter(|t| unit.is_none_or(|u| t.unit_path.contains(&u)))
            .cloned()
            .collect();
        expected.sort_by_key(key);
        for (i, l) in expected.iter_mut().enumerate() {
            l.rank = i as u64;
        }
        let board = Board::Contest {
            contest_id: ContestId::from_uuid(contest),
            unit_id: unit,
        };
        assert_eq!(whole_board(app, &board).await, expected, "{board:?}");
    }
    assert_eq!(
        store
            .contest_participants(keys, ContestId::from_uuid(contest))
            .await
            .expect("participants") as usize,
        totals.len()
    );

    // A replay in another order (a rebuild) reaches the same state.
    let before = snapshot(app, contest, &rounds, &units).await;
    store
        .clear_contest(keys, ContestId::from_uuid(contest))
        .await
        .expect("clear");
    assert_eq!(
        store
            .board_page(
                keys,
                &Board::Contest {
                    contest_id: ContestId::from_uuid(contest),
                    unit_id: None
                },
                0,
                10
            )
            .await
            .expect("page")
            .total,
        0
    );
    batch.shuffle(&mut rng);
    store.record_results(keys, &batch).await.expect("replay");
    assert_eq!(snapshot(app, contest, &rounds, &units).await, before);

    // A rebuild writes into a staging area readers do not see, then swaps it in at once.
    let half = &batch[..batch.len() / 2];
    store
        .clear_staging(keys, ContestId::from_uuid(contest))
        .await
        .expect("clear staging");
    store.stage_results(keys, half).await.expect("stage");
    assert_eq!(snapshot(app, contest, &rounds, &units).await, before);
    store
        .promote_staging(keys, ContestId::from_uuid(contest))
        .await
        .expect("promote");
    let people: std::collections::HashSet<Uuid> =
        half.iter().map(|c| c.result.user_id.into_uuid()).collect();
    assert_eq!(
        store
            .contest_participants(keys, ContestId::from_uuid(contest))
            .await
            .expect("participants") as usize,
        people.len()
    );
    // Replaying the rest live on top reaches the full state again, with nothing left over.
    store.record_results(keys, &batch).await.expect("catch up");
    assert_eq!(snapshot(app, contest, &rounds, &units).await, before);
    store
        .clear_staging(keys, ContestId::from_uuid(contest))
        .await
        .expect("clear staging");
    assert_eq!(snapshot(app, contest, &rounds, &units).await, before);

    // The bulk path a rebuild takes (on Redis: computed in memory, written with bulk
    // commands) reaches the same state, and recording any of it again changes nothing.
    store
        .stage_contest(keys, ContestId::from_uuid(contest), &batch)
        .await
        .expect("stage in bulk");
    store
        .promote_staging(keys, ContestId::from_uuid(contest))
        .await
        .expect("promote");
    assert_eq!(snapshot(app, contest, &rounds, &units).await, before);
    let again = store.record_results(keys, &batch).await.expect("again");
    assert!(again.iter().all(|o| !o.newly_recorded && !o.is_best));
    assert_eq!(snapshot(app, contest, &rounds, &units).await, before);
}

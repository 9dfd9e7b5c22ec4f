//! The end state, checked after every run from the database and the boards: every attempt the
//! tool started is there once, finished, with the score its answers make under the key; its
//! answers are exactly the acknowledged ones, except that a save whose answer was lost (a
//! timeout) may or may not have been done; nothing after a deadline counted; and every board
//! equals a ranking computed here from the database.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Config;
use super::day::Expected;
use super::setup::Stage;

/// The verdict on a run's end state.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// Whether the end state was checked at all (it needs the database).
    pub checked: bool,
    /// Everything found wrong; empty when the end state is right.
    pub problems: Vec<String>,
    /// Finished attempts found in the database for the round.
    pub finished_attempts: usize,
    /// Boards compared with the ranking computed from the database.
    pub boards_compared: usize,
    /// Finishes the server acknowledged, and of them those the database does not hold as
    /// answered (missing, not finished, another score).
    pub finishes_acknowledged: usize,
    pub finishes_lost: usize,
    /// Acknowledged answers the database holds otherwise (another option, or none, and not
    /// one whose save's answer was lost).
    pub answers_acknowledged: usize,
    pub answers_reverted: usize,
    /// Saves whose answer the tool never got (it cannot know whether they were done).
    pub answers_unsure: usize,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.checked && self.problems.is_empty()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "checked": self.checked,
            "ok": self.ok(),
            "finished_attempts": self.finished_attempts,
            "boards_compared": self.boards_compared,
            "finishes_acknowledged": self.finishes_acknowledged,
            "finishes_lost": self.finishes_lost,
            "answers_acknowledged": self.answers_acknowledged,
            "answers_reverted": self.answers_reverted,
            "answers_unsure": self.answers_unsure,
            "problems": self.problems,
        })
    }
}

#[derive(Debug, Clone)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    unit_id: Option<Uuid>,
    status: String,
    score: Option<i64>,
    time_used_ms: Option<i64>,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    deadline: DateTime<Utc>,
    grace_ms: i64,
    practice: bool,
}

async fn attempts(db: &DatabaseConnection, round: Uuid) -> anyhow::Result<Vec<Row>> {
    let q = Query::select()
        .columns(
            [
                "id",
                "user_id",
                "unit_id",
                "status",
                "score",
                "time_used_ms",
                "started_at",
                "finished_at",
                "deadline",
                "grace_ms",
                "practice",
            ]
            .map(Alias::new),
        )
        .from(Alias::new("attempts"))
        .and_where(Expr::col(Alias::new("round_id")).eq(round))
        .to_owned();
    db.query_all(&q)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Row {
                id: r.try_get("", "id")?,
                user_id: r.try_get("", "user_id")?,
                unit_id: r.try_get("", "unit_id")?,
                status: r.try_get("", "status")?,
                score: r.try_get("", "score")?,
                time_used_ms: r.try_get("", "time_used_ms")?,
                started_at: r.try_get("", "started_at")?,
                finished_at: r.try_get("", "finished_at")?,
                deadline: r.try_get("", "deadline")?,
                grace_ms: r.try_get("", "grace_ms")?,
                practice: r.try_get("", "practice")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .context("reading the round's attempts")
}

/// attempt → question → (option ids, saved at).
type Answers = HashMap<Uuid, HashMap<Uuid, (Vec<String>, DateTime<Utc>)>>;

async fn answers(db: &DatabaseConnection, round: Uuid) -> anyhow::Result<Answers> {
    let (aa, a) = (Alias::new("attempt_answers"), Alias::new("attempts"));
    let q = Query::select()
        .column((aa.clone(), Alias::new("attempt_id")))
        .column((aa.clone(), Alias::new("question_id")))
        .column((aa.clone(), Alias::new("option_ids")))
        .column((aa.clone(), Alias::new("saved_at")))
        .from(aa.clone())
        .inner_join(
            a.clone(),
            Expr::col((a.clone(), Alias::new("id"))).equals((aa.clone(), Alias::new("attempt_id"))),
        )
        .and_where(Expr::col((a, Alias::new("round_id"))).eq(round))
        .to_owned();
    let mut out: Answers = HashMap::new();
    for r in db.query_all(&q).await? {
        let attempt: Uuid = r.try_get("", "attempt_id")?;
        let question: Uuid = r.try_get("", "question_id")?;
        let options: Value = r.try_get("", "option_ids")?;
        let saved_at: DateTime<Utc> = r.try_get("", "saved_at")?;
        let options = options
            .as_array()
            .map(|o| {
                o.iter()
                    .filter_map(|o| o.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        out.entry(attempt)
            .or_default()
            .insert(question, (options, saved_at));
    }
    Ok(out)
}

/// One line of a board as compared: rank, score, time used, finish (ms), unit.
type Line = (u64, i64, i64, i64, Option<String>);

async fn board(
    client: &reqwest::Client,
    config: &Config,
    stage: &Stage,
    unit: Option<&str>,
) -> anyhow::Result<(u64, Vec<Line>)> {
    let mut lines = Vec::new();
    let mut total;
    loop {
        let mut query = vec![
            ("offset", lines.len().to_string()),
            ("limit", "200".to_owned()),
        ];
        if let Some(u) = unit {
            query.push(("unit_id", u.to_owned()));
        }
        let page: Value = client
            .get(format!(
                "{}/api/v1/rounds/{}/leaderboard",
                config.base_url.trim_end_matches('/'),
                stage.round_id
            ))
            .query(&query)
            .bearer_auth(&stage.admin_token)
            .send()
            .await?
            .error_for_status()
            .context("reading a board as the organizer")?
            .json()
            .await?;
        total = page["total"].as_u64().unwrap_or(0);
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        for l in items {
            let finished = l["finished_at"]
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map_or(0, |t| t.timestamp_millis());
            lines.push((
                l["rank"].as_u64().unwrap_or(0),
                l["score"].as_i64().unwrap_or(-1),
                l["time_used_ms"].as_i64().unwrap_or(-1),
                finished,
                l["unit_id"].as_str().map(str::to_owned),
            ));
        }
        if lines.len() as u64 >= total {
            break;
        }
    }
    Ok((total, lines))
}

fn same_line(a: &Line, b: &Line) -> bool {
    a.0 == b.0
        && a.1 == b.1
        && a.2 == b.2
        && (a.3 - b.3).abs() <= 1
        && (a.4.is_none() || b.4.is_none() || a.4 == b.4)
}

/// Checks the end state. Waits (bounded) for the server to finish attempts whose time ran out.
pub async fn check(
    client: &reqwest::Client,
    config: &Config,
    stage: &Stage,
    expected: &[Expected],
) -> anyhow::Result<Verdict> {
    let Some(url) = &config.database_url else {
        return Ok(Verdict::default());
    };
    let db = Database::connect(url.as_str())
        .await
        .context("connecting to the database")?;
    let round: Uuid = stage.round_id.parse()?;
    let mut verdict = Verdict {
        checked: true,
        ..Verdict::default()
    };
    // Attempts the members left open are finished by the server at deadline + grace.
    let latest = expected
        .iter()
        .map(|e| e.deadline)
        .max()
        .unwrap_or_else(Utc::now);
    let wait_until = Instant::now()
        + (latest - Utc::now()).to_std().unwrap_or_default()
        + Duration::from_secs(config.grace_seconds + 20);
    let rows = loop {
        let rows = attempts(&db, round).await?;
        if rows.iter().all(|r| r.status != "open") || Instant::now() > wait_until {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let answers = answers(&db, round).await?;
    let by_id: HashMap<Uuid, &Row> = rows.iter().map(|r| (r.id, r)).collect();
    let mut problems = Vec::new();

    // Each attempt the tool started: there, once, finished, with the expected score and answers.
    let mut known = HashSet::new();
    for e in expected {
        let Ok(id) = e.attempt_id.parse::<Uuid>() else {
            problems.push(format!("attempt id {} is not a UUID", e.attempt_id));
            continue;
        };
        known.insert(id);
        // What the database holds for this attempt, question → option (one option each).
        let stored: HashMap<String, String> = answers
            .get(&id)
            .map(|a| {
                a.iter()
                    .map(|(q, (o, _))| (q.to_string(), o.join(",")))
                    .collect()
            })
            .unwrap_or_default();
        verdict.answers_acknowledged += e.acked.len();
        verdict.answers_unsure += e.unsure.values().map(Vec::len).sum::<usize>();
        verdict.answers_reverted += e
            .acked
            .keys()
            .filter(|q| !e.allows(q, stored.get(*q).map(String::as_str)))
            .count();
        if let Some(score) = e.finished_score {
            verdict.finishes_acknowledged += 1;
            let kept = by_id
                .get(&id)
                .is_some_and(|r| r.status == "finished" && r.score == Some(score));
            verdict.finishes_lost += usize::from(!kept);
        }
        let Some(row) = by_id.get(&id) else {
            problems.push(format!("attempt {id} is missing from the database"));
            continue;
        };
        if row.status != "finished" {
            problems.push(format!("attempt {id} is {}, not finished", row.status));
            continue;
        }
        if !e.allows_all(&stored) {
            problems.push(format!(
                "attempt {id}: {} answers in the database, {} acknowledged ({} lost), or different ones",
                stored.len(),
                e.acked.len(),
                e.unsure.len()
            ));
        }
        // The score is that of the answers held, which are those the tool sent (above); with no
        // answer lost, exactly the acknowledged ones.
        let right = stored
            .iter()
            .filter(|(q, o)| stage.key.get(*q) == Some(*o))
            .count();
        let want = i64::try_from(right).unwrap_or(i64::MAX) * stage.points_per_question;
        if row.score != Some(want) {
            problems.push(format!(
                "attempt {id}: score {:?} in the database, its answers make {want} (the saves the tool made allow {:?})",
                row.score,
                e.scores(stage)
            ));
        }
    }
    // Nothing after a deadline: no answer saved, no finish stamped, no time counted past it.
    let mut per_user: HashMap<Uuid, usize> = HashMap::new();
    for r in &rows {
        *per_user.entry(r.user_id).or_default() += 1;
        if !known.contains(&r.id) {
            problems.push(format!(
                "attempt {} is in the database but no member was told it started",
                r.id
            ));
        }
        let limit = r.deadline + chrono::Duration::milliseconds(r.grace_ms);
        if let Some(f) = r.finished_at
            && f > limit
        {
            problems.push(format!(
                "attempt {}: finished at {f}, after its deadline {limit}",
                r.id
            ));
        }
        if let Some(t) = r.time_used_ms
            && t > (limit - r.started_at).num_milliseconds()
        {
            problems.push(format!("attempt {}: {t} ms used, more than its time", r.id));
        }
        for (q, (_, saved_at)) in answers.get(&r.id).into_iter().flatten() {
            if *saved_at > limit {
                problems.push(format!(
                    "attempt {}: question {q} saved at {saved_at}, after the deadline {limit}",
                    r.id
                ));
            }
        }
    }
    for (user, n) in per_user {
        if n > 1 {
            problems.push(format!(
                "member {user} has {n} attempts; the round allows one"
            ));
        }
    }

    // The boards: the whole round and every unit's, against a ranking computed here.
    let unit_of: HashMap<String, String> = expected
        .iter()
        .map(|e| (e.attempt_id.clone(), e.unit.clone()))
        .collect();
    let mut counted: Vec<&Row> = rows
        .iter()
        .filter(|r| r.status == "finished" && !r.practice && r.score.is_some())
        .collect();
    verdict.finished_attempts = counted.len();
    counted.sort_by_key(|r| {
        (
            std::cmp::Reverse(r.score.unwrap_or(0)),
            r.time_used_ms.unwrap_or(0),
            r.finished_at.map_or(0, |f| f.timestamp_millis()),
            r.user_id.to_string(),
        )
    });
    let unit_str = |r: &Row| {
        r.unit_id
            .map(|u| u.to_string())
            .or_else(|| unit_of.get(&r.id.to_string()).cloned())
    };
    let mut units: Vec<Option<&String>> = vec![None];
    units.extend(stage.paths.keys().map(Some));
    let mut board_problems = Vec::new();
    for attempt in 0..6 {
        board_problems.clear();
        for unit in &units {
            let want: Vec<Line> = counted
                .iter()
                .filter(|r| match unit {
                    None => true,
                    Some(u) => unit_str(r)
                        .and_then(|own| stage.paths.get(&own))
                        .is_some_and(|path| path.contains(u)),
                })
                .enumerate()
                .map(|(i, r)| {
                    (
                        i as u64 + 1,
                        r.score.unwrap_or(0),
                        r.time_used_ms.unwrap_or(0),
                        r.finished_at.map_or(0, |f| f.timestamp_millis()),
                        unit_str(r),
                    )
                })
                .collect();
            let (total, got) = board(client, config, stage, unit.map(String::as_str)).await?;
            let name = unit.map_or("the round".to_owned(), |u| format!("unit {u}"));
            if total != want.len() as u64 || got.len() != want.len() {
                board_problems.push(format!(
                    "board of {name}: {total} entries ({} read), the database ranks {}",
                    got.len(),
                    want.len()
                ));
                continue;
            }
            if let Some(i) = (0..want.len()).find(|&i| !same_line(&got[i], &want[i])) {
                board_problems.push(format!(
                    "board of {name}: line {} is {:?}, the database ranks {:?} there",
                    i + 1,
                    got[i],
                    want[i]
                ));
            }
        }
        if board_problems.is_empty() || attempt == 5 {
            break;
        }
        // A result recorded late (the reconciler) may still be on its way: look again.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    verdict.boards_compared = units.len();
    problems.append(&mut board_problems);
    verdict.problems = problems;
    db.close().await.ok();
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::same_line;

    #[test]
    fn board_lines_compare_on_rank_score_time_finish_and_unit() {
        let line = (3, 70, 1500, 1_796_407_378_756, Some("u".to_owned()));
        assert!(same_line(&line, &line.clone()));
        // The board keeps milliseconds; the database may round the other way.
        assert!(same_line(
            &line,
            &(3, 70, 1500, 1_796_407_378_757, Some("u".into()))
        ));
        for other in [
            (4, 70, 1500, 1_796_407_378_756, Some("u".to_owned())),
            (3, 60, 1500, 1_796_407_378_756, Some("u".to_owned())),
            (3, 70, 1501, 1_796_407_378_756, Some("u".to_owned())),
            (3, 70, 1500, 1_796_407_378_759, Some("u".to_owned())),
            (3, 70, 1500, 1_796_407_378_756, Some("v".to_owned())),
        ] {
            assert!(!same_line(&line, &other), "{other:?}");
        }
    }
}

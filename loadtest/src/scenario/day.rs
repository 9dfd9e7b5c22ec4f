//! A contest day as the phones live it: members sign in (or refresh a kept session), start,
//! answer with think times, change answers, reload, finish with a prediction; some dawdle past
//! their deadline. Readers poll their unit's board and their rank; watchers follow the live view.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Value, json};

use super::Config;
use super::http::{call, call_judged_retrying, call_retrying};
use super::setup::{Member, PASSWORD, Stage};
use super::stats::Recorder;

/// What the tool knows about one attempt it started.
#[derive(Debug, Clone)]
pub struct Expected {
    pub attempt_id: String,
    pub unit: String,
    /// question → the option whose save the server acknowledged last.
    pub acked: HashMap<String, String>,
    /// question → options whose save may or may not have been done: an answer to one of its
    /// tries was lost (a timeout, a dropped connection), and the server may have saved it, even
    /// after a later save of the same question was acknowledged.
    pub unsure: HashMap<String, Vec<String>>,
    /// The server's deadline for this attempt.
    pub deadline: DateTime<Utc>,
    /// The score the finish answered, if the member finished.
    pub finished_score: Option<i64>,
    /// This member meant to let the time run out.
    pub late: bool,
}

impl Expected {
    /// Whether `stored` (what the server holds for question `q`, or nothing) is what this
    /// attempt's saves can have left: the acknowledged option, or one whose answer was lost.
    /// An acknowledged answer never goes back to nothing (the tool never clears one).
    pub fn allows(&self, q: &str, stored: Option<&str>) -> bool {
        match stored {
            Some(o) => {
                self.acked.get(q).map(String::as_str) == Some(o)
                    || self.unsure.get(q).is_some_and(|u| u.iter().any(|u| u == o))
            }
            None => !self.acked.contains_key(q),
        }
    }

    /// Whether `stored` (question → option, what the server holds) is allowed for every
    /// question the tool answered or the server holds.
    pub fn allows_all(&self, stored: &HashMap<String, String>) -> bool {
        stored
            .keys()
            .chain(self.acked.keys())
            .chain(self.unsure.keys())
            .all(|q| self.allows(q, stored.get(q).map(String::as_str)))
    }

    /// The scores the saves can make: exactly the acknowledged answers' when no answer was
    /// lost; otherwise from every lost save ignored to every right one kept.
    pub fn scores(&self, stage: &Stage) -> std::ops::RangeInclusive<i64> {
        let (mut surely, mut maybe) = (0_i64, 0_i64);
        let questions: std::collections::HashSet<&String> =
            self.acked.keys().chain(self.unsure.keys()).collect();
        for q in questions {
            let right = stage.key.get(q);
            let mut possible: Vec<Option<&String>> = vec![self.acked.get(q)];
            possible.extend(self.unsure.get(q).into_iter().flatten().map(Some));
            let rights = possible
                .iter()
                .filter(|o| o.is_some() && *o == &right)
                .count();
            if rights == possible.len() {
                surely += 1;
            } else if rights > 0 {
                maybe += 1;
            }
        }
        let points = stage.points_per_question;
        surely * points..=(surely + maybe) * points
    }
}

/// Shared by the day's tasks.
pub struct Day {
    pub client: reqwest::Client,
    pub rec: Recorder,
    pub config: Config,
    pub stage: Stage,
    pub attempts: Mutex<Vec<Expected>>,
    /// Wrong behaviour seen during the day (a resume that lost an answer, a finish with the
    /// wrong score, an answer acknowledged after the deadline).
    pub problems: Mutex<Vec<String>>,
    pub active: AtomicI64,
    pub members_done: AtomicU64,
    pub live_events: AtomicU64,
    /// Live streams opened again after the first, by all watchers.
    pub live_reopened: AtomicU64,
    /// Per watcher, the id of the last live event it received (the count of recorded
    /// attempts), for the check that every stream came back and caught up.
    pub live_seen: Vec<AtomicU64>,
    pub over: AtomicBool,
}

impl Day {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    fn problem(&self, p: String) {
        if let Ok(mut v) = self.problems.lock() {
            v.push(p);
        }
    }

    fn think(&self) -> Duration {
        // Log-normal around the median (σ = 0.6), capped: most answer quickly, a few ponder.
        let mut rng = rand::rng();
        let (u1, u2): (f64, f64) = (rng.random_range(1e-9..1.0), rng.random_range(0.0..1.0));
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        let ms = self.config.think_median_ms as f64 * (0.6 * z).exp();
        Duration::from_millis((ms as u64).min(self.config.think_max_ms))
    }
}

/// When member `i` of `n` starts, from the first start: storm (uniform within the window),
/// steady (evenly spaced) or ramp (the arrival rate rises linearly to the end of the window).
pub fn start_offset(shape: super::Shape, i: usize, n: usize, window: Duration) -> Duration {
    let f = match shape {
        super::Shape::Storm => rand::rng().random_range(0.0..1.0),
        super::Shape::Steady => i as f64 / n.max(1) as f64,
        super::Shape::Ramp => (i as f64 / n.max(1) as f64).sqrt(),
    };
    window.mul_f64(f)
}

fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// One member's day.
pub async fn member(day: Arc<Day>, m: Member) {
    let give_up = Instant::now() + Duration::from_secs(600);
    let client = &day.client;
    let rec = &day.rec;
    // Signing in: a kept session is refreshed, otherwise the password (a hash on the server).
    // A refresh that fails (its answer lost in a fault, then refused as reused) signs in with
    // the password, as the app does when its session is gone.
    let refreshed = match &m.refresh {
        Some(refresh) => call_judged_retrying(
            rec,
            "refresh",
            || {
                client
                    .post(day.url("/api/v1/auth/refresh"))
                    .header("x-forwarded-for", &m.address)
                    .json(&json!({"refresh_token": refresh}))
            },
            |r, lost| lost && r.status == 401,
            give_up,
        )
        .await
        .filter(|t| t.ok()),
        None => None,
    };
    let tokens = match refreshed {
        Some(t) => Some(t),
        None => {
            call_retrying(
                rec,
                "login",
                || {
                    client
                        .post(day.url("/api/v1/auth/login"))
                        .header("x-forwarded-for", &m.address)
                        .json(&json!({"phone": m.phone, "password": PASSWORD}))
                },
                give_up,
            )
            .await
        }
    };
    let Some(access) = tokens
        .filter(|t| t.ok())
        .and_then(|t| t.body["access_token"].as_str().map(str::to_owned))
    else {
        return;
    };
    let auth =
        |r: reqwest::RequestBuilder| r.bearer_auth(&access).header("x-forwarded-for", &m.address);
    // The home screen, then the start.
    call(
        rec,
        "home",
        auth(client.get(day.url("/api/v1/contests"))),
        &[],
    )
    .await;
    // A start whose answer was lost (a fault) is found running when tried again: the phone
    // then opens that attempt, as it does from the home screen.
    let running = |r: &super::http::Reply| r.status == 409 && r.body["attempt_id"].is_string();
    let tapped = std::time::Instant::now();
    let started = call_judged_retrying(
        rec,
        "start",
        || auth(client.post(day.url(&format!("/api/v1/rounds/{}/attempts", day.stage.round_id)))),
        |r, _| running(r),
        give_up,
    )
    .await;
    let started = match started {
        Some(r) if running(&r) => {
            let id = r.body["attempt_id"].as_str().unwrap_or_default().to_owned();
            call_retrying(
                rec,
                "resume",
                || auth(client.get(day.url(&format!("/api/v1/attempts/{id}")))),
                give_up,
            )
            .await
        }
        other => other,
    };
    let Some(attempt) = started.filter(|r| r.ok()).map(|r| r.body) else {
        return;
    };
    // What the member lived: from the tap on Vào thi to the first question, every wait the
    // server asked for included.
    rec.record_wait("start (until in)", tapped.elapsed());
    let received = Utc::now();
    let (Some(id), Some(deadline), Some(server_time)) = (
        attempt["id"].as_str().map(str::to_owned),
        parse_time(&attempt["deadline"]),
        parse_time(&attempt["server_time"]),
    ) else {
        day.problem(format!("a start answered without id/deadline: {attempt}"));
        return;
    };
    // The phone counts down with the server's clock.
    let skew = server_time - received;
    let questions: Vec<(String, Vec<String>)> = attempt["questions"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .map(|q| {
                    (
                        q["id"].as_str().unwrap_or_default().to_owned(),
                        q["options"]
                            .as_array()
                            .map(|o| {
                                o.iter()
                                    .filter_map(|o| o["id"].as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    day.active.fetch_add(1, Ordering::Relaxed);
    let late = rand::rng().random_bool(day.config.p_late.clamp(0.0, 1.0));
    let mut expected = Expected {
        attempt_id: id.clone(),
        unit: m.unit.clone(),
        acked: HashMap::new(),
        unsure: HashMap::new(),
        deadline,
        finished_score: None,
        late,
    };
    let answer_url = |q: &str| day.url(&format!("/api/v1/attempts/{id}/answers/{q}"));
    let choose = |q: &str, options: &[String], not: Option<&String>| -> Option<String> {
        let mut rng = rand::rng();
        let right = day.stage.key.get(q);
        if rng.random_bool(day.config.p_correct.clamp(0.0, 1.0)) && right != not {
            return right.cloned();
        }
        let others: Vec<&String> = options
            .iter()
            .filter(|o| Some(*o) != right && Some(*o) != not)
            .collect();
        if others.is_empty() {
            right.cloned()
        } else {
            Some(others[rng.random_range(0..others.len())].clone())
        }
    };
    // A save refused because the time is up (by the server's clock, as the phone sees it) is
    // the rule working, not an error: a slow server must fail on speed nowhere.
    let due = |_: &super::http::Reply| Utc::now() + skew + chrono::Duration::seconds(1) >= deadline;
    let save = async |op: &'static str, q: &str, option: String, expected: &mut Expected| -> bool {
        // Sent again after a 503 or a lost connection until answered, as the app does.
        let lost = std::sync::atomic::AtomicBool::new(false);
        let reply = call_judged_retrying(
            rec,
            op,
            || auth(client.put(answer_url(q))).json(&json!({"option_ids": [option.clone()]})),
            |r, lost_before| {
                lost.store(lost_before, Ordering::Relaxed);
                r.status == 409 && due(r)
            },
            give_up,
        )
        .await;
        if reply.is_none() || lost.load(Ordering::Relaxed) {
            expected
                .unsure
                .entry(q.to_owned())
                .or_default()
                .push(option.clone());
        }
        match reply {
            Some(r) if r.ok() => {
                expected.acked.insert(q.to_owned(), option);
                true
            }
            Some(r) => r.status != 409,
            None => true,
        }
    };
    let stop_at = if late {
        questions.len() / 2
    } else {
        questions.len()
    };
    for (n, (q, options)) in questions.iter().enumerate().take(stop_at) {
        tokio::time::sleep(day.think()).await;
        let Some(first) = choose(q, options, None) else {
            continue;
        };
        if !save("answer", q, first.clone(), &mut expected).await {
            break; // the attempt is closed: on to the result
        }
        if rand::rng().random_bool(day.config.p_change.clamp(0.0, 1.0)) {
            tokio::time::sleep(day.think() / 2).await;
            if let Some(other) = choose(q, options, Some(&first))
                && !save("answer (change)", q, other, &mut expected).await
            {
                break;
            }
        }
        if n + 1 < stop_at && rand::rng().random_bool(day.config.p_reload.clamp(0.0, 1.0)) {
            // A reload: the phone asks for everything again and must find every saved answer.
            if let Some(r) = call(
                rec,
                "resume",
                auth(client.get(day.url(&format!("/api/v1/attempts/{id}")))),
                &[],
            )
            .await
                && r.ok()
            {
                let saved: HashMap<String, String> = r.body["answers"]
                    .as_object()
                    .map(|a| {
                        a.iter()
                            .filter_map(|(q, o)| Some((q.clone(), o[0].as_str()?.to_owned())))
                            .collect()
                    })
                    .unwrap_or_default();
                if !expected.allows_all(&saved) {
                    day.problem(format!(
                        "attempt {id}: a resume showed {} answers, {} were acknowledged ({} lost), or different ones",
                        saved.len(),
                        expected.acked.len(),
                        expected.unsure.len()
                    ));
                }
            }
        }
    }
    if late {
        // Time runs out: wait past the deadline and its grace by the server's clock, then try to
        // answer one more question, which must be refused.
        let grace = chrono::Duration::seconds(i64::try_from(day.config.grace_seconds).unwrap_or(0));
        let past = deadline + grace + chrono::Duration::milliseconds(1500) - skew;
        if let Ok(wait) = (past - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
        if let Some((q, options)) = questions.get(stop_at)
            && let Some(option) = choose(q, options, None)
        {
            let reply = call(
                rec,
                "answer (late)",
                auth(client.put(answer_url(q))).json(&json!({"option_ids": [option]})),
                &[409],
            )
            .await;
            if let Some(r) = reply
                && r.ok()
            {
                day.problem(format!(
                    "attempt {id}: an answer was acknowledged {} ms after the deadline",
                    (Utc::now() + skew - deadline).num_milliseconds()
                ));
                expected.acked.insert(q.clone(), option);
            }
        }
    }
    let prediction = rand::rng().random_range(0..=day.config.members);
    let finished = call_retrying(
        rec,
        "finish",
        || {
            auth(client.post(day.url(&format!("/api/v1/attempts/{id}/finish"))))
                .json(&json!({"prediction": prediction}))
        },
        give_up,
    )
    .await;
    day.active.fetch_sub(1, Ordering::Relaxed);
    if let Some(r) = finished
        && r.ok()
    {
        expected.finished_score = r.body["score"].as_i64();
        let want = expected.scores(&day.stage);
        if !expected.finished_score.is_some_and(|s| want.contains(&s)) {
            day.problem(format!(
                "attempt {id}: the finish answered score {:?}, the saves make {want:?}",
                expected.finished_score
            ));
        }
    }
    if let Ok(mut all) = day.attempts.lock() {
        all.push(expected);
    }
}

/// A board reader: its unit's board and its own rank, every `poll` (±20%), until the day ends.
pub async fn reader(day: Arc<Day>, m: Member) {
    let Some(access) = m.access.clone() else {
        return;
    };
    let round = &day.stage.round_id;
    while !day.over.load(Ordering::Relaxed) {
        let board = day
            .client
            .get(day.url(&format!("/api/v1/rounds/{round}/leaderboard")))
            .query(&[("unit_id", m.unit.as_str()), ("limit", "20")])
            .bearer_auth(&access);
        call(&day.rec, "board", board, &[]).await;
        let mine = day
            .client
            .get(day.url(&format!("/api/v1/rounds/{round}/leaderboard/me")))
            .bearer_auth(&access);
        call(&day.rec, "my rank", mine, &[]).await;
        let jitter = rand::rng().random_range(0.8..1.2);
        tokio::time::sleep(day.config.poll.mul_f64(jitter)).await;
    }
}

/// A live-view watcher: holds the server-sent event stream open, reconnecting with
/// `Last-Event-ID` when it drops, and counts the events. `index` is its place in
/// [`Day::live_seen`].
pub async fn watcher(day: Arc<Day>, m: Member, index: usize) {
    let Some(access) = m.access.clone() else {
        return;
    };
    let mut last_id: Option<String> = None;
    let mut opened_before = false;
    while !day.over.load(Ordering::Relaxed) {
        if opened_before {
            day.live_reopened.fetch_add(1, Ordering::Relaxed);
        }
        opened_before = true;
        let mut request = day
            .client
            .get(day.url(&format!("/api/v1/rounds/{}/live", day.stage.round_id)))
            .bearer_auth(&access)
            .header("accept", "text/event-stream")
            .timeout(Duration::from_secs(3600));
        if let Some(id) = &last_id {
            request = request.header("last-event-id", id);
        }
        let opened = Instant::now();
        let mut response = match request.send().await {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => {
                let status = r.status();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                let kind = match body["code"].as_str() {
                    Some(code) => format!("{} {code}", status.as_u16()),
                    None => status.as_u16().to_string(),
                };
                day.rec
                    .record("live (first event)", opened.elapsed(), Some(kind));
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(_) => {
                day.rec.record(
                    "live (first event)",
                    opened.elapsed(),
                    Some("transport: connect".into()),
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut first = true;
        let mut pending = String::new();
        while !day.over.load(Ordering::Relaxed) {
            match tokio::time::timeout(Duration::from_millis(500), response.chunk()).await {
                Err(_) => continue, // nothing new yet
                Ok(Ok(Some(bytes))) => {
                    pending.push_str(&String::from_utf8_lossy(&bytes));
                    while let Some(end) = pending.find("\n\n") {
                        let event: String = pending.drain(..end + 2).collect();
                        if event.lines().any(|l| l.starts_with("data:")) {
                            day.live_events.fetch_add(1, Ordering::Relaxed);
                            if first {
                                day.rec.record("live (first event)", opened.elapsed(), None);
                                first = false;
                            }
                        }
                        if let Some(id) = event.lines().find_map(|l| l.strip_prefix("id:")) {
                            let id = id.trim().to_owned();
                            if let (Some(seen), Ok(n)) = (day.live_seen.get(index), id.parse()) {
                                seen.store(n, Ordering::Relaxed);
                            }
                            last_id = Some(id);
                        }
                    }
                }
                Ok(Ok(None)) => break,
                Ok(Err(_)) => {
                    day.rec.record(
                        "live (stream)",
                        opened.elapsed(),
                        Some("transport: body".into()),
                    );
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::start_offset;
    use crate::scenario::Shape;

    #[test]
    fn shapes_spread_the_starts_over_the_window() {
        let window = Duration::from_secs(10);
        let n = 1000;
        let starts = |shape| -> Vec<Duration> {
            (0..n).map(|i| start_offset(shape, i, n, window)).collect()
        };
        for shape in [Shape::Steady, Shape::Storm, Shape::Ramp] {
            assert!(starts(shape).iter().all(|d| *d <= window), "{shape:?}");
        }
        // Steady: evenly spaced; ramp: a quarter of the members in the first half of the window.
        let steady = starts(Shape::Steady);
        assert_eq!(steady[500], Duration::from_secs(5));
        let ramp = starts(Shape::Ramp);
        let first_half = ramp.iter().filter(|d| **d < window / 2).count();
        assert!((240..=260).contains(&first_half), "{first_half}");
    }
}

//! Arranging a contest day through the API, as an organizer would: a unit tree, a bank whose
//! key the tool keeps, a contest with one round, and the members who will take it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use futures_util::StreamExt;
use rand::Rng;
use serde_json::{Value, json};

use super::Config;
use super::http::{call, call_retrying};
use super::stats::Recorder;

/// The password every virtual member registers with.
pub const PASSWORD: &str = "Tai-thu-2026";

/// A virtual member: its phone, unit, network address and the tokens it holds before the day.
#[derive(Debug, Clone)]
pub struct Member {
    pub phone: String,
    pub unit: String,
    /// Sent as `X-Forwarded-For` (198.18.0.0/15, the benchmarking range), so the per-address
    /// limits see one phone per address.
    pub address: String,
    /// A refresh token kept from an earlier sign-in; `None` signs in with the password.
    pub refresh: Option<String>,
    /// An access token (readers and watchers only).
    pub access: Option<String>,
}

/// The organizer's own address (outside the members' range).
pub const ADMIN_ADDRESS: &str = "198.19.255.254";

/// Everything the day runs against.
#[derive(Debug, Clone)]
pub struct Stage {
    pub admin_token: String,
    pub run_id: String,
    pub root: String,
    /// unit id → its ancestors, itself included (root first).
    pub paths: HashMap<String, Vec<String>>,
    /// question id → the correct option id.
    pub key: HashMap<String, String>,
    pub contest_id: String,
    pub round_id: String,
    pub points_per_question: i64,
    pub time_limit_seconds: u64,
    /// The bank's topic (the rounds draw from it).
    pub topic: String,
    pub members: Vec<Member>,
    pub readers: Vec<Member>,
    pub watchers: Vec<Member>,
}

pub fn address(i: usize) -> String {
    // 198.18.0.0/15 holds 131,072 addresses.
    format!("198.{}.{}.{}", 18 + (i >> 16) % 2, (i >> 8) & 255, i & 255)
}

fn url(config: &Config, path: &str) -> String {
    format!("{}{path}", config.base_url.trim_end_matches('/'))
}

async fn post_ok(
    client: &reqwest::Client,
    rec: &Recorder,
    op: &'static str,
    url: String,
    token: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let reply = call(rec, op, client.post(url).bearer_auth(token).json(body), &[])
        .await
        .with_context(|| format!("{op}: no answer"))?;
    if !reply.ok() {
        bail!("{op}: {} {}", reply.status, reply.body);
    }
    Ok(reply.body)
}

/// Signs the organizer in (with retries on `busy`).
pub async fn sign_in(
    client: &reqwest::Client,
    rec: &Recorder,
    config: &Config,
    phone: &str,
    password: &str,
    address: &str,
    op: &'static str,
) -> anyhow::Result<Value> {
    let give_up = Instant::now() + Duration::from_secs(120);
    let reply = call_retrying(
        rec,
        op,
        || {
            client
                .post(url(config, "/api/v1/auth/login"))
                .header("x-forwarded-for", address)
                .json(&json!({"phone": phone, "password": password}))
        },
        give_up,
    )
    .await
    .context("login: no answer")?;
    if !reply.ok() {
        bail!("login {phone}: {} {}", reply.status, reply.body);
    }
    Ok(reply.body)
}

/// Builds the stage. Members who keep a refresh token are signed in once here (their "earlier
/// session"); the others will sign in with their password during the day.
pub async fn build(
    client: &reqwest::Client,
    rec: &Recorder,
    config: &Config,
) -> anyhow::Result<Stage> {
    let run_id: String = {
        let mut rng = rand::rng();
        (0..6)
            .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
            .collect()
    };
    let admin = sign_in(
        client,
        rec,
        config,
        &config.admin_phone,
        &config.admin_password,
        ADMIN_ADDRESS,
        "setup: login",
    )
    .await
    .context("the organizer could not sign in (see --admin-phone)")?;
    let token = admin["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned();

    // The unit tree: a root, branches, and cells under each branch; members sit in the cells.
    let new_unit = |name: String, code: String, parent: Option<String>| {
        let token = &token;
        async move {
            let body = json!({"name": name, "code": code, "parent_id": parent});
            let unit = post_ok(
                client,
                rec,
                "setup: unit",
                url(config, "/api/v1/units"),
                token,
                &body,
            );
            unit.await?["id"]
                .as_str()
                .context("unit id")
                .map(str::to_owned)
        }
    };
    let root = new_unit(
        format!("Đoàn thử tải {run_id}"),
        format!("CD-{run_id}"),
        None,
    )
    .await?;
    let mut paths = HashMap::from([(root.clone(), vec![root.clone()])]);
    let mut leaves = Vec::new();
    for b in 0..config.branches {
        let branch = new_unit(
            format!("Chi đoàn {b} ({run_id})"),
            format!("CD-{run_id}-{b}"),
            Some(root.clone()),
        )
        .await?;
        paths.insert(branch.clone(), vec![root.clone(), branch.clone()]);
        for c in 0..config.cells {
            let cell = new_unit(
                format!("Tổ {b}.{c} ({run_id})"),
                format!("CD-{run_id}-{b}-{c}"),
                Some(branch.clone()),
            )
            .await?;
            paths.insert(
                cell.clone(),
                vec![root.clone(), branch.clone(), cell.clone()],
            );
            leaves.push(cell);
        }
    }
    if leaves.is_empty() {
        leaves.push(root.clone());
    }

    // The bank: single-choice questions of a topic of this run only; the tool keeps the key.
    let topic = format!("contest_day.run_{}", run_id.to_ascii_lowercase());
    let mut key = HashMap::new();
    for i in 0..config.bank.max(config.questions) {
        let correct = i % 4;
        let options: Vec<Value> = (0..4)
            .map(|o| json!({"text": format!("Phương án {o} của câu {i}"), "correct": o == correct}))
            .collect();
        let q = post_ok(
            client,
            rec,
            "setup: question",
            url(config, "/api/v1/questions"),
            &token,
            &json!({
                "unit_id": root, "kind": "single",
                "text": format!("Câu hỏi thử tải số {i} ({run_id}): phương án nào đúng?"),
                "options": options,
                "topic": {"code": topic, "name": format!("Thử tải {run_id}")},
            }),
        )
        .await?;
        let correct_id = q["options"]
            .as_array()
            .and_then(|o| o.iter().find(|o| o["correct"] == true))
            .and_then(|o| o["id"].as_str())
            .context("the organizer's view of a question shows its key")?;
        key.insert(
            q["id"].as_str().context("question id")?.to_owned(),
            correct_id.to_owned(),
        );
    }

    // Members, readers and watchers register (and the ones keeping a session sign in once).
    let total = config.members + config.readers + config.watchers;
    let fresh_every = if config.fresh_signins <= 0.0 {
        usize::MAX
    } else {
        (1.0 / config.fresh_signins).round().max(1.0) as usize
    };
    let people: Vec<(usize, String)> = (0..total)
        .map(|i| (i, leaves[i % leaves.len()].clone()))
        .collect();
    let client = Arc::new(client.clone());
    // Two password hashes a person; at a pessimistic 20 hashes a second that is 0.1 s each, so
    // a 20,000-member day waits up to about an hour for its setup rather than failing it.
    let give_up = Instant::now()
        + Duration::from_secs(600)
        + Duration::from_millis(100) * u32::try_from(total).unwrap_or(u32::MAX);
    // Every person a phone of their own: consecutive numbers from a random start. Drawn at
    // random, 20,000 phones among 10^8 collide about twice, and registering a taken phone
    // answers like a success (it must not tell who is a member), so two virtual members shared
    // one account, each finding the other's attempt: a wrong end state that was the tool's.
    let first_phone = rand::rng().random_range(0..100_000_000u64);
    let phone_of = |n: u64| format!("09{:08}", (first_phone + n) % 100_000_000);
    let registered: Vec<anyhow::Result<Member>> = futures_util::stream::iter(people)
        .map(|(i, unit)| {
            let client = client.clone();
            let rec = rec.clone();
            async move {
                let address = address(i);
                let mut phone;
                let mut draw = i as u64;
                loop {
                    phone = phone_of(draw);
                    // Another try (409) takes a number past everyone's.
                    draw += total as u64;
                    let body = json!({"phone": phone, "password": PASSWORD, "full_name": "Người Thử Tải", "birth_date": "2000-01-01", "unit_id": unit, "consent": true});
                    let reply = call_retrying(
                        &rec,
                        "setup: register",
                        || {
                            client
                                .post(url(config, "/api/v1/auth/register"))
                                .header("x-forwarded-for", &address)
                                .json(&body)
                        },
                        give_up,
                    )
                    .await
                    .context("register: no answer")?;
                    match reply.status.as_u16() {
                        200 | 201 => break,
                        409 => continue, // the phone is taken: draw another
                        _ => bail!("register: {} {}", reply.status, reply.body),
                    }
                }
                let is_member = i < config.members;
                let fresh = is_member && i % fresh_every == fresh_every - 1;
                let (refresh, access) = if fresh {
                    (None, None)
                } else {
                    let tokens = sign_in(&client, &rec, config, &phone, PASSWORD, &address, "setup: login").await?;
                    (
                        tokens["refresh_token"].as_str().map(str::to_owned),
                        tokens["access_token"].as_str().map(str::to_owned),
                    )
                };
                Ok(Member {
                    phone,
                    unit,
                    address,
                    refresh,
                    access,
                })
            }
        })
        .buffered(config.setup_concurrency.max(1))
        .collect()
        .await;
    let mut people = registered.into_iter().collect::<anyhow::Result<Vec<_>>>()?;

    // The contest and its round, made last so that a round closing soon closes after setup.
    let contest = post_ok(
        client.as_ref(),
        rec,
        "setup: contest",
        url(config, "/api/v1/contests"),
        &token,
        &json!({"title": format!("Ngày thi thử tải {run_id}"), "unit_id": root, "eligibility": {"unit_id": root}}),
    )
    .await?;
    let contest_id = contest["id"].as_str().context("contest id")?.to_owned();
    let now = Utc::now();
    let time_limit_seconds = config.time_limit_seconds();
    let points_per_question = 10;
    let round = post_ok(
        client.as_ref(),
        rec,
        "setup: round",
        url(config, &format!("/api/v1/contests/{contest_id}/rounds")),
        &token,
        &json!({
            "name": "Vòng thử tải",
            "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
            "closes_at": match config.close_after {
                Some(after) => now + chrono::Duration::from_std(after)?,
                None => now + chrono::Duration::hours(6),
            }.to_rfc3339(),
            "questions_per_attempt": config.questions,
            "time_limit_seconds": time_limit_seconds,
            "attempts_allowed": 1,
            "pool": {"quotas": [{"topic": topic, "count": config.questions}]},
            "points_per_question": points_per_question,
            "prediction": "participants",
            "review": "score_only",
        }),
    )
    .await?;
    let round_id = round["id"].as_str().context("round id")?.to_owned();

    let watchers = people.split_off(config.members + config.readers);
    let readers = people.split_off(config.members);
    Ok(Stage {
        admin_token: token,
        run_id,
        root,
        paths,
        key,
        contest_id,
        round_id,
        points_per_question,
        time_limit_seconds,
        topic,
        members: people,
        readers,
        watchers,
    })
}

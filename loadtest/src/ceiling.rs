//! The ceiling of this machine, measured with the same client in the same run as dautri: a
//! trivial handler, and a bare "JWT + one EVALSHA" answer path (the `ceiling` binary, a
//! minimal actix-web server written for this), against dautri's `/healthz` and its real answer
//! endpoint, each closed-loop with the same connections for the same time. Only the ratios
//! mean anything on a shared machine.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::future::join_all;
use rand::Rng;
use serde_json::{Value, json};

use crate::scenario::cpu::{CpuAccount, Parts};
use crate::scenario::setup::{self, Stage};
use crate::scenario::stats::{OpStats, Recorder, median, op_json};
use crate::scenario::{Config, http};

/// How to measure the ceiling.
#[derive(Debug, Clone)]
pub struct CeilingConfig {
    /// Seconds per measured phase.
    pub seconds: u64,
    /// Closed-loop connections per phase.
    pub connections: usize,
    /// How many times the bare JWT + EVALSHA path and dautri's answer save are measured, in
    /// adjacent pairs whose order alternates: on a shared machine one pair's ratio moves by a
    /// quarter from run to run, and a pair measured side by side moves less than two rows
    /// seconds apart.
    pub pairs: usize,
    /// The `ceiling` server binary (default: next to the running executable).
    pub binary: Option<PathBuf>,
    /// Redis for the bare EVALSHA path, and a prefix of its own (its keys are removed after).
    pub redis_url: String,
    pub redis_prefix: String,
}

/// The ceiling server, stopped when dropped (also on an early return).
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// A closed-loop row: its requests, its seconds, and the machine's CPU by part over it (mean
/// cores).
#[derive(Default)]
struct Row {
    requests: u64,
    seconds: f64,
    cpu: Option<Parts>,
}

impl Row {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds.max(0.001)
    }

    /// CPU time per request (µs) by part: in a closed loop on saturated cores the rate is
    /// about the cores over the machine's CPU per request, and this says which process the
    /// difference is in.
    fn per_request(&self) -> Option<Parts> {
        self.cpu
            .map(|p| p.scaled(self.seconds * 1e6 / (self.requests.max(1) as f64)))
    }

    /// Several rows of one operation as one.
    fn pooled(rows: &[Row]) -> Row {
        let seconds: f64 = rows.iter().map(|r| r.seconds).sum();
        let cpu = rows.iter().try_fold(Parts::default(), |mut sum, r| {
            sum.add(r.cpu?.scaled(r.seconds / seconds.max(0.001)));
            Some(sum)
        });
        Row {
            requests: rows.iter().map(|r| r.requests).sum(),
            seconds,
            cpu,
        }
    }
}

/// Runs `connections` workers sending what `make(worker)` builds for `seconds`, counting the
/// CPU of the machine and of `server` (the process answering, when it runs here) meanwhile.
/// Latencies go to `rec` under `name` (shared by the repeats of a row).
async fn closed_loop(
    rec: &Recorder,
    name: &'static str,
    seconds: u64,
    connections: usize,
    server: Option<u32>,
    make: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>,
) -> Row {
    let before = requests(rec, name);
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut cpu = CpuAccount::new(server);
    let workers = (0..connections).map(|w| {
        let (rec, make) = (rec.clone(), make.clone());
        tokio::spawn(async move {
            while Instant::now() < until {
                http::call(&rec, name, make(w), &[]).await;
            }
        })
    });
    join_all(workers).await;
    let cpu = cpu.sample();
    Row {
        requests: requests(rec, name) - before,
        seconds: started.elapsed().as_secs_f64(),
        cpu,
    }
}

fn requests(rec: &Recorder, name: &'static str) -> u64 {
    rec.snapshot().get(name).map_or(0, OpStats::requests)
}

fn helper_binary(c: &CeilingConfig) -> anyhow::Result<PathBuf> {
    if let Some(b) = &c.binary {
        return Ok(b.clone());
    }
    let me = std::env::current_exe()?;
    let dir = me.parent().context("the executable has no directory")?;
    // Next to us, or one level up when we run as a test binary in target/*/deps.
    for candidate in [dir.join("ceiling"), dir.join("../ceiling")] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "no `ceiling` binary next to {} (cargo build -p loadtest --bins)",
        me.display()
    )
}

/// Measures the ceiling and dautri's matching endpoints; returns them as JSON.
pub async fn measure(
    client: &reqwest::Client,
    config: &Config,
    stage: &Stage,
    c: &CeilingConfig,
) -> anyhow::Result<Value> {
    // The ceiling server, on a port it chooses; it prints "<port> <token>".
    let mut child = Child(
        std::process::Command::new(helper_binary(c)?)
            .env("REDIS_URL", &c.redis_url)
            .env("CEILING_PREFIX", &c.redis_prefix)
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the ceiling server")?,
    );
    let ceiling_pid = Some(child.0.id());
    let stdout = child.0.stdout.take().context("ceiling stdout")?;
    let line = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
                .map(|_| line)
        }),
    )
    .await;
    let line = match line {
        Ok(Ok(Ok(line))) => line,
        _ => bail!("the ceiling server did not start"),
    };
    let mut words = line.split_whitespace();
    let (Some(port), Some(token)) = (words.next(), words.next()) else {
        bail!("the ceiling server said {line:?}");
    };
    let ceiling = format!("http://127.0.0.1:{port}");
    let token = token.to_owned();
    let base = config.base_url.trim_end_matches('/').to_owned();

    // dautri's answer path needs running attempts: one member per connection, each saving its
    // own attempt's answers in turn, in a round of their own (the day's round may be closed,
    // and its end state is checked without them).
    let rec = Recorder::new();
    let now = chrono::Utc::now();
    let contest = http::call(
        &rec,
        "contest",
        client
            .post(format!("{base}/api/v1/contests"))
            .bearer_auth(&stage.admin_token)
            .json(&json!({"title": format!("Đo trần {}", stage.run_id), "unit_id": stage.root, "eligibility": {"unit_id": stage.root}})),
        &[],
    )
    .await
    .filter(|r| r.ok())
    .context("creating the contest for the answer-path measurement")?;
    let contest_id = contest.body["id"]
        .as_str()
        .context("contest id")?
        .to_owned();
    let round = http::call(
        &rec,
        "round",
        client
            .post(format!("{base}/api/v1/contests/{contest_id}/rounds"))
            .bearer_auth(&stage.admin_token)
            .json(&json!({
                "name": "Vòng đo trần",
                "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::hours(1)).to_rfc3339(),
                "questions_per_attempt": config.questions,
                "time_limit_seconds": 1800,
                "pool": {"quotas": [{"topic": stage.topic, "count": config.questions}]},
                "review": "score_only",
            })),
        &[],
    )
    .await
    .context("creating the round for the answer-path measurement: no answer")?;
    if !round.ok() {
        bail!(
            "creating the round for the answer-path measurement: {} {}",
            round.status,
            round.body
        );
    }
    let round_id = round.body["id"].as_str().context("round id")?.to_owned();
    let mut attempts = Vec::new();
    for i in 0..c.connections {
        let address = setup::address(100_000 + i);
        let phone = format!("08{:08}", rand::rng().random_range(0..100_000_000u32));
        let give_up = Instant::now() + Duration::from_secs(120);
        let body = json!({"phone": phone, "password": setup::PASSWORD, "full_name": "Người Thử Trần", "birth_date": "2000-01-01", "unit_id": stage.root, "consent": true});
        http::call_retrying(
            &rec,
            "register",
            || {
                client
                    .post(format!("{base}/api/v1/auth/register"))
                    .header("x-forwarded-for", &address)
                    .json(&body)
            },
            give_up,
        )
        .await;
        let tokens = setup::sign_in(
            client,
            &rec,
            config,
            &phone,
            setup::PASSWORD,
            &address,
            "login",
        )
        .await?;
        let access = tokens["access_token"]
            .as_str()
            .context("access token")?
            .to_owned();
        let attempt = http::call(
            &rec,
            "start",
            client
                .post(format!("{base}/api/v1/rounds/{round_id}/attempts"))
                .bearer_auth(&access),
            &[],
        )
        .await
        .filter(|r| r.ok())
        .context("starting an attempt for the answer-path measurement")?
        .body;
        let questions: Vec<(String, Vec<String>)> = attempt["questions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|q| {
                (
                    q["id"].as_str().unwrap_or_default().to_owned(),
                    q["options"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|o| o["id"].as_str().map(str::to_owned))
                        .collect(),
                )
            })
            .collect();
        attempts.push((
            access,
            attempt["id"].as_str().unwrap_or_default().to_owned(),
            questions,
        ));
    }
    let attempts = Arc::new(attempts);

    let rows = Recorder::new();
    let (cl, cb) = (client.clone(), ceiling.clone());
    let plain = closed_loop(
        &rows,
        PLAIN,
        c.seconds,
        c.connections,
        ceiling_pid,
        Arc::new(move |_| cl.get(format!("{cb}/plain"))),
    )
    .await;
    let (cl, b) = (client.clone(), base.clone());
    let health = closed_loop(
        &rows,
        HEALTH,
        c.seconds,
        c.connections,
        config.server_pid,
        Arc::new(move |_| cl.get(format!("{b}/healthz"))),
    )
    .await;
    let (cl, cb, tk) = (client.clone(), ceiling.clone(), token.clone());
    let bare_request: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync> =
        Arc::new(move |w| {
            let q = rand::rng().random_range(0..20);
            cl.put(format!("{cb}/answer/{w}/{q}"))
                .bearer_auth(&tk)
                .json(&json!({"option_ids": [format!("{}", q % 4)]}))
        });
    let (cl, b, at) = (client.clone(), base.clone(), attempts.clone());
    let answer_request: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync> =
        Arc::new(move |w| {
            let (access, id, questions) = &at[w];
            let mut rng = rand::rng();
            let (q, options) = &questions[rng.random_range(0..questions.len())];
            let option = &options[rng.random_range(0..options.len())];
            cl.put(format!("{b}/api/v1/attempts/{id}/answers/{q}"))
                .bearer_auth(access)
                .json(&json!({"option_ids": [option]}))
        });
    let (mut bares, mut answers) = (Vec::new(), Vec::new());
    for pair in 0..c.pairs.max(1) {
        let bare = || {
            closed_loop(
                &rows,
                BARE,
                c.seconds,
                c.connections,
                ceiling_pid,
                bare_request.clone(),
            )
        };
        let answer = || {
            closed_loop(
                &rows,
                ANSWER,
                c.seconds,
                c.connections,
                config.server_pid,
                answer_request.clone(),
            )
        };
        // The order alternates, so that a machine growing busier or quieter over the pairs
        // does not favour one side.
        if pair % 2 == 0 {
            bares.push(bare().await);
            answers.push(answer().await);
        } else {
            answers.push(answer().await);
            bares.push(bare().await);
        }
    }
    for (access, id, _) in attempts.iter() {
        http::call(
            &rec,
            "finish",
            client
                .post(format!("{base}/api/v1/attempts/{id}/finish"))
                .bearer_auth(access)
                .json(&json!({"prediction": 1})),
            &[],
        )
        .await;
    }
    drop(child);
    cleanup(&c.redis_url, &c.redis_prefix).await;

    let stats = rows.snapshot();
    let entry = |name: &'static str, r: &Row, base: f64| {
        let mut v = op_json(
            name,
            &stats.get(name).cloned().unwrap_or_default(),
            r.seconds,
        );
        // The rate of this row's own requests (the pooled rows' seconds are their sum).
        v["per_second"] = json!(r.rate());
        v["ratio"] = json!(r.rate() / base.max(0.001));
        v["cpu_cores"] = r.cpu.map_or(Value::Null, Parts::to_json);
        v["cpu_us_per_request"] = r.per_request().map_or(Value::Null, Parts::to_json);
        v
    };
    let cpu_ratio = |answer: &Row, bare: &Row| match (answer.per_request(), bare.per_request()) {
        (Some(a), Some(b)) if b.machine > 0.0 => json!(a.machine / b.machine),
        _ => Value::Null,
    };
    let pairs: Vec<Value> = bares
        .iter()
        .zip(&answers)
        .map(|(bare, answer)| {
            json!({
                "bare_per_second": bare.rate(),
                "answer_per_second": answer.rate(),
                "answer_vs_bare": answer.rate() / bare.rate().max(0.001),
                "answer_machine_cpu_vs_bare": cpu_ratio(answer, bare),
            })
        })
        .collect();
    let (bare, answer) = (Row::pooled(&bares), Row::pooled(&answers));
    let p = plain.rate();
    Ok(json!({
        "seconds": c.seconds,
        "connections": c.connections,
        "rows": [
            entry(PLAIN, &plain, p),
            entry(HEALTH, &health, p),
            entry(BARE, &bare, bare.rate()),
            entry(ANSWER, &answer, bare.rate()),
        ],
        "pairs": pairs,
        "answer_vs_bare": answer.rate() / bare.rate().max(0.001),
        "answer_vs_bare_median": median(pairs.iter().filter_map(|p| p["answer_vs_bare"].as_f64())),
        "healthz_vs_trivial": health.rate() / p.max(0.001),
        "answer_machine_cpu_vs_bare": cpu_ratio(&answer, &bare),
        "answer_machine_cpu_vs_bare_median": median(
            pairs.iter().filter_map(|p| p["answer_machine_cpu_vs_bare"].as_f64())
        ),
    }))
}

const PLAIN: &str = "ceiling: trivial handler";
const HEALTH: &str = "dautri: GET /healthz";
const BARE: &str = "ceiling: JWT + EVALSHA";
const ANSWER: &str = "dautri: PUT answer";

/// Removes the ceiling server's keys (its prefix only; never a flush).
async fn cleanup(url: &str, prefix: &str) {
    let Ok(client) = redis::Client::open(url) else {
        return;
    };
    let Ok(mut con) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let mut cursor: u64 = 0;
    loop {
        let Ok((next, keys)): Result<(u64, Vec<String>), _> = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}:*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut con)
            .await
        else {
            return;
        };
        if !keys.is_empty() {
            let _: Result<u64, _> = redis::cmd("UNLINK").arg(&keys).query_async(&mut con).await;
        }
        cursor = next;
        if cursor == 0 {
            return;
        }
    }
}

/// The ceiling part of the table.
pub fn table(c: &Value) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nceiling, same client, same run ({} connections, {} s each; ratios against the row above's baseline):",
        c["connections"], c["seconds"]
    );
    for r in c["rows"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "{:<26} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {:>4}  × {:.2}  CPU/request {:>5.0} µs machine, {:>5.0} µs server",
            r["op"].as_str().unwrap_or(""),
            r["per_second"].as_f64().unwrap_or(0.0),
            r["p50_ms"].as_f64().unwrap_or(0.0),
            r["p99_ms"].as_f64().unwrap_or(0.0),
            r["errors"].as_u64().unwrap_or(0),
            r["ratio"].as_f64().unwrap_or(0.0),
            r["cpu_us_per_request"]["machine"].as_f64().unwrap_or(0.0),
            r["cpu_us_per_request"]["server"].as_f64().unwrap_or(0.0)
        );
    }
    let pairs = c["pairs"].as_array().map_or(&[][..], Vec::as_slice);
    if pairs.len() > 1 {
        let list = |key: &str| {
            pairs
                .iter()
                .map(|p| format!("{:.2}", p[key].as_f64().unwrap_or(f64::NAN)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "answer ÷ bare in {} adjacent pairs (order alternating): {} (median {:.2}); the machine's CPU per request, answer ÷ bare: {} (median {:.2})",
            pairs.len(),
            list("answer_vs_bare"),
            c["answer_vs_bare_median"].as_f64().unwrap_or(f64::NAN),
            list("answer_machine_cpu_vs_bare"),
            c["answer_machine_cpu_vs_bare_median"]
                .as_f64()
                .unwrap_or(f64::NAN),
        );
    }
    if let Some(x) = c["answer_machine_cpu_vs_bare"].as_f64() {
        let parts = |row: &Value| {
            let us = &row["cpu_us_per_request"];
            let f = |k: &str| us[k].as_f64().unwrap_or(0.0);
            format!(
                "server {:.0}, Redis {:.0}, PostgreSQL {:.0}, load tool {:.0}, other {:.0}",
                f("server"),
                f("redis"),
                f("postgresql"),
                f("load_tool"),
                f("other")
            )
        };
        let _ = writeln!(
            out,
            "the machine's CPU per answer save: {x:.2} × the bare path's; µs per request by part: dautri {} | bare {}",
            parts(&c["rows"][3]),
            parts(&c["rows"][2])
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(machine: f64, server: f64) -> Parts {
        Parts {
            machine,
            server,
            ..Parts::default()
        }
    }

    /// Pooled rows count every request over every second, and the CPU is the mean over the
    /// seconds (not over the rows): a 1-second row at 2 cores and a 3-second one at 1 core
    /// used 5 core-seconds in 4 s.
    #[test]
    fn pooled_rows_weigh_each_by_its_seconds() {
        let rows = [
            Row {
                requests: 1_000,
                seconds: 1.0,
                cpu: Some(parts(2.0, 1.0)),
            },
            Row {
                requests: 4_000,
                seconds: 3.0,
                cpu: Some(parts(1.0, 0.5)),
            },
        ];
        let pooled = Row::pooled(&rows);
        assert_eq!(pooled.requests, 5_000);
        assert!((pooled.rate() - 1_250.0).abs() < 1e-9);
        let cpu = pooled.cpu.expect("cpu");
        assert!((cpu.machine - 1.25).abs() < 1e-9, "{cpu:?}");
        assert!((cpu.server - 0.625).abs() < 1e-9, "{cpu:?}");
        // 5 core-seconds over 5,000 requests: 1,000 µs each.
        let per = pooled.per_request().expect("per request");
        assert!((per.machine - 1_000.0).abs() < 1e-6, "{per:?}");
        // A row without CPU figures leaves the pool without them.
        let partial = Row::pooled(&[
            Row {
                requests: 1,
                seconds: 1.0,
                cpu: None,
            },
            Row {
                requests: 1,
                seconds: 1.0,
                cpu: Some(parts(1.0, 1.0)),
            },
        ]);
        assert!(partial.cpu.is_none());
    }
}

//! `loadtest`: drives a running dautri server and reports each endpoint against a trivial
//! baseline (`/healthz`) measured in the same run, so figures compare across machines as ratios.
//!
//! Setup registers `--users` members in a unit and signs them in. Then, for `--seconds` each:
//! - `GET /healthz`: the baseline, a trivial handler;
//! - `GET /api/v1/me`: the authenticated read path (JWT + three reads);
//! - `PUT /api/v1/attempts/{id}/answers/{q}`: the answer path (JWT + one atomic store script +
//!   the journal), each member answering random questions of their own attempt in the first
//!   open round of the first contest they may enter (the demo data has one).
//!
//! After the answer phase it reads the journal's lag from `/metrics` and finishes the attempts.
//!
//! Only loopback targets are accepted and every phase is bounded in time. Start the server with
//! a high `DAUTRI_LOGIN__MAX_PER_IP`: all virtual members sign in from one address.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use rand::Rng;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(name = "loadtest", about = "Load generator for dautri (loopback only)")]
struct Args {
    /// Server to drive; must be on loopback.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Virtual members to register and sign in.
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Ask for uncompressed responses (phones ask for gzip, br, zstd or deflate).
    #[arg(long)]
    identity: bool,
    /// Seconds per measured phase (1–300).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    seconds: u64,
    /// Code of the unit the virtual members join (default: the first unit a search for "chi doan" finds).
    #[arg(long)]
    unit_code: Option<String>,
}

/// What one phase measured.
struct Phase {
    name: &'static str,
    requests: u64,
    errors: u64,
    elapsed: Duration,
    latency_us: Histogram<u64>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn report(&self, baseline: Option<&Phase>) {
        let ratio = baseline
            .map(|b| format!("  ({:.2} × baseline throughput)", self.rate() / b.rate()))
            .unwrap_or_default();
        println!(
            "{:<14} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}{}",
            self.name,
            self.rate(),
            self.latency_us.value_at_quantile(0.50) as f64 / 1000.0,
            self.latency_us.value_at_quantile(0.99) as f64 / 1000.0,
            self.errors,
            ratio
        );
    }
}

fn ensure_loopback(base_url: &str) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(base_url).context("--base-url is not a URL")?;
    let host = url.host_str().unwrap_or("");
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        bail!("--base-url must point at this machine (127.0.0.0/8, ::1 or localhost); got {host}");
    }
    Ok(())
}

async fn setup(client: &reqwest::Client, args: &Args) -> anyhow::Result<Vec<String>> {
    let search = match &args.unit_code {
        Some(code) => code.clone(),
        None => "chi doan".into(),
    };
    let units: Value = client
        .get(format!("{}/api/v1/units", args.base_url))
        .query(&[("q", search.as_str())])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let unit_id = units["items"][0]["id"]
        .as_str()
        .context("no unit found to register members in (run `api demo` or pass --unit-code)")?
        .to_owned();
    let mut tokens = Vec::with_capacity(args.users);
    let password = "Tai-thu-2026";
    for _ in 0..args.users {
        let phone = format!("097{:07}", rand::rng().random_range(0..10_000_000u32));
        let body = json!({"phone": phone, "password": password, "full_name": "Người Thử Tải", "birth_date": "2000-01-01", "unit_id": unit_id, "consent": true});
        let response = client
            .post(format!("{}/api/v1/auth/register", args.base_url))
            .json(&body)
            .send()
            .await?;
        if !(response.status().is_success() || response.status() == reqwest::StatusCode::CONFLICT) {
            bail!(
                "register failed: {} {}",
                response.status(),
                response.text().await.unwrap_or_default()
            );
        }
        let login: Value = client
            .post(format!("{}/api/v1/auth/login", args.base_url))
            .json(&json!({"phone": phone, "password": password}))
            .send()
            .await?
            .error_for_status()
            .context("login failed (raise DAUTRI_LOGIN__MAX_PER_IP on the server?)")?
            .json()
            .await?;
        tokens.push(
            login["access_token"]
                .as_str()
                .context("no access token")?
                .to_owned(),
        );
    }
    Ok(tokens)
}

/// One member's running attempt: token, attempt id, and its questions with their option ids.
struct Running {
    token: String,
    attempt: String,
    questions: Vec<(String, Vec<String>)>,
}

async fn start_attempts(
    client: &reqwest::Client,
    base: &str,
    tokens: &[String],
) -> anyhow::Result<Vec<Running>> {
    let first = tokens.first().context("no members")?;
    let contests: Value = client
        .get(format!("{base}/api/v1/contests"))
        .bearer_auth(first)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let contest = contests["items"][0]["id"]
        .as_str()
        .context("no contest to enter (run `api demo`)")?
        .to_owned();
    let rounds: Value = client
        .get(format!("{base}/api/v1/contests/{contest}/rounds"))
        .bearer_auth(first)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let round = rounds["items"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["state"] == "open"))
        .and_then(|r| r["id"].as_str())
        .context("no open round")?
        .to_owned();
    let mut running = Vec::with_capacity(tokens.len());
    for token in tokens {
        let attempt: Value = client
            .post(format!("{base}/api/v1/rounds/{round}/attempts"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()
            .context("start attempt")?
            .json()
            .await?;
        let questions = attempt["questions"]
            .as_array()
            .context("questions")?
            .iter()
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
            .collect();
        running.push(Running {
            token: token.clone(),
            attempt: attempt["id"].as_str().context("attempt id")?.to_owned(),
            questions,
        });
    }
    Ok(running)
}

/// Builds the next request of a phase (any endpoint, any member).
type MakeRequest = Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync>;

/// Sends requests from `--connections` workers for `--seconds` and records their latency.
async fn measure(name: &'static str, args: &Args, make: MakeRequest) -> anyhow::Result<Phase> {
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let workers = (0..args.connections).map(|_| {
        let make = make.clone();
        tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            let (mut requests, mut errors) = (0u64, 0u64);
            while Instant::now() < deadline {
                let request = make();
                let sent = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        response.status().is_success() && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                histogram.record(
                    u64::try_from(sent.elapsed().as_micros())
                        .unwrap_or(u64::MAX)
                        .max(1),
                )?;
                requests += 1;
                errors += u64::from(!ok);
            }
            anyhow::Ok((histogram, requests, errors))
        })
    });
    let mut latency_us = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut requests, mut errors) = (0, 0);
    for result in futures_util::future::join_all(workers).await {
        let (h, r, e) = result??;
        latency_us.add(h)?;
        requests += r;
        errors += e;
    }
    Ok(Phase {
        name,
        requests,
        errors,
        elapsed: started.elapsed(),
        latency_us,
    })
}

/// `GET url`, with a random member's token when `tokens` is not empty.
fn get_with_random_token(
    client: &reqwest::Client,
    url: String,
    tokens: Arc<Vec<String>>,
) -> MakeRequest {
    let client = client.clone();
    Arc::new(move || {
        let request = client.get(&url);
        if tokens.is_empty() {
            request
        } else {
            request.bearer_auth(&tokens[rand::rng().random_range(0..tokens.len())])
        }
    })
}

/// `PUT` a random option of a random question of a random member's attempt.
fn put_random_answer(
    client: &reqwest::Client,
    base: &str,
    running: Arc<Vec<Running>>,
) -> MakeRequest {
    let (client, base) = (client.clone(), base.to_owned());
    Arc::new(move || {
        let mut rng = rand::rng();
        let r = &running[rng.random_range(0..running.len())];
        let (q, options) = &r.questions[rng.random_range(0..r.questions.len())];
        let option = &options[rng.random_range(0..options.len())];
        client
            .put(format!("{base}/api/v1/attempts/{}/answers/{q}", r.attempt))
            .bearer_auth(&r.token)
            .json(&json!({"option_ids": [option]}))
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    loadtest::scenario::install_crypto_provider();
    let args = Args::parse();
    ensure_loopback(&args.base_url)?;
    let client = loadtest::client_builder(args.identity)
        .pool_max_idle_per_host(args.connections)
        .timeout(Duration::from_secs(30))
        .build()?;
    println!(
        "setting up {} virtual members on {}",
        args.users, args.base_url
    );
    let tokens = Arc::new(setup(&client, &args).await?);
    println!(
        "measuring {} s per phase with {} connections",
        args.seconds, args.connections
    );
    let base = &args.base_url;
    let baseline = measure(
        "GET /healthz",
        &args,
        get_with_random_token(&client, format!("{base}/healthz"), Arc::new(Vec::new())),
    )
    .await?;
    baseline.report(None);
    let me = measure(
        "GET /me",
        &args,
        get_with_random_token(&client, format!("{base}/api/v1/me"), tokens.clone()),
    )
    .await?;
    me.report(Some(&baseline));
    let running = Arc::new(start_attempts(&client, base, &tokens).await?);
    let answers = measure(
        "PUT answer",
        &args,
        put_random_answer(&client, base, running.clone()),
    )
    .await?;
    answers.report(Some(&baseline));
    // Let the journal catch up, then read its lag.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let lag = loadtest::scenario::journal::read(&client, &args.base_url, None).await;
    if lag.is_null() {
        println!("journal: /metrics could not be read");
    } else {
        print!("{}", loadtest::scenario::journal::line(&lag));
    }
    for r in running.iter() {
        let _ = client
            .post(format!(
                "{}/api/v1/attempts/{}/finish",
                args.base_url, r.attempt
            ))
            .bearer_auth(&r.token)
            .json(&json!({"prediction": 0}))
            .send()
            .await;
    }
    if me.errors + answers.errors > 0 {
        bail!("{} requests failed", me.errors + answers.errors);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_targets_are_accepted() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:8080",
            "http://127.3.2.1",
        ] {
            assert!(super::ensure_loopback(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://example.com",
            "http://192.168.1.2:8080",
            "not a url",
        ] {
            assert!(super::ensure_loopback(bad).is_err(), "{bad}");
        }
    }
}

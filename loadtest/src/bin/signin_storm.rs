//! `signin_storm`: N people register and sign in at the same moment, as when a national round
//! opens, against a running dautri; the server's memory is read from `/proc/<pid>` before,
//! during (peak) and after, and the run fails unless every person ends up signed in with no
//! error other than 503 `busy` (which each virtual phone honours: it waits `Retry-After` and
//! tries again, as the member app does).
//!
//! Each virtual person has its own address, sent as `X-Forwarded-For` (start the server with
//! `DAUTRI_TRUSTED_PROXIES=127.0.0.1`), so the per-address limits stay at their defaults. The
//! addresses are only strings in a header (198.18.0.0/15, the benchmarking range): every
//! request goes to the loopback server given by `--base-url`.
//!
//! `--hash-cost` instead measures one argon2id hash with each of OWASP's equivalent settings
//! against the parameters dautri used before (the argon2 crate's defaults) in the same run.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::{Value, json};

use loadtest::scenario::stats::median;

#[derive(Debug, Parser)]
#[command(
    name = "signin_storm",
    about = "A sign-in storm against dautri (loopback only)"
)]
struct Args {
    /// Server to drive; must be on loopback.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// People registering and signing in at once.
    #[arg(long, default_value_t = 400)]
    users: u32,
    /// The server's process id, to read its memory (VmRSS, VmHWM) from /proc.
    #[arg(long)]
    pid: Option<u32>,
    /// Give up on the storm after this many seconds (bounded run).
    #[arg(long, default_value_t = 300)]
    deadline_seconds: u64,
    /// Code or name of the unit to register in (default: the first a search for "chi doan" finds).
    #[arg(long)]
    unit_code: Option<String>,
    /// Register everyone first, then storm with sign-ins only: members whose accounts exist
    /// (imported by their unit) signing in for the first time when the round opens. Without
    /// it, each person registers and signs in within the storm.
    #[arg(long)]
    accounts_first: bool,
    /// Measure argon2id's cost per hash for each OWASP setting instead of running a storm.
    #[arg(long)]
    hash_cost: bool,
    /// Hashes per setting for `--hash-cost`.
    #[arg(long, default_value_t = 20)]
    hashes: u32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    loadtest::scenario::install_crypto_provider();
    let args = Args::parse();
    if args.hash_cost {
        return hash_cost(args.hashes);
    }
    ensure_loopback(&args.base_url)?;
    storm(&args).await
}

/// OWASP Password Storage Cheat Sheet, argon2id: equivalent settings (m in KiB, t, p = 1).
const OWASP: &[(u32, u32)] = &[
    (47_104, 1),
    (19_456, 2),
    (12_288, 3),
    (9_216, 4),
    (7_168, 5),
];

fn hash_cost(hashes: u32) -> anyhow::Result<()> {
    use argon2::password_hash::PasswordHasher as _;
    let time = |m: u32, t: u32| -> anyhow::Result<Duration> {
        let params = argon2::Params::new(m, t, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
        let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let started = Instant::now();
        for _ in 0..hashes {
            a.hash_password(b"Tai-thu-2026")
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(started.elapsed() / hashes)
    };
    // The baseline is the argon2 crate's defaults (dautri's parameters before), timed right
    // before each setting, several rounds over: on a shared machine the load drifts, and a
    // ratio to a baseline measured moments before drifts much less than a time does.
    const ROUNDS: usize = 5;
    time(19_456, 2)?; // warm up
    println!(
        "argon2id, one thread, {hashes} hashes per timing, {ROUNDS} rounds; baseline m=19456 KiB t=2 p=1 (the previous parameters) timed before each setting; medians"
    );
    println!(
        "{:>10} {:>3} {:>10} {:>12} {:>8} {:>12}",
        "m (KiB)", "t", "ms/hash", "baseline ms", "ratio", "MiB at once"
    );
    for &(m, t) in OWASP {
        let mut took = Vec::new();
        let mut base = Vec::new();
        let mut ratio = Vec::new();
        for _ in 0..ROUNDS {
            let b = time(19_456, 2)?;
            let x = time(m, t)?;
            ratio.push(x.as_secs_f64() / b.as_secs_f64());
            took.push(ms(x));
            base.push(ms(b));
        }
        println!(
            "{m:>10} {t:>3} {:>10.1} {:>12.1} {:>8.2} {:>12.1}",
            median(took.iter().copied()).unwrap_or(f64::NAN),
            median(base.iter().copied()).unwrap_or(f64::NAN),
            median(ratio.iter().copied()).unwrap_or(f64::NAN),
            f64::from(m) / 1024.0
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
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

/// VmRSS and VmHWM of `pid`, in MiB.
fn memory(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[derive(Default)]
struct Tally {
    registered: AtomicU64,
    signed_in: AtomicU64,
    busy: AtomicU64,
    errors: AtomicU64,
}

/// One request, retried after `Retry-After` while the server says `busy`.
async fn with_retry(
    client: &reqwest::Client,
    url: &str,
    address: &str,
    body: &Value,
    tally: &Tally,
    give_up: Instant,
) -> anyhow::Result<reqwest::Response> {
    loop {
        let response = client
            .post(url)
            .header("x-forwarded-for", address)
            .json(body)
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::SERVICE_UNAVAILABLE {
            return Ok(response);
        }
        tally.busy.fetch_add(1, Ordering::Relaxed);
        let wait: u64 = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .context("503 without Retry-After")?;
        if Instant::now() + Duration::from_secs(wait) > give_up {
            bail!("still busy at the deadline");
        }
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
}

/// The password every virtual person registers with.
const PASSWORD: &str = "Tai-thu-2026";

/// One virtual person.
struct Person {
    /// Their own address, sent as `X-Forwarded-For`.
    address: String,
    phone: String,
}

/// A `POST` of `body` to `path` as `who`, retried while busy; fails unless it answers `want`,
/// and counts it in `done`.
#[allow(clippy::too_many_arguments)]
async fn post_as(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    who: &Person,
    body: &Value,
    want: reqwest::StatusCode,
    done: &AtomicU64,
    tally: &Tally,
    give_up: Instant,
) -> anyhow::Result<()> {
    let r = with_retry(
        client,
        &format!("{base}{path}"),
        &who.address,
        body,
        tally,
        give_up,
    )
    .await?;
    if r.status() != want {
        bail!(
            "{path}: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
    }
    done.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

async fn register(
    client: &reqwest::Client,
    base: &str,
    who: &Person,
    unit_id: &str,
    tally: &Tally,
    give_up: Instant,
) -> anyhow::Result<()> {
    let body = json!({"phone": who.phone, "password": PASSWORD, "full_name": "Người Thử Tải",
        "birth_date": "2000-01-01", "unit_id": unit_id, "consent": true});
    let (path, want) = ("/api/v1/auth/register", reqwest::StatusCode::CREATED);
    post_as(
        client,
        base,
        path,
        who,
        &body,
        want,
        &tally.registered,
        tally,
        give_up,
    )
    .await
}

async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    who: &Person,
    tally: &Tally,
    give_up: Instant,
) -> anyhow::Result<()> {
    let body = json!({"phone": who.phone, "password": PASSWORD});
    let (path, want) = ("/api/v1/auth/login", reqwest::StatusCode::OK);
    post_as(
        client,
        base,
        path,
        who,
        &body,
        want,
        &tally.signed_in,
        tally,
        give_up,
    )
    .await
}

async fn storm(args: &Args) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::try_from(args.users).unwrap_or(1000))
        .timeout(Duration::from_secs(120))
        .build()?;
    let search = args.unit_code.clone().unwrap_or_else(|| "chi doan".into());
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
        .context("no unit found to register in (run `api demo` or pass --unit-code)")?
        .to_owned();

    let run_id: u32 = rand::random::<u32>() % 1000;
    let person = |i: u32| Person {
        address: format!("198.18.{}.{}", i / 250, i % 250 + 1),
        phone: format!("096{run_id:03}{i:04}"),
    };
    let tally = Arc::new(Tally::default());
    if args.accounts_first {
        // Not part of the storm: 32 registrations at a time, as an import would pace them.
        let give_up = Instant::now() + Duration::from_secs(args.deadline_seconds * 4);
        let registered: Vec<anyhow::Result<()>> = futures_util::stream::iter(0..args.users)
            .map(|i| {
                let (client, base, unit_id, tally) = (&client, &args.base_url, &unit_id, &tally);
                async move { register(client, base, &person(i), unit_id, tally, give_up).await }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        registered.into_iter().collect::<anyhow::Result<()>>()?;
        // Only the sign-ins' 503s count below.
        tally.busy.store(0, Ordering::Relaxed);
        println!("{} accounts registered before the storm", args.users);
    }

    let before = args.pid.and_then(memory);
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let sampling = Arc::clone(&sampling);
        let pid = args.pid;
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while sampling.load(Ordering::Relaxed) {
                if let Some((rss, _)) = pid.and_then(memory) {
                    peak = peak.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak
        })
    };

    let started = Instant::now();
    let give_up = started + Duration::from_secs(args.deadline_seconds);
    let mut tasks = Vec::new();
    for i in 0..args.users {
        let client = client.clone();
        let tally = Arc::clone(&tally);
        let base = args.base_url.clone();
        let unit_id = unit_id.clone();
        let who = person(i);
        let register_too = !args.accounts_first;
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let outcome = async {
                if register_too {
                    register(&client, &base, &who, &unit_id, &tally, give_up).await?;
                }
                sign_in(&client, &base, &who, &tally, give_up).await?;
                anyhow::Ok(t0.elapsed())
            }
            .await;
            if outcome.is_err() {
                tally.errors.fetch_add(1, Ordering::Relaxed);
            }
            outcome
        }));
    }
    let mut latency = Histogram::<u64>::new(3)?;
    let mut first_error = None;
    for task in tasks {
        match task.await? {
            Ok(took) => latency.record(u64::try_from(took.as_millis()).unwrap_or(u64::MAX))?,
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let elapsed = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    let peak = sampler.await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = args.pid.and_then(memory);

    let what = if args.accounts_first {
        "sign in (accounts made before)"
    } else {
        "register + sign in"
    };
    println!(
        "{} people, {what} at once, {:.1} s: registered {}, signed in {}, 503 busy answers {} (each waited out), errors {}",
        args.users,
        elapsed.as_secs_f64(),
        tally.registered.load(Ordering::Relaxed),
        tally.signed_in.load(Ordering::Relaxed),
        tally.busy.load(Ordering::Relaxed),
        tally.errors.load(Ordering::Relaxed),
    );
    println!(
        "per person ({what}, waits included): p50 {} ms, p90 {} ms, p99 {} ms, max {} ms",
        latency.value_at_quantile(0.5),
        latency.value_at_quantile(0.9),
        latency.value_at_quantile(0.99),
        latency.max()
    );
    if let (Some((rss0, _)), Some((rss1, hwm))) = (before, after) {
        println!(
            "server RSS: before {rss0:.0} MiB, peak sampled {peak:.0} MiB (VmHWM {hwm:.0} MiB), 3 s after {rss1:.0} MiB"
        );
    }
    if let Some(e) = first_error {
        bail!("not everyone got in: {e:#}");
    }
    Ok(())
}

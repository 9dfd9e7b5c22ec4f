//! A whole contest day against a running dautri, over HTTP as phones do.
//!
//! [`run`] sets up (through the API, as an organizer) a unit tree, a bank whose key it keeps, a
//! contest with one round and `members` members over the units; then the members sign in (a
//! share with their password, the rest by refreshing a kept session), start, answer every
//! question with log-normal think times, sometimes change an answer, sometimes reload (resume,
//! checked against what was acknowledged), and finish with a prediction; a share lets the time
//! run out and tries to answer after the deadline (which must be refused). Meanwhile readers
//! poll their unit's board and their rank, and watchers hold the live view's event stream.
//! Starts follow a [`Shape`] over `window`.
//!
//! After the day it checks the end state ([`endstate`]) and, when asked, measures the ceiling
//! ([`crate::ceiling`]) with the same client, so every report carries its own baseline.

pub(crate) mod cpu;
pub mod day;
pub mod endstate;
pub mod http;
pub mod journal;
pub mod probe;
pub mod server_side;
pub mod setup;
pub mod stats;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub use endstate::Verdict;

/// How the members' starts are spread over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// A constant rate over the window.
    Steady,
    /// Everyone starts at a random moment within the window (a national round opening).
    Storm,
    /// The start rate rises linearly over the window, to find the knee.
    Ramp,
}

/// What to run. `Config::default()` is the one-minute default day.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server; only loopback addresses are accepted.
    pub base_url: String,
    /// An admin (or an organizer of a root unit) who sets the day up.
    pub admin_phone: String,
    pub admin_password: String,
    pub members: usize,
    pub shape: Shape,
    /// The window over which starts are spread.
    pub window: Duration,
    /// Share of members who sign in with their password (a hash on the server) rather than
    /// by refreshing a kept session.
    pub fresh_signins: f64,
    pub branches: usize,
    pub cells: usize,
    /// Questions in the bank, and per attempt.
    pub bank: usize,
    pub questions: usize,
    pub think_median_ms: u64,
    pub think_max_ms: u64,
    pub p_correct: f64,
    pub p_change: f64,
    /// Chance, per question, of a reload.
    pub p_reload: f64,
    /// Share of members who let the time run out.
    pub p_late: f64,
    /// The round's time limit; `None`: enough for the slowest answering member, plus margin.
    pub time_limit_seconds: Option<u64>,
    /// Close the round this long after setup (every deadline is then at most the close);
    /// `None`: six hours.
    pub close_after: Option<Duration>,
    /// The server's grace after a deadline (`DAUTRI_ATTEMPT__GRACE_SECONDS`).
    pub grace_seconds: u64,
    pub readers: usize,
    pub watchers: usize,
    pub poll: Duration,
    pub setup_concurrency: usize,
    /// Connections the client keeps per host.
    pub connections: usize,
    /// Phones ask for uncompressed responses (they ask for compressed ones by default, as
    /// browsers do).
    pub identity: bool,
    /// The server's process id, to read its CPU and memory from /proc (local servers only).
    pub server_pid: Option<u32>,
    /// The server's database, for the end-state check (without it the run cannot pass).
    pub database_url: Option<String>,
    /// The server's Redis and key prefix, for Redis memory per running attempt.
    pub redis_url: Option<String>,
    pub redis_prefix: Option<String>,
    /// The server's `DAUTRI_METRICS_TOKEN`, to read its own request histogram from `/metrics`
    /// (a server on this machine without a token shows it to loopback callers).
    pub metrics_token: Option<String>,
    /// Measure the ceiling after the day, with the same client.
    pub ceiling: Option<crate::ceiling::CeilingConfig>,
    /// A fault run (`fault-day.sh`): `at` after the first start the runner creates the file
    /// `signal`, the script injects its fault and creates `signal` + `.done` once it has
    /// restored the service. Phones then tolerate what a fault shows them (see
    /// [`stats::TOLERATE_FAULTS`]) and the report carries the fault's figures.
    pub fault: Option<FaultPlan>,
}

/// When to ask for the fault, and the file that asks.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    pub name: String,
    pub signal: std::path::PathBuf,
    pub at: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".into(),
            admin_phone: String::new(),
            admin_password: String::new(),
            members: 300,
            shape: Shape::Storm,
            window: Duration::from_secs(10),
            fresh_signins: 0.2,
            branches: 4,
            cells: 3,
            bank: 40,
            questions: 10,
            think_median_ms: 900,
            think_max_ms: 2500,
            p_correct: 0.7,
            p_change: 0.1,
            p_reload: 0.02,
            p_late: 0.03,
            time_limit_seconds: None,
            close_after: None,
            grace_seconds: 5,
            readers: 16,
            watchers: 4,
            poll: Duration::from_millis(1000),
            setup_concurrency: 8,
            connections: 256,
            identity: false,
            server_pid: None,
            database_url: None,
            redis_url: None,
            redis_prefix: None,
            metrics_token: None,
            ceiling: None,
            fault: None,
        }
    }
}

impl Config {
    /// The round's time limit: every question thought over at the longest, plus a change.
    pub fn time_limit_seconds(&self) -> u64 {
        self.time_limit_seconds.unwrap_or_else(|| {
            let slowest = self.questions as u64 * self.think_max_ms * 3 / 2;
            (slowest / 1000 + 10).max(30)
        })
    }
}

/// A run's result: the report (JSON), the same as a table, and the end-state verdict.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub report: Value,
    pub table: String,
    pub verdict: Verdict,
    /// Requests of the day that failed (tolerated outcomes such as `503 busy` excluded).
    pub errors: u64,
}

impl Outcome {
    /// The run passes when the end state is right and no request failed. Speed never fails it.
    pub fn passed(&self) -> bool {
        self.verdict.ok() && self.errors == 0
    }
}

/// reqwest's rustls comes without a crypto provider chosen (the workspace enables two), and a
/// client built before one is installed panics. Installs `ring`, once; later calls do nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn ensure_loopback(base_url: &str) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(base_url).context("the base URL is not a URL")?;
    let host = url.host_str().unwrap_or("");
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        bail!(
            "the base URL must point at this machine (127.0.0.0/8, ::1 or localhost); got {host}"
        );
    }
    Ok(())
}

/// Runs a whole contest day against `config.base_url` and checks its end state.
pub async fn run(config: Config) -> anyhow::Result<Outcome> {
    ensure_loopback(&config.base_url)?;
    if config.admin_phone.is_empty() {
        bail!("an organizer's phone and password are needed to set the day up");
    }
    install_crypto_provider();
    if config.fault.is_some() {
        stats::TOLERATE_FAULTS.store(true, Ordering::Relaxed);
    }
    let client = crate::client_builder(config.identity)
        .pool_max_idle_per_host(config.connections)
        // A connection idle as long as the server's keep-alive (actix's 5 s) may be closed by
        // the server just as a request goes out on it, and that request fails though nothing
        // is wrong: a member thinking 10 s between answers meets it. Browsers send such a
        // request again on a new connection; this client gives idle connections up first.
        .pool_idle_timeout(IDLE_CONNECTION_KEPT)
        .timeout(Duration::from_secs(30))
        .build()?;
    let setup_rec = stats::Recorder::new();
    let setup_started = Instant::now();
    let stage = setup::build(&client, &setup_rec, &config).await?;
    let setup_seconds = setup_started.elapsed().as_secs_f64();

    let day = Arc::new(day::Day {
        client: client.clone(),
        rec: stats::Recorder::new(),
        config: config.clone(),
        stage: stage.clone(),
        attempts: Mutex::new(Vec::new()),
        problems: Mutex::new(Vec::new()),
        active: AtomicI64::new(0),
        members_done: AtomicU64::new(0),
        live_events: AtomicU64::new(0),
        live_reopened: AtomicU64::new(0),
        live_seen: stage.watchers.iter().map(|_| AtomicU64::new(0)).collect(),
        over: AtomicBool::new(false),
    });
    let probe = tokio::spawn(probe::watch(day.clone()));
    let side: Vec<_> = stage
        .readers
        .iter()
        .map(|m| tokio::spawn(day::reader(day.clone(), m.clone())))
        .chain(
            stage
                .watchers
                .iter()
                .enumerate()
                .map(|(i, m)| tokio::spawn(day::watcher(day.clone(), m.clone(), i))),
        )
        .collect();
    let day_started = Instant::now();
    let fault = config.fault.clone().map(|plan| {
        let rec = day.rec.clone();
        tokio::spawn(async move {
            tokio::time::sleep(plan.at).await;
            let begun = rec.elapsed();
            if let Err(e) = std::fs::write(&plan.signal, b"now") {
                eprintln!("fault: cannot write {}: {e}", plan.signal.display());
                return None;
            }
            let done = plan.signal.with_extension("done");
            let limit = Instant::now() + Duration::from_secs(120);
            while !done.exists() && Instant::now() < limit {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Some((begun, rec.elapsed()))
        })
    });
    let members: Vec<_> = stage
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let offset = day::start_offset(config.shape, i, stage.members.len(), config.window);
            let (day, m) = (day.clone(), m.clone());
            tokio::spawn(async move {
                tokio::time::sleep(offset).await;
                day::member(day.clone(), m).await;
                day.members_done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for m in members {
        m.await.ok();
    }
    let day_seconds = day_started.elapsed().as_secs_f64();
    let live = live_caught_up(&day, &stage).await;
    day.over.store(true, Ordering::Relaxed);
    for s in side {
        s.await.ok();
    }
    let server = probe.await.unwrap_or(Value::Null);
    // Before the ceiling's closed loop adds answers of its own.
    let journal_lag =
        journal::read(&client, &config.base_url, config.metrics_token.as_deref()).await;
    let fault_window = match fault {
        Some(f) => f.await.ok().flatten(),
        None => None,
    };

    let expected = day.attempts.lock().map(|a| a.clone()).unwrap_or_default();
    // The organizer signs in again for the check: a long day (20,000 members) outlives the
    // access token the setup got, and the boards would answer 401.
    let admin = setup::sign_in(
        &client,
        &setup_rec,
        &config,
        &config.admin_phone,
        &config.admin_password,
        setup::ADMIN_ADDRESS,
        "check: login",
    )
    .await
    .context("the organizer could not sign in again for the check")?;
    let stage = setup::Stage {
        admin_token: admin["access_token"]
            .as_str()
            .context("no access token")?
            .to_owned(),
        ..stage
    };
    let mut verdict = endstate::check(&client, &config, &stage, &expected).await?;
    let during = day.problems.lock().map(|p| p.clone()).unwrap_or_default();
    verdict.problems.splice(0..0, during);
    if let Some(behind) = live["behind"].as_u64().filter(|n| *n > 0) {
        verdict.problems.push(format!(
            "{behind} of {} live watchers never saw standings counting every finish the members \
             were told of (their stream did not come back or did not catch up)",
            live["watchers"]
        ));
    }
    let started = expected.len();
    if started < stage.members.len() {
        verdict.problems.push(format!(
            "{} of {} members never got to finish an attempt",
            stage.members.len() - started,
            stage.members.len()
        ));
    }

    let ceiling = match &config.ceiling {
        Some(c) => Some(crate::ceiling::measure(&client, &config, &stage, c).await?),
        None => None,
    };

    let ops = day.rec.snapshot();
    let errors: u64 = ops.values().map(stats::OpStats::errors).sum();
    let fault_json = config
        .fault
        .as_ref()
        .map(|plan| fault_figures(plan, fault_window, &day.rec, &ops, &verdict, started));
    let report = json!({
        "config": {
            "base_url": config.base_url,
            "members": config.members,
            "shape": format!("{:?}", config.shape).to_lowercase(),
            "window_seconds": config.window.as_secs_f64(),
            "fresh_signins": config.fresh_signins,
            "questions": config.questions,
            "time_limit_seconds": stage.time_limit_seconds,
            "readers": config.readers,
            "watchers": config.watchers,
            "units": stage.paths.len(),
        },
        "setup": {
            "seconds": setup_seconds,
            "operations": setup_rec.snapshot().iter().map(|(n, s)| stats::op_json(n, s, setup_seconds)).collect::<Vec<_>>(),
        },
        "day_seconds": day_seconds,
        "operations": ops.iter().map(|(n, s)| stats::op_json(n, s, day_seconds)).collect::<Vec<_>>(),
        "timeline": ops.iter().filter(|(n, _)| matches!(**n, "start" | "answer" | "login" | "finish")).map(|(n, s)| (n.to_string(), stats::timeline_json(s))).collect::<serde_json::Map<_, _>>(),
        "window": ops.iter().filter(|(n, _)| WINDOW_OPERATIONS.contains(n)).map(|(n, s)| (n.to_string(), stats::window_json(s, config.window.as_secs_f64()))).collect::<serde_json::Map<_, _>>(),
        "live_events": day.live_events.load(Ordering::Relaxed),
        "live": live,
        "attempts_started": started,
        "errors": errors,
        "transport_causes": day.rec.faults.transport_causes.lock().map(|c| json!(*c)).unwrap_or(Value::Null),
        "server": server["server"],
        "cpu": server["cpu"],
        "redis": server["redis"],
        "journal_lag": journal_lag,
        "server_timeline": server["timeline"],
        "server_side": server["server_side"],
        "ceiling": ceiling,
        "end_state": verdict.to_json(),
        "fault": fault_json,
    });
    let table = table(&report);
    Ok(Outcome {
        report,
        table,
        verdict,
        errors,
    })
}

/// Once the members are done, waits (at most 15 s) until every watcher's stream has shown
/// standings counting at least every finish the members were told of: a stream cut by a fault
/// must come back (through the load balancer, to another instance) and catch up. Returns the
/// watchers, how many were still behind, and how often streams were opened again.
async fn live_caught_up(day: &day::Day, stage: &setup::Stage) -> Value {
    let finished = day
        .attempts
        .lock()
        .map(|a| a.iter().filter(|e| e.finished_score.is_some()).count())
        .unwrap_or(0) as u64;
    let watching: Vec<usize> = (0..stage.watchers.len())
        .filter(|&i| stage.watchers[i].access.is_some())
        .collect();
    let behind = || {
        watching
            .iter()
            .filter(|&&i| day.live_seen[i].load(Ordering::Relaxed) < finished)
            .count()
    };
    let waited = Instant::now();
    while behind() > 0 && waited.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    json!({
        "watchers": watching.len(),
        "finishes_to_show": finished,
        "behind": behind(),
        "waited_seconds": waited.elapsed().as_secs_f64(),
        "streams_reopened": day.live_reopened.load(Ordering::Relaxed),
    })
}

/// A fault run's figures: what was acknowledged and lost, what the phones were told, how long
/// the longest request took and how long the fault showed.
fn fault_figures(
    plan: &FaultPlan,
    window: Option<(Duration, Duration)>,
    rec: &stats::Recorder,
    ops: &std::collections::BTreeMap<&'static str, stats::OpStats>,
    verdict: &Verdict,
    attempts: usize,
) -> Value {
    let count = |pred: &dyn Fn(&str) -> bool| -> u64 {
        ops.values()
            .flat_map(|s| s.kinds.iter())
            .filter(|(k, _)| pred(k))
            .map(|(_, n)| n)
            .sum()
    };
    let with_ra = count(&|k| k.starts_with("503 ") && !k.ends_with(stats::NO_RETRY_AFTER));
    let without_ra =
        count(&|k| (k == "503" || k.starts_with("503 ")) && k.ends_with(stats::NO_RETRY_AFTER));
    let other_5xx = count(&|k| k.starts_with('5') && !k.starts_with("503"));
    let transport = count(&|k| k.starts_with("transport"));
    let max_ms = ops
        .iter()
        .filter(|(n, _)| !n.starts_with("live"))
        .map(|(_, s)| stats::ms(s.latency_us.max()))
        .fold(0.0, f64::max);
    let last_failure = rec.faults.last_failure_ms.load(Ordering::Relaxed);
    let recovered = window.map(|(begun, _)| {
        let last = Duration::from_millis(last_failure.saturating_sub(1));
        if last_failure == 0 || last < begun {
            0.0
        } else {
            (last - begun).as_secs_f64()
        }
    });
    json!({
        "name": plan.name,
        "injected_at_seconds": window.map(|(b, _)| b.as_secs_f64()),
        "service_back_after_seconds": window.map(|(b, e)| (e - b).as_secs_f64()),
        "recovered_after_seconds": recovered,
        "members_started": attempts,
        "finishes_acknowledged": verdict.finishes_acknowledged,
        "finishes_lost": verdict.finishes_lost,
        "answers_acknowledged": verdict.answers_acknowledged,
        "answers_reverted": verdict.answers_reverted,
        "answers_unsure": verdict.answers_unsure,
        "retries": rec.faults.retries.load(Ordering::Relaxed),
        "503_with_retry_after": with_ra,
        "503_without_retry_after": without_ra,
        "other_5xx": other_5xx,
        "connection_failures": transport,
        "hangs": rec.faults.hangs.load(Ordering::Relaxed),
        "leaks": rec.faults.leaks.load(Ordering::Relaxed),
        "leak_sample": rec.faults.leak_sample.lock().ok().and_then(|s| s.clone()),
        "max_request_ms": max_ms,
        "end_state_ok": verdict.ok(),
    })
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// The operations the report follows through the storm's window, slice by slice.
const WINDOW_OPERATIONS: &[&str] = &["start", "answer", "board", "my rank"];

/// How long the phones' client keeps an idle connection: under the server's keep-alive.
const IDLE_CONNECTION_KEPT: Duration = Duration::from_secs(4);

/// The storm's window slice by slice (`stats::window_json`), a line per operation: the rate of
/// requests ended in each slice and their p99; under it, when the server's histogram was read
/// (`server_side::window_json`), the bucket of the server's own p99 and how many requests took
/// it longer than 25 ms.
fn window_lines(w: &Value, server: &Value) -> String {
    use std::fmt::Write as _;
    let Some(ops) = w.as_object().filter(|o| !o.is_empty()) else {
        return String::new();
    };
    let mut out = String::from("the window, slice by slice (requests ended per second | p99):\n");
    let seconds = ops
        .values()
        .next()
        .and_then(Value::as_array)
        .map(|slices| {
            slices
                .iter()
                .map(|s| format!("{}–{} s", s["from_second"], s["to_second"]))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {:<10} {}",
        "seconds",
        seconds
            .iter()
            .map(|s| format!("{s:>14}"))
            .collect::<String>()
    );
    for op in WINDOW_OPERATIONS {
        let Some(slices) = ops.get(*op).and_then(Value::as_array) else {
            continue;
        };
        let cells: String = slices
            .iter()
            .map(|s| {
                let p99 = s["p99_ms"]
                    .as_f64()
                    .map_or_else(|| "–".to_owned(), |p| format!("{p:.0} ms"));
                format!("{:>14}", format!("{:.0} | {p99}", f(&s["per_second"])))
            })
            .collect();
        let _ = writeln!(out, "  {op:<10} {cells}");
        let Some(inside) = server
            .get(*op)
            .and_then(Value::as_array)
            .filter(|cells| cells.iter().any(|c| f(&c["requests"]) > 0.0))
        else {
            continue;
        };
        let cells: String = inside
            .iter()
            .map(|c| {
                format!(
                    "{:>14}",
                    format!("{} ({})", bucket(&c["p99_at_most_ms"]), c["slow"])
                )
            })
            .collect();
        let _ = writeln!(out, "  {:<10} {cells}", "  server");
    }
    if server.is_object() {
        out.push_str(
            "  (server: the bucket of the server's own p99, and its requests over 25 ms)\n",
        );
    }
    out
}

/// The server's p99 bucket (`server_side`'s `p99_at_most_ms`) for people: "≤25 ms", "≤∞" past
/// the last bound, "–" without requests.
fn bucket(p99: &Value) -> String {
    match p99 {
        Value::Number(ms) => format!("≤{:.0} ms", ms.as_f64().unwrap_or(0.0)),
        Value::String(_) => "≤∞".to_owned(),
        _ => "–".to_owned(),
    }
}

/// The server's own figures over the whole day, on one line: per operation the bucket of its
/// p99 and its requests over 25 ms.
fn server_day_line(day: &Value) -> String {
    let Some(ops) = day.as_object() else {
        return String::new();
    };
    let cells: Vec<String> = ops
        .iter()
        .filter(|(_, c)| f(&c["requests"]) > 0.0)
        .map(|(op, c)| {
            format!(
                "{op} {} ({} of {} over 25 ms)",
                bucket(&c["p99_at_most_ms"]),
                c["slow"],
                c["requests"]
            )
        })
        .collect();
    if cells.is_empty() {
        return String::new();
    }
    format!("the server's own p99 over the day: {}\n", cells.join(", "))
}

/// The report as a table for people.
pub fn table(r: &Value) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let c = &r["config"];
    let _ = writeln!(
        out,
        "contest day: {} members, {} over {:.0} s, {} questions (limit {} s), {} readers, {} watchers, {} units",
        c["members"],
        c["shape"].as_str().unwrap_or(""),
        f(&c["window_seconds"]),
        c["questions"],
        c["time_limit_seconds"],
        c["readers"],
        c["watchers"],
        c["units"]
    );
    let _ = writeln!(
        out,
        "setup {:.1} s, day {:.1} s\n",
        f(&r["setup"]["seconds"]),
        f(&r["day_seconds"])
    );
    let _ = writeln!(
        out,
        "{:<20} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}  outcomes",
        "operation", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"
    );
    for o in r["operations"].as_array().into_iter().flatten() {
        let outcomes = o["outcomes"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<20} {:>8} {:>8.1} {:>8.2} {:>8.2} {:>8.2} {:>8.1} {:>7}  {}",
            o["op"].as_str().unwrap_or(""),
            o["requests"].as_u64().unwrap_or(0),
            f(&o["per_second"]),
            f(&o["p50_ms"]),
            f(&o["p90_ms"]),
            f(&o["p99_ms"]),
            f(&o["max_ms"]),
            o["errors"].as_u64().unwrap_or(0),
            outcomes
        );
    }
    for (cause, n) in r["transport_causes"].as_object().into_iter().flatten() {
        let _ = writeln!(out, "  failed exchange ×{n}: {cause}");
    }
    let _ = writeln!(
        out,
        "\nlive events received: {}; streams opened again: {}; watchers that caught up with every finish: {} of {}",
        r["live_events"],
        r["live"]["streams_reopened"],
        r["live"]["watchers"].as_u64().unwrap_or(0) - r["live"]["behind"].as_u64().unwrap_or(0),
        r["live"]["watchers"]
    );
    if let Some(s) = r["server"].as_object() {
        let _ = writeln!(
            out,
            "server: CPU {:.2} cores mean, {:.2} peak; RSS {:.0} MiB at start, {:.0} MiB peak, {:.0} MiB at end",
            f(&s["cpu_cores_mean"]),
            f(&s["cpu_cores_peak"]),
            f(&s["rss_mib_start"]),
            f(&s["rss_mib_peak"]),
            f(&s["rss_mib_end"])
        );
    }
    if r["cpu"].is_object() {
        out.push_str(&cpu::lines(&r["cpu"]));
    }
    if let Some(x) = r["redis"].as_object() {
        let _ = writeln!(
            out,
            "redis: {:.0} bytes per running attempt ({} attempts running, {} keys, {} bytes)",
            f(&x["bytes_per_active_attempt"]),
            x["active_attempts"],
            x["attempt_keys"],
            x["attempt_bytes"]
        );
    }
    out.push_str(&window_lines(&r["window"], &r["server_side"]["window"]));
    out.push_str(&server_day_line(&r["server_side"]["day"]));
    out.push_str(&journal::line(&r["journal_lag"]));
    if !r["ceiling"].is_null() {
        out.push_str(&crate::ceiling::table(&r["ceiling"]));
    }
    let x = &r["fault"];
    if x.is_object() {
        let _ = writeln!(
            out,
            "\nfault {}: injected at {:.1} s, service back after {:.1} s, phones recovered after {:.1} s",
            x["name"].as_str().unwrap_or(""),
            f(&x["injected_at_seconds"]),
            f(&x["service_back_after_seconds"]),
            f(&x["recovered_after_seconds"])
        );
        let _ = writeln!(
            out,
            "  attempts {}, finishes acknowledged {} (lost {}), answers acknowledged {} (reverted {}; {} saves' answers lost)",
            x["members_started"],
            x["finishes_acknowledged"],
            x["finishes_lost"],
            x["answers_acknowledged"],
            x["answers_reverted"],
            x["answers_unsure"]
        );
        let _ = writeln!(
            out,
            "  503 with Retry-After {}, without {}; other 5xx {}; connection failures {}; retries {}; hangs {}; leaks {}; longest request {:.0} ms",
            x["503_with_retry_after"],
            x["503_without_retry_after"],
            x["other_5xx"],
            x["connection_failures"],
            x["retries"],
            x["hangs"],
            x["leaks"],
            f(&x["max_request_ms"])
        );
        if let Some(sample) = x["leak_sample"].as_str() {
            let _ = writeln!(out, "  a leak: {sample}");
        }
        // One line for the README's table.
        let _ = writeln!(
            out,
            "FAULT-ROW | `{}` | {} | {} | {} | {} | {} / {} | {} | {} | {:.1} s | {:.1} s |",
            x["name"].as_str().unwrap_or(""),
            r["config"]["members"],
            x["finishes_acknowledged"],
            x["finishes_lost"],
            x["answers_reverted"],
            x["503_with_retry_after"],
            x["503_without_retry_after"],
            x["other_5xx"],
            x["hangs"].as_u64().unwrap_or(0) + x["leaks"].as_u64().unwrap_or(0),
            f(&x["max_request_ms"]) / 1000.0,
            f(&x["recovered_after_seconds"])
        );
    }
    let e = &r["end_state"];
    if e["checked"] == true {
        let _ = writeln!(
            out,
            "\nend state: {} ({} finished attempts, {} boards compared, {} saves' answers lost)",
            if e["ok"] == true { "right" } else { "WRONG" },
            e["finished_attempts"],
            e["boards_compared"],
            e["answers_unsure"]
        );
        for p in e["problems"].as_array().into_iter().flatten().take(20) {
            let _ = writeln!(out, "  - {}", p.as_str().unwrap_or(""));
        }
    } else {
        let _ = writeln!(out, "\nend state: NOT CHECKED (no database URL)");
        for p in e["problems"].as_array().into_iter().flatten().take(20) {
            let _ = writeln!(out, "  - {}", p.as_str().unwrap_or(""));
        }
    }
    out
}

#[cfg(test)]
mod window_table_tests {
    use serde_json::json;

    use super::window_lines;

    #[test]
    fn each_followed_operation_gets_its_rate_and_tail_per_slice() {
        let slice = |from: u64, per_second: f64, p99: Option<f64>| json!({"from_second": from, "to_second": from + 10, "requests": 0, "per_second": per_second, "p99_ms": p99});
        let w = json!({
            "answer": [slice(0, 180.0, Some(14.0)), slice(10, 1450.0, Some(74.0))],
            "start": [slice(0, 333.0, Some(41.0)), slice(10, 0.0, None)],
        });
        let text = window_lines(&w, &serde_json::Value::Null);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[1].contains("0–10 s") && lines[1].contains("10–20 s"),
            "{text}"
        );
        // Lines follow the report's order (start first), whatever the JSON's.
        assert!(lines[2].trim_start().starts_with("start"), "{text}");
        assert!(
            lines[2].contains("333 | 41 ms") && lines[2].contains("0 | –"),
            "{text}"
        );
        assert!(
            lines[3].contains("180 | 14 ms") && lines[3].contains("1450 | 74 ms"),
            "{text}"
        );
    }

    #[test]
    fn the_servers_own_tail_goes_under_the_phones_where_it_was_read() {
        let slice = |from: u64, p99: f64| json!({"from_second": from, "to_second": from + 10, "requests": 100, "per_second": 10.0, "p99_ms": p99});
        let w = json!({"board": [slice(0, 31.0), slice(10, 9.0)], "start": [slice(0, 41.0), slice(10, 12.0)]});
        let cell = |from: u64, requests: u64, slow: u64, p99: serde_json::Value| json!({"from_second": from, "to_second": from + 10, "requests": requests, "slow": slow, "p99_at_most_ms": p99});
        let server = json!({
            "board": [cell(0, 100, 0, json!(10.0)), cell(10, 100, 2, json!("inf"))],
            // The server served no starts: no line for them.
            "start": [cell(0, 0, 0, serde_json::Value::Null), cell(10, 0, 0, serde_json::Value::Null)],
        });
        let text = window_lines(&w, &server);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[2].trim_start().starts_with("start"), "{text}");
        assert!(lines[3].trim_start().starts_with("board"), "{text}");
        assert!(lines[4].trim_start().starts_with("server"), "{text}");
        assert!(
            lines[4].contains("≤10 ms (0)") && lines[4].contains("≤∞ (2)"),
            "{text}"
        );
        assert!(lines[5].contains("over 25 ms"), "{text}");
    }

    #[test]
    fn a_report_without_the_window_prints_nothing_of_it() {
        let none = serde_json::Value::Null;
        assert_eq!(window_lines(&none, &none), "");
        assert_eq!(window_lines(&json!({}), &none), "");
    }
}

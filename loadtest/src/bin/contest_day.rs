//! `contest_day`: a whole contest day against a running dautri (see `loadtest::scenario`),
//! with the ceiling measured by the same client in the same run. Prints a table, writes the
//! JSON report, and exits non-zero when a request failed or the end state is wrong (never
//! because of speed).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use loadtest::ceiling::CeilingConfig;
use loadtest::scenario::{self, Config, FaultPlan, Shape};

#[derive(Debug, Parser)]
#[command(
    name = "contest_day",
    about = "A whole contest day against dautri (loopback only)"
)]
struct Args {
    /// Server to drive; must be on loopback.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// An admin who sets the day up (`api create-admin`).
    #[arg(long, env = "CONTEST_DAY_ADMIN_PHONE")]
    admin_phone: String,
    #[arg(long, env = "CONTEST_DAY_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: String,
    /// Members taking the round.
    #[arg(long, default_value_t = 300)]
    members: usize,
    /// How starts are spread over the window.
    #[arg(long, value_enum, default_value_t = Shape::Storm)]
    shape: Shape,
    /// Seconds over which the members start.
    #[arg(long, default_value_t = 10.0)]
    window: f64,
    /// Share of members signing in with their password (the rest refresh a kept session).
    #[arg(long, default_value_t = 0.2)]
    fresh_signins: f64,
    #[arg(long, default_value_t = 4)]
    branches: usize,
    /// Units under each branch (members sit in these).
    #[arg(long, default_value_t = 3)]
    cells: usize,
    /// Questions per attempt.
    #[arg(long, default_value_t = 10)]
    questions: usize,
    /// Questions in the bank.
    #[arg(long, default_value_t = 40)]
    bank: usize,
    /// Median think time per question, ms (log-normal, σ 0.6).
    #[arg(long, default_value_t = 900)]
    think_ms: u64,
    /// Longest think time, ms.
    #[arg(long, default_value_t = 2500)]
    think_max_ms: u64,
    #[arg(long, default_value_t = 0.7)]
    p_correct: f64,
    /// Chance of changing an answer.
    #[arg(long, default_value_t = 0.1)]
    p_change: f64,
    /// Chance, per question, of reloading the attempt.
    #[arg(long, default_value_t = 0.02)]
    p_reload: f64,
    /// Share of members who let the time run out (and try to answer after it).
    #[arg(long, default_value_t = 0.03)]
    p_late: f64,
    /// The round's time limit (default: enough for the slowest member, plus margin).
    #[arg(long)]
    time_limit: Option<u64>,
    /// Close the round this many seconds after setup (deadlines end there at the latest).
    #[arg(long)]
    close_after: Option<u64>,
    /// The server's grace after a deadline (DAUTRI_ATTEMPT__GRACE_SECONDS).
    #[arg(long, default_value_t = 5)]
    grace_seconds: u64,
    /// Board readers (each polls its unit's board and its rank).
    #[arg(long, default_value_t = 16)]
    readers: usize,
    /// Live-view watchers (server-sent events).
    #[arg(long, default_value_t = 4)]
    watchers: usize,
    /// A reader's poll interval, ms.
    #[arg(long, default_value_t = 1000)]
    poll_ms: u64,
    /// Phones ask for uncompressed responses (by default they ask for gzip, br, zstd or
    /// deflate, as browsers do).
    #[arg(long)]
    identity: bool,
    /// The server's process id (local servers): CPU and RSS from /proc.
    #[arg(long)]
    pid: Option<u32>,
    /// The server's database, for the end-state check.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// The server's Redis and key prefix, for Redis memory per running attempt (several URLs
    /// separated by commas: every master of a cluster is counted), and the ceiling's Redis
    /// (the first URL).
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    #[arg(long, env = "DAUTRI_REDIS__KEY_PREFIX")]
    redis_prefix: Option<String>,
    /// The server's metrics token, to read its own request histogram (a local server without
    /// one shows it to this machine).
    #[arg(long, env = "DAUTRI_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Seconds per ceiling phase; 0 leaves the ceiling out.
    #[arg(long, default_value_t = 5)]
    ceiling_seconds: u64,
    /// Connections of the ceiling phases.
    #[arg(long, default_value_t = 32)]
    ceiling_connections: usize,
    /// How many adjacent pairs of the bare JWT + EVALSHA path and dautri's answer save (order
    /// alternating); the report gives each pair's ratio, their median and the pooled rows.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=20))]
    ceiling_pairs: u64,
    /// A fault run (`fault-day.sh`): the fault's name for the report…
    #[arg(long, requires = "fault_signal")]
    fault: Option<String>,
    /// …the file to create when the fault is due (the script then creates FILE.done once the
    /// service is back)…
    #[arg(long)]
    fault_signal: Option<PathBuf>,
    /// …and when, in seconds after the first start.
    #[arg(long, default_value_t = 3.0)]
    fault_at: f64,
    /// Where to write the JSON report.
    #[arg(long, default_value = "contest-day.json")]
    json: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let ceiling = (a.ceiling_seconds > 0).then(|| CeilingConfig {
        seconds: a.ceiling_seconds,
        connections: a.ceiling_connections,
        pairs: usize::try_from(a.ceiling_pairs).unwrap_or(1),
        binary: None,
        redis_url: a
            .redis_url
            .as_deref()
            .and_then(|u| u.split(',').next())
            .map_or_else(|| "redis://127.0.0.1:6379".into(), |u| u.trim().to_owned()),
        redis_prefix: format!(
            "{}:ceiling",
            a.redis_prefix
                .clone()
                .unwrap_or_else(|| "contest-day".into())
        ),
    });
    let config = Config {
        base_url: a.base_url,
        admin_phone: a.admin_phone,
        admin_password: a.admin_password,
        members: a.members,
        shape: a.shape,
        window: Duration::from_secs_f64(a.window.max(0.0)),
        fresh_signins: a.fresh_signins,
        branches: a.branches,
        cells: a.cells,
        bank: a.bank,
        questions: a.questions,
        think_median_ms: a.think_ms,
        think_max_ms: a.think_max_ms,
        p_correct: a.p_correct,
        p_change: a.p_change,
        p_reload: a.p_reload,
        p_late: a.p_late,
        time_limit_seconds: a.time_limit,
        close_after: a.close_after.map(Duration::from_secs),
        grace_seconds: a.grace_seconds,
        readers: a.readers,
        watchers: a.watchers,
        poll: Duration::from_millis(a.poll_ms),
        identity: a.identity,
        server_pid: a.pid,
        database_url: a.database_url,
        redis_url: a.redis_url,
        redis_prefix: a.redis_prefix,
        metrics_token: a.metrics_token,
        ceiling,
        fault: a.fault.zip(a.fault_signal).map(|(name, signal)| FaultPlan {
            name,
            signal,
            at: Duration::from_secs_f64(a.fault_at.max(0.0)),
        }),
        ..Config::default()
    };
    let outcome = scenario::run(config).await?;
    println!("{}", outcome.table);
    std::fs::write(&a.json, serde_json::to_vec_pretty(&outcome.report)?)
        .with_context(|| format!("writing {}", a.json.display()))?;
    println!("report: {}", a.json.display());
    if !outcome.passed() {
        anyhow::bail!(
            "the run failed: {} failed requests, end state {}",
            outcome.errors,
            if outcome.verdict.ok() {
                "right"
            } else {
                "wrong or not checked"
            }
        );
    }
    Ok(())
}

//! `boards`: the leaderboard benchmark. One round with a million counted results over ~2,000
//! units, then: the boards' rebuild from the database, a page and `my rank` at the server, and the
//! round's export, each reported against the trivial `GET /healthz` measured in the same run.
//!
//! Steps (all driven from here, against the real `api` binary):
//! 1. **Prepare**: drop and create a PostgreSQL database, `api migrate`, then bulk-load with
//!    `psql … COPY FROM STDIN` (CSV generated here): a root unit, `--orgs` member organisations
//!    with `--branches` branches each, `--results` members spread over the branches, one public
//!    contest hosted by the root with one open round, and one finished attempt per member (scores
//!    0..=300 in steps of 10, so many ties). Every member's password is `Tai-thu-2026`.
//! 2. **Rebuild**: `api rebuild-boards --contest <id>` into Redis under a fresh key prefix,
//!    timed; for where the time goes, the Redis server time of its scripts (`INFO commandstats`)
//!    and two database-only reads of the same rows are timed too.
//! 3. **Serve**: `api serve`, then sequential and concurrent phases of `GET /healthz`
//!    (baseline), a page of the round board at a random offset, of an organisation's and of a
//!    branch's board, `my rank`, and the units ranking; the server's own latency histogram
//!    (`/metrics`) is read before and after each phase.
//! 4. **Export**: the whole round as XLSX and as CSV, streamed and counted.
//! 5. **Publish**: close the round (in the database), publish it (timed), then the final board
//!    (whole and an organisation's), `my rank` and the results page as in step 3, and the final
//!    ranking's XLSX export (`--skip-publish` leaves this out).
//! 6. **Clean up**: stop the server, delete the prefix's Redis keys, drop the database
//!    (`--keep-db` keeps it; `--reuse-db` then skips step 1 next time).
//!
//! Results go to stdout and, as Markdown, to `--out`.
//!
//! # Implementation notes
//! `api rebuild-boards` does not set the scoring store's "ready" marker, so a server started on
//! its output would replay the whole contest again before listening; the benchmark sets the
//! marker itself after the timed rebuild. Attempts are loaded with `session_replication_role =
//! replica` (foreign-key triggers off): the rows are consistent by construction and the load is
//! several times faster.
//!
//! The steps live in their own modules: `prepare` (step 1), `services` (the `api` binary,
//! `psql`, ports), `measure` (steps 2–3), `export` (step 4), `publish` (step 5) and `report`
//! (the Markdown); this file holds the arguments and the order of the steps.

mod export;
mod measure;
mod prepare;
mod publish;
mod report;
mod services;

use export::*;
use measure::*;
use prepare::*;
use publish::*;
use report::*;
use services::*;

use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Parser;
use hdrhistogram::Histogram;
use rand::Rng;
use serde_json::{Value, json};
use uuid::Uuid;

/// The password of every loaded member.
const MEMBER_PASSWORD: &str = "Tai-thu-2026";
/// The benchmark administrator (the `03` prefix keeps it apart from the members' `09…`).
const ADMIN_PHONE: &str = "0399999999";
const ADMIN_PASSWORD: &str = "Bench-Admin-2026";
const CONTEST_TITLE: &str = "Cuộc thi thử tải bảng xếp hạng";
/// Rows per board page (the API's default).
const PAGE: u64 = 50;

#[derive(Debug, Parser)]
#[command(
    name = "boards",
    about = "Leaderboard benchmark: 1M results in one round, rebuild, pages, my rank, export (loopback only)"
)]
struct Args {
    /// The `api` binary (release build). Default: `$CARGO_TARGET_DIR/release/api`, else
    /// `target/release/api`.
    #[arg(long)]
    api_bin: Option<PathBuf>,
    /// PostgreSQL server (no database name); must be on loopback. `scripts/throwaway.sh run
    /// --postgres` sets the variable to a private one.
    #[arg(
        long,
        env = "DAUTRI_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    postgres: String,
    /// Database to create (dropped first unless --reuse-db finds it loaded).
    #[arg(long, default_value = "bench_boards")]
    db: String,
    /// Redis; must be on loopback. Only keys under a fresh `bench:<random>` prefix are touched.
    /// `scripts/throwaway.sh run --redis` sets the variable to a private one.
    #[arg(
        long,
        env = "DAUTRI_TEST_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    redis: String,
    /// Finished attempts (= members) in the round.
    #[arg(long, default_value_t = 1_000_000)]
    results: u32,
    /// Member organisations under the root.
    #[arg(long, default_value_t = 20)]
    orgs: u32,
    /// Branches under each organisation.
    #[arg(long, default_value_t = 100)]
    branches: u32,
    /// Keep the database if it already holds the benchmark contest (skips the load).
    #[arg(long)]
    reuse_db: bool,
    /// Leave the database in place at the end.
    #[arg(long)]
    keep_db: bool,
    /// Requests per endpoint in the sequential (one connection) phase.
    #[arg(long, default_value_t = 2000)]
    requests: u32,
    /// Connections in the concurrent phase.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds per concurrent phase (1–300).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=300))]
    seconds: u64,
    /// Members signed in for the `my rank` phase.
    #[arg(long, default_value_t = 32)]
    members: usize,
    /// Skip the exports.
    #[arg(long)]
    skip_export: bool,
    /// Skip publishing the round and reading its final ranking.
    #[arg(long)]
    skip_publish: bool,
    /// The server's log filter (`RUST_LOG`).
    #[arg(long, default_value = "info")]
    server_log: String,
    /// Where the Markdown report goes.
    #[arg(long, default_value = "/tmp/bench-boards.md")]
    out: PathBuf,
}

async fn run(args: &Args, api: &Path, prefix: &str, report: &mut Report) -> anyhow::Result<()> {
    let db_url = format!("{}/{}", args.postgres, args.db);
    let mut env: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), db_url.clone()),
        ("REDIS_URL".into(), args.redis.clone()),
        ("DAUTRI_REDIS__KEY_PREFIX".into(), prefix.to_owned()),
        (
            "DAUTRI_JWT__SECRET".into(),
            "bench-boards-secret-0123456789-abcdefghijklmnop".into(),
        ),
        ("DAUTRI_JWT__ACCESS_TTL_SECONDS".into(), "7200".into()),
        ("DAUTRI_LOGIN__MAX_PER_IP".into(), "100000".into()),
        ("DAUTRI_DEMO_ON_FIRST_RUN".into(), "false".into()),
        (
            "DAUTRI_DATA_DIR".into(),
            std::env::temp_dir()
                .join(format!("bench-boards-{}", std::process::id()))
                .display()
                .to_string(),
        ),
        ("RUST_LOG".into(), "info".into()),
    ];

    // 1. Prepare.
    let reuse = args.reuse_db
        && psql(
            &format!("{}/postgres", args.postgres),
            &format!("SELECT 1 FROM pg_database WHERE datname = '{}'", args.db),
        )? == "1"
        && load_ids(&db_url).is_ok_and(|l| l.members == u64::from(args.results));
    if reuse {
        println!("reusing database {}", args.db);
        report
            .notes
            .push(format!("database {} reused from an earlier run", args.db));
    } else {
        println!(
            "preparing database {} ({} results over {} × {} branches)…",
            args.db, args.results, args.orgs, args.branches
        );
        report.load = prepare(args, api, &db_url)?;
        for (what, took) in &report.load {
            println!("  {what}: {:.1} s", took.as_secs_f64());
        }
    }
    let ids = load_ids(&db_url)?;
    if reuse {
        // An earlier run published the round: open it again and drop the frozen ranking.
        psql(
            &db_url,
            &format!(
                "DELETE FROM round_results WHERE round_id = '{r}'; \
                 UPDATE rounds SET published_at = NULL, prediction_actual = NULL, \
                 closes_at = now() + interval '7 days' WHERE id = '{r}'",
                r = ids.round
            ),
        )?;
    }
    report.members = ids.members;
    report.units = 1 + ids.orgs.len() + ids.branches.len();
    let mut admin_env = env.clone();
    admin_env.push(("DAUTRI_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()));
    run_api(api, &admin_env, &["create-admin", "--phone", ADMIN_PHONE])?;

    // 2. Rebuild.
    let redis = redis::Client::open(args.redis.as_str())?;
    let mut rconn = redis.get_multiplexed_async_connection().await?;
    let info_before = redis_info(&mut rconn).await?;
    let cpu_before = cpu_now(None);
    println!("rebuilding the boards (api rebuild-boards)…");
    let mut rebuild_env = env.clone();
    rebuild_env.retain(|(k, _)| k != "RUST_LOG");
    rebuild_env.push(("RUST_LOG".into(), "info".into()));
    let (output, took) = run_api(
        api,
        &rebuild_env,
        &["rebuild-boards", "--contest", &ids.contest.to_string()],
    )?;
    let info_after = redis_info(&mut rconn).await?;
    let rebuild_cpu = cpu_now(None).since(cpu_before);
    let said = output
        .lines()
        .find(|l| l.starts_with("rebuilt:"))
        .unwrap_or("")
        .to_owned();
    println!("  {:.1} s wall; api says: {said}", took.as_secs_f64());
    let (calls0, usec0) = command_stat(&info_before, "evalsha");
    let (calls1, usec1) = command_stat(&info_after, "evalsha");
    let (ecalls0, eusec0) = command_stat(&info_before, "eval");
    let (ecalls1, eusec1) = command_stat(&info_after, "eval");
    let mem = info_field(&info_after, "used_memory")
        .saturating_sub(info_field(&info_before, "used_memory"));
    let target = if took.as_secs_f64() < 60.0 {
        "met"
    } else {
        "MISSED"
    };
    report.rebuild.push((
        "`api rebuild-boards` wall time (requirement < 60 s)".into(),
        format!("**{:.1} s** ({target})", took.as_secs_f64()),
    ));
    report
        .rebuild
        .push(("its own report".into(), format!("`{said}`")));
    report.rebuild.push((
        "Redis server time in scripts (EVALSHA + EVAL, `INFO commandstats` delta; other clients' calls included)".into(),
        format!(
            "{:.1} s in {} calls",
            ((usec1 - usec0) + (eusec1 - eusec0)) as f64 / 1e6,
            (calls1 - calls0) + (ecalls1 - ecalls0)
        ),
    ));
    report.rebuild.push((
        // The rebuild's own database sessions end with it, so their CPU cannot be read here.
        "Redis CPU during the rebuild (`redis-server`, from /proc)".into(),
        format!("{:.1} s", rebuild_cpu.redis),
    ));
    report.rebuild.push((
        "Redis memory added".into(),
        format!("{:.0} MB", mem as f64 / 1e6),
    ));
    // The database side alone: the same join read in one pass to a client, and paged by
    // 5,000 on the server (no transfer), as the rebuild pages it.
    let select = format!(
        "SELECT a.id, a.round_id, a.user_id, a.unit_id, a.score, a.max_score, a.time_used_ms, \
         a.finished_at, a.prediction, u.full_name, u.unit_id AS user_unit_id FROM attempts a \
         JOIN users u ON u.id = a.user_id WHERE a.contest_id = '{}' AND a.status = 'finished' \
         AND a.practice = false",
        ids.contest
    );
    let started = Instant::now();
    let mut reader = Command::new("psql")
        .args([db_url.as_str(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(format!("COPY ({select} ORDER BY a.id) TO STDOUT"))
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdout = reader.stdout.take().context("psql stdout")?;
    let (mut lines, mut buf) = (0u64, vec![0u8; 1 << 20]);
    loop {
        let n = stdout.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    if !reader.wait()?.success() {
        bail!("the database-only read failed");
    }
    let one_pass = started.elapsed();
    report.rebuild.push((
        "database only: the rebuild's join read in one pass to a client (psql COPY)".into(),
        format!("{:.1} s ({lines} rows)", one_pass.as_secs_f64()),
    ));
    let paged_sql = format!(
        "DO $$ DECLARE last uuid := '00000000-0000-0000-0000-000000000000'; n int; BEGIN LOOP \
         SELECT count(*), max(id::text)::uuid INTO n, last FROM ({select} AND a.id > last ORDER BY a.id LIMIT 5000) p; \
         EXIT WHEN n = 0; END LOOP; END $$"
    )
    .replace("SELECT a.id,", "SELECT a.id AS id,");
    let started = Instant::now();
    psql(&db_url, &paged_sql)?;
    report.rebuild.push((
        "database only: the same in keyset pages of 5,000, executed on the server (no transfer)"
            .into(),
        format!("{:.1} s", started.elapsed().as_secs_f64()),
    ));
    // `api rebuild-boards` leaves the "store ready" marker unset; without it the server would
    // replay the contest again at start.
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}:store:ready"))
        .arg(1)
        .arg("EX")
        .arg(365 * 86_400)
        .query_async(&mut rconn)
        .await?;

    // 3. Serve.
    let port = free_port()?;
    env.push(("PORT".into(), port.to_string()));
    env.retain(|(k, _)| k != "RUST_LOG");
    env.push(("RUST_LOG".into(), args.server_log.clone()));
    let log_path = std::env::temp_dir().join("bench-boards-server.log");
    let log = std::fs::File::create(&log_path)?;
    let started = Instant::now();
    let child = api_command(api, &env)
        .arg("serve")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    let mut server = Server { child };
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections.max(1))
        .timeout(Duration::from_secs(60))
        .build()?;
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            break;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            bail!("the server exited ({status}); see {}", log_path.display());
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!(
                "the server was not ready in 300 s; see {}",
                log_path.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report.notes.push(format!(
        "server ready {:.1} s after start (store marker set, so no replay at start); log: {}",
        started.elapsed().as_secs_f64(),
        log_path.display()
    ));
    println!("server ready on {base}");

    let admin = login(&client, &base, ADMIN_PHONE, ADMIN_PASSWORD).await?;
    let mut tokens = Vec::new();
    for _ in 0..args.members {
        let i = rand::rng().random_range(0..ids.members);
        tokens.push(login(&client, &base, &member_phone(i), MEMBER_PASSWORD).await?);
    }
    let tokens = Arc::new(tokens);
    let round = ids.round;
    let board_url = format!("{base}/api/v1/rounds/{round}/leaderboard");
    let total = board_total(&client, &board_url).await?;
    let mut org_totals = Vec::new();
    for org in &ids.orgs {
        let url = format!("{board_url}?unit_id={org}");
        org_totals.push((*org, board_total(&client, &url).await?));
    }
    let mut branch_totals = Vec::new();
    for branch in ids.branches.iter().take(200) {
        let url = format!("{board_url}?unit_id={branch}");
        branch_totals.push((*branch, board_total(&client, &url).await?));
    }
    report.notes.push(format!(
        "round board: {total} entries; organisation boards {}–{}; branch boards {}–{} (first 200 branches sampled)",
        org_totals.iter().map(|t| t.1).min().unwrap_or(0),
        org_totals.iter().map(|t| t.1).max().unwrap_or(0),
        branch_totals.iter().map(|t| t.1).min().unwrap_or(0),
        branch_totals.iter().map(|t| t.1).max().unwrap_or(0),
    ));
    println!("board totals read: round {total}");

    let c = client.clone();
    let healthz: MakeRequest = {
        let url = format!("{base}/healthz");
        Arc::new(move || c.get(&url))
    };
    let whole = random_page(&client, board_url.clone(), vec![(None, total)]);
    let one_row: MakeRequest = {
        let (c, url) = (client.clone(), board_url.clone());
        Arc::new(move || {
            let offset = rand::rng().random_range(0..total);
            c.get(&url)
                .query(&[("offset", offset.to_string()), ("limit", "1".to_owned())])
        })
    };
    let orgs = random_page(
        &client,
        board_url.clone(),
        org_totals.iter().map(|(u, t)| (Some(*u), *t)).collect(),
    );
    let branches = random_page(
        &client,
        board_url.clone(),
        branch_totals.iter().map(|(u, t)| (Some(*u), *t)).collect(),
    );
    let me = as_a_member(&client, format!("{board_url}/me"), &tokens);
    let units: MakeRequest = {
        let (c, url) = (
            client.clone(),
            format!("{base}/api/v1/rounds/{round}/units"),
        );
        Arc::new(move || c.get(&url))
    };
    let average = |totals: &[(Uuid, u64)]| {
        totals.iter().map(|t| t.1).sum::<u64>() / (totals.len().max(1) as u64)
    };
    let phases: Vec<(String, &str, MakeRequest)> = vec![
        ("`GET /healthz` (baseline)".into(), "/healthz", healthz),
        (
            format!("round board page ({total} entries, random offset, 50 rows)"),
            "/api/v1/rounds/{id}/leaderboard",
            whole,
        ),
        (
            "round board, 1 row (`limit=1`, random offset): a page's fixed cost".into(),
            "/api/v1/rounds/{id}/leaderboard",
            one_row,
        ),
        (
            format!(
                "organisation board page (`unit_id`, ~{} entries each)",
                average(&org_totals)
            ),
            "/api/v1/rounds/{id}/leaderboard",
            orgs,
        ),
        (
            format!(
                "branch board page (`unit_id`, ~{} entries each)",
                average(&branch_totals)
            ),
            "/api/v1/rounds/{id}/leaderboard",
            branches,
        ),
        (
            "`my rank` (`/leaderboard/me`, JWT)".into(),
            "/api/v1/rounds/{id}/leaderboard/me",
            me,
        ),
        (
            format!(
                "units ranking (`/rounds/{{id}}/units`, {} units)",
                ids.orgs.len()
            ),
            "/api/v1/rounds/{id}/units",
            units,
        ),
    ];
    println!(
        "measuring: {} sequential requests, then {} connections for {} s, per endpoint",
        args.requests, args.connections, args.seconds
    );
    for (name, route, make) in phases {
        report
            .endpoints
            .push(measure_endpoint(&client, &base, args, &name, route, make).await?);
    }

    // 4. Export.
    if !args.skip_export {
        for format in ["xlsx", "csv"] {
            println!("exporting the round as {format}…");
            let pid = Some(server.child.id());
            let (cpu0, info0) = (cpu_now(pid), redis_info(&mut rconn).await?);
            let mut e = export(&client, &base, round, &admin, format).await?;
            let (cpu1, info1) = (cpu_now(pid), redis_info(&mut rconn).await?);
            e.cpu = cpu1.since(cpu0);
            e.redis_script_s = (command_stat(&info1, "evalsha").1
                - command_stat(&info0, "evalsha").1) as f64
                / 1e6;
            println!(
                "  CPU: server {:.1} s, postgres {:.1} s, redis {:.1} s (scripts {:.1} s)",
                e.cpu.server, e.cpu.postgres, e.cpu.redis, e.redis_script_s
            );
            println!(
                "  HTTP {} {:.1} MB in {:.1} s (first byte {:.2} s), rows {:?}",
                e.status,
                e.bytes as f64 / 1e6,
                e.total.as_secs_f64(),
                e.first_byte.as_secs_f64(),
                e.rows
            );
            report.exports.push(e);
        }
    }

    // 5. Publish, then read the frozen ranking.
    if !args.skip_publish {
        publish_and_read(args, &client, &base, &db_url, &ids, &admin, &tokens, report).await?;
    }
    server.stop();
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    loadtest::scenario::install_crypto_provider();
    let args = Args::parse();
    loopback_url(&args.postgres, "--postgres")?;
    loopback_url(&args.redis, "--redis")?;
    let api = match &args.api_bin {
        Some(p) => p.clone(),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from)
            .join("release/api"),
    };
    if !api.is_file() {
        bail!(
            "{} not found: build it with `cargo build --release -p api` or pass --api-bin",
            api.display()
        );
    }
    let prefix = format!("bench:{}", &Uuid::new_v4().simple().to_string()[..12]);
    println!("Redis key prefix {prefix}");
    let mut report = Report::default();
    let outcome = run(&args, &api, &prefix, &mut report).await;

    // Clean up whatever happened.
    if let Ok(client) = redis::Client::open(args.redis.as_str())
        && let Ok(mut conn) = client.get_multiplexed_async_connection().await
    {
        match delete_prefix(&mut conn, &prefix).await {
            Ok(n) => println!("deleted {n} Redis keys under {prefix}:"),
            Err(e) => eprintln!("could not delete the Redis keys under {prefix}: {e}"),
        }
    }
    if args.keep_db {
        println!("database {} kept (--keep-db)", args.db);
        report.notes.push(format!("database `{}` kept", args.db));
    } else if let Err(e) = psql(
        &format!("{}/postgres", args.postgres),
        &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", args.db),
    ) {
        eprintln!("could not drop database {}: {e}", args.db);
    }
    let failure = outcome.as_ref().err().map(|e| format!("{e:#}"));
    let md = write_report(&args, &api, &prefix, &report, failure.as_deref())?;
    std::fs::write(&args.out, &md)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("report written to {}", args.out.display());
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_vietnamese_diacritics() {
        assert_eq!(fold("Đoàn cơ sở Thử tải"), "doan co so thu tai");
        assert_eq!(fold("Nguyễn Thị Ánh Ổn"), "nguyen thi anh on");
    }

    #[test]
    fn only_loopback_services_are_accepted() {
        assert!(loopback_url("postgres://postgres@127.0.0.1:5432", "x").is_ok());
        assert!(loopback_url("redis://localhost:6379", "x").is_ok());
        assert!(loopback_url("redis://[::1]:6379", "x").is_ok());
        assert!(loopback_url("postgres://u@db.example:5432", "x").is_err());
    }

    #[test]
    fn server_quantiles_interpolate_inside_buckets() {
        let h = ServerHistogram {
            buckets: vec![(0.001, 50.0), (0.005, 100.0), (f64::INFINITY, 100.0)],
            sum: 0.2,
            count: 100.0,
        };
        assert!((h.quantile_ms(0.5) - 1.0).abs() < 1e-9);
        assert!((h.quantile_ms(0.75) - 3.0).abs() < 1e-9);
        assert!((h.share_within(0.005) - 100.0).abs() < 1e-9);
        assert!((h.mean_ms() - 2.0).abs() < 1e-9);
    }
}

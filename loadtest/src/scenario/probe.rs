//! Watching the server while the day runs: its CPU and memory from `/proc/<pid>` (when it runs
//! on this machine), and the Redis memory its attempts hold (the keys under its prefix, on the
//! one server or on every master of a cluster); where the machine's CPU goes is `cpu`'s, and
//! what the server measured of its own requests is `server_side`'s.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::cpu::CpuAccount;
use super::day::Day;
use super::{server_side, stats};

fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Bytes held by the keys of running attempts on one Redis server, and how many keys.
async fn attempt_memory_on(
    con: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
) -> Option<(u64, u64)> {
    let pattern = format!("{prefix}:attempt:*");
    let mut cursor: u64 = 0;
    let (mut bytes, mut keys) = (0u64, 0u64);
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(con)
            .await
            .ok()?;
        if !batch.is_empty() {
            let mut pipe = redis::pipe();
            for k in &batch {
                pipe.cmd("MEMORY").arg("USAGE").arg(k);
            }
            let sizes: Vec<Option<u64>> = pipe.query_async(con).await.ok()?;
            bytes += sizes.into_iter().flatten().sum::<u64>();
            keys += batch.len() as u64;
        }
        cursor = next;
        if cursor == 0 {
            return Some((bytes, keys));
        }
    }
}

/// Bytes held by the keys of running attempts, and how many keys, over every server that is
/// a master now: one server, or each master of a cluster (each holds its own slots; a
/// replica's copy is not counted, and a node that does not answer, say one just killed, is
/// skipped, its replica having taken its slots).
async fn attempt_memory(
    nodes: &mut [redis::aio::MultiplexedConnection],
    prefix: &str,
) -> Option<(u64, u64)> {
    let (mut bytes, mut keys, mut masters) = (0u64, 0u64, 0usize);
    for con in nodes.iter_mut() {
        let role: Result<Vec<redis::Value>, _> = tokio::time::timeout(
            Duration::from_millis(500),
            redis::cmd("ROLE").query_async(con),
        )
        .await
        .unwrap_or_else(|_| Err(redis::RedisError::from((redis::ErrorKind::Io, "timed out"))));
        let is_master = matches!(
            role.ok().as_deref().and_then(<[redis::Value]>::first),
            Some(redis::Value::BulkString(b)) if b.as_slice() == b"master"
        );
        if !is_master {
            continue;
        }
        let (b, k) = attempt_memory_on(con, prefix).await?;
        bytes += b;
        keys += k;
        masters += 1;
    }
    (masters > 0).then_some((bytes, keys))
}

/// Connections to every node of `url` (one `redis://` URL, or several separated by commas for
/// a cluster); nodes that do not answer now are left out.
async fn connect_nodes(url: &str) -> Vec<redis::aio::MultiplexedConnection> {
    let mut nodes = Vec::new();
    for node in url.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        if let Ok(client) = redis::Client::open(node)
            && let Ok(con) = client.get_multiplexed_async_connection().await
        {
            nodes.push(con);
        }
    }
    nodes
}

/// Samples until the day is over; returns the summary as JSON.
pub async fn watch(day: Arc<Day>) -> Value {
    let pid = day.config.server_pid;
    let mut redis = match (&day.config.redis_url, &day.config.redis_prefix) {
        (Some(url), Some(prefix)) => Some((connect_nodes(url).await, prefix.clone())),
        _ => None,
    };
    let started = Instant::now();
    let rss_start = pid.and_then(rss_mib);
    let (mut cpu_peak, mut rss_peak) = (0.0f64, rss_start.unwrap_or(0.0));
    let mut timeline = Vec::new();
    // (active attempts, attempt bytes, keys) at the sample with the most running attempts.
    let mut at_peak: Option<(i64, u64, u64)> = None;
    let mut redis_due = Instant::now();
    let mut cpu = CpuAccount::new(pid);
    // The server's own histogram, once a second (each scrape also pings its database and
    // store, which is why not at every sample).
    let token = day.config.metrics_token.as_deref();
    let scrape_now = || {
        server_side::scrape(
            &day.client,
            &day.config.base_url,
            token,
            day.rec.elapsed().as_secs_f64(),
        )
    };
    let mut scrapes: Vec<server_side::Scrape> = scrape_now().await.into_iter().collect();
    let mut scrape_due = Instant::now() + Duration::from_secs(1);
    while !day.over.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = Instant::now();
        let mut sample = json!({"second": started.elapsed().as_secs_f64()});
        if let Some(parts) = cpu.sample() {
            parts.write_into(&mut sample);
            if pid.is_some() {
                cpu_peak = cpu_peak.max(parts.server);
                sample["cpu_cores"] = json!(parts.server);
            }
        }
        if let Some(rss) = pid.and_then(rss_mib) {
            rss_peak = rss_peak.max(rss);
            sample["rss_mib"] = json!(rss);
        }
        let active = day.active.load(Ordering::Relaxed);
        sample["active_attempts"] = json!(active);
        if let Some((con, prefix)) = redis.as_mut()
            && now >= redis_due
            && active > at_peak.map_or(0, |p| p.0)
        {
            if let Some((bytes, keys)) = attempt_memory(con, prefix).await {
                at_peak = Some((active, bytes, keys));
            }
            redis_due = Instant::now() + Duration::from_secs(2);
        }
        if now >= scrape_due {
            scrapes.extend(scrape_now().await);
            scrape_due = now + Duration::from_secs(1);
        }
        timeline.push(sample);
    }
    scrapes.extend(scrape_now().await);
    cpu.sample();
    let cpu_mean = pid.and(cpu.day_mean()).map(|p| p.server);
    json!({
        "cpu": cpu.summary(),
        "server": pid.map(|pid| json!({
            "pid": pid,
            "cpu_cores_mean": cpu_mean,
            "cpu_cores_peak": cpu_peak,
            "rss_mib_start": rss_start,
            "rss_mib_peak": rss_peak,
            "rss_mib_end": rss_mib(pid),
        })),
        "redis": at_peak.map(|(active, bytes, keys)| json!({
            "active_attempts": active,
            "attempt_keys": keys,
            "attempt_bytes": bytes,
            "bytes_per_active_attempt": bytes as f64 / active.max(1) as f64,
        })),
        "timeline": timeline,
        "server_side": (!scrapes.is_empty()).then(|| json!({
            "scrapes": scrapes.len(),
            "day": server_side::day_json(&scrapes),
            "window": server_side::window_json(
                &scrapes,
                &stats::window_slices(day.config.window.as_secs_f64()),
            ),
            "timeline": server_side::timeline_json(&scrapes),
        })),
    })
}

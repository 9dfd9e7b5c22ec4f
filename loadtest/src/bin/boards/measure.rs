//! Step 3: timed phases against the server (sequential and concurrent), the server's own
//! latency histogram, CPU and Redis counters.

use super::*;
use loadtest::exposition::{bound, fetch, sample};

/// CPU seconds used so far by the server process, by every `postgres` process and by every
/// `redis-server` process (from `/proc`; other users of the same PostgreSQL and Redis count too).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Cpu {
    pub(crate) server: f64,
    pub(crate) postgres: f64,
    pub(crate) redis: f64,
}

impl Cpu {
    pub(crate) fn since(self, before: Cpu) -> Cpu {
        Cpu {
            server: self.server - before.server,
            postgres: self.postgres - before.postgres,
            redis: self.redis - before.redis,
        }
    }
}

/// (command, user + system CPU seconds) from a `/proc/<pid>/stat` line.
pub(crate) fn cpu_seconds(stat: &str) -> Option<(String, f64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat[open + 1..close].to_owned();
    let fields: Vec<&str> = stat.get(close + 2..)?.split(' ').collect();
    // `fields[0]` is proc(5)'s field 3 (state), so utime (14) and stime (15) are 11 and 12.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks: 100 per second on Linux (USER_HZ).
    Some((comm, (utime + stime) / 100.0))
}

pub(crate) fn cpu_now(server_pid: Option<u32>) -> Cpu {
    let mut cpu = Cpu::default();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return cpu;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((comm, secs)) = cpu_seconds(&stat) else {
            continue;
        };
        if Some(pid) == server_pid {
            cpu.server += secs;
        } else if comm == "postgres" {
            cpu.postgres += secs;
        } else if comm.starts_with("redis-server") {
            cpu.redis += secs;
        }
    }
    cpu
}

// ---------------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------------

pub(crate) async fn redis_info(
    conn: &mut redis::aio::MultiplexedConnection,
) -> anyhow::Result<String> {
    Ok(redis::cmd("INFO")
        .arg("everything")
        .query_async::<String>(conn)
        .await?)
}

/// `cmdstat_<name>:calls=…,usec=…` → (calls, usec).
pub(crate) fn command_stat(info: &str, name: &str) -> (u64, u64) {
    let Some(line) = info
        .lines()
        .find(|l| l.starts_with(&format!("cmdstat_{name}:")))
    else {
        return (0, 0);
    };
    let field = |key: &str| {
        line.split([':', ','])
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("calls"), field("usec"))
}

pub(crate) fn info_field(info: &str, key: &str) -> u64 {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Deletes every key under `prefix:` (SCAN + UNLINK); returns how many.
pub(crate) async fn delete_prefix(
    conn: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
) -> anyhow::Result<u64> {
    let mut cursor = 0u64;
    let mut deleted = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}:*"))
            .arg("COUNT")
            .arg(5000)
            .query_async(conn)
            .await?;
        if !keys.is_empty() {
            let n: u64 = redis::cmd("UNLINK").arg(&keys).query_async(conn).await?;
            deleted += n;
        }
        if next == 0 {
            return Ok(deleted);
        }
        cursor = next;
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP measurement
// ---------------------------------------------------------------------------------------------

/// Builds the next request of a phase.
pub(crate) type MakeRequest = Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync>;

/// A page of `PAGE` rows at a random offset of one of `boards` (a unit, or the whole board with
/// `None`, and its size).
pub(crate) fn random_page(
    client: &reqwest::Client,
    url: String,
    boards: Vec<(Option<Uuid>, u64)>,
) -> MakeRequest {
    let c = client.clone();
    Arc::new(move || {
        let mut rng = rand::rng();
        let (unit, total) = boards[rng.random_range(0..boards.len())];
        let offset = rng.random_range(0..=total.saturating_sub(PAGE));
        let mut q = vec![("offset", offset.to_string()), ("limit", PAGE.to_string())];
        if let Some(u) = unit {
            q.push(("unit_id", u.to_string()));
        }
        c.get(&url).query(&q)
    })
}

/// `GET url` as one of the signed-in members, at random.
pub(crate) fn as_a_member(
    client: &reqwest::Client,
    url: String,
    tokens: &Arc<Vec<String>>,
) -> MakeRequest {
    let (c, tokens) = (client.clone(), Arc::clone(tokens));
    Arc::new(move || {
        c.get(&url)
            .bearer_auth(&tokens[rand::rng().random_range(0..tokens.len())])
    })
}

/// What one phase measured at the client.
pub(crate) struct Phase {
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    pub(crate) elapsed: Duration,
    pub(crate) latency_us: Histogram<u64>,
}

impl Phase {
    pub(crate) fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    pub(crate) fn ms(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64 / 1000.0
    }
}

pub(crate) fn histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::<u64>::new_with_bounds(1, 120_000_000, 3)?)
}

pub(crate) async fn send(request: reqwest::RequestBuilder, histogram: &mut Histogram<u64>) -> bool {
    let sent = Instant::now();
    let ok = match request.send().await {
        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
        Err(_) => false,
    };
    let _ = histogram.record(
        u64::try_from(sent.elapsed().as_micros())
            .unwrap_or(u64::MAX)
            .max(1),
    );
    ok
}

/// `n` requests one after another on one connection.
pub(crate) async fn sequential(n: u32, make: &MakeRequest) -> anyhow::Result<Phase> {
    let mut latency_us = histogram()?;
    let mut errors = 0;
    // One unmeasured request opens the connection.
    let _ = make().send().await;
    let started = Instant::now();
    for _ in 0..n {
        errors += u64::from(!send(make(), &mut latency_us).await);
    }
    Ok(Phase {
        requests: u64::from(n),
        errors,
        elapsed: started.elapsed(),
        latency_us,
    })
}

/// `connections` workers for `seconds`.
pub(crate) async fn concurrent(
    connections: usize,
    seconds: u64,
    make: &MakeRequest,
) -> anyhow::Result<Phase> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers = (0..connections).map(|_| {
        let make = make.clone();
        tokio::spawn(async move {
            let mut h = histogram()?;
            let (mut requests, mut errors) = (0u64, 0u64);
            while Instant::now() < deadline {
                errors += u64::from(!send(make(), &mut h).await);
                requests += 1;
            }
            anyhow::Ok((h, requests, errors))
        })
    });
    let mut latency_us = histogram()?;
    let (mut requests, mut errors) = (0, 0);
    for result in futures_util::future::join_all(workers).await {
        let (h, r, e) = result??;
        latency_us.add(h)?;
        requests += r;
        errors += e;
    }
    Ok(Phase {
        requests,
        errors,
        elapsed: started.elapsed(),
        latency_us,
    })
}

/// The server's latency histogram of one route: cumulative buckets (upper bound s, count).
#[derive(Debug, Default, Clone)]
pub(crate) struct ServerHistogram {
    pub(crate) buckets: Vec<(f64, f64)>,
    pub(crate) sum: f64,
    pub(crate) count: f64,
}

impl ServerHistogram {
    pub(crate) fn minus(&self, before: &ServerHistogram) -> ServerHistogram {
        let old: HashMap<u64, f64> = before
            .buckets
            .iter()
            .map(|(le, c)| (le.to_bits(), *c))
            .collect();
        ServerHistogram {
            buckets: self
                .buckets
                .iter()
                .map(|(le, c)| (*le, c - old.get(&le.to_bits()).copied().unwrap_or(0.0)))
                .collect(),
            sum: self.sum - before.sum,
            count: self.count - before.count,
        }
    }

    pub(crate) fn mean_ms(&self) -> f64 {
        if self.count > 0.0 {
            self.sum / self.count * 1000.0
        } else {
            f64::NAN
        }
    }

    /// Quantile in ms, interpolated inside its bucket as Prometheus' `histogram_quantile` does.
    pub(crate) fn quantile_ms(&self, q: f64) -> f64 {
        let target = q * self.count;
        let (mut lower, mut below) = (0.0, 0.0);
        for (le, cum) in &self.buckets {
            if *cum >= target && *cum > below {
                if le.is_infinite() {
                    return lower * 1000.0;
                }
                return (lower + (le - lower) * (target - below) / (cum - below)) * 1000.0;
            }
            lower = *le;
            below = *cum;
        }
        f64::NAN
    }

    /// Share of requests answered within `seconds` (a bucket bound).
    pub(crate) fn share_within(&self, seconds: f64) -> f64 {
        self.buckets
            .iter()
            .find(|(le, _)| (*le - seconds).abs() < 1e-9)
            .map_or(f64::NAN, |(_, c)| c / self.count * 100.0)
    }
}

/// Reads `dautri_http_request_duration_seconds` of every route from `/metrics`.
pub(crate) async fn scrape(
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<HashMap<String, ServerHistogram>> {
    let text = fetch(client, base, None)
        .await
        .with_context(|| format!("{base}/metrics could not be read"))?;
    let mut routes: HashMap<String, ServerHistogram> = HashMap::new();
    let name = "dautri_http_request_duration_seconds";
    let (bucket, sum, count) = (
        format!("{name}_bucket"),
        format!("{name}_sum"),
        format!("{name}_count"),
    );
    for line in text.lines() {
        let Some((kind, (labels, value))) = [&bucket, &sum, &count]
            .into_iter()
            .find_map(|metric| Some((metric, sample(line, metric)?)))
        else {
            continue;
        };
        if labels.get("method") != Some(&"GET") {
            continue;
        }
        let Some(route) = labels.get("route") else {
            continue;
        };
        let h = routes.entry((*route).to_owned()).or_default();
        if kind == &bucket {
            let Some(le) = bound(&labels) else {
                continue;
            };
            h.buckets.push((le, value));
        } else if kind == &sum {
            h.sum = value;
        } else {
            h.count = value;
        }
    }
    for h in routes.values_mut() {
        h.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Ok(routes)
}

/// One endpoint measured both ways, with the server's view of each.
pub(crate) struct Measured {
    pub(crate) name: String,
    pub(crate) seq: Phase,
    pub(crate) seq_server: ServerHistogram,
    pub(crate) conc: Phase,
    pub(crate) conc_server: ServerHistogram,
}

pub(crate) async fn measure_endpoint(
    client: &reqwest::Client,
    base: &str,
    args: &Args,
    name: &str,
    route: &str,
    make: MakeRequest,
) -> anyhow::Result<Measured> {
    let server = |m: &HashMap<String, ServerHistogram>| m.get(route).cloned().unwrap_or_default();
    let before = scrape(client, base).await?;
    let seq = sequential(args.requests, &make).await?;
    let middle = scrape(client, base).await?;
    let conc = concurrent(args.connections, args.seconds, &make).await?;
    let after = scrape(client, base).await?;
    let m = Measured {
        name: name.to_owned(),
        seq_server: server(&middle).minus(&server(&before)),
        conc_server: server(&after).minus(&server(&middle)),
        seq,
        conc,
    };
    println!(
        "{:<34} seq {:>7.0} req/s p50 {:>6.2} ms p99 {:>6.2} ms | {} conn {:>7.0} req/s p50 {:>6.2} ms p99 {:>6.2} ms | server mean {:.2}/{:.2} ms, p99 ≈{:.2}/{:.2} ms | errors {}",
        m.name,
        m.seq.rate(),
        m.seq.ms(0.5),
        m.seq.ms(0.99),
        args.connections,
        m.conc.rate(),
        m.conc.ms(0.5),
        m.conc.ms(0.99),
        m.seq_server.mean_ms(),
        m.conc_server.mean_ms(),
        m.seq_server.quantile_ms(0.99),
        m.conc_server.quantile_ms(0.99),
        m.seq.errors + m.conc.errors
    );
    Ok(m)
}

pub(crate) async fn login(
    client: &reqwest::Client,
    base: &str,
    phone: &str,
    password: &str,
) -> anyhow::Result<String> {
    let v: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"phone": phone, "password": password}))
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("login of {phone} failed"))?
        .json()
        .await?;
    Ok(v["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned())
}

pub(crate) async fn board_total(client: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    let v: Value = client
        .get(url)
        .query(&[("limit", "1")])
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("GET {url}"))?
        .json()
        .await?;
    v["total"].as_u64().context("no total")
}

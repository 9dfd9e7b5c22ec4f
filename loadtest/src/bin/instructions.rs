//! `instructions`: what one request costs the server in CPU instructions, counted by
//! `valgrind --tool=callgrind`, for dautri and for the `ceiling` server side by side.
//!
//! Closed-loop throughput on a shared 2-core machine moves by 10–20% between runs, so a change
//! that saves a few percent of the answer path's CPU cannot be seen there. Instructions counted
//! by callgrind are the same for the same binary and the same requests whatever else the machine
//! does, so two builds compare to about a percent. They count only the server's own work: not
//! Redis's, not PostgreSQL's, not the kernel's. Under valgrind SHA-256 runs its portable code
//! (valgrind hides the CPU's SHA instructions), so the HS256 check weighs more here than on
//! the machine itself, on both servers alike.
//!
//! Both servers run under callgrind (`loadtest/instructions.sh` starts them). For each pair of
//! requests this tool sends `--warmup` requests, dumps and so resets callgrind's counters
//! (`callgrind_control --dump`), sends `--requests` more one after another on one kept-alive
//! connection, dumps again and divides the second dump's total by the requests. Each request
//! goes out in one write and the next waits for its response, so the server reads each whole
//! in one go whatever the timing (with a client that writes headers and body apart, the count
//! moved by 10% with the machine's load). Responses are asked uncompressed. The pairs:
//! - dautri `GET /healthz` against the ceiling's `GET /plain`;
//! - dautri's answer save (`PUT /api/v1/attempts/{id}/answers/{q}`: JWT, session markers,
//!   one script, the journal) against the ceiling's bare HS256 JWT + one `EVALSHA`;
//! - dautri's "my rank" on the round (`GET /api/v1/rounds/{id}/leaderboard/me`), alone.
//!
//! Every request must answer 200; the background work the server does meanwhile (the
//! journal's writes of those answers, timers) counts in, as it would in production.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Parser)]
#[command(
    name = "instructions",
    about = "CPU instructions per request, dautri beside the ceiling (callgrind)"
)]
struct Args {
    /// dautri under callgrind (loopback).
    #[arg(long)]
    dautri: String,
    /// Its process id (valgrind's).
    #[arg(long)]
    dautri_pid: u32,
    /// A member who may enter the first contest listed (the demo data's).
    #[arg(long, default_value = "0900000002")]
    phone: String,
    /// Their password (the demo data's is in `demo-credentials.txt`).
    #[arg(long, env = "INSTRUCTIONS_PASSWORD")]
    password: String,
    /// The `ceiling` server under callgrind.
    #[arg(long)]
    ceiling: String,
    #[arg(long)]
    ceiling_pid: u32,
    /// The token the ceiling printed.
    #[arg(long, env = "INSTRUCTIONS_CEILING_TOKEN")]
    ceiling_token: String,
    /// Where callgrind writes its dumps (`--callgrind-out-file`'s directory).
    #[arg(long)]
    dumps: PathBuf,
    /// Requests counted per endpoint.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    requests: u64,
    /// Requests sent first and not counted (connections, caches, lazy statics).
    #[arg(long, default_value_t = 200)]
    warmup: u64,
    /// Also write the functions of the dautri answer dump here, by inclusive instructions
    /// (callgrind_annotate).
    #[arg(long)]
    annotate: Option<PathBuf>,
}

/// A request to send, again and again (`i` numbers them): its whole bytes.
type MakeRequest<'a> = Box<dyn Fn(u64) -> Vec<u8> + 'a>;

/// An HTTP/1.1 request as one buffer, written in one `write`, so that the server reads it
/// whole in one go: how many reads a request takes would otherwise depend on timing, and
/// with it the instructions counted.
fn request(
    method: &str,
    base: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Vec<u8> {
    let host = base.trim_start_matches("http://");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    if !body.is_empty() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// One kept-alive connection that sends a request and reads its response whole.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(base: &str) -> anyhow::Result<Self> {
        let url = reqwest::Url::parse(base)?;
        let stream = TcpStream::connect((
            url.host_str().unwrap_or("127.0.0.1"),
            url.port().unwrap_or(80),
        ))
        .await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buffer: Vec::with_capacity(8192),
        })
    }

    /// Sends `bytes` and returns the response's status once its body is read.
    async fn send(&mut self, bytes: &[u8]) -> anyhow::Result<(u16, String)> {
        self.stream.write_all(bytes).await?;
        self.buffer.clear();
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_string();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .context("no status")?;
                let lower = head.to_ascii_lowercase();
                let body_start = end + 4;
                if let Some(length) = lower
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                {
                    while self.buffer.len() < body_start + length {
                        self.read().await?;
                    }
                } else if lower.contains("transfer-encoding: chunked") {
                    while find(&self.buffer[body_start..], b"0\r\n\r\n").is_none() {
                        self.read().await?;
                    }
                }
                let body = String::from_utf8_lossy(&self.buffer[body_start..]).to_string();
                return Ok((status, body));
            }
            self.read().await?;
        }
    }

    async fn read(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One server under callgrind.
struct Counted<'a> {
    pid: u32,
    dumps: &'a Path,
    base: &'a str,
}

impl Counted<'_> {
    /// Dumps the counters (which resets them) and returns the new dump's total instructions
    /// and its path.
    fn dump(&self) -> anyhow::Result<(u64, PathBuf)> {
        let before = self.dump_files()?;
        let status = Command::new("callgrind_control")
            .arg("--dump")
            .arg(self.pid.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .context("running callgrind_control (valgrind installed?)")?;
        if !status.success() {
            bail!("callgrind_control --dump {} failed", self.pid);
        }
        let new = self
            .dump_files()?
            .into_iter()
            .find(|f| !before.contains(f))
            .context("callgrind wrote no new dump")?;
        let text = std::fs::read_to_string(&new)?;
        let total = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("totals:")
                    .or_else(|| l.strip_prefix("summary:"))
            })
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no totals in {}", new.display()))?;
        Ok((total, new))
    }

    fn dump_files(&self) -> anyhow::Result<Vec<PathBuf>> {
        let prefix = format!("callgrind.{}.", self.pid);
        Ok(std::fs::read_dir(self.dumps)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix))
            })
            .collect())
    }

    /// Instructions per request over `requests` requests after `warmup` uncounted ones, on
    /// one connection.
    async fn per_request(
        &self,
        name: &str,
        make: &MakeRequest<'_>,
        warmup: u64,
        requests: u64,
    ) -> anyhow::Result<(f64, PathBuf)> {
        let mut connection = Connection::open(self.base).await?;
        for i in 0..warmup {
            send(name, &mut connection, &make(i)).await?;
        }
        self.dump()?;
        for i in warmup..warmup + requests {
            send(name, &mut connection, &make(i)).await?;
        }
        let (total, file) = self.dump()?;
        Ok((total as f64 / requests as f64, file))
    }
}

async fn send(name: &str, connection: &mut Connection, bytes: &[u8]) -> anyhow::Result<()> {
    let (status, body) = connection
        .send(bytes)
        .await
        .with_context(|| name.to_owned())?;
    if !(200..300).contains(&status) {
        bail!("{name}: {status} {body}");
    }
    Ok(())
}

async fn json(request: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
    let response = request.send().await.with_context(|| what.to_owned())?;
    let status = response.status();
    let body: Value = response.json().await.with_context(|| what.to_owned())?;
    if !status.is_success() {
        bail!("{what}: {status} {body}");
    }
    Ok(body)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    loadtest::scenario::install_crypto_provider();
    let args = Args::parse();
    for url in [&args.dautri, &args.ceiling] {
        let host = reqwest::Url::parse(url)
            .context("not a URL")?
            .host_str()
            .unwrap_or_default()
            .to_owned();
        if host != "127.0.0.1" && host != "localhost" {
            bail!("{url}: only loopback targets");
        }
    }
    // One connection, kept alive, as a phone's; callgrind runs the server ~50× slower.
    let client = loadtest::client_builder(false)
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(120))
        .build()?;
    let base = args.dautri.trim_end_matches('/');

    // A member's running attempt in the first open round.
    let login = json(
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"phone": args.phone, "password": args.password})),
        "sign in",
    )
    .await?;
    let token = login["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned();
    let contests = json(
        client
            .get(format!("{base}/api/v1/contests"))
            .bearer_auth(&token),
        "contests",
    )
    .await?;
    // A ranked contest (a theory test has no boards) with a round open now.
    let mut round = None;
    for contest in contests["items"].as_array().into_iter().flatten() {
        let kind = contest
            .get("kind")
            .or_else(|| contest["settings"].get("kind"));
        if kind.and_then(Value::as_str) != Some("contest") {
            continue;
        }
        let id = contest["id"].as_str().context("contest id")?;
        let rounds = json(
            client
                .get(format!("{base}/api/v1/contests/{id}/rounds"))
                .bearer_auth(&token),
            "rounds",
        )
        .await?;
        round = rounds["items"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["state"] == "open"))
            .and_then(|r| r["id"].as_str())
            .map(str::to_owned);
        if round.is_some() {
            break;
        }
    }
    let round = round.context("no ranked contest with an open round (run `api demo`)")?;
    let attempt = json(
        client
            .post(format!("{base}/api/v1/rounds/{round}/attempts"))
            .bearer_auth(&token),
        "start",
    )
    .await?;
    let attempt_id = attempt["id"].as_str().context("attempt id")?.to_owned();
    let questions: Vec<(String, Vec<String>)> = attempt["questions"]
        .as_array()
        .context("questions")?
        .iter()
        .filter_map(|q| {
            let options: Vec<String> = q["options"]
                .as_array()?
                .iter()
                .filter_map(|o| o["id"].as_str().map(str::to_owned))
                .collect();
            Some((q["id"].as_str()?.to_owned(), options))
        })
        .filter(|(_, options)| !options.is_empty())
        .collect();
    if questions.is_empty() {
        bail!("the attempt has no questions with options");
    }

    let cbase = args.ceiling.trim_end_matches('/');
    let dautri = Counted {
        pid: args.dautri_pid,
        dumps: &args.dumps,
        base,
    };
    let ceiling = Counted {
        pid: args.ceiling_pid,
        dumps: &args.dumps,
        base: cbase,
    };
    let (w, n) = (args.warmup, args.requests);

    let healthz: MakeRequest = Box::new(|_| request("GET", base, "/healthz", None, None));
    let plain: MakeRequest = Box::new(|_| request("GET", cbase, "/plain", None, None));
    // Each save picks the next question and, every pass, the next of its options.
    let answer: MakeRequest = Box::new(|i| {
        let q = usize::try_from(i).unwrap_or(0);
        let (question, options) = &questions[q % questions.len()];
        let option = &options[(q / questions.len()) % options.len()];
        request(
            "PUT",
            base,
            &format!("/api/v1/attempts/{attempt_id}/answers/{question}"),
            Some(&token),
            Some(&json!({"option_ids": [option]})),
        )
    });
    let bare: MakeRequest = Box::new(|i| {
        let q = usize::try_from(i).unwrap_or(0);
        request(
            "PUT",
            cbase,
            &format!("/answer/instructions/q{}", q % questions.len()),
            Some(&args.ceiling_token),
            Some(&json!({"option_ids": [((q / questions.len()) % 4).to_string()]})),
        )
    });
    let my_rank: MakeRequest = Box::new(|_| {
        request(
            "GET",
            base,
            &format!("/api/v1/rounds/{round}/leaderboard/me"),
            Some(&token),
            None,
        )
    });

    let (h, _) = dautri.per_request("healthz", &healthz, w, n).await?;
    let (p, _) = ceiling.per_request("plain", &plain, w, n).await?;
    let (a, answer_dump) = dautri.per_request("answer", &answer, w, n).await?;
    let (b, _) = ceiling.per_request("bare answer", &bare, w, n).await?;
    let (m, _) = dautri.per_request("my rank", &my_rank, w, n).await?;

    println!("instructions per request, {n} requests each after {w} uncounted (callgrind)");
    println!(
        "{:<28} {:>12} {:>12} {:>7}",
        "", "dautri", "ceiling", "ratio"
    );
    let pair =
        |label: &str, d: f64, c: f64| println!("{label:<28} {d:>12.0} {c:>12.0} {:>7.2}", d / c);
    pair("healthz / plain", h, p);
    pair("answer save / JWT + EVALSHA", a, b);
    println!("{:<28} {:>12.0} {:>12} {:>7}", "my rank", m, "", "");
    println!(
        "{}",
        json!({"requests": n, "warmup": w, "healthz": h, "plain": p, "answer": a, "bare_answer": b, "my_rank": m})
    );
    if let Some(out) = &args.annotate {
        let annotated = Command::new("callgrind_annotate")
            .arg("--inclusive=yes")
            .arg("--threshold=100")
            .arg(&answer_dump)
            .output()
            .context("running callgrind_annotate")?;
        std::fs::write(out, &annotated.stdout)?;
    }
    Ok(())
}

//! `connections`: what an open connection costs a running dautri in memory.
//!
//! Opens connections in steps (say 0, 2,000, 5,000, 10,000 in all), each making one request and
//! then one every few seconds, as a phone in a contest does (an idle connection is closed by the
//! server after its keep-alive of 5 s, so only active phones hold one). After each step, with
//! every connection answered and still open, it reads the server's resident memory from
//! `/proc/<pid>/status` and prints it beside the number of connections; at the end, the memory
//! per connection between the first and the last step.
//!
//! ```text
//! connections --base-url http://127.0.0.1:8080 --pid $(pgrep -f 'api serve') --steps 0,2000,5000,10000
//! ```
//!
//! Raise the open-file limit first (`ulimit -n 65536`): each connection is a descriptor on both
//! sides.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser)]
struct Args {
    /// The server, on this machine (its memory is read from /proc).
    #[arg(long)]
    base_url: String,
    /// The server's process id.
    #[arg(long)]
    pid: u32,
    /// Connections open in all after each step, ascending.
    #[arg(long, value_delimiter = ',', default_value = "0,1000,2000,5000")]
    steps: Vec<usize>,
    /// Path requested on every connection (one that costs the server nothing else).
    #[arg(long, default_value = "/healthz")]
    path: String,
    /// Seconds between a connection's requests (under the server's 5 s keep-alive).
    #[arg(long, default_value_t = 2)]
    every: u64,
    /// Seconds to let the server settle after a step before reading its memory.
    #[arg(long, default_value_t = 2)]
    settle: u64,
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS in the process status")
}

/// One request on `stream` and its whole answer; false if the connection failed or closed.
async fn request(stream: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> bool {
    if stream.write_all(request).await.is_err() {
        return false;
    }
    buf.clear();
    let mut chunk = [0_u8; 4096];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if buf.len() >= end + 4 + length {
            return head.starts_with("http/1.1 2");
        }
    }
}

/// A phone: connects, asks, and keeps asking every `every` until the run ends. `live` counts
/// the phones whose connection has answered and is still open.
async fn phone(host: String, req: Arc<Vec<u8>>, every: Duration, live: Arc<AtomicU64>) {
    let Ok(mut stream) = TcpStream::connect(&host).await else {
        return;
    };
    let mut buf = Vec::new();
    let mut counted = false;
    loop {
        if !request(&mut stream, &req, &mut buf).await {
            if counted {
                live.fetch_sub(1, Ordering::Relaxed);
            }
            return;
        }
        if !counted {
            live.fetch_add(1, Ordering::Relaxed);
            counted = true;
        }
        tokio::time::sleep(every).await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let host = args
        .base_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let req = Arc::new(
        format!(
            "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: dautri-connections\r\n\r\n",
            args.path
        )
        .into_bytes(),
    );
    let live = Arc::new(AtomicU64::new(0));
    let every = Duration::from_secs(args.every.max(1));
    let mut open = 0_usize;
    let mut readings = Vec::new();
    println!("connections  open and answered  server RSS (KiB)");
    for &step in &args.steps {
        if step < open {
            bail!("steps must ascend: {step} after {open}");
        }
        for _ in open..step {
            tokio::spawn(phone(host.clone(), req.clone(), every, live.clone()));
            // Spread the connects a little: a burst larger than the listen queue would be
            // dropped by the kernel, which is not what this measures.
            tokio::task::yield_now().await;
        }
        open = step;
        // Every connection answered once, then a moment for the server to settle.
        for _ in 0..600 {
            if live.load(Ordering::Relaxed) >= step as u64 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(args.settle)).await;
        let rss = rss_kib(args.pid)?;
        let now = live.load(Ordering::Relaxed);
        println!("{step:>11}  {now:>17}  {rss:>16}");
        readings.push((now, rss));
    }
    if let (Some(first), Some(last)) = (readings.first(), readings.last())
        && last.0 > first.0
    {
        let per = (last.1.saturating_sub(first.1)) as f64 / (last.0 - first.0) as f64;
        println!(
            "per connection: {per:.1} KiB ({} → {} connections)",
            first.0, last.0
        );
    }
    Ok(())
}

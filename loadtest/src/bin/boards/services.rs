//! The services the benchmark drives: loopback checks, `psql` and `COPY`, the `api` binary as a
//! child process, free ports.

use super::*;

pub(crate) fn loopback_url(url: &str, what: &str) -> anyhow::Result<()> {
    let host = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
        .map(|authority| authority.rsplit('@').next().unwrap_or(authority))
        .map(|hostport| {
            if let Some(v6) = hostport.strip_prefix('[') {
                v6.split(']').next().unwrap_or("")
            } else {
                hostport.split(':').next().unwrap_or("")
            }
        })
        .unwrap_or("");
    let ok = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !ok {
        bail!("{what} must be on this machine (loopback); got host {host:?}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Shelling out: psql and the api binary
// ---------------------------------------------------------------------------------------------

/// Runs one SQL string with psql and returns its unaligned, tuples-only output.
pub(crate) fn psql(url: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-X", "-tAq", "-c", sql])
        .output()
        .context("cannot run psql (is it installed?)")?;
    if !out.status.success() {
        bail!(
            "psql failed on `{}`: {}",
            sql.chars().take(120).collect::<String>(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Streams CSV rows into `COPY table (columns) FROM STDIN`; returns the rows written.
pub(crate) fn copy_in(
    url: &str,
    setup: &str,
    table_and_columns: &str,
    write_rows: impl FnOnce(&mut dyn Write) -> anyhow::Result<u64>,
) -> anyhow::Result<u64> {
    let mut child = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-X", "-q"])
        .args(["-c", setup])
        .args([
            "-c",
            &format!("COPY {table_and_columns} FROM STDIN WITH (FORMAT csv)"),
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run psql")?;
    let stdin = child.stdin.take().context("psql stdin")?;
    let mut writer = BufWriter::with_capacity(1 << 20, stdin);
    let written = write_rows(&mut writer);
    let flushed = writer.flush();
    drop(writer);
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "COPY {table_and_columns} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    flushed?;
    written
}

pub(crate) fn api_command(api: &Path, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(api);
    cmd.env_remove("DATABASE_URL").env_remove("REDIS_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs an `api` subcommand to completion; returns (stdout+stderr, wall time).
pub(crate) fn run_api(
    api: &Path,
    env: &[(String, String)],
    args: &[&str],
) -> anyhow::Result<(String, Duration)> {
    let started = Instant::now();
    let out = api_command(api, env)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {}", api.display()))?;
    let elapsed = started.elapsed();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        bail!("`api {}` failed:\n{text}", args.join(" "));
    }
    Ok((text, elapsed))
}

/// The running server; stopped (SIGTERM, then SIGKILL) when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
}

impl Server {
    pub(crate) fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

//! The Markdown report and the machine it was measured on.

use super::*;

#[derive(Default)]
pub(crate) struct Report {
    pub(crate) notes: Vec<String>,
    pub(crate) load: Vec<(String, Duration)>,
    pub(crate) rebuild: Vec<(String, String)>,
    pub(crate) endpoints: Vec<Measured>,
    pub(crate) exports: Vec<Export>,
    pub(crate) members: u64,
    pub(crate) units: usize,
}

pub(crate) fn machine_notes() -> Vec<String> {
    let sh = |cmd: &str| {
        Command::new("sh")
            .args(["-c", cmd])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    vec![
        format!("cores: {}", sh("nproc")),
        format!(
            "CPU: {}",
            sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
        ),
        format!(
            "load average at start: {}",
            sh("cut -d' ' -f1-3 /proc/loadavg")
        ),
        format!("PostgreSQL: {}", sh("psql --version")),
        format!("Redis: {}", sh("redis-cli --version")),
    ]
}

pub(crate) fn write_report(
    args: &Args,
    api: &Path,
    prefix: &str,
    report: &Report,
    failure: Option<&str>,
) -> anyhow::Result<String> {
    let mut md = String::new();
    let w = &mut md;
    use std::fmt::Write as _;
    writeln!(w, "# Leaderboard benchmark (`loadtest --bin boards`)\n")?;
    writeln!(w, "Run {} UTC.\n", Utc::now().format("%Y-%m-%d %H:%M"))?;
    if let Some(f) = failure {
        writeln!(w, "**The run failed:** {f}\n")?;
    }
    writeln!(
        w,
        "Data: {} counted results (one finished attempt per member) in one open round, {} units \
         (1 root → {} organisations → {} branches each); scores 0–300 in steps of 10 (binomial, \
         many ties), time used 60–900 s.\n",
        report.members, report.units, args.orgs, args.branches
    )?;
    if !report.load.is_empty() {
        writeln!(w, "## Bulk load (not a reported figure)\n")?;
        writeln!(w, "| step | time |\n|---|---|")?;
        for (what, took) in &report.load {
            writeln!(w, "| {what} | {:.1} s |", took.as_secs_f64())?;
        }
        writeln!(w)?;
    }
    if !report.rebuild.is_empty() {
        writeln!(w, "## Rebuild from the database\n")?;
        writeln!(w, "| what | figure |\n|---|---|")?;
        for (what, figure) in &report.rebuild {
            writeln!(w, "| {what} | {figure} |")?;
        }
        writeln!(w)?;
    }
    if let Some(base) = report.endpoints.first() {
        writeln!(w, "## Reads\n")?;
        writeln!(
            w,
            "Client: {} sequential requests on one connection, then {} connections for {} s. \
             Ratios are throughput ÷ `/healthz` throughput in the same mode. Server: the \
             server's own `dautri_http_request_duration_seconds` histogram (route template) \
             over the same requests; percentiles are interpolated inside its buckets \
             (0.5, 1, 2.5, 5, 10 ms …), so they are estimates; \"≤ 5 ms\" is exact.\n",
            args.requests, args.connections, args.seconds
        )?;
        writeln!(
            w,
            "| endpoint | seq p50 | seq p99 | seq req/s | ratio | {c} conn req/s | ratio | {c} conn p50 | {c} conn p99 | server mean (seq / conc) | server p99 est. (seq / conc) | server ≤ 5 ms (seq / conc) | errors |",
            c = args.connections
        )?;
        writeln!(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|")?;
        for m in &report.endpoints {
            writeln!(
                w,
                "| {} | {:.2} ms | {:.2} ms | {:.0} | {:.2} | {:.0} | {:.2} | {:.2} ms | {:.2} ms | {:.3} / {:.3} ms | {:.2} / {:.2} ms | {:.1}% / {:.1}% | {} |",
                m.name,
                m.seq.ms(0.5),
                m.seq.ms(0.99),
                m.seq.rate(),
                m.seq.rate() / base.seq.rate(),
                m.conc.rate(),
                m.conc.rate() / base.conc.rate(),
                m.conc.ms(0.5),
                m.conc.ms(0.99),
                m.seq_server.mean_ms(),
                m.conc_server.mean_ms(),
                m.seq_server.quantile_ms(0.99),
                m.conc_server.quantile_ms(0.99),
                m.seq_server.share_within(0.005),
                m.conc_server.share_within(0.005),
                m.seq.errors + m.conc.errors,
            )?;
        }
        writeln!(w)?;
    }
    if !report.exports.is_empty() {
        writeln!(
            w,
            "## Export of the whole round (admin token, streamed to the end)\n"
        )?;
        writeln!(
            w,
            "| format | HTTP | size | first byte | total | rows counted in the file | rows/s ({} results ÷ total) | CPU: server / postgres / redis (of which Redis scripts) |\n|---|---|---|---|---|---|---|---|",
            report.members
        )?;
        for e in &report.exports {
            writeln!(
                w,
                "| {} | {} | {:.1} MB | {:.2} s | {:.1} s | {} | **{:.0}**{} | {:.1} s / {:.1} s / {:.1} s ({:.1} s) |",
                e.format,
                e.status,
                e.bytes as f64 / 1e6,
                e.first_byte.as_secs_f64(),
                e.total.as_secs_f64(),
                e.rows.map_or_else(|| "–".to_owned(), |r| r.to_string()),
                report.members as f64 / e.total.as_secs_f64(),
                if e.format.starts_with("xlsx") {
                    if report.members as f64 / e.total.as_secs_f64() > 50_000.0 {
                        " (requirement > 50,000: met)"
                    } else {
                        " (requirement > 50,000: MISSED)"
                    }
                } else {
                    ""
                },
                e.cpu.server,
                e.cpu.postgres,
                e.cpu.redis,
                e.redis_script_s,
            )?;
        }
        writeln!(
            w,
            "\nRows counted: CSV lines incl. title and header lines; XLSX `<row>` elements incl. title and header rows.\n"
        )?;
    }
    writeln!(w, "## Notes\n")?;
    for n in machine_notes().iter().chain(&report.notes) {
        writeln!(w, "- {n}")?;
    }
    writeln!(
        w,
        "- api binary: `{}`; Redis key prefix `{prefix}` (deleted afterwards)",
        api.display()
    )?;
    writeln!(
        w,
        "- the load generator, PostgreSQL, Redis and the server share the same cores\n"
    )?;
    writeln!(
        w,
        "Command: `{}`",
        std::env::args().collect::<Vec<_>>().join(" ")
    )?;
    Ok(md)
}

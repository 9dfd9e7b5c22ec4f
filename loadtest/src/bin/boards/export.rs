//! Step 4: streamed exports, counted row by row.

use super::*;

/// An export streamed to the end.
pub(crate) struct Export {
    pub(crate) format: &'static str,
    pub(crate) status: u16,
    pub(crate) first_byte: Duration,
    pub(crate) total: Duration,
    pub(crate) bytes: u64,
    pub(crate) rows: Option<u64>,
    pub(crate) cpu: Cpu,
    pub(crate) redis_script_s: f64,
}

pub(crate) async fn export(
    client: &reqwest::Client,
    base: &str,
    round: Uuid,
    token: &str,
    format: &'static str,
) -> anyhow::Result<Export> {
    let started = Instant::now();
    let mut response = client
        .get(format!("{base}/api/v1/rounds/{round}/export"))
        .query(&[("format", format)])
        .bearer_auth(token)
        .timeout(Duration::from_secs(900))
        .send()
        .await?;
    let status = response.status().as_u16();
    let mut first_byte = None;
    let mut bytes = 0u64;
    let mut newlines = 0u64;
    let keep = format == "xlsx";
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        first_byte.get_or_insert_with(|| started.elapsed());
        bytes += chunk.len() as u64;
        if keep {
            body.extend_from_slice(&chunk);
        } else {
            newlines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        }
    }
    let total = started.elapsed();
    let rows = if format == "csv" {
        Some(newlines)
    } else if status == 200 {
        xlsx_rows(body).ok()
    } else {
        None
    };
    Ok(Export {
        format,
        status,
        first_byte: first_byte.unwrap_or(total),
        total,
        bytes,
        rows,
        cpu: Cpu::default(),
        redis_script_s: 0.0,
    })
}

/// Counts `<row` elements in the first worksheet of an XLSX file.
pub(crate) fn xlsx_rows(body: Vec<u8>) -> anyhow::Result<u64> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body))?;
    let name = zip
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.starts_with("xl/worksheets/") && n.ends_with(".xml"))
        .context("no worksheet")?
        .into_owned();
    let mut sheet = zip.by_name(&name)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut rows, mut carry) = (0u64, Vec::new());
    loop {
        let n = sheet.read(&mut buf)?;
        if n == 0 {
            return Ok(rows);
        }
        carry.extend_from_slice(&buf[..n]);
        rows += carry.windows(5).filter(|w| w == b"<row ").count() as u64;
        let keep = carry.len().min(4);
        carry.drain(..carry.len() - keep);
    }
}

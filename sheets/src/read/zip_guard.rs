//! Refusing zips that would cost more to open than an import is worth.

use std::io::{Cursor, Read};

use super::{ReadError, ReadLimits};

/// Checks an XLSX zip before any XML is parsed: the number of parts, that it holds a
/// workbook, and the decompressed size of everything in it, counted by really decompressing
/// into a sink and stopping at the budget. The budget is the smaller of
/// [`ReadLimits::max_uncompressed_bytes`] and [`ReadLimits::max_compression_ratio`] times the
/// file's size (but at least 1 MiB, so a tiny valid workbook is never refused).
pub fn check_zip(bytes: &[u8], limits: &ReadLimits) -> Result<(), ReadError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::NotAWorkbook)?;
    if archive.len() > limits.max_zip_entries {
        return Err(ReadError::TooManyParts {
            parts: archive.len(),
            max_parts: limits.max_zip_entries,
        });
    }
    let ratio_budget = limits
        .max_compression_ratio
        .saturating_mul(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
    let budget = limits
        .max_uncompressed_bytes
        .min(ratio_budget.max(1024 * 1024));
    let bomb = ReadError::ZipBomb { max_bytes: budget };
    let mut declared = 0u64;
    let mut has_workbook = false;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|_| ReadError::NotAWorkbook)?;
        declared = declared.saturating_add(entry.size());
        has_workbook |= entry.name().is_ok_and(|n| n == "xl/workbook.xml");
    }
    if declared > budget {
        return Err(bomb);
    }
    if !has_workbook {
        return Err(ReadError::NotAWorkbook);
    }
    let mut actual = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|_| ReadError::NotAWorkbook)?;
        let remaining = budget.saturating_sub(actual);
        let read = std::io::copy(
            &mut entry.take(remaining.saturating_add(1)),
            &mut std::io::sink(),
        )
        .map_err(|_| ReadError::NotAWorkbook)?;
        actual = actual.saturating_add(read);
        if actual > budget {
            return Err(bomb);
        }
    }
    Ok(())
}

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
        let shared_strings = entry.name().is_ok_and(|n| is_shared_strings(&n));
        let remaining = budget.saturating_sub(actual);
        let mut limited = entry.take(remaining.saturating_add(1));
        let read = if shared_strings {
            // Kept to look at: it is at most the budget, and calamine holds it all next anyway.
            let mut part = Vec::new();
            limited
                .read_to_end(&mut part)
                .map_err(|_| ReadError::NotAWorkbook)?;
            check_shared_strings(&part)?;
            u64::try_from(part.len()).unwrap_or(u64::MAX)
        } else {
            std::io::copy(&mut limited, &mut std::io::sink())
                .map_err(|_| ReadError::NotAWorkbook)?
        };
        actual = actual.saturating_add(read);
        if actual > budget {
            return Err(bomb);
        }
    }
    Ok(())
}

/// Whether calamine could take this part for the shared strings (it looks names up without
/// regard to case or slash direction, under whatever folder the workbook's relationship says).
fn is_shared_strings(name: &str) -> bool {
    name.to_ascii_lowercase()
        .replace('\\', "/")
        .ends_with("sharedstrings.xml")
}

/// calamine reserves room for `uniqueCount` strings before reading one (24 bytes each), so
/// `uniqueCount="4294967295"` in a 2 KB file asks for 96 GiB and aborts the process. A part
/// cannot hold more strings than it has bytes; any count above that is refused.
fn check_shared_strings(part: &[u8]) -> Result<(), ReadError> {
    const ATTRIBUTE: &[u8] = b"uniqueCount";
    let limit = u128::try_from(part.len()).unwrap_or(u128::MAX);
    let mut from = 0;
    while let Some(at) = part[from..]
        .windows(ATTRIBUTE.len())
        .position(|w| w == ATTRIBUTE)
    {
        let mut rest = &part[from + at + ATTRIBUTE.len()..];
        from += at + ATTRIBUTE.len();
        rest = rest.trim_ascii_start();
        let Some(value) = rest.strip_prefix(b"=") else {
            continue;
        };
        let value = value.trim_ascii_start();
        let value = value
            .strip_prefix(b"\"")
            .or_else(|| value.strip_prefix(b"'"))
            .unwrap_or(value);
        let value = value.strip_prefix(b"+").unwrap_or(value);
        let claimed = value
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .fold(0u128, |n, d| {
                n.saturating_mul(10).saturating_add(u128::from(d - b'0'))
            });
        if claimed > limit {
            return Err(ReadError::Damaged(format!(
                "the shared strings claim {claimed} strings in {} bytes",
                part.len()
            )));
        }
    }
    Ok(())
}

//! The first sheet of an XLSX workbook, streamed cell by cell.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use super::zip_guard::check_zip;
use super::{ReadError, ReadLimits, TableBuilder};

pub(super) fn read(
    bytes: &[u8],
    limits: &ReadLimits,
    builder: &mut TableBuilder,
) -> Result<(), ReadError> {
    check_zip(bytes, limits)?;
    // calamine's cell-reference and dimension arithmetic overflows on references such as
    // `ZZZZZZZZ1` or `B2:A1` (a panic where overflow checks are on, a wrong position where
    // not): a damaged file, not a dead worker.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_cells(bytes, limits, builder)
    }))
    .unwrap_or_else(|_| Err(ReadError::Damaged("the first sheet is damaged".into())))
}

fn read_cells(
    bytes: &[u8],
    limits: &ReadLimits,
    builder: &mut TableBuilder,
) -> Result<(), ReadError> {
    let mut workbook =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Damaged(e.to_string()))?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| ReadError::Damaged("the workbook has no sheet".into()))?;
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| ReadError::Damaged(format!("the first sheet cannot be read: {e}")))?;
    while let Some(cell) = cells
        .next_cell_with_formula()
        .map_err(|e| ReadError::Damaged(format!("the first sheet is damaged: {e}")))?
    {
        let (row, column) = cell.pos;
        if matches!(cell.value, DataRef::Empty) && cell.formula.is_none() {
            // A formatted but empty cell: Excel writes these for styled blank rows.
            continue;
        }
        let Ok(column) = usize::try_from(column) else {
            continue;
        };
        if column >= limits.max_columns {
            continue;
        }
        let number = usize::try_from(row).unwrap_or(usize::MAX).saturating_add(1);
        if cell.formula.is_some() {
            return Err(ReadError::Formula {
                cell: reference(row, column),
            });
        }
        let text = match &cell.value {
            DataRef::Error(e) => {
                return Err(ReadError::ErrorValue {
                    cell: reference(row, column),
                    value: e.to_string(),
                });
            }
            value => text(value),
        };
        builder.cell(number, column, &text)?;
    }
    Ok(())
}

/// A cell's value as the text an organizer typed.
fn text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        // Whole numbers typed into Excel (a phone without its 0, a year) come back as floats.
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => {
                d.date().format("%Y-%m-%d").to_string()
            }
            Some(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// `B7` for row 6, column 1 (both 0-based).
fn reference(row: u32, column: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

#[cfg(test)]
mod tests {
    use super::reference;

    #[test]
    fn references_like_excel() {
        assert_eq!(reference(0, 0), "A1");
        assert_eq!(reference(6, 1), "B7");
        assert_eq!(reference(0, 25), "Z1");
        assert_eq!(reference(0, 26), "AA1");
        assert_eq!(reference(1_048_575, 16_383), "XFD1048576");
    }
}

//! A CSV file: UTF-8 (with or without its byte-order mark) or UTF-16 with one; comma or
//! semicolon (Excel's list separator on machines set to a decimal-comma region, Vietnamese
//! included), chosen by which the first line holds more of.

use std::borrow::Cow;

use super::{ReadError, TableBuilder};

pub(super) fn read(bytes: &[u8], builder: &mut TableBuilder) -> Result<(), ReadError> {
    let text = decode(bytes)?;
    let delimiter = if text
        .lines()
        .next()
        .is_some_and(|l| l.matches(';').count() > l.matches(',').count())
    {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    // The csv crate's own line count misses blank lines, so lines are counted here from the
    // record's byte offset: the number an organizer's editor shows.
    let (mut counted_to, mut line) = (0usize, 1usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(ReadError::Csv {
                    line: e.position().map_or(0, csv::Position::line),
                    message: e.to_string(),
                });
            }
        }
        let start = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(counted_to)
            .clamp(counted_to, text.len());
        // A record's offset includes the blank lines skipped before it.
        let start = start
            + text.as_bytes()[start..]
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .count();
        line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted_to = start;
        for (column, cell) in record.iter().enumerate() {
            builder.cell(line, column, cell)?;
        }
    }
    Ok(())
}

fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|_| ReadError::NotUtf8);
    }
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            return if had_errors {
                Err(ReadError::NotUtf8)
            } else {
                Ok(Cow::Owned(text.into_owned()))
            };
        }
    }
    if bytes.contains(&0) {
        // Binary, or UTF-16 without its mark.
        return Err(ReadError::NotUtf8);
    }
    std::str::from_utf8(bytes)
        .map(Cow::Borrowed)
        .map_err(|_| ReadError::NotUtf8)
}

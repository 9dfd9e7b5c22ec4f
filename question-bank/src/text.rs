//! Turning uploaded bytes into clean text: encoding checks, line-break and Unicode
//! normalisation, and a small HTML-to-plain-text converter for Moodle content.

use unicode_normalization::UnicodeNormalization;

use crate::model::Question;
use crate::problem::Problem;

/// Decodes a text file: UTF-8 with or without BOM, or UTF-16 with a BOM. Anything else (e.g.
/// Windows-1258, TCVN3/ABC, UTF-16 without BOM) is rejected with advice, because guessing a
/// legacy Vietnamese encoding silently garbles diacritics.
pub fn decode(bytes: &[u8]) -> Result<String, Problem> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                return Err(Problem::new(
                    "the file starts like UTF-16 text but contains invalid characters",
                    "tệp có dấu hiệu UTF-16 nhưng chứa ký tự không hợp lệ",
                ));
            }
            return Ok(text.into_owned());
        }
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, Problem> {
    if bytes.iter().take(4096).filter(|b| **b == 0).count() > 0 {
        return Err(Problem::new(
            "the file contains NUL bytes: it is binary, or UTF-16 without a byte-order mark; save it as UTF-8",
            "tệp chứa byte NUL: đây là tệp nhị phân hoặc UTF-16 không có BOM; hãy lưu lại dưới dạng UTF-8",
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let offset = e.valid_up_to();
            let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
            Err(Problem::new(
                format!(
                    "the file is not UTF-8 text (first bad byte on line {line}); it may be in Windows-1258 or TCVN3. In Excel use \"Save As → CSV UTF-8\"; in other editors save as UTF-8"
                ),
                format!(
                    "tệp không phải văn bản UTF-8 (byte lỗi đầu tiên ở dòng {line}); có thể đang dùng mã Windows-1258 hoặc TCVN3. Trong Excel chọn \"Lưu thành → CSV UTF-8\"; trong trình soạn thảo khác hãy lưu dạng UTF-8"
                ),
            )
            .at(u32::try_from(line).ok()))
        }
    }
}

/// Normalises one field: Unicode NFC (so precomposed and decomposed Vietnamese compare equal),
/// `\r\n` and `\r` to `\n`, trailing spaces on each line dropped, and the whole trimmed.
pub fn clean(value: &str) -> String {
    let unified = value.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = unified.split('\n').map(str::trim_end).collect();
    lines.join("\n").trim().nfc().collect()
}

/// Cleans a single-line value: as [`clean`], and runs of white space (including line breaks)
/// become one space.
pub fn clean_line(value: &str) -> String {
    clean(value)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Question {
    /// Applies [`clean`] to every text field (and [`clean_line`] to one-line fields). Every reader
    /// calls this, so the same question read from any format compares equal.
    pub fn normalize(&mut self) {
        self.text = clean(&self.text);
        for option in &mut self.options {
            option.text = clean(&option.text);
        }
        self.explanation = self
            .explanation
            .as_deref()
            .map(clean)
            .filter(|e| !e.is_empty());
        self.topic.code = self.topic.code.trim().to_owned();
        self.topic.name = clean_line(&self.topic.name);
        self.tags = self
            .tags
            .iter()
            .map(|t| clean_line(t))
            .filter(|t| !t.is_empty())
            .collect();
        if let Some(source) = &mut self.source {
            source.title = clean_line(&source.title);
            source.url = source
                .url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned);
        }
        if let Some(legal) = &mut self.legal_basis {
            legal.document = clean_line(&legal.document);
        }
    }
}

/// Converts an HTML fragment (as Moodle stores question text) to plain text: tags are removed,
/// block ends and `<br>` become line breaks, `<script>`/`<style>` content is dropped and entities
/// are decoded. Returns the text and whether any image was dropped.
///
/// # Implementation notes
/// Not a full HTML parser on purpose: the output is only ever treated as plain text, and
/// `Question::validate` rejects anything in it that still looks like a tag (e.g. from `&lt;b&gt;`).
pub fn html_to_text(html: &str) -> (String, bool) {
    let mut out = String::with_capacity(html.len());
    let mut dropped_image = false;
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            out.push_str(&decode_entities(&rest[..lt]));
        }
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // A '<' that never closes is text, not a tag.
            if skip_until.is_none() {
                out.push_str(&decode_entities(&rest[lt..]));
            }
            rest = "";
            break;
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        rest = &after[gt + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let closing = tag.starts_with('/');
        if let Some(end) = skip_until {
            if closing && name == end {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" if !closing => {
                skip_until = Some(if name == "script" { "script" } else { "style" })
            }
            "br" => out.push('\n'),
            "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol"
            | "table" | "blockquote"
                if !out.ends_with('\n') && !out.is_empty() =>
            {
                out.push('\n');
            }
            "img" => dropped_image = true,
            _ => {}
        }
    }
    if skip_until.is_none() {
        out.push_str(&decode_entities(rest));
    }
    (clean(&collapse_blank_lines(&out)), dropped_image)
}

fn collapse_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Decodes the HTML entities that occur in Moodle exports; unknown ones are left as they are.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| entity(&after[..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control() || *c == '\n' || *c == '\t');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_and_without_bom_and_utf16_with_bom() {
        assert_eq!(decode("Đoàn".as_bytes()).unwrap(), "Đoàn");
        assert_eq!(decode(b"\xEF\xBB\xBFx").unwrap(), "x");
        let mut le = vec![0xFF, 0xFE];
        le.extend("Đoàn".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le).unwrap(), "Đoàn");
        let mut be = vec![0xFE, 0xFF];
        be.extend("Đoàn".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).unwrap(), "Đoàn");
    }

    #[test]
    fn rejects_legacy_encodings_and_bomless_utf16() {
        // "Đoàn" in Windows-1258: Đ = 0xD0, o, a + combining grave 0xCC, n.
        let err = decode(b"ok\n\xD0o\xCCn").unwrap_err();
        assert!(err.message_en.contains("Windows-1258"), "{err}");
        assert_eq!(err.line_or_row, Some(2));
        let utf16_no_bom: Vec<u8> = "ab".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(
            decode(&utf16_no_bom)
                .unwrap_err()
                .message_en
                .contains("NUL")
        );
    }

    #[test]
    fn clean_normalises_breaks_and_unicode() {
        let decomposed: String = "Hồ Chí Minh".nfd().collect();
        assert_eq!(
            clean(&format!("  {decomposed}  \r\nline 2 \r")),
            "Hồ Chí Minh\nline 2"
        );
        assert_eq!(clean_line(" a \n b "), "a b");
    }

    #[test]
    fn html_becomes_plain_text() {
        let (text, img) = html_to_text(
            "<p>Chọn <b>đáp&nbsp;án</b> đúng:</p><p>A &amp; B &lt;3</p><script>alert(1)</script><img src=x>",
        );
        assert_eq!(text, "Chọn đáp án đúng:\nA & B <3");
        assert!(img);
        assert_eq!(html_to_text("x<br>y").0, "x\ny");
        assert_eq!(html_to_text("1 < 2").0, "1 < 2");
        assert_eq!(decode_entities("&#7889;&#x1EA1;&bogus;&"), "ốạ&bogus;&");
    }
}

//! The one column layout CSV and XLSX share: header names (with Vietnamese aliases), turning a
//! row of cell texts into a question and back. See `FORMATS.md`.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::fold::fold;
use crate::model::{
    Difficulty, Kind, LegalBasis, Question, QuestionOption, Source, Status, TopicRef, option_letter,
};
use crate::problem::{Problem, Warning};

/// Column names in order, as written in the header row.
pub const COLUMNS: [&str; 28] = [
    "id",
    "topic_code",
    "topic_name",
    "kind",
    "text",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "option_e",
    "option_f",
    "correct",
    "explanation",
    "difficulty",
    "tags",
    "source_title",
    "source_url",
    "legal_document",
    "valid_from",
    "valid_until",
    "status",
    "image",
    "image_a",
    "image_b",
    "image_c",
    "image_d",
    "image_e",
    "image_f",
];

/// The same columns as an organizer reads them: the template's header row. Each folds back to
/// its column through [`ALIASES`] (or the option rule), so a filled-in template reads back.
pub const VI_COLUMNS: [&str; 28] = [
    "Mã câu hỏi",
    "Mã chủ đề",
    "Tên chủ đề",
    "Loại câu hỏi",
    "Nội dung câu hỏi",
    "Phương án A",
    "Phương án B",
    "Phương án C",
    "Phương án D",
    "Phương án E",
    "Phương án F",
    "Đáp án đúng",
    "Giải thích",
    "Độ khó",
    "Thẻ",
    "Tên nguồn",
    "Link nguồn",
    "Văn bản pháp lý",
    "Hiệu lực từ",
    "Hiệu lực đến",
    "Trạng thái",
    "Ảnh câu hỏi",
    "Ảnh A",
    "Ảnh B",
    "Ảnh C",
    "Ảnh D",
    "Ảnh E",
    "Ảnh F",
];

const ID: usize = 0;
const TOPIC_CODE: usize = 1;
const TOPIC_NAME: usize = 2;
const KIND: usize = 3;
const TEXT: usize = 4;
const OPTION_A: usize = 5;
const CORRECT: usize = 11;
const EXPLANATION: usize = 12;
const DIFFICULTY: usize = 13;
const TAGS: usize = 14;
const SOURCE_TITLE: usize = 15;
const SOURCE_URL: usize = 16;
const LEGAL_DOCUMENT: usize = 17;
const VALID_FROM: usize = 18;
const VALID_UNTIL: usize = 19;
const STATUS: usize = 20;
const IMAGE: usize = 21;
const IMAGE_A: usize = 22;

/// Columns a file must have.
const REQUIRED: [usize; 5] = [TOPIC_CODE, TEXT, OPTION_A, OPTION_A + 1, CORRECT];

/// Header aliases, compared after folding and dropping everything but letters and digits, so
/// "Mã chủ đề", "ma_chu_de" and "MA CHU DE" all match.
const ALIASES: [(&str, usize); 32] = [
    ("macauhoi", ID),
    ("machude", TOPIC_CODE),
    ("tenchude", TOPIC_NAME),
    ("chude", TOPIC_NAME),
    ("loai", KIND),
    ("loaicauhoi", KIND),
    ("cauhoi", TEXT),
    ("noidung", TEXT),
    ("noidungcauhoi", TEXT),
    ("dapandung", CORRECT),
    ("giaithich", EXPLANATION),
    ("dokho", DIFFICULTY),
    ("mucdo", DIFFICULTY),
    ("the", TAGS),
    ("nguon", SOURCE_TITLE),
    ("tennguon", SOURCE_TITLE),
    ("source", SOURCE_TITLE),
    ("linknguon", SOURCE_URL),
    ("url", SOURCE_URL),
    ("duongdan", SOURCE_URL),
    ("cancuphaply", LEGAL_DOCUMENT),
    ("vanban", LEGAL_DOCUMENT),
    ("vanbanphaply", LEGAL_DOCUMENT),
    ("hieuluctu", VALID_FROM),
    ("tungay", VALID_FROM),
    ("hieulucden", VALID_UNTIL),
    ("denngay", VALID_UNTIL),
    ("trangthai", STATUS),
    ("anhcauhoi", IMAGE),
    ("hinhanh", IMAGE),
    ("stt", usize::MAX),
    ("no", usize::MAX),
];

fn key(text: &str) -> String {
    fold(text)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Which column of the file holds each of [`COLUMNS`].
#[derive(Debug, Clone)]
pub struct Header {
    positions: [Option<usize>; COLUMNS.len()],
}

impl Header {
    /// Maps a header row. Unknown columns are ignored with a warning (an "STT" numbering column
    /// silently); missing required or repeated columns are problems (row 1).
    pub fn parse(cells: &[String]) -> (Self, Vec<Problem>, Vec<Warning>) {
        let mut positions = [None; COLUMNS.len()];
        let (mut problems, mut warnings) = (Vec::new(), Vec::new());
        for (pos, cell) in cells.iter().enumerate() {
            let k = key(cell);
            if k.is_empty() {
                continue;
            }
            let canonical = COLUMNS.iter().position(|c| key(c) == k).or_else(|| {
                ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == k)
                    .map(|(_, i)| *i)
                    .or_else(|| option_alias(&k))
            });
            match canonical {
                Some(usize::MAX) => {}
                Some(i) if positions[i].is_some() => problems.push(
                    Problem::new(
                        format!("column {} appears twice", COLUMNS[i]),
                        format!("cột {} xuất hiện hai lần", COLUMNS[i]),
                    )
                    .field(cell.trim())
                    .at(Some(1)),
                ),
                Some(i) => positions[i] = Some(pos),
                None => warnings.push(
                    Problem::new(
                        format!("unknown column {:?} ignored", cell.trim()),
                        format!("bỏ qua cột lạ {:?}", cell.trim()),
                    )
                    .field(cell.trim())
                    .at(Some(1)),
                ),
            }
        }
        for required in REQUIRED {
            if positions[required].is_none() {
                let name = COLUMNS[required];
                problems.push(
                    Problem::new(
                        format!("the header row has no {name} column (download the template to see the layout)"),
                        format!("dòng tiêu đề thiếu cột {name} (tải tệp mẫu để xem bố cục)"),
                    )
                    .field(name)
                    .at(Some(1)),
                );
            }
        }
        (Self { positions }, problems, warnings)
    }

    fn cell<'a>(&self, row: &'a [String], column: usize) -> &'a str {
        self.positions[column]
            .and_then(|p| row.get(p))
            .map_or("", |s| s.trim())
    }
}

/// "A", "dap an a", "phuong an a", "option a" → the option column; "anh a" → its picture.
fn option_alias(k: &str) -> Option<usize> {
    if let Some(letter) = k.strip_prefix("anh") {
        let mut chars = letter.chars();
        return match (chars.next(), chars.next()) {
            (Some(c @ 'a'..='f'), None) => Some(IMAGE_A + (c as usize - 'a' as usize)),
            _ => None,
        };
    }
    let letter = ["dapan", "phuongan", "option", "lua chon"]
        .iter()
        .find_map(|p| k.strip_prefix(p))
        .unwrap_or(k);
    let mut chars = letter.chars();
    match (chars.next(), chars.next()) {
        (Some(c @ 'a'..='f'), None) => Some(OPTION_A + (c as usize - 'a' as usize)),
        _ => None,
    }
}

/// Most rows above the header that may be skipped as titles.
pub const MAX_TITLE_ROWS: usize = 5;

/// A row with at most one filled cell above the header is a title ("NGÂN HÀNG CÂU HỎI…").
pub fn is_title_row(cells: &[String]) -> bool {
    cells.iter().filter(|c| !c.trim().is_empty()).count() <= 1
}

/// Warning for a skipped title row.
pub fn title_row_skipped(row: u32) -> Warning {
    Problem::new(
        "row skipped: taken as a title above the header",
        "bỏ qua hàng: coi là tiêu đề phía trên dòng tên cột",
    )
    .at(Some(row))
}

/// Turns one data row into a question; cell problems are pushed with `row` and the column name.
/// Returns `None` for a blank row or one too broken to build a question from.
pub fn row_to_question(
    header: &Header,
    cells: &[String],
    row: u32,
    problems: &mut Vec<Problem>,
) -> Option<Question> {
    if cells.iter().all(|c| c.trim().is_empty()) {
        return None;
    }
    let cell = |column: usize| header.cell(cells, column);
    let before = problems.len();
    let mut bad = |column: usize, en: String, vi: String| {
        problems.push(Problem::new(en, vi).field(COLUMNS[column]).at(Some(row)))
    };

    let explicit_kind = match cell(KIND) {
        "" => None,
        value => Some(parse_kind(value).unwrap_or_else(|| {
            bad(
                KIND,
                format!("{value:?} is not single, multiple or true_false"),
                format!("{value:?} không phải single, multiple hoặc true_false"),
            );
            Kind::Single
        })),
    };
    let true_false = explicit_kind == Some(Kind::TrueFalse);
    let mut options = Vec::new();
    let mut gap: Option<usize> = None;
    for i in 0..6 {
        let text = cell(OPTION_A + i);
        if text.is_empty() {
            gap.get_or_insert(i);
        } else if let Some(g) = gap {
            let (empty, filled) = (option_letter(g), option_letter(i));
            bad(
                OPTION_A + g,
                format!("option {filled} is filled but option {empty} is empty"),
                format!("phương án {filled} có nội dung nhưng phương án {empty} để trống"),
            );
            return None;
        } else {
            options.push(QuestionOption {
                text: text.to_owned(),
                correct: false,
                image: image_cell(cell(IMAGE_A + i)),
            });
        }
    }
    if true_false && options.is_empty() {
        // True/false rows may leave the options empty: they are "Đúng" and "Sai".
        options = super::TRUE_FALSE_TEXTS
            .iter()
            .map(|t| QuestionOption {
                text: (*t).to_owned(),
                correct: false,
                image: None,
            })
            .collect();
    }
    let correct_cell = cell(CORRECT);
    let letters = match (true_false, key(correct_cell).as_str()) {
        (true, "dung" | "true" | "t" | "d" | "yes") => Ok(vec![0]),
        (true, "sai" | "false" | "f" | "s" | "no") => Ok(vec![1]),
        _ => parse_letters(correct_cell),
    };
    match &letters {
        Err(bad_part) => bad(
            CORRECT,
            format!("{bad_part:?} is not an option letter; write letters like A or A,C"),
            format!("{bad_part:?} không phải chữ cái phương án; hãy ghi như A hoặc A,C"),
        ),
        Ok(letters) => {
            for &i in letters {
                match options.get_mut(i) {
                    Some(option) => option.correct = true,
                    None => bad(
                        CORRECT,
                        format!("answer {} names an empty option", option_letter(i)),
                        format!("đáp án {} trỏ tới phương án để trống", option_letter(i)),
                    ),
                }
            }
        }
    }
    let kind = match explicit_kind {
        Some(kind) => kind,
        None if letters.as_ref().is_ok_and(|l| l.len() > 1) => Kind::Multiple,
        None => Kind::Single,
    };
    let difficulty = match cell(DIFFICULTY) {
        "" => Difficulty::Medium,
        value => parse_difficulty(value).unwrap_or_else(|| {
            bad(
                DIFFICULTY,
                format!("{value:?} is not easy, medium or hard"),
                format!("{value:?} không phải easy (dễ), medium (trung bình) hoặc hard (khó)"),
            );
            Difficulty::Medium
        }),
    };
    let status = match cell(STATUS) {
        "" => Status::Active,
        value => parse_status(value).unwrap_or_else(|| {
            bad(STATUS, format!("{value:?} is not draft, active or retired"), format!("{value:?} không phải draft (nháp), active (đang dùng) hoặc retired (ngừng dùng)"));
            Status::Active
        }),
    };
    let id = match cell(ID) {
        "" => None,
        value => Uuid::parse_str(value).map(Some).unwrap_or_else(|_| {
            bad(
                ID,
                format!("{value:?} is not a UUID; leave id empty for new questions"),
                format!("{value:?} không phải UUID; để trống id với câu hỏi mới"),
            );
            None
        }),
    };
    let mut date = |column: usize| match cell(column) {
        "" => None,
        value => parse_date(value).or_else(|| {
            bad(
                column,
                format!("{value:?} is not a date like 2026-07-01 or 1/7/2026"),
                format!("{value:?} không phải ngày dạng 2026-07-01 hoặc 1/7/2026"),
            );
            None
        }),
    };
    let (valid_from, valid_until) = (date(VALID_FROM), date(VALID_UNTIL));
    let legal_document = cell(LEGAL_DOCUMENT);
    if legal_document.is_empty() && (valid_from.is_some() || valid_until.is_some()) {
        bad(
            LEGAL_DOCUMENT,
            "validity dates need the legal document they come from".into(),
            "ngày hiệu lực cần đi kèm văn bản pháp lý".into(),
        );
    }
    let source_title = cell(SOURCE_TITLE);
    let source_url = cell(SOURCE_URL);
    if source_title.is_empty() && !source_url.is_empty() {
        bad(
            SOURCE_TITLE,
            "a source URL needs a source title".into(),
            "đường dẫn nguồn cần có tên nguồn".into(),
        );
    }
    let topic_code = cell(TOPIC_CODE);
    let topic_name = match cell(TOPIC_NAME) {
        "" => crate::checks::name_from_code(topic_code),
        name => name.to_owned(),
    };
    if problems.len() > before {
        return None;
    }
    Some(Question {
        id,
        kind,
        text: cell(TEXT).to_owned(),
        options,
        explanation: Some(cell(EXPLANATION).to_owned()).filter(|e| !e.is_empty()),
        topic: TopicRef {
            code: topic_code.to_owned(),
            name: topic_name,
        },
        tags: cell(TAGS)
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        difficulty,
        source: (!source_title.is_empty()).then(|| Source {
            title: source_title.to_owned(),
            url: Some(source_url.to_owned()).filter(|u| !u.is_empty()),
        }),
        legal_basis: (!legal_document.is_empty()).then(|| LegalBasis {
            document: legal_document.to_owned(),
            valid_from,
            valid_until,
        }),
        status,
        image: image_cell(cell(IMAGE)),
    })
}

/// A picture cell: the image name, or nothing. Whether it names a real, stored picture is the
/// validator's and the importer's business.
fn image_cell(value: &str) -> Option<String> {
    Some(value.to_owned()).filter(|v| !v.is_empty())
}

/// The cells of one row for `q`, in [`COLUMNS`] order.
pub fn question_to_row(q: &Question) -> Vec<String> {
    let mut row = vec![String::new(); COLUMNS.len()];
    row[ID] = q.id.map(|id| id.to_string()).unwrap_or_default();
    row[TOPIC_CODE].clone_from(&q.topic.code);
    row[TOPIC_NAME].clone_from(&q.topic.name);
    row[KIND] = kind_name(q.kind).to_owned();
    row[TEXT].clone_from(&q.text);
    for (i, option) in q.options.iter().take(6).enumerate() {
        row[OPTION_A + i].clone_from(&option.text);
        row[IMAGE_A + i] = option.image.clone().unwrap_or_default();
    }
    row[IMAGE] = q.image.clone().unwrap_or_default();
    row[CORRECT] = q
        .correct_indexes()
        .iter()
        .map(|i| option_letter(*i).to_string())
        .collect::<Vec<_>>()
        .join(",");
    row[EXPLANATION] = q.explanation.clone().unwrap_or_default();
    row[DIFFICULTY] = match q.difficulty {
        Difficulty::Easy => "easy",
        Difficulty::Medium => "medium",
        Difficulty::Hard => "hard",
    }
    .to_owned();
    row[TAGS] = q.tags.join(", ");
    if let Some(source) = &q.source {
        row[SOURCE_TITLE].clone_from(&source.title);
        row[SOURCE_URL] = source.url.clone().unwrap_or_default();
    }
    if let Some(legal) = &q.legal_basis {
        row[LEGAL_DOCUMENT].clone_from(&legal.document);
        row[VALID_FROM] = legal.valid_from.map(|d| d.to_string()).unwrap_or_default();
        row[VALID_UNTIL] = legal.valid_until.map(|d| d.to_string()).unwrap_or_default();
    }
    row[STATUS] = match q.status {
        Status::Draft => "draft",
        Status::Active => "active",
        Status::Retired => "retired",
    }
    .to_owned();
    row
}

/// The column a model field path is reported under (`options[1].text` → `option_b`).
pub fn column_for_field(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("options[")
        && let Some(i) = rest.split(']').next().and_then(|n| n.parse::<usize>().ok())
    {
        let prefix = if rest.ends_with(".image") {
            "image"
        } else {
            "option"
        };
        return format!("{prefix}_{}", option_letter(i).to_ascii_lowercase());
    }
    match field {
        "options" => "option_a",
        "topic.code" => "topic_code",
        "topic.name" => "topic_name",
        "source.title" => "source_title",
        "source.url" => "source_url",
        "legal_basis.document" => "legal_document",
        "legal_basis.valid_from" => "valid_from",
        "legal_basis.valid_until" => "valid_until",
        f if f.starts_with("tags") => "tags",
        "image" => "image",
        other => other,
    }
    .to_owned()
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Single => "single",
        Kind::Multiple => "multiple",
        Kind::TrueFalse => "true_false",
    }
}

/// Letters such as "A", "A,C", "a; c", "AC" → indexes. Errors with the part that is no letter.
fn parse_letters(value: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for part in value.split([',', ';', ' ', '/']).filter(|p| !p.is_empty()) {
        for c in part.chars() {
            let upper = c.to_ascii_uppercase();
            if !('A'..='F').contains(&upper) {
                return Err(part.to_owned());
            }
            let i = upper as usize - 'A' as usize;
            if !out.contains(&i) {
                out.push(i);
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn parse_kind(value: &str) -> Option<Kind> {
    match key(value).as_str() {
        "single" | "motdapan" | "1dapan" | "mc" => Some(Kind::Single),
        "multiple" | "nhieudapan" => Some(Kind::Multiple),
        "truefalse" | "dungsai" | "tf" => Some(Kind::TrueFalse),
        _ => None,
    }
}

fn parse_difficulty(value: &str) -> Option<Difficulty> {
    match key(value).as_str() {
        "easy" | "de" => Some(Difficulty::Easy),
        "medium" | "trungbinh" | "tb" => Some(Difficulty::Medium),
        "hard" | "kho" => Some(Difficulty::Hard),
        _ => None,
    }
}

fn parse_status(value: &str) -> Option<Status> {
    match key(value).as_str() {
        "draft" | "nhap" => Some(Status::Draft),
        "active" | "hoatdong" | "dangdung" | "sudung" => Some(Status::Active),
        "retired" | "ngung" | "ngungdung" | "dangung" => Some(Status::Retired),
        _ => None,
    }
}

/// `2026-07-01` or Vietnamese day-first `1/7/2026` (also with `-` or `.`).
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .or_else(|| {
            let normalized = value.replace(['-', '.'], "/");
            NaiveDate::parse_from_str(&normalized, "%d/%m/%Y").ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn vietnamese_headers_are_understood() {
        let (header, problems, warnings) = Header::parse(&strings(&[
            "STT",
            "Mã chủ đề",
            "Câu hỏi",
            "Đáp án A",
            "Đáp án B",
            "Đáp án đúng",
            "Độ khó",
            "Ghi chú",
        ]));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let mut problems = Vec::new();
        let q = row_to_question(
            &header,
            &strings(&["1", "law", "Hỏi?", "Có", "Không", "b", "Khó", "x"]),
            2,
            &mut problems,
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(q.options[1].correct);
        assert_eq!(q.difficulty, Difficulty::Hard);
        assert_eq!(q.topic.name, "Law");
    }

    #[test]
    fn the_templates_vietnamese_header_reads_back_to_every_column() {
        let (header, problems, warnings) = Header::parse(&strings(&VI_COLUMNS));
        assert!(
            problems.is_empty() && warnings.is_empty(),
            "{problems:?} {warnings:?}"
        );
        for (i, position) in header.positions.iter().enumerate() {
            assert_eq!(*position, Some(i), "{} → {}", VI_COLUMNS[i], COLUMNS[i]);
        }
    }

    #[test]
    fn missing_columns_are_problems_on_row_one() {
        let (_, problems, _) = Header::parse(&strings(&["text", "option_a"]));
        let fields: Vec<_> = problems.iter().map(|p| p.field.clone().unwrap()).collect();
        assert_eq!(fields, vec!["topic_code", "option_b", "correct"]);
        assert!(problems.iter().all(|p| p.line_or_row == Some(1)));
    }

    #[test]
    fn bad_cells_name_row_and_column() {
        let (header, _, _) = Header::parse(&strings(&COLUMNS));
        let mut row = question_to_row(&crate::formats::example_question());
        row[CORRECT] = "E".into();
        row[DIFFICULTY] = "very".into();
        row[VALID_FROM] = "31/2/2026".into();
        row[LEGAL_DOCUMENT] = "Luật".into();
        let mut problems = Vec::new();
        assert!(row_to_question(&header, &row, 7, &mut problems).is_none());
        let fields: Vec<_> = problems
            .iter()
            .map(|p| (p.field.clone().unwrap(), p.line_or_row))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("correct".into(), Some(7)),
                ("difficulty".into(), Some(7)),
                ("valid_from".into(), Some(7))
            ]
        );
    }

    #[test]
    fn true_false_rows_may_omit_options_and_say_dung_or_sai() {
        let (header, _, _) = Header::parse(&strings(&[
            "topic_code",
            "kind",
            "text",
            "option_a",
            "option_b",
            "correct",
        ]));
        let mut problems = Vec::new();
        let q = row_to_question(
            &header,
            &strings(&["law", "đúng/sai", "Trời xanh?", "", "", "Sai"]),
            2,
            &mut problems,
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(q.kind, Kind::TrueFalse);
        assert_eq!(
            q.options
                .iter()
                .map(|o| (o.text.as_str(), o.correct))
                .collect::<Vec<_>>(),
            vec![("Đúng", false), ("Sai", true)]
        );
        let q = row_to_question(
            &header,
            &strings(&["law", "true_false", "Trời xanh?", "Có", "Không", "A"]),
            3,
            &mut problems,
        )
        .unwrap();
        assert!(q.options[0].correct);
    }

    #[test]
    fn letters_and_dates() {
        assert_eq!(parse_letters("A, c").unwrap(), vec![0, 2]);
        assert_eq!(parse_letters("BD").unwrap(), vec![1, 3]);
        assert!(parse_letters("1").is_err());
        assert_eq!(parse_date("1/7/2026"), NaiveDate::from_ymd_opt(2026, 7, 1));
        assert_eq!(
            parse_date("2026-07-01"),
            NaiveDate::from_ymd_opt(2026, 7, 1)
        );
        assert_eq!(column_for_field("options[1].text"), "option_b");
    }
}

//! Political-theory tests for newly admitted members: who must take them, when an attempt
//! passes, a member's status per lesson, coverage tallies, and certificate codes.
//!
//! Pure rules only: the caller loads attempts, settings and certificates and passes `now` in.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Invalid;
use super::ids::LessonId;

/// Whether `score` out of `max_score` reaches `pass_mark` percent. Exactly at the mark passes.
///
/// # Implementation notes
/// Integer arithmetic (`score × 100 ≥ pass_mark × max_score`): 8 of 10 at 80% must pass,
/// which floating-point division does not always promise.
pub fn passes(score: i64, max_score: i64, pass_mark: i32) -> bool {
    max_score > 0 && i128::from(score) * 100 >= i128::from(pass_mark) * i128::from(max_score)
}

/// A percentage with one decimal, for display (`score / max_score`).
pub fn percent(score: i64, max_score: i64) -> f64 {
    if max_score <= 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let p = score as f64 * 100.0 / max_score as f64;
    (p * 10.0).round() / 10.0
}

/// A member's status on one lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LessonStatus {
    /// Chưa kiểm tra: no finished attempt yet.
    NotTested,
    /// Đã kiểm tra: tested, not (yet) passed.
    Tested,
    /// Đạt: passed.
    Passed,
}

/// One finished, counted attempt at a theory test, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TheoryAttempt {
    /// The lesson tested; `None` for a combined test of the whole course.
    pub lesson_id: Option<LessonId>,
    /// The test's pass mark (percent).
    pub pass_mark: i32,
    /// Score.
    pub score: i64,
    /// Most possible.
    pub max_score: i64,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
}

/// A member's result on one lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LessonResult {
    /// Finished attempts that bear on the lesson.
    pub attempts: u32,
    /// The best attempt (highest share of the maximum; the earlier of equals): score, max score.
    pub best: Option<(i64, i64)>,
    /// When the lesson was first passed.
    pub passed_at: Option<DateTime<Utc>>,
}

impl LessonResult {
    /// The status this result gives.
    pub fn status(&self) -> LessonStatus {
        if self.passed_at.is_some() {
            LessonStatus::Passed
        } else if self.attempts > 0 {
            LessonStatus::Tested
        } else {
            LessonStatus::NotTested
        }
    }

    fn add(&mut self, a: &TheoryAttempt) {
        self.attempts += 1;
        let better = match self.best {
            None => true,
            // a.score / a.max > best.score / best.max, cross-multiplied.
            Some((s, m)) => {
                i128::from(a.score) * i128::from(m) > i128::from(s) * i128::from(a.max_score)
            }
        };
        if better {
            self.best = Some((a.score, a.max_score));
        }
        if passes(a.score, a.max_score, a.pass_mark)
            && self.passed_at.is_none_or(|p| a.finished_at < p)
        {
            self.passed_at = Some(a.finished_at);
        }
    }
}

/// Each lesson's result from one member's attempts (a combined test counts for every lesson).
pub fn lesson_results(lessons: &[LessonId], attempts: &[TheoryAttempt]) -> Vec<LessonResult> {
    let mut out = vec![LessonResult::default(); lessons.len()];
    for a in attempts {
        for (i, lesson) in lessons.iter().enumerate() {
            if a.lesson_id.is_none_or(|l| l == *lesson) {
                out[i].add(a);
            }
        }
    }
    out
}

/// When every lesson is passed: the day the last one was (the certificate's date).
pub fn completed_at(results: &[LessonResult]) -> Option<DateTime<Utc>> {
    if results.is_empty() {
        return None;
    }
    results
        .iter()
        .map(|r| r.passed_at)
        .collect::<Option<Vec<_>>>()
        .and_then(|dates| dates.into_iter().max())
}

/// The date from which a unit's admitted members must take the course: the unit's own setting
/// or its nearest ancestor's. `path` is root first and ends with the unit.
pub fn effective_since(path: &[Uuid], settings: &HashMap<Uuid, NaiveDate>) -> Option<NaiveDate> {
    path.iter().rev().find_map(|u| settings.get(u).copied())
}

/// Whether a member admitted on `admitted_at` must take the course from `since` on.
pub fn must_take(admitted_at: Option<NaiveDate>, since: Option<NaiveDate>) -> bool {
    matches!((admitted_at, since), (Some(a), Some(s)) if a >= s)
}

/// Coverage of one unit (its whole subtree): new members, and how many tested and passed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    /// Members who must take the course.
    pub members: i64,
    /// Tested on at least one lesson (or certified).
    pub tested: i64,
    /// Holding a valid certificate of the course.
    pub passed: i64,
    /// Per lesson: (tested, passed).
    pub lessons: Vec<(i64, i64)>,
}

impl Tally {
    /// An empty tally for `lessons` lessons.
    pub fn new(lessons: usize) -> Self {
        Self {
            lessons: vec![(0, 0); lessons],
            ..Self::default()
        }
    }

    /// Counts one new member with their lesson results and whether they are certified.
    pub fn add(&mut self, results: &[LessonResult], certified: bool) {
        self.members += 1;
        if certified || results.iter().any(|r| r.attempts > 0) {
            self.tested += 1;
        }
        if certified {
            self.passed += 1;
        }
        for (slot, r) in self.lessons.iter_mut().zip(results) {
            if r.attempts > 0 {
                slot.0 += 1;
            }
            if r.passed_at.is_some() {
                slot.1 += 1;
            }
        }
    }
}

/// A pass rate in percent with one decimal; `None` without members.
pub fn rate(passed: i64, members: i64) -> Option<f64> {
    (members > 0).then(|| percent(passed, members))
}

/// `x/y = z%` as units report coverage.
pub fn rate_text(passed: i64, members: i64) -> String {
    match rate(passed, members) {
        Some(r) => format!("{passed}/{members} = {r:.1}%"),
        None => format!("{passed}/0"),
    }
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or off paper is not
/// mistaken.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a certificate code (50 random bits).
pub const CODE_LEN: usize = 10;

/// A new certificate code from 50 random bits.
pub fn new_certificate_code(random: u64) -> String {
    (0..CODE_LEN)
        .map(|i| CROCKFORD[((random >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// Reads a certificate code as people type it: any case, with dashes or spaces, and the
/// letters Crockford's alphabet leaves out read as the digits they look like (I, L → 1; O → 0).
pub fn parse_certificate_code(input: &str) -> Result<String, Invalid> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if CROCKFORD.contains(&(c as u8)) && c.is_ascii() => c,
            _ => {
                return Err(Invalid::new(
                    "a certificate code has only letters and digits",
                ));
            }
        };
        out.push(c);
    }
    if out.len() != CODE_LEN {
        return Err(Invalid::new(format!(
            "a certificate code has {CODE_LEN} characters"
        )));
    }
    Ok(out)
}

/// A code in the form printed on certificates: `ABCDE-12345`.
pub fn display_code(code: &str) -> String {
    if code.len() == CODE_LEN {
        format!("{}-{}", &code[..5], &code[5..])
    } else {
        code.to_owned()
    }
}

/// A link to study material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// What it is.
    pub title: String,
    /// Where it is: an http(s) link, or a file uploaded through `POST /materials`
    /// (`/api/v1/materials/<name>`, a PDF or a picture).
    #[schema(pattern = r"^(https?://|/api/v1/materials/)")]
    pub url: String,
}

/// Where an uploaded material is served, by its media name.
pub const MATERIALS_PATH: &str = "/api/v1/materials/";

impl Material {
    /// Checks a material; errors name fields under `at`.
    pub fn check(&self, at: &str) -> Vec<crate::error::FieldError> {
        let mut errors = Vec::new();
        if !(1..=300).contains(&self.title.trim().chars().count()) {
            errors.push(crate::error::FieldError::new(
                format!("{at}/title"),
                "a material's title is 1 to 300 characters",
            ));
        }
        let url = self.url.trim();
        let well_formed = if url.starts_with(MATERIALS_PATH) {
            self.uploaded().is_some()
        } else {
            url.starts_with("https://") || url.starts_with("http://")
        };
        if !well_formed || url.len() > 2000 || url.chars().any(char::is_whitespace) {
            errors.push(crate::error::FieldError::new(
                format!("{at}/url"),
                "a material's link is an http(s) address or an uploaded file's /api/v1/materials/ address",
            ).with_vi("Đường dẫn tài liệu phải là địa chỉ http(s) hoặc một tệp đã tải lên."));
        }
        errors
    }

    /// The media name of the uploaded file this material is, if it is one.
    pub fn uploaded(&self) -> Option<&str> {
        let name = self.url.trim().strip_prefix(MATERIALS_PATH)?;
        crate::domain::media::parse_media_name(name).map(|_| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000 + minute * 60, 0).unwrap_or_default()
    }

    #[test]
    fn exactly_at_the_mark_passes() {
        assert!(passes(8, 10, 80));
        assert!(!passes(7, 10, 80));
        assert!(passes(80, 100, 80));
        assert!(!passes(79, 100, 80));
        // 2/3 = 66.67% reaches 66 but not 67.
        assert!(passes(2, 3, 66));
        assert!(!passes(2, 3, 67));
        assert!(passes(10, 10, 100));
        assert!(!passes(0, 0, 1), "an empty test passes nobody");
    }

    #[test]
    fn the_best_attempt_and_the_first_pass_are_kept() {
        let l = LessonId::new();
        let a = |score, minute| TheoryAttempt {
            lesson_id: Some(l),
            pass_mark: 80,
            score,
            max_score: 10,
            finished_at: at(minute),
        };
        let r = lesson_results(&[l], &[a(5, 1), a(9, 2), a(8, 3), a(6, 4)]);
        assert_eq!(r[0].attempts, 4);
        assert_eq!(r[0].best, Some((9, 10)));
        assert_eq!(r[0].passed_at, Some(at(2)));
        assert_eq!(r[0].status(), LessonStatus::Passed);
        let r = lesson_results(&[l], &[a(5, 1)]);
        assert_eq!(r[0].status(), LessonStatus::Tested);
        assert_eq!(
            lesson_results(&[l], &[])[0].status(),
            LessonStatus::NotTested
        );
    }

    #[test]
    fn a_combined_test_counts_for_every_lesson() {
        let (l1, l2) = (LessonId::new(), LessonId::new());
        let combined = TheoryAttempt {
            lesson_id: None,
            pass_mark: 50,
            score: 5,
            max_score: 10,
            finished_at: at(7),
        };
        let r = lesson_results(&[l1, l2], &[combined]);
        assert!(r.iter().all(|r| r.status() == LessonStatus::Passed));
        assert_eq!(completed_at(&r), Some(at(7)));
        assert_eq!(completed_at(&[]), None);
    }

    #[test]
    fn the_admission_date_setting_is_inherited() {
        let (root, mid, leaf) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap_or_default();
        let mut settings = HashMap::new();
        assert_eq!(effective_since(&[root, mid, leaf], &settings), None);
        settings.insert(root, d(1));
        assert_eq!(effective_since(&[root, mid, leaf], &settings), Some(d(1)));
        settings.insert(mid, d(6));
        assert_eq!(effective_since(&[root, mid, leaf], &settings), Some(d(6)));
        assert_eq!(effective_since(&[root], &settings), Some(d(1)));
        assert!(
            must_take(Some(d(6)), Some(d(6))),
            "admitted on the day counts"
        );
        assert!(!must_take(Some(d(5)), Some(d(6))));
        assert!(!must_take(None, Some(d(6))));
        assert!(!must_take(Some(d(6)), None));
    }

    #[test]
    fn rates_read_as_units_write_them() {
        assert_eq!(rate_text(3, 4), "3/4 = 75.0%");
        assert_eq!(rate_text(1, 3), "1/3 = 33.3%");
        assert_eq!(rate_text(0, 0), "0/0");
    }

    #[test]
    fn certificate_codes_survive_how_people_type_them() {
        for seed in [0u64, 1, u64::MAX, 0x0123_4567_89ab_cdef] {
            let code = new_certificate_code(seed);
            assert_eq!(code.len(), CODE_LEN);
            assert_eq!(parse_certificate_code(&code), Ok(code.clone()));
            assert_eq!(
                parse_certificate_code(&display_code(&code).to_lowercase()),
                Ok(code.clone())
            );
        }
        assert_eq!(
            parse_certificate_code("oIl23-45678"),
            Ok("0112345678".to_owned())
        );
        assert!(parse_certificate_code("ABC").is_err());
        assert!(parse_certificate_code("ABCDE-1234U").is_err());
        assert!(parse_certificate_code("ÀBCDE12345").is_err());
    }

    #[test]
    fn materials_need_a_title_and_a_web_link() {
        let ok = Material {
            title: "Tài liệu".into(),
            url: "https://doanthanhnien.vn/x".into(),
        };
        assert!(ok.check("/m").is_empty());
        let bad = Material {
            title: String::new(),
            url: "javascript:alert(1)".into(),
        };
        assert_eq!(bad.check("/m").len(), 2);
        let name = crate::domain::media::media_name(b"x", crate::domain::media::MediaType::Pdf);
        let uploaded = Material {
            title: "Nghị quyết".into(),
            url: format!("{MATERIALS_PATH}{name}"),
        };
        assert!(uploaded.check("/m").is_empty());
        assert_eq!(uploaded.uploaded(), Some(name.as_str()));
        for url in [
            format!("{MATERIALS_PATH}../../etc/passwd"),
            format!("{MATERIALS_PATH}{name}?x=1"),
            "/api/v1/images/x.png".to_owned(),
        ] {
            let m = Material {
                title: "x".into(),
                url,
            };
            assert_eq!(m.check("/m").len(), 1, "{}", m.url);
            assert_eq!(m.uploaded(), None);
        }
    }
}

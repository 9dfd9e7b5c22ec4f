//! Demo data: a small unit tree, an organizer and a few members, so a fresh install can be
//! tried at once. Idempotent: running it again changes nothing and prints the same sign-in.
//!
//! The demo password is random, written once to `data_dir/demo-credentials.txt` (mode 0600)
//! and printed; there is no well-known default password.

use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine;
use chrono::{NaiveDate, Utc};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use crate::auth::password;
use crate::domain::ids::AttemptId;
use crate::domain::ids::UnitId;
use crate::domain::role::{Grant, Role};
use crate::domain::unit::{MemberCount, UnitCode, UnitName};
use crate::persistence::{self, units::Unit};

/// (code, parent code, name, members)
const TREE: &[(&str, Option<&str>, &str, i64)] = &[
    ("DEMO-KHOI", None, "Đoàn Khối Doanh nghiệp (demo)", 1200),
    (
        "DEMO-TCT-DIEN",
        Some("DEMO-KHOI"),
        "Đoàn Tổng công ty Điện lực (demo)",
        600,
    ),
    (
        "DEMO-DCS-TT1",
        Some("DEMO-TCT-DIEN"),
        "Đoàn cơ sở Công ty Truyền tải điện 1",
        180,
    ),
    (
        "DEMO-CD-KT",
        Some("DEMO-DCS-TT1"),
        "Chi đoàn Phòng Kỹ thuật",
        35,
    ),
    (
        "DEMO-CD-KD",
        Some("DEMO-DCS-TT1"),
        "Chi đoàn Phòng Kinh doanh",
        28,
    ),
    (
        "DEMO-DCS-HN",
        Some("DEMO-TCT-DIEN"),
        "Đoàn cơ sở Công ty Điện lực Hà Nội",
        240,
    ),
    ("DEMO-CD-DD", Some("DEMO-DCS-HN"), "Chi đoàn Điều độ", 22),
    (
        "DEMO-TCT-VT",
        Some("DEMO-KHOI"),
        "Đoàn Tập đoàn Viễn thông (demo)",
        520,
    ),
    (
        "DEMO-DCS-ML",
        Some("DEMO-TCT-VT"),
        "Đoàn cơ sở Trung tâm Mạng lưới",
        150,
    ),
    ("DEMO-CD-VH", Some("DEMO-DCS-ML"), "Chi đoàn Vận hành", 40),
    (
        "DEMO-CD-KTS",
        Some("DEMO-DCS-ML"),
        "Chi đoàn Kỹ thuật số",
        31,
    ),
];

/// A calendar date as (year, month, day).
type Ymd = (i32, u32, u32);

/// (phone, name, unit code, birth date, admitted, organizer and unit admin of the root)
type DemoPerson = (
    &'static str,
    &'static str,
    &'static str,
    Ymd,
    Option<Ymd>,
    bool,
);

const PEOPLE: &[DemoPerson] = &[
    (
        "0900000001",
        "Trần Thị Bình",
        "DEMO-KHOI",
        (1994, 5, 12),
        Some((2009, 3, 26)),
        true,
    ),
    (
        "0900000002",
        "Nguyễn Văn An",
        "DEMO-CD-KT",
        (2001, 9, 2),
        Some((2016, 3, 26)),
        false,
    ),
    (
        "0900000003",
        "Lê Thị Cúc",
        "DEMO-CD-KD",
        (2003, 1, 15),
        Some((2025, 3, 26)),
        false,
    ),
    (
        "0900000004",
        "Phạm Minh Đức",
        "DEMO-CD-DD",
        (1999, 11, 20),
        Some((2014, 10, 15)),
        false,
    ),
    (
        "0900000005",
        "Hoàng Thu Hà",
        "DEMO-CD-VH",
        (2004, 7, 7),
        Some((2026, 3, 26)),
        false,
    ),
    (
        "0900000006",
        "Vũ Quốc Khánh",
        "DEMO-CD-KTS",
        (2000, 2, 29),
        Some((2015, 3, 26)),
        false,
    ),
];

/// Creates what is missing of the demo data and returns the sign-in instructions.
pub async fn create(db: &DatabaseConnection, data_dir: &Path) -> anyhow::Result<String> {
    let password = demo_password(data_dir)?;
    let today = Utc::now().date_naive();
    let txn = db.begin().await?;
    let codes: Vec<String> = TREE.iter().map(|t| t.0.to_owned()).collect();
    let mut units: Vec<Unit> = persistence::units::find_by_codes(&txn, &codes).await?;
    for (code, parent, name, members) in TREE {
        if units.iter().any(|u| u.code == *code) {
            continue;
        }
        let parent = parent.and_then(|p| units.iter().find(|u| u.code == p).cloned());
        let unit = persistence::units::insert(
            &txn,
            persistence::units::NewUnit {
                id: UnitId::new(),
                parent,
                name: UnitName::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?,
                code: UnitCode::parse(code).map_err(|e| anyhow::anyhow!("{e}"))?,
                member_count: Some(
                    MemberCount::parse(*members, None, today)
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                ),
            },
        )
        .await?;
        units.push(unit);
    }
    let hash = password::hash_once(password.clone()).await?;
    let root = units
        .iter()
        .find(|u| u.code == "DEMO-KHOI")
        .cloned()
        .context("demo root unit missing")?;
    for (phone, name, unit_code, birth, admitted, organizer) in PEOPLE {
        if persistence::users::credentials_by_phone(&txn, phone)
            .await?
            .is_some()
        {
            continue;
        }
        let unit = units
            .iter()
            .find(|u| u.code == *unit_code)
            .context("demo unit missing")?;
        let user = persistence::users::insert(
            &txn,
            persistence::users::NewUser {
                phone: (*phone).to_owned(),
                password_hash: hash.clone(),
                full_name: (*name).to_owned(),
                birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2),
                unit_id: unit.id,
                citizen_id: None,
                email: None,
                admitted_at: admitted.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
            },
        )
        .await?;
        if *organizer {
            persistence::roles::add(
                &txn,
                user.id,
                &[
                    Grant {
                        role: Role::Organizer,
                        unit_id: Some(root.id),
                    },
                    Grant {
                        role: Role::UnitAdmin,
                        unit_id: Some(root.id),
                    },
                ],
            )
            .await?;
        }
    }
    let seeded = seed_starter_bank(&txn, &root).await?;
    let contest = demo_contest(&txn, &root).await?;
    let closed = demo_closed_round(&txn, &root).await?;
    let theory = demo_theory(&txn, &root).await?;
    let studies = demo_studies(&txn, &root).await?;
    txn.commit().await?;
    let bank = match seeded {
        Some(n) => format!(
            "\n  Question bank: {n} starter questions in \"{}\", shared with every unit below it",
            root.name
        ),
        None => String::new(),
    };
    let contest = contest
        .map(|(title, closes)| format!("\n  Contest: \"{title}\", round open until {closes}"))
        .unwrap_or_default();
    let closed = closed
        .map(|(round, n)| {
            format!("\n  Closed round \"{round}\": {n} finished attempts, ready to publish")
        })
        .unwrap_or_default();
    let theory = theory
        .map(|title| format!("\n  Theory tests: \"{title}\", one test per lesson (members admitted since 01/01/2025 must pass)"))
        .unwrap_or_default();
    let studies: String = studies
        .iter()
        .map(|title| {
            format!("\n  Study programme for every member: \"{title}\", one test per lesson")
        })
        .collect();
    Ok(format!(
        "Demo data is ready.{bank}{contest}{closed}{theory}{studies}\n  Organizer (organizer + unit admin of \"{}\"): phone 0900000001\n  Members: phones 0900000002 … 0900000006\n  Password for every demo account: {password}\n  (also in {})",
        root.name,
        data_dir.join("demo-credentials.txt").display()
    ))
}

fn demo_password(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("demo-credentials.txt");
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Some(p) = text.lines().find_map(|l| l.strip_prefix("password: "))
    {
        return Ok(p.trim().to_owned());
    }
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    // Letters and digits both present, so it also passes the password rules.
    let password = format!(
        "demo{}7",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    std::fs::write(
        &path,
        format!("dautri demo accounts (phones 0900000001–0900000006)\npassword: {password}\n"),
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(password)
}

/// Where the starter bank lives: `DAUTRI_STARTER_BANK` when set, else beside the working
/// directory, beside the binary's `target/<profile>/` folder, or in the checkout the binary was
/// built from (a binary whose target directory lives outside the checkout, as `CARGO_TARGET_DIR`
/// allows, still finds it).
fn starter_bank_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DAUTRI_STARTER_BANK") {
        return Some(PathBuf::from(dir)).filter(|p| p.is_dir());
    }
    let mut candidates = vec![PathBuf::from("question-bank/bank")];
    if let Ok(exe) = std::env::current_exe()
        && let Some(repo) = exe.parent().and_then(Path::parent).and_then(Path::parent)
    {
        candidates.push(repo.join("question-bank/bank"));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-bank/bank"));
    candidates.into_iter().find(|p| p.is_dir())
}

/// Copies the starter bank into the demo root's bank once. Returns how many were added, or
/// `None` when the bank was already seeded or no starter bank is found.
async fn seed_starter_bank(
    db: &impl ConnectionTrait,
    root: &Unit,
) -> anyhow::Result<Option<usize>> {
    let visibility = persistence::questions::Visibility {
        roots: Some(vec![root.path.clone()]),
    };
    let filter = persistence::questions::Filter {
        unit_id: Some(root.id),
        ..Default::default()
    };
    if persistence::questions::search(db, &visibility, &filter, 0, 1)
        .await?
        .1
        > 0
    {
        return Ok(None);
    }
    let Some(dir) = starter_bank_dir() else {
        tracing::warn!(
            "starter question bank not found (question-bank/bank); the demo bank stays empty"
        );
        return Ok(None);
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut questions = Vec::new();
    for file in files {
        let bytes =
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let report = question_bank::read(
            &bytes,
            &file.display().to_string(),
            &question_bank::Limits::default(),
        );
        if !report.problems.is_empty() {
            tracing::warn!(file = %file.display(), problems = report.problems.len(), "starter bank file skipped");
            continue;
        }
        questions.extend(report.questions);
    }
    persistence::questions::ensure_topics(db, &question_bank::topics(&questions)).await?;
    for q in &questions {
        persistence::questions::insert(db, root.id, true, q, None).await?;
    }
    Ok(Some(questions.len()))
}

const DEMO_CONTEST: &str = "Tìm hiểu lịch sử Đoàn và pháp luật về không gian mạng (demo)";

/// A contest of the demo bloc with a round open for two weeks from now, drawing from the
/// starter bank; created once, when the bank is there.
async fn demo_contest(
    db: &impl ConnectionTrait,
    root: &Unit,
) -> anyhow::Result<Option<(String, String)>> {
    use crate::domain::contest::{
        ContestKind, DEFAULT_TIE_BREAK, LeaderboardVisibility, Pool, Prediction, Quota, Review,
        RoundSettings,
    };
    use crate::persistence::contests::{ContestSettings, insert, insert_round, list_all};
    if list_all(db)
        .await?
        .iter()
        .any(|c| c.settings.title == DEMO_CONTEST)
    {
        return Ok(None);
    }
    let visibility = persistence::questions::Visibility {
        roots: Some(vec![root.path.clone()]),
    };
    let today = Utc::now().date_naive();
    let mut quotas = Vec::new();
    for (topic, count) in [("history", 4u32), ("cyber", 3), ("theory", 3)] {
        let filter = persistence::questions::Filter {
            topic: Some(topic.into()),
            drawable_between: Some((today, today + chrono::Duration::days(14))),
            ..Default::default()
        };
        if persistence::questions::count(db, &visibility, &filter).await? < u64::from(count) * 2 {
            return Ok(None);
        }
        quotas.push(Quota {
            topic: topic.into(),
            difficulty: None,
            count,
        });
    }
    let contest = insert(
        db,
        &ContestSettings {
            title: DEMO_CONTEST.into(),
            description: "Cuộc thi thử của dữ liệu mẫu: 10 câu hỏi mỗi lượt, 10 phút, tối đa 3 lượt.".into(),
            rules: "Mỗi lượt thi gồm 10 câu hỏi rút ngẫu nhiên; lượt có điểm cao nhất được tính, nếu bằng điểm thì lượt sớm hơn được tính.".into(),
            kind: ContestKind::Contest,
            unit_id: root.id,
            eligible_unit_id: Some(root.id),
            excluded_unit_ids: Vec::new(),
            excluded_roles: Vec::new(),
            managers_may_enter: false,
            leaderboard_visibility: LeaderboardVisibility::Members,
            tie_break: DEFAULT_TIE_BREAK.to_vec(),
            perfect_only: false,
            pass_mark: None,
            prizes: demo_prizes(),
        },
        None,
    )
    .await?;
    let opens = Utc::now() - chrono::Duration::minutes(1);
    let closes = opens + chrono::Duration::days(14);
    insert_round(
        db,
        contest.id,
        &RoundSettings {
            name: "Tuần 1".into(),
            opens_at: opens,
            closes_at: closes,
            questions_per_attempt: 10,
            time_limit_seconds: 600,
            attempts_allowed: Some(3),
            shuffle_questions: true,
            shuffle_options: true,
            pool: Pool::Quotas { quotas },
            prediction: Some(Prediction::AllCorrect),
            points_per_question: 10,
            review: Review::AfterClose,
            practice: false,
        },
    )
    .await?;
    Ok(Some((
        DEMO_CONTEST.into(),
        closes.format("%d/%m/%Y %H:%M UTC").to_string(),
    )))
}

/// A second demo contest, whose only round ran last week and has closed.
const DEMO_CLOSED_CONTEST: &str = "Tìm hiểu Luật Thanh niên – tuần thi đã kết thúc (dữ liệu mẫu)";

/// Its round.
const DEMO_CLOSED_ROUND: &str = "Tuần 1";

/// (member phone, right answers out of 10, minutes used, prediction)
const DEMO_RESULTS: &[(&str, usize, i64, i64)] = &[
    ("0900000002", 10, 4, 2),
    ("0900000003", 8, 6, 1),
    ("0900000004", 8, 5, 3),
    ("0900000005", 6, 9, 0),
    ("0900000006", 9, 7, 2),
];

/// A contest of the demo bloc whose round ran last week and has closed, with a finished
/// attempt by each demo member, so the demo organizer has results to publish, void and export
/// (the other demo contest is the open one). Created once (found by its title), when the
/// starter bank is there.
///
/// # Implementation notes
/// The attempts are written as the attempt path writes them (drawn questions with their
/// versions and options, the answers, the scored result), so a review, a publication and a
/// board rebuild read them like any other; the live boards get them when the server rebuilds
/// its scoring store, which a server started on an empty store does first. It is a contest of
/// its own rather than a round of the open one, so that contest's first round stays the open
/// one members are sent to.
async fn demo_closed_round(
    db: &impl ConnectionTrait,
    root: &Unit,
) -> anyhow::Result<Option<(String, usize)>> {
    use crate::domain::contest::{
        ContestKind, DEFAULT_TIE_BREAK, LeaderboardVisibility, Pool, Prediction, Quota, Review,
        RoundSettings,
    };
    use crate::persistence::attempts::{AnswerRow, DrawnQuestion, NewAttempt, Outcome};
    use crate::persistence::contests::{ContestSettings, insert, insert_round, list_all};
    if list_all(db)
        .await?
        .iter()
        .any(|c| c.settings.title == DEMO_CLOSED_CONTEST)
    {
        return Ok(None);
    }
    let visibility = persistence::questions::Visibility {
        roots: Some(vec![root.path.clone()]),
    };
    let filter = persistence::questions::Filter {
        topic: Some("history".into()),
        status: Some(question_bank::Status::Active),
        // One right option each, so "n right answers" is one pick per question.
        kind: Some(question_bank::Kind::Single),
        ..Default::default()
    };
    let (questions, _) = persistence::questions::search(db, &visibility, &filter, 0, 10).await?;
    if questions.len() < 10 {
        return Ok(None);
    }
    let contest = insert(
        db,
        &ContestSettings {
            title: DEMO_CLOSED_CONTEST.into(),
            description: "Cuộc thi mẫu đã kết thúc tuần thi đầu tiên: Ban Tổ chức công bố kết quả, hủy hoặc khôi phục kết quả và xuất danh sách giải.".into(),
            rules: "Mỗi lượt thi gồm 10 câu hỏi; xếp hạng theo điểm, rồi độ chênh lệch dự đoán, thời gian làm bài và thời điểm nộp bài.".into(),
            kind: ContestKind::Contest,
            unit_id: root.id,
            eligible_unit_id: Some(root.id),
            excluded_unit_ids: Vec::new(),
            excluded_roles: Vec::new(),
            managers_may_enter: false,
            leaderboard_visibility: LeaderboardVisibility::Members,
            tie_break: DEFAULT_TIE_BREAK.to_vec(),
            perfect_only: false,
            pass_mark: None,
            prizes: demo_prizes(),
        },
        None,
    )
    .await?;
    let now = Utc::now();
    let opens = now - chrono::Duration::days(8);
    let closes = now - chrono::Duration::days(1);
    let round = insert_round(
        db,
        contest.id,
        &RoundSettings {
            name: DEMO_CLOSED_ROUND.into(),
            opens_at: opens,
            closes_at: closes,
            questions_per_attempt: 10,
            time_limit_seconds: 600,
            attempts_allowed: Some(3),
            shuffle_questions: true,
            shuffle_options: true,
            pool: Pool::Quotas {
                quotas: vec![Quota {
                    topic: "history".into(),
                    difficulty: None,
                    count: 10,
                }],
            },
            prediction: Some(Prediction::AllCorrect),
            points_per_question: 10,
            review: Review::AfterClose,
            practice: false,
        },
    )
    .await?;
    let drawn: Vec<DrawnQuestion> = questions
        .iter()
        .map(|q| DrawnQuestion {
            question_id: q.id,
            version_id: q.version_id,
            kind: q.content.kind,
            option_ids: q.option_ids.clone(),
        })
        .collect();
    let mut written = 0;
    for (i, (phone, right, minutes, prediction)) in DEMO_RESULTS.iter().enumerate() {
        let Some((user, _)) = persistence::users::credentials_by_phone(db, phone).await? else {
            continue;
        };
        let id = AttemptId::new();
        // Spread over the week, each attempt a few hours after the previous one.
        let started_at = opens + chrono::Duration::hours(20 + 7 * i64::try_from(i).unwrap_or(0));
        let finished_at = started_at + chrono::Duration::minutes(*minutes);
        persistence::attempts::insert(
            db,
            NewAttempt {
                id,
                unit_id: Some(user.unit_id),
                round_id: round.id,
                contest_id: contest.id,
                user_id: user.id,
                seq: 1,
                seed: i64::try_from(i).unwrap_or(0) + 1,
                questions: &drawn,
                started_at,
                deadline: started_at + chrono::Duration::seconds(600),
                grace_ms: 5_000,
                max_score: 100,
                practice: false,
                client_ip: None,
                user_agent: None,
            },
        )
        .await?;
        let answers: Vec<AnswerRow> = questions
            .iter()
            .enumerate()
            .filter_map(|(n, q)| {
                let pick = q
                    .content
                    .options
                    .iter()
                    .zip(&q.option_ids)
                    .find(|(o, _)| o.correct == (n < *right))
                    .map(|(_, id)| *id)?;
                Some(AnswerRow {
                    attempt_id: id,
                    question_id: q.id,
                    option_ids: vec![pick],
                    saved_at: finished_at,
                })
            })
            .collect();
        persistence::attempts::upsert_answers(db, &answers).await?;
        let right = i64::try_from(*right).unwrap_or(0);
        persistence::attempts::write_result(
            db,
            id,
            Outcome {
                score: right * 10,
                correct_count: right,
                time_used_ms: minutes * 60_000,
                finished_at,
                prediction: Some(*prediction),
            },
        )
        .await?;
        written += 1;
    }
    Ok(Some((
        format!("{DEMO_CLOSED_CONTEST} – {DEMO_CLOSED_ROUND}"),
        written,
    )))
}

/// The political-theory course of 2020 (Plan 230-KH/TWĐTN-BTG).
pub const THEORY_COURSE_CODE: &str = "230-KH/TWĐTN-BTG";

const THEORY_LESSONS: [(&str, &str); 4] = [
    (
        "Chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh; con đường đi lên chủ nghĩa xã hội ở Việt Nam",
        "Nền tảng tư tưởng của Đảng và kim chỉ nam cho hành động; mục tiêu độc lập dân tộc gắn liền với chủ nghĩa xã hội.",
    ),
    (
        "Đảng Cộng sản Việt Nam",
        "Sự ra đời, bản chất, vai trò lãnh đạo và nguyên tắc tổ chức của Đảng; đoàn viên phấn đấu trở thành đảng viên.",
    ),
    (
        "Hệ thống chính trị ở Việt Nam",
        "Đảng lãnh đạo, Nhà nước quản lý, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội; nhân dân làm chủ.",
    ),
    (
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
        "Lịch sử, tính chất, chức năng và Điều lệ Đoàn; quyền và nhiệm vụ của đoàn viên.",
    ),
];

/// The 2020 theory course with its four lessons, the demo bloc's admission date (members
/// admitted since 01/01/2025 must take it) and a theory test per lesson drawn from the
/// `theory.lessonN` topics: pass mark 80%, 3 attempts. Created once, when the bank is there.
async fn demo_theory(db: &impl ConnectionTrait, root: &Unit) -> anyhow::Result<Option<String>> {
    use crate::domain::programme::Audience;
    let lessons: Vec<DemoLesson> = THEORY_LESSONS
        .iter()
        .enumerate()
        .map(|(i, (title, summary))| DemoLesson {
            title,
            summary,
            topic: format!("theory.lesson{}", i + 1),
        })
        .collect();
    let made = demo_programme(
        db,
        root,
        &DemoProgramme {
            code: THEORY_COURSE_CODE,
            title: "Học tập lý luận chính trị dành cho đoàn viên (2020)",
            audience: Audience::NEW_MEMBERS,
            issues_certificate: true,
            contest_title: "Kiểm tra lý luận chính trị đoàn viên mới – dữ liệu mẫu",
            rules: "Đạt cả bốn bài thì được cấp giấy chứng nhận có mã tra cứu.",
            lessons,
        },
    )
    .await?;
    if made.is_some() {
        persistence::theory::set_since(
            db,
            root.id.into_uuid(),
            NaiveDate::from_ymd_opt(2025, 1, 1),
            None,
        )
        .await?;
    }
    Ok(made)
}

/// Code of the demo's yearly thematic study.
pub const THEMATIC_STUDY_CODE: &str = "CHUYEN-DE-NAM";
/// Code of the demo's resolution study.
pub const RESOLUTION_STUDY_CODE: &str = "QUAN-TRIET-AN-NINH-MANG";

/// The year's thematic study for every member of the demo tree (the calendar year, Vietnam
/// time) and a study of the cybersecurity law and Decision 311 with a deadline 45 days on;
/// two lessons each, drawn from the starter bank, no certificate for the second.
async fn demo_studies(db: &impl ConnectionTrait, root: &Unit) -> anyhow::Result<Vec<String>> {
    use crate::domain::programme::{Audience, AudienceKind};
    use chrono::Datelike;
    let today = crate::domain::time::vietnam_date(Utc::now());
    let year = today.year();
    let thematic_title = format!("Học tập chuyên đề năm {year} (dữ liệu mẫu)");
    let thematic = DemoProgramme {
        code: THEMATIC_STUDY_CODE,
        title: &thematic_title,
        audience: Audience::new(
            AudienceKind::AllMembers,
            Some(root.id),
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        )?,
        issues_certificate: true,
        contest_title: "Kiểm tra học tập chuyên đề – dữ liệu mẫu",
        rules: "Mỗi bài một bài kiểm tra trong năm; đạt cả hai bài thì được cấp giấy chứng nhận.",
        lessons: vec![
            DemoLesson {
                title: "Tư tưởng Hồ Chí Minh – nền tảng tư tưởng, kim chỉ nam cho hành động của Đảng",
                summary: "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh trong đoàn viên, thanh niên.",
                topic: "theory.lesson1".into(),
            },
            DemoLesson {
                title: "Lịch sử và Điều lệ Đoàn TNCS Hồ Chí Minh",
                summary: "Các kỳ Đại hội, tên gọi của Đoàn qua các thời kỳ; quyền và nhiệm vụ của đoàn viên theo Điều lệ.",
                topic: "history.youth_union".into(),
            },
        ],
    };
    let resolution = DemoProgramme {
        code: RESOLUTION_STUDY_CODE,
        title: "Học tập, quán triệt Luật An ninh mạng và Quyết định 311/QĐ-TTg (dữ liệu mẫu)",
        audience: Audience::new(
            AudienceKind::AllMembers,
            Some(root.id),
            Some(today),
            Some(today + chrono::Duration::days(45)),
        )?,
        issues_certificate: false,
        contest_title: "Kiểm tra học tập, quán triệt văn bản – dữ liệu mẫu",
        rules: "Hoàn thành trước hạn; mỗi bài đạt từ 80%.",
        lessons: vec![
            DemoLesson {
                title: "Luật An ninh mạng",
                summary: "Những hành vi bị nghiêm cấm trên không gian mạng; trách nhiệm của cơ quan, tổ chức, cá nhân.",
                topic: "cyber.law".into(),
            },
            DemoLesson {
                title: "Quyết định 311/QĐ-TTg",
                summary: "Chương trình giáo dục lý tưởng cách mạng, đạo đức, lối sống văn hóa cho thanh thiếu nhi trên không gian mạng.",
                topic: "policy.qd311".into(),
            },
        ],
    };
    let mut made = Vec::new();
    for p in [thematic, resolution] {
        if let Some(title) = demo_programme(db, root, &p).await? {
            made.push(title);
        }
    }
    Ok(made)
}

/// A lesson of a demo programme.
struct DemoLesson {
    title: &'static str,
    summary: &'static str,
    topic: String,
}

/// A demo programme: its course, and a theory-test contest with one round per lesson.
struct DemoProgramme<'a> {
    code: &'static str,
    title: &'a str,
    audience: crate::domain::programme::Audience,
    issues_certificate: bool,
    contest_title: &'static str,
    rules: &'static str,
    lessons: Vec<DemoLesson>,
}

/// Creates a demo programme once (none when its code exists, or when the bank has fewer than
/// ten questions drawable for a lesson): the course, and a theory-test contest for the tree
/// with a test per lesson (10 questions, 15 minutes, 80%, 3 attempts, open until the
/// programme's deadline or for a year).
async fn demo_programme(
    db: &impl ConnectionTrait,
    root: &Unit,
    p: &DemoProgramme<'_>,
) -> anyhow::Result<Option<String>> {
    use crate::domain::contest::{
        ContestKind, DEFAULT_TIE_BREAK, LeaderboardVisibility, Pool, Quota, Review, RoundSettings,
    };
    use crate::domain::theory::Material;
    use crate::persistence::contests::{ContestSettings, insert, insert_round};
    use crate::persistence::theory::{NewCourse, NewLesson, TheoryTest};
    if persistence::theory::latest_version(db, p.code)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let visibility = persistence::questions::Visibility {
        roots: Some(vec![root.path.clone()]),
    };
    let today = Utc::now().date_naive();
    for lesson in &p.lessons {
        let filter = persistence::questions::Filter {
            topic: Some(lesson.topic.clone()),
            drawable_between: Some((today, today + chrono::Duration::days(365))),
            ..Default::default()
        };
        if persistence::questions::count(db, &visibility, &filter).await? < 10 {
            return Ok(None);
        }
    }
    let course = persistence::theory::insert_course(
        db,
        NewCourse {
            code: p.code.into(),
            version: 1,
            title: p.title.into(),
            active: true,
            audience: p.audience,
            issues_certificate: p.issues_certificate,
            lessons: p
                .lessons
                .iter()
                .map(|l| NewLesson {
                    title: l.title.into(),
                    summary: l.summary.into(),
                    materials: vec![Material {
                        title: "Tài liệu học tập (Trung ương Đoàn)".into(),
                        url: "https://doanthanhnien.vn".into(),
                    }],
                    topic: Some(l.topic.clone()),
                })
                .collect(),
        },
        None,
    )
    .await?;
    let contest = insert(
        db,
        &ContestSettings {
            title: p.contest_title.into(),
            description:
                "Mỗi bài học một bài kiểm tra: 10 câu hỏi, 15 phút, đạt từ 80%, tối đa 3 lượt."
                    .into(),
            rules: p.rules.into(),
            kind: ContestKind::TheoryTest,
            unit_id: root.id,
            eligible_unit_id: Some(root.id),
            excluded_unit_ids: Vec::new(),
            excluded_roles: Vec::new(),
            managers_may_enter: false,
            leaderboard_visibility: LeaderboardVisibility::Organizers,
            tie_break: DEFAULT_TIE_BREAK.to_vec(),
            perfect_only: false,
            pass_mark: Some(80),
            prizes: crate::domain::contest::Prizes::default(),
        },
        None,
    )
    .await?;
    let opens = Utc::now() - chrono::Duration::minutes(1);
    let closes = p
        .audience
        .window()
        .1
        .unwrap_or(opens + chrono::Duration::days(365));
    for lesson in &course.lessons {
        let round = insert_round(
            db,
            contest.id,
            &RoundSettings {
                name: format!("Bài {}", lesson.position),
                opens_at: opens,
                closes_at: closes,
                questions_per_attempt: 10,
                time_limit_seconds: 900,
                attempts_allowed: Some(3),
                shuffle_questions: true,
                shuffle_options: true,
                pool: Pool::Quotas {
                    quotas: vec![Quota {
                        topic: lesson.topic.clone().unwrap_or_default(),
                        difficulty: None,
                        count: 10,
                    }],
                },
                prediction: None,
                points_per_question: 10,
                // A lesson test is for learning: the key and explanations after each attempt.
                review: Review::AfterEachAttempt,
                practice: false,
            },
        )
        .await?;
        persistence::theory::insert_test(
            db,
            &TheoryTest {
                round_id: round.id,
                contest_id: contest.id,
                course_id: course.id,
                lesson_id: Some(lesson.id),
                pass_mark: 80,
                retry_wait_minutes: 0,
            },
        )
        .await?;
    }
    Ok(Some(p.title.to_owned()))
}

/// The unit staff accounts made from the command line belong to: the first root unit, or a
/// root created for them when the tree is empty.
pub async fn staff_unit(db: &impl ConnectionTrait) -> anyhow::Result<Unit> {
    let roots = persistence::units::list(db, None, None, 0, 1).await?;
    if let Some(root) = roots.items.into_iter().next() {
        return Ok(root);
    }
    Ok(persistence::units::insert(
        db,
        persistence::units::NewUnit {
            id: UnitId::new(),
            parent: None,
            name: UnitName::parse("Ban quản trị dautri").map_err(|e| anyhow::anyhow!("{e}"))?,
            code: UnitCode::parse("DAUTRI-ADMIN").map_err(|e| anyhow::anyhow!("{e}"))?,
            member_count: None,
        },
    )
    .await?)
}

/// The usual weekly prizes: one first, two second, three third and five consolation prizes, one
/// round prize per person, and unit prizes by participation rate.
fn demo_prizes() -> crate::domain::contest::Prizes {
    use crate::domain::contest::{PrizeTier, Prizes, UnitPrizeBasis, UnitPrizes};
    let tier = |name: &str, count| PrizeTier {
        name: name.to_owned(),
        count,
    };
    Prizes {
        round: vec![
            tier("Giải Nhất", 1),
            tier("Giải Nhì", 2),
            tier("Giải Ba", 3),
            tier("Giải Khuyến khích", 5),
        ],
        overall: vec![
            tier("Giải Nhất chung cuộc", 1),
            tier("Giải Nhì chung cuộc", 1),
            tier("Giải Ba chung cuộc", 1),
        ],
        one_per_person: true,
        units: Some(UnitPrizes {
            basis: UnitPrizeBasis::Rate,
            tiers: vec![tier("Giải tập thể", 1)],
            points_per_prize: 0,
        }),
    }
}

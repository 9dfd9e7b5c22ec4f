//! Step 1: the database, loaded in bulk with a million members, their units and attempts.

use super::*;

pub(crate) const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai",
];
pub(crate) const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Gia", "Bảo", "Hoài", "Xuân",
    "Thu", "Kim", "Anh", "Phương",
];
pub(crate) const GIVEN: &[&str] = &[
    "An", "Anh", "Bình", "Châu", "Cường", "Dũng", "Duyên", "Giang", "Hà", "Hải", "Hạnh", "Hiếu",
    "Hoa", "Hùng", "Hương", "Khánh", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Ngân",
    "Nhung", "Phong", "Phúc", "Phương", "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy",
    "Trang", "Trung", "Tuấn", "Tú", "Việt", "Vy", "Yến", "Đạt", "Ánh", "Ổn", "Lộc",
];

/// Lower case without Vietnamese diacritics ("Đoàn" → "doan"), as `name_folded` stores it.
pub(crate) fn fold(s: &str) -> String {
    const GROUPS: &[(char, &str)] = &[
        ('a', "aàáảãạăằắẳẵặâầấẩẫậ"),
        ('e', "eèéẻẽẹêềếểễệ"),
        ('i', "iìíỉĩị"),
        ('o', "oòóỏõọôồốổỗộơờớởỡợ"),
        ('u', "uùúủũụưừứửữự"),
        ('y', "yỳýỷỹỵ"),
        ('d', "dđ"),
    ];
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            GROUPS
                .iter()
                .find(|(_, g)| g.contains(c))
                .map_or(c, |(base, _)| *base)
        })
        .collect()
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f+00").to_string()
}

/// The ids a run needs, read back from the database (so `--reuse-db` takes the same path).
pub(crate) struct Loaded {
    pub(crate) contest: Uuid,
    pub(crate) round: Uuid,
    pub(crate) orgs: Vec<Uuid>,
    pub(crate) branches: Vec<Uuid>,
    pub(crate) members: u64,
}

pub(crate) fn load_ids(url: &str) -> anyhow::Result<Loaded> {
    let uuid = |s: &str| s.trim().parse::<Uuid>().context("bad uuid from psql");
    let contest = uuid(&psql(
        url,
        &format!("SELECT id FROM contests WHERE title = '{CONTEST_TITLE}'"),
    )?)?;
    let round = uuid(&psql(
        url,
        &format!("SELECT id FROM rounds WHERE contest_id = '{contest}'"),
    )?)?;
    let list =
        |sql: &str| -> anyhow::Result<Vec<Uuid>> { psql(url, sql)?.lines().map(uuid).collect() };
    let orgs = list("SELECT id FROM units WHERE code LIKE 'BT-%' AND depth = 1 ORDER BY code")?;
    let branches = list("SELECT id FROM units WHERE code LIKE 'BT-%' AND depth = 2 ORDER BY code")?;
    let members = psql(
        url,
        &format!(
            "SELECT count(*) FROM attempts WHERE round_id = '{round}' AND status = 'finished'"
        ),
    )?
    .parse()?;
    Ok(Loaded {
        contest,
        round,
        orgs,
        branches,
        members,
    })
}

pub(crate) fn member_phone(i: u64) -> String {
    format!("09{:08}", 10_000_000 + i)
}

/// Creates the database, migrates it and bulk-loads the round. Returns the load's timings.
pub(crate) fn prepare(
    args: &Args,
    api: &Path,
    db_url: &str,
) -> anyhow::Result<Vec<(String, Duration)>> {
    let mut timings = Vec::new();
    let admin_url = format!("{}/postgres", args.postgres);
    psql(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", args.db),
    )?;
    psql(&admin_url, &format!("CREATE DATABASE \"{}\"", args.db))?;
    let env = vec![("DATABASE_URL".to_owned(), db_url.to_owned())];
    let (_, took) = run_api(api, &env, &["migrate"])?;
    timings.push(("api migrate".to_owned(), took));

    let mut rng = rand::rng();
    let now = Utc::now();
    let created = now - chrono::Duration::days(30);
    let opens = now - chrono::Duration::days(6);
    let closes = now + chrono::Duration::days(1);

    // Units: root → orgs → branches.
    let started = Instant::now();
    let root = Uuid::now_v7();
    let root_path = format!("/{root}/");
    let mut branches: Vec<Uuid> = Vec::new();
    let mut unit_rows = vec![format!(
        "{root},,Đoàn Khối Thử tải,doan khoi thu tai,BT,,,{root_path},0,{c},{c}\n",
        c = ts(created)
    )];
    for o in 1..=args.orgs {
        let org = Uuid::now_v7();
        let org_path = format!("{root_path}{org}/");
        let name = format!("Đoàn cơ sở Thử tải {o:02}");
        unit_rows.push(format!(
            "{org},{root},{name},{},BT-{o:02},,,{org_path},1,{c},{c}\n",
            fold(&name),
            c = ts(created)
        ));
        for b in 1..=args.branches {
            let branch = Uuid::now_v7();
            let name = format!("Chi đoàn {b:03} – Thử tải {o:02}");
            let members = rng.random_range(400..=800);
            unit_rows.push(format!(
                "{branch},{org},{name},{},BT-{o:02}-{b:03},{members},{},{org_path}{branch}/,2,{c},{c}\n",
                fold(&name),
                created.format("%Y-%m-%d"),
                c = ts(created)
            ));
            branches.push(branch);
        }
    }
    copy_in(
        db_url,
        "SET client_min_messages = warning",
        "units (id, parent_id, name, name_folded, code, member_count, member_count_date, path, depth, created_at, updated_at)",
        |w| {
            for row in &unit_rows {
                w.write_all(row.as_bytes())?;
            }
            Ok(unit_rows.len() as u64)
        },
    )?;
    timings.push((format!("{} units", unit_rows.len()), started.elapsed()));

    // Members.
    let started = Instant::now();
    let hash = argon2::password_hash::PasswordHasher::hash_password(
        &argon2::Argon2::default(),
        MEMBER_PASSWORD.as_bytes(),
    )
    .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
    .to_string();
    let n = u64::from(args.results);
    let mut people: Vec<(Uuid, Uuid)> = Vec::with_capacity(n as usize);
    copy_in(
        db_url,
        "SET client_min_messages = warning",
        "users (id, phone, password_hash, full_name, full_name_folded, birth_date, unit_id, consent_at, password_changed_at, created_at, updated_at)",
        |w| {
            let c = ts(created);
            for i in 0..n {
                let id = Uuid::now_v7();
                let unit = branches[rng.random_range(0..branches.len())];
                let name = format!(
                    "{} {} {}",
                    FAMILY[rng.random_range(0..FAMILY.len())],
                    MIDDLE[rng.random_range(0..MIDDLE.len())],
                    GIVEN[rng.random_range(0..GIVEN.len())]
                );
                writeln!(
                    w,
                    "{id},{},\"{hash}\",{name},{},{}-{:02}-{:02},{unit},{c},{c},{c},{c}",
                    member_phone(i),
                    fold(&name),
                    rng.random_range(1990..=2007),
                    rng.random_range(1..=12),
                    rng.random_range(1..=28),
                )?;
                people.push((id, unit));
            }
            Ok(n)
        },
    )?;
    timings.push((format!("{n} users"), started.elapsed()));

    // The contest and its open round.
    let contest = Uuid::now_v7();
    let round = Uuid::now_v7();
    psql(
        db_url,
        &format!(
            "INSERT INTO contests (id, unit_id, title, description, rules, kind, eligible_unit_id, \
             excluded_unit_ids, excluded_roles, leaderboard_visibility, tie_break, perfect_only, \
             pass_mark, created_by, created_at, updated_at) VALUES ('{contest}', '{root}', \
             '{CONTEST_TITLE}', 'Dữ liệu thử tải', 'Thể lệ thử tải', 'contest', NULL, '[]', '[]', \
             'public', '[\"score\",\"prediction\",\"time_used\",\"finished_at\"]', false, NULL, \
             NULL, '{c}', '{c}'); \
             INSERT INTO rounds (id, contest_id, name, opens_at, closes_at, questions_per_attempt, \
             time_limit_seconds, attempts_allowed, shuffle_questions, shuffle_options, pool, \
             prediction, points_per_question, review, practice, first_started_at, \
             close_extensions, created_at, updated_at) VALUES ('{round}', '{contest}', 'Tuần 1', \
             '{o}', '{e}', 30, 900, 1, true, true, '{{\"question_ids\": []}}', NULL, 10, \
             'score_only', false, '{o}', '[]', '{c}', '{c}')",
            c = ts(created),
            o = ts(opens),
            e = ts(closes),
        ),
    )?;

    // One finished attempt per member.
    let started = Instant::now();
    let window_ms = (now - chrono::Duration::minutes(1) - opens).num_milliseconds();
    copy_in(
        db_url,
        "SET session_replication_role = replica",
        "attempts (id, round_id, contest_id, user_id, seq, seed, questions, started_at, deadline, grace_ms, status, finished_at, score, max_score, correct_count, time_used_ms, practice, unit_id)",
        |w| {
            for (user, unit) in &people {
                // 30 questions at p = 0.6: a binomial spread with many ties on each score.
                let correct = (0..30).filter(|_| rng.random_bool(0.6)).count() as i64;
                let used_ms: i64 = rng.random_range(60_000..=900_000);
                let finished =
                    opens + chrono::Duration::milliseconds(rng.random_range(used_ms..window_ms));
                let started = finished - chrono::Duration::milliseconds(used_ms);
                writeln!(
                    w,
                    "{},{round},{contest},{user},1,{},[],{},{},5000,finished,{},{},300,{correct},{used_ms},false,{unit}",
                    Uuid::now_v7(),
                    rng.random::<i64>(),
                    ts(started),
                    ts(started + chrono::Duration::seconds(900)),
                    ts(finished),
                    correct * 10,
                )?;
            }
            Ok(people.len() as u64)
        },
    )?;
    timings.push((format!("{n} attempts"), started.elapsed()));
    let started = Instant::now();
    psql(db_url, "VACUUM ANALYZE")?;
    timings.push(("VACUUM ANALYZE".to_owned(), started.elapsed()));
    Ok(timings)
}

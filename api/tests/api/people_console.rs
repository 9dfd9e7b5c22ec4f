//! The console's people and units (#14): one-time password reset codes (issued in scope only,
//! single use, short-lived, bounded guessing, every session ended), the people search and a
//! person's pages never crossing into another branch, role grants within scope and in the
//! audit log, `PATCH /me` checked like registration, and the imports' row-by-row previews in
//! Vietnamese.

use chrono::{Duration, Utc};
use dautri_api::domain::ids::UserId;
use dautri_api::domain::role::Role;
use dautri_api::persistence;
use dautri_api::persistence::entities::audit_log;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, pointers};

both_backends!(
    a_reset_code_is_issued_in_scope_only_used_once_and_ends_every_session,
    a_reset_code_expires_and_guessing_is_bounded,
    a_reset_code_is_never_issued_over_a_higher_role_or_for_oneself,
    roles_are_granted_within_scope_and_recorded,
    a_role_over_an_unknown_unit_is_refused_even_for_an_admin,
    a_branch_manager_never_sees_another_branch_s_people,
    patch_me_is_checked_like_registration,
    the_imports_preview_row_by_row_in_vietnamese,
    a_password_change_cancels_a_live_reset_code,
    a_role_given_or_taken_shows_on_the_boards_at_once,
);

/// Who may see a board is decided from a copy of each person's grants kept in memory (read
/// again every few seconds): a role given or taken here is seen by the very next read.
async fn a_role_given_or_taken_shows_on_the_boards_at_once(app: &TestApp) {
    let t = tree(app, "RB").await;
    let organizer = app.with_roles(t.a, &[(Role::Organizer, Some(t.a))]).await;
    let r = app
        .post(
            "/api/v1/contests",
            Some(&organizer.access),
            &json!({"title": "Bảng xếp hạng cho ban tổ chức", "unit_id": t.a.into_uuid(),
                    "leaderboard_visibility": "organizers"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let contest: Value = r.json().await.expect("json");
    let board = format!(
        "/api/v1/contests/{}/leaderboard",
        contest["id"].as_str().expect("id")
    );
    let roles = format!("/api/v1/users/{}/roles", t.member.id.into_uuid());
    let set_roles = |roles_body: Value| {
        let roles = roles.clone();
        let admin = t.admin_a.access.clone();
        async move { app.put(&roles, Some(&admin), &roles_body).await }
    };
    // Read twice before the change: the second read is served from memory.
    for _ in 0..2 {
        assert_problem(
            app.get(&board, Some(&t.member.access)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let given =
        set_roles(json!({"roles": [{"role": "organizer", "unit_id": t.a.into_uuid()}]})).await;
    assert_eq!(given.status(), StatusCode::OK);
    assert_eq!(
        app.get(&board, Some(&t.member.access)).await.status(),
        StatusCode::OK,
        "the new organizer sees the board"
    );
    let taken = set_roles(json!({"roles": []})).await;
    assert_eq!(taken.status(), StatusCode::OK);
    assert_problem(
        app.get(&board, Some(&t.member.access)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

/// A code issued before the member changed their password themselves no longer works: whoever
/// holds it could otherwise replace the new password.
async fn a_password_change_cancels_a_live_reset_code(app: &TestApp) {
    let t = tree(app, "RC4").await;
    let issued: Value = issue(app, &t.admin_a.access, t.member.id)
        .await
        .json()
        .await
        .expect("json");
    let code = issued["code"].as_str().expect("code").to_owned();
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&t.member.access),
            &json!({"current_password": PASSWORD, "new_password": "Mat-khau-rieng-77"}),
        )
        .await;
    assert!(r.status().is_success(), "change: {}", r.status());
    let r = reset(app, &t.member.phone, &code, "Mat-khau-ke-gian-55").await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // The member's own password still signs in.
    app.login(&t.member.phone, "Mat-khau-rieng-77").await;
}

/// A root with two branches, each with its own unit admin, and a member in branch A.
struct Tree {
    root: dautri_api::domain::ids::UnitId,
    a: dautri_api::domain::ids::UnitId,
    b: dautri_api::domain::ids::UnitId,
    admin_a: TestUser,
    admin_b: TestUser,
    member: TestUser,
}

async fn tree(app: &TestApp, tag: &str) -> Tree {
    let root = app.unit(&format!("{tag}-R"), None).await;
    let a = app.unit(&format!("{tag}-A"), Some(root)).await;
    let b = app.unit(&format!("{tag}-B"), Some(root)).await;
    let admin_a = app.with_roles(a, &[(Role::UnitAdmin, Some(a))]).await;
    let admin_b = app.with_roles(b, &[(Role::UnitAdmin, Some(b))]).await;
    let member = app.member(a).await;
    Tree {
        root,
        a,
        b,
        admin_a,
        admin_b,
        member,
    }
}

async fn issue(app: &TestApp, token: &str, target: UserId) -> reqwest::Response {
    app.post(
        &format!("/api/v1/users/{}/reset-code", target.into_uuid()),
        Some(token),
        &json!({}),
    )
    .await
}

async fn reset(app: &TestApp, phone: &str, code: &str, password: &str) -> reqwest::Response {
    app.post(
        "/api/v1/auth/password-reset",
        None,
        &json!({"phone": phone, "code": code, "new_password": password}),
    )
    .await
}

async fn audit_rows(app: &TestApp, action: &str, subject: UserId) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::SubjectId.eq(subject.into_uuid()))
        .all(&app.state.db)
        .await
        .expect("audit rows")
}

/// A code that differs from `code` in its last character.
fn wrong(code: &str) -> String {
    let last = code.chars().last().expect("code");
    let other = if last == 'A' { 'B' } else { 'A' };
    format!("{}{other}", &code[..code.len() - 1])
}

async fn a_reset_code_is_issued_in_scope_only_used_once_and_ends_every_session(app: &TestApp) {
    let t = tree(app, "RC1").await;
    // Another branch's admin: as if the member did not exist. A plain member: no such role.
    assert_problem(
        issue(app, &t.admin_b.access, t.member.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let other = app.member(t.a).await;
    assert_problem(
        issue(app, &other.access, t.member.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert!(
        audit_rows(app, "user.reset_code", t.member.id)
            .await
            .is_empty()
    );

    let second_session = app.login(&t.member.phone, PASSWORD).await["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    let r = issue(app, &t.admin_a.access, t.member.id).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.expect("json");
    let code = body["code"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 9, "ABCD-EFGH: {code}");
    assert_eq!(body["ttl_minutes"], 30);

    // Recorded, without the code; stored only hashed.
    let rows = audit_rows(app, "user.reset_code", t.member.id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_id, Some(t.admin_a.id));
    assert!(!rows[0].detail.to_string().contains(&code.replace('-', "")));
    let stored = persistence::reset_codes::live(&app.state.db, t.member.id, Utc::now(), 5)
        .await
        .expect("live")
        .expect("a live code");
    assert_ne!(stored.code_hash, code.replace('-', ""));
    assert_eq!(stored.code_hash.len(), 64);

    // The profile says a code is live, never what it is.
    let profile: Value = app
        .get(
            &format!("/api/v1/users/{}/profile", t.member.id.into_uuid()),
            Some(&t.admin_a.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(profile["can_issue_reset_code"], true);
    assert!(profile["reset_code"]["expires_at"].is_string());
    assert!(!profile.to_string().contains(&code));

    // A weak new password is refused without spending the code.
    let r = reset(app, &t.member.phone, &code, "123").await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/new_password"]);

    // Lower case and without the dash works too.
    let typed = code.replace('-', "").to_lowercase();
    let r = reset(app, &t.member.phone, &typed, "Mat-khau-moi-99").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // Every session ended at once.
    for token in [&t.member.access, &second_session] {
        assert_problem(
            app.get("/api/v1/me", Some(token)).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": t.member.refresh}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The new password signs in, the old one not.
    app.login(&t.member.phone, "Mat-khau-moi-99").await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": t.member.phone, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Single use.
    let r = reset(app, &t.member.phone, &code, "Mat-khau-khac-77").await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/code"]);
    assert!(p["errors"][0]["detail_vi"].as_str().is_some());
    let used = audit_rows(app, "user.password_reset", t.member.id).await;
    assert_eq!(used.len(), 1, "the use is recorded once");
}

async fn a_reset_code_expires_and_guessing_is_bounded(app: &TestApp) {
    let t = tree(app, "RC2").await;
    let code = |r: Value| r["code"].as_str().expect("code").to_owned();

    // Expired: refused.
    let first = code(
        issue(app, &t.admin_a.access, t.member.id)
            .await
            .json()
            .await
            .expect("json"),
    );
    let stored = persistence::reset_codes::live(&app.state.db, t.member.id, Utc::now(), 5)
        .await
        .expect("live")
        .expect("code");
    persistence::reset_codes::set_expiry(
        &app.state.db,
        stored.id,
        Utc::now() - Duration::minutes(1),
    )
    .await
    .expect("expire");
    let r = reset(app, &t.member.phone, &first, "Mat-khau-moi-99").await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await; // failure 1

    // A new code dies after five wrong tries, even for the right code afterwards.
    let second = code(
        issue(app, &t.admin_a.access, t.member.id)
            .await
            .json()
            .await
            .expect("json"),
    );
    for _ in 0..5 {
        let r = reset(app, &t.member.phone, &wrong(&second), "Mat-khau-moi-99").await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    } // failures 2–6
    let r = reset(app, &t.member.phone, &second, "Mat-khau-moi-99").await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await; // 7
    app.login(&t.member.phone, PASSWORD).await;

    // A third code is refused on the 11th wrong try of the window for this phone: 429.
    let third = code(
        issue(app, &t.admin_a.access, t.member.id)
            .await
            .json()
            .await
            .expect("json"),
    );
    for _ in 0..3 {
        let r = reset(app, &t.member.phone, &wrong(&third), "Mat-khau-moi-99").await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    } // 8–10
    let r = reset(app, &t.member.phone, &third, "Mat-khau-moi-99").await;
    assert_problem(r, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    // An unknown phone reads like a wrong code.
    let r = reset(app, "0399999999", &third, "Mat-khau-moi-99").await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/code"]);
    // Issuing a new code revokes the earlier one.
    let fourth = code(
        issue(app, &t.admin_a.access, t.member.id)
            .await
            .json()
            .await
            .expect("json"),
    );
    assert_ne!(fourth, third);
}

async fn a_reset_code_is_never_issued_over_a_higher_role_or_for_oneself(app: &TestApp) {
    let t = tree(app, "RC3").await;
    // The root's admin is a member of branch A: A's admin may not take over that account.
    let officer = app
        .with_roles(t.a, &[(Role::UnitAdmin, Some(t.root))])
        .await;
    assert_problem(
        issue(app, &t.admin_a.access, officer.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        issue(app, &t.admin_a.access, t.admin_a.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The officer above may reset A's admin.
    let r = issue(app, &officer.access, t.admin_a.id).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let profile: Value = app
        .get(
            &format!("/api/v1/users/{}/profile", officer.id.into_uuid()),
            Some(&t.admin_a.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(profile["can_issue_reset_code"], false);
    assert_eq!(profile["roles"][0]["manageable"], false);
    // An organizer (not a unit admin) cannot issue codes.
    let organizer = app.with_roles(t.a, &[(Role::Organizer, Some(t.a))]).await;
    assert_problem(
        issue(app, &organizer.access, t.member.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

async fn roles_are_granted_within_scope_and_recorded(app: &TestApp) {
    let t = tree(app, "RG").await;
    let path = format!("/api/v1/users/{}/roles", t.member.id.into_uuid());
    // Over another branch: refused, nothing written.
    let r = app
        .put(
            &path,
            Some(&t.admin_a.access),
            &json!({"roles": [{"role": "organizer", "unit_id": t.b.into_uuid()}]}),
        )
        .await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/roles/0"]);
    // Another branch's admin: not found.
    let r = app
        .put(
            &path,
            Some(&t.admin_b.access),
            &json!({"roles": [{"role": "organizer", "unit_id": t.b.into_uuid()}]}),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    assert!(audit_rows(app, "user.roles", t.member.id).await.is_empty());

    let r = app
        .put(
            &path,
            Some(&t.admin_a.access),
            &json!({"roles": [{"role": "organizer", "unit_id": t.a.into_uuid()}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = audit_rows(app, "user.roles", t.member.id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_id, Some(t.admin_a.id));
    assert_eq!(rows[0].detail["roles"][0]["role"], "organizer");

    // The profile lists it as one A's admin may revoke, and A (with the root out of scope) as
    // where roles may be granted.
    let profile: Value = app
        .get(
            &format!("/api/v1/users/{}/profile", t.member.id.into_uuid()),
            Some(&t.admin_a.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(profile["roles"][0]["role"], "organizer");
    assert_eq!(profile["roles"][0]["manageable"], true);
    let grantable: Vec<&str> = profile["grantable_units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["code"].as_str().expect("code"))
        .collect();
    assert_eq!(grantable, vec!["RG-A"]);
    // The unit's managers show the new organizer.
    let managers: Value = app
        .get(
            &format!("/api/v1/units/{}/managers", t.a.into_uuid()),
            Some(&t.admin_a.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(
        managers
            .as_array()
            .expect("managers")
            .iter()
            .any(|m| m["user_id"] == json!(t.member.id.into_uuid()) && m["role"] == "organizer")
    );
    // Revoked: recorded too.
    let r = app
        .put(&path, Some(&t.admin_a.access), &json!({"roles": []}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(audit_rows(app, "user.roles", t.member.id).await.len(), 2);
}

async fn a_role_over_an_unknown_unit_is_refused_even_for_an_admin(app: &TestApp) {
    let t = tree(app, "RU").await;
    let admin = app.with_roles(t.a, &[(Role::Admin, None)]).await;
    let r = app
        .put(
            &format!("/api/v1/users/{}/roles", t.member.id.into_uuid()),
            Some(&admin.access),
            &json!({"roles": [{"role": "organizer", "unit_id": uuid::Uuid::new_v4()}]}),
        )
        .await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/roles/0/unit_id"]);
    assert!(audit_rows(app, "user.roles", t.member.id).await.is_empty());
}

async fn a_branch_manager_never_sees_another_branch_s_people(app: &TestApp) {
    let t = tree(app, "PS").await;
    let in_b = app.member(t.b).await;
    let search = |token: String, q: String| async move {
        let r = app
            .client
            .get(app.url("/api/v1/users"))
            .query(&[("q", q.as_str())])
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.expect("json")
    };
    // By phone digits (any part) and by name without diacritics: own branch only.
    let found = search(t.admin_a.access.clone(), t.member.phone[3..].to_owned()).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], json!(t.member.id.into_uuid()));
    let found = search(t.admin_a.access.clone(), in_b.phone.clone()).await;
    assert_eq!(found["total"], 0, "B's member found from A: {found}");
    let found = search(t.admin_a.access.clone(), "nguyen van thu".into()).await;
    let ids: Vec<&Value> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| &i["id"])
        .collect();
    assert!(ids.contains(&&json!(t.member.id.into_uuid())));
    assert!(!ids.contains(&&json!(in_b.id.into_uuid())));
    assert!(!ids.contains(&&json!(t.admin_b.id.into_uuid())));

    for path in ["profile", "attempts", "theory"] {
        let r = app
            .get(
                &format!("/api/v1/users/{}/{path}", in_b.id.into_uuid()),
                Some(&t.admin_a.access),
            )
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    }
    let r = app
        .get(
            &format!("/api/v1/units/{}/members", t.b.into_uuid()),
            Some(&t.admin_a.access),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app
        .get(
            &format!("/api/v1/units/{}/managers", t.b.into_uuid()),
            Some(&t.admin_a.access),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app
        .client
        .get(app.url("/api/v1/users"))
        .query(&[("unit_id", t.b.into_uuid().to_string())])
        .bearer_auth(&t.admin_a.access)
        .send()
        .await
        .expect("request");
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    // A member has no search at all.
    let r = app.get("/api/v1/users", Some(&t.member.access)).await;
    assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    // Members of A's unit page are searchable by phone too.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/units/{}/members", t.a.into_uuid())))
        .query(&[("q", &t.member.phone[..])])
        .bearer_auth(&t.admin_a.access)
        .send()
        .await
        .expect("request");
    let members: Value = r.json().await.expect("json");
    assert_eq!(members["total"], 1);
    // A's own profile pages work: attempts (none yet).
    let r = app
        .get(
            &format!("/api/v1/users/{}/attempts", t.member.id.into_uuid()),
            Some(&t.admin_a.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let _ = t.root;
}

async fn patch_me_is_checked_like_registration(app: &TestApp) {
    let t = tree(app, "PM").await;
    let me = &t.member;
    let cases = [
        (json!({"full_name": "X"}), "/full_name"),
        (json!({"birth_date": "2099-01-01"}), "/birth_date"),
        (json!({"birth_date": "02/09/2001"}), "/birth_date"),
        (json!({"birth_date": "2024-01-01"}), "/birth_date"),
    ];
    for (body, pointer) in cases {
        let r = app.patch("/api/v1/me", Some(&me.access), &body).await;
        let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(pointers(&p), vec![pointer], "{body}");
    }
    let r = app
        .patch(
            "/api/v1/me",
            Some(&me.access),
            &json!({"phone": "0912345678"}),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // The birth date must stay before the admission date on record.
    persistence::theory::set_admitted_at(
        &app.state.db,
        me.id,
        chrono::NaiveDate::from_ymd_opt(2019, 3, 26).expect("date"),
    )
    .await
    .expect("admitted");
    let r = app
        .patch(
            "/api/v1/me",
            Some(&me.access),
            &json!({"birth_date": "2020-01-01"}),
        )
        .await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/birth_date"]);
    // Nothing was half-written.
    let body: Value = app
        .get("/api/v1/me", Some(&me.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["full_name"], "Nguyễn Văn Thử");
    assert_eq!(body["birth_date"], "2001-09-02");

    let r = app
        .patch(
            "/api/v1/me",
            Some(&me.access),
            &json!({"full_name": "  Trần Thị Hồng Nhung ", "birth_date": "2002-10-20"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["full_name"], "Trần Thị Hồng Nhung");
    assert_eq!(body["birth_date"], "2002-10-20");
    // The new name is searchable without diacritics.
    let r = app
        .client
        .get(app.url("/api/v1/users"))
        .query(&[("q", "hong nhung")])
        .bearer_auth(&t.admin_a.access)
        .send()
        .await
        .expect("request");
    let found: Value = r.json().await.expect("json");
    assert_eq!(found["total"], 1);
}

async fn upload(app: &TestApp, path: &str, token: &str, csv: &str) -> reqwest::Response {
    let form = Form::new().part(
        "file",
        Part::bytes(csv.as_bytes().to_vec()).file_name("nhap.csv"),
    );
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

async fn the_imports_preview_row_by_row_in_vietnamese(app: &TestApp) {
    let t = tree(app, "IM").await;
    // Units: a bad row, then the fixed file's preview names each parent.
    let bad =
        "ma,ten,ma_cap_tren,so_doan_vien\nIM-A1,Chi đoàn 1,IM-A,30\nIM-A2,Chi đoàn 2,IM-B,abc\n";
    let r = upload(
        app,
        "/api/v1/units/import?dry_run=true",
        &t.admin_a.access,
        bad,
    )
    .await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        pointers(&p),
        vec!["/rows/3/member_count", "/rows/3/parent_code"]
    );
    for e in p["errors"].as_array().expect("errors") {
        assert!(
            e["detail_vi"].as_str().is_some_and(|s| !s.is_empty()),
            "{e}"
        );
    }
    let good = "ma,ten,ma_cap_tren,so_doan_vien,ngay_so_lieu\nIM-A2,Chi đoàn 2,IM-A1,25,01/12/2026\nIM-A1,Chi đoàn 1,IM-A,30,\n";
    let r = upload(
        app,
        "/api/v1/units/import?dry_run=true",
        &t.admin_a.access,
        good,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview: Value = r.json().await.expect("json");
    assert_eq!(preview["imported"], 0);
    assert_eq!(preview["rows"][0]["row"], 2);
    assert_eq!(preview["rows"][0]["parent_code"], "IM-A1");
    assert_eq!(preview["rows"][0]["parent_in_file"], true);
    assert_eq!(preview["rows"][0]["parent_name"], "Chi đoàn 1");
    assert_eq!(preview["rows"][0]["member_count_date"], "2026-12-01");
    assert_eq!(preview["rows"][1]["parent_name"], "Đơn vị IM-A");
    // Nothing was written by the dry runs.
    assert!(
        persistence::units::find_by_codes(&app.state.db, &["IM-A1".to_owned()])
            .await
            .expect("units")
            .is_empty()
    );

    // Admission dates: a bad row in Vietnamese; the preview shows name, unit, before and after.
    let bad = format!(
        "so_dien_thoai,ngay_ket_nap\n{},26/03/2024\n0399999999,26/03/2024\n",
        t.member.phone
    );
    let r = upload(
        app,
        "/api/v1/users/admission/import?dry_run=true",
        &t.admin_a.access,
        &bad,
    )
    .await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/rows/3/phone"]);
    assert!(
        p["errors"][0]["detail_vi"]
            .as_str()
            .is_some_and(|s| s.contains("phạm vi quản lý"))
    );
    let good = format!(
        "so_dien_thoai,ngay_ket_nap\n{},26/03/2024\n",
        t.member.phone
    );
    let r = upload(
        app,
        "/api/v1/users/admission/import?dry_run=true",
        &t.admin_a.access,
        &good,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview: Value = r.json().await.expect("json");
    assert_eq!(preview["rows"][0]["full_name"], "Nguyễn Văn Thử");
    assert_eq!(preview["rows"][0]["unit_name"], "Đơn vị IM-A");
    assert_eq!(preview["rows"][0]["current"], Value::Null);
    assert_eq!(preview["rows"][0]["admitted_at"], "2024-03-26");
}

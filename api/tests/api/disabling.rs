//! Disabling accounts (issue #11): a disabled account's tokens are refused on the next request,
//! its refresh tokens and its sign-in too, until a manager enables it; who may do it; and the
//! last enabled system admin can be neither disabled nor stripped of the role, even by two
//! requests racing.

use dautri_api::domain::ids::UserId;
use dautri_api::domain::role::Role;
use dautri_api::persistence;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem};

both_backends!(
    a_disabled_account_is_refused_on_the_next_request_until_enabled,
    who_may_disable_whom,
    the_reason_is_required_and_bounded,
    the_last_enabled_admin_keeps_the_role,
    two_admins_removing_their_own_role_at_once_leave_one,
    two_admins_disabling_each_other_at_once_leave_one,
);

async fn disable(app: &TestApp, by: &TestUser, target: UserId, reason: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/users/{}/disable", target.into_uuid()),
        Some(&by.access),
        &json!({ "reason": reason }),
    )
    .await
}

async fn enable(app: &TestApp, by: &TestUser, target: UserId) -> reqwest::Response {
    app.post(
        &format!("/api/v1/users/{}/enable", target.into_uuid()),
        Some(&by.access),
        &json!({}),
    )
    .await
}

async fn set_roles(
    app: &TestApp,
    by: &TestUser,
    target: UserId,
    roles: Value,
) -> reqwest::Response {
    app.put(
        &format!("/api/v1/users/{}/roles", target.into_uuid()),
        Some(&by.access),
        &json!({ "roles": roles }),
    )
    .await
}

async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn enabled_admins(app: &TestApp) -> u64 {
    persistence::roles::enabled_admins(&app.state.db)
        .await
        .expect("count")
}

async fn a_disabled_account_is_refused_on_the_next_request_until_enabled(app: &TestApp) {
    let unit = app.unit("D-1", None).await;
    let manager = app.with_roles(unit, &[(Role::UnitAdmin, Some(unit))]).await;
    let member = app.member(unit).await;
    assert_eq!(
        app.get("/api/v1/me", Some(&member.access)).await.status(),
        StatusCode::OK
    );

    let done = ok_json(disable(app, &manager, member.id, "  Thi hộ người khác  ").await).await;
    assert_eq!(done["disabled"]["reason"], "Thi hộ người khác", "trimmed");
    assert_eq!(done["disabled"]["by"], manager.id.into_uuid().to_string());

    // The access token it still holds, its refresh token, and a new sign-in.
    assert_problem(
        app.get("/api/v1/me", Some(&member.access)).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": member.refresh}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": member.phone, "password": PASSWORD}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;
    // A wrong password still says only that the credentials are wrong.
    assert_problem(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": member.phone, "password": "Sai-mat-khau-1"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;

    // Managers see it: the person page and the search.
    let profile = ok_json(
        app.get(
            &format!("/api/v1/users/{}/profile", member.id.into_uuid()),
            Some(&manager.access),
        )
        .await,
    )
    .await;
    assert_eq!(profile["disabled"]["reason"], "Thi hộ người khác");
    assert_eq!(profile["can_disable"], true);
    let found = ok_json(
        app.get(
            &format!("/api/v1/users?q={}", member.phone),
            Some(&manager.access),
        )
        .await,
    )
    .await;
    assert_eq!(found["items"][0]["disabled"]["reason"], "Thi hộ người khác");
    // Disabling again changes nothing.
    let again = ok_json(disable(app, &manager, member.id, "Lần hai").await).await;
    assert_eq!(again["disabled"]["reason"], "Thi hộ người khác");

    let done = ok_json(enable(app, &manager, member.id).await).await;
    assert!(done["disabled"].is_null());
    // The sessions it had stay ended; a new sign-in works.
    assert_problem(
        app.get("/api/v1/me", Some(&member.access)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let tokens = app.login(&member.phone, PASSWORD).await;
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(
        app.get("/api/v1/me", Some(access)).await.status(),
        StatusCode::OK
    );

    // Both are in the audit log, about the member's unit.
    let log = ok_json(
        app.get("/api/v1/audit?action=user", Some(&manager.access))
            .await,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["subject_id"] == member.id.into_uuid().to_string())
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"user.disable"), "{actions:?}");
    assert!(actions.contains(&"user.enable"), "{actions:?}");
}

async fn who_may_disable_whom(app: &TestApp) {
    let a = app.unit("D-A", None).await;
    let a1 = app.unit("D-A1", Some(a)).await;
    let b = app.unit("D-B", None).await;
    let member_a1 = app.member(a1).await;
    let member_b = app.member(b).await;
    let peer = app.member(a).await;
    let admin_in_a = app.with_roles(a, &[(Role::Admin, None)]).await;
    let unit_admin_a = app.with_roles(a, &[(Role::UnitAdmin, Some(a))]).await;
    let organizer_a = app.with_roles(a, &[(Role::Organizer, Some(a))]).await;
    let admin = app.with_roles(b, &[(Role::Admin, None)]).await;
    let reason = "Kiểm tra quyền";

    for (who, target, status, code) in [
        (&peer, member_a1.id, StatusCode::FORBIDDEN, "forbidden"),
        (
            &organizer_a,
            member_a1.id,
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &unit_admin_a,
            member_b.id,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &unit_admin_a,
            admin_in_a.id,
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
    ] {
        assert_problem(disable(app, who, target, reason).await, status, code).await;
        assert_problem(enable(app, who, target).await, status, code).await;
    }
    // Oneself: refused naming the field, for a unit admin and a system admin alike.
    for who in [&unit_admin_a, &admin] {
        let body = assert_problem(
            disable(app, who, who.id, reason).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["pointer"], "/id", "{body}");
    }
    // A unit admin over the subtree, and a system admin anywhere.
    ok_json(disable(app, &unit_admin_a, member_a1.id, reason).await).await;
    ok_json(enable(app, &unit_admin_a, member_a1.id).await).await;
    ok_json(disable(app, &admin, member_b.id, reason).await).await;
    ok_json(disable(app, &admin, unit_admin_a.id, reason).await).await;
    // A disabled unit admin manages nothing any more.
    assert_problem(
        disable(app, &unit_admin_a, member_a1.id, reason).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;
    // A system admin may disable another system admin.
    ok_json(disable(app, &admin, admin_in_a.id, reason).await).await;
    let profile = ok_json(
        app.get(
            &format!("/api/v1/users/{}/profile", admin.id.into_uuid()),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    assert_eq!(profile["can_disable"], false, "not oneself");
}

async fn the_reason_is_required_and_bounded(app: &TestApp) {
    let unit = app.unit("D-R", None).await;
    let manager = app.with_roles(unit, &[(Role::UnitAdmin, Some(unit))]).await;
    let member = app.member(unit).await;
    for reason in ["", "   \n ", &"x".repeat(501)] {
        let body = assert_problem(
            disable(app, &manager, member.id, reason).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["pointer"], "/reason", "{body}");
    }
    assert_problem(
        app.post(
            &format!("/api/v1/users/{}/disable", member.id.into_uuid()),
            Some(&manager.access),
            &json!({}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Nothing was written by the refusals.
    assert_eq!(
        app.get("/api/v1/me", Some(&member.access)).await.status(),
        StatusCode::OK
    );
    let long = "đ".repeat(500);
    let done = ok_json(disable(app, &manager, member.id, &long).await).await;
    assert_eq!(done["disabled"]["reason"], long.as_str());
}

async fn the_last_enabled_admin_keeps_the_role(app: &TestApp) {
    let unit = app.unit("D-L", None).await;
    let only = app.with_roles(unit, &[(Role::Admin, None)]).await;
    // The test's database may hold other admins from nowhere else: this one is alone.
    assert_eq!(enabled_admins(app).await, 1);
    assert_problem(
        set_roles(app, &only, only.id, json!([])).await,
        StatusCode::CONFLICT,
        "last_admin",
    )
    .await;
    // Swapping admin for unit admin is still a removal.
    assert_problem(
        set_roles(
            app,
            &only,
            only.id,
            json!([{"role": "unit_admin", "unit_id": unit.into_uuid()}]),
        )
        .await,
        StatusCode::CONFLICT,
        "last_admin",
    )
    .await;

    // A second admin who is disabled does not count.
    let second = app.with_roles(unit, &[(Role::Admin, None)]).await;
    ok_json(disable(app, &only, second.id, "Nghỉ công tác").await).await;
    assert_problem(
        set_roles(app, &only, only.id, json!([])).await,
        StatusCode::CONFLICT,
        "last_admin",
    )
    .await;
    // Removing the role of the disabled one is fine.
    ok_json(set_roles(app, &only, second.id, json!([])).await).await;
    // Once there is another enabled admin, one may step down.
    let third = app.with_roles(unit, &[(Role::Admin, None)]).await;
    ok_json(set_roles(app, &only, only.id, json!([])).await).await;
    assert_eq!(enabled_admins(app).await, 1);
    // The last one left cannot be stripped by themselves either.
    assert_problem(
        set_roles(app, &third, third.id, json!([])).await,
        StatusCode::CONFLICT,
        "last_admin",
    )
    .await;
    assert_eq!(enabled_admins(app).await, 1);
}

/// Fires `a` and `b` together; returns their statuses and codes.
async fn race(
    a: impl Future<Output = reqwest::Response>,
    b: impl Future<Output = reqwest::Response>,
) -> Vec<(StatusCode, String)> {
    let (a, b) = tokio::join!(a, b);
    let mut out = Vec::new();
    for r in [a, b] {
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        out.push((status, body["code"].as_str().unwrap_or("").to_owned()));
    }
    out
}

async fn two_admins_removing_their_own_role_at_once_leave_one(app: &TestApp) {
    let unit = app.unit("D-X", None).await;
    for round in 0..4 {
        let x = app.with_roles(unit, &[(Role::Admin, None)]).await;
        let y = app.with_roles(unit, &[(Role::Admin, None)]).await;
        assert_eq!(enabled_admins(app).await, 2, "round {round}");
        let answers = race(
            set_roles(app, &x, x.id, json!([])),
            set_roles(app, &y, y.id, json!([])),
        )
        .await;
        let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert_eq!(ok, 1, "round {round}: exactly one succeeds: {answers:?}");
        assert!(
            answers
                .iter()
                .any(|(s, c)| *s == StatusCode::CONFLICT && c == "last_admin"),
            "round {round}: the other is told why: {answers:?}"
        );
        assert_eq!(enabled_admins(app).await, 1, "round {round}");
        // Clear the survivor for the next round, directly.
        for who in [x.id, y.id] {
            persistence::roles::replace(&app.state.db, who, &[])
                .await
                .expect("clear");
        }
    }
}

async fn two_admins_disabling_each_other_at_once_leave_one(app: &TestApp) {
    let unit = app.unit("D-Y", None).await;
    for round in 0..4 {
        let x = app.with_roles(unit, &[(Role::Admin, None)]).await;
        let y = app.with_roles(unit, &[(Role::Admin, None)]).await;
        assert_eq!(enabled_admins(app).await, 2, "round {round}");
        let answers = race(
            disable(app, &x, y.id, "Tranh chấp"),
            disable(app, &y, x.id, "Tranh chấp"),
        )
        .await;
        let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert_eq!(ok, 1, "round {round}: exactly one succeeds: {answers:?}");
        // The other either reached the guard, or was already refused at the door: as a
        // disabled account, or, once the disabling has also ended its sessions, as a session
        // that no longer exists.
        assert!(
            answers
                .iter()
                .any(|(s, c)| (*s == StatusCode::CONFLICT && c == "last_admin")
                    || (*s == StatusCode::FORBIDDEN && c == "account_disabled")
                    || (*s == StatusCode::UNAUTHORIZED && c == "unauthorized")),
            "round {round}: {answers:?}"
        );
        assert_eq!(enabled_admins(app).await, 1, "round {round}");
        for who in [x.id, y.id] {
            persistence::roles::replace(&app.state.db, who, &[])
                .await
                .expect("clear");
        }
    }
}

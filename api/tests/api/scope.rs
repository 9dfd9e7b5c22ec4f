//! Authorization by unit scope: an organizer or unit admin of A sees nothing of B.

use dautri_api::domain::ids::UserId;
use dautri_api::domain::role::Role;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, assert_problem, pointers};

both_backends!(
    an_organizer_of_a_gets_404_on_b_people,
    a_unit_admin_of_a_gets_404_when_editing_b,
    a_member_without_roles_is_forbidden_from_management,
    people_lists_cover_exactly_the_subtree,
    a_unit_admin_grants_roles_within_scope_only,
    an_admin_grants_anything_and_grants_outside_a_callers_scope_survive,
    people_asked_at_once_are_each_judged_as_themselves,
);

async fn an_organizer_of_a_gets_404_on_b_people(app: &TestApp) {
    let a = app.unit("A", None).await;
    let b = app.unit("B", None).await;
    let organizer_a = app.with_roles(a, &[(Role::Organizer, Some(a))]).await;
    let member_b = app.member(b).await;
    let member_a = app.member(a).await;
    assert_problem(
        app.get(
            &format!("/api/v1/units/{b}/members"),
            Some(&organizer_a.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/users/{}", member_b.id),
            Some(&organizer_a.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        app.get(
            &format!("/api/v1/users/{}", member_a.id),
            Some(&organizer_a.access)
        )
        .await
        .status(),
        StatusCode::OK
    );
    // Out of scope and nonexistent look the same.
    assert_problem(
        app.get(
            &format!("/api/v1/users/{}", uuid::Uuid::now_v7()),
            Some(&organizer_a.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn a_unit_admin_of_a_gets_404_when_editing_b(app: &TestApp) {
    let a = app.unit("A", None).await;
    let b = app.unit("B", None).await;
    let admin_a = app.with_roles(a, &[(Role::UnitAdmin, Some(a))]).await;
    assert_problem(
        app.patch(
            &format!("/api/v1/units/{b}"),
            Some(&admin_a.access),
            &json!({"name": "Chiếm quyền"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Nor can A pull B under itself, or push itself under B.
    let a_child = app.unit("A-1", Some(a)).await;
    let response = app
        .patch(
            &format!("/api/v1/units/{a_child}"),
            Some(&admin_a.access),
            &json!({"parent_id": b.into_uuid()}),
        )
        .await;
    assert_eq!(
        pointers(
            &assert_problem(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        vec!["/parent_id"]
    );
    let unchanged: Value = app
        .get(&format!("/api/v1/units/{b}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unchanged["name"], "Đơn vị B");
}

async fn a_member_without_roles_is_forbidden_from_management(app: &TestApp) {
    let a = app.unit("A", None).await;
    let member = app.member(a).await;
    assert_problem(
        app.get(&format!("/api/v1/units/{a}/members"), Some(&member.access))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/units/{a}"),
            Some(&member.access),
            &json!({"name": "Tự đổi"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.put(
            &format!("/api/v1/users/{}/roles", member.id),
            Some(&member.access),
            &json!({"roles": [{"role": "admin"}]}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Their own account is theirs to read.
    assert_eq!(
        app.get(
            &format!("/api/v1/users/{}", member.id),
            Some(&member.access)
        )
        .await
        .status(),
        StatusCode::OK
    );
}

async fn people_lists_cover_exactly_the_subtree(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let a = app.unit("A", Some(root)).await;
    let a1 = app.unit("A-1", Some(a)).await;
    let b = app.unit("B", Some(root)).await;
    let in_a = app.member(a).await;
    let in_a1 = app.member(a1).await;
    let in_b = app.member(b).await;
    let organizer_a = app.with_roles(a, &[(Role::Organizer, Some(a))]).await;
    let list: Value = app
        .get(
            &format!("/api/v1/units/{a}/members"),
            Some(&organizer_a.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let mut ids: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    let mut expected = vec![
        in_a.id.to_string(),
        in_a1.id.to_string(),
        organizer_a.id.to_string(),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(list["total"], 3);
    assert!(!ids.contains(&in_b.id.to_string()));
    assert_eq!(list["items"][0]["display_name"], "Nguyễn V. T.");
}

async fn a_unit_admin_grants_roles_within_scope_only(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let a = app.unit("A", Some(root)).await;
    let b = app.unit("B", Some(root)).await;
    let admin_a = app.with_roles(a, &[(Role::UnitAdmin, Some(a))]).await;
    let member_a = app.member(a).await;
    let member_b = app.member(b).await;
    let url = format!("/api/v1/users/{}/roles", member_a.id);
    let response = app
        .put(
            &url,
            Some(&admin_a.access),
            &json!({"roles": [{"role": "organizer", "unit_id": a.into_uuid()}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["roles"],
        json!([{"role": "organizer", "unit_id": a.into_uuid()}])
    );
    let me: Value = app
        .get("/api/v1/me", Some(&member_a.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        me["roles"],
        json!([{"role": "organizer", "unit_id": a.into_uuid()}]),
        "takes effect at once, no new token needed"
    );
    for (roles, why) in [
        (json!([{"role": "admin"}]), "admin"),
        (
            json!([{"role": "organizer", "unit_id": b.into_uuid()}]),
            "unit outside scope",
        ),
        (json!([{"role": "organizer"}]), "organizer without unit"),
    ] {
        let problem = assert_problem(
            app.put(&url, Some(&admin_a.access), &json!({"roles": roles}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec!["/roles/0"], "{why}");
    }
    assert_problem(
        app.put(
            &format!("/api/v1/users/{}/roles", member_b.id),
            Some(&admin_a.access),
            &json!({"roles": []}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn an_admin_grants_anything_and_grants_outside_a_callers_scope_survive(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let a = app.unit("A", Some(root)).await;
    let b = app.unit("B", Some(root)).await;
    let admin = app.with_roles(root, &[(Role::Admin, None)]).await;
    let person = app.member(a).await;
    let url = format!("/api/v1/users/{}/roles", person.id);
    let response = app.put(&url, Some(&admin.access), &json!({"roles": [{"role": "organizer", "unit_id": b.into_uuid()}, {"role": "unit_admin", "unit_id": a.into_uuid()}]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A unit admin of A clears the roles they manage; the grant over B is not theirs to touch.
    let admin_a = app.with_roles(a, &[(Role::UnitAdmin, Some(a))]).await;
    let response = app
        .put(&url, Some(&admin_a.access), &json!({"roles": []}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["roles"],
        json!([{"role": "organizer", "unit_id": b.into_uuid()}])
    );
}

/// Who a caller is, when nobody holds them, is read with the others asked at about the same
/// moment (`caches::coalesce`): asked all at once, each is still judged as themselves. The
/// board is for the contest's organizers: its organizers read it, its members get 404; and an
/// id without an account, read in the same statement as the others, is left out.
async fn people_asked_at_once_are_each_judged_as_themselves(app: &TestApp) {
    let s = crate::attempts::setup(app, 1, crate::attempts::round(1, None, -60, 3600)).await;
    crate::attempts::boards_for_organizers_only(app, &s).await;
    let mut callers = Vec::new();
    for i in 0..12 {
        let organizer = i % 4 == 0;
        let user = if organizer {
            app.with_roles(s.unit, &[(Role::Organizer, Some(s.unit))])
                .await
        } else {
            app.member(s.unit).await
        };
        callers.push((user, organizer));
    }
    let board = app.url(&format!("/api/v1/rounds/{}/leaderboard", s.round_id));
    let answers = join_all(callers.iter().map(|(user, _)| {
        app.client
            .get(board.clone())
            .bearer_auth(&user.access)
            .send()
    }))
    .await;
    for ((user, organizer), answer) in callers.iter().zip(answers) {
        let status = answer.expect("board").status();
        let want = if *organizer {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, want, "organizer: {organizer}, {}", user.id);
    }
    // Read together with the others, an id without an account is left out, not mixed up.
    let ids: Vec<UserId> = callers
        .iter()
        .map(|(user, _)| user.id)
        .chain([UserId::new()])
        .collect();
    let people = dautri_api::persistence::roles::units_and_grants(&app.state.db, &ids)
        .await
        .expect("read together");
    assert_eq!(people.len(), callers.len());
    for (user, organizer) in &callers {
        let (unit, grants) = &people[&user.id];
        assert_eq!(*unit, s.unit);
        assert_eq!(grants.len(), usize::from(*organizer), "{grants:?}");
    }
}

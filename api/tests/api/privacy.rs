//! A person's own personal data (Law 91/2025/QH15): consent with its version, a copy of
//! everything held about them, and erasure that keeps results anonymised.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::faults::{open_round, start};
use crate::helpers::{PASSWORD, TestApp, assert_problem, pointers};

both_backends!(
    a_member_downloads_everything_held_about_them,
    consent_is_recorded_with_the_version_in_force,
    erasure_anonymises_the_account_and_keeps_its_results,
    ended_sessions_are_deleted_after_the_retention_period,
);

async fn a_member_downloads_everything_held_about_them(app: &TestApp) {
    let (round, member) = open_round(app).await;
    let attempt: Value = start(app, &round, &member.access)
        .await
        .json()
        .await
        .expect("json");
    let r = app.get("/api/v1/me/data", Some(&member.access)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"du-lieu-ca-nhan-")
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    let data: Value = r.json().await.expect("json");
    assert_eq!(data["account"]["phone"], member.phone.as_str());
    assert_eq!(data["account"]["consent_version"], "2026-01");
    assert_eq!(data["attempts"][0]["id"], attempt["id"]);
    assert!(!data["sessions"].as_array().expect("sessions").is_empty());
    // Nobody else's data: another member's copy does not hold this attempt.
    let other = app.member(app.unit("P-OTHER", None).await).await;
    let theirs: Value = app
        .get("/api/v1/me/data", Some(&other.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(theirs["attempts"], json!([]));
    assert_problem(
        app.get("/api/v1/me/data", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

async fn consent_is_recorded_with_the_version_in_force(app: &TestApp) {
    let member = app.member(app.unit("P-1", None).await).await;
    let problem = assert_problem(
        app.post(
            "/api/v1/me/consent",
            Some(&member.access),
            &json!({"version": "2019-01"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/version"]);
    let before = dautri_api::persistence::users::get(&app.state.db, member.id)
        .await
        .expect("user")
        .consent_at;
    let r = app
        .post(
            "/api/v1/me/consent",
            Some(&member.access),
            &json!({"version": "2026-01"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let user = dautri_api::persistence::users::get(&app.state.db, member.id)
        .await
        .expect("user");
    assert_eq!(user.consent_version, "2026-01");
    assert!(user.consent_at >= before);
}

async fn erasure_anonymises_the_account_and_keeps_its_results(app: &TestApp) {
    let (round, member) = open_round(app).await;
    let attempt: Value = start(app, &round, &member.access)
        .await
        .json()
        .await
        .expect("json");
    let id = attempt["id"].as_str().expect("id");
    let finished = app
        .post(
            &format!("/api/v1/attempts/{id}/finish"),
            Some(&member.access),
            &json!({}),
        )
        .await;
    assert_eq!(finished.status(), StatusCode::OK);
    // The password is asked again.
    assert_problem(
        app.post(
            "/api/v1/me/erase",
            Some(&member.access),
            &json!({"password": "sai-mat-khau-1"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let r = app
        .post(
            "/api/v1/me/erase",
            Some(&member.access),
            &json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Signed out everywhere, and the phone signs in no more.
    assert_eq!(
        app.get("/api/v1/me", Some(&member.access)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"phone": member.phone, "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    // The row holds nothing personal; the result stays.
    let user = dautri_api::persistence::users::get(&app.state.db, member.id)
        .await
        .expect("the row stays");
    assert_eq!(user.full_name, "Người dùng đã xoá");
    assert!(user.phone.starts_with("erased-"));
    assert!(user.birth_date.is_none() && user.citizen_id.is_none() && user.email.is_none());
    assert!(user.erased_at.is_some());
    let kept = dautri_api::persistence::attempts::get(&app.state.db, id.parse().expect("uuid"))
        .await
        .expect("the attempt stays");
    assert!(kept.finished);
    // The phone is free for a new account.
    let again = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .json(&crate::helpers::registration(&member.phone, user.unit_id))
        .send()
        .await
        .expect("request");
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "{}",
        again.text().await.unwrap_or_default()
    );
}

async fn ended_sessions_are_deleted_after_the_retention_period(app: &TestApp) {
    let member = app.member(app.unit("P-R", None).await).await;
    let sessions = || async {
        dautri_api::persistence::tokens::of_user(&app.state.db, member.id)
            .await
            .expect("sessions")
            .len()
    };
    assert!(sessions().await > 0);
    let now = chrono::Utc::now();
    // Refresh tokens live 30 days; retention is 90 days after that.
    for (days, left) in [(0, true), (100, true), (130, false)] {
        dautri_api::app::privacy::purge_sessions(&app.state, now + chrono::Duration::days(days))
            .await
            .expect("purge");
        assert_eq!(sessions().await > 0, left, "after {days} days");
    }
}

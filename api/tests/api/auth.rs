//! Registration, sign-in, token rotation and reuse, logout, password change.

use chrono::Utc;
use jsonwebtoken::{EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp, assert_problem, pointers, random_phone, registration};

both_backends!(
    registration_creates_an_account_and_normalises_the_phone,
    registration_rejects_each_bad_field_by_name,
    registration_reports_every_bad_field_at_once,
    a_phone_registers_once_whatever_its_spelling,
    a_citizen_id_registers_once,
    login_returns_a_bearer_token_pair,
    wrong_password_and_unknown_phone_answer_alike,
    failed_logins_are_limited_per_phone,
    refresh_rotates_and_the_old_token_stops_working,
    an_expired_refresh_token_is_refused_and_left_as_it_was,
    reusing_a_rotated_refresh_token_revokes_the_session,
    a_refresh_whose_answer_was_lost_is_retried_without_signing_out,
    logout_revokes_the_session_refresh_token,
    expired_tampered_and_foreign_tokens_are_refused,
    changing_the_password_revokes_every_session,
);

async fn registration_creates_an_account_and_normalises_the_phone(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let phone = random_phone();
    let spaced = format!("+84 {} {} {}", &phone[1..4], &phone[4..7], &phone[7..]);
    let mut body = registration(&spaced, unit);
    body["citizen_id"] = json!("001201012345");
    body["email"] = json!("an@example.vn");
    // Born 2001-09-02: admitted at 16 (a younger admission is refused, see member_experience).
    body["admitted_at"] = json!("2018-03-26");
    let response = app.post("/api/v1/auth/register", None, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("json");
    assert_eq!(created["phone"], phone);
    assert_eq!(created["unit_id"], unit.into_uuid().to_string());
    assert_eq!(created["admitted_at"], "2018-03-26");
    assert_eq!(created["roles"], json!([]));
    assert!(created.get("password").is_none() && created.get("password_hash").is_none());
    let tokens = app.login(&phone, PASSWORD).await;
    let me: Value = app
        .get("/api/v1/me", tokens["access_token"].as_str())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["id"], created["id"]);
    assert_eq!(me["full_name"], "Nguyễn Văn Thử");
    assert_eq!(me["unit"]["code"], "U-1");
}

async fn registration_rejects_each_bad_field_by_name(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("phone", json!("12345"), "too short"),
        ("phone", json!("0212345678"), "landline prefix"),
        ("password", json!("short1"), "too short"),
        ("password", json!("onlyletters"), "no digit"),
        ("password", json!("12345678"), "common"),
        ("full_name", json!("X"), "too short"),
        ("full_name", json!("Nguyen 2"), "digit in a name"),
        ("birth_date", json!("02/09/2001"), "wrong format"),
        ("birth_date", json!("2999-01-01"), "future"),
        ("unit_id", json!(uuid::Uuid::now_v7()), "unknown unit"),
        ("unit_id", json!("not-a-uuid"), "not a uuid"),
        ("citizen_id", json!("12345"), "not 12 digits"),
        ("email", json!("not-an-email"), "bad email"),
        ("admitted_at", json!("1990-01-01"), "before birth"),
        ("consent", json!(false), "no consent"),
    ];
    for (field, value, why) in cases {
        let mut body = registration(&random_phone(), unit);
        body[field] = value;
        let response = app.post("/api/v1/auth/register", None, &body).await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            pointers(&problem),
            vec![format!("/{field}")],
            "case {field} ({why}): {problem}"
        );
    }
    for missing in [
        "phone",
        "password",
        "full_name",
        "birth_date",
        "unit_id",
        "consent",
    ] {
        let mut body = registration(&random_phone(), unit);
        body.as_object_mut().expect("object").remove(missing);
        let problem = assert_problem(
            app.post("/api/v1/auth/register", None, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            pointers(&problem),
            vec![format!("/{missing}")],
            "missing {missing}"
        );
    }
}

async fn registration_reports_every_bad_field_at_once(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let mut body = registration("123", unit);
    body["password"] = json!("x");
    body["consent"] = json!(false);
    let problem = assert_problem(
        app.post("/api/v1/auth/register", None, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/consent", "/password", "/phone"]);
}

async fn a_phone_registers_once_whatever_its_spelling(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let phone = random_phone();
    assert_eq!(
        app.post("/api/v1/auth/register", None, &registration(&phone, unit))
            .await
            .status(),
        StatusCode::CREATED
    );
    // Answered like a success so the form tells nobody who is a member (see
    // `sign_in_storm`), but no second account: the newcomer's password does not sign in.
    let again = format!("84{}", &phone[1..]);
    let mut body = registration(&again, unit);
    body["password"] = json!("Another-pass-2");
    assert_eq!(
        app.post("/api/v1/auth/register", None, &body)
            .await
            .status(),
        StatusCode::CREATED
    );
    let rejected = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": phone, "password": "Another-pass-2"}),
        )
        .await;
    assert_problem(rejected, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    app.login(&phone, PASSWORD).await;
}

async fn a_citizen_id_registers_once(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let mut first = registration(&random_phone(), unit);
    first["citizen_id"] = json!("079201000001");
    assert_eq!(
        app.post("/api/v1/auth/register", None, &first)
            .await
            .status(),
        StatusCode::CREATED
    );
    let second_phone = random_phone();
    let mut second = registration(&second_phone, unit);
    second["citizen_id"] = json!("079 201 000 001");
    assert_eq!(
        app.post("/api/v1/auth/register", None, &second)
            .await
            .status(),
        StatusCode::CREATED
    );
    let rejected = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": second_phone, "password": PASSWORD}),
        )
        .await;
    assert_problem(rejected, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

async fn login_returns_a_bearer_token_pair(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let tokens = app
        .login(&format!("+84{}", &user.phone[1..]), PASSWORD)
        .await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 40)
    );
    assert_eq!(
        app.get("/api/v1/me", tokens["access_token"].as_str())
            .await
            .status(),
        StatusCode::OK
    );
}

async fn wrong_password_and_unknown_phone_answer_alike(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let wrong = assert_problem(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": user.phone, "password": "Wrong-pass-1"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_problem(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": random_phone(), "password": "Wrong-pass-1"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong["detail"], unknown["detail"]);
}

async fn failed_logins_are_limited_per_phone(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    for _ in 0..5 {
        let response = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"phone": user.phone, "password": "Wrong-pass-1"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked now, even with the right password, and it says for how long.
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": user.phone, "password": PASSWORD}),
        )
        .await;
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    assert!(
        (1..=900).contains(&retry_after),
        "retry-after {retry_after}"
    );
    // Another phone from the same address is not locked.
    let other = app.member(unit).await;
    app.login(&other.phone, PASSWORD).await;
}

async fn refresh_rotates_and_the_old_token_stops_working(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": user.refresh}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let fresh: Value = response.json().await.expect("json");
    assert_ne!(fresh["refresh_token"], json!(user.refresh));
    assert_eq!(
        app.get("/api/v1/me", fresh["access_token"].as_str())
            .await
            .status(),
        StatusCode::OK
    );
    let next = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": fresh["refresh_token"]}),
        )
        .await;
    assert_eq!(next.status(), StatusCode::OK);
    // The session has moved on: the first token no longer works, whoever presents it.
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": user.refresh}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": "made-up"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

/// A refresh as a given browser sends it (the server keeps the browser with each token).
async fn refresh_as(app: &TestApp, browser: &str, token: &Value) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/auth/refresh", app.address))
        .header("user-agent", browser)
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .expect("refresh")
}

/// A refresh token past its expiry is refused, and nothing is written: the refresh that
/// rotates a live token without reading it first must not take an expired one for live.
async fn an_expired_refresh_token_is_refused_and_left_as_it_was(app: &TestApp) {
    use dautri_api::persistence::entities::refresh_tokens::{Column, Entity};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    // Its 30 days are over (set in the database: nobody waits a month in a test).
    let expired = Utc::now() - chrono::Duration::seconds(1);
    Entity::update_many()
        .col_expr(Column::ExpiresAt, Expr::value(expired))
        .filter(Column::UserId.eq(user.id))
        .exec(&app.state.db)
        .await
        .expect("expire");
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": user.refresh}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    let tokens = Entity::find()
        .filter(Column::UserId.eq(user.id))
        .all(&app.state.db)
        .await
        .expect("tokens");
    assert_eq!(tokens.len(), 1, "no successor was stored");
    assert!(tokens[0].rotated_at.is_none(), "the token was not rotated");
    assert!(tokens[0].revoked_at.is_none(), "nor revoked");
}

async fn reusing_a_rotated_refresh_token_revokes_the_session(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let other_session = app.login(&user.phone, PASSWORD).await;
    let fresh: Value = refresh_as(app, "phone", &json!(user.refresh))
        .await
        .json()
        .await
        .expect("json");
    // A thief replays the old token from another browser, moments later: refused, and the
    // legitimate new one dies with it.
    assert_problem(
        refresh_as(app, "thief", &json!(user.refresh)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_problem(
        refresh_as(app, "phone", &fresh["refresh_token"]).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    // Another login session of the same person is untouched.
    let response = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": other_session["refresh_token"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn logout_revokes_the_session_refresh_token(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    assert_problem(
        app.post("/api/v1/auth/logout", None, &json!({})).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&user.access)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": user.refresh}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

async fn expired_tampered_and_foreign_tokens_are_refused(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let now = Utc::now().timestamp();
    let sign = |claims: Value, secret: &[u8]| {
        jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .expect("sign")
    };
    let claims = |exp: i64, aud: &str| json!({"sub": user.id.into_uuid(), "sid": uuid::Uuid::now_v7(), "iat": now - 10, "nbf": now - 10, "exp": exp, "iss": "dautri", "aud": aud});
    // The harness's own signature is accepted, so the refusals below are about the claims.
    assert_eq!(
        app.get(
            "/api/v1/me",
            Some(&sign(claims(now + 60, "dautri:access"), &app.jwt_secret))
        )
        .await
        .status(),
        StatusCode::OK
    );
    let expired = sign(claims(now - 60, "dautri:access"), &app.jwt_secret);
    assert_problem(
        app.get("/api/v1/me", Some(&expired)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let wrong_audience = sign(claims(now + 60, "dautri:other"), &app.jwt_secret);
    assert_problem(
        app.get("/api/v1/me", Some(&wrong_audience)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let foreign = sign(
        claims(now + 60, "dautri:access"),
        b"another-secret-another-secret-another",
    );
    assert_problem(
        app.get("/api/v1/me", Some(&foreign)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // Flip one character of the payload of a genuine token.
    let mut parts: Vec<String> = user.access.split('.').map(str::to_owned).collect();
    let flipped: String = parts[1]
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 5 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    parts[1] = flipped;
    assert_problem(
        app.get("/api/v1/me", Some(&parts.join("."))).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // "alg: none" is never accepted.
    let none = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        user.access.split('.').nth(1).unwrap_or("")
    );
    assert_problem(
        app.get("/api/v1/me", Some(&none)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

async fn changing_the_password_revokes_every_session(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let second = app.login(&user.phone, PASSWORD).await;
    let wrong = app
        .post(
            "/api/v1/me/password",
            Some(&user.access),
            &json!({"current_password": "Not-it-123", "new_password": "Moi-mat-khau-9"}),
        )
        .await;
    assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let weak = app
        .post(
            "/api/v1/me/password",
            Some(&user.access),
            &json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        pointers(
            &assert_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await
        ),
        vec!["/new_password"]
    );
    let ok = app
        .post(
            "/api/v1/me/password",
            Some(&user.access),
            &json!({"current_password": PASSWORD, "new_password": "Moi-mat-khau-9"}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    for refresh in [json!(user.refresh), second["refresh_token"].clone()] {
        assert_problem(
            app.post(
                "/api/v1/auth/refresh",
                None,
                &json!({"refresh_token": refresh}),
            )
            .await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
    }
    assert_problem(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": user.phone, "password": PASSWORD}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    app.login(&user.phone, "Moi-mat-khau-9").await;
}

/// The refresh that rotated a token committed but its answer never reached the phone (the
/// network dropped, or the instance died first): the phone's retry with the token it still
/// holds gets a new pair of the same session, not a sign-out. Only from the same browser,
/// and only while the session has not moved on.
async fn a_refresh_whose_answer_was_lost_is_retried_without_signing_out(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let old = json!(user.refresh);
    // The answer to this one is lost.
    let lost = refresh_as(app, "phone", &old).await;
    assert_eq!(lost.status(), StatusCode::OK);
    let lost: Value = lost.json().await.expect("json");
    // The retry: the same token, the same browser.
    let retried = refresh_as(app, "phone", &old).await;
    assert_eq!(retried.status(), StatusCode::OK);
    let retried: Value = retried.json().await.expect("json");
    assert_ne!(retried["refresh_token"], lost["refresh_token"]);
    assert_eq!(
        app.get("/api/v1/me", retried["access_token"].as_str())
            .await
            .status(),
        StatusCode::OK
    );
    // The session goes on with the retry's token ...
    let next = refresh_as(app, "phone", &retried["refresh_token"]).await;
    assert_eq!(next.status(), StatusCode::OK);
    let next: Value = next.json().await.expect("json");
    // ... and once it has, the old token presented again is a replay: the session ends.
    assert_problem(
        refresh_as(app, "phone", &old).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    assert_problem(
        refresh_as(app, "phone", &next["refresh_token"]).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

//! What ends a session takes effect on the next request, not when the access token expires:
//! a logout ends that session, a password change every session of the account; an emptied
//! scoring store gets its markers back from the database.

use dautri_api::scoring::Store;
use reqwest::StatusCode;
use serde_json::json;

use crate::attempts::{answer, round, setup, started};
use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem};

both_backends!(
    a_logout_ends_its_session_at_once_and_no_other,
    a_password_change_ends_every_session_at_once,
    an_emptied_store_still_refuses_ended_sessions,
    a_refresh_that_fails_half_way_leaves_its_token_usable,
    a_refresh_racing_a_disabling_is_refused_and_rotates_nothing,
    a_token_presented_many_times_at_once_has_one_winner,
    the_answer_path_refuses_what_ends_a_session_and_saves_nothing,
);

async fn me(app: &TestApp, access: &str) -> StatusCode {
    app.get("/api/v1/me", Some(access)).await.status()
}

async fn access_of(app: &TestApp, phone: &str, password: &str) -> String {
    app.login(phone, password).await["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

const NEW_PASSWORD: &str = "Mat-khau-moi-2025";

/// Changes the password of `access`'s account from [`PASSWORD`] to [`NEW_PASSWORD`].
async fn change_password(app: &TestApp, access: &str) {
    let r = app
        .post(
            "/api/v1/me/password",
            Some(access),
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

async fn logout(app: &TestApp, access: &str) {
    let r = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(access)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

async fn a_logout_ends_its_session_at_once_and_no_other(app: &TestApp) {
    let unit = app.unit("S-1", None).await;
    let user = app.member(unit).await;
    let phone_session = access_of(app, &user.phone, PASSWORD).await;
    assert_eq!(me(app, &user.access).await, StatusCode::OK);
    logout(app, &user.access).await;
    assert_problem(
        app.get("/api/v1/me", Some(&user.access)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // The same person's other session is untouched.
    assert_eq!(me(app, &phone_session).await, StatusCode::OK);
}

async fn a_password_change_ends_every_session_at_once(app: &TestApp) {
    let unit = app.unit("S-2", None).await;
    let user = app.member(unit).await;
    let laptop = access_of(app, &user.phone, PASSWORD).await;
    change_password(app, &user.access).await;
    assert_eq!(me(app, &user.access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(app, &laptop).await, StatusCode::UNAUTHORIZED);
    // A new sign-in with the new password works at once.
    let fresh = access_of(app, &user.phone, NEW_PASSWORD).await;
    assert_eq!(me(app, &fresh).await, StatusCode::OK);
}

/// Empties what the store holds for this test, its ready mark included, as a Redis restart
/// would (Redis keys under the test's prefix; the in-process store is replaced by an empty one
/// the way a restart would).
async fn empty_the_store(app: &TestApp) {
    match &app.state.store {
        Store::Redis(redis) => {
            let mut conn = redis.connection();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}:*", app.state.keys.prefix()))
                .query_async(&mut conn)
                .await
                .expect("keys");
            assert!(!keys.is_empty(), "the markers were in Redis");
            let _: () = redis::cmd("DEL")
                .arg(keys)
                .query_async(&mut conn)
                .await
                .expect("del");
        }
        Store::Memory(_) => {}
    }
}

async fn an_emptied_store_still_refuses_ended_sessions(app: &TestApp) {
    let unit = app.unit("S-3", None).await;
    let left = app.member(unit).await;
    logout(app, &left.access).await;
    let changed = app.member(unit).await;
    change_password(app, &changed.access).await;
    empty_the_store(app).await;
    let mut state = app.state.clone();
    // This instance has not looked at the store since it was emptied.
    state.store_ready = Default::default();
    if let Store::Memory(_) = state.store {
        // An in-process store after a restart: empty. Check against a fresh one.
        state.store = Store::Memory(dautri_api::scoring::MemoryStore::new());
    }
    // Emptied and not rebuilt yet: the markers are gone, and the database answers instead.
    for access in [&left.access, &changed.access] {
        let claims = state.jwt.verify(access).expect("valid signature");
        assert!(
            dautri_api::app::sessions::check(&state, &claims)
                .await
                .is_err(),
            "an emptied store is not trusted"
        );
        // Nor left to the answer's store call.
        assert!(
            dautri_api::app::sessions::check_with_store(&state, &claims)
                .await
                .is_err(),
            "an emptied store is not trusted with the answer's session check"
        );
    }
    let written = dautri_api::app::sessions::restore_markers(&state, chrono::Utc::now())
        .await
        .expect("restore");
    assert!(written >= 2, "{written}");
    for access in [&left.access, &changed.access] {
        let claims = state.jwt.verify(access).expect("valid signature");
        assert!(
            dautri_api::app::sessions::check(&state, &claims)
                .await
                .is_err()
        );
    }
    // Over HTTP, on the server's own store.
    assert_eq!(me(app, &left.access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(app, &changed.access).await, StatusCode::UNAUTHORIZED);
}

/// Makes the database refuse to store refresh tokens (as it does while it restarts), or store
/// them again.
async fn refuse_new_tokens(app: &TestApp, refuse: bool) {
    use sea_orm::ConnectionTrait as _;
    let sql: &[&str] = match (app.backend, refuse) {
        (crate::helpers::Backend::Services, true) => &[
            "CREATE FUNCTION refuse_token() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '57P01'; END $$",
            "CREATE TRIGGER refuse_token BEFORE INSERT ON refresh_tokens \
             FOR EACH ROW EXECUTE FUNCTION refuse_token()",
        ],
        (crate::helpers::Backend::Services, false) => &[
            "DROP TRIGGER refuse_token ON refresh_tokens",
            "DROP FUNCTION refuse_token()",
        ],
        (crate::helpers::Backend::Embedded, true) => &[
            "CREATE TRIGGER refuse_token BEFORE INSERT ON refresh_tokens \
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        (crate::helpers::Backend::Embedded, false) => &["DROP TRIGGER refuse_token"],
    };
    for statement in sql {
        app.state
            .db
            .execute_unprepared(statement)
            .await
            .expect(statement);
    }
}

/// Found by the fault suite (`loadtest/fault-day.sh postgres`): a refresh that failed after
/// rotating its token left the member's retry looking like a stolen token, which ended the
/// session. Now rotating and issuing commit together: the failed refresh changes nothing and
/// the retry works.
async fn a_refresh_that_fails_half_way_leaves_its_token_usable(app: &TestApp) {
    let unit = app.unit("REFRESH-FAULT", None).await;
    let member = app.member(unit).await;
    let refresh = member.refresh.as_str();
    refuse_new_tokens(app, true).await;
    let failed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh}),
        )
        .await;
    refuse_new_tokens(app, false).await;
    assert!(
        failed.status().is_server_error(),
        "a refresh whose token cannot be stored fails: {}",
        failed.status()
    );
    let retried = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(
        retried.status(),
        StatusCode::OK,
        "the retry of a failed refresh"
    );
    let body: serde_json::Value = retried.json().await.expect("tokens");
    let access = body["access_token"].as_str().expect("access token");
    assert_eq!(me(app, access).await, StatusCode::OK);
}

/// Sets or clears an account's `disabled_at` alone, as the database is between a disabling's
/// first write and its revoking of the sessions: the refresh must not slip between them.
async fn mark_disabled(app: &TestApp, user: &TestUser, disabled: bool) {
    use dautri_api::persistence::entities::users;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let at = disabled.then(chrono::Utc::now);
    users::Entity::update_many()
        .col_expr(users::Column::DisabledAt, Expr::value(at))
        .filter(users::Column::Id.eq(user.id))
        .exec(&app.state.db)
        .await
        .expect("disabled_at");
}

async fn a_refresh_racing_a_disabling_is_refused_and_rotates_nothing(app: &TestApp) {
    let unit = app.unit("REFRESH-DISABLED", None).await;
    let member = app.member(unit).await;
    let refresh = json!({"refresh_token": member.refresh});
    mark_disabled(app, &member, true).await;
    assert_problem(
        app.post("/api/v1/auth/refresh", None, &refresh).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;
    // Nothing was rotated: enabled again, the same token still refreshes, once.
    mark_disabled(app, &member, false).await;
    let again = app.post("/api/v1/auth/refresh", None, &refresh).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the token was left as it was"
    );
    let body: serde_json::Value = again.json().await.expect("tokens");
    let access = body["access_token"].as_str().expect("access token");
    assert_eq!(me(app, access).await, StatusCode::OK);
}

/// The same refresh token from eight browsers at once (a thief racing the phone): exactly one
/// rotation wins, and the rest, judged as a token presented again from elsewhere, end the
/// session, the winner's new token included.
async fn a_token_presented_many_times_at_once_has_one_winner(app: &TestApp) {
    let unit = app.unit("REFRESH-RACE", None).await;
    let member = app.member(unit).await;
    let presented = (0..8).map(|i| {
        app.client
            .post(format!("{}/api/v1/auth/refresh", app.address))
            .header("user-agent", format!("browser {i}"))
            .json(&json!({"refresh_token": member.refresh}))
            .send()
    });
    let mut winners = Vec::new();
    for answer in futures_util::future::join_all(presented).await {
        let answer = answer.expect("refresh");
        match answer.status() {
            StatusCode::OK => winners.push(answer.json::<serde_json::Value>().await.expect("json")),
            StatusCode::UNAUTHORIZED => {}
            other => panic!("a refresh answered {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "one rotation wins");
    assert_problem(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": winners[0]["refresh_token"]}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

/// The answer path checks the session inside its one store call (on one Redis server, in the
/// save script): it must refuse exactly what every other route refuses, before saving anything.
async fn the_answer_path_refuses_what_ends_a_session_and_saves_nothing(app: &TestApp) {
    let s = setup(app, 4, round(2, None, -60, 3600)).await;
    let manager = app
        .with_roles(
            s.unit,
            &[(dautri_api::domain::role::Role::UnitAdmin, Some(s.unit))],
        )
        .await;
    let (left, changed, disabled) = (
        app.member(s.unit).await,
        app.member(s.unit).await,
        app.member(s.unit).await,
    );
    // Each has an attempt with its first question answered.
    let mut attempts = Vec::new();
    for member in [&left, &changed, &disabled] {
        let attempt = started(app, &s, member).await;
        let r = answer_first_option(app, member, &attempt, 0).await;
        assert_eq!(r.status(), StatusCode::OK);
        attempts.push(attempt);
    }
    let phone_session = access_of(app, &left.phone, PASSWORD).await;
    logout(app, &left.access).await;
    change_password(app, &changed.access).await;
    let r = app
        .post(
            &format!("/api/v1/users/{}/disable", disabled.id.into_uuid()),
            Some(&manager.access),
            &json!({"reason": "Thi hộ người khác"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    for (member, attempt, status, code) in [
        (
            &left,
            &attempts[0],
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            &changed,
            &attempts[1],
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            &disabled,
            &attempts[2],
            StatusCode::FORBIDDEN,
            "account_disabled",
        ),
    ] {
        assert_problem(
            answer_first_option(app, member, attempt, 1).await,
            status,
            code,
        )
        .await;
    }
    // The sessions that stand answer, and see that the refused answers were never saved.
    let fresh = TestUser {
        access: access_of(app, &changed.phone, NEW_PASSWORD).await,
        ..changed.clone()
    };
    let phone = TestUser {
        access: phone_session,
        ..left.clone()
    };
    for (member, attempt) in [(&phone, &attempts[0]), (&fresh, &attempts[1])] {
        let id = attempt["id"].as_str().expect("id");
        let resumed: serde_json::Value = app
            .get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(
            resumed["answers"].as_object().map(|a| a.len()),
            Some(1),
            "only the answer given before the session ended: {resumed}"
        );
        let r = answer_first_option(app, member, attempt, 1).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
}

/// Answers the attempt's `index`th question with its first option.
async fn answer_first_option(
    app: &TestApp,
    member: &TestUser,
    attempt: &serde_json::Value,
    index: usize,
) -> reqwest::Response {
    let q = &attempt["questions"][index];
    let option = q["options"][0]["id"].as_str().expect("option").to_owned();
    answer(
        app,
        member,
        attempt["id"].as_str().expect("id"),
        q["id"].as_str().expect("id"),
        &[option],
    )
    .await
}

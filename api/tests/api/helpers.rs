//! Test harness: a real server on a random port, on a real database and scoring store.
//!
//! Every test runs twice (see [`both_backends!`]): on the embedded defaults (SQLite file in a
//! temporary data directory, in-process store) and on the services (a fresh PostgreSQL database
//! per test, Redis with a per-test key prefix). Everything a test made is removed afterwards.

use std::path::PathBuf;
use std::sync::LazyLock;

use dautri_api::config::Settings;
use dautri_api::domain::ids::{UnitId, UserId};
use dautri_api::domain::role::{Grant, Role};
use dautri_api::domain::unit::{UnitCode, UnitName};
use dautri_api::persistence;
use dautri_api::scoring::Store;
use dautri_api::startup::Application;
use dautri_api::state::AppState;
use dautri_api::telemetry;
use rand::Rng;
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use uuid::Uuid;

/// Logs stay silent unless `TEST_LOG=1`.
static TRACING: LazyLock<()> = LazyLock::new(|| {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if std::env::var("TEST_LOG").is_ok() {
        telemetry::init_subscriber(telemetry::get_subscriber(
            "debug",
            telemetry::LogFormat::for_stdout(false),
            std::io::stdout,
        ));
    } else {
        telemetry::init_subscriber(telemetry::get_subscriber(
            "error",
            telemetry::LogFormat::Text { ansi: false },
            std::io::sink,
        ));
    }
});

/// Where a test runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite + in-process store.
    Embedded,
    /// PostgreSQL + Redis.
    Services,
}

/// The password every test account gets.
pub const PASSWORD: &str = "Mat-khau-2024";

fn postgres_base() -> String {
    std::env::var("DAUTRI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn redis_url() -> String {
    std::env::var("DAUTRI_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A running server and handles on what is behind it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    pub jwt_secret: Vec<u8>,
    handle: actix_web::dev::ServerHandle,
    data_dir: PathBuf,
    database: Option<String>,
    /// The object store and key prefix of its pictures, when it keeps them in one.
    s3: Option<crate::s3::Objects>,
}

/// Starts a server on `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts a server on `backend` after `tweak` adjusts its settings.
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    LazyLock::force(&TRACING);
    let id = Uuid::new_v4().simple().to_string();
    let data_dir = std::env::temp_dir().join(format!("dautri-test-{id}"));
    let mut settings = Settings::defaults();
    settings.port = 0;
    settings.data_dir = data_dir.clone();
    settings.demo_on_first_run = false;
    settings.workers = Some(1);
    // The auto-finisher would race tests that drive the store directly; tests of automatic
    // finishing turn it back on.
    settings.auto_finish = false;
    settings.redis_key_prefix = format!("test:{id}");
    let mut database = None;
    let secret = format!("test-secret-{id}-0123456789abcdef");
    if backend == Backend::Services {
        let name = format!("test_{id}");
        let admin = Database::connect(format!("{}/postgres", postgres_base()))
            .await
            .expect("PostgreSQL must be running for the services tests");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        admin.close().await.ok();
        settings.database_url = Some(format!("{}/{name}", postgres_base()).into());
        settings.redis_url = Some(redis_url().into());
        settings.jwt_secret = Some(secret.clone().into());
        database = Some(name);
    }
    tweak(&mut settings);
    let s3 = crate::s3::Objects::of(&settings);
    let app = Application::build(settings)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let jwt_secret = match backend {
        Backend::Services => secret.into_bytes(),
        Backend::Embedded => std::fs::read_to_string(data_dir.join("jwt.secret"))
            .expect("generated secret")
            .trim()
            .as_bytes()
            .to_vec(),
    };
    // Idle connections are dropped before the server's 5-second keep-alive would close them:
    // otherwise a test that spends seconds building a large upload (busy machine) sends it on a
    // pooled connection the server is closing at that moment, and gets `IncompleteMessage`.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("client");
    TestApp {
        address,
        client,
        state,
        backend,
        jwt_secret,
        handle,
        data_dir,
        database,
        s3,
    }
}

impl TestApp {
    /// Stops the server and removes its database, keys and files.
    pub async fn cleanup(self) {
        self.handle.stop(false).await;
        let prefix = self.state.keys.prefix().to_owned();
        if let Store::Redis(redis) = &self.state.store {
            let mut conn = redis.connection();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{prefix}:*"))
                .query_async(&mut conn)
                .await
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
            }
        }
        self.state.db.clone().close().await.ok();
        if let Some(name) = self.database
            && let Ok(admin) = Database::connect(format!("{}/postgres", postgres_base())).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            admin.close().await.ok();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(s3) = &self.s3 {
            s3.delete_all().await;
        }
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// The object store holding this server's pictures, if it uses one.
    pub fn s3(&self) -> Option<&crate::s3::Objects> {
        self.s3.as_ref()
    }

    /// The services the app runs on (services backend only): its database URL and Redis URL, for
    /// a second server process on the same data.
    pub fn services(&self) -> Option<(String, String)> {
        self.database
            .as_ref()
            .map(|name| (format!("{}/{name}", postgres_base()), redis_url()))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(reqwest::Method::PATCH, path, token, body)
            .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(reqwest::Method::PUT, path, token, body)
            .await
    }

    /// Creates a unit directly (arrangement, not under test).
    pub async fn unit(&self, code: &str, parent: Option<UnitId>) -> UnitId {
        let parent = match parent {
            Some(id) => Some(
                persistence::units::get(&self.state.db, id)
                    .await
                    .expect("parent"),
            ),
            None => None,
        };
        let unit = persistence::units::insert(
            &self.state.db,
            persistence::units::NewUnit {
                id: UnitId::new(),
                parent,
                name: UnitName::parse(&format!("Đơn vị {code}")).expect("name"),
                code: UnitCode::parse(code).expect("code"),
                member_count: None,
            },
        )
        .await
        .expect("insert unit");
        unit.id
    }

    /// Registers a member of `unit` through the API and signs them in.
    pub async fn member(&self, unit: UnitId) -> TestUser {
        let phone = random_phone();
        let response = self
            .post("/api/v1/auth/register", None, &registration(&phone, unit))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "register: {}",
            response.text().await.unwrap_or_default()
        );
        let body: Value = response.json().await.expect("json");
        let id = UserId::from_uuid(body["id"].as_str().expect("id").parse().expect("uuid"));
        let tokens = self.login(&phone, PASSWORD).await;
        TestUser {
            id,
            phone,
            access: tokens["access_token"].as_str().expect("access").to_owned(),
            refresh: tokens["refresh_token"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        }
    }

    /// A member of `unit` holding `roles` over `over` (arranged directly in the database).
    pub async fn with_roles(&self, unit: UnitId, roles: &[(Role, Option<UnitId>)]) -> TestUser {
        let user = self.member(unit).await;
        let grants: Vec<Grant> = roles
            .iter()
            .map(|(role, unit_id)| Grant {
                role: *role,
                unit_id: *unit_id,
            })
            .collect();
        persistence::roles::add(&self.state.db, user.id, &grants)
            .await
            .expect("grant");
        user
    }

    /// Signs in and returns the token body, asserting success.
    pub async fn login(&self, phone: &str, password: &str) -> Value {
        let response = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"phone": phone, "password": password}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "login: {}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("json")
    }
}

/// A signed-in account.
#[derive(Clone)]
pub struct TestUser {
    pub id: UserId,
    pub phone: String,
    pub access: String,
    pub refresh: String,
}

/// A fresh, valid Vietnamese mobile number.
pub fn random_phone() -> String {
    let n: u32 = rand::rng().random_range(0..100_000_000);
    format!("09{n:08}")
}

/// A valid registration body.
pub fn registration(phone: &str, unit: UnitId) -> Value {
    json!({
        "phone": phone,
        "password": PASSWORD,
        "full_name": "Nguyễn Văn Thử",
        "birth_date": "2001-09-02",
        "unit_id": unit.into_uuid(),
        "consent": true,
    })
}

/// Asserts a problem response: status, content type and `code`; returns the body.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    let actual = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "status; body: {body}");
    assert_eq!(
        content_type, "application/problem+json",
        "content type; body: {body}"
    );
    assert_eq!(body["code"], code, "code; body: {body}");
    assert_eq!(
        body["status"],
        status.as_u16(),
        "status field; body: {body}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
        "problem fields; body: {body}"
    );
    body
}

/// The pointers of a validation problem's `errors`.
pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs each listed `async fn name(app: &TestApp)` once per backend, in modules `embedded` and
/// `services`, cleaning up even when the test fails.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $name() {
                    $crate::helpers::run_on($crate::helpers::Backend::Embedded, |app| Box::pin(super::$name(app))).await;
                }
            )*
        }
        mod services {
            $(
                #[tokio::test]
                async fn $name() {
                    $crate::helpers::run_on($crate::helpers::Backend::Services, |app| Box::pin(super::$name(app))).await;
                }
            )*
        }
    };
}

/// Spawns an app, runs `test` on it, cleans up, and re-raises a failure.
pub async fn run_on<F>(backend: Backend, test: F)
where
    F: for<'a> FnOnce(&'a TestApp) -> std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>,
{
    run_on_with(backend, |_| {}, test).await;
}

/// [`run_on`] after `tweak` adjusts the settings.
pub async fn run_on_with<F>(backend: Backend, tweak: impl FnOnce(&mut Settings), test: F)
where
    F: for<'a> FnOnce(&'a TestApp) -> std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>,
{
    use futures_util::FutureExt;
    let app = spawn_app_with(backend, tweak).await;
    let result = std::panic::AssertUnwindSafe(test(&app))
        .catch_unwind()
        .await;
    app.cleanup().await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Another server on the same database, scoring store, key prefix and secret as a test's app,
/// in a runtime of its own, so that [`Peer::kill`] ends it the way a killed process ends: its
/// background tasks stop wherever they are and its leases are left to expire.
pub struct Peer {
    pub address: String,
    kill: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Starts a [`Peer`] of `app` after `tweak` adjusts its settings (a copy of `app`'s).
pub async fn spawn_peer(app: &TestApp, tweak: impl FnOnce(&mut Settings)) -> Peer {
    let mut settings = (*app.state.settings).clone();
    settings.port = 0;
    tweak(&mut settings);
    let (address_tx, address_rx) = tokio::sync::oneshot::channel();
    let (kill_tx, kill_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("peer runtime");
        runtime.block_on(async move {
            let app = Application::build(settings).await.expect("peer builds");
            let handle = app.handle();
            let _ = address_tx.send(format!("http://127.0.0.1:{}", app.port()));
            tokio::spawn(app.run_until_stopped());
            let _ = kill_rx.await;
            handle.stop(false).await;
        });
        // Whatever the peer's tasks were doing is dropped here, mid-step.
        runtime.shutdown_background();
    });
    Peer {
        address: address_rx.await.expect("peer started"),
        kill: Some(kill_tx),
        thread: Some(thread),
    }
}

impl Peer {
    /// Ends the peer: its server stops and its background tasks are dropped mid-step, without
    /// giving anything back (as `kill -9` would).
    pub async fn kill(mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        if let Some(thread) = self.thread.take() {
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .expect("join")
                .expect("peer thread");
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
    }
}

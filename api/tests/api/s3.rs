//! Question pictures in an S3-compatible object store, against a real S3 server (s3s-fs: S3's
//! HTTP API over a directory, checking every request's SigV4 signature), never a mock.
//!
//! The server is the one `DAUTRI_TEST_S3_ENDPOINT`, `…_BUCKET`, `…_ACCESS_KEY_ID` and
//! `…_SECRET_ACCESS_KEY` name (`./scripts/test.sh` starts one with `scripts/throwaway.sh`);
//! otherwise this binary starts its own through the same script, so a bare `cargo test` works
//! too (the first time, that script builds s3s-fs from crates.io). Each test keeps its pictures
//! under its own key prefix and deletes them afterwards.
//!
//! The picture tests of `bank_console` run here again with the pictures in the bucket (see
//! [`s3_backends!`]); this file adds what only an object store has: the objects really are in
//! the bucket and not on disk, a store that goes down answers 503 with `Retry-After` (and the
//! rest of the API keeps working), and a configuration that cannot work stops startup saying
//! which setting to check.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;
use std::time::Duration;

use dautri_api::config::Settings;
use dautri_api::domain::role::Role;
use dautri_api::startup::Application;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::bank_console::{PNG, import_file, upload_image, zip_of};
use crate::helpers::{Backend, TestApp, assert_problem, run_on_with};

/// Where an S3 server is and how to sign in to it.
#[derive(Debug, Clone)]
pub struct S3Server {
    pub endpoint: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// A server started for this process through `scripts/throwaway.sh run --s3`, which keeps it
/// while its stdin is open and stops and removes it when that closes (also when this process
/// dies).
pub struct PrivateS3 {
    pub server: S3Server,
    helper: Child,
}

impl PrivateS3 {
    /// Starts one; panics if the script cannot.
    pub fn start() -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/throwaway.sh");
        let mut helper = Command::new("bash")
            .arg(&script)
            .args(["run", "--s3", "--", "sh", "-c"])
            .arg(
                r#"echo "$DAUTRI_TEST_S3_ENDPOINT $DAUTRI_TEST_S3_BUCKET $DAUTRI_TEST_S3_ACCESS_KEY_ID $DAUTRI_TEST_S3_SECRET_ACCESS_KEY"; exec cat >/dev/null"#,
            )
            .env("THROWAWAY_QUIET", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("bash runs scripts/throwaway.sh");
        let mut line = String::new();
        BufReader::new(helper.stdout.take().expect("the helper's stdout"))
            .read_line(&mut line)
            .expect("the S3 server's address");
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            parts.len(),
            4,
            "scripts/throwaway.sh started no S3 server (see its message above)"
        );
        Self {
            server: S3Server {
                endpoint: parts[0].to_owned(),
                bucket: parts[1].to_owned(),
                access_key_id: parts[2].to_owned(),
                secret_access_key: parts[3].to_owned(),
            },
            helper,
        }
    }

    /// Stops the server and waits until it is gone.
    pub fn stop(mut self) {
        drop(self.helper.stdin.take());
        let _ = self.helper.wait();
    }
}

/// The server every test of this binary shares: the configured one, or one started once.
static SHARED: LazyLock<(S3Server, Option<std::sync::Mutex<PrivateS3>>)> = LazyLock::new(|| {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(endpoint), Some(bucket), Some(access_key_id), Some(secret_access_key)) = (
        var("DAUTRI_TEST_S3_ENDPOINT"),
        var("DAUTRI_TEST_S3_BUCKET"),
        var("DAUTRI_TEST_S3_ACCESS_KEY_ID"),
        var("DAUTRI_TEST_S3_SECRET_ACCESS_KEY"),
    ) {
        let server = S3Server {
            endpoint,
            bucket,
            access_key_id,
            secret_access_key,
        };
        return (server, None);
    }
    // Kept for the life of the process: its stdin closes when the process ends.
    let private = PrivateS3::start();
    (private.server.clone(), Some(std::sync::Mutex::new(private)))
});

/// The shared server.
pub fn shared() -> S3Server {
    SHARED.0.clone()
}

/// Points `settings` at `server`, under a key prefix of their own.
pub fn configure(settings: &mut Settings, server: &S3Server) {
    settings.s3_endpoint = Some(server.endpoint.parse().expect("endpoint URL"));
    settings.s3_bucket = Some(server.bucket.clone());
    settings.s3_access_key_id = Some(server.access_key_id.clone());
    settings.s3_secret_access_key = Some(server.secret_access_key.clone().into());
    settings.s3_prefix = format!("test-{}/", Uuid::new_v4().simple());
    // A stopped server refuses connections at once; this bounds anything slower.
    settings.s3_timeout_seconds = 5;
}

/// A test's view of the bucket under its server's prefix.
#[derive(Debug, Clone)]
pub struct Objects {
    bucket: Bucket,
    credentials: Credentials,
    prefix: String,
    client: reqwest::Client,
}

impl Objects {
    /// The objects of a server started with `settings`, if they name an object store.
    pub fn of(settings: &Settings) -> Option<Self> {
        use secrecy::ExposeSecret;
        let endpoint = settings.s3_endpoint.clone()?;
        let bucket = Bucket::new(
            endpoint,
            UrlStyle::Path,
            settings.s3_bucket.clone()?,
            settings.s3_region.clone(),
        )
        .ok()?;
        Some(Self {
            bucket,
            credentials: Credentials::new(
                settings.s3_access_key_id.clone()?,
                settings.s3_secret_access_key.as_ref()?.expose_secret(),
            ),
            prefix: settings.s3_prefix.clone(),
            client: reqwest::Client::new(),
        })
    }

    /// Every key under the prefix, and its size.
    pub async fn list(&self) -> Vec<(String, u64)> {
        let mut action = self.bucket.list_objects_v2(Some(&self.credentials));
        action.with_prefix(self.prefix.as_str());
        let url = action.sign(Duration::from_secs(60));
        let Ok(response) = self.client.get(url).send().await else {
            return Vec::new();
        };
        let Ok(text) = response.text().await else {
            return Vec::new();
        };
        rusty_s3::actions::ListObjectsV2::parse_response(&text)
            .map(|list| {
                list.contents
                    .into_iter()
                    .map(|o| (o.key, o.size.unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The object at `key` (under no prefix): its status, content type and bytes.
    pub async fn get(&self, key: &str) -> (StatusCode, Option<String>, Vec<u8>) {
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(Duration::from_secs(60));
        let response = self.client.get(url).send().await.expect("GET the object");
        let status = response.status();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, kind, response.bytes().await.expect("body").to_vec())
    }

    /// Writes `bytes` at `key` (under no prefix), as someone else with access to the bucket.
    pub async fn put(&self, key: &str, bytes: &[u8]) {
        let url = self
            .bucket
            .put_object(Some(&self.credentials), key)
            .sign(Duration::from_secs(60));
        let response = self
            .client
            .put(url)
            .body(bytes.to_vec())
            .send()
            .await
            .expect("PUT the object");
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Deletes every object under the prefix (what a test stored).
    pub async fn delete_all(&self) {
        for (key, _) in self.list().await {
            let url = self
                .bucket
                .delete_object(Some(&self.credentials), &key)
                .sign(Duration::from_secs(60));
            let _ = self.client.delete(url).send().await;
        }
    }
}

/// Runs each listed `async fn name(app: &TestApp)` once per backend with its pictures in the
/// shared S3 server, in modules `s3_embedded` and `s3_services`.
#[macro_export]
macro_rules! s3_backends {
    ($($name:ident),* $(,)?) => {
        mod s3_embedded {
            $(
                #[tokio::test]
                async fn $name() {
                    let server = $crate::s3::shared();
                    $crate::helpers::run_on_with($crate::helpers::Backend::Embedded, |s| $crate::s3::configure(s, &server), |app| Box::pin(super::$name(app))).await;
                }
            )*
        }
        mod s3_services {
            $(
                #[tokio::test]
                async fn $name() {
                    let server = $crate::s3::shared();
                    $crate::helpers::run_on_with($crate::helpers::Backend::Services, |s| $crate::s3::configure(s, &server), |app| Box::pin(super::$name(app))).await;
                }
            )*
        }
    };
}

crate::s3_backends!(
    pictures_go_to_the_bucket_and_never_to_the_data_directory,
    lesson_materials_go_to_the_bucket_as_pdf
);

/// Uploads the test PNG.
async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> reqwest::Response {
    upload_image(app, token, bytes, "hinh.png", "image/png").await
}

async fn pictures_go_to_the_bucket_and_never_to_the_data_directory(app: &TestApp) {
    let objects = app.s3().expect("this app keeps its pictures in S3");
    let unit = app.unit("A", None).await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    let response = upload(app, &organizer.access, PNG).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let name = response.json::<Value>().await.expect("json")["name"]
        .as_str()
        .expect("name")
        .to_owned();
    // One object, at the data directory's layout under the prefix, typed as what it is.
    let key = format!("{}{}/{name}", objects.prefix(), &name[..2]);
    assert_eq!(objects.list().await, vec![(key.clone(), PNG.len() as u64)]);
    let (status, kind, bytes) = objects.get(&key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind.as_deref(), Some("image/png"));
    assert_eq!(bytes, PNG);
    assert!(
        !app.data_dir().join("images").exists(),
        "nothing is written under the data directory"
    );
    // Uploading it again stores nothing new.
    let response = upload(app, &organizer.access, PNG).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(objects.list().await.len(), 1);

    // Someone with access to the bucket replaces the object: it no longer hashes to its name,
    // and is not served (as immutable, browsers would keep it for a year).
    let mut changed = PNG.to_vec();
    changed.extend_from_slice(b"changed");
    objects.put(&key, &changed).await;
    let response = app.get(&format!("/api/v1/images/{name}"), None).await;
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
}

/// A lesson's uploaded PDF is kept in the bucket beside the pictures, typed as a PDF, and
/// served from it.
async fn lesson_materials_go_to_the_bucket_as_pdf(app: &TestApp) {
    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    let objects = app.s3().expect("this app keeps its files in S3");
    let unit = app.unit("A", None).await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    let part = Part::bytes(PDF.to_vec())
        .file_name("nghi-quyet.pdf")
        .mime_str("application/pdf")
        .expect("mime");
    let response = app
        .client
        .post(app.url("/api/v1/materials"))
        .bearer_auth(&organizer.access)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored: Value = response.json().await.expect("json");
    let name = stored["name"].as_str().expect("name");
    let key = format!("{}{}/{name}", objects.prefix(), &name[..2]);
    let (status, kind, bytes) = objects.get(&key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind.as_deref(), Some("application/pdf"));
    assert_eq!(bytes, PDF);
    assert!(!app.data_dir().join("images").exists());
    let served = app.get(stored["url"].as_str().expect("url"), None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "application/pdf");
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), PDF);
}

/// With the pictures in a private S3 server that the test stops: every route that needs the
/// store answers 503 with `Retry-After` (never 500, never a 404 or 422 that would blame the
/// request), the answer is not cached, and what does not need pictures keeps working.
async fn a_store_that_goes_down_answers_503_and_the_rest_keeps_working(
    app: &TestApp,
    server: PrivateS3,
) {
    let unit = app.unit("A", None).await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    let token = organizer.access.as_str();
    let response = upload(app, token, PNG).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let name = response.json::<Value>().await.expect("json")["name"]
        .as_str()
        .expect("name")
        .to_owned();
    let question = json!({
        "unit_id": unit.into_uuid(),
        "text": "Lá cờ trong hình là cờ gì?",
        "image": name,
        "options": [{"text": "Cờ Đoàn", "correct": true}, {"text": "Cờ Đội"}],
        "topic": {"code": "law", "name": "Pháp luật"},
        "difficulty": "easy",
    });
    let response = app.post("/api/v1/questions", Some(token), &question).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let served = app.get(&format!("/api/v1/images/{name}"), None).await;
    assert_eq!(served.status(), StatusCode::OK);

    server.stop();

    let unavailable = |response: reqwest::Response, what: &'static str| async move {
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let cache = response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
        assert!(
            retry_after.is_some_and(|s| s.parse::<u64>().is_ok()),
            "{what}: Retry-After"
        );
        assert_eq!(cache.as_deref(), Some("no-store"), "{what}: never cached");
    };
    // Serving a picture.
    let response = app.get(&format!("/api/v1/images/{name}"), None).await;
    unavailable(response, "GET /images/{name}").await;
    // Uploading one (another picture, and the same one again).
    let mut other = PNG.to_vec();
    other.extend_from_slice(b"trailing bytes make another picture");
    for bytes in [PNG, other.as_slice()] {
        let response = upload(app, token, bytes).await;
        unavailable(response, "POST /images").await;
    }
    // A question naming a picture: the store cannot say whether it exists.
    let mut edited = question.clone();
    edited["text"] = json!("Lá cờ này là cờ gì?");
    let response = app.post("/api/v1/questions", Some(token), &edited).await;
    unavailable(response, "POST /questions").await;
    // The bank as a zip with its pictures.
    let response = app
        .get("/api/v1/questions/export?format=zip", Some(token))
        .await;
    unavailable(response, "export zip").await;
    // Importing a zip that carries a picture, and a sheet naming one that only the store has.
    let csv = format!(
        "Mã chủ đề,Nội dung câu hỏi,Phương án A,Phương án B,Đáp án đúng,Ảnh câu hỏi\n\
law,Biểu tượng nào đây?,Huy hiệu Đoàn,Cờ Đội,A,{name}\n"
    );
    let zip = zip_of(&[
        ("cau-hoi.csv", csv.as_bytes()),
        (&format!("anh/{name}"), PNG),
    ]);
    let response = import_file(app, token, unit, "goi.zip", zip, "").await;
    unavailable(response, "import zip").await;
    let response = import_file(app, token, unit, "cau-hoi.csv", csv.into_bytes(), "").await;
    unavailable(response, "import csv").await;

    // What needs no picture still works: the bank's list, a spreadsheet export, readiness.
    let response = app.get("/api/v1/questions", Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let found: Value = response.json().await.expect("json");
    assert_eq!(
        found["total"], 1,
        "nothing was added while the store was down"
    );
    let response = app
        .get("/api/v1/questions/export?format=csv", Some(token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.get("/readyz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn store_down_on(backend: Backend) {
    let private = PrivateS3::start();
    let server = private.server.clone();
    run_on_with(
        backend,
        |s| configure(s, &server),
        move |app| {
            Box::pin(a_store_that_goes_down_answers_503_and_the_rest_keeps_working(app, private))
        },
    )
    .await;
}

mod embedded {
    #[tokio::test]
    async fn a_store_that_goes_down_answers_503_and_the_rest_keeps_working() {
        super::store_down_on(crate::helpers::Backend::Embedded).await;
    }

    #[tokio::test]
    async fn a_store_that_hangs_answers_503_after_the_timeout_and_recovers() {
        super::store_hangs_on(crate::helpers::Backend::Embedded).await;
    }
}

mod services {
    #[tokio::test]
    async fn a_store_that_goes_down_answers_503_and_the_rest_keeps_working() {
        super::store_down_on(crate::helpers::Backend::Services).await;
    }

    #[tokio::test]
    async fn a_store_that_hangs_answers_503_after_the_timeout_and_recovers() {
        super::store_hangs_on(crate::helpers::Backend::Services).await;
    }
}

/// A TCP relay between the server and the object store that can freeze: bytes stop flowing
/// both ways on every connection, open or new, as when a network path or a store hangs without
/// refusing anything.
struct Gate {
    address: String,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accept: tokio::task::JoinHandle<()>,
}

impl Gate {
    async fn open(upstream: &str) -> Self {
        use std::sync::atomic::AtomicBool;
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the gate");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let frozen = std::sync::Arc::new(AtomicBool::new(false));
        let flag = frozen.clone();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (in_read, in_write) = inbound.into_split();
                let (out_read, out_write) = outbound.into_split();
                tokio::spawn(relay(in_read, out_write, flag.clone()));
                tokio::spawn(relay(out_read, in_write, flag.clone()));
            }
        });
        Self {
            address,
            frozen,
            accept,
        }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen
            .store(frozen, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Copies `from` to `to` until either closes; once the gate is frozen, holds both and says
/// nothing, for good.
async fn relay(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen.load(std::sync::atomic::Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// With the object store hanging (connections accepted, nothing answered): the requests that
/// need it answer 503 with `Retry-After` once `DAUTRI_S3__TIMEOUT_SECONDS` has passed, instead
/// of hanging with it; once it answers again, so does the API.
async fn a_store_that_hangs_answers_503_after_the_timeout_and_recovers(app: &TestApp, gate: Gate) {
    let unit = app.unit("A", None).await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    let token = organizer.access.as_str();
    let response = upload(app, token, PNG).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let name = response.json::<Value>().await.expect("json")["name"]
        .as_str()
        .expect("name")
        .to_owned();

    gate.freeze(true);
    // The test gives up long after the server should have (a hanging server fails the test
    // instead of hanging it).
    let response = app
        .client
        .get(app.url(&format!("/api/v1/images/{name}")))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("the server answers while the store hangs");
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    let mut other = PNG.to_vec();
    other.extend_from_slice(b"another picture");
    let part = Part::bytes(other.clone())
        .file_name("hinh.png")
        .mime_str("image/png")
        .expect("mime");
    let response = app
        .client
        .post(app.url("/api/v1/images"))
        .bearer_auth(token)
        .multipart(Form::new().part("file", part))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("the server answers while the store hangs");
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;

    gate.freeze(false);
    let served = app.get(&format!("/api/v1/images/{name}"), None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), PNG);
    let response = upload(app, token, &other).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn store_hangs_on(backend: Backend) {
    let server = shared();
    let gate = Gate::open(&server.endpoint).await;
    let through_gate = S3Server {
        endpoint: gate.address.clone(),
        ..server
    };
    run_on_with(
        backend,
        |s| {
            configure(s, &through_gate);
            s.s3_timeout_seconds = 1;
        },
        move |app| {
            Box::pin(a_store_that_hangs_answers_503_after_the_timeout_and_recovers(app, gate))
        },
    )
    .await;
}

/// What `Application::build` says about `tweak`ed S3 settings (which must make it fail).
async fn startup_error(tweak: impl FnOnce(&mut Settings)) -> String {
    let data_dir = std::env::temp_dir().join(format!("dautri-test-{}", Uuid::new_v4().simple()));
    let mut settings = Settings::defaults();
    settings.port = 0;
    settings.data_dir = data_dir.clone();
    settings.demo_on_first_run = false;
    settings.auto_finish = false;
    tweak(&mut settings);
    let result = Application::build(settings).await;
    let _ = std::fs::remove_dir_all(&data_dir);
    match result {
        Ok(_) => panic!("the server started with S3 settings that cannot work"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test]
async fn startup_fails_clearly_when_the_bucket_cannot_be_used() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = shared();
    // A bucket that does not exist.
    let message = startup_error(|s| {
        configure(s, &server);
        s.s3_bucket = Some(format!("missing-{}", Uuid::new_v4().simple()));
    })
    .await;
    assert!(
        message.contains("404") && message.contains("DAUTRI_S3__BUCKET"),
        "{message}"
    );
    // A wrong secret: the server checks the signature.
    let message = startup_error(|s| {
        configure(s, &server);
        s.s3_secret_access_key = Some("not-the-secret".to_owned().into());
    })
    .await;
    assert!(
        message.contains("403") && message.contains("DAUTRI_S3__SECRET_ACCESS_KEY"),
        "{message}"
    );
    // Nothing listening at the endpoint.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let message = startup_error(|s| {
        configure(s, &server);
        s.s3_endpoint = Some(format!("http://127.0.0.1:{closed}").parse().expect("url"));
    })
    .await;
    assert!(
        message.contains("cannot reach the object store"),
        "{message}"
    );
    // Incomplete settings name what is missing.
    let message = startup_error(|s| {
        configure(s, &server);
        s.s3_bucket = None;
    })
    .await;
    assert!(
        message.contains("DAUTRI_S3__BUCKET must be set"),
        "{message}"
    );
    let message = startup_error(|s| {
        configure(s, &server);
        s.s3_secret_access_key = None;
    })
    .await;
    assert!(
        message.contains("DAUTRI_S3__SECRET_ACCESS_KEY must be set"),
        "{message}"
    );
    let message = startup_error(|s| {
        configure(s, &server);
        s.s3_endpoint = None;
    })
    .await;
    assert!(
        message.contains("DAUTRI_S3__BUCKET is set but DAUTRI_S3__ENDPOINT is not"),
        "{message}"
    );
}

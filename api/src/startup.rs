//! Building the application: connections, migrations, state, routes, and the bound listener.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope, service_config::ServiceConfig};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::error::{json_error_handler, path_error_handler, query_error_handler};
use crate::metrics::Metrics;
use crate::routes::{self, ApiDoc, fallback};
use crate::scoring::{Keys, MemoryStore, RedisStore, Store};
use crate::state::AppState;
use crate::{demo, persistence};

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects to the database and the scoring store, migrates, binds the port and builds the
    /// server. Fails with a message naming the setting when the configuration is unusable.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let state = build_state(settings).await?;
        let settings = state.settings.clone();
        if settings.demo_on_first_run
            && settings.is_embedded_database()
            && !persistence::users::any(&state.db).await?
        {
            let report = demo::create(&state.db, &settings.data_dir)
                .await
                .context("cannot create the demo data")?;
            tracing::info!("first run on an empty embedded database: demo data created\n{report}");
        }
        let listener = listen(&settings).with_context(|| {
            format!(
                "cannot listen on {}:{} (DAUTRI_BIND, PORT)",
                settings.bind, settings.port
            )
        })?;
        let port = listener.local_addr()?.port();
        let server = run(listener, state.clone())?;
        // Rebuild before finishing anything, so the finisher sees every running attempt; and
        // on every instance, since the session check trusts only a store marked ready.
        crate::app::attempts::ensure_store_ready(&state)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot rebuild the scoring store: {}",
                    crate::error::cause_chain(&e)
                )
            })?;
        if settings.auto_finish {
            crate::app::attempts::spawn_store_watcher(state.clone());
            crate::app::attempts::spawn_auto_finisher(state.clone());
        }
        crate::app::privacy::spawn_retention(state.clone());
        crate::app::coherence::spawn_listener(state.clone());
        tracing::info!(address = %format!("http://{}:{port}", settings.bind), database = if settings.is_embedded_database() { "sqlite" } else { "external" }, database.pool = settings.database_pool_size(), scoring = state.store.backend(), images = state.images.backend(), "dautri is listening");
        Ok(Self {
            port,
            server,
            state,
        })
    }

    /// The port actually bound (useful with `PORT=0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (tests stop theirs when done).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The shared state (tests use its database and store handles).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM: graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await?;
        // Answers acknowledged before their journal write are written before the process ends.
        if !self.state.journal.settle().await {
            tracing::error!(
                "some acknowledged answers could not be journaled before stopping; the scoring store still holds them"
            );
        }
        // So that the next start finds no finished attempt for the reconciler to count again.
        self.state.board_marks.flush().await;
        Ok(())
    }
}

/// Connects everything the handlers need.
pub async fn build_state(settings: Settings) -> anyhow::Result<AppState> {
    if !settings.is_embedded_database() && settings.jwt_secret.is_none() {
        anyhow::bail!(
            "DAUTRI_JWT__SECRET must be set when DATABASE_URL points at a shared database: every instance must sign tokens with the same secret"
        );
    }
    let db = persistence::db::connect_and_migrate(&settings).await?;
    let replica = persistence::db::connect_replica(&settings).await?;
    let jwt = JwtKeys::load(
        settings.jwt_secret.as_ref(),
        &settings.data_dir,
        settings.access_ttl(),
    )
    .context("JWT secret (DAUTRI_JWT__SECRET)")?;
    let store = match &settings.redis_url {
        Some(url) => Store::Redis(
            RedisStore::connect(url.expose_secret())
                .await
                .context("cannot connect to Redis (REDIS_URL)")?,
        ),
        None => Store::Memory(MemoryStore::new()),
    };
    let images = crate::persistence::images::ImageStore::connect(&settings).await?;
    let metrics = Metrics::new()?;
    let journal_db = persistence::db::connect_journal(&settings)
        .await?
        .unwrap_or_else(|| db.clone());
    let journal = crate::persistence::journal::Journal::start(
        journal_db,
        settings.journal_linger(),
        usize::try_from(settings.journal_writers).unwrap_or(1),
        settings.answers_wait_for_journal(),
        crate::persistence::journal::JournalMetrics::new(metrics.registry())?,
    );
    let board_marks = crate::persistence::board_marks::BoardMarks::start(db.clone());
    Ok(AppState {
        db,
        replica,
        store,
        keys: Keys::new(settings.redis_key_prefix.clone()),
        jwt,
        metrics,
        journal,
        board_marks,
        units: crate::caches::directory::UnitDirectory::new(std::time::Duration::from_secs(
            settings.cache_units_seconds,
        )),
        catalog: crate::caches::catalog::Catalog::new(std::time::Duration::from_secs(
            settings.cache_catalog_seconds,
        )),
        people: crate::caches::people::People::new(std::time::Duration::from_secs(
            settings.cache_people_seconds,
        )),
        person_reads: crate::caches::coalesce::Coalesced::default(),
        instance: uuid::Uuid::new_v4(),
        frozen: Arc::default(),
        store_ready: Arc::default(),
        intake: Arc::new(crate::intake::Intake::new(
            usize::try_from(settings.max_in_flight).unwrap_or(usize::MAX),
            usize::try_from(settings.max_starting).unwrap_or(usize::MAX),
        )),
        images,
        hasher: crate::auth::password::Hasher::new(
            settings
                .password_concurrency
                .map_or_else(crate::auth::password::cores, |n| {
                    usize::try_from(n).unwrap_or(1)
                }),
            usize::try_from(settings.password_queue).unwrap_or(0),
        ),
        settings: Arc::new(settings),
    })
}

/// Configures one resource's routes (and their part of the OpenAPI document).
type Configure = fn(&mut ServiceConfig);

/// `/api/v1`: every versioned resource, named (the OpenAPI tests document each on its own).
///
/// The router tries resources in this order, and every path with a parameter costs a regular
/// expression, so what members call every few seconds in a contest comes first: the answer
/// save was tried against some sixty patterns when attempts came eleventh. No two resources here
/// match the same path with the same method, so the order changes nothing else.
const API_V1: &[(&str, Configure)] = &[
    ("attempts", routes::attempts::configure),
    ("leaderboards", routes::leaderboards::configure),
    ("auth", routes::auth::configure),
    ("me", routes::me::configure),
    ("contests", routes::contests::configure),
    ("users", routes::users::configure),
    ("recovery", routes::recovery::configure),
    ("units", routes::units::configure),
    ("unit_transfers", routes::unit_transfers::configure),
    ("questions", routes::questions::configure),
    ("images", routes::images::configure),
    ("materials", routes::materials::configure),
    ("results", routes::results::configure),
    ("exports", routes::exports::configure),
    ("live", routes::live::configure),
    ("theory", routes::theory::configure),
    ("audit", routes::audit::configure),
];

/// `/api/v1`: every versioned resource.
fn api_v1(cfg: &mut ServiceConfig) {
    for (_, configure) in API_V1 {
        cfg.configure(configure);
    }
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope("/api/v1").configure(api_v1))
        .configure(routes::health::configure)
        .split_for_parts()
        .1;
    add_parameter_schemas(&mut doc);
    routes::common_responses::add(&mut doc);
    routes::query_params::describe(&mut doc);
    doc
}

/// Adds the schemas that only query parameters name. `IntoParams` refers to a parameter's
/// enum (`$ref`) without collecting its schema, which left the document with dangling
/// references that stricter readers (openapi-typescript) refuse.
fn add_parameter_schemas(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::{PartialSchema, ToSchema};
    let schemas = &mut doc.components.get_or_insert_with(Default::default).schemas;
    schemas.insert(
        routes::leaderboards::UnitOrder::name().into_owned(),
        routes::leaderboards::UnitOrder::schema(),
    );
    schemas.insert(
        routes::exports::Report::name().into_owned(),
        routes::exports::Report::schema(),
    );
}

fn static_dir(settings: &Settings) -> Option<PathBuf> {
    let candidate = settings
        .static_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("frontend/dist"));
    candidate.join("index.html").is_file().then_some(candidate)
}

/// The listening socket, with the configured backlog (`DAUTRI_HTTP__BACKLOG`): the standard
/// library's `bind` asks for 128, and a crowd connecting at once overflowed it, its phones
/// seeing timeouts instead of an answer.
fn listen(settings: &Settings) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let address = std::net::SocketAddr::new(settings.bind, settings.port);
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    // As `bind` does on Unix: a restarted server may take its port back at once.
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(i32::try_from(settings.backlog).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}

fn run(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let doc = openapi();
    let known = web::Data::new(fallback::KnownRoutes::from_openapi(&doc));
    // Serialised once and shared: a copy of the document per worker (what Swagger UI's own
    // `url(…, doc)` keeps) costs each worker megabytes.
    let doc_json = web::Data::new(web::Bytes::from(
        serde_json::to_vec(&doc).context("the OpenAPI document does not serialise")?,
    ));
    drop(doc);
    let static_dir = web::Data::new(fallback::StaticDir(static_dir(&state.settings)));
    if static_dir.0.is_none() {
        tracing::warn!(
            "no built frontend found (DAUTRI_STATIC_DIR or frontend/dist); serving the API only"
        );
    }
    let workers = state.settings.workers;
    let max_connections = usize::try_from(state.settings.max_connections).unwrap_or(usize::MAX);
    let metrics = web::Data::new(state.metrics.clone());
    let intake = web::Data::from(state.intake.clone());
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        // Runs on each worker thread as it starts.
        state.store.attach_worker();
        App::new()
            .wrap(from_fn(routes::body_timeout::limit))
            .wrap(from_fn(crate::intake::admit))
            .wrap(from_fn(routes::security_headers::add))
            .wrap(from_fn(crate::metrics::track))
            .wrap(from_fn(routes::compression::mark_small))
            .wrap(Compress::default())
            .wrap(from_fn(routes::compression::unmark))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("X-Frame-Options", "DENY")),
            )
            .wrap(from_fn(crate::telemetry::request_span))
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(intake.clone())
            .app_data(known.clone())
            .app_data(static_dir.clone())
            .app_data(web::JsonConfig::default().error_handler(json_error_handler))
            .app_data(web::PathConfig::default().error_handler(path_error_handler))
            .app_data(web::QueryConfig::default().error_handler(query_error_handler))
            .service(web::scope("/api/v1").configure(|c| api_v1(&mut ServiceConfig::new(c))))
            .configure(|c| routes::health::configure(&mut ServiceConfig::new(c)))
            // `/api/docs` without its slash leads to the docs, as people type it.
            .route(
                "/api/docs",
                web::get().to(|| async {
                    actix_web::HttpResponse::PermanentRedirect()
                        .insert_header((actix_web::http::header::LOCATION, "/api/docs/"))
                        .finish()
                }),
            )
            .app_data(doc_json.clone())
            .route("/api/openapi.json", web::get().to(openapi_json))
            .service(
                SwaggerUi::new("/api/docs/{_:.*}")
                    .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
            )
            .default_service(web::to(fallback::fallback))
    })
    // Streamed responses (exports, the live stream) go out chunk by chunk; with Nagle's
    // algorithm each chunk could wait for the client's delayed acknowledgement.
    .tcp_nodelay(true)
    .max_connections(max_connections)
    .listen(listener)?;
    let server = match workers {
        Some(n) => server.workers(n),
        None => server,
    };
    Ok(server.run())
}

/// `/api/openapi.json`: the document, serialised at startup.
async fn openapi_json(doc: web::Data<web::Bytes>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.get_ref().clone())
}

#[cfg(test)]
mod openapi_tests;

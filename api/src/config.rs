//! Settings: the command line and the environment, with defaults in code.
//!
//! Every setting is a flag and an environment variable (`DAUTRI_…`, plus the conventional
//! `DATABASE_URL`, `REDIS_URL`, `PORT`), so `api --help` lists them all. A bad value stops
//! startup with a message naming the variable. Settings are passed by value into
//! `Application::build` (in `startup`, which depends on this module, never the other way): no
//! global, so tests can randomise port, database and key prefix.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

/// The database pool's default size on SQLite (see [`Settings::database_pool_size`]). Measured
/// on a 20,000-member day on 2 cores (README, *A smaller SQLite pool*): 4 connections kept the
/// least memory but let members in slowest; 8 kept most of the saving (peak RSS 265–276 MiB
/// against 312–326 MiB with 20), with the tails of answers, boards and finishes no longer.
pub const SQLITE_POOL_SIZE: u32 = 8;

/// The database pool's default size on PostgreSQL.
pub const POSTGRES_POOL_SIZE: u32 = 20;

/// When an answer is acknowledged (`DAUTRI_ATTEMPT__ACKNOWLEDGE`).
///
/// An acknowledged answer must survive any one failure. Redis and the database are two copies
/// apart from this process, so with Redis the answer is acknowledged once Redis has it and
/// this instance journals it right after; the in-process store dies with the process, and with
/// it whatever the journal had not written yet, so there the answer waits for the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Acknowledge {
    /// `stored` with Redis, `journaled` with the in-process store.
    Auto,
    /// Once the answer is in the scoring store and queued for the journal.
    Stored,
    /// Once the answer is also in the database's journal.
    Journaled,
}

/// dautri: online contests and political-theory tests for the Youth Union.
#[derive(Debug, Parser)]
#[command(
    name = "api",
    version,
    about,
    long_about = None,
    after_help = "Logging: RUST_LOG sets the filter (default `info`), e.g. RUST_LOG=dautri_api=debug,info."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

/// What the binary does; `serve` when no subcommand is given.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a system administrator, or grant the role to an existing account.
    /// The password is read from `DAUTRI_ADMIN_PASSWORD` or, failing that, from stdin.
    CreateAdmin {
        /// The administrator's phone number (the login).
        #[arg(long)]
        phone: String,
        /// Full name for a new account.
        #[arg(long, default_value = "Quản trị hệ thống")]
        full_name: String,
    },
    /// Create the demo units and people (idempotent) and print how to sign in.
    Demo,
    /// Rebuild the live leaderboards in Redis from the database: one contest, or every contest
    /// with results in the last 60 days. (The in-process store belongs to the running server:
    /// use `POST /api/v1/rounds/{id}/leaderboard/rebuild` there.)
    RebuildBoards {
        /// The contest to rebuild.
        #[arg(long)]
        contest: Option<uuid::Uuid>,
    },
    /// Print the OpenAPI document (pretty JSON) to stdout and exit; needs no database or
    /// server. The frontend's TypeScript types are generated from it.
    Openapi,
}

/// Every setting of the server. Field docs are what `--help` prints.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "DAUTRI_BIND", default_value = "127.0.0.1", global = true)]
    pub bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8080, global = true)]
    pub port: u16,
    /// Directory for the embedded database, the generated JWT key and other local state.
    #[arg(long, env = "DAUTRI_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Database URL: `postgres://…` or `sqlite://…`. Default: SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<SecretString>,
    /// A streaming replica of the database (`postgres://…`) that exports, reports, item
    /// statistics and coverage read, so they do not load the primary; what decides a result
    /// always reads the primary. Reports then lag the primary by the replica's replay delay.
    /// While it does not answer, those reads answer 503 with `Retry-After`.
    #[arg(
        long,
        env = "DATABASE_REPLICA_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_replica_url: Option<SecretString>,
    /// How far behind its primary the replica may be, in seconds, for reports to read it;
    /// beyond it they answer 503 with `Retry-After` until it catches up, rather than show
    /// figures older than that.
    #[arg(long, env = "DAUTRI_DATABASE__REPLICA_MAX_LAG_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400), global = true)]
    pub replica_max_lag_seconds: u64,
    /// Maximum database connections in the pool, 1–1,000 (default: 20 on PostgreSQL, 8 on
    /// SQLite, which has one writer and a cache per connection).
    #[arg(long, env = "DAUTRI_DATABASE__MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub database_max_connections: Option<u32>,
    /// Redis URL for scoring, leaderboards and rate limits (`redis://…`, `rediss://…`); several
    /// URLs separated by commas connect to a Redis Cluster.
    /// Default: none, the in-process store (one server only).
    #[arg(long, env = "REDIS_URL", global = true, hide_env_values = true)]
    pub redis_url: Option<SecretString>,
    /// Prefix of every Redis key this instance writes.
    #[arg(
        long,
        env = "DAUTRI_REDIS__KEY_PREFIX",
        default_value = "dautri",
        global = true
    )]
    pub redis_key_prefix: String,
    /// Secret for signing access tokens (at least 32 bytes). Default: generated once into the
    /// data directory; required on PostgreSQL, where several instances must share it.
    #[arg(
        long,
        env = "DAUTRI_JWT__SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_secret: Option<SecretString>,
    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "DAUTRI_JWT__ACCESS_TTL_SECONDS", default_value_t = 900, value_parser = clap::value_parser!(u64).range(30..=86_400), global = true)]
    pub access_ttl_seconds: u64,
    /// Lifetime of a refresh token, in seconds.
    #[arg(long, env = "DAUTRI_JWT__REFRESH_TTL_SECONDS", default_value_t = 30 * 86_400, value_parser = clap::value_parser!(u64).range(300..=365 * 86_400), global = true)]
    pub refresh_ttl_seconds: u64,
    /// Failed logins allowed per phone number from one client address in the window; beyond
    /// it that address must wait for the window to end. Other addresses (the owner's) are not
    /// affected.
    #[arg(
        long,
        env = "DAUTRI_LOGIN__MAX_PER_PHONE_ADDRESS",
        default_value_t = 5,
        global = true
    )]
    pub login_max_per_phone_address: u32,
    /// Login attempts allowed per phone number from all addresses together in the window
    /// (counted before the password is checked, so a success counts too); beyond it only
    /// addresses the account has signed in from before may keep trying, so a guesser spread
    /// over many addresses stops while the owner does not.
    #[arg(
        long,
        env = "DAUTRI_LOGIN__MAX_PER_ACCOUNT",
        default_value_t = 20,
        global = true
    )]
    pub login_max_per_account: u32,
    /// Login attempts allowed per client address in the window. Generous: a whole unit may sit
    /// behind one office NAT or a mobile carrier's shared address when a round opens.
    #[arg(
        long,
        env = "DAUTRI_LOGIN__MAX_PER_IP",
        default_value_t = 1000,
        global = true
    )]
    pub login_max_per_ip: u32,
    /// Length of the login rate-limit window, in seconds (also the window of wrong current
    /// passwords on a password change or an erasure).
    #[arg(
        long,
        env = "DAUTRI_LOGIN__WINDOW_SECONDS",
        default_value_t = 900,
        global = true
    )]
    pub login_window_seconds: u64,
    /// Registrations accepted per client address in the registration window (a school or an
    /// office registering its members together shares one address).
    #[arg(
        long,
        env = "DAUTRI_REGISTER__MAX_PER_IP",
        default_value_t = 300,
        global = true
    )]
    pub register_max_per_ip: u32,
    /// Length of the registration rate-limit window, in seconds.
    #[arg(
        long,
        env = "DAUTRI_REGISTER__WINDOW_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub register_window_seconds: u64,
    /// The youngest a member may be on the admission date (or today, without one), checked at
    /// registration and on `PATCH /me`. The Union's Charter admits young people from 16.
    #[arg(
        long,
        env = "DAUTRI_MEMBER__MIN_AGE",
        default_value_t = 16,
        value_parser = clap::value_parser!(u32).range(1..=100),
        global = true
    )]
    pub member_min_age: u32,
    /// The oldest plausible age of a member today (members and officers may stay on past 30;
    /// this only refuses mistyped years).
    #[arg(
        long,
        env = "DAUTRI_MEMBER__MAX_AGE",
        default_value_t = 80,
        value_parser = clap::value_parser!(u32).range(1..=150),
        global = true
    )]
    pub member_max_age: u32,
    /// Wrong current passwords allowed per account in the login window when changing the
    /// password or erasing the account (a stolen session must not become a password oracle).
    #[arg(
        long,
        env = "DAUTRI_PASSWORD__MAX_CHECKS",
        default_value_t = 5,
        global = true
    )]
    pub password_max_checks: u32,
    /// Password hashes computed at once (default: one per core). Each holds 7 MiB.
    #[arg(long, env = "DAUTRI_PASSWORD__CONCURRENCY", value_parser = clap::value_parser!(u64).range(1..=256), global = true)]
    pub password_concurrency: Option<u64>,
    /// Sign-ins and registrations that may wait for a hash; beyond them the server answers 503
    /// with `Retry-After` at once (the member app waits and retries by itself). Keep it above
    /// the turns given to the refused in one second (1.5 × the hashes a second the instance
    /// makes: about 150 on 2 cores): they come back together at the start of their second, and
    /// a shorter queue refuses most of them again, then idles for the rest of that second
    /// (5,000 first sign-ins took 79–88 s with 32, 48–54 s with 256). A waiting request holds
    /// no hash memory.
    #[arg(long, env = "DAUTRI_PASSWORD__QUEUE", default_value_t = 256, value_parser = clap::value_parser!(u64).range(0..=10_000), global = true)]
    pub password_queue: u64,
    /// Reverse proxies whose `X-Forwarded-For` entries are believed: addresses or CIDR blocks,
    /// comma-separated (e.g. `127.0.0.1,10.0.0.0/8`). The client is the right-most address in
    /// the chain that is not one of them. Default: none, the connection's address is the client.
    #[arg(
        long,
        env = "DAUTRI_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<crate::domain::network::IpNet>,
    /// Bearer token Prometheus sends for `/metrics`. Unset: `/metrics` answers only requests
    /// from this machine's loopback address that no proxy forwarded; behind a reverse proxy on
    /// the same host, set a token.
    #[arg(
        long,
        env = "DAUTRI_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<SecretString>,
    /// Largest JSON body accepted, in bytes.
    #[arg(long, env = "DAUTRI_MAX_JSON_BYTES", default_value_t = 64 * 1024, global = true)]
    pub max_json_bytes: usize,
    /// Largest uploaded file (imports), in bytes.
    #[arg(long, env = "DAUTRI_MAX_UPLOAD_BYTES", default_value_t = 20 * 1024 * 1024, global = true)]
    pub max_upload_bytes: usize,
    /// Seconds after an attempt's deadline during which answers still count (slow networks).
    #[arg(long, env = "DAUTRI_ATTEMPT__GRACE_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=120), global = true)]
    pub attempt_grace_seconds: u64,
    /// Finish attempts automatically when their time is up (turn off only on instances that
    /// must not write, e.g. a read replica; tests turn it off where it would race them).
    #[arg(long, env = "DAUTRI_ATTEMPT__AUTO_FINISH", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub auto_finish: bool,
    /// How long this instance keeps a round, a contest and what a round draws from before
    /// reading them again, in seconds. Edits on other instances arrive sooner through Redis
    /// (each instance tells the others); this is the bound when that message was lost.
    #[arg(long, env = "DAUTRI_CACHE__CATALOG_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub cache_catalog_seconds: u64,
    /// How long this instance keeps the unit tree before reading it again, in seconds; as for
    /// the catalog, the bound when another instance's message about a unit edit was lost.
    #[arg(long, env = "DAUTRI_CACHE__UNITS_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub cache_units_seconds: u64,
    /// How long this instance keeps a person's unit and roles, for deciding who may see a
    /// board, start an attempt or list contests, before reading them again in the background,
    /// in seconds. Changes made on this instance are seen at once and other instances' within
    /// moments; one whose message was lost (or made by the command line) within six times this.
    #[arg(long, env = "DAUTRI_CACHE__PEOPLE_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600), global = true)]
    pub cache_people_seconds: u64,
    /// When a member is told their answer was saved: `journaled` once it is also in the
    /// database's answer journal; `stored` once it is in the scoring store, the journal
    /// following within moments (this instance holds it until then, and waits for the journal
    /// again whenever it falls behind); `auto` (the default) is `stored` with Redis, whose data
    /// lives apart from this process, and `journaled` with the in-process store, which a crash
    /// loses together with what the journal had not written yet.
    #[arg(long, env = "DAUTRI_ATTEMPT__ACKNOWLEDGE", value_enum, default_value_t = Acknowledge::Auto, global = true)]
    pub acknowledge: Acknowledge,
    /// How long an answer lingers for others to share its database write, in milliseconds; 0
    /// writes at once whatever queued up during the previous write (group commit). By default
    /// 50 when answers are acknowledged before their write (nobody waits for it, and fewer,
    /// larger writes leave the database more time for starts and finishes), 0 when they wait.
    #[arg(long, env = "DAUTRI_ATTEMPT__JOURNAL_ACK_MS", value_parser = clap::value_parser!(u64).range(0..=1000), global = true)]
    pub journal_ack_ms: Option<u64>,
    /// How many answer-journal batches are written to PostgreSQL at once (SQLite: always one).
    /// A batch starts as soon as a writer is free, so an answer waits for at most the write in
    /// progress before its own starts.
    #[arg(long, env = "DAUTRI_ATTEMPT__JOURNAL_WRITERS", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=16), global = true)]
    pub journal_writers: u64,
    /// Whether the answer journal waits for PostgreSQL to flush each batch to disk before the
    /// members are told their answers were saved. Off (the default), a batch is acknowledged
    /// once PostgreSQL has it in its write-ahead log in memory, flushed within about 0.6 s
    /// (`synchronous_commit = off` on the journal's own connections only): an acknowledged
    /// answer is then in the scoring store and in PostgreSQL's log, and is lost only if the
    /// scoring store loses its data and PostgreSQL crashes within that moment. On, a batch
    /// waits for the disk (on a slow disk, several times the answer's time). Finishes, results
    /// and everything else always wait for the disk.
    #[arg(long, env = "DAUTRI_ATTEMPT__JOURNAL_SYNC_COMMIT", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub journal_sync_commit: bool,
    /// Days a login session's record (its client address and browser) is kept after it
    /// expired or was revoked; then it is deleted.
    #[arg(long, env = "DAUTRI_RETENTION__SESSION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650), global = true)]
    pub retention_session_days: u32,
    /// S3-compatible object store for question pictures (AWS S3, MinIO, Ceph, Garage): its
    /// endpoint, e.g. `https://s3.eu-central-1.amazonaws.com` or `http://10.0.0.5:9000`.
    /// Unset: pictures live under the data directory (`images/`). When set, the bucket must
    /// answer at startup.
    #[arg(long, env = "DAUTRI_S3__ENDPOINT", global = true)]
    pub s3_endpoint: Option<url::Url>,
    /// The bucket that holds the pictures (created beforehand).
    #[arg(long, env = "DAUTRI_S3__BUCKET", global = true)]
    pub s3_bucket: Option<String>,
    /// The region requests are signed for; most self-hosted servers accept `us-east-1`.
    #[arg(
        long,
        env = "DAUTRI_S3__REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,
    /// Access key id for the bucket.
    #[arg(
        long,
        env = "DAUTRI_S3__ACCESS_KEY_ID",
        global = true,
        hide_env_values = true
    )]
    pub s3_access_key_id: Option<String>,
    /// Secret access key for the bucket.
    #[arg(
        long,
        env = "DAUTRI_S3__SECRET_ACCESS_KEY",
        global = true,
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<SecretString>,
    /// Path-style requests (`endpoint/bucket/key`: MinIO, Ceph, Garage, an IP address); false
    /// for virtual-host style (`bucket.endpoint/key`: AWS).
    #[arg(long, env = "DAUTRI_S3__PATH_STYLE", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub s3_path_style: bool,
    /// Start of every picture's object key, so a bucket can be shared.
    #[arg(
        long,
        env = "DAUTRI_S3__PREFIX",
        default_value = "images/",
        global = true
    )]
    pub s3_prefix: String,
    /// Longest a request to the object store may take, in seconds; then the API answers 503.
    #[arg(long, env = "DAUTRI_S3__TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300), global = true)]
    pub s3_timeout_seconds: u64,
    /// Directory of the built frontend to serve at `/`. Default: `frontend/dist` if present.
    #[arg(long, env = "DAUTRI_STATIC_DIR", global = true)]
    pub static_dir: Option<PathBuf>,
    /// Create the demo data when the server starts on an empty embedded database.
    #[arg(long, env = "DAUTRI_DEMO_ON_FIRST_RUN", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub demo_on_first_run: bool,
    /// Log as JSON lines (for production log collectors) instead of human-readable text.
    #[arg(long, env = "DAUTRI_LOG_JSON", default_value_t = false, global = true)]
    pub log_json: bool,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "DAUTRI_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Seconds a request body may go without a byte before the request is refused (400) and
    /// its connection closed: a client that stops sending mid-body holds nothing for longer.
    #[arg(long, env = "DAUTRI_HTTP__BODY_IDLE_SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600), global = true)]
    pub body_idle_seconds: u64,
    /// API requests this instance works on at once; beyond them a request is answered 503
    /// `crowded` with `Retry-After` at once, before it costs anything. Bounds the memory and
    /// the wait of a crowd larger than the server: those admitted are served in time, the rest
    /// are told when to come back. Health probes, the live stream and the app's files are not
    /// counted.
    #[arg(long, env = "DAUTRI_HTTP__MAX_IN_FLIGHT", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=100_000), global = true)]
    pub max_in_flight: u64,
    /// Starts of an attempt run at once; the other starts admitted wait their turn in order
    /// (at most half of `max_in_flight` starts are admitted; one more is answered 503
    /// `crowded`). A start is the heaviest request a member makes and a crowd of them is what
    /// a round's opening brings: bounded, they leave the cores to the answers and board reads
    /// of the members already in a contest.
    #[arg(long, env = "DAUTRI_HTTP__MAX_STARTING", default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=100_000), global = true)]
    pub max_starting: u64,
    /// Connections each worker keeps open at once; beyond them new connections wait in the
    /// listen queue until one closes.
    #[arg(long, env = "DAUTRI_HTTP__MAX_CONNECTIONS", default_value_t = 25_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_connections: u64,
    /// Connections the kernel may hold for the server before it accepts them (the listen
    /// backlog; the kernel caps it at `net.core.somaxconn`). A full queue drops new connections,
    /// which phones see as a timeout.
    #[arg(long, env = "DAUTRI_HTTP__BACKLOG", default_value_t = 4_096, value_parser = clap::value_parser!(u32).range(1..=65_535), global = true)]
    pub backlog: u32,
}

impl Settings {
    /// The settings with every default and no environment: what tests start from.
    pub fn defaults() -> Self {
        // An empty argument list parses to the defaults; this can only fail if a default in
        // the attributes above is itself invalid, which the unit test below rules out.
        Self::from_args(["api"]).unwrap_or_else(|e| panic!("built-in defaults are invalid: {e}"))
    }

    fn from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            settings: Settings,
        }
        Only::try_parse_from(args).map(|o| o.settings)
    }

    /// A member's age bounds (registration, `PATCH /me`).
    pub fn age_bounds(&self) -> crate::domain::person::AgeBounds {
        crate::domain::person::AgeBounds {
            min_years: self.member_min_age,
            max_years: self.member_max_age.max(self.member_min_age),
        }
    }

    /// Access-token lifetime.
    pub fn access_ttl(&self) -> Duration {
        Duration::from_secs(self.access_ttl_seconds)
    }

    /// Refresh-token lifetime.
    pub fn refresh_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_ttl_seconds)
    }

    /// The database URL in force: the configured one, or SQLite in the data directory.
    pub fn effective_database_url(&self) -> String {
        use secrecy::ExposeSecret;
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("dautri.sqlite3").display()
            ),
        }
    }

    /// Whether an answer's acknowledgement waits for its journal write (see [`Acknowledge`]).
    pub fn answers_wait_for_journal(&self) -> bool {
        match self.acknowledge {
            Acknowledge::Journaled => true,
            Acknowledge::Stored => false,
            Acknowledge::Auto => self.redis_url.is_none(),
        }
    }

    /// How long an answer lingers for others to share its journal write (see `journal_ack_ms`).
    pub fn journal_linger(&self) -> Duration {
        let default = if self.answers_wait_for_journal() {
            0
        } else {
            50
        };
        Duration::from_millis(self.journal_ack_ms.unwrap_or(default))
    }

    /// The database pool's size: the configured one, or [`POSTGRES_POOL_SIZE`] on PostgreSQL
    /// and [`SQLITE_POOL_SIZE`] on SQLite.
    ///
    /// SQLite has one writer, and each of its connections keeps its own page cache and prepared
    /// statements on its own thread. During a 20,000-member day, `malloc_stats` found about
    /// 60 MiB in use in the allocator arenas those threads share with the runtime's blocking
    /// threads; twenty connections also let more writers wait in SQLite's sleeping busy
    /// handler instead of the pool's queue.
    pub fn database_pool_size(&self) -> u32 {
        self.database_max_connections.unwrap_or_else(|| {
            if self.effective_database_url().starts_with("sqlite:") {
                SQLITE_POOL_SIZE
            } else {
                POSTGRES_POOL_SIZE
            }
        })
    }

    /// Whether the database is the embedded SQLite one.
    pub fn is_embedded_database(&self) -> bool {
        self.database_url.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_without_any_environment() {
        let s = Settings::from_args(["api"]).expect("defaults parse");
        assert_eq!(s.port, 8080);
        assert_eq!(s.bind.to_string(), "127.0.0.1");
        assert!(s.is_embedded_database());
        assert!(s.effective_database_url().starts_with("sqlite://"));
    }

    #[test]
    fn answers_wait_for_the_journal_only_with_the_in_process_store_by_default() {
        let embedded = Settings::from_args(["api"]).expect("defaults");
        assert!(embedded.answers_wait_for_journal());
        assert_eq!(embedded.journal_linger(), Duration::ZERO);
        let redis = Settings::from_args(["api", "--redis-url", "redis://127.0.0.1:6379"])
            .expect("with Redis");
        assert!(!redis.answers_wait_for_journal());
        assert_eq!(redis.journal_linger(), Duration::from_millis(50));
        let journaled = Settings::from_args([
            "api",
            "--redis-url",
            "redis://127.0.0.1:6379",
            "--acknowledge",
            "journaled",
            "--journal-ack-ms",
            "5",
        ])
        .expect("journaled");
        assert!(journaled.answers_wait_for_journal());
        assert_eq!(journaled.journal_linger(), Duration::from_millis(5));
        let stored = Settings::from_args(["api", "--acknowledge", "stored"]).expect("stored");
        assert!(!stored.answers_wait_for_journal());
    }

    #[test]
    fn the_pool_is_small_on_sqlite_unless_set() {
        let embedded = Settings::from_args(["api"]).expect("defaults");
        assert_eq!(embedded.database_pool_size(), SQLITE_POOL_SIZE);
        let sqlite_file = Settings::from_args(["api", "--database-url", "sqlite:///tmp/d.sqlite3"])
            .expect("a SQLite file");
        assert_eq!(sqlite_file.database_pool_size(), SQLITE_POOL_SIZE);
        let postgres = Settings::from_args(["api", "--database-url", "postgres://db/dautri"])
            .expect("PostgreSQL");
        assert_eq!(postgres.database_pool_size(), 20);
        let set = Settings::from_args(["api", "--database-max-connections", "9"]).expect("set");
        assert_eq!(set.database_pool_size(), 9);
        let zero = Settings::from_args(["api", "--database-max-connections", "0"])
            .expect_err("an empty pool serves nobody");
        assert!(
            zero.to_string().contains("--database-max-connections"),
            "{zero}"
        );
    }

    #[test]
    fn a_bad_value_names_the_setting() {
        let err = Settings::from_args(["api", "--port", "eighty"]).expect_err("must fail");
        assert!(err.to_string().contains("--port"), "{err}");
    }
}

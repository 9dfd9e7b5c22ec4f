//! `ceiling`: the least a server can do for dautri's two hottest requests, to measure this
//! machine's ceiling beside dautri in the same run (see `loadtest::ceiling`):
//!
//! - `GET /plain`: a trivial handler;
//! - `PUT /answer/{attempt}/{question}`: verify an HS256 bearer token, then one `EVALSHA` of a
//!   small script that saves the option and keeps a running score (no database, no session
//!   check, no validation beyond the token).
//!
//! Listens on a free loopback port and prints `<port> <token>` on its first line. Keys go under
//! `CEILING_PREFIX` (default `ceiling`) on `REDIS_URL` (default `redis://127.0.0.1:6379`).

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
}

/// KEYS[1] the attempt's hash; ARGV[1] question, ARGV[2] option, ARGV[3] now (ms).
/// Returns 1 when saved, 0 past the deadline.
const SAVE: &str = r"
local deadline = tonumber(redis.call('HGET', KEYS[1], 'deadline') or '0')
if deadline > 0 and tonumber(ARGV[3]) > deadline then return 0 end
local field = 'q:' .. ARGV[1]
local before = redis.call('HGET', KEYS[1], field)
redis.call('HSET', KEYS[1], field, ARGV[2])
if before == '0' then redis.call('HINCRBY', KEYS[1], 'score', -1) end
if ARGV[2] == '0' then redis.call('HINCRBY', KEYS[1], 'score', 1) end
return 1
";

struct Shared {
    redis: redis::aio::ConnectionManager,
    save: redis::Script,
    key: DecodingKey,
    validation: Validation,
    prefix: String,
}

async fn plain() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

#[derive(Deserialize)]
struct Body {
    option_ids: Vec<String>,
}

async fn answer(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Body>,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    let Some(token) = token else {
        return HttpResponse::Unauthorized().finish();
    };
    if jsonwebtoken::decode::<Claims>(token, &shared.key, &shared.validation).is_err() {
        return HttpResponse::Unauthorized().finish();
    }
    let (attempt, question) = path.into_inner();
    let option = body.option_ids.first().cloned().unwrap_or_default();
    let now = chrono::Utc::now().timestamp_millis();
    let mut con = shared.redis.clone();
    let saved: redis::RedisResult<i64> = shared
        .save
        .key(format!("{}:{{a:{attempt}}}", shared.prefix))
        .arg(question)
        .arg(option)
        .arg(now)
        .invoke_async(&mut con)
        .await;
    match saved {
        Ok(1) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"saved":true}"#),
        Ok(_) => HttpResponse::Conflict().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let prefix = std::env::var("CEILING_PREFIX").unwrap_or_else(|_| "ceiling".to_owned());
    let secret: [u8; 32] = rand::random();
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &Claims {
            sub: "ceiling".into(),
            exp: u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0) + 86_400,
        },
        &EncodingKey::from_secret(&secret),
    )?;
    let redis =
        redis::aio::ConnectionManager::new(redis::Client::open(redis_url.as_str())?).await?;
    let shared = web::Data::new(Shared {
        redis,
        save: redis::Script::new(SAVE),
        key: DecodingKey::from_secret(&secret),
        validation: Validation::new(Algorithm::HS256),
        prefix,
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .route("/plain", web::get().to(plain))
            .route("/answer/{attempt}/{question}", web::put().to(answer))
    })
    .listen(listener)?
    .run();
    println!("{port} {token}");
    server.await?;
    Ok(())
}

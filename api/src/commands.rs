//! The command-line tasks besides serving: migrate, create-admin, demo, rebuild-boards, openapi.

use std::io::BufRead;

use anyhow::{Context, bail};
use sea_orm::TransactionTrait;

use crate::auth::password;
use crate::config::Settings;
use crate::domain::ids::ContestId;
use crate::domain::password::NewPassword;
use crate::domain::person::FullName;
use crate::domain::phone::Phone;
use crate::domain::role::{Grant, Role};
use crate::persistence;

/// Applies pending migrations.
pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    persistence::db::connect_and_migrate(&settings).await?;
    println!("migrations applied");
    Ok(())
}

/// Creates the first (or another) system admin. The password comes from
/// `DAUTRI_ADMIN_PASSWORD` or the first line of stdin; there is no default.
pub async fn create_admin(settings: Settings, phone: &str, full_name: &str) -> anyhow::Result<()> {
    let phone = Phone::parse(phone).map_err(|e| anyhow::anyhow!("--phone: {e}"))?;
    let db = persistence::db::connect_and_migrate(&settings).await?;
    let existing = persistence::users::credentials_by_phone(&db, phone.as_str()).await?;
    let user = match existing {
        Some((user, _)) => {
            println!(
                "{} already has an account; granting the admin role",
                phone.as_str()
            );
            user
        }
        None => {
            let raw = match std::env::var("DAUTRI_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password for {} (one line on stdin):", phone.as_str());
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("cannot read the password from stdin")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            if raw.is_empty() {
                bail!("no password given: set DAUTRI_ADMIN_PASSWORD or pipe it on stdin");
            }
            let password = NewPassword::parse(raw, Some(&phone))
                .map_err(|e| anyhow::anyhow!("password: {e}"))?;
            let full_name =
                FullName::parse(full_name).map_err(|e| anyhow::anyhow!("--full-name: {e}"))?;
            let unit = crate::demo::staff_unit(&db).await?;
            let hash = password::hash_once(password.expose().to_owned()).await?;
            persistence::users::insert(
                &db,
                persistence::users::NewUser {
                    phone: phone.as_str().to_owned(),
                    password_hash: hash,
                    full_name: full_name.as_str().to_owned(),
                    birth_date: None,
                    unit_id: unit.id,
                    citizen_id: None,
                    email: None,
                    admitted_at: None,
                },
            )
            .await?
        }
    };
    let grants = persistence::roles::for_user(&db, user.id).await?;
    if grants.iter().any(|g| g.role == Role::Admin) {
        println!("{} is already an admin", phone.as_str());
        return Ok(());
    }
    let txn = db.begin().await?;
    persistence::roles::add(
        &txn,
        user.id,
        &[Grant {
            role: Role::Admin,
            unit_id: None,
        }],
    )
    .await?;
    persistence::audit::record(
        &txn,
        None,
        "user.roles",
        Some(user.id.into_uuid()),
        serde_json::json!({"granted": "admin", "by": "create-admin command"}),
    )
    .await?;
    txn.commit().await?;
    println!("{} is now a system admin", phone.as_str());
    Ok(())
}

/// Creates the demo data (idempotent) and prints how to sign in.
pub async fn demo(settings: Settings) -> anyhow::Result<()> {
    let db = persistence::db::connect_and_migrate(&settings).await?;
    let report = crate::demo::create(&db, &settings.data_dir).await?;
    println!("{report}");
    Ok(())
}

/// Rebuilds the live boards of one contest, or of every contest with recent results, from the
/// database into Redis.
pub async fn rebuild_boards(settings: Settings, contest: Option<uuid::Uuid>) -> anyhow::Result<()> {
    if settings.redis_url.is_none() {
        bail!(
            "the in-process scoring store lives in the running server: rebuild there with \
             POST /api/v1/rounds/{{id}}/leaderboard/rebuild (or set REDIS_URL)"
        );
    }
    let state = crate::startup::build_state(settings).await?;
    let started = std::time::Instant::now();
    let done = match contest {
        Some(id) => crate::standings::rebuild_contest(&state, ContestId::from_uuid(id)).await,
        None => {
            crate::standings::rebuild_recent(
                &state,
                chrono::Utc::now() - chrono::Duration::days(60),
            )
            .await
        }
    }
    .map_err(|e| anyhow::anyhow!("rebuild failed: {}", crate::error::cause_chain(&e)))?;
    println!(
        "rebuilt: {} results counted, {} voided left out, in {:.1} s",
        done.results,
        done.voided,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes the OpenAPI document as pretty JSON (with a final newline), as `/api/openapi.json`
/// serves it. Builds no state: the document comes from the handlers' annotations alone.
pub fn print_openapi(out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let json = crate::startup::openapi()
        .to_pretty_json()
        .context("cannot serialise the OpenAPI document")?;
    writeln!(out, "{json}").context("cannot write the OpenAPI document")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn openapi_command_prints_the_served_document() {
        let mut out = Vec::new();
        super::print_openapi(&mut out).expect("printed");
        let printed: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(printed, serde_json::json!(crate::startup::openapi()));
        assert!(out.ends_with(b"}\n"));
    }
}

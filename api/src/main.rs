//! The `api` binary: parse settings, set up logging, then serve or run a command.

use clap::Parser;
use dautri_api::config::{Cli, Command};
use dautri_api::{commands, startup::Application, telemetry};

/// mimalloc (the default feature `mimalloc`): the README's *Performance* measures it against the
/// system allocator (`--no-default-features`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // sqlx brings `ring` and other crates may bring `aws-lc-rs`; with both, rustls cannot pick
    // a provider on its own and `rediss://` would panic. Choose one, once.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        // Before logging starts: log lines go to stdout as well and would corrupt the document.
        return commands::print_openapi(&mut std::io::stdout().lock());
    }
    telemetry::init_subscriber(telemetry::get_subscriber(
        "info",
        telemetry::LogFormat::for_stdout(cli.settings.log_json),
        std::io::stdout,
    ));
    match command {
        Command::Serve => {
            Application::build(cli.settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Command::Migrate => commands::migrate(cli.settings).await?,
        Command::CreateAdmin { phone, full_name } => {
            commands::create_admin(cli.settings, &phone, &full_name).await?
        }
        Command::Demo => commands::demo(cli.settings).await?,
        Command::RebuildBoards { contest } => {
            commands::rebuild_boards(cli.settings, contest).await?
        }
        Command::Openapi => commands::print_openapi(&mut std::io::stdout().lock())?,
    }
    Ok(())
}

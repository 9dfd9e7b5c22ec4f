//! The migrations CLI: `migrations up|down|status|fresh|…`, reading `DATABASE_URL`.

#[tokio::main]
async fn main() {
    sea_orm_migration::cli::run_cli(migrations::Migrator).await;
}

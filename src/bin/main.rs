use copydesk::app::App;
use loco_rs::cli;
use migration::Migrator;

/// mimalloc: rendering pages allocates many short-lived strings, which it handles faster than
/// the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> loco_rs::Result<()> {
    cli::main::<App, Migrator>().await
}

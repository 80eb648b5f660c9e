use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() {
    server::memory::limit_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("the runtime starts");
    // Exits without waiting for the runtime's blocking threads, as `#[tokio::main]` would.
    let code = runtime.block_on(run());
    std::process::exit(code);
}

async fn run() -> i32 {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("COMMUNS_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let cli = server::cli::Cli::parse();
    server::cli::run(cli, &mut std::io::stdout(), &mut std::io::stderr()).await
}

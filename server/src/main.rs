use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("COMMUNS_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let cli = server::cli::Cli::parse();
    let code = server::cli::run(cli, &mut std::io::stdout(), &mut std::io::stderr()).await;
    std::process::exit(code);
}

use clap::Parser;
use server::logging::LogFormat;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

fn main() {
    server::memory::limit_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("the runtime starts");
    // Exits without waiting for the runtime's blocking threads, as `#[tokio::main]` would.
    let code = runtime.block_on(run());
    std::process::exit(code);
}

async fn run() -> i32 {
    let filter = EnvFilter::try_from_env("COMMUNS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let format = match std::env::var("COMMUNS_LOG_FORMAT") {
        Ok(v) => LogFormat::parse(Some(&v)),
        Err(std::env::VarError::NotPresent) => LogFormat::parse(None),
        Err(std::env::VarError::NotUnicode(_)) => Err("COMMUNS_LOG_FORMAT is not UTF-8; it takes json or text".into()),
    };
    let format = match format {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return server::cli::FAILED;
        }
    };
    server::logging::subscriber(format, filter, std::io::stderr).init();
    let cli = server::cli::Cli::parse();
    server::cli::run(cli, &mut std::io::stdout(), &mut std::io::stderr()).await
}

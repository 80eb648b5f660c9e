//! What the process logs, and how: text for a person at a terminal, JSON lines
//! (`COMMUNS_LOG_FORMAT=json`) for a log collector. Every line logged while a request runs
//! carries the request's id, the one the proxy sent in `X-Request-Id` or one made here,
//! which the answer carries back.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `COMMUNS_LOG_FORMAT`'s value: `json` or `text`; unset or empty is text.
    pub fn parse(value: Option<&str>) -> Result<LogFormat, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!("COMMUNS_LOG_FORMAT: {other:?} is neither json nor text")),
        }
    }
}

/// The subscriber that writes to `writer` what `filter` lets through, in `format`.
pub fn subscriber<W>(format: LogFormat, filter: EnvFilter, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match format {
        // The request's span (its id, method and path) on each line, not the whole stack.
        LogFormat::Json => Box::new(builder.json().with_current_span(true).with_span_list(false).finish()),
        LogFormat::Text => Box::new(builder.finish()),
    }
}

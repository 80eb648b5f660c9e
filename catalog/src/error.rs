use thiserror::Error;

/// Everything the catalog can refuse or fail at. `Invalid` and `Conflict` name the field so
/// that the server can point a user at it; `Database` carries details that are logged, not
/// shown.
#[derive(Debug, Error)]
pub enum Error {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), message: message.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }

    pub fn not_found(what: &'static str, key: impl Into<String>) -> Self {
        Error::NotFound { what, key: key.into() }
    }

    /// Prefixes the field of a validation error, so that an error found deep in a record
    /// names its full path (`repositories[2].url`).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Error::Invalid { field, message } => Error::Invalid { field: join_field(prefix, &field), message },
            Error::Conflict { field, message } => Error::Conflict { field: join_field(prefix, &field), message },
            other => other,
        }
    }
}

fn join_field(prefix: &str, field: &str) -> String {
    if field.is_empty() {
        prefix.to_string()
    } else if field.starts_with('[') {
        format!("{prefix}{field}")
    } else {
        format!("{prefix}.{field}")
    }
}

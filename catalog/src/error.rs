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
    /// Several fields of one form are invalid: each with its message, in the form's order.
    #[error("{}", .0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))]
    Fields(Vec<(String, String)>),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[cfg(feature = "store")]
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[cfg(feature = "store")]
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The database did not answer: gone, restarting, refusing connections, or every
    /// connection busy past the wait. Worth trying again shortly, unlike other failures.
    #[cfg(feature = "store")]
    pub fn is_unavailable(&self) -> bool {
        let Error::Database(e) = self else { return false };
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => {
                true
            }
            // SQLite busy past its wait; PostgreSQL shutting down, starting, or full.
            _ => e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| matches!(c.as_ref(), "5" | "57P01" | "57P02" | "57P03" | "53300")),
        }
    }

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
            Error::Fields(all) => Error::Fields(all.into_iter().map(|(f, m)| (join_field(prefix, &f), m)).collect()),
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

/// Gathers the errors of a form's fields, so that one answer names every bad field.
#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<(String, String)>,
}

impl Checks {
    /// The value, or `None` with its error kept.
    pub fn take<T>(&mut self, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: Error) {
        match e {
            Error::Invalid { field, message } => self.errors.push((field, message)),
            Error::Fields(all) => self.errors.extend(all),
            other => self.errors.push((String::new(), other.to_string())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether an error names `field` already.
    pub fn names(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }

    /// `Ok` when every field passed; one error naming its field, or all of them.
    pub fn finish(mut self) -> Result<()> {
        match self.errors.len() {
            0 => Ok(()),
            1 => {
                let (field, message) = self.errors.remove(0);
                Err(Error::Invalid { field, message })
            }
            _ => Err(Error::Fields(self.errors)),
        }
    }
}

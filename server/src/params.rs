//! Query parameters, parsed by hand so that a bad or unknown one is named in a 400.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;

use crate::error::Error;

/// A record's slug from the path (`/software/{slug}`, `/organisations/{slug}`). What
/// cannot be a slug names no record: 404, said as for an unknown one.
pub struct RecordSlug(pub catalog::Slug);

impl<S: Send + Sync> FromRequestParts<S> for RecordSlug {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let what = if crate::auth::asked_path(parts).contains("/organisations/") { "organisation" } else { "software" };
        let raw = match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(raw)) => raw,
            // A segment that is not even UTF-8 is the request's fault (400), not a record's.
            Err(e) => return Err(Error::Refused { status: e.status(), detail: e.body_text() }),
        };
        catalog::Slug::parse(&raw).map(RecordSlug).map_err(|_| catalog::Error::not_found(what, raw).into())
    }
}

/// The raw query string's parameters; handlers take typed values out of it.
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(map) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| Error::bad_parameter("query", e.body_text()))?;
        let mut out = HashMap::new();
        for (k, v) in map {
            // A NUL or an escape sequence has no place in a query, and would be echoed into
            // pages, logs and terminals.
            if k.chars().chain(v.chars()).any(char::is_control) {
                return Err(Error::bad_parameter(&k, "holds a control character; give plain text"));
            }
            if out.insert(k.clone(), v).is_some() {
                return Err(Error::bad_parameter(&k, "is given more than once"));
            }
        }
        Ok(Params(out))
    }
}

impl Params {
    /// Refuses parameters the route does not know, so that a typo is not silently ignored.
    pub fn allow(&self, known: &[&str]) -> Result<(), Error> {
        let mut unknown: Vec<_> = self.0.keys().filter(|k| !known.contains(&k.as_str())).collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(k) => {
                Err(Error::bad_parameter(k, format!("unknown parameter; this route takes: {}", known.join(", "))))
            }
        }
    }

    /// Refuses parameters that the route's query struct does not declare.
    pub fn allow_of<T: utoipa::IntoParams>(&self) -> Result<(), Error> {
        let names = crate::openapi::names::<T>();
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        self.allow(&known)
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A parameter as given, empty included (`need=` says something `text` would not).
    pub fn given(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|s| !s.is_empty())
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, Error> {
        self.text(name)
            .map(|v| v.parse::<i64>().map_err(|_| Error::bad_parameter(name, format!("{v:?} is not a whole number"))))
            .transpose()
    }

    /// Parses with a catalog parser; its message explains what is expected.
    pub fn parsed<T>(&self, name: &str, parse: impl Fn(&str) -> catalog::Result<T>) -> Result<Option<T>, Error> {
        self.text(name)
            .map(|v| {
                parse(v).map_err(|e| match e {
                    catalog::Error::Invalid { message, .. } => Error::bad_parameter(name, message),
                    other => Error::bad_parameter(name, other.to_string()),
                })
            })
            .transpose()
    }

    /// `limit` (1 to 500, default 50) and `offset` (0 or more).
    pub fn page(&self) -> Result<(i64, i64), Error> {
        let (limit, offset) = (self.int("limit")?, self.int("offset")?);
        catalog::page_bounds(limit, offset).map_err(|e| match e {
            catalog::Error::Invalid { field, message } => Error::bad_parameter(&field, message),
            other => Error::from(other),
        })
    }
}

//! The logs as a collector reads them: JSON lines, each request's lines carrying its id.
//! Alone in its test binary: the subscriber it sets is the process's.

use std::sync::{Arc, Mutex};

/// A writer into memory, for a subscriber under test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn json_logs_are_lines_that_carry_the_request_id() {
    use tower::ServiceExt;
    assert_eq!(server::logging::LogFormat::parse(Some("json")), Ok(server::logging::LogFormat::Json));
    assert_eq!(server::logging::LogFormat::parse(None), Ok(server::logging::LogFormat::Text));
    let e = server::logging::LogFormat::parse(Some("xml")).unwrap_err();
    assert_eq!(e, "COMMUNS_LOG_FORMAT: \"xml\" is neither json nor text");

    let captured = Captured::default();
    let filter = tracing_subscriber::EnvFilter::new("info,tower_http=debug");
    let subscriber = server::logging::subscriber(server::logging::LogFormat::Json, filter, captured.clone());
    // For the whole process, as `communs` sets it: a subscriber set for one thread misses
    // events whose interest another thread's test cached first.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let db = tests::TestDb::sqlite().await;
    let app = server::api::router(db.store.clone());
    let request = |id: Option<&str>| {
        let mut r = axum::http::Request::get("/api/v1/software?limit=1");
        if let Some(id) = id {
            r = r.header("x-request-id", id);
        }
        r.body(axum::body::Body::empty()).unwrap()
    };
    let answer = app.clone().oneshot(request(None)).await.unwrap();
    let made = answer.headers()["x-request-id"].to_str().unwrap().to_string();
    app.oneshot(request(Some("from-the-proxy"))).await.unwrap();
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let ids: Vec<&str> = lines.iter().filter_map(|l| l["span"]["request_id"].as_str()).collect();
    assert!(ids.contains(&made.as_str()), "{text}");
    assert!(ids.contains(&"from-the-proxy"), "{text}");
    assert!(lines.iter().all(|l| l["span"]["uri"].as_str() == Some("/api/v1/software?limit=1")), "{text}");
    db.finish().await;
}

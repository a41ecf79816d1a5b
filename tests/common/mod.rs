//! The test harness: every test gets a fresh database of its own (a SQLite file, or a new
//! PostgreSQL database), so tests run in parallel and never see each other's rows.
//!
//! Tests written with [`both_backends!`] run once on SQLite and once on PostgreSQL. When
//! PostgreSQL cannot be reached the PostgreSQL half is skipped with a note, unless
//! `COPYDESK_TEST_REQUIRE` names it (`postgres`, or `all`; CI sets `all`), which turns the
//! skip into a failure.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod fixtures;
pub mod html_safety;
pub mod job_stores;
pub mod mail_sink;
pub mod smtp;
pub mod uploads;

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Request, StatusCode, header},
};
use copydesk::app::App;
use http_body_util::BodyExt;
use loco_rs::{
    app::{AppContext, Hooks},
    boot::{StartMode, create_app},
    environment::Environment,
};
use migration::Migrator;
use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A booted app on its own database.
#[derive(Clone)]
pub struct TestApp {
    pub router: Router,
    pub ctx: AppContext,
    pub backend: Backend,
}

pub enum Cleanup {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("copydesk_t_{}_{n}_{nanos:x}", std::process::id())
}

/// The server PostgreSQL tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("COPYDESK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// Whether the service `name` must be reachable: `COPYDESK_TEST_REQUIRE` is a comma list of
/// service names, or `all`.
pub fn required(name: &str) -> bool {
    std::env::var("COPYDESK_TEST_REQUIRE")
        .is_ok_and(|v| v.split(',').map(str::trim).any(|s| s == name || s == "all"))
}

pub async fn prepare(backend: Backend) -> Option<(String, Cleanup)> {
    let name = unique_name();
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.sqlite"));
            let uri = format!("sqlite://{}?mode=rwc", path.display());
            Some((uri, Cleanup::File(path)))
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let mut opts = ConnectOptions::new(&admin_url);
            opts.connect_timeout(Duration::from_secs(3))
                .max_connections(1)
                .sqlx_logging(false);
            let admin = match Database::connect(opts).await {
                Ok(db) => db,
                Err(err) if required("postgres") => {
                    panic!(
                        "PostgreSQL is required (COPYDESK_TEST_REQUIRE) but {admin_url} is unreachable: {err}"
                    )
                }
                Err(err) => {
                    eprintln!(
                        "skipped: PostgreSQL at {admin_url} is unreachable ({err}); set COPYDESK_TEST_REQUIRE=postgres to fail instead"
                    );
                    return None;
                }
            };
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b);
            Some((
                format!("{base}/{name}"),
                Cleanup::Postgres {
                    admin_url: admin_url.clone(),
                    name,
                },
            ))
        }
    }
}

pub async fn cleanup(c: Cleanup) {
    match c {
        Cleanup::File(path) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        Cleanup::Postgres { admin_url, name } => {
            if let Ok(admin) = Database::connect(&admin_url).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            }
        }
    }
}

/// Boots the app on a new database of `backend` and runs `test` against it; the database is
/// removed afterwards, also when the test fails.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_with(backend, |_| {}, test).await;
}

/// As [`run`], with `tweak` applied to the test config first.
pub async fn run_with<F, Fut>(
    backend: Backend,
    tweak: impl FnOnce(&mut loco_rs::config::Config),
    test: F,
) where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_in(backend, &Environment::Test, tweak, test).await;
}

/// As [`run_with`], booted as `environment` (the test config still applies).
pub async fn run_in<F, Fut>(
    backend: Backend,
    environment: &Environment,
    tweak: impl FnOnce(&mut loco_rs::config::Config),
    test: F,
) where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some((uri, c)) = prepare(backend).await else {
        return;
    };
    let mut config = App::load_config(&Environment::Test)
        .await
        .expect("config/test.yaml loads");
    config.database.uri = uri;
    tweak(&mut config);
    let boot = create_app::<App, Migrator>(StartMode::ServerOnly, environment, config)
        .await
        .expect("app boots");
    let app = TestApp {
        router: boot.router.expect("a router"),
        ctx: boot.app_context.clone(),
        backend,
    };
    let db = app.ctx.db.clone();
    let outcome = tokio::spawn(test(app)).await;
    let _ = db.close().await;
    cleanup(c).await;
    if let Err(err) = outcome {
        if err.is_panic() {
            std::panic::resume_unwind(err.into_panic());
        }
        panic!("test task failed: {err}");
    }
}

/// Defines `mod $name { fn sqlite(); fn postgres(); }` running `$body` on each backend.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::run($crate::common::Backend::Sqlite, $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::run($crate::common::Backend::Postgres, $body).await;
            }
        }
    };
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub const DEFAULT_IP: &str = "198.51.100.7";

impl TestApp {
    pub async fn send(&self, mut req: Request<Body>, ip: &str) -> Resp {
        let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut b = Request::get(path).header(header::ACCEPT, "text/html");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::empty()).unwrap(), DEFAULT_IP).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)], ip: &str) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body))
            .unwrap();
        self.send(req, ip).await
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The text between the first `start` marker and the following `end` marker, inclusive:
/// the fragment a snapshot looks at.
pub fn fragment<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let a = html
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not in page"));
    let b = html[a..]
        .find(end)
        .map_or(html.len(), |i| a + i + end.len());
    &html[a..b]
}

//! End to end in headless Chromium (Selenium + chromedriver): a mail job fails because the
//! mail server is down; the mail server comes up; a support person finds the job under
//! Retries, opens it, retries it, and sees it processed. Screenshots are saved in
//! `target/e2e-screenshots/`.
//!
//! An editor works the admin engine: filters and searches the posts list, edits a post with a
//! validation error then fixes it, and sends two drafts to review through the bulk action's
//! confirmation page. Screenshots are saved in `target/e2e-screenshots/admin/`.
use std::{collections::BTreeMap, net::SocketAddr, time::Duration};

use copydesk::{
    jobs::{self, Jobs},
    models::{_entities::posts, mail},
    settings::Settings,
};
use copydesk_workers::{
    api::{Filter, Inspector},
    store::SortedSet,
};
use sea_orm::EntityTrait;

mod media;
mod reports;

use crate::common::{
    Backend, TestApp,
    browser::{PASSWORD, user},
    fixtures::{self, PostSpec},
    required, run_with,
    smtp::SmtpSink,
};

pub(super) fn python_has(modules: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .status()
        .is_ok_and(|s| s.success())
}

pub(super) fn browser_present() -> bool {
    std::path::Path::new("/usr/bin/chromium").exists()
        && std::path::Path::new("/usr/bin/chromedriver").exists()
        && python_has("selenium")
}

fn tools_present() -> bool {
    browser_present() && python_has("aiosmtpd")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_retries_a_failed_job_in_chromium() {
    if !tools_present() {
        assert!(
            !required("chromium"),
            "Chromium, chromedriver, selenium and aiosmtpd are required"
        );
        eprintln!(
            "skipped: Chromium, chromedriver or the Python selenium/aiosmtpd packages are missing"
        );
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tweak = move |config: &mut loco_rs::config::Config| {
        config.mailer = Some(
            serde_json::from_value(serde_json::json!({"stub": false, "smtp": {"enable": true, "host": "127.0.0.1", "port": smtp_port, "secure": false}}))
                .unwrap(),
        );
        if let Some(s) = config.settings.as_mut() {
            s["mail"]["transport"] = serde_json::json!("smtp");
            s["site"]["base_url"] = serde_json::json!(format!("http://127.0.0.1:{port}"));
        }
    };
    run_with(Backend::Sqlite, tweak, move |app: TestApp| async move {
        let support = user(&app, "support", "Sue Port").await;
        let locals = serde_json::json!({"name": "Reader", "reset_link": "http://x/", "site_title": "Copydesk"});
        mail::deliver(&app.ctx, "reader@example.com", "password_changed", &locals).await.unwrap();
        let settings = Settings::get(&app.ctx).unwrap();
        let jobs_rt = Jobs::get(&app.ctx).unwrap();
        let api = Inspector::new(jobs_rt.client.clone());
        let server = jobs::start_server(&app.ctx, &settings, &jobs_rt).await.unwrap();
        for _ in 0..150 {
            if api.list(SortedSet::Retry, &Filter::default(), 0, 1).await.unwrap().total == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Stop working jobs, so the failed one waits under Retries for the person (its
        // automatic retry would otherwise race the browser).
        server.shutdown().await.unwrap();
        // The mail server comes up; the job will succeed when retried.
        let sink = SmtpSink::start_on(smtp_port).expect("aiosmtpd starts");
        // Once the person has put the job back in its queue, work the jobs again.
        let ctx = app.ctx.clone();
        let watcher = tokio::spawn(async move {
            let api = Inspector::new(Jobs::get(&ctx).unwrap().client.clone());
            for _ in 0..1200 {
                let queued: u64 = api.queues().await.unwrap().iter().map(|q| q.size).sum();
                if queued > 0 {
                    let settings = Settings::get(&ctx).unwrap();
                    let jobs_rt = Jobs::get(&ctx).unwrap();
                    return Some(jobs::start_server(&ctx, &settings, &jobs_rt).await.unwrap());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            None
        });

        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let router = app.router.clone();
        let web = tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await
        });
        let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/jobs_retry.py");
        let base = format!("http://127.0.0.1:{port}");
        let email = support.email.clone();
        let shots_dir = shots.clone();
        let run = tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3").arg(&script).arg(&base).arg(&shots_dir).arg(&email).arg(PASSWORD).output()
        });
        let out = tokio::time::timeout(Duration::from_secs(180), run)
            .await
            .expect("the browser script finishes within 3 minutes")
            .unwrap()
            .unwrap();
        web.abort();
        if let Some(server) = watcher.await.unwrap() {
            server.shutdown().await.unwrap();
        }
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "the browser script failed:\n{text}");
        assert!(text.contains("e2e: ok"), "{text}");
        assert_eq!(sink.messages().len(), 1, "the retried mail reached the mail server");
        for n in ["1-dashboard", "2-retries", "3-detail", "4-retried", "5-processed"] {
            assert!(shots.join(format!("{n}.png")).exists(), "screenshot {n}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_works_the_admin_in_chromium() {
    if !browser_present() {
        assert!(
            !required("chromium"),
            "Chromium, chromedriver and selenium are required"
        );
        eprintln!("skipped: Chromium, chromedriver or the Python selenium package is missing");
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let tweak = move |config: &mut loco_rs::config::Config| {
        if let Some(s) = config.settings.as_mut() {
            s["site"]["base_url"] = serde_json::json!(format!("http://127.0.0.1:{port}"));
        }
    };
    run_with(Backend::Sqlite, tweak, move |app: TestApp| async move {
        const NEW_TITLE: &str = "A harbour story, retitled";
        let editor = user(&app, "editor", "Edna Itor").await;
        let author = fixtures::author(&app.ctx.db, "Arthur Penn").await;
        let seeds = [
            ("Harbour lights at dusk", "draft"),
            ("Harbour tides explained", "draft"),
            ("Mountain roads in winter", "draft"),
            ("City gardens revisited", "draft"),
            ("Harbour ferries timetable", "in_review"),
            ("Night markets guide", "in_review"),
            ("Harbour festival recap", "published"),
            ("River walks for everyone", "published"),
        ];
        let mut before = BTreeMap::new();
        for (n, (title, state)) in seeds.into_iter().enumerate() {
            let days = i64::try_from(n).unwrap() + 1;
            let p = fixtures::post(
                &app.ctx.db,
                &author,
                PostSpec::published(title, days).state(state),
            )
            .await;
            before.insert(p.id, p);
        }

        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let router = app.router.clone();
        let web = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let shots = root.join("target/e2e-screenshots/admin");
        let script = root.join("tests/e2e/admin_flow.py");
        let base = format!("http://127.0.0.1:{port}");
        let email = editor.email.clone();
        let shots_dir = shots.clone();
        let run = tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3")
                .arg(&script)
                .arg(&base)
                .arg(&shots_dir)
                .arg(&email)
                .arg(PASSWORD)
                .arg(NEW_TITLE)
                .output()
        });
        let out = tokio::time::timeout(Duration::from_secs(180), run)
            .await
            .expect("the browser script finishes within 3 minutes")
            .unwrap()
            .unwrap();
        web.abort();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "the browser script failed:\n{text}");
        assert!(text.contains("e2e: ok"), "{text}");
        let ids = |prefix: &str| -> Vec<i32> {
            text.lines()
                .filter_map(|l| l.strip_prefix(prefix))
                .map(|id| id.trim().parse().unwrap())
                .collect()
        };
        let edited = ids("EDITED ");
        let ticked = ids("TICKED ");
        assert_eq!(edited.len(), 1, "{text}");
        assert_eq!(ticked.len(), 2, "{text}");
        assert!(!ticked.contains(&edited[0]), "{text}");

        let after: BTreeMap<i32, posts::Model> = posts::Entity::find()
            .all(&app.ctx.db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        assert_eq!(after.len(), before.len(), "no post was added or removed");
        for (id, old) in &before {
            let new = &after[id];
            if ticked.contains(id) {
                assert_eq!(old.state, "draft", "post {id} was a draft when ticked");
                assert_eq!(new.state, "in_review", "post {id} was sent to review");
            } else {
                assert_eq!(new.state, old.state, "post {id} kept its state");
            }
            if *id == edited[0] {
                assert_eq!(new.title, NEW_TITLE, "the edited post has the new title");
                assert_eq!(
                    new.summary,
                    format!("{} Typed before the error.", old.summary)
                );
                // A browser submits a textarea with CRLF line ends; compare the text only.
                assert_eq!(
                    new.body_markdown.replace("\r\n", "\n"),
                    old.body_markdown,
                    "the body was kept"
                );
            } else {
                assert_eq!(new.title, old.title, "post {id} kept its title");
            }
        }
        for n in [
            "1-signed-in",
            "2-filtered-draft",
            "3-searched",
            "4-edit-error",
            "5-saved",
            "6-confirm",
            "7-bulk-done",
            "8-dark",
        ] {
            assert!(shots.join(format!("{n}.png")).exists(), "screenshot {n}");
        }
    })
    .await;
}

mod editorial;
mod moderation;

/// A loopback port for a walk's server, taken before the app boots so the site's address in
/// its settings can name it.
pub(super) struct Port {
    listener: std::net::TcpListener,
    pub port: u16,
}

impl Port {
    pub(super) fn take() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        Self { listener, port }
    }

    /// Sets `site.base_url` to this port's address.
    pub(super) fn site(port: u16) -> impl Fn(&mut loco_rs::config::Config) + Send + Sync + 'static {
        move |config: &mut loco_rs::config::Config| {
            if let Some(s) = config.settings.as_mut() {
                s["site"]["base_url"] = serde_json::json!(format!("http://127.0.0.1:{port}"));
            }
        }
    }

    /// Serves `app` on the port, runs the Python walk `script` (in tests/e2e) with `args`
    /// within `limit`, stops serving, and returns what the script printed; fails unless it
    /// exited 0 and printed `e2e: ok`.
    pub(super) async fn walk(
        self,
        app: &TestApp,
        script: &str,
        args: Vec<String>,
        limit: Duration,
    ) -> String {
        self.listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(self.listener).unwrap();
        let router = app.router.clone();
        let web = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/e2e")
            .join(script);
        let run = tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3")
                .arg(&script)
                .args(&args)
                .output()
        });
        let out = tokio::time::timeout(limit, run)
            .await
            .expect("the browser script finishes in time")
            .unwrap()
            .unwrap();
        web.abort();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "the browser script failed:\n{text}");
        assert!(text.contains("e2e: ok"), "{text}");
        text
    }
}

//! End to end in headless Chromium (Selenium + chromedriver): a mail job fails because the
//! mail server is down; the mail server comes up; a support person finds the job under
//! Retries, opens it, retries it, and sees it processed. Screenshots are saved in
//! `target/e2e-screenshots/`.
use std::{net::SocketAddr, time::Duration};

use copydesk::{
    jobs::{self, Jobs},
    models::mail,
    settings::Settings,
};
use copydesk_workers::{
    api::{Filter, Inspector},
    store::SortedSet,
};

use crate::common::{
    Backend, TestApp,
    browser::{PASSWORD, user},
    required, run_with,
    smtp::SmtpSink,
};

fn tools_present() -> bool {
    std::path::Path::new("/usr/bin/chromium").exists()
        && std::path::Path::new("/usr/bin/chromedriver").exists()
        && std::process::Command::new("python3")
            .args(["-c", "import selenium, aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success())
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

//! A reader reports a comment with JavaScript on, in headless Chromium (`report_flow.py`):
//! the form opens inline under the comment, errors and the thank-you swap in without
//! leaving the post page, and the report is stored as without JavaScript. Screenshots are
//! saved in `target/e2e-screenshots/reports/`.
use std::{net::SocketAddr, time::Duration};

use copydesk::models::moderation::flags;
use sea_orm::EntityTrait;

use crate::common::{
    Backend, TestApp,
    fixtures::{self, PostSpec},
    required, run_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_reports_a_comment_inline_in_chromium() {
    if !super::browser_present() {
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
        let db = &app.ctx.db;
        let author = fixtures::author(db, "Rita Porter").await;
        let post = fixtures::post(db, &author, PostSpec::published("Reported inline", 1)).await;
        let comment = fixtures::comment(
            db,
            &author,
            post.id,
            Some("Spammer"),
            "Cheap watches at example.test",
            "approved",
        )
        .await;
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
        let shots = root.join("target/e2e-screenshots/reports");
        let script = root.join("tests/e2e/report_flow.py");
        let base = format!("http://127.0.0.1:{port}");
        let (path, id, shots_dir) = (
            format!("/posts/{}", post.slug),
            comment.id.to_string(),
            shots.clone(),
        );
        let run = tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3")
                .arg(&script)
                .arg(&base)
                .arg(&shots_dir)
                .arg(&path)
                .arg(&id)
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
        let stored = flags::Entity::find().all(db).await.unwrap();
        assert_eq!(stored.len(), 1, "one report, stored once");
        assert_eq!(stored[0].reason, "spam");
        assert_eq!(stored[0].text, "Sent from the inline form");
        for n in ["1-open", "2-error", "3-thanks"] {
            assert!(shots.join(format!("{n}.png")).exists(), "screenshot {n}");
        }
    })
    .await;
}

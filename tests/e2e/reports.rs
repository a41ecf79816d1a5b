//! A reader reports a comment with JavaScript on, in headless Chromium (`report_flow.py`):
//! the form opens inline under the comment, errors and the thank-you swap in without
//! leaving the post page, and the report is stored as without JavaScript. Screenshots are
//! saved in `target/e2e-screenshots/reports/`.
use std::time::Duration;

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
    let listen = super::Port::take();
    let port = listen.port;
    run_with(
        Backend::Sqlite,
        super::Port::site(port),
        move |app: TestApp| async move {
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
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let shots = root.join("target/e2e-screenshots/reports");
            let args = vec![
                format!("http://127.0.0.1:{port}"),
                shots.display().to_string(),
                format!("/posts/{}", post.slug),
                comment.id.to_string(),
            ];
            listen
                .walk(&app, "report_flow.py", args, Duration::from_secs(180))
                .await;
            let stored = flags::Entity::find().all(db).await.unwrap();
            assert_eq!(stored.len(), 1, "one report, stored once");
            assert_eq!(stored[0].reason, "spam");
            assert_eq!(stored[0].text, "Sent from the inline form");
            for n in ["1-open", "2-error", "3-thanks"] {
                assert!(shots.join(format!("{n}.png")).exists(), "screenshot {n}");
            }
        },
    )
    .await;
}

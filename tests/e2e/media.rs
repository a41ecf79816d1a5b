//! An editor uploads an image by dropping it on the upload box and inserts it into a post's
//! body from the chooser, in headless Chromium (`media_flow.py`). Screenshots are saved in
//! `target/e2e-screenshots/media/`.
use std::{net::SocketAddr, time::Duration};

use copydesk::models::{_entities::posts, media};
use sea_orm::EntityTrait;

use crate::common::{
    Backend, TestApp,
    browser::{PASSWORD, user},
    fixtures::{self, PostSpec},
    required, run_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_uploads_and_inserts_an_image_in_chromium() {
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
        let editor = user(&app, "editor", "Ida Mage").await;
        let post = fixtures::post(
            &app.ctx.db,
            &editor,
            PostSpec::published("A post with a picture", 1)
                .state("draft")
                .undated(),
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
        let shots = root.join("target/e2e-screenshots/media");
        let script = root.join("tests/e2e/media_flow.py");
        let base = format!("http://127.0.0.1:{port}");
        let (email, shots_dir, id) = (editor.email.clone(), shots.clone(), post.id.to_string());
        let run = tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3")
                .arg(&script)
                .arg(&base)
                .arg(&shots_dir)
                .arg(&email)
                .arg(PASSWORD)
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
        let media_id: i32 = text
            .lines()
            .find_map(|l| l.strip_prefix("MEDIA "))
            .and_then(|id| id.trim().parse().ok())
            .unwrap_or_else(|| panic!("no media id in {text}"));
        let m = media::Entity::find_by_id(media_id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.content_type, "image/png");
        assert_eq!((m.width, m.height), (Some(2), Some(2)));
        assert_eq!(m.alt_text, "Four pixels, dropped in the browser.");
        let saved = posts::Entity::find_by_id(post.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            saved.body_markdown.contains(&format!(
                "![Four pixels, dropped in the browser.]({})",
                m.url()
            )),
            "{}",
            saved.body_markdown
        );
        for n in ["1-upload", "2-uploaded", "3-inserted", "4-phone"] {
            assert!(shots.join(format!("{n}.png")).exists(), "screenshot {n}");
        }
    })
    .await;
}

//! The editorial workflow end to end in headless Chromium, with two review stages: an author
//! writes and submits, the editor requests changes, the author fixes and resubmits, the
//! copy edit and the legal read approve, the editor schedules, and the job runtime publishes
//! the post at its time. Screenshots are saved in `target/e2e-screenshots/editorial/`.
use std::{net::SocketAddr, time::Duration};

use copydesk::{
    jobs::{self, Jobs},
    models::_entities::{audit_log, posts},
    settings::Settings,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::{
    Backend, TestApp,
    browser::{PASSWORD, user},
    fixtures::{self, PostSpec},
    required, run_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_goes_through_two_review_stages_in_chromium() {
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
            s["editorial"] = serde_json::json!({
                "time_zone": "UTC",
                "stages": [
                    {"key": "copy_edit", "name": "Copy edit", "roles": ["editor"], "due_hours": 48},
                    {"key": "legal", "name": "Legal read", "roles": ["admin"],
                     "person": "rhea.reviewer@example.com"},
                ],
            });
        }
    };
    run_with(Backend::Sqlite, tweak, move |app: TestApp| async move {
        let author = user(&app, "author", "Ada Author").await;
        let reviewer = user(&app, "reviewer", "Rhea Reviewer").await;
        let editor = user(&app, "editor", "Eda Editor").await;
        let post = fixtures::post(
            &app.ctx.db,
            &author,
            PostSpec::published("Harbour lights at dusk", 1)
                .state("draft")
                .undated()
                .body("## The harbour\n\nBoats come in at dusk.\n\n> A quote from the harbour."),
        )
        .await;

        let settings = Settings::get(&app.ctx).unwrap();
        let jobs = Jobs::get(&app.ctx).unwrap();
        let server = jobs::start_server(&app.ctx, &settings, &jobs)
            .await
            .unwrap();
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
        let shots = root.join("target/e2e-screenshots/editorial");
        let script = root.join("tests/e2e/editorial_flow.py");
        let args: Vec<String> = vec![
            format!("http://127.0.0.1:{port}"),
            shots.display().to_string(),
            PASSWORD.to_string(),
            post.id.to_string(),
            post.slug.clone(),
            author.email.clone(),
            reviewer.email.clone(),
            editor.email.clone(),
        ];
        let run = tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3")
                .arg(&script)
                .args(&args)
                .output()
        });
        let out = tokio::time::timeout(Duration::from_secs(420), run)
            .await
            .expect("the browser script finishes within 7 minutes")
            .unwrap()
            .unwrap();
        web.abort();
        server.shutdown().await.unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "the browser script failed:\n{text}");
        assert!(text.contains("e2e: ok"), "{text}");

        let live = posts::Entity::find_by_id(post.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(live.state, "published");
        // Every step is on the record, by the person who took it, in order.
        let steps: Vec<(String, String)> = audit_log::Entity::find()
            .filter(audit_log::Column::TargetType.eq("post"))
            .filter(audit_log::Column::TargetId.eq(post.id.to_string()))
            .all(&app.ctx.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action != "post.change")
            .map(|e| (e.action, e.actor_label))
            .collect();
        let names: Vec<&str> = steps.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            names,
            [
                "post.add",
                "post.submit",
                "post.request_changes",
                "post.submit",
                "post.approve",
                "post.review_take",
                "post.approve",
                "post.schedule",
                "post.publish_scheduled",
            ],
            "{steps:?}"
        );
        assert!(steps[6].1.contains("Rhea Reviewer"), "{steps:?}");
        for n in [
            "1-author-wrote",
            "2-submitted",
            "3-changes-requested",
            "4-resubmitted",
            "5-copy-edit-approved",
            "6-reviewer-queue",
            "7-legal-approved",
            "8-scheduled",
            "9-live",
        ] {
            assert!(shots.join(format!("{n}.png")).exists(), "screenshot {n}");
        }
    })
    .await;
}

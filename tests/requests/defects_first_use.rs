//! Issue 10, first use: forms on another address or port (item 6), fresh SQLite starts
//! (item 7), members-only posts for members (item 9), and the admin's conflict screen and
//! feedback (item 10).
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
};

use copydesk::app::App;
use loco_rs::{
    app::Hooks,
    boot::{StartMode, create_app},
    environment::Environment,
};
use migration::Migrator;

use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::{
    both_backends,
    common::{
        Backend, TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
        run_with,
    },
};
use copydesk::models::_entities::{posts, tags};

/// The fields of the admin's post form for `post`, with `changes` applied.
fn post_form(post: &posts::Model, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = vec![
        ("title".to_string(), post.title.clone()),
        ("summary".to_string(), post.summary.clone()),
        ("body_markdown".to_string(), post.body_markdown.clone()),
        ("state".to_string(), post.state.clone()),
        ("visibility".to_string(), post.visibility.clone()),
        ("author_id".to_string(), post.author_id.to_string()),
        ("lock_version".to_string(), post.lock_version.to_string()),
    ];
    for (k, v) in changes {
        if let Some(f) = fields.iter_mut().find(|(name, _)| name == k) {
            f.1 = (*v).to_string();
        }
    }
    fields
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

// ----- item 7: fresh SQLite starts ------------------------------------------------------

/// Busy threads that keep every core loaded until dropped (also when a test fails).
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Load {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let threads = (0..cores * 2)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x: u64 = 1;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..10_000 {
                            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005) ^ 1);
                        }
                    }
                })
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn fresh_sqlite(n: usize) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "copydesk_fresh_{}_{n}_{:x}.sqlite",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default()
    ))
}

fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The development start on a new file: demo seeding on, jobs worked in this process,
/// the development pool size.
async fn first_start_config(path: &std::path::Path) -> loco_rs::config::Config {
    let mut config = App::load_config(&Environment::Test).await.unwrap();
    config.database.uri = format!("sqlite://{}?mode=rwc", path.display());
    config.database.min_connections = 1;
    config.database.max_connections = 8;
    let s = config.settings.as_mut().unwrap();
    s["demo"]["seed_on_start"] = serde_json::json!(true);
    s["jobs"]["in_process"] = serde_json::json!(true);
    s["jobs"]["poll_seconds"] = serde_json::json!(1);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_fresh_sqlite_starts_in_a_row_under_load_all_succeed() {
    let _load = Load::start();
    for n in 0..20 {
        let path = fresh_sqlite(n);
        let config = first_start_config(&path).await;
        let started =
            create_app::<App, Migrator>(StartMode::ServerOnly, &Environment::Test, config).await;
        let outcome = match started {
            Ok(boot) => {
                let ctx = boot.app_context;
                let users = copydesk::demo::logins(&ctx.db).await;
                App::on_shutdown(&ctx).await;
                let _ = ctx.db.close().await;
                users.map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        remove_sqlite(&path);
        let logins = outcome.unwrap_or_else(|e| panic!("start {} of 20 failed: {e}", n + 1));
        assert!(!logins.is_empty(), "start {}: the demo was seeded", n + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pooled_sqlite_connection_has_the_same_pragmas() {
    const N: u32 = 8;
    let tweak = |c: &mut loco_rs::config::Config| {
        c.database.min_connections = 1;
        c.database.max_connections = N;
    };
    run_with(Backend::Sqlite, tweak, |app: TestApp| async move {
        use sea_orm::sqlx;
        let pool = app.ctx.db.get_sqlite_connection_pool();
        let mut held = Vec::new();
        for _ in 0..N {
            held.push(pool.acquire().await.unwrap());
        }
        for (n, conn) in held.iter_mut().enumerate() {
            let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(
                (journal.as_str(), busy, fk, sync),
                ("wal", 5000, 1, 1),
                "connection {n} of {N}: journal_mode, busy_timeout, foreign_keys, synchronous (1 = NORMAL)"
            );
        }
    })
    .await;
}

both_backends!(
    an_admin_save_waits_for_another_writer_instead_of_failing,
    |app: TestApp| async move {
        let editor = user(&app, "editor", "Busy Editor").await;
        let post = fixtures::post(
            &app.ctx.db,
            &editor,
            PostSpec::published("Saved while busy", 1).state("draft"),
        )
        .await;
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let url = format!("/admin/content/posts/{}", post.id);
        let form = post_form(&post, &[("title", "Saved while another wrote")]);

        // Another connection is in the middle of a write, as the job runtime often is.
        let other = copydesk::db::begin_write(&app.ctx.db).await.unwrap();
        tags::ActiveModel {
            name: Set("Written meanwhile".into()),
            slug: Set("written-meanwhile".into()),
            ..Default::default()
        }
        .insert(&other)
        .await
        .unwrap();
        let finish = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            other.commit().await.unwrap();
        });
        let res = b.post(&url, &pairs(&form)).await;
        finish.await.unwrap();
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let stored = posts::Entity::find_by_id(post.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.title, "Saved while another wrote");
    }
);

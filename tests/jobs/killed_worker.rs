//! Scheduled publishing survives `kill -9`: a separate worker process (`copydesk-cli task
//! jobs_worker`) whose clock the test moves (libfaketime, reading an offset from a file)
//! walks through a quarter of an hour of publishing times while it is killed with SIGKILL
//! at random moments and started again. Every scheduled post goes up exactly once, dated at its
//! scheduled time, and its author is told once — late, never dropped, never twice.
//!
//! Runs on PostgreSQL, with the SQL store and with Redis. (On SQLite the web and the workers
//! are one process, so there is no worker process to kill.) Needs libfaketime (Debian's
//! `faketime`); skipped without it unless `COPYDESK_TEST_REQUIRE` names `faketime`.
use std::{path::PathBuf, process::Stdio, time::Duration};

use chrono::Duration as Span;
use copydesk::{
    jobs::{Jobs, publish},
    models::{
        _entities::{audit_log, mail_outbox, posts as post_entity},
        now,
        posts::workflow::{self, Transition, TransitionForm},
    },
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{
    Backend, TestApp, fixtures, fixtures::PostSpec, job_stores, required, run_with,
};

const POSTS: usize = 200;
/// The first post is due this far into the fake future; one more every `SPACING_SECS`.
const FIRST_DUE_MINS: i64 = 60;
const SPACING_SECS: i64 = 5;

fn libfaketime() -> Option<PathBuf> {
    [
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// The worker's clock: an offset from real time, in a file libfaketime reads on every call.
/// Written by rename, so the worker never reads half a file.
struct FakeClock {
    file: PathBuf,
    offset_secs: i64,
}

impl FakeClock {
    fn new(name: &str) -> Self {
        let file =
            std::env::temp_dir().join(format!("copydesk-clock-{name}-{}", std::process::id()));
        let c = Self {
            file,
            offset_secs: 0,
        };
        c.write();
        c
    }

    fn advance(&mut self, secs: i64) {
        self.offset_secs += secs;
        self.write();
    }

    fn write(&self) {
        let tmp = self.file.with_extension("new");
        std::fs::write(&tmp, format!("{:+}\n", self.offset_secs)).unwrap();
        std::fs::rename(&tmp, &self.file).unwrap();
    }
}

impl Drop for FakeClock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// A small deterministic random source, so a failure can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Starts a worker process on the test's database and store, its clock read from `clock`.
fn spawn_worker(
    app: &TestApp,
    store: &str,
    redis_db: u8,
    lib: &PathBuf,
    clock: &FakeClock,
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_copydesk-cli"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["task", "jobs_worker"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOCO_ENV", "development")
        .env("DATABASE_URL", &app.ctx.config.database.uri)
        .env("COPYDESK_JOBS_STORE", store)
        .env("REDIS_URL", job_stores::redis_url(redis_db))
        .env("COPYDESK_JOBS_POLL_SECONDS", "1")
        .env("COPYDESK_BASE_URL", "http://copydesk.test")
        .env("COPYDESK_LOG_LEVEL", "error")
        .env("LD_PRELOAD", lib)
        .env("FAKETIME_TIMESTAMP_FILE", &clock.file)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the worker process starts")
}

async fn published(db: &sea_orm::DatabaseConnection, ids: &[i32]) -> usize {
    post_entity::Entity::find()
        .filter(post_entity::Column::Id.is_in(ids.to_vec()))
        .filter(post_entity::Column::State.eq("published"))
        .count(db)
        .await
        .unwrap() as usize
}

async fn killed_at_random(app: TestApp, store: &'static str, redis_db: u8) {
    let Some(lib) = libfaketime() else {
        assert!(
            !required("faketime"),
            "libfaketime is required (COPYDESK_TEST_REQUIRE) but not installed"
        );
        eprintln!("skipped: libfaketime is not installed (Debian: faketime)");
        return;
    };
    let db = &app.ctx.db;
    let meta = fixtures::meta();
    let policy = fixtures::policy();
    let client = Jobs::get(&app.ctx).unwrap().client.clone();
    let author = fixtures::person(db, "Kit Author", "author").await;
    let editor = fixtures::person(db, "Eda Editor", "editor").await;
    let eda = fixtures::actor(&editor);

    // Two hundred approved posts, due an hour from now and then every five seconds: one
    // PublishPost job each in the scheduled set.
    let start = now();
    let mut ids = Vec::new();
    for i in 0..POSTS {
        let p = fixtures::post(
            db,
            &author,
            PostSpec::published(&format!("Timed {i}"), 1)
                .state("approved")
                .undated(),
        )
        .await;
        let at = start + Span::minutes(FIRST_DUE_MINS) + Span::seconds(SPACING_SECS * i as i64);
        let form = TransitionForm {
            transition: Transition::Schedule,
            lock_version: p.lock_version,
            note: String::new(),
            at: Some(at),
            until: None,
            override_reason: String::new(),
        };
        let p = workflow::apply(db, &eda, &meta, policy, p.id, &form)
            .await
            .unwrap()
            .post;
        publish::sync(&client, &p).await.unwrap();
        ids.push(p.id);
    }

    // The worker's clock walks from now to past the last time, in uneven steps; in each
    // step a worker is started and killed with SIGKILL, after a random while or in the
    // middle of a batch. Twenty-four kills, then one worker left to finish what is late.
    let mut clock = FakeClock::new(store);
    // The first worker starts a minute before the first time.
    clock.advance(FIRST_DUE_MINS * 60 - 60);
    let mut rng = Lcg(0x00C0_FFEE ^ u64::from(redis_db));
    let end = FIRST_DUE_MINS * 60 + SPACING_SECS * POSTS as i64 + 120;
    let due_by = |offset: i64| {
        (0..POSTS)
            .filter(|i| FIRST_DUE_MINS * 60 + SPACING_SECS * *i as i64 <= offset)
            .count()
    };
    let mut kills_with_work_left = 0;
    for _ in 0..24 {
        if clock.offset_secs < end {
            // 0 to 150 s of fake time per round: the walk takes about two thirds of the rounds.
            clock.advance(rng.below(150) as i64);
        }
        let before = published(db, &ids).await;
        let mut worker = spawn_worker(&app, store, redis_db, &lib, &clock);
        if rng.below(2) == 0 {
            // After a random while: booting, polling, or working.
            tokio::time::sleep(Duration::from_millis(100 + rng.below(1500))).await;
        } else {
            // In the middle of a batch: just after its first post went up (or after about
            // two seconds, should nothing be due), give or take a millisecond or four.
            for _ in 0..1000 {
                if published(db, &ids).await > before {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::time::sleep(Duration::from_millis(rng.below(5))).await;
        }
        let due = due_by(clock.offset_secs);
        worker.kill().unwrap(); // SIGKILL
        worker.wait().unwrap();
        if published(db, &ids).await < due {
            kills_with_work_left += 1;
        }
    }
    // Past the last time, one worker is left running until every post is up (at most a
    // minute), and then killed too.
    if clock.offset_secs < end {
        clock.advance(end - clock.offset_secs);
    }
    let late = POSTS - published(db, &ids).await;
    let mut worker = spawn_worker(&app, store, redis_db, &lib, &clock);
    for _ in 0..600 {
        if published(db, &ids).await == POSTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    eprintln!(
        "{store}: 25 worker processes, {kills_with_work_left} killed while due posts waited, \
         {late} posts left for the last one"
    );
    assert_eq!(published(db, &ids).await, POSTS, "every post went up");
    assert!(
        kills_with_work_left >= 3,
        "some kills landed while due posts waited ({kills_with_work_left})"
    );

    for &id in &ids {
        let p = post_entity::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.state, "published", "post {id}");
        assert_eq!(
            p.published_at, p.scheduled_at,
            "post {id} is dated at its time"
        );
        let publishes = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("post.publish_scheduled"))
            .filter(audit_log::Column::TargetId.eq(id.to_string()))
            .count(db)
            .await
            .unwrap();
        assert_eq!(publishes, 1, "post {id} published exactly once");
        let told = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.eq(&author.email))
            .filter(mail_outbox::Column::Subject.eq(format!("“{}” is published", p.title)))
            .count(db)
            .await
            .unwrap();
        assert_eq!(told, 1, "the author of post {id} was told once");
    }
}

async fn on_sql_store(app: TestApp) {
    killed_at_random(app, "sql", 12).await;
}

async fn on_redis_store(app: TestApp) {
    killed_at_random(app, "redis", 12).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_store_on_postgres() {
    run_with(
        Backend::Postgres,
        |c| job_stores::use_store(c, "sql", 12),
        on_sql_store,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store() {
    if !job_stores::flush_redis(12).await {
        return;
    }
    run_with(
        Backend::Postgres,
        |c| job_stores::use_store(c, "redis", 12),
        on_redis_store,
    )
    .await;
    job_stores::flush_redis(12).await;
}

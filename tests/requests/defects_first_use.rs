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

// ----- item 6: forms on another address or port -------------------------------------

/// Signs in at `/login` with `headers` (Host, Origin) on the POST.
async fn sign_in_from(app: &TestApp, email: &str, headers: &[(&str, &str)]) -> crate::common::Resp {
    let mut b = Browser::new(app);
    b.get("/login").await;
    let csrf = b.csrf().await;
    b.post_raw(
        "/login",
        &[
            ("email", email),
            ("password", crate::common::browser::PASSWORD),
            ("_csrf", &csrf),
        ],
        headers,
    )
    .await
}

both_backends!(
    in_development_a_form_from_the_loopback_address_the_browser_opened_is_accepted,
    |app: TestApp| async move {
        let member = user(&app, "member", "Loopback Reader").await;
        for (host, origin) in [
            ("localhost:5150", "http://localhost:5150"),
            ("127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("127.3.4.5:5150", "http://127.3.4.5:5150"),
            ("[::1]:5150", "http://[::1]:5150"),
        ] {
            let res =
                sign_in_from(&app, &member.email, &[("host", host), ("origin", origin)]).await;
            assert_eq!(
                res.status,
                StatusCode::SEE_OTHER,
                "{origin} on {host}: {}",
                res.text
            );
        }
        // Another origin than the address opened, or an address that is not loopback, stays
        // refused, and the page says where forms are accepted from.
        for (host, origin) in [
            ("localhost:5150", "http://localhost:9999"),
            ("localhost:5150", "http://evil.example"),
            ("evil.example", "http://evil.example"),
            ("localhost.evil.example", "http://localhost.evil.example"),
            ("localhost@evil.example", "http://localhost@evil.example"),
        ] {
            let res =
                sign_in_from(&app, &member.email, &[("host", host), ("origin", origin)]).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{origin} on {host}");
            assert!(
                res.text.contains(
                    "This site accepts forms from http://copydesk.test; you opened it at"
                ),
                "{}",
                res.text
            );
        }
        // The configured address itself still works.
        let res = sign_in_from(
            &app,
            &member.email,
            &[
                ("host", "copydesk.test"),
                ("origin", "http://copydesk.test"),
            ],
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
);

mod in_production_forms_are_accepted_from_the_base_url_only {
    use super::*;

    async fn body(app: TestApp) {
        let member = user(&app, "member", "Production Reader").await;
        let res = sign_in_from(
            &app,
            &member.email,
            &[
                ("host", "localhost:5150"),
                ("origin", "http://localhost:5150"),
            ],
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(
            res.text.contains(
                "This site accepts forms from http://copydesk.test; you opened it at http://localhost:5150."
            ),
            "{}",
            res.text
        );
        let res = sign_in_from(
            &app,
            &member.email,
            &[
                ("host", "copydesk.test"),
                ("origin", "http://copydesk.test"),
            ],
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        crate::common::run_in(Backend::Sqlite, &Environment::Production, |_| {}, body).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        crate::common::run_in(Backend::Postgres, &Environment::Production, |_| {}, body).await;
    }
}

/// A response read off the wire: status, headers (names lowercased), body.
type Answer = (u16, Vec<(String, String)>, String);

/// One HTTP/1.1 exchange with the server on `port`.
fn http(port: u16, request: &str) -> std::io::Result<Answer> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok((status, headers, body.to_string()))
}

/// The development start (`copydesk-cli start --port`) on `database_url`, with no base URL
/// configured: the start message names the port bound, feeds link to it, and signing in
/// from `localhost` (not the `127.0.0.1` the server names) is accepted.
fn start_on_another_port(database_url: &str) {
    use std::io::BufRead;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_copydesk-cli"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["start", "--port", &port.to_string()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOCO_ENV", "development")
        .env("DATABASE_URL", database_url)
        .env("COPYDESK_LOG_LEVEL", "error")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut server = Kill(child);
    // Keep reading both pipes to the end, so the server never writes into a closed one.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut errors_slot = Some(std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut text);
        text
    }));
    let mut message = String::new();
    for line in rx.iter() {
        message.push_str(&line);
        message.push('\n');
        if line.starts_with("Admin:") {
            break;
        }
    }
    let mut exchange = |request: String| match http(port, &request) {
        Ok(answer) => answer,
        Err(e) => {
            let _ = server.0.kill();
            let status = server.0.wait();
            let log = errors_slot
                .take()
                .map(|h| h.join().unwrap_or_default())
                .unwrap_or_default();
            panic!("{request}\nfailed: {e}; the server ended with {status:?}:\n{log}");
        }
    };
    let here = format!("http://127.0.0.1:{port}");
    assert!(
        message.contains(&format!("Copydesk is listening on {here}\n"))
            && message.contains(&format!("Reader site: {here}/\n"))
            && message.contains(&format!("Admin:       {here}/admin/login")),
        "the start message names the port bound:\n{message}"
    );

    let (status, _, feed) = exchange(format!(
        "GET /feed.atom HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 200);
    assert!(feed.contains(&format!("{here}/posts/")), "{feed}");
    assert!(!feed.contains(":5150/"), "{feed}");

    let host = format!("localhost:{port}");
    let (status, headers, page) = exchange(format!(
        "GET /login HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 200);
    let cookie = headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("copydesk_session="))
        .map(|(_, v)| v.split(';').next().unwrap().to_string())
        .expect("a session cookie");
    let csrf = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token")
        .to_string();
    let form = format!(
        "email=admin%40example.com&password={}&_csrf={}",
        copydesk::demo::DEMO_PASSWORD,
        crate::common::urlencode(&csrf)
    );
    let (status, headers, body) = exchange(format!(
        "POST /login HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nSec-Fetch-Site: same-origin\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    ));
    assert_eq!(
        status, 303,
        "signing in from http://{host} is accepted: {body}"
    );
    assert!(headers.iter().any(|(k, _)| k == "location"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_on_another_port_the_site_names_it_links_to_it_and_accepts_its_forms() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some((url, cleanup)) = crate::common::prepare(backend).await else {
            continue;
        };
        let run = tokio::task::spawn_blocking({
            let url = url.clone();
            move || start_on_another_port(&url)
        })
        .await;
        crate::common::cleanup(cleanup).await;
        if let Err(e) = run {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

// ----- item 9: members read members-only posts ---------------------------------------

both_backends!(
    signed_in_members_and_staff_read_members_only_posts_in_full,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Members").await;
        let members = fixtures::post(
            db,
            &ada,
            PostSpec::published("For members", 1)
                .visibility("members")
                .body("MEMBERS BODY TEXT"),
        )
        .await;
        let paid = fixtures::post(
            db,
            &ada,
            PostSpec::published("For payers", 2)
                .visibility("paid")
                .body("PAID BODY TEXT"),
        )
        .await;
        let members_url = format!("/posts/{}", members.slug);
        let paid_url = format!("/posts/{}", paid.slug);

        // Nobody signed in: the summary, and how to get in (no promise of "soon").
        let res = app.get(&members_url).await;
        assert!(!res.text.contains("MEMBERS BODY TEXT"));
        assert!(res.text.contains(&format!(
            "href=\"/login?next=%2Fposts%2F{}\">Sign in</a> to read it, or <a href=\"/signup\">create a free account</a>",
            members.slug
        )), "{}", res.text);
        assert!(!res.text.contains("Memberships open soon"));

        let member = user(&app, "member", "Mona Member").await;
        let mut b = Browser::signed_in(&app, &member.email, "/login").await;
        let res = b.get(&members_url).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains("MEMBERS BODY TEXT"), "{}", res.text);
        assert!(!res.text.contains("Memberships open soon"));
        assert!(!res.text.contains("members-notice"));
        assert_eq!(res.header("cache-control"), Some("no-store"));

        // Paid posts stay closed to members, and the page says why, truthfully.
        let res = b.get(&paid_url).await;
        assert!(!res.text.contains("PAID BODY TEXT"));
        assert!(
            res.text.contains(
                "Paid memberships are not available yet, so your account cannot open it."
            )
        );
        assert!(!res.text.contains("Memberships open soon"));

        // Staff read members-only posts; those who see the post in the admin read paid ones.
        let moderator = user(&app, "moderator", "Mo Derator").await;
        let mut m = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        assert!(m.get(&members_url).await.text.contains("MEMBERS BODY TEXT"));
        let editor = user(&app, "editor", "Eddie Paid").await;
        let mut e = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        assert!(e.get(&paid_url).await.text.contains("PAID BODY TEXT"));
        let other_author = user(&app, "author", "Otto Author").await;
        let mut o = Browser::signed_in(&app, &other_author.email, "/admin/login").await;
        assert!(!o.get(&paid_url).await.text.contains("PAID BODY TEXT"));
        assert!(o.get(&members_url).await.text.contains("MEMBERS BODY TEXT"));

        // Feeds and the anonymous page still keep the body to themselves.
        assert!(
            !app.get("/feed.atom")
                .await
                .text
                .contains("MEMBERS BODY TEXT")
        );
    }
);

// ----- item 10: the admin's conflict screen and feedback -------------------------------

both_backends!(
    the_conflict_screen_does_not_flag_a_body_the_browser_only_reformatted,
    |app: TestApp| async move {
        let editor = user(&app, "editor", "Clash Editor").await;
        let body = "First paragraph.\n\nSecond paragraph,\nwith a second line.";
        let post = fixtures::post(
            &app.ctx.db,
            &editor,
            PostSpec::published("Clash", 1).state("draft").body(body),
        )
        .await;
        let other = user(&app, "editor", "Other Clasher").await;
        let mut second = Browser::signed_in(&app, &other.email, "/admin/login").await;
        let mut first = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let url = format!("/admin/content/posts/{}", post.id);
        let theirs = post_form(&post, &[("title", "Their title")]);
        assert_eq!(
            second.post(&url, &pairs(&theirs)).await.status,
            StatusCode::SEE_OTHER
        );
        // The same body as the browser sends it back: CRLF line ends, a trailing space and
        // a final line break.
        let sent_body = "First paragraph. \r\n\r\nSecond paragraph,\r\nwith a second line.\r\n";
        let mine = post_form(
            &post,
            &[("title", "My title"), ("body_markdown", sent_body)],
        );
        let res = first.post(&url, &pairs(&mine)).await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        let table = crate::common::fragment(&res.text, "<caption>Fields that differ", "</table>");
        assert!(table.contains("<th scope=\"row\">Title</th>"), "{table}");
        assert!(!table.contains("Body"), "the body is not flagged: {table}");
    }
);

both_backends!(
    revoking_a_token_and_unlocking_sign_in_say_so_in_the_status_region,
    |app: TestApp| async move {
        use copydesk::models::_entities::api_tokens;
        let admin = user(&app, "admin", "Flash Admin").await;
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let res = b
            .post(
                "/admin/tokens",
                &[
                    ("name", "Deploy bot"),
                    ("scope", "read"),
                    ("expires_in_days", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let token = api_tokens::Entity::find()
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        let res = b
            .post(&format!("/admin/tokens/{}/revoke", token.id), &[])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let page = b.get("/admin/tokens").await;
        assert!(
            page.text.contains(
                "<div class=\"flash\" role=\"status\" aria-live=\"polite\">Revoked the token “Deploy bot”: it no longer works.</div>"
            ),
            "{}",
            page.text
        );
        assert!(
            !b.get("/admin/tokens")
                .await
                .text
                .contains("class=\"flash\""),
            "shown once"
        );

        let member = user(&app, "member", "Locked Reader").await;
        let person = format!("/admin/people/users/{}", member.id);
        let res = b
            .post(
                &format!("/admin/users/{}/unlock", member.id),
                &[("back", person.as_str())],
            )
            .await;
        assert_eq!(res.header("location"), Some(person.as_str()));
        let page = b.get(&person).await;
        assert!(
            page.text.contains(
                "<div class=\"flash\" role=\"status\" aria-live=\"polite\">Sign-in is unlocked for Locked Reader.</div>"
            ),
            "{}",
            page.text
        );
        assert!(!b.get(&person).await.text.contains("class=\"flash\""));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_navigation_fits_a_phone_with_24_px_targets() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser = std::path::Path::new("/usr/bin/chromium").exists()
        && std::path::Path::new("/usr/bin/chromedriver").exists()
        && std::process::Command::new("python3")
            .args(["-c", "import selenium"])
            .status()
            .is_ok_and(|s| s.success());
    if !browser {
        assert!(
            !crate::common::required("chromium"),
            "Chromium, chromedriver and selenium are required"
        );
        eprintln!("skipped: Chromium, chromedriver or the Python selenium package is missing");
        return;
    }
    crate::common::run(Backend::Sqlite, move |app: TestApp| async move {
        let admin = user(&app, "admin", "Phone Admin").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = app.router.clone();
        let web = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
        });
        let script = root.join("tests/e2e/admin_phone.py");
        let shots = root.join("target/e2e-screenshots/phone");
        let email = admin.email.clone();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3")
                .arg(&script)
                .arg(&base)
                .arg(&shots)
                .arg(&email)
                .arg(crate::common::browser::PASSWORD)
                .output()
        })
        .await
        .unwrap()
        .unwrap();
        web.abort();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success() && text.contains("e2e: ok"), "{text}");
    })
    .await;
}

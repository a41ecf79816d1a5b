//! The Jobs screen on every store: a job failed by a real worker shows up under Retries,
//! its detail page explains it, and the actions (retry, kill, delete all behind a
//! confirmation) change exactly what they say, audited, for those who may act.
use std::time::Duration;

use axum::http::StatusCode;
use copydesk::{
    jobs::{self, Jobs},
    models::{_entities::audit_log, mail},
    settings::Settings,
};
use copydesk_workers::{
    api::{Filter, Inspector},
    store::SortedSet,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{
    Backend, TestApp,
    browser::{Browser, user},
    required, run_with,
};

/// Mail over SMTP to a port where nothing listens: every send fails.
fn failing_mail(config: &mut loco_rs::config::Config, store: &str) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config.mailer = Some(
        serde_json::from_value(serde_json::json!({"stub": false, "smtp": {"enable": true, "host": "127.0.0.1", "port": closed, "secure": false}}))
            .unwrap(),
    );
    if let Some(s) = config.settings.as_mut() {
        s["mail"]["transport"] = serde_json::json!("smtp");
        s["jobs"]["store"] = serde_json::json!(store);
        s["jobs"]["redis_url"] = serde_json::json!("redis://127.0.0.1:6379/5");
    }
}

async fn set_size(api: &Inspector, set: SortedSet) -> u64 {
    api.list(set, &Filter::default(), 0, 1).await.unwrap().total
}

/// Works the jobs until `set` holds `n`.
async fn work_until(app: &TestApp, api: &Inspector, set: SortedSet, n: u64) {
    let settings = Settings::get(&app.ctx).unwrap();
    let jobs = Jobs::get(&app.ctx).unwrap();
    let server = jobs::start_server(&app.ctx, &settings, &jobs)
        .await
        .unwrap();
    for _ in 0..150 {
        if set_size(api, set).await == n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.shutdown().await.unwrap();
    assert_eq!(
        set_size(api, set).await,
        n,
        "{set:?} after working the jobs"
    );
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.ctx.db)
        .await
        .unwrap()
}

async fn screen_flow(app: TestApp) {
    let api = Inspector::new(Jobs::get(&app.ctx).unwrap().client.clone());
    let support = user(&app, "support", "Sue Port").await;
    let editor = user(&app, "editor", "Eddie Tor").await;
    let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
    let mut e = Browser::signed_in(&app, &editor.email, "/admin/login").await;

    let locals =
        serde_json::json!({"name": "Reader", "reset_link": "http://x/", "site_title": "Copydesk"});
    mail::deliver(&app.ctx, "reader@example.com", "password_changed", &locals)
        .await
        .unwrap();
    work_until(&app, &api, SortedSet::Retry, 1).await;

    let dash = s.get("/admin/jobs").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(
        dash.text.contains("<svg class=\"jobs-chart\""),
        "the chart is drawn on the server"
    );
    assert!(dash.text.contains("reachable, answered in"));
    assert!(
        dash.text.contains("hx-get=\"/admin/jobs/stats\""),
        "live refresh with htmx"
    );
    assert!(
        dash.text.contains("/static/vendor/htmx-2.0.11."),
        "htmx served from our own static files"
    );
    let fragment = s.get("/admin/jobs/stats").await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(
        fragment.text.starts_with("<div id=\"job-stats\"") && fragment.text.contains("Retries")
    );
    let own_only = e.get("/admin/jobs").await;
    assert_eq!(
        (own_only.status, own_only.header("location")),
        (StatusCode::SEE_OTHER, Some("/admin/jobs/mine")),
        "editors see only their own records' jobs"
    );
    assert_eq!(
        e.get("/admin/jobs/retries").await.status,
        StatusCode::FORBIDDEN
    );

    let list = s.get("/admin/jobs/retries?error=mail").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("Copydesk::SendEmail"));
    assert!(list.text.contains("Copydesk::MailError"));
    assert!(
        s.get("/admin/jobs/retries?class=Nothing")
            .await
            .text
            .contains("0 jobs"),
        "the filter filters"
    );
    let start = list.text.find("href=\"/admin/jobs/retries/").unwrap() + "href=\"".len();
    let detail_path: String = list.text[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let detail = s.get(&detail_path).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.text.contains("Retries so far"));
    let key_start =
        detail.text.find("name=\"job\" value=\"").unwrap() + "name=\"job\" value=\"".len();
    let key: String = detail.text[key_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();

    // Retry with edited arguments: the JSON is checked, the typed text kept; the original stays.
    let edit_at = detail
        .text
        .find("/edit\"")
        .map(|end| detail.text[..end].rfind('"').unwrap() + 1)
        .unwrap();
    let edit_path: String = detail.text[edit_at..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(edit_path.ends_with("/edit"), "{edit_path}");
    let bad = s.post(&edit_path, &[("args", "[1, oops")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("This is not valid JSON") && bad.text.contains("[1, oops"));
    let not_array = s.post(&edit_path, &[("args", "{\"id\": 1}")]).await;
    assert!(not_array.text.contains("must be a JSON array"));
    let ok = s.post(&edit_path, &[("args", "[999999]")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(
        set_size(&api, SortedSet::Retry).await,
        1,
        "the original is kept"
    );
    let waiting = api.queue_jobs("mail", 0, 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].args(), &[serde_json::json!(999_999)]);
    assert!(
        waiting[0].get("retried_from").is_some(),
        "the copy names the original"
    );
    assert_eq!(
        (
            audited(&app, "jobs.retry_edited").await,
            audited(&app, "jobs.enqueue_edited").await
        ),
        (1, 1)
    );

    // Without the token: refused, nothing changes.
    assert_eq!(
        s.post_raw(
            "/admin/jobs/retries/actions",
            &[("action", "retry"), ("job", &key)],
            &[]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(set_size(&api, SortedSet::Retry).await, 1);
    // Editors may not act.
    assert_eq!(
        e.post(
            "/admin/jobs/retries/actions",
            &[("action", "retry"), ("job", &key)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Failures are grouped by error, with one action for the group.
    assert!(
        list.text.contains("By error") && list.text.contains("Retry these 1"),
        "grouped"
    );

    // Retry now: back to its queue.
    let res = s
        .post(
            "/admin/jobs/retries/actions",
            &[("action", "retry"), ("job", &key)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(set_size(&api, SortedSet::Retry).await, 0);
    assert_eq!(
        api.queues()
            .await
            .unwrap()
            .iter()
            .map(|q| q.size)
            .sum::<u64>(),
        2,
        "the original and the edited copy"
    );
    assert_eq!(audited(&app, "jobs.retry").await, 1);
    let queue = s.get("/admin/jobs/queues/mail").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.text.contains("Copydesk::SendEmail") && queue.text.contains("2 jobs waiting"));

    // It fails again; retry the group of that error, fail again, then kill it to Dead and
    // delete all the dead behind a confirmation.
    work_until(&app, &api, SortedSet::Retry, 1).await;
    let group = s.get("/admin/jobs/retries").await;
    let class_at = group.text.find("name=\"error_message\" value=\"").unwrap()
        + "name=\"error_message\" value=\"".len();
    let message: String = group.text[class_at..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let message = message
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let res = s
        .post(
            "/admin/jobs/retries/group",
            &[
                ("error_class", "Copydesk::MailError"),
                ("error_message", &message),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        set_size(&api, SortedSet::Retry).await,
        0,
        "the group went back to its queue"
    );
    assert_eq!(audited(&app, "jobs.retry_group").await, 1);
    // An emptied queue, behind its confirmation page.
    assert!(
        s.get("/admin/jobs/queues/mail?confirm=clear")
            .await
            .text
            .contains("Empty the queue mail?")
    );
    work_until(&app, &api, SortedSet::Retry, 1).await;
    let page = api
        .list(SortedSet::Retry, &Filter::default(), 0, 1)
        .await
        .unwrap();
    let key = format!("{}|{}", page.jobs[0].score, page.jobs[0].payload.jid());
    assert_eq!(
        s.post(
            "/admin/jobs/retries/actions",
            &[("action", "kill"), ("job", &key)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        (
            set_size(&api, SortedSet::Retry).await,
            set_size(&api, SortedSet::Dead).await
        ),
        (0, 1)
    );
    let confirm = s.get("/admin/jobs/dead/all?action=delete").await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.text.contains("delete all 1 job of Dead"),
        "{}",
        confirm.text
    );
    assert_eq!(
        set_size(&api, SortedSet::Dead).await,
        1,
        "the confirmation page changes nothing"
    );
    assert_eq!(
        s.post("/admin/jobs/dead/all", &[("action", "delete")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(set_size(&api, SortedSet::Dead).await, 0);
    assert_eq!(audited(&app, "jobs.kill").await, 1);
    assert_eq!(audited(&app, "jobs.delete_all").await, 1);
    // A failed job points to its record, whose page shows it and retries it.
    let row = mail::deliver(&app.ctx, "again@example.com", "password_changed", &locals)
        .await
        .unwrap();
    work_until(&app, &api, SortedSet::Retry, 1).await;
    let page = api
        .list(SortedSet::Retry, &Filter::default(), 0, 1)
        .await
        .unwrap();
    let detail = s
        .get(&format!(
            "/admin/jobs/retries/{}/{}",
            page.jobs[0].score,
            page.jobs[0].payload.jid()
        ))
        .await;
    assert!(
        detail
            .text
            .contains(&format!("href=\"/admin/outbox/{}\"", row.id)),
        "linked to its record"
    );
    let record_page = s.get(&format!("/admin/outbox/{}", row.id)).await;
    assert!(
        record_page.text.contains("failed; it will be retried"),
        "{}",
        record_page.text
    );
    let res = s
        .post(
            &format!("/admin/outbox/{}/retry", row.id),
            &[("jid", page.jobs[0].payload.jid())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        set_size(&api, SortedSet::Retry).await,
        0,
        "retried from the record's page"
    );
    assert_eq!(s.get("/admin/jobs/busy").await.status, StatusCode::OK);
    assert_eq!(
        s.get("/admin/jobs/elsewhere").await.status,
        StatusCode::NOT_FOUND
    );
}

mod on_each_store {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sql_on_sqlite() {
        run_with(Backend::Sqlite, |c| failing_mail(c, "sql"), screen_flow).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sql_on_postgres() {
        run_with(Backend::Postgres, |c| failing_mail(c, "sql"), screen_flow).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis() {
        let Ok(client) = redis::Client::open("redis://127.0.0.1:6379/5") else {
            return;
        };
        let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
            assert!(!required("redis"), "Redis is required but unreachable");
            eprintln!(
                "skipped: Redis unreachable (set COPYDESK_TEST_REQUIRE=redis to fail instead)"
            );
            return;
        };
        let _: () = redis::cmd("FLUSHDB").query_async(&mut conn).await.unwrap();
        run_with(Backend::Sqlite, |c| failing_mail(c, "redis"), screen_flow).await;
        let _: () = redis::cmd("FLUSHDB").query_async(&mut conn).await.unwrap();
    }
}

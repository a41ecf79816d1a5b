//! The Jobs screen's queue page and set filters on every job store: one waiting job is
//! deleted from a queue's page (paged, CSRF, `retry_jobs`, audited), and the Scheduled,
//! Retries and Dead lists filter by a part of the class, of the arguments or of the error.
use axum::http::StatusCode;
use copydesk::{
    jobs::{Jobs, publish::PublishPost},
    models::_entities::audit_log,
};
use copydesk_workers::{Payload, api::Inspector, store::SortedSet};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::{
    common::{
        TestApp,
        browser::{Browser, user},
    },
    on_each_job_store,
};

async fn audited(app: &TestApp, action: &str, target: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::TargetId.eq(target))
        .count(&app.ctx.db)
        .await
        .unwrap()
}

const DELETE: &str = "/admin/jobs/queues/default/delete";

async fn delete_one_waiting_job(app: TestApp) {
    let jobs = Jobs::get(&app.ctx).unwrap();
    let api = Inspector::new(jobs.client.clone());
    let support = user(&app, "support", "Sue Port").await;
    let editor = user(&app, "editor", "Eddie Tor").await;
    let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
    let mut e = Browser::signed_in(&app, &editor.email, "/admin/login").await;
    let mut jids = Vec::new();
    for i in 0..30 {
        jids.push(
            jobs.client
                .enqueue::<PublishPost>(&(1_000 + i,))
                .await
                .unwrap(),
        );
    }

    // Paged, oldest first, a Delete form per job.
    let first = s.get("/admin/jobs/queues/default").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.text.contains("Page 1 of 2") && first.text.contains("30 jobs waiting"));
    assert_eq!(
        first.text.matches(&format!("action=\"{DELETE}\"")).count(),
        25
    );
    assert!(first.text.contains(&jids[0]) && !first.text.contains(&jids[29]));
    let second = s.get("/admin/jobs/queues/default?page=2").await;
    assert!(second.text.contains("Page 2 of 2") && second.text.contains(&jids[29]));
    assert_eq!(
        second.text.matches(&format!("action=\"{DELETE}\"")).count(),
        5
    );
    assert!(second.text.contains("name=\"_csrf\""));
    assert!(second.text.contains("name=\"page\" value=\"2\""));

    // Without the token, or without retry_jobs: refused, nothing changes.
    let fields = [("jid", jids[27].as_str()), ("page", "2")];
    assert_eq!(
        s.post_raw(DELETE, &fields, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(e.post(DELETE, &fields).await.status, StatusCode::FORBIDDEN);
    assert_eq!(api.queue_jobs("default", 0, 100).await.unwrap().len(), 30);

    // Exactly that job goes, audited; back to the page it was on.
    let res = s.post(DELETE, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let back = res.header("location").unwrap().to_string();
    assert!(
        back.starts_with("/admin/jobs/queues/default?page=2&done="),
        "{back}"
    );
    let left: Vec<String> = api
        .queue_jobs("default", 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|p| p.jid().to_string())
        .collect();
    let expected: Vec<String> = jids.iter().filter(|j| **j != jids[27]).cloned().collect();
    assert_eq!(left, expected, "only the chosen job went");
    assert_eq!(audited(&app, "jobs.delete", &jids[27]).await, 1);
    let page = s.get(&back).await;
    assert!(page.text.contains(&format!("Done: deleted {}.", jids[27])));
    assert!(!page.text.contains(&format!("<code>{}</code>", jids[27])));

    // Gone already: nothing more happens, and the page says so.
    let again = s.post(DELETE, &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let page = s.get(again.header("location").unwrap()).await;
    assert!(page.text.contains("no longer waiting"));
    assert_eq!(audited(&app, "jobs.delete", &jids[27]).await, 1);
    assert_eq!(api.queue_jobs("default", 0, 100).await.unwrap().len(), 29);
}

on_each_job_store!(
    queue_page_deletes_one_job,
    redis_db = 6,
    delete_one_waiting_job
);

/// `N jobs` as the list page states it.
fn total(html: &str) -> u64 {
    let at = html.find("<p role=\"status\">").unwrap() + "<p role=\"status\">".len();
    html[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn filter_by_class_arguments_and_error(app: TestApp) {
    let jobs = Jobs::get(&app.ctx).unwrap();
    let store = jobs.client.store().clone();
    let support = user(&app, "support", "Sue Port").await;
    let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
    let now = copydesk_workers::Clock::now(jobs.client.clock().as_ref());
    let seed = [
        (
            "Copydesk::SendEmail",
            json!([41]),
            "Copydesk::MailError",
            "550 5.1.1 <rosa@exmaple.com>: mailbox unavailable",
        ),
        (
            "Copydesk::PublishPost",
            json!([7]),
            "Copydesk::DatabaseError",
            "publishing is frozen for this post",
        ),
        (
            "Copydesk::ImportRow",
            json!([{"file": "members.csv", "line": 3}]),
            "CSV::MalformedCSVError",
            "Unclosed quoted field in line 3",
        ),
    ];
    for set in [SortedSet::Schedule, SortedSet::Retry, SortedSet::Dead] {
        let entries: Vec<(f64, String)> = seed
            .iter()
            .enumerate()
            .map(|(i, (class, args, err_class, err))| {
                let mut p = Payload::new(
                    class,
                    "default",
                    args.as_array().unwrap().clone(),
                    true.into(),
                    now,
                );
                p.set("error_class", (*err_class).into());
                p.set("error_message", (*err).into());
                (now + 60.0 + i as f64, p.to_json())
            })
            .collect();
        store.add_to_set(set, &entries, now).await.unwrap();
    }
    for slug in ["scheduled", "retries", "dead"] {
        let list = |query: &str| format!("/admin/jobs/{slug}?{query}");
        let all = s.get(&list("")).await;
        assert_eq!(total(&all.text), 3, "{slug}");

        // A part of the class, in any case.
        let by_class = s.get(&list("class=sendemail")).await;
        assert_eq!(total(&by_class.text), 1, "{slug} by class");
        assert!(by_class.text.contains("Copydesk::SendEmail"));
        assert!(!by_class.text.contains("Copydesk::ImportRow"));
        assert_eq!(total(&s.get(&list("class=Copydesk%3A%3A")).await.text), 3);

        // A part of the arguments.
        let by_args = s.get(&list("args=members.csv")).await;
        assert_eq!(total(&by_args.text), 1, "{slug} by arguments");
        assert!(by_args.text.contains("Copydesk::ImportRow"));
        assert!(
            by_args
                .text
                .contains("id=\"f-args\" name=\"args\" type=\"text\" value=\"members.csv\""),
            "the form keeps what was typed"
        );
        assert_eq!(total(&s.get(&list("args=%5B41%5D")).await.text), 1);

        // A part of the error message, or of the error class.
        let by_message = s.get(&list("error=mailbox+unavailable")).await;
        assert_eq!(total(&by_message.text), 1, "{slug} by error message");
        assert!(by_message.text.contains("Copydesk::SendEmail"));
        assert_eq!(total(&s.get(&list("error=FROZEN")).await.text), 1);
        assert_eq!(total(&s.get(&list("error=malformedcsv")).await.text), 1);

        // Together, every part must match.
        assert_eq!(
            total(&s.get(&list("class=publish&args=7&error=frozen")).await.text),
            1
        );
        assert_eq!(
            total(&s.get(&list("class=publish&error=mailbox")).await.text),
            0
        );
    }

    // The pager keeps the filter.
    let many: Vec<(f64, String)> = (0..30)
        .map(|i| {
            let p = Payload::new(
                "Copydesk::SendEmail",
                "mail",
                vec![json!(format!("pager-{i}"))],
                true.into(),
                now,
            );
            (now + 100.0 + f64::from(i), p.to_json())
        })
        .collect();
    store
        .add_to_set(SortedSet::Retry, &many, now)
        .await
        .unwrap();
    let paged = s.get("/admin/jobs/retries?args=pager-").await;
    assert_eq!(total(&paged.text), 30);
    assert!(
        paged
            .text
            .contains("href=\"/admin/jobs/retries?class=&amp;args=pager-&amp;error=&amp;page=2\""),
        "{}",
        paged.text
    );
}

on_each_job_store!(
    lists_filter_by_class_arguments_and_error,
    redis_db = 7,
    filter_by_class_arguments_and_error
);

/// A store action that fails leaves no audit entry: the entry commits with the action.
async fn failed_action_is_not_audited(app: TestApp) {
    use sea_orm::ConnectionTrait;
    let jobs = Jobs::get(&app.ctx).unwrap();
    let jid = jobs.client.enqueue::<PublishPost>(&(7,)).await.unwrap();
    let support = user(&app, "support", "Sue Port").await;
    let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
    // Break the store under the screen.
    let settings = copydesk::settings::Settings::get(&app.ctx).unwrap();
    if settings.jobs.store == "redis" {
        let client = redis::Client::open(settings.jobs.redis_url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("SET")
            .arg("queue:default")
            .arg("not a list")
            .query_async(&mut conn)
            .await
            .unwrap();
    } else {
        app.ctx
            .db
            .execute_unprepared("DROP TABLE worker_jobs")
            .await
            .unwrap();
    }
    let res = s
        .post(DELETE, &[("jid", jid.as_str()), ("page", "1")])
        .await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(audited(&app, "jobs.delete", &jid).await, 0);
    let res = s.post("/admin/jobs/queues/default/clear", &[]).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(audited(&app, "jobs.clear_queue", "default").await, 0);
}

on_each_job_store!(
    a_failed_store_action_leaves_no_audit_entry,
    redis_db = 9,
    failed_action_is_not_audited
);

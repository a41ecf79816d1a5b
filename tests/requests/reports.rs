//! Readers' reports from the public pages, without JavaScript: the form on its own page, a
//! report stored as a flag, errors next to their fields (422), the reader's words escaped,
//! and the refusals (the hourly limit, one's own content, twice, already removed).
use axum::http::StatusCode;
use copydesk::models::{
    comments,
    moderation::{self, Target, cases, flags},
    posts, users,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

async fn get_from(app: &TestApp, path: &str, ip: &str) -> crate::common::Resp {
    let req = axum::http::Request::get(path)
        .header("accept", "text/html")
        .body(axum::body::Body::empty())
        .unwrap();
    app.send(req, ip).await
}

async fn flag_count(app: &TestApp) -> u64 {
    flags::Entity::find().count(&app.ctx.db).await.unwrap()
}

/// A published post by an author, with one approved guest comment.
async fn a_post_with_comment(app: &TestApp) -> (users::Model, posts::Model, comments::Model) {
    let db = &app.ctx.db;
    let author = fixtures::author(db, "Ada Byron").await;
    let post = fixtures::post(db, &author, PostSpec::published("Worth a report", 1)).await;
    let comment = fixtures::comment(
        db,
        &author,
        post.id,
        Some("Grace"),
        "Buy cheap watches at example.test",
        "approved",
    )
    .await;
    (author, post, comment)
}

both_backends!(
    a_reader_reports_a_comment_without_javascript,
    |app: TestApp| async move {
        let (_, post, comment) = a_post_with_comment(&app).await;
        let page = app.get(&format!("/posts/{}", post.slug)).await;
        let link = format!("href=\"/comments/{}/report\"", comment.id);
        assert!(page.text.contains(&link), "a Report link per comment");
        assert!(
            page.text
                .contains(&format!("id=\"comment-{}\"", comment.id))
        );
        assert!(
            page.text
                .contains(&format!("href=\"/posts/{}/report\"", post.slug)),
            "and one for the post"
        );

        let url = format!("/comments/{}/report", comment.id);
        let form = app.get(&url).await;
        assert_eq!(form.status, StatusCode::OK);
        assert_eq!(form.header("cache-control"), Some("no-store"));
        assert!(form.text.contains(&format!(
            "<form class=\"report-form\" method=\"post\" action=\"{url}\""
        )));
        assert!(
            form.text
                .contains("<legend>Why are you reporting this?</legend>")
        );
        assert!(
            form.text
                .contains("<label for=\"report-reason-spam\">Spam</label>")
        );
        assert!(form.text.contains("<label for=\"report-text\">"));
        assert!(
            form.text
                .contains("the comment by Grace on “Worth a report”")
        );
        assert!(form.text.contains("Buy cheap watches"), "what is reported");

        let words = "<script>alert('x')</script> Spam, plainly";
        let res = app
            .post_form(&url, &[("reason", "spam"), ("text", words)], "203.0.113.9")
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let location = res.header("location").unwrap().to_string();
        assert_eq!(
            location,
            format!("/posts/{}?reported=1#report-status", post.slug)
        );
        let stored = flags::Entity::find()
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.source, "report");
        assert_eq!(stored.reason, "spam");
        assert_eq!(stored.text, words, "kept as typed; escaped where shown");
        assert_eq!(stored.reporter_id, None);
        assert_eq!(stored.reporter_key.len(), 64, "a keyed hash of the address");
        assert!(!stored.reporter_key.contains("203.0.113.9"));
        let case = moderation::case_of(&app.ctx.db, Target::Comment(comment.id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(case.id, stored.case_id);

        let thanks = app.get(location.split('#').next().unwrap()).await;
        assert_eq!(thanks.status, StatusCode::OK);
        assert!(thanks.text.contains("id=\"report-status\" role=\"status\""));
        assert!(thanks.text.contains("Thank you for your report"));
        assert_eq!(thanks.header("cache-control"), Some("no-store"));

        // The same address again, while the case is open: told so, nothing stored.
        let again = app
            .post_form(&url, &[("reason", "harassment")], "203.0.113.9")
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(
            again
                .text
                .contains("You have already reported this; moderators will look at it.")
        );
        assert_eq!(flag_count(&app).await, 1);
        let page_again = get_from(&app, &url, "203.0.113.9").await;
        assert!(
            page_again.text.contains("You have already reported this"),
            "the form page says so too"
        );
        // Someone else may.
        let other = app
            .post_form(&url, &[("reason", "spam")], "203.0.113.10")
            .await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);
        assert_eq!(flag_count(&app).await, 2);

        // A post is reported the same way.
        let res = app
            .post_form(
                &format!("/posts/{}/report", post.slug),
                &[("reason", "off_topic")],
                "203.0.113.9",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert!(
            moderation::case_of(&app.ctx.db, Target::Post(post.id))
                .await
                .unwrap()
                .is_some()
        );
    }
);

both_backends!(
    bad_reports_show_errors_next_to_fields_and_escape_the_text,
    |app: TestApp| async move {
        let (_, post, comment) = a_post_with_comment(&app).await;
        let url = format!("/comments/{}/report", comment.id);

        let res = app
            .post_form(
                &url,
                &[("text", "<script>alert(1)</script>")],
                "203.0.113.20",
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("role=\"alert\""));
        assert!(res.text.contains(
            "<p class=\"field-error\" id=\"report-reason-error\">Choose why you are reporting this.</p>"
        ));
        assert!(
            res.text
                .contains("aria-describedby=\"report-reason-error\"")
        );
        assert!(res.text.contains("aria-invalid=\"true\""));
        assert!(
            res.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "the text comes back escaped: {}",
            crate::common::fragment(&res.text, "<textarea", "</textarea>")
        );
        assert!(!res.text.contains("<script>alert(1)"));

        let res = app
            .post_form(&url, &[("reason", "other"), ("text", "  ")], "203.0.113.20")
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text
                .contains("id=\"report-text-error\">Say what is wrong")
        );
        assert!(
            res.text
                .contains("aria-describedby=\"report-text-hint report-text-error\"")
        );
        assert!(
            res.text
                .contains("value=\"other\" aria-describedby=\"report-reason-other-hint\" checked"),
            "the choice is kept"
        );

        let long = "x".repeat(2001);
        let res = app
            .post_form(&url, &[("reason", "spam"), ("text", &long)], "203.0.113.20")
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text
                .contains("Keep it under 2,000 characters (it has 2001).")
        );

        for reason in ["nonsense", "SPAM", ""] {
            let res = app
                .post_form(&url, &[("reason", reason)], "203.0.113.20")
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{reason:?}");
        }
        let res = app
            .post_form(
                &url,
                &[("reason", "spam"), ("text", "nul\0byte")],
                "203.0.113.20",
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("NUL byte"));
        assert_eq!(flag_count(&app).await, 0, "nothing stored");

        // Unknown targets are not found, never a 500.
        for bad in [
            "/comments/999999/report",
            "/comments/abc/report",
            "/comments/99999999999/report",
        ] {
            assert_eq!(app.get(bad).await.status, StatusCode::NOT_FOUND, "{bad}");
            let res = app
                .post_form(bad, &[("reason", "spam")], "203.0.113.20")
                .await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{bad}");
        }
        assert_eq!(
            app.get("/posts/no-such-post/report").await.status,
            StatusCode::NOT_FOUND
        );

        // A pending comment is not public, so it cannot be reported either.
        let author = fixtures::author(&app.ctx.db, "Pen Ding").await;
        let pending = fixtures::comment(
            &app.ctx.db,
            &author,
            post.id,
            Some("Waits"),
            "Not yet shown",
            "pending",
        )
        .await;
        assert_eq!(
            app.get(&format!("/comments/{}/report", pending.id))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Wherever the reader's words are shown back (the moderators' screens are another
        // engineer's), they are escaped: the report page shows them only in its form.
        let ok = app
            .post_form(
                &url,
                &[("reason", "spam"), ("text", "<img src=x onerror=alert(1)>")],
                "203.0.113.21",
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let again = app
            .post_form(
                &url,
                &[("reason", "spam"), ("text", "<img src=x onerror=alert(1)>")],
                "203.0.113.21",
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(
            !again.text.contains("<img src=x"),
            "escaped on the refusal page"
        );
    }
);

both_backends!(
    the_hourly_limit_says_when_to_try_again,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let (author, post, _) = a_post_with_comment(&app).await;
        let max = copydesk::settings::Settings::get(&app.ctx)
            .unwrap()
            .moderation
            .reports_per_hour;
        let mut ids = Vec::new();
        for i in 0..=max {
            let c = fixtures::comment(
                db,
                &author,
                post.id,
                Some("Many"),
                &format!("Comment number {i}"),
                "approved",
            )
            .await;
            ids.push(c.id);
        }
        for id in &ids[..usize::try_from(max).unwrap()] {
            let res = app
                .post_form(
                    &format!("/comments/{id}/report"),
                    &[("reason", "spam")],
                    "203.0.113.30",
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER);
        }
        let last = ids.last().unwrap();
        let res = app
            .post_form(
                &format!("/comments/{last}/report"),
                &[("reason", "spam"), ("text", "one too many")],
                "203.0.113.30",
            )
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            res.text.contains(&format!(
                "You have sent {max} reports in the last hour. You can report again in 60 minutes"
            )),
            "{}",
            res.text
        );
        assert!(
            res.text.contains(">one too many</textarea>"),
            "the text is kept"
        );
        let retry: i64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!(retry > 3500 && retry <= 3600, "{retry}");
        assert_eq!(flag_count(&app).await, max);
        // Another address is not limited by this one.
        let res = app
            .post_form(
                &format!("/comments/{last}/report"),
                &[("reason", "spam")],
                "203.0.113.31",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
);

both_backends!(
    own_and_removed_content_is_refused_and_staff_report_too,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let (_, post, comment) = a_post_with_comment(&app).await;
        let member = user(&app, "member", "Mo Member").await;
        let own = fixtures::comment(db, &member, post.id, None, "My own words", "approved").await;
        let mut mo = Browser::signed_in(&app, &member.email, "/login").await;

        let url = format!("/comments/{}/report", own.id);
        let page = mo.get(&url).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(
            page.text
                .contains("You wrote this — you can edit or delete it instead.")
        );
        assert!(
            !page.text.contains("<form class=\"report-form\""),
            "no form that cannot work"
        );
        let res = mo.post(&url, &[("reason", "spam")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(flag_count(&app).await, 0);

        // A signed-in reader's report carries their id (and no address).
        let other = format!("/comments/{}/report", comment.id);
        let form = mo.get(&other).await;
        assert!(
            form.text
                .contains("Reporting as <strong>Mo Member</strong>")
        );
        assert!(form.text.contains("name=\"_csrf\""));
        let res = mo
            .post(&other, &[("reason", "harassment"), ("text", "Rude")])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let f = flags::Entity::find().one(db).await.unwrap().unwrap();
        assert_eq!(f.reporter_id, Some(member.id));
        assert_eq!(f.reporter_key, "");
        // Twice is refused for the person, whichever address they use.
        mo.ip = "203.0.113.99".into();
        let res = mo.post(&other, &[("reason", "spam")]).await;
        assert_eq!(res.status, StatusCode::CONFLICT);

        // Staff report through the same form.
        let editor = user(&app, "editor", "Eda Editor").await;
        let mut eda = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let res = eda.post(&other, &[("reason", "spam")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert_eq!(flag_count(&app).await, 2);

        // Content a moderator removed: said so, nothing stored.
        let case = moderation::case_of(db, Target::Comment(comment.id))
            .await
            .unwrap()
            .unwrap();
        let mut removed: cases::ActiveModel = case.into();
        removed.removed = Set(true);
        removed.hidden = Set(true);
        removed.update(db).await.unwrap();
        let page = app.get(&other).await;
        assert_eq!(page.status, StatusCode::GONE);
        assert!(page.text.contains("Moderators have already removed this."));
        let res = app
            .post_form(&other, &[("reason", "spam")], "203.0.113.40")
            .await;
        assert_eq!(res.status, StatusCode::GONE);
        assert!(res.text.contains("Moderators have already removed this."));
        assert_eq!(flag_count(&app).await, 2);
        // And the comment is gone from the post page.
        let page = app.get(&format!("/posts/{}", post.slug)).await;
        assert!(!page.text.contains("Buy cheap watches"));
        assert!(page.text.contains("My own words"));
    }
);

//! The reader comment form: validation next to each field, pending by default, the honeypot
//! and the per-address rate limit.
use axum::http::StatusCode;
use copydesk::models::{_entities::comments as comment_entity, comments::CommentStatus};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

async fn count(app: &TestApp) -> u64 {
    comment_entity::Entity::find()
        .count(&app.ctx.db)
        .await
        .unwrap()
}

both_backends!(
    a_valid_comment_is_stored_pending_and_not_shown,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let post = fixtures::post(db, &ada, PostSpec::published("Open for comments", 1)).await;
        let path = format!("/posts/{}", post.slug);

        let page = app.get(&path).await;
        assert!(
            page.text
                .contains("<form class=\"comment-form\" method=\"post\""),
            "a plain HTML form"
        );
        assert!(page.text.contains("<label for=\"comment-name\">"));
        assert!(page.text.contains("<label for=\"comment-body\">"));

        let res = app
            .post_form(
                &format!("{path}/comments"),
                &[
                    ("name", "Grace"),
                    ("body", "A fine piece. See https://example.com/more"),
                    ("website", ""),
                ],
                "203.0.113.1",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let location = res.header("location").unwrap();
        assert_eq!(location, format!("{path}?comment=pending#comment-status"));

        let stored = comment_entity::Entity::find()
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, CommentStatus::Pending.as_str());
        assert_eq!(stored.guest_name.as_deref(), Some("Grace"));
        assert_eq!(stored.post_id, post.id);
        assert_eq!(
            stored.ip_hash.len(),
            64,
            "the address is kept only as a salted hash"
        );
        assert!(!stored.ip_hash.contains("203.0.113.1"));
        assert!(
            stored
                .body_html
                .contains("rel=\"nofollow ugc noopener noreferrer\""),
            "{}",
            stored.body_html
        );

        let thanks = app.get(location.split('#').next().unwrap()).await;
        assert!(thanks.text.contains("role=\"status\""));
        assert!(thanks.text.contains("awaits moderation"));
        assert_eq!(thanks.header("cache-control"), Some("no-store"));
        assert!(
            !thanks.text.contains("A fine piece"),
            "pending comments are not public"
        );

        // Approved comments appear, with nofollow links; spam and rejected ones do not.
        let mut approved: comment_entity::ActiveModel = stored.into();
        approved.status = Set(CommentStatus::Approved.as_str().into());
        approved.update(db).await.unwrap();
        for (status, body) in [
            ("spam", "Cheap pills here"),
            ("rejected", "Rude words"),
            ("pending", "Still waiting"),
        ] {
            comment_entity::ActiveModel {
                post_id: Set(post.id),
                guest_name: Set(Some("Someone".into())),
                body: Set(body.into()),
                status: Set(status.into()),
                ip_hash: Set(String::new()),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
        let page = app.get(&path).await;
        assert!(page.text.contains("A fine piece"));
        assert!(page.text.contains(
            "<a href=\"https://example.com/more\" rel=\"nofollow ugc noopener noreferrer\">"
        ));
        assert!(page.text.contains("1 comment<"));
        for hidden in ["Cheap pills", "Rude words", "Still waiting"] {
            assert!(!page.text.contains(hidden), "{hidden} shown");
        }
    }
);

both_backends!(
    invalid_comments_show_errors_next_to_fields_and_keep_input,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let post = fixtures::post(db, &ada, PostSpec::published("Strict form", 1)).await;
        let url = format!("/posts/{}/comments", post.slug);

        let res = app
            .post_form(&url, &[("name", "  "), ("body", "")], "203.0.113.2")
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("role=\"alert\""));
        assert!(res.text.contains("Please fix the 2 problems below."));
        assert!(
            res.text.contains(
                "<p class=\"field-error\" id=\"comment-name-error\">Enter your name.</p>"
            )
        );
        assert!(
            res.text.contains(
                "<p class=\"field-error\" id=\"comment-body-error\">Write a comment.</p>"
            )
        );
        assert!(res.text.contains("aria-describedby=\"comment-name-error\""));
        assert!(res.text.contains("aria-invalid=\"true\""));

        let long = "x".repeat(5001);
        let res = app
            .post_form(
                &url,
                &[("name", "Grace <b>Hopper</b>"), ("body", &long)],
                "203.0.113.2",
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text
                .contains("Keep your comment under 5,000 characters (it has 5001).")
        );
        assert!(
            res.text
                .contains("value=\"Grace &lt;b&gt;Hopper&lt;&#x2F;b&gt;\"")
                || res
                    .text
                    .contains("value=\"Grace &lt;b&gt;Hopper&lt;/b&gt;\""),
            "the name is kept, escaped"
        );
        assert!(res.text.contains(&long), "the text is kept");
        assert!(
            !res.text.contains("comment-name-error"),
            "only the failing field has an error"
        );

        let res = app
            .post_form(
                &url,
                &[("name", &"n".repeat(81)), ("body", "ok body")],
                "203.0.113.2",
            )
            .await;
        assert!(res.text.contains("Keep your name under 80 characters."));

        assert_eq!(count(&app).await, 0, "nothing stored");
    }
);

both_backends!(
    the_honeypot_discards_bots_quietly,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let post = fixtures::post(db, &ada, PostSpec::published("Bot bait", 1)).await;
        let res = app
            .post_form(
                &format!("/posts/{}/comments", post.slug),
                &[
                    ("name", "Bot"),
                    ("body", "Buy now"),
                    ("website", "https://spam.example"),
                ],
                "203.0.113.3",
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "bots are told the same as people"
        );
        assert_eq!(count(&app).await, 0);
        let page = app.get(&format!("/posts/{}", post.slug)).await;
        assert!(page.text.contains("class=\"hp\" aria-hidden=\"true\""));
        assert!(
            page.text
                .contains("name=\"website\" type=\"text\" tabindex=\"-1\"")
        );
    }
);

both_backends!(
    comments_are_rate_limited_per_address,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let post = fixtures::post(db, &ada, PostSpec::published("Busy thread", 1)).await;
        let url = format!("/posts/{}/comments", post.slug);
        // config/test.yaml allows 3 per 10 minutes.
        for i in 0..3 {
            let res = app
                .post_form(
                    &url,
                    &[("name", "Fast"), ("body", &format!("Comment {i}"))],
                    "203.0.113.4",
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "comment {i}");
        }
        let res = app
            .post_form(
                &url,
                &[("name", "Fast"), ("body", "One too many")],
                "203.0.113.4",
            )
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            res.text.contains(
                "You have posted several comments in a short time. Please wait 10 minutes"
            )
        );
        assert!(res.text.contains("One too many"), "the text is kept");
        let retry: i64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=600).contains(&retry));
        assert_eq!(count(&app).await, 3);

        let other = app
            .post_form(
                &url,
                &[("name", "Calm"), ("body", "From elsewhere")],
                "203.0.113.5",
            )
            .await;
        assert_eq!(
            other.status,
            StatusCode::SEE_OTHER,
            "other addresses are unaffected"
        );
        assert_eq!(count(&app).await, 4);
    }
);

both_backends!(
    no_comments_on_posts_readers_cannot_see,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let draft = fixtures::post(db, &ada, PostSpec::published("Draft", 1).state("draft")).await;
        let future = fixtures::post(db, &ada, PostSpec::published("Future", -1)).await;
        let members = fixtures::post(
            db,
            &ada,
            PostSpec::published("Members", 1).visibility("members"),
        )
        .await;
        for slug in [
            &draft.slug,
            &future.slug,
            &members.slug,
            &"missing".to_string(),
        ] {
            let res = app
                .post_form(
                    &format!("/posts/{slug}/comments"),
                    &[("name", "A"), ("body", "Hello there")],
                    "203.0.113.6",
                )
                .await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{slug}");
        }
        assert_eq!(
            comment_entity::Entity::find()
                .filter(comment_entity::Column::PostId.is_in([draft.id, future.id, members.id]))
                .count(db)
                .await
                .unwrap(),
            0
        );
    }
);

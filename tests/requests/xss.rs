//! Stored XSS: none of the payloads survives in post bodies or comments, rendered alone or
//! served on a page.
use axum::http::StatusCode;
use copydesk::{
    markdown,
    models::{_entities::comments as comment_entity, comments::CommentStatus},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::{
    both_backends,
    common::{
        TestApp, fixtures,
        fixtures::PostSpec,
        fragment,
        html_safety::{XSS_PAYLOADS, assert_safe},
    },
};

#[test]
fn payload_list_is_long_enough() {
    assert!(XSS_PAYLOADS.len() >= 30);
}

#[test]
fn no_payload_survives_the_post_renderer() {
    for p in XSS_PAYLOADS {
        assert_safe(&markdown::render_post(p), &format!("post body {p:?}"));
        // Inside surrounding markdown too.
        assert_safe(
            &markdown::render_post(&format!("## Heading\n\nText {p} more\n\n- {p}")),
            p,
        );
    }
}

#[test]
fn no_payload_survives_the_comment_renderer() {
    for p in XSS_PAYLOADS {
        assert_safe(&markdown::render_comment(p), &format!("comment {p:?}"));
        assert_safe(
            &markdown::render_comment(&format!("see https://example.com/{p} now")),
            p,
        );
    }
}

#[test]
fn the_checker_catches_what_it_should() {
    for bad in [
        "<script>x</script>",
        "<a href=\"javascript:x\">",
        "<img src=x onerror=y>",
        "<a href=\"&#106;avascript:x\">",
        "<p style=\"x\">",
    ] {
        assert!(
            std::panic::catch_unwind(|| assert_safe(bad, "probe")).is_err(),
            "{bad} passed the checker"
        );
    }
    assert_safe(
        "<p>plain <a href=\"https://example.com\" rel=\"nofollow ugc\">link</a> &lt;script&gt;</p>",
        "clean",
    );
}

both_backends!(
    stored_payloads_come_out_safe_on_pages,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let body = XSS_PAYLOADS.join("\n\n");
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("<script>alert('title')</script>", 1).body(&body),
        )
        .await;
        assert!(!post.body_html.contains("<script"), "sanitized on save");

        for (i, p) in XSS_PAYLOADS.iter().enumerate() {
            let ip = format!("192.0.2.{}", i + 1);
            let res = app
                .post_form(
                    &format!("/posts/{}/comments", post.slug),
                    &[
                        ("name", &p.chars().take(80).collect::<String>()),
                        ("body", p),
                    ],
                    &ip,
                )
                .await;
            assert_eq!(
                res.status,
                StatusCode::SEE_OTHER,
                "payload {p:?} was not accepted as a comment"
            );
        }
        comment_entity::Entity::update_many()
            .col_expr(
                comment_entity::Column::Status,
                Expr::value(CommentStatus::Approved.as_str()),
            )
            .filter(comment_entity::Column::PostId.eq(post.id))
            .exec(db)
            .await
            .unwrap();

        let page = app.get(&format!("/posts/{}", post.slug)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.text.matches("class=\"comment\"").count(),
            XSS_PAYLOADS.len()
        );
        assert_safe(
            fragment(&page.text, "<div class=\"prose\">", "</article>"),
            "post page body",
        );
        assert_safe(
            fragment(&page.text, "<ol class=\"comment-list\">", "</ol>"),
            "post page comments",
        );
        assert!(
            page.text
                .contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"),
            "title escaped"
        );
        // The whole page has two script elements: the JSON-LD block, which cannot end early,
        // and the site's own report script (a file, no inline code).
        assert_eq!(page.text.matches("<script").count(), 2);
        assert_eq!(
            page.text
                .matches("<script src=\"/static/js/report.")
                .count(),
            1
        );
        let ld = fragment(
            &page.text,
            "<script type=\"application/ld+json\">",
            "</script>",
        );
        let inner = ld
            .trim_start_matches("<script type=\"application/ld+json\">")
            .trim_end_matches("</script>");
        assert!(!inner.contains("</"), "JSON-LD escapes </");
        // Feeds escape everything.
        let atom = app.get("/feed.atom").await;
        roxmltree::Document::parse(&atom.text).expect("feed stays well-formed");
    }
);

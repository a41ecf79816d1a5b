//! Readers never see hidden content: a comment or post whose case hides it leaves the post
//! page (a post answers 404), its comment count, home, tag and author pages, both feeds and
//! the sitemap, while staff may still preview the post in the admin.
use axum::http::StatusCode;
use copydesk::{
    models::{
        comments,
        moderation::{self, NewFlag, Reason, Source, Target},
    },
    settings::Moderation,
};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

/// Flags `target` with a settings whose threshold the one flag reaches, so it hides.
async fn hide(app: &TestApp, target: Target) {
    let settings = Moderation {
        hide: 0.5,
        ..Moderation::default()
    };
    let case = moderation::flag(
        &app.ctx.db,
        &settings,
        &NewFlag {
            target,
            source: Source::Report,
            reason: Reason::Spam.as_str().into(),
            text: String::new(),
            reporter_id: None,
            reporter_key: "k".into(),
        },
    )
    .await
    .unwrap();
    assert!(case.hidden, "the flag reached the threshold");
}

both_backends!(
    hidden_comments_and_posts_leave_every_public_page,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let author = user(&app, "author", "Hid Author").await;
        let post = fixtures::post(
            db,
            &author,
            PostSpec::published("Soon hidden story", 1).tags(&["Gone"]),
        )
        .await;
        let other = fixtures::post(db, &author, PostSpec::published("Stays up", 2)).await;
        let keep = fixtures::comment(
            db,
            &author,
            post.id,
            Some("Kim"),
            "A kind remark",
            "approved",
        )
        .await;
        let bad = fixtures::comment(
            db,
            &author,
            post.id,
            Some("Troll"),
            "A nasty remark",
            "approved",
        )
        .await;
        let path = format!("/posts/{}", post.slug);

        let page = app.get(&path).await;
        assert!(page.text.contains("A nasty remark"));
        assert!(page.text.contains("2 comments<"));

        // A hidden comment is left out, and out of the count.
        hide(&app, Target::Comment(bad.id)).await;
        let shown = comments::Model::approved_for_post(db, post.id)
            .await
            .unwrap();
        assert_eq!(shown.iter().map(|c| c.id).collect::<Vec<_>>(), [keep.id]);
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text.contains("A nasty remark"));
        assert!(page.text.contains("A kind remark"));
        assert!(page.text.contains("1 comment<"));

        // A case that does not hide changes nothing.
        moderation::flag(
            db,
            &Moderation::default(),
            &NewFlag {
                target: Target::Comment(keep.id),
                source: Source::Report,
                reason: Reason::OffTopic.as_str().into(),
                text: String::new(),
                reporter_id: None,
                reporter_key: "k2".into(),
            },
        )
        .await
        .unwrap();
        assert!(app.get(&path).await.text.contains("A kind remark"));

        // Everywhere the post shows before…
        for list in [
            "/",
            "/tags/gone",
            "/authors/hid-author",
            "/feed.atom",
            "/feed.rss",
            "/sitemap.xml",
        ] {
            let res = app.get(list).await;
            assert_eq!(res.status, StatusCode::OK, "{list}");
            assert!(res.text.contains(&post.slug), "{list} lists it before");
        }
        // …and nowhere once its case hides it.
        hide(&app, Target::Post(post.id)).await;
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
        for list in [
            "/",
            "/authors/hid-author",
            "/feed.atom",
            "/feed.rss",
            "/sitemap.xml",
        ] {
            let res = app.get(list).await;
            assert_eq!(res.status, StatusCode::OK, "{list}");
            assert!(!res.text.contains(&post.slug), "{list} still lists it");
            assert!(res.text.contains(&other.slug), "{list} keeps the others");
        }
        let tag = app.get("/tags/gone").await;
        assert!(!tag.text.contains(&post.slug), "the tag page leaves it out");
        let sitemap = app.get("/sitemap.xml").await;
        assert!(!sitemap.text.contains("/tags/gone"));
        // Its comment form takes nothing either.
        let res = app
            .post_form(
                &format!("{path}/comments"),
                &[("name", "G"), ("body", "Hello?")],
                "203.0.113.50",
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);

        // Staff still preview it through the admin.
        let mut staff = Browser::signed_in(&app, &author.email, "/admin/login").await;
        let preview = staff
            .get(&format!("/admin/posts/{}/preview", post.id))
            .await;
        assert_eq!(preview.status, StatusCode::OK);
        assert!(preview.text.contains("Soon hidden story"));
    }
);

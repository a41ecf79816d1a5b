//! Every public page, and the invisibility of anything not yet published.
use axum::http::StatusCode;

use crate::{
    both_backends,
    common::{
        TestApp, fixtures,
        fixtures::{PostSpec, hidden_posts},
        fragment,
    },
};

both_backends!(
    home_lists_published_posts_newest_first_and_paginates,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        for i in 1..=12 {
            fixtures::post(
                db,
                &ada,
                PostSpec::published(&format!("Story number {i}"), i),
            )
            .await;
        }
        let hidden = hidden_posts(&app, &ada).await;

        let page1 = app.get("/").await;
        assert_eq!(page1.status, StatusCode::OK);
        assert_eq!(page1.text.matches("class=\"post-card\"").count(), 10);
        let first = page1.text.find("Story number 1<").unwrap();
        let second = page1.text.find("Story number 2<").unwrap();
        assert!(first < second, "newest first");
        assert!(page1.text.contains("href=\"/?page=2\""), "link to page 2");
        assert!(page1.text.contains("Page 1 of 2"));

        let page2 = app.get("/?page=2").await;
        assert_eq!(page2.status, StatusCode::OK);
        assert_eq!(page2.text.matches("class=\"post-card\"").count(), 2);
        assert!(page2.text.contains("rel=\"prev\" href=\"/\""));
        assert!(
            page2
                .text
                .contains("<title>Latest stories, page 2 — The Copydesk Review</title>")
        );

        assert_eq!(app.get("/?page=3").await.status, StatusCode::NOT_FOUND);
        // Nonsense page numbers fall back to the first page.
        assert_eq!(app.get("/?page=abc").await.status, StatusCode::OK);

        for page in [&page1.text, &page2.text] {
            assert!(
                !page.contains("Hidden"),
                "a hidden post leaked onto a list page"
            );
        }
        for slug in hidden {
            assert_eq!(
                app.get(&format!("/posts/{slug}")).await.status,
                StatusCode::NOT_FOUND,
                "{slug}"
            );
        }
    }
);

both_backends!(
    post_page_shows_article_with_metadata,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let body = format!("## Engines\n\n{}\n\n- one\n- two", "word ".repeat(450));
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("The Analytical Engine", 3)
                .tags(&["Science", "History"])
                .body(&body),
        )
        .await;

        let res = app.get(&format!("/posts/{}", post.slug)).await;
        assert_eq!(res.status, StatusCode::OK);
        let html = &res.text;
        assert!(html.contains("<h1 id=\"post-title\">The Analytical Engine</h1>"));
        assert!(html.contains("<h2>Engines</h2>"), "markdown rendered");
        assert!(html.contains("href=\"/authors/ada-byron\""));
        assert!(html.contains("href=\"/tags/science\""));
        assert!(
            html.contains("3 min read"),
            "450 words is 3 minutes at 220 a minute"
        );
        assert!(html.contains(&format!(
            "<link rel=\"canonical\" href=\"http://copydesk.test/posts/{}\">",
            post.slug
        )));
        assert!(html.contains("<meta property=\"og:title\" content=\"The Analytical Engine\">"));
        assert!(html.contains("<meta property=\"og:type\" content=\"article\">"));
        assert!(html.contains("<meta name=\"twitter:card\" content=\"summary\">"));
        assert!(html.contains("<meta property=\"article:tag\" content=\"Science\">"));

        let ld = fragment(html, "<script type=\"application/ld+json\">", "</script>");
        let json = ld
            .trim_start_matches("<script type=\"application/ld+json\">")
            .trim_end_matches("</script>");
        let v: serde_json::Value = serde_json::from_str(json).expect("JSON-LD parses");
        assert_eq!(v["@type"], "Article");
        assert_eq!(v["headline"], "The Analytical Engine");
        assert_eq!(v["author"]["name"], "Ada Byron");
        assert_eq!(v["isAccessibleForFree"], true);

        // Landmarks and structure.
        assert!(html.contains("<main id=\"main\""));
        assert!(html.contains("<a class=\"skip-link\" href=\"#main\">"));
        assert!(html.contains("<html lang=\"en\">"));
        assert_eq!(html.matches("<h1").count(), 1, "one h1 per page");

        assert_eq!(
            app.get("/posts/no-such-story").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

both_backends!(
    members_posts_show_summary_and_notice,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let members = fixtures::post(
            db,
            &ada,
            PostSpec::published("Members story", 1)
                .visibility("members")
                .body("SECRET BODY TEXT"),
        )
        .await;
        let paid = fixtures::post(
            db,
            &ada,
            PostSpec::published("Paid story", 2)
                .visibility("paid")
                .body("PAID BODY TEXT"),
        )
        .await;

        let res = app.get(&format!("/posts/{}", members.slug)).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains("Summary of Members story."));
        assert!(res.text.contains("Members only"));
        assert!(!res.text.contains("SECRET BODY TEXT"));
        assert!(
            !res.text.contains("<form"),
            "no comment form on members-only posts"
        );

        let res = app.get(&format!("/posts/{}", paid.slug)).await;
        assert!(res.text.contains("paying members"));
        assert!(!res.text.contains("PAID BODY TEXT"));

        let home = app.get("/").await;
        assert!(
            home.text.contains("Members only"),
            "list pages badge members posts"
        );
        assert!(home.text.contains("Paid members only"));
    }
);

both_backends!(
    tag_pages_list_visible_posts_of_the_tag,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        fixtures::post(
            db,
            &ada,
            PostSpec::published("Bread at night", 1).tags(&["Food"]),
        )
        .await;
        fixtures::post(db, &ada, PostSpec::published("Tides", 2).tags(&["Science"])).await;
        fixtures::post(
            db,
            &ada,
            PostSpec::published("Secret soup", 2)
                .tags(&["Food"])
                .state("draft"),
        )
        .await;

        let res = app.get("/tags/food").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains("Stories tagged “Food”"));
        assert!(res.text.contains("Bread at night"));
        assert!(!res.text.contains("Tides"));
        assert!(!res.text.contains("Secret soup"));

        assert_eq!(
            app.get("/tags/nothing-here").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

both_backends!(
    author_pages_list_their_visible_posts,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let grace = fixtures::author(db, "Grace Hopper").await;
        let quiet = fixtures::author(db, "Quiet Writer").await;
        fixtures::post(db, &ada, PostSpec::published("Engines", 1)).await;
        fixtures::post(db, &grace, PostSpec::published("Compilers", 2)).await;
        fixtures::post(
            db,
            &quiet,
            PostSpec::published("Unfinished", 2).state("draft"),
        )
        .await;

        let res = app.get("/authors/ada-byron").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains("<h1>Ada Byron</h1>"));
        assert!(res.text.contains("Ada Byron writes here."), "bio shown");
        assert!(res.text.contains("Engines"));
        assert!(!res.text.contains("Compilers"));

        // No public page for accounts without published work.
        assert_eq!(
            app.get("/authors/quiet-writer").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/authors/nobody").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

both_backends!(
    unknown_routes_get_a_friendly_404_page,
    |app: TestApp| async move {
        let res = app.get("/no/such/page").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(res.header("content-type").unwrap().starts_with("text/html"));
        assert!(res.text.contains("<h1>Page not found</h1>"));
        assert!(res.text.contains("href=\"/\""), "a way back home");
        assert_eq!(res.header("cache-control"), Some("no-store"));
    }
);

both_backends!(
    robots_txt_points_to_the_sitemap,
    |app: TestApp| async move {
        let res = app.get("/robots.txt").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains("User-agent: *"));
        assert!(res.text.contains("Disallow: /admin"));
        assert!(
            res.text
                .contains("Sitemap: http://copydesk.test/sitemap.xml")
        );
    }
);

both_backends!(html_fragments_match_snapshots, |app: TestApp| async move {
    let db = &app.ctx.db;
    let ada = fixtures::author(db, "Ada Byron").await;
    let post = fixtures::post(
        db,
        &ada,
        PostSpec::published("Snapshot story", 3).tags(&["Food", "Cities"]),
    )
    .await;
    let list = app.get("/").await;
    let post_page = app.get(&format!("/posts/{}", post.slug)).await;
    let bad = app
        .post_form(
            &format!("/posts/{}/comments", post.slug),
            &[("name", ""), ("body", "x")],
            "203.0.113.9",
        )
        .await;

    insta::with_settings!({filters => vec![
        (r"\d{4}-\d{2}-\d{2}T[0-9:.]+\+00:00", "[datetime]"),
        (r"\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}", "[date]"),
    ]}, {
        insta::assert_snapshot!("post_card", fragment(&list.text, "<li class=\"post-card\">", "</article>"));
        insta::assert_snapshot!("post_header", fragment(&post_page.text, "<header class=\"post-header\">", "</header>"));
        insta::assert_snapshot!("comment_form_with_errors", fragment(&bad.text, "<form class=\"comment-form\"", "</form>"));
    });
});

//! Atom, RSS and the sitemap: well-formed XML, visible posts only.
use axum::http::StatusCode;

use crate::{
    both_backends,
    common::{
        TestApp, fixtures,
        fixtures::{PostSpec, hidden_posts},
    },
};

fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"))
}

both_backends!(atom_feed_lists_visible_posts, |app: TestApp| async move {
    let db = &app.ctx.db;
    let ada = fixtures::author(db, "Ada Byron").await;
    fixtures::post(
        db,
        &ada,
        PostSpec::published("Newest & best <story>", 1)
            .tags(&["Food"])
            .body("Body with **bold** & <b>tags</b>"),
    )
    .await;
    fixtures::post(db, &ada, PostSpec::published("Older story", 5)).await;
    fixtures::post(
        db,
        &ada,
        PostSpec::published("Members story", 2)
            .visibility("members")
            .body("MEMBERS ONLY BODY"),
    )
    .await;
    hidden_posts(&app, &ada).await;

    let res = app.get("/feed.atom").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    let doc = parse(&res.text);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let titles: Vec<&str> = root
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .map(|e| {
            e.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap()
        })
        .collect();
    assert_eq!(
        titles,
        vec!["Newest & best <story>", "Members story", "Older story"]
    );
    assert!(
        root.descendants()
            .any(|n| n.has_tag_name("category") && n.attribute("term") == Some("Food"))
    );
    assert!(
        !res.text.contains("MEMBERS ONLY BODY"),
        "members posts give their summary only"
    );
    assert!(!res.text.contains("Hidden"));
    let link = root
        .descendants()
        .find(|n| n.has_tag_name("entry"))
        .and_then(|e| e.children().find(|c| c.has_tag_name("link")))
        .and_then(|l| l.attribute("href"))
        .unwrap();
    assert!(
        link.starts_with("http://copydesk.test/posts/newest-best-story"),
        "{link}"
    );
});

both_backends!(rss_feed_lists_visible_posts, |app: TestApp| async move {
    let db = &app.ctx.db;
    let ada = fixtures::author(db, "Ada Byron").await;
    fixtures::post(db, &ada, PostSpec::published("First story", 1)).await;
    fixtures::post(db, &ada, PostSpec::published("Second story", 3)).await;
    hidden_posts(&app, &ada).await;

    let res = app.get("/feed.rss").await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = parse(&res.text);
    assert_eq!(doc.root_element().tag_name().name(), "rss");
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    let items: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .collect();
    assert_eq!(items.len(), 2);
    let pub_date = items[0]
        .children()
        .find(|c| c.has_tag_name("pubDate"))
        .and_then(|n| n.text())
        .unwrap();
    chrono::DateTime::parse_from_rfc2822(pub_date).expect("RFC 2822 pubDate");
    assert!(!res.text.contains("Hidden"));
});

both_backends!(
    sitemap_lists_visible_pages_only,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let shy = fixtures::author(db, "Shy Writer").await;
        let visible = fixtures::post(
            db,
            &ada,
            PostSpec::published("Visible story", 1).tags(&["Food"]),
        )
        .await;
        hidden_posts(&app, &shy).await;

        let res = app.get("/sitemap.xml").await;
        assert_eq!(res.status, StatusCode::OK);
        let doc = parse(&res.text);
        assert_eq!(
            doc.root_element().tag_name().namespace(),
            Some("http://www.sitemaps.org/schemas/sitemap/0.9")
        );
        let locs: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("loc"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(
            locs,
            vec![
                "http://copydesk.test/".to_string(),
                format!("http://copydesk.test/posts/{}", visible.slug),
                "http://copydesk.test/tags/food".to_string(),
                "http://copydesk.test/authors/ada-byron".to_string(),
            ]
        );
        assert!(
            !res.text.contains("secret"),
            "tags of hidden posts stay out"
        );
        assert!(
            !res.text.contains("shy-writer"),
            "authors without visible posts stay out"
        );
    }
);

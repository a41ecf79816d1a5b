//! ETags, Cache-Control and fingerprinted static files.
use axum::http::StatusCode;

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

both_backends!(
    public_pages_revalidate_with_etags,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let post = fixtures::post(db, &ada, PostSpec::published("Cached story", 1)).await;
        for path in [
            "/".to_string(),
            format!("/posts/{}", post.slug),
            "/feed.atom".to_string(),
            "/sitemap.xml".to_string(),
        ] {
            let first = app.get(&path).await;
            assert_eq!(first.status, StatusCode::OK, "{path}");
            assert!(
                first
                    .header("cache-control")
                    .unwrap()
                    .starts_with("public, max-age="),
                "{path}"
            );
            let etag = first.header("etag").expect("an etag").to_string();

            let again = app.get_with(&path, &[("if-none-match", &etag)]).await;
            assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
            assert!(again.text.is_empty());
            assert_eq!(again.header("etag"), Some(etag.as_str()));

            let listed = format!("\"other\", W/{etag}");
            assert_eq!(
                app.get_with(&path, &[("if-none-match", &listed)])
                    .await
                    .status,
                StatusCode::NOT_MODIFIED
            );
            assert_eq!(
                app.get_with(&path, &[("if-none-match", "\"stale\"")])
                    .await
                    .status,
                StatusCode::OK
            );
        }

        // A change to the content changes the ETag.
        let before = app.get("/").await.header("etag").unwrap().to_string();
        fixtures::post(db, &ada, PostSpec::published("Fresh story", 0)).await;
        let after = app.get("/").await.header("etag").unwrap().to_string();
        assert_ne!(before, after);
    }
);

both_backends!(
    static_files_are_fingerprinted_and_cached_for_a_year,
    |app: TestApp| async move {
        let home = app.get("/").await;
        let start = home.text.find("/static/css/site.").unwrap();
        let href = &home.text[start..start + home.text[start..].find('"').unwrap()];
        assert!(
            href.len() > "/static/css/site.css".len(),
            "fingerprinted: {href}"
        );

        let css = app.get(href).await;
        assert_eq!(css.status, StatusCode::OK);
        assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
        assert_eq!(
            css.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert!(css.text.contains(":focus-visible"));

        let plain = app.get("/static/css/site.css").await;
        assert_eq!(plain.status, StatusCode::OK);
        assert_eq!(plain.header("cache-control"), Some("public, max-age=300"));

        assert_eq!(
            app.get("/static/css/missing.css").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/static/../config/test.yaml").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

both_backends!(pages_carry_security_headers, |app: TestApp| async move {
    let res = app.get("/").await;
    let csp = res.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        res.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
});

fn with_render_cache(config: &mut loco_rs::config::Config) {
    if let Some(settings) = config.settings.as_mut() {
        settings["cache"]["render_ttl_ms"] = serde_json::json!(60_000);
    }
}

async fn render_cache_serves_until_a_write(app: TestApp) {
    let db = &app.ctx.db;
    let ada = fixtures::author(db, "Ada Byron").await;
    let post = fixtures::post(db, &ada, PostSpec::published("First story", 1)).await;
    let first = app.get("/").await;
    assert!(first.text.contains("First story"));

    // A change made behind the app's back is not seen while the entry lives...
    fixtures::post(db, &ada, PostSpec::published("Second story", 0)).await;
    let cached = app.get("/").await;
    assert_eq!(cached.text, first.text);
    assert_eq!(cached.header("etag"), first.header("etag"));
    assert!(
        cached.header("content-security-policy").is_some(),
        "headers are kept"
    );
    let etag = first.header("etag").unwrap().to_string();
    assert_eq!(
        app.get_with("/", &[("if-none-match", &etag)]).await.status,
        StatusCode::NOT_MODIFIED
    );
    // ...requests with cookies bypass it...
    assert!(
        app.get_with("/", &[("cookie", "x=1")])
            .await
            .text
            .contains("Second story")
    );
    // ...and any write through the app empties it.
    let res = app
        .post_form(
            &format!("/posts/{}/comments", post.slug),
            &[("name", "A"), ("body", "Hello")],
            "203.0.113.50",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(app.get("/").await.text.contains("Second story"));
    // Error pages and personal pages are never kept.
    assert_eq!(app.get("/missing").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/missing").await.status, StatusCode::NOT_FOUND);
}

mod render_cache {
    use super::*;
    use crate::common::{Backend, run_with};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(
            Backend::Sqlite,
            with_render_cache,
            render_cache_serves_until_a_write,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(
            Backend::Postgres,
            with_render_cache,
            render_cache_serves_until_a_write,
        )
        .await;
    }
}

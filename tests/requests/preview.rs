//! Previews: staff see any post as readers will; a signed link opens one post for someone
//! without an account until it expires, is never cached or indexed, and cannot be altered
//! to show another post.
use axum::http::StatusCode;
use copydesk::{models::posts::preview, settings::Settings};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

both_backends!(previews_and_signed_links, |app: TestApp| async move {
    let db = &app.ctx.db;
    let ada = user(&app, "author", "Ada Author").await;
    let modr = user(&app, "moderator", "Mo Derator").await;
    let post = fixtures::post(
        db,
        &ada,
        PostSpec::published("Under wraps", 1)
            .state("draft")
            .undated()
            .body("The **secret** plan."),
    )
    .await;
    let other = fixtures::post(
        db,
        &ada,
        PostSpec::published("Also hidden", 1)
            .state("draft")
            .undated(),
    )
    .await;
    assert_eq!(
        app.get("/posts/under-wraps").await.status,
        StatusCode::NOT_FOUND
    );

    // The author previews their draft as readers will see it.
    let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
    let page = a.get(&format!("/admin/posts/{}/preview", post.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<strong>secret</strong>"));
    assert!(
        page.text
            .contains("Preview</strong> of a post that is draft")
    );
    assert!(page.text.contains("noindex"));
    assert_eq!(page.header("x-robots-tag"), Some("noindex, nofollow"));
    assert_eq!(page.header("cache-control"), Some("no-store"));

    // They make a link; it is shown once, on the workflow page.
    let made = a
        .post(&format!("/admin/posts/{}/preview-link", post.id), &[])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let start = made.text.find("/preview/").expect("the link is shown");
    let token: String = made.text[start + "/preview/".len()..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let again = a.get(&format!("/admin/posts/{}/workflow", post.id)).await;
    assert!(!again.text.contains(&token), "shown only once");

    // Someone without an account opens it.
    let shared = app.get(&format!("/preview/{token}")).await;
    assert_eq!(shared.status, StatusCode::OK);
    assert!(shared.text.contains("<strong>secret</strong>"));
    assert!(shared.text.contains("This link works until"));
    assert_eq!(shared.header("x-robots-tag"), Some("noindex, nofollow"));
    assert_eq!(shared.header("cache-control"), Some("no-store"));
    assert_eq!(shared.header("referrer-policy"), Some("no-referrer"));
    assert!(!shared.text.contains("rel=\"canonical\""));

    // Altered to another post, or to last longer: not found.
    let mut parts = token.splitn(3, '.');
    let (_, expires, sig) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    for bad in [
        format!("{}.{expires}.{sig}", other.id),
        format!(
            "{}.{}.{sig}",
            post.id,
            expires.parse::<i64>().unwrap() + 3600
        ),
        format!("{}.{expires}.AAAA", post.id),
    ] {
        assert_eq!(
            app.get(&format!("/preview/{bad}")).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    // Expired: gone, and it says so.
    let secret = &Settings::get(&app.ctx).unwrap().secret_key;
    let old = preview::sign(secret, post.id, copydesk::models::now().timestamp() - 60);
    let gone = app.get(&format!("/preview/{old}")).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.text.contains("This preview link has expired"));
    // Making one is audited, without the link.
    let entries = copydesk::models::audit::search(
        db,
        &copydesk::models::audit::AuditFilter::default(),
        1,
        50,
    )
    .await
    .unwrap()
    .items;
    let entry = entries
        .iter()
        .find(|e| e.action == "post.preview_link")
        .expect("audited");
    assert!(!entry.changes.contains(&token[token.len() - 10..]));

    // Whoever may read the post in the admin may share it read-only (audited); an author
    // may not for someone else's post, which they cannot read.
    let mut m = Browser::signed_in(&app, &modr.email, "/admin/login").await;
    let shared = m
        .post(&format!("/admin/posts/{}/preview-link", post.id), &[])
        .await;
    assert_eq!(shared.status, StatusCode::OK);
    let bo = user(&app, "author", "Bo Author").await;
    let mut b = Browser::signed_in(&app, &bo.email, "/admin/login").await;
    let refused = b
        .post(&format!("/admin/posts/{}/preview-link", post.id), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
});

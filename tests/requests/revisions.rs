//! A post's revision screens: the list, the side-by-side comparison (escaped), restore with
//! its refusals, and who may see and restore what.
use axum::http::StatusCode;
use copydesk::models::posts::{self, revisions};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

both_backends!(
    revisions_are_listed_compared_and_restored_within_the_rights,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = user(&app, "author", "Ada Author").await;
        let bo = user(&app, "author", "Bo Author").await;
        let mo = user(&app, "moderator", "Mo Moderator").await;
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("The harbour at dawn", 1)
                .state("draft")
                .undated()
                .body("Boats leave the harbour early."),
        )
        .await;
        let mut form = fixtures::form_of(&post, &[]);
        form.body_markdown = "Boats leave the harbour late. <script>alert(1)</script>".into();
        let post = posts::update(
            db,
            &fixtures::actor(&ada),
            &fixtures::meta(),
            crate::common::fixtures::policy(),
            post.id,
            0,
            &form,
        )
        .await
        .unwrap();
        let base = format!("/admin/posts/{}/revisions", post.id);

        // The author sees the list, linked from the post's page.
        let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
        let page = a.get(&format!("/admin/content/posts/{}", post.id)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text.contains(&base),
            "the post page links its revisions"
        );
        let list = a.get(&base).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert!(list.text.contains("2 revisions"), "{}", list.text);
        assert!(list.text.contains("/revisions/1/restore"));
        assert!(
            !list.text.contains("/revisions/2/restore"),
            "the current one has no button"
        );

        // The comparison marks the changed words and escapes the body.
        let cmp = a.get(&format!("{base}/compare?a=1&b=2")).await;
        assert_eq!(cmp.status, StatusCode::OK, "{}", cmp.text);
        assert!(cmp.text.contains("<del>early.</del>"), "{}", cmp.text);
        assert!(cmp.text.contains("<ins>late.</ins>") || cmp.text.contains("<ins>late."));
        assert!(
            cmp.text
                .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
                || cmp.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        );
        assert!(!cmp.text.contains("<script>alert(1)"));
        assert_eq!(
            a.get(&format!("{base}/compare?a=1&b=9")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            a.get(&format!("{base}/compare?a=x")).await.status,
            StatusCode::BAD_REQUEST
        );

        // A stale page restores nothing and says why.
        let stale = a
            .post(&format!("{base}/1/restore"), &[("lock_version", "0")])
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
        assert!(stale.text.contains("saved by someone else"));
        assert_eq!(revisions::latest_number(db, post.id).await.unwrap(), 2);

        // Restore 1: revision 3 holds the first body again.
        let version = post.lock_version.to_string();
        let done = a
            .post(&format!("{base}/1/restore"), &[("lock_version", &version)])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        let after = a.get(&base).await;
        assert!(after.text.contains("Restored revision 1"), "{}", after.text);
        let three = revisions::find(db, post.id, 3).await.unwrap().unwrap();
        assert_eq!(three.body_markdown, "Boats leave the harbour early.");

        // Another author may not look; a moderator may look but not restore.
        let mut b = Browser::signed_in(&app, &bo.email, "/admin/login").await;
        assert_eq!(b.get(&base).await.status, StatusCode::FORBIDDEN);
        let mut m = Browser::signed_in(&app, &mo.email, "/admin/login").await;
        let seen = m.get(&base).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(!seen.text.contains("/restore"));
        let v = (post.lock_version + 1).to_string();
        assert_eq!(
            m.post(&format!("{base}/2/restore"), &[("lock_version", &v)])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(revisions::latest_number(db, post.id).await.unwrap(), 3);
    }
);

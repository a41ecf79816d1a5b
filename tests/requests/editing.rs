//! The change page's editing notice: the lock shown to a second editor, taking over and the
//! first person told, autosaves kept as JSON answers, and the autosave offered on reopening.
use axum::http::StatusCode;
use sea_orm::EntityTrait;

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

both_backends!(
    the_change_page_shows_the_lock_and_offers_the_autosave,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = user(&app, "author", "Ada Author").await;
        let eda = user(&app, "editor", "Eda Editor").await;
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Open twice", 1)
                .state("draft")
                .undated(),
        )
        .await;
        let page = format!("/admin/content/posts/{}", post.id);
        let base = format!("/admin/posts/{}", post.id);

        let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
        let mine = a.get(&page).await;
        assert!(
            mine.text.contains("You are editing this post."),
            "{}",
            mine.text
        );
        assert!(
            mine.text
                .contains(&format!("data-autosave-url=\"{base}/autosave\""))
        );
        assert!(mine.text.contains(&format!("hx-post=\"{base}/lock\"")));

        let mut e = Browser::signed_in(&app, &eda.email, "/admin/login").await;
        let theirs = e.get(&page).await;
        assert!(
            theirs.text.contains("Ada Author is editing since"),
            "{}",
            theirs.text
        );
        assert!(theirs.text.contains("Take over editing"));

        // Ada's page keeps what she types.
        let kept = a
            .post(
                &format!("{base}/autosave"),
                &[
                    ("title", "Open twice"),
                    ("summary", "Summary of Open twice."),
                    ("body_markdown", "Ada's unsaved paragraph."),
                    ("lock_version", &post.lock_version.to_string()),
                ],
            )
            .await;
        assert_eq!(kept.status, StatusCode::OK, "{}", kept.text);
        assert!(kept.text.contains("\"status\":\"saved\""), "{}", kept.text);

        // The preview beside the form shows what she typed; the plain preview does not.
        let beside = format!("{base}/preview?draft=mine");
        assert!(mine.text.contains("id=\"side-preview\""), "{}", mine.text);
        assert!(mine.text.contains(&format!("<iframe src=\"{beside}\"")));
        let typed = a.get(&beside).await;
        assert_eq!(typed.status, StatusCode::OK, "{}", typed.text);
        assert!(typed.text.contains("unsaved paragraph"), "{}", typed.text);
        assert!(typed.text.contains("with your unsaved changes"));
        // Only this site may frame it; the change page itself is never framed.
        assert_eq!(typed.header("x-frame-options"), Some("SAMEORIGIN"));
        assert!(
            typed
                .header("content-security-policy")
                .is_some_and(|c| c.contains("frame-ancestors 'self'"))
        );
        assert_eq!(mine.header("x-frame-options"), Some("DENY"));
        let saved = a.get(&format!("{base}/preview")).await;
        assert!(!saved.text.contains("unsaved paragraph"));
        // Someone else's preview shows their own autosave, never Ada's.
        let eda_view = e.get(&beside).await;
        assert!(!eda_view.text.contains("unsaved paragraph"));

        // Eda takes over; Ada's page is told on its next renewal.
        let took = e.post(&format!("{base}/lock/take"), &[]).await;
        assert_eq!(took.status, StatusCode::SEE_OTHER);
        let beat = a.post(&format!("{base}/lock"), &[]).await;
        assert_eq!(beat.status, StatusCode::OK);
        assert!(
            beat.text.contains("Eda Editor took over editing at"),
            "{}",
            beat.text
        );
        // An author may not take it back.
        let refused = a.post(&format!("{base}/lock/take"), &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // Reopening offers Ada her autosave; putting it in saves it.
        let again = a.get(&page).await;
        assert!(
            again.text.contains("You have text autosaved at"),
            "{}",
            again.text
        );
        let put = a
            .post(
                &format!("{base}/autosave/restore"),
                &[("lock_version", &post.lock_version.to_string())],
            )
            .await;
        assert_eq!(put.status, StatusCode::SEE_OTHER);
        let after = a.get(&page).await;
        assert!(
            after
                .text
                .contains("Your autosaved text is in the post now"),
            "{}",
            after.text
        );
        let stored = copydesk::models::_entities::posts::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.body_markdown, "Ada's unsaved paragraph.");
        assert!(!after.text.contains("You have text autosaved at"));
    }
);

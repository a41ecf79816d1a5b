//! The audit vocabulary: every action name Copydesk can write renders on the engine's
//! history page of the record it is about and on the audit list.
use axum::http::StatusCode;
use copydesk::{
    auth::RequestMeta,
    models::audit::{self, ACTIONS, Action, Who},
};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

#[test]
fn the_list_names_each_action_once_and_the_enum_agrees() {
    let mut seen = std::collections::BTreeSet::new();
    for name in ACTIONS {
        assert!(seen.insert(*name), "{name} is listed twice");
        assert_eq!(Action::parse(name).map(Action::as_str), Some(*name));
    }
    assert_eq!(ACTIONS.len(), Action::ALL.len());
    for kept in [
        "post.publish",
        "user.change",
        "comment.approve",
        "mail.view",
    ] {
        assert!(
            ACTIONS.contains(&kept),
            "{kept}: existing history keeps its name"
        );
    }
}

both_backends!(
    every_action_renders_in_history_and_on_the_audit_page,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let admin = user(&app, "admin", "Vocabulary Admin").await;
        let post = fixtures::post(db, &admin, PostSpec::published("Audited", 1)).await;
        let meta = RequestMeta::system("test");
        for action in Action::ALL {
            // Entries about people go to the person's history; every other one is written
            // against the post, so each name is seen on an engine history page.
            let (target_type, id) = if action.target_type() == "user" {
                ("user", admin.id)
            } else {
                ("post", post.id)
            };
            audit::record(
                db,
                &meta,
                audit::Entry {
                    target_type,
                    ..audit::of(
                        *action,
                        Who::user(&admin),
                        id,
                        Some(serde_json::json!({"note": "before"})),
                        Some(serde_json::json!({"note": action.as_str()})),
                    )
                },
            )
            .await
            .unwrap();
        }
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let post_history = b
            .get(&format!("/admin/content/posts/{}/history", post.id))
            .await;
        assert_eq!(post_history.status, StatusCode::OK);
        let user_history = b
            .get(&format!("/admin/people/users/{}/history", admin.id))
            .await;
        assert_eq!(user_history.status, StatusCode::OK);
        for action in Action::ALL {
            let history = if action.target_type() == "user" {
                &user_history.text
            } else {
                &post_history.text
            };
            assert!(history.contains(action.as_str()), "{action} in its history");
            let list = b
                .get(&format!(
                    "/admin/system/audit?q={}",
                    crate::common::urlencode(action.as_str())
                ))
                .await;
            assert_eq!(list.status, StatusCode::OK, "{action}");
            assert!(
                list.text.contains(action.as_str()),
                "{action} on the audit page"
            );
        }
    }
);

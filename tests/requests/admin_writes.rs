//! The admin's writes reach the model functions, and the audit list finds them again by
//! action, record kind and person.
use axum::http::StatusCode;
use copydesk::models::_entities::{audit_log, comments as comment_entity};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

both_backends!(
    admin_writes_are_audited_by_name_and_the_audit_list_filters_them,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let admin = user(&app, "admin", "Audit Admin").await;
        let editor = user(&app, "editor", "Audit Editor").await;
        let ada = fixtures::author(db, "Ada Byron").await;
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Approved one", 1).state("approved"),
        )
        .await;
        let comment = comment_entity::ActiveModel {
            post_id: Set(post.id),
            guest_name: Set(Some("Guest".into())),
            body: Set("Nice piece".into()),
            status: Set("pending".into()),
            ip_hash: Set(String::new()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();

        // The editor publishes from the list and approves the comment with its row button.
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let id = post.id.to_string();
        let res = b
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "publish"),
                    ("_selected", &id),
                    ("_confirm", "yes"),
                    ("_back", "/admin/content/posts"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let row = format!("{}:approve", comment.id);
        let res = b
            .post(
                "/admin/community/comments",
                &[("_row", &row), ("_back", "/admin/community/comments")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        for (action, target) in [("post.publish", post.id), ("comment.approve", comment.id)] {
            let entry = audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq(action))
                .one(db)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("no {action} entry"));
            assert_eq!(entry.target_id, target.to_string());
            assert_eq!(entry.actor_id, Some(editor.id));
        }

        // Only the table's rows count: the filter panels name every action that occurs.
        let rows = |html: &str| crate::common::fragment(html, "<tbody", "</tbody>").to_string();
        // The audit list narrows to one action, one record kind, one person.
        let mut a = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let list = a.get("/admin/system/audit?action=post.publish").await;
        assert_eq!(list.status, StatusCode::OK);
        let t = rows(&list.text);
        assert!(t.contains("post.publish"));
        assert!(
            !t.contains("comment.approve"),
            "another action is filtered out"
        );
        let t = rows(&a.get("/admin/system/audit?target_type=comment").await.text);
        assert!(t.contains("comment.approve"));
        assert!(!t.contains("post.publish"));
        let by_editor = format!("/admin/system/audit?actor_id={}", editor.id);
        let t = rows(&a.get(&by_editor).await.text);
        assert!(t.contains("post.publish") && t.contains("comment.approve"));
        let by_admin = format!("/admin/system/audit?actor_id={}", admin.id);
        let t = rows(&a.get(&by_admin).await.text);
        assert!(!t.contains("post.publish"), "the admin did neither");
        // The filter panels offer the actions and kinds that occur.
        let list = a.get("/admin/system/audit").await;
        assert!(
            list.text.contains("action=post.publish"),
            "an action filter link"
        );
        assert!(
            list.text.contains("target_type=comment"),
            "a record kind filter link"
        );
    }
);

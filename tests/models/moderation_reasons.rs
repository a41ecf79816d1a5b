//! Reason presets: listed per form (active ones, by position then label), written only by
//! those who moderate, checked, and audited by name in the write's transaction; the admin's
//! generated pages write through the same functions.
use axum::http::StatusCode;
use copydesk::{
    auth::{Capability, RequestMeta, permissions::grant_named},
    models::{
        _entities::audit_log,
        WriteError,
        moderation::reasons::{self, Applies, ReasonForm},
        users::Role,
    },
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures,
    },
};

fn preset(applies: &str, label: &str, position: i32) -> ReasonForm {
    ReasonForm {
        applies: applies.into(),
        label: label.into(),
        text: format!("What {label} covers."),
        position,
        active: true,
    }
}

async fn audit_actions(app: &TestApp, id: i32) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::TargetType.eq("mod_reason"))
        .filter(audit_log::Column::TargetId.eq(id.to_string()))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.ctx.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect()
}

#[test]
fn the_presets_screen_is_granted_exactly_to_those_who_moderate() {
    for role in Role::ALL {
        let moderates = grant_named(*role, Capability::MODERATE.0);
        for action in ["view", "add", "change", "delete"] {
            assert_eq!(
                grant_named(*role, &format!("mod_reasons.{action}")),
                moderates,
                "mod_reasons.{action} for {}",
                role.as_str()
            );
        }
    }
}

both_backends!(
    presets_are_listed_per_form_checked_and_audited,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = RequestMeta::system("test");
        let mo = fixtures::actor(&user(&app, "moderator", "Preset Moderator").await);
        let author = fixtures::actor(&user(&app, "author", "Preset Author").await);

        let spam = reasons::add(db, &mo, &meta, &preset("decision", "Spam", 20))
            .await
            .unwrap();
        let abuse = reasons::add(db, &mo, &meta, &preset("decision", "Abuse", 20))
            .await
            .unwrap();
        let fine = reasons::add(db, &mo, &meta, &preset("any", "Within the rules", 10))
            .await
            .unwrap();
        let repeat = reasons::add(db, &mo, &meta, &preset("sanction", "Repeated", 0))
            .await
            .unwrap();
        let mut old = preset("decision", "Old wording", 0);
        old.active = false;
        reasons::add(db, &mo, &meta, &old).await.unwrap();

        let labels = |list: Vec<reasons::Preset>| -> Vec<String> {
            list.into_iter().map(|p| p.label).collect()
        };
        assert_eq!(
            labels(reasons::list(db, Applies::Decision).await.unwrap()),
            ["Within the rules", "Abuse", "Spam"],
            "by position, then label; inactive and sanction-only ones left out"
        );
        assert_eq!(
            labels(reasons::list(db, Applies::Sanction).await.unwrap()),
            ["Repeated", "Within the rules"]
        );
        assert_eq!(reasons::list(db, Applies::Any).await.unwrap().len(), 4);

        // Refused: someone who does not moderate, and each bad field, naming it.
        assert!(matches!(
            reasons::add(db, &author, &meta, &preset("decision", "Mine", 0)).await,
            Err(WriteError::Auth(_))
        ));
        assert!(matches!(
            reasons::delete(db, &author, &meta, spam.id).await,
            Err(WriteError::Auth(_))
        ));
        let long_text = "x".repeat(2001);
        for (form, field) in [
            (preset("decision", "  ", 0), "label"),
            (preset("decision", &"L".repeat(121), 0), "label"),
            (preset("decision", "Nul\0here", 0), "label"),
            (preset("sometimes", "Spam", 0), "applies"),
            (
                ReasonForm {
                    text: long_text,
                    ..preset("decision", "Long", 0)
                },
                "text",
            ),
            (
                ReasonForm {
                    text: "a\0b".into(),
                    ..preset("decision", "Nul text", 0)
                },
                "text",
            ),
        ] {
            match reasons::add(db, &mo, &meta, &form).await {
                Err(WriteError::Field { field: f, .. }) => assert_eq!(f, field, "{form:?}"),
                other => panic!("{form:?}: {other:?}"),
            }
        }
        assert!(
            reasons::add(db, &mo, &meta, &preset("decision", &"L".repeat(120), 0))
                .await
                .is_ok(),
            "120 characters is allowed"
        );
        assert_eq!(reasons::list(db, Applies::Any).await.unwrap().len(), 5);

        // Changed and deleted, each with its named entry.
        let changed = reasons::update(
            db,
            &mo,
            &meta,
            abuse.id,
            &ReasonForm {
                label: "Harassment or abuse".into(),
                ..preset("decision", "", 5)
            },
        )
        .await
        .unwrap();
        assert_eq!(changed.label, "Harassment or abuse");
        assert!(changed.updated_at >= abuse.updated_at);
        reasons::delete(db, &mo, &meta, fine.id).await.unwrap();
        assert!(matches!(
            reasons::delete(db, &mo, &meta, fine.id).await,
            Err(WriteError::NotFound)
        ));
        assert_eq!(
            audit_actions(&app, abuse.id).await,
            ["moderation.reason_add", "moderation.reason_change"]
        );
        assert_eq!(
            audit_actions(&app, fine.id).await,
            ["moderation.reason_add", "moderation.reason_delete"]
        );
        assert_eq!(
            audit_actions(&app, repeat.id).await,
            ["moderation.reason_add"]
        );
    }
);

both_backends!(
    the_generated_admin_pages_write_presets_through_the_model,
    |app: TestApp| async move {
        let mo = user(&app, "moderator", "Screen Moderator").await;
        let mut b = Browser::signed_in(&app, &mo.email, "/admin/login").await;
        let url = "/admin/community/mod_reasons";
        assert_eq!(b.get(&format!("{url}/add")).await.status, StatusCode::OK);
        let res = b
            .post(
                &format!("{url}/add"),
                &[
                    ("applies", "decision"),
                    ("label", ""),
                    ("text", "Nothing"),
                    ("position", "0"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text.contains("Enter a label of 1 to 120 characters."),
            "the model's message, next to its field"
        );
        let res = b
            .post(
                &format!("{url}/add"),
                &[
                    ("applies", "sanction"),
                    ("label", "Spam account"),
                    ("text", "An account that exists to advertise."),
                    ("position", "10"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let saved = reasons::list(&app.ctx.db, Applies::Sanction).await.unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].label, "Spam account");
        assert_eq!(
            audit_actions(&app, saved[0].id).await,
            ["moderation.reason_add"],
            "one entry, the model's, named"
        );
        let res = b.post(&format!("{url}/{}/delete", saved[0].id), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert!(
            reasons::list(&app.ctx.db, Applies::Any)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            audit_actions(&app, saved[0].id).await,
            ["moderation.reason_add", "moderation.reason_delete"]
        );
    }
);

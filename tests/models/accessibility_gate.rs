//! The accessibility check as a gate: each rule whose findings are errors refuses every step
//! towards readers with a clear message and nothing written, whatever the content holds
//! (XSS payloads included); an admin may override it with a reason, audited; nobody else may.
use copydesk::models::{
    _entities::{audit_log, posts as post_entity},
    WriteError,
    posts::{
        accessibility::{self, Rule},
        workflow::{self, Transition, TransitionForm},
    },
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

fn step(t: Transition, v: i32, reason: &str) -> TransitionForm {
    TransitionForm {
        transition: t,
        lock_version: v,
        note: String::new(),
        at: Some(copydesk::models::now() + chrono::Duration::days(1)),
        until: None,
        override_reason: reason.into(),
    }
}

/// (rule, title, body): content that breaks the rule, with a payload in it.
fn breaking() -> Vec<(Rule, String, String)> {
    let ok = "A fine title".to_string();
    vec![
        (
            Rule::ImageAlt,
            ok.clone(),
            "Intro.\n\n![](/x.png \"<script>alert(1)</script>\")\n".into(),
        ),
        (
            Rule::HeadingSkip,
            ok.clone(),
            "## One\n\n#### <img src=x onerror=alert(1)>\n".into(),
        ),
        (
            Rule::LinkTextEmpty,
            ok.clone(),
            "See [<script>alert(1)</script>](https://example.com).\n".into(),
        ),
        (
            Rule::LinkTextVague,
            ok.clone(),
            "For more, [click here](javascript:alert(1)).\n".into(),
        ),
        (Rule::TitleMissing, "   ".into(), "A body.\n".into()),
        (
            Rule::TitleLong,
            format!("<b>{}</b>", "long ".repeat(30)),
            "A body.\n".into(),
        ),
        (
            Rule::TableHeaders,
            ok,
            "<table><tr><td onclick=\"alert(1)\">x</td></tr></table>\n".into(),
        ),
    ]
}

both_backends!(
    each_accessibility_error_blocks_the_steps_towards_readers,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let policy = fixtures::policy();
        let ada = fixtures::person(db, "Ada Author", "author").await;
        let ed = fixtures::person(db, "Eda Editor", "editor").await;
        let al = fixtures::person(db, "Al Admin", "admin").await;
        let (ada_a, ed_a, al_a) = (
            fixtures::actor(&ada),
            fixtures::actor(&ed),
            fixtures::actor(&al),
        );
        for (rule, title, body) in breaking() {
            let report = accessibility::check(&title, "A summary.", &body);
            assert!(
                report.errors().any(|f| f.rule == rule),
                "{rule:?} is an error for {body:?}: {report:?}"
            );
            let mut spec = PostSpec::published("placeholder", 1)
                .state("draft")
                .undated()
                .body(&body);
            spec.title = if title.trim().is_empty() {
                "Untitled".into()
            } else {
                title.clone()
            };
            let post = fixtures::post(db, &ada, spec).await;
            // The title rules: write the title the form would have refused to start with.
            if title.trim().is_empty() {
                let mut m: post_entity::ActiveModel = post.clone().into();
                m.title = sea_orm::ActiveValue::Set(title.clone());
                sea_orm::ActiveModelTrait::update(m, db).await.unwrap();
            }
            let post = post_entity::Entity::find_by_id(post.id)
                .one(db)
                .await
                .unwrap()
                .unwrap();
            let entries = audit_log::Entity::find().count(db).await.unwrap();
            let e = workflow::apply(
                db,
                &ada_a,
                &meta,
                policy,
                post.id,
                &step(Transition::Submit, post.lock_version, ""),
            )
            .await
            .unwrap_err();
            match &e {
                WriteError::Field {
                    field: "accessibility",
                    message,
                } => {
                    assert!(message.contains("accessibility problem"), "{message}");
                    assert!(message.contains("Submit for review"), "{message}");
                }
                other => panic!("{rule:?}: expected the gate, got {other:?}"),
            }
            let stored = post_entity::Entity::find_by_id(post.id)
                .one(db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(stored, post, "{rule:?}: nothing written");
            assert_eq!(audit_log::Entity::find().count(db).await.unwrap(), entries);
            // A reason from anyone but an admin does not open the gate.
            assert!(matches!(
                workflow::apply(
                    db,
                    &ada_a,
                    &meta,
                    policy,
                    post.id,
                    &step(Transition::Submit, post.lock_version, "Deadline")
                )
                .await,
                Err(WriteError::Auth(_))
            ));
            // An admin's reason does, and is kept.
            let post = workflow::apply(
                db,
                &al_a,
                &meta,
                policy,
                post.id,
                &step(
                    Transition::Submit,
                    post.lock_version,
                    "The image is decorative; fixed in the next edit.",
                ),
            )
            .await
            .unwrap()
            .post;
            assert_eq!(post.state, "in_review");
            // The editor meets the gate again at approval.
            assert!(matches!(
                workflow::apply(
                    db,
                    &ed_a,
                    &meta,
                    policy,
                    post.id,
                    &step(Transition::Approve, post.lock_version, "")
                )
                .await,
                Err(WriteError::Field {
                    field: "accessibility",
                    ..
                })
            ));
        }
        let overrides = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("post.accessibility_override"))
            .all(db)
            .await
            .unwrap();
        assert_eq!(overrides.len(), breaking().len());
        assert!(
            overrides[0].changes.contains("decorative"),
            "{}",
            overrides[0].changes
        );
        assert!(overrides.iter().all(|o| o.actor_label.contains("Al Admin")));
        // Steps away from readers are never blocked.
        let post = post_entity::Entity::find()
            .filter(post_entity::Column::AuthorId.eq(ada.id))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let mut f = step(Transition::RequestChanges, post.lock_version, "");
        f.note = "Add alt text.".into();
        assert!(
            workflow::apply(db, &ed_a, &meta, policy, post.id, &f)
                .await
                .is_ok()
        );
    }
);

//! The workflow's transitions, role by role and state by state, driven from the permission
//! table: each is allowed exactly where its role holds its permission and the post is in a
//! state it applies from, and refused everywhere else with nothing written.
use chrono::Duration;
use copydesk::{
    auth::Role,
    models::{
        _entities::{audit_log, posts as post_entity},
        WriteError, now,
        posts::{
            PostState,
            workflow::{self, Transition, TransitionForm},
        },
    },
};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

fn form(t: Transition, lock_version: i32) -> TransitionForm {
    TransitionForm {
        transition: t,
        lock_version,
        note: "Tighten the second paragraph.".into(),
        // Only scheduling takes a time here (unpublishing with one takes the post down later).
        at: (t == Transition::Schedule).then(|| now() + Duration::days(2)),
        until: None,
        override_reason: String::new(),
    }
}

both_backends!(
    each_transition_is_allowed_exactly_for_its_roles_and_states,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let writer = fixtures::person(db, "Wren Writer", "author").await;
        let mut checked = (0, 0);
        for role in Role::ALL.iter().copied() {
            let who =
                fixtures::person(db, &format!("Actor {}", role.as_str()), role.as_str()).await;
            let actor = fixtures::actor(&who);
            // Their own post where their role writes posts, someone else's otherwise.
            let author =
                if copydesk::auth::permissions::grant(role, copydesk::auth::Capability::POSTS_ADD)
                    .is_some()
                {
                    &who
                } else {
                    &writer
                };
            for t in Transition::ALL.iter().copied() {
                for state in PostState::ALL.iter().copied() {
                    let post = fixtures::post(
                        db,
                        author,
                        PostSpec::published(
                            &format!("{} {} {}", role.as_str(), t.as_str(), state.as_str()),
                            3,
                        )
                        .state(state.as_str()),
                    )
                    .await;
                    let entries = audit_log::Entity::find().count(db).await.unwrap();
                    let expected = t.permitted(role, who.id, post.author_id)
                        && t.from_states().contains(&state);
                    let got = workflow::apply(
                        db,
                        &actor,
                        &meta,
                        crate::common::fixtures::policy(),
                        post.id,
                        &form(t, post.lock_version),
                    )
                    .await;
                    let stored = post_entity::Entity::find_by_id(post.id)
                        .one(db)
                        .await
                        .unwrap()
                        .unwrap();
                    let what = format!(
                        "{} {} from {}: {got:?}",
                        role.as_str(),
                        t.as_str(),
                        state.as_str()
                    );
                    if expected {
                        let saved = got.unwrap_or_else(|e| panic!("{what}: refused ({e})")).post;
                        assert_eq!(saved.state, t.target().as_str(), "{what}");
                        assert_eq!(stored.lock_version, post.lock_version + 1, "{what}");
                        assert_eq!(
                            audit_log::Entity::find().count(db).await.unwrap(),
                            entries + 1,
                            "{what}"
                        );
                        checked.0 += 1;
                    } else {
                        match &got {
                            Err(WriteError::Auth(_)) => {
                                assert!(!t.permitted(role, who.id, post.author_id), "{what}")
                            }
                            Err(WriteError::Field {
                                field: "__all__",
                                message,
                            }) => {
                                assert!(message.contains("does not apply"), "{what}");
                            }
                            other => panic!("{what}: expected a refusal, got {other:?}"),
                        }
                        assert_eq!(stored, post, "{what}: nothing written");
                        assert_eq!(
                            audit_log::Entity::find().count(db).await.unwrap(),
                            entries,
                            "{what}"
                        );
                        checked.1 += 1;
                    }
                }
            }
        }
        assert!(checked.0 > 20 && checked.1 > 100, "{checked:?}");
    }
);

both_backends!(
    transitions_check_their_input_and_the_version,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ed = fixtures::person(db, "Eda Editor", "editor").await;
        let ada = fixtures::person(db, "Ada Author", "author").await;
        let (ed_a, ada_a) = (fixtures::actor(&ed), fixtures::actor(&ada));
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("A draft", 1).state("draft").undated(),
        )
        .await;

        // The author submits their own post, but not someone else's.
        let other = fixtures::post(
            db,
            &ed,
            PostSpec::published("Eda's draft", 1)
                .state("draft")
                .undated(),
        )
        .await;
        assert!(matches!(
            workflow::apply(
                db,
                &ada_a,
                &meta,
                crate::common::fixtures::policy(),
                other.id,
                &form(Transition::Submit, other.lock_version)
            )
            .await,
            Err(WriteError::Auth(_))
        ));
        let post = workflow::apply(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &form(Transition::Submit, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "in_review");

        // Changes are requested with a note, which the entry keeps.
        let mut f = form(Transition::RequestChanges, post.lock_version);
        f.note = "  ".into();
        let e = workflow::apply(
            db,
            &ed_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &f,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, WriteError::Field { field: "note", .. }),
            "{e:?}"
        );
        let post = workflow::apply(
            db,
            &ed_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &form(Transition::RequestChanges, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "draft");
        let entry = audit_log::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .rfind(|e| e.action == "post.request_changes")
            .unwrap();
        assert!(
            entry.changes.contains("Tighten the second paragraph."),
            "{}",
            entry.changes
        );

        // A stale page is refused.
        let e = workflow::apply(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &form(Transition::Submit, post.lock_version - 1),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, WriteError::Stale { .. }), "{e:?}");

        // Scheduling needs a time still to come; publish now dates the post now.
        let post = workflow::apply(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &form(Transition::Submit, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        let post = workflow::apply(
            db,
            &ed_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &form(Transition::Approve, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        let mut f = form(Transition::Schedule, post.lock_version);
        f.at = Some(now() - Duration::hours(1));
        assert!(matches!(
            workflow::apply(
                db,
                &ed_a,
                &meta,
                crate::common::fixtures::policy(),
                post.id,
                &f
            )
            .await,
            Err(WriteError::Field { field: "at", .. })
        ));
        f.at = None;
        assert!(matches!(
            workflow::apply(
                db,
                &ed_a,
                &meta,
                crate::common::fixtures::policy(),
                post.id,
                &f
            )
            .await,
            Err(WriteError::Field { field: "at", .. })
        ));
        let post = workflow::apply(
            db,
            &ed_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &form(Transition::Schedule, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "scheduled");
        assert!(post.scheduled_at.is_some_and(|at| at > now()));
        let post = workflow::apply(
            db,
            &ed_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &form(Transition::PublishNow, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "published");
        assert!(post.published_at.is_some_and(|at| at <= now()));
        assert_eq!(post.scheduled_at, None);
        // Only for those who may: the author sees Submit on drafts, the editor the rest.
        assert_eq!(
            Transition::available(&ada_a, &post, crate::common::fixtures::policy()),
            []
        );
        assert_eq!(
            Transition::available(&ed_a, &post, crate::common::fixtures::policy()),
            [Transition::Unpublish, Transition::Archive]
        );
    }
);

//! Review stages from the config: a post in review passes each stage in order, approved by
//! the roles (or the person) the stage names; an edit in review starts the review again
//! (unless the policy says not to); changes can be requested at any stage and send the post
//! back to its author with the note.
use chrono::Duration;
use copydesk::models::{
    _entities::audit_log,
    WriteError, now,
    posts::{
        self, reviews,
        workflow::{self, Transition, TransitionForm},
    },
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

fn step(t: Transition, lock_version: i32) -> TransitionForm {
    TransitionForm {
        transition: t,
        lock_version,
        note: String::new(),
        at: None,
        until: None,
        override_reason: String::new(),
    }
}

both_backends!(
    a_post_passes_every_stage_in_order,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let policy = fixtures::two_stages(true);
        let author = fixtures::person(db, "Ada Author", "author").await;
        let editor = fixtures::person(db, "Eda Editor", "editor").await;
        let other_reviewer = fixtures::person(db, "Rhea Reviewer", "reviewer").await;
        let legal = fixtures::person(db, "Legal Reader", "reviewer").await;
        let (ada, eda, rhea, lena) = (
            fixtures::actor(&author),
            fixtures::actor(&editor),
            fixtures::actor(&other_reviewer),
            fixtures::actor(&legal),
        );
        let post = fixtures::post(
            db,
            &author,
            PostSpec::published("Staged", 1).state("draft").undated(),
        )
        .await;

        let post = workflow::apply(
            db,
            &ada,
            &meta,
            &policy,
            post.id,
            &step(Transition::Submit, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "in_review");
        assert_eq!(post.review_stage.as_deref(), Some("copy_edit"));
        let due = post
            .review_due_at
            .expect("the first stage is due in 48 hours");
        assert!((due - now() - Duration::hours(48)).num_minutes().abs() < 5);

        // Stage 1 is the editors': a reviewer who is not named there may not approve it,
        // and is not offered the button.
        assert!(!Transition::available(&rhea, &post, &policy).contains(&Transition::Approve));
        assert!(!Transition::available(&lena, &post, &policy).contains(&Transition::Approve));
        let entries = audit_log::Entity::find().count(db).await.unwrap();
        for who in [&rhea, &lena] {
            assert!(matches!(
                workflow::apply(
                    db,
                    who,
                    &meta,
                    &policy,
                    post.id,
                    &step(Transition::Approve, post.lock_version)
                )
                .await,
                Err(WriteError::Auth(_))
            ));
        }
        assert_eq!(
            audit_log::Entity::find().count(db).await.unwrap(),
            entries,
            "nothing written"
        );

        // The editor approves stage 1: the post stays in review, at stage 2.
        assert!(Transition::available(&eda, &post, &policy).contains(&Transition::Approve));
        let post = workflow::apply(
            db,
            &eda,
            &meta,
            &policy,
            post.id,
            &step(Transition::Approve, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "in_review");
        assert_eq!(post.review_stage.as_deref(), Some("legal"));
        assert_eq!(post.review_due_at, None, "the legal read has no due date");
        let s = reviews::standing(&policy, &post).unwrap();
        assert_eq!((s.index, s.of, s.is_last()), (1, 2, true));

        // Stage 2 is the admins' and the named person's (the address in any letter case):
        // the editor may no longer approve.
        assert!(matches!(
            workflow::apply(
                db,
                &eda,
                &meta,
                &policy,
                post.id,
                &step(Transition::Approve, post.lock_version)
            )
            .await,
            Err(WriteError::Auth(_))
        ));
        assert!(!Transition::available(&rhea, &post, &policy).contains(&Transition::Approve));
        let post = workflow::apply(
            db,
            &lena,
            &meta,
            &policy,
            post.id,
            &step(Transition::Approve, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "approved");
        assert_eq!(post.review_stage, None);

        // The timeline names the stage each approval was for.
        let steps = workflow::timeline(db, post.id, 10).await.unwrap();
        let approvals: Vec<Option<&str>> = steps
            .iter()
            .filter(|s| s.transition == Transition::Approve)
            .map(|s| s.stage.as_deref())
            .collect();
        assert_eq!(approvals, [Some("Legal read"), Some("Copy edit")]);
    }
);

both_backends!(
    an_edit_in_review_starts_the_review_again,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let policy = fixtures::two_stages(true);
        let author = fixtures::person(db, "Ada Author", "author").await;
        let editor = fixtures::person(db, "Eda Editor", "editor").await;
        let (ada, eda) = (fixtures::actor(&author), fixtures::actor(&editor));
        let post = fixtures::post(
            db,
            &author,
            PostSpec::published("Edited in review", 1)
                .state("draft")
                .undated(),
        )
        .await;
        let post = workflow::apply(
            db,
            &ada,
            &meta,
            &policy,
            post.id,
            &step(Transition::Submit, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        let post = workflow::apply(
            db,
            &eda,
            &meta,
            &policy,
            post.id,
            &step(Transition::Approve, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.review_stage.as_deref(), Some("legal"));

        // A save that changes nothing of the content keeps the approvals.
        let same = fixtures::form_of(&post, &[]);
        let post = posts::update(db, &ada, &meta, &policy, post.id, post.lock_version, &same)
            .await
            .unwrap();
        assert_eq!(post.review_stage.as_deref(), Some("legal"));

        // New words: back to the first stage, audited.
        let mut f = fixtures::form_of(&post, &[]);
        f.body_markdown
            .push_str("\n\nA paragraph the copy editor has not read.");
        let post = posts::update(db, &ada, &meta, &policy, post.id, post.lock_version, &f)
            .await
            .unwrap();
        assert_eq!(post.state, "in_review");
        assert_eq!(post.review_stage.as_deref(), Some("copy_edit"));
        assert!(post.review_due_at.is_some());
        let resets = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("post.review_reset"))
            .count(db)
            .await
            .unwrap();
        assert_eq!(resets, 1);

        // With the setting off (Wagtail's option), an edit keeps the stage.
        let keep = fixtures::two_stages(false);
        let post = workflow::apply(
            db,
            &eda,
            &meta,
            &keep,
            post.id,
            &step(Transition::Approve, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        let mut f = fixtures::form_of(&post, &[]);
        f.title = "Edited in review, again".into();
        let post = posts::update(db, &ada, &meta, &keep, post.id, post.lock_version, &f)
            .await
            .unwrap();
        assert_eq!(post.review_stage.as_deref(), Some("legal"));

        // An approved post that is edited needs its approvals again too.
        let legal = fixtures::person(db, "Legal Reader", "reviewer").await;
        let post = workflow::apply(
            db,
            &fixtures::actor(&legal),
            &meta,
            &policy,
            post.id,
            &step(Transition::Approve, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "approved");
        let mut f = fixtures::form_of(&post, &[]);
        f.summary = "A new summary after approval.".into();
        let post = posts::update(db, &ada, &meta, &policy, post.id, post.lock_version, &f)
            .await
            .unwrap();
        assert_eq!(
            (post.state.as_str(), post.review_stage.as_deref()),
            ("in_review", Some("copy_edit"))
        );
    }
);

both_backends!(
    changes_requested_at_any_stage_go_back_to_the_author,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let policy = fixtures::two_stages(true);
        let author = fixtures::person(db, "Ada Author", "author").await;
        let editor = fixtures::person(db, "Eda Editor", "editor").await;
        let admin = fixtures::person(db, "Al Admin", "admin").await;
        let (ada, eda, al) = (
            fixtures::actor(&author),
            fixtures::actor(&editor),
            fixtures::actor(&admin),
        );
        let post = fixtures::post(
            db,
            &author,
            PostSpec::published("Sent back", 1).state("draft").undated(),
        )
        .await;
        let post = workflow::apply(
            db,
            &ada,
            &meta,
            &policy,
            post.id,
            &step(Transition::Submit, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        let post = workflow::apply(
            db,
            &eda,
            &meta,
            &policy,
            post.id,
            &step(Transition::Approve, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        // At stage 2, its approver sends it back with a note.
        let mut f = step(Transition::RequestChanges, post.lock_version);
        f.note = "Name the source of the second quote.".into();
        let post = workflow::apply(db, &al, &meta, &policy, post.id, &f)
            .await
            .unwrap()
            .post;
        assert_eq!(post.state, "draft");
        assert_eq!(
            (post.review_stage, post.review_due_at, post.review_holder_id),
            (None, None, None)
        );
        let steps = workflow::timeline(db, post.id, 10).await.unwrap();
        let last = &steps[0];
        assert_eq!(last.transition, Transition::RequestChanges);
        assert_eq!(
            last.note.as_deref(),
            Some("Name the source of the second quote.")
        );
        assert_eq!(last.stage.as_deref(), Some("Legal read"));
        // Submitted again, it starts at the first stage.
        let post = workflow::apply(
            db,
            &ada,
            &meta,
            &policy,
            post.id,
            &step(Transition::Submit, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.review_stage.as_deref(), Some("copy_edit"));
    }
);

both_backends!(
    a_review_is_taken_and_the_queue_says_who_holds_it,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let policy = fixtures::two_stages(true);
        let author = fixtures::person(db, "Ada Author", "author").await;
        let e1 = fixtures::person(db, "Eda Editor", "editor").await;
        let e2 = fixtures::person(db, "Eli Editor", "editor").await;
        let (ada, eda, eli) = (
            fixtures::actor(&author),
            fixtures::actor(&e1),
            fixtures::actor(&e2),
        );
        let post = fixtures::post(
            db,
            &author,
            PostSpec::published("Queued", 1).state("draft").undated(),
        )
        .await;
        let post = workflow::apply(
            db,
            &ada,
            &meta,
            &policy,
            post.id,
            &step(Transition::Submit, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        let q = reviews::queue(db, &policy, &eda, 50).await.unwrap();
        assert!(q.iter().any(|w| w.post.id == post.id && w.mine));
        // The author may not take it; Eda may, then it waits on her and not on Eli.
        assert!(matches!(
            reviews::take(db, &ada, &meta, &policy, post.id, post.lock_version).await,
            Err(WriteError::Auth(_))
        ));
        let taken = reviews::take(db, &eda, &meta, &policy, post.id, post.lock_version)
            .await
            .unwrap();
        assert_eq!(taken.review_holder_id, Some(e1.id));
        assert!(matches!(
            reviews::take(db, &eli, &meta, &policy, post.id, post.lock_version).await,
            Err(WriteError::Stale { .. })
        ));
        let mine =
            |q: Vec<reviews::Waiting>| q.iter().find(|w| w.post.id == post.id).map(|w| w.mine);
        assert_eq!(
            mine(reviews::queue(db, &policy, &eda, 50).await.unwrap()),
            Some(true)
        );
        assert_eq!(
            mine(reviews::queue(db, &policy, &eli, 50).await.unwrap()),
            Some(false)
        );
        // The author sees their own post in the queue, never as theirs to approve.
        assert_eq!(
            mine(reviews::queue(db, &policy, &ada, 50).await.unwrap()),
            Some(false)
        );
        // Approving moves it on and frees it.
        let post = workflow::apply(
            db,
            &eda,
            &meta,
            &policy,
            post.id,
            &step(Transition::Approve, taken.lock_version),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.review_holder_id, None);
    }
);

//! A post's revisions: every content save keeps one with the right fields, a state-only save
//! keeps none, restore brings old content back as a new revision, and refusals write nothing.
use copydesk::models::{
    _entities::audit_log,
    WriteError,
    posts::{
        self,
        revisions::{self, RevisionKind},
        workflow::{self, Transition},
    },
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

async fn audited(db: &DatabaseConnection, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(db)
        .await
        .unwrap()
}

async fn all(db: &DatabaseConnection, post: i32) -> Vec<revisions::Model> {
    revisions::list(db, post, 1, 100).await.unwrap().items
}

both_backends!(
    every_content_save_keeps_a_revision_and_restore_brings_one_back,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ada = fixtures::person(db, "Ada Author", "author").await;
        let bo = fixtures::person(db, "Bo Author", "author").await;
        let (ada_a, bo_a) = (fixtures::actor(&ada), fixtures::actor(&bo));
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("First title", 1)
                .state("draft")
                .undated()
                .tags(&["print"]),
        )
        .await;

        // Written: revision 1, by its author, every filled field listed.
        let revs = all(db, post.id).await;
        assert_eq!(revs.len(), 1);
        assert_eq!(revs[0].number, 1);
        assert_eq!(revs[0].kind(), Some(RevisionKind::Create));
        assert_eq!(revs[0].author_id, Some(ada.id));
        assert_eq!(
            revs[0].changed_fields(),
            ["title", "summary", "body_markdown", "tags", "visibility"]
        );
        assert_eq!(revs[0].content().tags, ["print"]);

        // A save of the title and tags: revision 2 names exactly those.
        let mut f = fixtures::form_of(&post, &["print", "history"]);
        f.title = "Second title".into();
        let post = posts::update(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            0,
            &f,
        )
        .await
        .unwrap();
        let revs = all(db, post.id).await;
        assert_eq!(revs.len(), 2);
        assert_eq!(revs[0].number, 2, "newest first");
        assert_eq!(revs[0].kind(), Some(RevisionKind::Save));
        assert_eq!(revs[0].changed_fields(), ["title", "tags"]);
        assert_eq!(revs[0].post_version, post.lock_version);
        assert_eq!(
            revs[0].content().tags,
            ["history", "print"],
            "in name order"
        );

        // A state-only save keeps no revision (the audit log has it).
        let mut f = fixtures::form_of(&post, &["print", "history"]);
        f.state = "in_review".into();
        let post = posts::update(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            post.lock_version,
            &f,
        )
        .await
        .unwrap();
        assert_eq!(revisions::latest_number(db, post.id).await.unwrap(), 2);

        // A body edit: revision 3.
        let mut f = fixtures::form_of(&post, &["print", "history"]);
        f.body_markdown = "A new body, rewritten from the start.".into();
        let post = posts::update(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            post.lock_version,
            &f,
        )
        .await
        .unwrap();
        let revs = all(db, post.id).await;
        assert_eq!(revs[0].number, 3);
        assert_eq!(revs[0].changed_fields(), ["body_markdown"]);

        // Compare 1 with 3: title, body and tags differ, nothing else.
        let one = revisions::find(db, post.id, 1).await.unwrap().unwrap();
        let three = revisions::find(db, post.id, 3).await.unwrap().unwrap();
        let changed: Vec<&str> = revisions::compare(&one.content(), &three.content())
            .into_iter()
            .filter(|c| c.changed)
            .map(|c| c.field)
            .collect();
        assert_eq!(changed, ["title", "body_markdown", "tags"]);

        // Someone else's post: refused, nothing written.
        let entries = audit_log::Entity::find().count(db).await.unwrap();
        assert!(matches!(
            posts::restore_revision(
                db,
                &bo_a,
                &meta,
                crate::common::fixtures::policy(),
                post.id,
                1,
                post.lock_version
            )
            .await,
            Err(WriteError::Auth(_))
        ));
        // A stale page: refused, nothing written.
        assert!(matches!(
            posts::restore_revision(
                db,
                &ada_a,
                &meta,
                crate::common::fixtures::policy(),
                post.id,
                1,
                post.lock_version - 1
            )
            .await,
            Err(WriteError::Stale { .. })
        ));
        // An unknown revision.
        assert!(matches!(
            posts::restore_revision(
                db,
                &ada_a,
                &meta,
                crate::common::fixtures::policy(),
                post.id,
                99,
                post.lock_version
            )
            .await,
            Err(WriteError::NotFound)
        ));
        // What the post holds already.
        assert!(matches!(
            posts::restore_revision(
                db,
                &ada_a,
                &meta,
                crate::common::fixtures::policy(),
                post.id,
                3,
                post.lock_version
            )
            .await,
            Err(WriteError::Field { .. })
        ));
        assert_eq!(audit_log::Entity::find().count(db).await.unwrap(), entries);
        assert_eq!(revisions::latest_number(db, post.id).await.unwrap(), 3);

        // Restore 1: the old content is back as revision 4; state and author stay.
        let restored = posts::restore_revision(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            1,
            post.lock_version,
        )
        .await
        .unwrap();
        assert_eq!(restored.title, "First title");
        assert_eq!(restored.body_markdown, one.body_markdown);
        assert_eq!(restored.state, "in_review");
        assert_eq!(posts::tag_names(db, post.id).await.unwrap(), ["print"]);
        let four = revisions::find(db, post.id, 4).await.unwrap().unwrap();
        assert_eq!(four.kind(), Some(RevisionKind::Restore));
        assert_eq!(four.source, "1");
        assert_eq!(four.author_id, Some(ada.id));
        assert_eq!(four.content(), one.content());
        assert_eq!(audited(db, "post.revision_restore").await, 1);

        // Archived, the post keeps every revision.
        let editor = fixtures::person(db, "Ed Editor", "editor").await;
        let t = workflow::apply_many(
            db,
            &fixtures::actor(&editor),
            &meta,
            crate::common::fixtures::policy(),
            Transition::Archive,
            &[post.id],
        )
        .await
        .unwrap()
        .0;
        assert_eq!(t.done, 1);
        assert_eq!(all(db, post.id).await.len(), 4);
    }
);

both_backends!(
    a_reviewer_sees_what_changed_since_the_last_approval,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ada = fixtures::person(db, "Ada Author", "author").await;
        let ed = fixtures::person(db, "Ed Editor", "editor").await;
        let (ada_a, ed_a) = (fixtures::actor(&ada), fixtures::actor(&ed));
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Approved once", 1)
                .state("draft")
                .undated(),
        )
        .await;
        assert_eq!(
            revisions::last_approved(db, post.id).await.unwrap(),
            None,
            "never approved"
        );
        let step = |t, v| workflow::TransitionForm {
            transition: t,
            lock_version: v,
            note: String::new(),
            at: None,
            until: None,
            override_reason: String::new(),
        };
        let post = workflow::apply(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            &step(Transition::Submit, post.lock_version),
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
            &step(Transition::Approve, post.lock_version),
        )
        .await
        .unwrap()
        .post;
        // Approved at revision 1; the editor then edits twice (revisions 2 and 3).
        let mut post = post;
        for body in ["A second body.", "A third body."] {
            let mut f = fixtures::form_of(&post, &[]);
            f.body_markdown = body.into();
            post = posts::update(
                db,
                &ed_a,
                &meta,
                crate::common::fixtures::policy(),
                post.id,
                post.lock_version,
                &f,
            )
            .await
            .unwrap();
        }
        assert_eq!(revisions::latest_number(db, post.id).await.unwrap(), 3);
        assert_eq!(
            revisions::last_approved(db, post.id).await.unwrap(),
            Some(1)
        );
    }
);

//! The editing lock and autosaves: a second editor sees the lock; taking over tells the
//! first; a lock nobody renews frees itself; saving gives it back. Autosaves never write the
//! post, so two sessions racing never overwrite a newer save; reopening offers the autosave,
//! and putting it in is an ordinary, version-checked save.
use chrono::Duration;
use copydesk::models::{
    _entities::{audit_log, post_autosaves, post_locks, posts as post_entity},
    WriteError, now,
    posts::{
        self,
        autosaves::{self, Draft},
        locks::{self, Standing},
        revisions,
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

both_backends!(
    the_lock_shows_who_edits_and_can_be_taken_over,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ada = fixtures::person(db, "Ada Author", "author").await;
        let eda = fixtures::person(db, "Eda Editor", "editor").await;
        let bo = fixtures::person(db, "Bo Author", "author").await;
        let (ada_a, eda_a, bo_a) = (
            fixtures::actor(&ada),
            fixtures::actor(&eda),
            fixtures::actor(&bo),
        );
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Locked", 1).state("draft").undated(),
        )
        .await;

        assert!(matches!(
            locks::open(db, &ada_a, post.id, 5).await.unwrap(),
            Standing::Mine { .. }
        ));
        // The editor sees Ada's lock; renewing keeps it Ada's.
        match locks::open(db, &eda_a, post.id, 5).await.unwrap() {
            Standing::Other {
                user_id,
                took_it_from_you,
                ..
            } => {
                assert_eq!(user_id, ada.id);
                assert_eq!(took_it_from_you, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            locks::open(db, &ada_a, post.id, 5).await.unwrap(),
            Standing::Mine { .. }
        ));
        // Someone who may not change the post gets no lock at all.
        assert!(matches!(
            locks::open(db, &bo_a, post.id, 5).await,
            Err(WriteError::Auth(_))
        ));

        // An author may not take over; the editor may, and Ada is told.
        assert!(matches!(
            locks::take_over(db, &bo_a, &meta, post.id).await,
            Err(WriteError::Auth(_))
        ));
        locks::take_over(db, &eda_a, &meta, post.id).await.unwrap();
        match locks::open(db, &ada_a, post.id, 5).await.unwrap() {
            Standing::Other {
                user_id,
                took_it_from_you,
                ..
            } => {
                assert_eq!(user_id, eda.id);
                assert!(
                    took_it_from_you.is_some(),
                    "Ada is told it was taken from her"
                );
            }
            other => panic!("{other:?}"),
        }
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("post.lock_take_over"))
            .count(db)
            .await
            .unwrap();
        assert_eq!(audited, 1);

        // A lock nobody renewed for the quiet period frees itself.
        let mut lock: post_locks::ActiveModel = post_locks::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .into();
        lock.seen_at = Set(now() - Duration::minutes(6));
        lock.update(db).await.unwrap();
        assert!(matches!(
            locks::open(db, &ada_a, post.id, 5).await.unwrap(),
            Standing::Mine { .. }
        ));

        // Saving gives it back.
        let f = fixtures::form_of(&post, &[]);
        let mut f2 = f.clone();
        f2.title = "Locked, then saved".into();
        posts::update(
            db,
            &ada_a,
            &meta,
            fixtures::policy(),
            post.id,
            post.lock_version,
            &f2,
        )
        .await
        .unwrap();
        assert!(
            post_locks::Entity::find_by_id(post.id)
                .one(db)
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_backends!(
    autosaves_never_overwrite_a_newer_save,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let policy = fixtures::policy();
        let ada = fixtures::person(db, "Ada Author", "author").await;
        let eda = fixtures::person(db, "Eda Editor", "editor").await;
        let (ada_a, eda_a) = (fixtures::actor(&ada), fixtures::actor(&eda));
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Raced", 1).state("draft").undated(),
        )
        .await;
        let v0 = post.lock_version;
        let draft = |who: &str, v: i32| Draft {
            title: format!("{who}'s title"),
            summary: "A summary.".into(),
            body_markdown: format!("{who} typed this."),
            lock_version: v,
        };
        // Both have the post open at v0 and autosave at once: the post is untouched.
        let (da, de) = (draft("Ada", v0), draft("Eda", v0));
        let (a, e) = tokio::join!(
            autosaves::save(db, &ada_a, post.id, &da),
            autosaves::save(db, &eda_a, post.id, &de),
        );
        assert!(!a.unwrap().behind && !e.unwrap().behind);
        let stored = post_entity::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, post, "an autosave never writes the post");
        assert_eq!(
            post_autosaves::Entity::find().count(db).await.unwrap(),
            2,
            "one each"
        );

        // Eda saves; Ada's next autosave is behind, kept, and still does not touch the post.
        let mut f = fixtures::form_of(&post, &[]);
        f.body_markdown = "Eda's saved words.".into();
        let saved = posts::update(db, &eda_a, &meta, policy, post.id, v0, &f)
            .await
            .unwrap();
        assert!(
            post_autosaves::Entity::find()
                .filter(post_autosaves::Column::UserId.eq(eda.id))
                .one(db)
                .await
                .unwrap()
                .is_none(),
            "saving clears the saver's own autosave"
        );
        let later = autosaves::save(db, &ada_a, post.id, &draft("Ada, later", v0))
            .await
            .unwrap();
        assert!(later.behind);
        let stored = post_entity::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.body_markdown, "Eda's saved words.");

        // Reopening offers Ada her text; putting it in from the stale page is refused...
        let offered = autosaves::offered(db, &ada_a, &stored)
            .await
            .unwrap()
            .expect("offered");
        assert_eq!(offered.body_markdown, "Ada, later typed this.");
        assert!(matches!(
            autosaves::restore(db, &ada_a, &meta, policy, post.id, v0).await,
            Err(WriteError::Stale { .. })
        ));
        // ...and from the post as it stands it is a new revision, and the autosave is gone.
        let before = revisions::latest_number(db, post.id).await.unwrap();
        let restored = autosaves::restore(db, &ada_a, &meta, policy, post.id, saved.lock_version)
            .await
            .unwrap();
        assert_eq!(restored.title, "Ada, later's title");
        assert_eq!(
            revisions::latest_number(db, post.id).await.unwrap(),
            before + 1
        );
        assert!(
            autosaves::offered(db, &ada_a, &restored)
                .await
                .unwrap()
                .is_none()
        );
        // Someone who may not change the post cannot autosave it.
        let bo = fixtures::actor(&fixtures::person(db, "Bo Author", "author").await);
        assert!(matches!(
            autosaves::save(db, &bo, post.id, &draft("Bo", 0)).await,
            Err(WriteError::Auth(_))
        ));
        // Old autosaves are pruned; fresh ones stay.
        autosaves::save(db, &eda_a, post.id, &draft("Eda", restored.lock_version))
            .await
            .unwrap();
        let mut old: post_autosaves::ActiveModel = post_autosaves::Entity::find()
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .into();
        old.saved_at = Set(now() - Duration::days(40));
        old.update(db).await.unwrap();
        autosaves::save(db, &ada_a, post.id, &draft("Ada", restored.lock_version))
            .await
            .unwrap();
        assert_eq!(autosaves::prune(db, 30).await.unwrap(), 1);
        assert_eq!(post_autosaves::Entity::find().count(db).await.unwrap(), 1);
    }
);

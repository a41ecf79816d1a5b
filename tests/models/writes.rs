//! The model functions that own every staff write: each one's permission checks, its rules,
//! and the named audit entry it writes in its own transaction (nothing when it refuses).
use copydesk::{
    auth::AuthError,
    models::{
        _entities::{audit_log, comments as comment_entity, media as media_entity, sessions},
        WriteError,
        audit::Moderation,
        comments::{self, CommentEdit},
        media::{self, MediaEdit},
        people::{self, PersonForm},
        posts::{
            self, PostForm,
            workflow::{self, Transition},
        },
        tags::{self, TagEdit},
        users,
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

/// How many audit entries name `action` about record `id`.
async fn audited(db: &DatabaseConnection, action: &str, id: i32) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::TargetId.eq(id.to_string()))
        .count(db)
        .await
        .unwrap()
}

async fn audit_rows(db: &DatabaseConnection) -> u64 {
    audit_log::Entity::find().count(db).await.unwrap()
}

fn draft(author_id: i32, title: &str) -> PostForm {
    PostForm {
        title: title.into(),
        summary: String::new(),
        body_markdown: "Text".into(),
        state: "draft".into(),
        visibility: "public".into(),
        author_id,
        featured_media_id: None,
        published_at: None,
        scheduled_at: None,
        tags: vec!["News".into()],
    }
}

/// The field a refusal names: the one given, or the only one with a message.
fn field_of(e: &WriteError) -> String {
    match e {
        WriteError::Field { field, .. } => (*field).to_string(),
        WriteError::Invalid(errs) => {
            let mut keys: Vec<String> = errs.errors().keys().map(ToString::to_string).collect();
            keys.sort();
            keys.join(",")
        }
        _ => String::new(),
    }
}

both_backends!(
    posts_create_update_delete_check_the_actor_and_audit,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ada = fixtures::author(db, "Ada Byron").await;
        let bob = fixtures::author(db, "Bob Ink").await;
        let eve = fixtures::person(db, "Eve Editor", "editor").await;
        let mo = fixtures::person(db, "Mo Moderator", "moderator").await;
        let (ada_a, bob_a, eve_a) = (
            fixtures::actor(&ada),
            fixtures::actor(&bob),
            fixtures::actor(&eve),
        );

        // An author writes their own draft; the entry is `post.add` with the tags.
        let post = posts::create(db, &ada_a, &meta, &draft(ada.id, "Mine"))
            .await
            .unwrap();
        assert_eq!(audited(db, "post.add", post.id).await, 1);
        let row = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("post.add"))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(row.changes.contains("News"), "{}", row.changes);
        assert!(row.actor_label.contains("Ada Byron"));

        // Refusals write nothing.
        let before = audit_rows(db).await;
        let mut published = draft(ada.id, "Straight out");
        published.state = "published".into();
        let e = posts::create(db, &ada_a, &meta, &published)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "state", "{e:?}");
        let e = posts::create(db, &ada_a, &meta, &draft(bob.id, "As Bob"))
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "author_id", "{e:?}");
        let e = posts::create(db, &eve_a, &meta, &draft(mo.id, "By a moderator"))
            .await
            .unwrap_err();
        assert_eq!(
            field_of(&e),
            "author_id",
            "moderators do not write posts: {e:?}"
        );
        let e = posts::create(db, &fixtures::actor(&mo), &meta, &draft(mo.id, "Mine too"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, WriteError::Auth(AuthError::Forbidden("posts.add"))),
            "{e:?}"
        );
        let e = posts::update(
            db,
            &bob_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            0,
            &draft(ada.id, "Hijack"),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, WriteError::Auth(_)), "{e:?}");
        let e = posts::delete(db, &bob_a, &meta, post.id).await.unwrap_err();
        assert!(matches!(e, WriteError::Auth(_)), "{e:?}");
        assert_eq!(audit_rows(db).await, before, "no entry for a refusal");
        assert_eq!(posts::Entity::find().count(db).await.unwrap(), 1);

        // An editor publishes someone else's post and may name its author.
        let mut f = draft(ada.id, "Mine, edited");
        f.state = "published".into();
        f.tags = vec!["News".into(), "Food".into()];
        let saved = posts::update(
            db,
            &eve_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            0,
            &f,
        )
        .await
        .unwrap();
        assert_eq!(saved.lock_version, 1);
        assert!(saved.published_at.is_some(), "published posts are dated");
        assert_eq!(
            posts::tag_names(db, post.id).await.unwrap(),
            ["Food", "News"]
        );
        let change = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("post.change"))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            change
                .changes
                .contains("\"state\":[\"draft\",\"published\"]")
        );
        assert!(change.changes.contains("Food"), "{}", change.changes);

        // Now published, the author may no longer take it back to draft.
        let mut back = draft(ada.id, "Back");
        back.published_at = saved.published_at;
        let e = posts::update(
            db,
            &ada_a,
            &meta,
            crate::common::fixtures::policy(),
            post.id,
            1,
            &back,
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&e), "state", "{e:?}");
        // A stale version is a conflict.
        assert!(matches!(
            posts::update(
                db,
                &eve_a,
                &meta,
                crate::common::fixtures::policy(),
                post.id,
                0,
                &f
            )
            .await,
            Err(WriteError::Stale { current: 1 })
        ));

        // The author deletes their own post: `post.delete`, tags unlinked.
        let own = posts::create(db, &ada_a, &meta, &draft(ada.id, "Short-lived"))
            .await
            .unwrap();
        posts::delete(db, &ada_a, &meta, own.id).await.unwrap();
        assert!(
            posts::Entity::find_by_id(own.id)
                .one(db)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(audited(db, "post.delete", own.id).await, 1);
        assert!(matches!(
            posts::delete(db, &ada_a, &meta, own.id).await,
            Err(WriteError::NotFound)
        ));
    }
);

both_backends!(
    bulk_state_changes_skip_what_the_actor_may_not_move,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ada = fixtures::author(db, "Ada Byron").await;
        let bob = fixtures::author(db, "Bob Ink").await;
        let eve = fixtures::person(db, "Eve Editor", "editor").await;
        let a = fixtures::post(db, &ada, PostSpec::published("A", 1).state("draft")).await;
        let b = fixtures::post(db, &bob, PostSpec::published("B", 1).state("draft")).await;
        let c = fixtures::post(db, &ada, PostSpec::published("C", 1)).await;

        // An author submits their own draft; Bob's and the published one are skipped.
        let many = |who: &users::Model, t: Transition, ids: Vec<i32>| {
            let actor = fixtures::actor(who);
            let meta = meta.clone();
            async move {
                workflow::apply_many(
                    db,
                    &actor,
                    &meta,
                    crate::common::fixtures::policy(),
                    t,
                    &ids,
                )
                .await
                .unwrap()
                .0
            }
        };
        let t = many(&ada, Transition::Submit, vec![a.id, b.id, c.id]).await;
        assert_eq!((t.done, t.skipped), (1, 2));
        assert_eq!(audited(db, "post.submit", a.id).await, 1);
        let b_now = posts::Entity::find_by_id(b.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(b_now.state, "draft");

        // An author may not approve or publish at all: everything is skipped.
        let t = many(&ada, Transition::Approve, vec![a.id]).await;
        assert_eq!((t.done, t.skipped), (0, 1));

        // The editor approves what is in review, then publishes what is approved; the
        // draft, the one already published and an unknown id are skipped.
        let t = many(&eve, Transition::Approve, vec![a.id, b.id, c.id]).await;
        assert_eq!((t.done, t.skipped), (1, 2));
        let t = many(
            &eve,
            Transition::PublishNow,
            vec![a.id, b.id, c.id, 999_999],
        )
        .await;
        assert_eq!((t.done, t.skipped), (1, 3));
        let now = posts::Entity::find_by_id(a.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(now.state, "published");
        assert!(now.published_at.is_some(), "a published post has its date");
        assert_eq!(audited(db, "post.publish", a.id).await, 1);
        assert_eq!(audited(db, "post.publish", b.id).await, 0);
        assert_eq!(audited(db, "post.publish", c.id).await, 0);
    }
);

both_backends!(
    tags_and_media_writes_are_checked_and_audited,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ada = fixtures::author(db, "Ada Byron").await;
        let bob = fixtures::author(db, "Bob Ink").await;
        let eve = fixtures::person(db, "Eve Editor", "editor").await;
        let (ada_a, eve_a) = (fixtures::actor(&ada), fixtures::actor(&eve));

        let edit = |name: &str, slug: &str| TagEdit {
            name: name.into(),
            slug: slug.into(),
        };
        let tag = tags::create(db, &ada_a, &meta, &edit("Rust Lang", ""))
            .await
            .unwrap();
        assert_eq!(tag.slug, "rust-lang");
        assert_eq!(audited(db, "tag.add", tag.id).await, 1);
        let twin = tags::create(db, &ada_a, &meta, &edit("Rust lang", ""))
            .await
            .unwrap();
        assert_eq!(twin.slug, "rust-lang-2", "slugs stay unique");
        // Authors add tags but do not change or delete them.
        assert!(matches!(
            tags::update(db, &ada_a, &meta, tag.id, &edit("Renamed", "")).await,
            Err(WriteError::Auth(_))
        ));
        let e = tags::update(db, &eve_a, &meta, tag.id, &edit("Rust", "Not A Slug"))
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "slug");
        let e = tags::create(db, &eve_a, &meta, &edit(&"x".repeat(101), ""))
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "name");
        let renamed = tags::update(db, &eve_a, &meta, tag.id, &edit("Rust", "rust"))
            .await
            .unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.slug.as_str()),
            ("Rust", "rust")
        );
        assert_eq!(audited(db, "tag.change", tag.id).await, 1);
        tags::delete(db, &eve_a, &meta, tag.id).await.unwrap();
        assert_eq!(audited(db, "tag.delete", tag.id).await, 1);

        let file = |uploader: Option<i32>| MediaEdit {
            file_name: "Cover Photo.png".into(),
            content_type: "image/png".into(),
            alt_text: "A red door".into(),
            uploader_id: uploader,
        };
        let m = media::create(db, &ada_a, &meta, &file(None)).await.unwrap();
        assert_eq!(m.uploader_id, Some(ada.id), "filed under the actor");
        assert!(m.storage_key.starts_with("uploads/") && m.storage_key.contains("cover-photo"));
        assert_eq!(audited(db, "media.add", m.id).await, 1);
        let e = media::create(db, &ada_a, &meta, &file(Some(bob.id)))
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "uploader_id");
        let mut svg = file(None);
        svg.content_type = "image/svg+xml".into();
        let e = media::create(db, &eve_a, &meta, &svg).await.unwrap_err();
        assert_eq!(field_of(&e), "content_type", "the upload rule's types only");
        let theirs = media::create(db, &eve_a, &meta, &file(Some(bob.id)))
            .await
            .unwrap();
        assert!(matches!(
            media::update(db, &ada_a, &meta, theirs.id, &file(None)).await,
            Err(WriteError::Auth(_))
        ));
        assert!(matches!(
            media::delete(db, &ada_a, &meta, theirs.id).await,
            Err(WriteError::Auth(_))
        ));
        let mut alt = file(None);
        alt.alt_text = "A blue door".into();
        let changed = media::update(db, &ada_a, &meta, m.id, &alt).await.unwrap();
        assert_eq!(changed.alt_text, "A blue door");
        assert_eq!(audited(db, "media.change", m.id).await, 1);
        media::delete(db, &ada_a, &meta, m.id).await.unwrap();
        assert_eq!(audited(db, "media.delete", m.id).await, 1);
        assert_eq!(media_entity::Entity::find().count(db).await.unwrap(), 1);
    }
);

async fn pending_comment(db: &DatabaseConnection, post_id: i32, body: &str) -> i32 {
    comment_entity::ActiveModel {
        post_id: Set(post_id),
        guest_name: Set(Some("Guest".into())),
        body: Set(body.into()),
        status: Set("pending".into()),
        ip_hash: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

both_backends!(
    comments_are_moderated_edited_and_deleted_by_those_who_may,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ada = fixtures::author(db, "Ada Byron").await;
        let eve = fixtures::person(db, "Eve Editor", "editor").await;
        let mo = fixtures::person(db, "Mo Moderator", "moderator").await;
        let (ada_a, eve_a, mo_a) = (
            fixtures::actor(&ada),
            fixtures::actor(&eve),
            fixtures::actor(&mo),
        );
        let post = fixtures::post(db, &ada, PostSpec::published("Talked about", 1)).await;
        let one = pending_comment(db, post.id, "First!").await;
        let two = pending_comment(db, post.id, "Buy pills").await;

        assert!(matches!(
            comments::moderate(db, &ada_a, &meta, Moderation::Approve, &[one]).await,
            Err(WriteError::Auth(_))
        ));
        let t = comments::moderate(db, &mo_a, &meta, Moderation::Approve, &[one, 12345])
            .await
            .unwrap();
        assert_eq!((t.done, t.skipped), (1, 1));
        assert_eq!(audited(db, "comment.approve", one).await, 1);
        let t = comments::moderate(db, &mo_a, &meta, Moderation::Approve, &[one])
            .await
            .unwrap();
        assert_eq!(t.done, 1);
        assert_eq!(
            audited(db, "comment.approve", one).await,
            1,
            "no second entry"
        );

        // Editing the text is `comment.change`; a status change in the form is the decision.
        let edit = |body: &str, status: &str| CommentEdit {
            post_id: post.id,
            body: body.into(),
            guest_name: "Guest".into(),
            status: status.into(),
        };
        comments::update(db, &eve_a, &meta, one, &edit("First! (edited)", "approved"))
            .await
            .unwrap();
        assert_eq!(audited(db, "comment.change", one).await, 1);
        comments::update(db, &mo_a, &meta, two, &edit("Buy pills", "spam"))
            .await
            .unwrap();
        assert_eq!(audited(db, "comment.spam", two).await, 1);
        let e = comments::update(db, &eve_a, &meta, two, &edit("", "spam"))
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "body");

        // Editors change comments but do not delete them; moderators do.
        assert!(matches!(
            comments::delete(db, &eve_a, &meta, two).await,
            Err(WriteError::Auth(_))
        ));
        comments::delete(db, &mo_a, &meta, two).await.unwrap();
        assert_eq!(audited(db, "comment.delete", two).await, 1);
        assert_eq!(comment_entity::Entity::find().count(db).await.unwrap(), 1);
    }
);

fn person(name: &str, email: &str, role: &str, status: &str) -> PersonForm {
    PersonForm {
        display_name: name.into(),
        email: email.into(),
        bio: String::new(),
        role: role.into(),
        status: status.into(),
    }
}

fn as_form(u: &users::Model) -> PersonForm {
    person(&u.display_name, &u.email, &u.role, &u.status)
}

both_backends!(
    people_writes_keep_rank_roles_addresses_and_the_last_admin,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let root = fixtures::person(db, "Root Admin", "admin").await;
        let eve = fixtures::person(db, "Eve Editor", "editor").await;
        let mo = fixtures::person(db, "Mo Moderator", "moderator").await;
        let (root_a, eve_a, mo_a) = (
            fixtures::actor(&root),
            fixtures::actor(&eve),
            fixtures::actor(&mo),
        );

        // Add: an invitation is pending and queued in the outbox with `user.add` and
        // `user.invite` written beside it; the editor may not add.
        let settings = copydesk::settings::Settings::get(&app.ctx).unwrap();
        let added = people::add(
            db,
            &root_a,
            &meta,
            &settings,
            &person("Sam Lee", "sam@example.com", "author", "active"),
        )
        .await
        .unwrap();
        let sam = added.person;
        assert!(sam.invitation_pending());
        assert_eq!(audited(db, "user.add", sam.id).await, 1);
        assert_eq!(audited(db, "user.invite", sam.id).await, 1);
        assert_eq!(added.invitation.status, "queued");
        assert_eq!(added.invitation.to_address, "sam@example.com");
        assert_eq!(added.invitation.link().map(|l| l.user_id), Some(sam.id));
        let outbox = copydesk::models::mail::latest_for(db, "sam@example.com", "invitation")
            .await
            .unwrap()
            .expect("the invitation is in the outbox");
        assert_eq!(outbox.id, added.invitation.id);
        assert!(matches!(
            people::add(
                db,
                &eve_a,
                &meta,
                &settings,
                &person("X", "x@example.com", "member", "active")
            )
            .await,
            Err(WriteError::Auth(_))
        ));
        assert!(
            copydesk::models::mail::latest_for(db, "x@example.com", "invitation")
                .await
                .unwrap()
                .is_none(),
            "a refused add queues no invitation"
        );
        let e = people::add(
            db,
            &root_a,
            &meta,
            &settings,
            &person("Sam Two", "SAM@example.com", "member", "active"),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&e), "email", "one account per address: {e:?}");
        let e = people::add(
            db,
            &root_a,
            &meta,
            &settings,
            &person(&"N".repeat(81), "n@example.com", "member", "active"),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(&e), "display_name", "80 characters, as everywhere");

        // A moderator suspends Sam (signing them out) but may not rename them or make
        // anyone support.
        let session = sessions::ActiveModel {
            token_hash: Set("h".repeat(64)),
            user_id: Set(Some(sam.id)),
            csrf_token: Set("c".into()),
            data: Set("{}".into()),
            ip: Set(String::new()),
            user_agent: Set(String::new()),
            created_at: Set(copydesk::models::now()),
            last_seen_at: Set(copydesk::models::now()),
            expires_at: Set(copydesk::models::now() + chrono::Duration::days(1)),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let mut f = as_form(&sam);
        f.status = "suspended".into();
        let suspended = people::update(db, &mo_a, &meta, sam.id, &f).await.unwrap();
        assert_eq!(suspended.status, "suspended");
        assert!(
            sessions::Entity::find_by_id(session.id)
                .one(db)
                .await
                .unwrap()
                .is_none(),
            "a status change signs the person out"
        );
        assert_eq!(audited(db, "user.change", sam.id).await, 1);
        let mut f = as_form(&suspended);
        f.display_name = "Sam Renamed".into();
        assert!(matches!(
            people::update(db, &mo_a, &meta, sam.id, &f).await,
            Err(WriteError::Auth(AuthError::Forbidden("users.change")))
        ));
        let mut f = as_form(&suspended);
        f.role = "support".into();
        let e = people::update(db, &mo_a, &meta, sam.id, &f)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "role", "{e:?}");
        // Nobody acts above their rank.
        let mut f = as_form(&root);
        f.status = "suspended".into();
        let e = people::update(db, &mo_a, &meta, root.id, &f)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "__all__");

        // The editor corrects Sam's address: unconfirmed again, pending mail follows it.
        copydesk::models::mail::store(
            db,
            "sam@example.com",
            "invitation",
            &serde_json::json!({"name": "Sam", "inviter": "Root", "role": "author", "days": 3, "site_title": "Copydesk"}),
            Some(copydesk::models::mail::Link {
                kind: copydesk::models::mail::LinkKind::Invitation,
                user_id: sam.id,
            }),
        )
        .await
        .unwrap();
        let mut f = as_form(&suspended);
        f.email = "sam.lee@example.com".into();
        let moved = people::update(db, &eve_a, &meta, sam.id, &f).await.unwrap();
        assert_eq!(moved.email, "sam.lee@example.com");
        assert!(moved.email_verified_at.is_none());
        let queued = copydesk::models::mail::latest_for(db, "sam.lee@example.com", "invitation")
            .await
            .unwrap();
        assert!(queued.is_some(), "unsent mail follows the new address");

        // The last active admin stays.
        let mut f = as_form(&root);
        f.role = "editor".into();
        let e = people::update(db, &root_a, &meta, root.id, &f)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "role");
        let e = people::delete(db, &root_a, &meta, root.id)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), "__all__");
        assert!(matches!(
            people::delete(db, &eve_a, &meta, sam.id).await,
            Err(WriteError::Auth(_))
        ));
        people::delete(db, &root_a, &meta, sam.id).await.unwrap();
        assert_eq!(audited(db, "user.delete", sam.id).await, 1);
        assert!(
            users::Entity::find_by_id(sam.id)
                .one(db)
                .await
                .unwrap()
                .is_none()
        );
    }
);

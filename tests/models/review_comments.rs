//! Review comments: a reviewer comments on a field of the post's latest revision; the author
//! sees it and resolves it; someone who neither reviews nor changes the post may do neither;
//! each is audited and nothing is written when refused.
use copydesk::models::{
    _entities::audit_log,
    WriteError,
    posts::review_comments::{self, CommentForm},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

both_backends!(
    comments_are_added_on_a_field_and_resolved,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let ada = fixtures::person(db, "Ada Author", "author").await;
        let rhea = fixtures::person(db, "Rhea Reviewer", "reviewer").await;
        let mo = fixtures::person(db, "Mo Derator", "moderator").await;
        let bo = fixtures::person(db, "Bo Author", "author").await;
        let (ada_a, rhea_a, mo_a, bo_a) = (
            fixtures::actor(&ada),
            fixtures::actor(&rhea),
            fixtures::actor(&mo),
            fixtures::actor(&bo),
        );
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Commented", 1).state("in_review"),
        )
        .await;
        let form = |field: &str, body: &str| CommentForm {
            field: field.into(),
            body: body.into(),
        };

        let c = review_comments::add(
            db,
            &rhea_a,
            &meta,
            post.id,
            &form("body_markdown", "Cite the <b>report</b>."),
        )
        .await
        .unwrap();
        assert_eq!(
            (c.field.as_str(), c.revision, c.author_id),
            ("body_markdown", 1, Some(rhea.id))
        );
        // Refusals write nothing.
        let entries = audit_log::Entity::find().count(db).await.unwrap();
        for (who, f, want) in [
            (&mo_a, form("", "A moderator's remark"), "auth"),
            (&bo_a, form("", "Someone else's post"), "auth"),
            (&rhea_a, form("", "   "), "body"),
            (&rhea_a, form("slug", "Not a field"), "field"),
            (&rhea_a, form("", &"x".repeat(4001)), "body"),
        ] {
            let e = review_comments::add(db, who, &meta, post.id, &f)
                .await
                .unwrap_err();
            match (want, &e) {
                ("auth", WriteError::Auth(_)) => {}
                (field, WriteError::Field { field: got, .. }) if *got == field => {}
                _ => panic!("{want}: {e:?}"),
            }
        }
        assert_eq!(audit_log::Entity::find().count(db).await.unwrap(), entries);
        // The author sees it and resolves it; resolving twice says so.
        let open = review_comments::list(db, post.id).await.unwrap();
        assert_eq!(open.len(), 1);
        assert!(matches!(
            review_comments::resolve(db, &mo_a, &meta, post.id, c.id).await,
            Err(WriteError::Auth(_))
        ));
        let other = fixtures::post(db, &ada, PostSpec::published("Another", 1)).await;
        assert!(
            matches!(
                review_comments::resolve(db, &ada_a, &meta, other.id, c.id).await,
                Err(WriteError::NotFound)
            ),
            "a comment is resolved through its own post"
        );
        let done = review_comments::resolve(db, &ada_a, &meta, post.id, c.id)
            .await
            .unwrap();
        assert_eq!(done.resolved_by_id, Some(ada.id));
        assert!(matches!(
            review_comments::resolve(db, &rhea_a, &meta, post.id, c.id).await,
            Err(WriteError::Field { .. })
        ));
        for action in ["post.review_comment", "post.review_comment_resolve"] {
            let n = audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq(action))
                .count(db)
                .await
                .unwrap();
            assert_eq!(n, 1, "{action}");
        }
    }
);

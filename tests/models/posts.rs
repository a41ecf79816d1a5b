//! Post rules: slugs, validation, optimistic locking, rendering on save, and what deleting
//! does to related rows.
use copydesk::models::{
    _entities::{comments as comment_entity, post_tags},
    posts::{self, PostError, PostForm},
    tags,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait,
    QueryFilter,
};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

async fn create(
    db: &sea_orm::DatabaseConnection,
    by: &copydesk::models::users::Model,
    f: &PostForm,
) -> Result<posts::Model, PostError> {
    posts::create(db, &fixtures::with_all_rights(by), &fixtures::meta(), f).await
}

async fn update(
    db: &sea_orm::DatabaseConnection,
    by: &copydesk::models::users::Model,
    id: i32,
    lock: i32,
    f: &PostForm,
) -> Result<posts::Model, PostError> {
    posts::update(
        db,
        &fixtures::with_all_rights(by),
        &fixtures::meta(),
        crate::common::fixtures::policy(),
        id,
        lock,
        f,
    )
    .await
}

fn form(author_id: i32, title: &str) -> PostForm {
    PostForm {
        title: title.into(),
        summary: String::new(),
        body_markdown: "Hello *world*".into(),
        state: "draft".into(),
        visibility: "public".into(),
        author_id,
        featured_media_id: None,
        published_at: None,
        scheduled_at: None,
        tags: vec!["Food".into(), "food".into(), " ".into()],
    }
}

both_backends!(
    slugs_come_from_titles_and_collisions_get_numbers,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let a = create(db, &ada, &form(ada.id, "Café Society!"))
            .await
            .unwrap();
        let b = create(db, &ada, &form(ada.id, "Café society"))
            .await
            .unwrap();
        let c = create(db, &ada, &form(ada.id, "CAFÉ SOCIETY"))
            .await
            .unwrap();
        assert_eq!(
            (a.slug.as_str(), b.slug.as_str(), c.slug.as_str()),
            ("cafe-society", "cafe-society-2", "cafe-society-3")
        );
        // Duplicate and blank tag names collapse to one tag.
        assert_eq!(
            post_tags::Entity::find()
                .filter(post_tags::Column::PostId.eq(a.id))
                .count(db)
                .await
                .unwrap(),
            1
        );
        assert_eq!(tags::Entity::find().count(db).await.unwrap(), 1);
    }
);

both_backends!(
    invalid_posts_are_refused_per_field,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let mut f = form(ada.id, "");
        f.state = "lost".into();
        f.visibility = "secret".into();
        let Err(PostError::Invalid(errs)) = create(db, &ada, &f).await else {
            panic!("accepted")
        };
        let fields = errs.field_errors();
        assert!(fields.contains_key("title"));
        assert!(fields.contains_key("state"));
        assert!(fields.contains_key("visibility"));

        let mut f = form(ada.id, "Later");
        f.state = "scheduled".into();
        let Err(PostError::Invalid(errs)) = create(db, &ada, &f).await else {
            panic!("accepted")
        };
        let message = errs.field_errors()["scheduled_at"][0].message.clone();
        assert_eq!(
            message.as_deref(),
            Some("A scheduled post needs a publication time.")
        );
        assert_eq!(
            posts::Entity::find().count(db).await.unwrap(),
            0,
            "no half-written rows"
        );
    }
);

both_backends!(
    saves_render_and_sanitize_markdown,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let mut f = form(ada.id, "Rendered");
        f.body_markdown = "**bold** <script>alert(1)</script> [x](javascript:alert(1))".into();
        let post = create(db, &ada, &f).await.unwrap();
        assert!(post.body_html.contains("<strong>bold</strong>"));
        assert!(!post.body_html.contains("<script"));
        assert!(!post.body_html.contains("javascript:"));

        f.body_markdown = "Changed _text_".into();
        let updated = update(db, &ada, post.id, post.lock_version, &f)
            .await
            .unwrap();
        assert!(
            updated.body_html.contains("<em>text</em>"),
            "{}",
            updated.body_html
        );
        assert!(updated.updated_at >= post.updated_at);
    }
);

both_backends!(
    publishing_without_a_date_dates_the_post_now,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let mut f = form(ada.id, "Published now");
        f.state = "published".into();
        let post = create(db, &ada, &f).await.unwrap();
        assert!(post.published_at.is_some());
        assert!(
            posts::Model::find_visible_by_slug(db, &post.slug)
                .await
                .unwrap()
                .is_some()
        );
    }
);

both_backends!(
    stale_saves_are_refused_and_lose_nothing,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = fixtures::author(db, "Ada Byron").await;
        let post = create(db, &ada, &form(ada.id, "Shared draft"))
            .await
            .unwrap();
        assert_eq!(post.lock_version, 0);

        let mut mine = form(ada.id, "Shared draft, edited by me");
        mine.tags = vec![];
        let saved = update(db, &ada, post.id, 0, &mine).await.unwrap();
        assert_eq!(saved.lock_version, 1);

        let theirs = form(ada.id, "Shared draft, edited by them from version 0");
        match update(db, &ada, post.id, 0, &theirs).await {
            Err(PostError::Stale { current }) => assert_eq!(current, 1),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let now = posts::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            now.title, "Shared draft, edited by me",
            "the first save stands"
        );
        assert_eq!(now.slug, post.slug, "slugs stay put when titles change");
        assert!(matches!(
            update(db, &ada, 9999, 0, &theirs).await,
            Err(PostError::NotFound)
        ));
    }
);

both_backends!(foreign_keys_behave_as_designed, |app: TestApp| async move {
    let db = &app.ctx.db;
    let ada = fixtures::author(db, "Ada Byron").await;
    let reader = fixtures::author(db, "Reader One").await;
    let post = fixtures::post(db, &ada, PostSpec::published("Doomed", 1).tags(&["Food"])).await;
    let comment = comment_entity::ActiveModel {
        post_id: Set(post.id),
        author_id: Set(Some(reader.id)),
        body: Set("By a reader".into()),
        status: Set("approved".into()),
        ip_hash: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();

    // An author with posts cannot be deleted.
    assert!(
        ada.clone().delete(db).await.is_err(),
        "RESTRICT on posts.author_id"
    );
    // A deleted reader leaves the comment, unattributed.
    reader.delete(db).await.unwrap();
    let kept = comment_entity::Entity::find_by_id(comment.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.author_id, None);
    // Deleting the post takes its comments and tag links, not the tag.
    post.delete(db).await.unwrap();
    assert_eq!(comment_entity::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(post_tags::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(tags::Entity::find().count(db).await.unwrap(), 1);
});

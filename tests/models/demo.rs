//! The demo content: complete, realistic and idempotent.
use std::collections::BTreeSet;

use copydesk::{
    demo,
    models::{comments, media, posts, tags, users},
};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::{both_backends, common::TestApp};

both_backends!(
    demo_covers_every_state_and_seeds_idempotently,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        assert!(demo::is_empty(db).await.unwrap());
        let first = demo::seed(
            db,
            &copydesk::settings::Settings::get(&app.ctx)
                .unwrap()
                .security,
        )
        .await
        .unwrap();
        assert!(first.posts >= 40, "{first:?}");

        let all_posts = posts::Entity::find().all(db).await.unwrap();
        let states: BTreeSet<&str> = all_posts.iter().map(|p| p.state.as_str()).collect();
        for s in posts::PostState::ALL {
            assert!(
                states.contains(s.as_str()),
                "no demo post is {}",
                s.as_str()
            );
        }
        assert!(all_posts.iter().any(|p| p.visibility == "members"));
        assert!(all_posts.iter().any(|p| p.visibility == "paid"));
        assert!(
            all_posts
                .iter()
                .any(|p| p.state == "scheduled" && p.scheduled_at.is_some())
        );
        assert!(
            all_posts.iter().all(|p| !p.body_html.is_empty()),
            "bodies rendered"
        );
        assert!(
            !all_posts
                .iter()
                .any(|p| p.body_markdown.to_lowercase().contains("lorem ipsum"))
        );

        let all_users = users::Entity::find().all(db).await.unwrap();
        let authors: BTreeSet<i32> = all_posts.iter().map(|p| p.author_id).collect();
        assert!(authors.len() >= 5, "at least five authors");
        let roles: BTreeSet<&str> = all_users.iter().map(|u| u.role.as_str()).collect();
        for r in users::Role::ALL {
            assert!(
                roles.contains(r.as_str()),
                "no demo user has role {}",
                r.as_str()
            );
        }
        let statuses: BTreeSet<String> = comments::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.status)
            .collect();
        for s in comments::CommentStatus::ALL {
            assert!(
                statuses.contains(s.as_str()),
                "no demo comment is {}",
                s.as_str()
            );
        }
        assert!(tags::Entity::find().count(db).await.unwrap() >= 5);
        // The media library is not empty, and shows both an image missing its alt text and
        // one with it (what the accessibility gate will look at).
        let files = media::Entity::find().all(db).await.unwrap();
        assert_eq!(first.media, files.len());
        assert!(files.len() >= 3, "{files:?}");
        assert!(files.iter().any(|m| m.uploader_id.is_some()));
        assert!(
            files
                .iter()
                .any(|m| m.content_type.starts_with("image/") && m.alt_text.is_empty())
        );
        assert!(
            files
                .iter()
                .any(|m| m.content_type.starts_with("image/") && !m.alt_text.is_empty())
        );

        // Every post that left the draft has a timeline, dated in the past, that ends where
        // the post stands; one draft came back with a reviewer's note.
        for p in &all_posts {
            let steps = posts::workflow::timeline(db, p.id, 20).await.unwrap();
            assert!(steps.iter().all(|s| s.at <= copydesk::models::now()));
            if p.state == "draft" {
                continue;
            }
            let last = steps
                .first()
                .unwrap_or_else(|| panic!("{} has no timeline", p.slug));
            let ends = match p.state.as_str() {
                "in_review" if p.review_stage.as_deref() == Some("legal") => "approve",
                "in_review" => "submit",
                "approved" => "approve",
                "scheduled" => "schedule",
                "published" => "publish_now",
                _ => "archive",
            };
            assert_eq!(last.transition.as_str(), ends, "{}", p.slug);
        }
        let sent_back = all_posts
            .iter()
            .find(|p| p.slug == "pickles-of-the-northern-coast")
            .unwrap();
        let steps = posts::workflow::timeline(db, sent_back.id, 20)
            .await
            .unwrap();
        assert_eq!(steps[0].transition.as_str(), "request_changes");
        assert!(
            steps[0]
                .note
                .as_deref()
                .is_some_and(|n| n.contains("brine ratios"))
        );
        assert_eq!(steps[0].stage.as_deref(), Some("Copy edit"));

        let counts = (
            users::Entity::find().count(db).await.unwrap(),
            posts::Entity::find().count(db).await.unwrap(),
            comments::Entity::find().count(db).await.unwrap(),
            media::Entity::find().count(db).await.unwrap(),
        );
        let second = demo::seed(
            db,
            &copydesk::settings::Settings::get(&app.ctx)
                .unwrap()
                .security,
        )
        .await
        .unwrap();
        assert!(second.is_empty(), "a second run writes nothing: {second:?}");
        let again = (
            users::Entity::find().count(db).await.unwrap(),
            posts::Entity::find().count(db).await.unwrap(),
            comments::Entity::find().count(db).await.unwrap(),
            media::Entity::find().count(db).await.unwrap(),
        );
        assert_eq!(counts, again);

        // The demo home page shows published posts only.
        let home = app.get("/").await;
        assert_eq!(home.status, axum::http::StatusCode::OK);
        assert_eq!(home.text.matches("class=\"post-card\"").count(), 10);
    }
);

//! The board: every post the viewer may see in the lane of where it stands (review split by
//! stage, a stage no longer configured counting as the first), counts over all of them,
//! filtered by author and tag.
use copydesk::{
    models::posts::board::{self, BoardFilter},
    settings::{Editorial, Stage},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

both_backends!(
    the_board_counts_posts_by_where_they_stand,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let policy = Editorial {
            stages: vec![
                Stage {
                    key: "copy".into(),
                    name: "Copy".into(),
                    roles: vec!["editor".into()],
                    person: None,
                    due_hours: None,
                },
                Stage {
                    key: "legal".into(),
                    name: "Legal".into(),
                    roles: vec!["admin".into()],
                    person: None,
                    due_hours: None,
                },
            ],
            ..Editorial::default()
        };
        let ada = fixtures::person(db, "Ada Author", "author").await;
        let bo = fixtures::person(db, "Bo Author", "author").await;
        let ed = fixtures::person(db, "Eda Editor", "editor").await;
        for (who, title, state, stage, tags) in [
            (&ada, "A draft", "draft", None, &["cities"][..]),
            (&ada, "At copy", "in_review", Some("copy"), &[][..]),
            (&bo, "At legal", "in_review", Some("legal"), &["cities"][..]),
            (
                &bo,
                "At a stage gone from the config",
                "in_review",
                Some("old"),
                &[][..],
            ),
            (&ada, "Approved", "approved", None, &[][..]),
            (&bo, "Up", "published", None, &["cities"][..]),
        ] {
            let p = fixtures::post(
                db,
                who,
                PostSpec::published(title, 1).state(state).tags(tags),
            )
            .await;
            if let Some(s) = stage {
                let mut m: copydesk::models::_entities::posts::ActiveModel = p.into();
                m.review_stage = Set(Some(s.into()));
                m.update(db).await.unwrap();
            }
        }
        let counts = |lanes: Vec<board::Lane>| -> Vec<(String, u64)> {
            lanes.into_iter().map(|l| (l.key, l.count)).collect()
        };
        let all = board::board(
            db,
            &fixtures::actor(&ed),
            &policy,
            &BoardFilter::default(),
            10,
        )
        .await
        .unwrap();
        assert_eq!(all[1].posts.len(), 2, "the copy lane lists its posts");
        assert_eq!(
            counts(all),
            [
                ("draft", 1),
                ("stage:copy", 2),
                ("stage:legal", 1),
                ("approved", 1),
                ("scheduled", 0),
                ("published", 1)
            ]
            .map(|(k, n)| (k.to_string(), n))
        );
        // An author sees their own posts only.
        let own = board::board(
            db,
            &fixtures::actor(&ada),
            &policy,
            &BoardFilter::default(),
            10,
        )
        .await
        .unwrap();
        assert_eq!(own.iter().map(|l| l.count).sum::<u64>(), 3);
        // Filters combine.
        let cities = copydesk::models::tags::Model::find_by_slug(db, "cities")
            .await
            .unwrap()
            .unwrap();
        let f = BoardFilter {
            author: Some(bo.id),
            tag: Some(cities.id),
        };
        let filtered = board::board(db, &fixtures::actor(&ed), &policy, &f, 10)
            .await
            .unwrap();
        assert_eq!(filtered.iter().map(|l| l.count).sum::<u64>(), 2);
        // Listing stops at the limit; the count does not.
        let one = board::board(
            db,
            &fixtures::actor(&ed),
            &policy,
            &BoardFilter::default(),
            1,
        )
        .await
        .unwrap();
        assert_eq!((one[1].count, one[1].posts.len()), (2, 1));
    }
);

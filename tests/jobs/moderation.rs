//! Moderation on the job runtime: the minute job that ends lapsed suspensions.
use chrono::Duration as Span;
use copydesk::{
    auth::RequestMeta,
    jobs::{self, Jobs, moderation::EndLapsedSanctions},
    models::{
        _entities::mod_log,
        moderation::sanctions::{self, SanctionForm},
        now, users,
    },
    settings::Settings,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::eventually;
use crate::{
    both_backends,
    common::{TestApp, browser::user, fixtures},
};

async fn expiries(app: &TestApp) -> usize {
    mod_log::Entity::find()
        .filter(mod_log::Column::Action.eq("expire"))
        .all(&app.ctx.db)
        .await
        .unwrap()
        .len()
}

both_backends!(
    a_lapsed_suspension_is_ended_by_the_minute_job,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let settings = Settings::get(&app.ctx).unwrap();
        let mo = user(&app, "moderator", "Job Moderator").await;
        let member = user(&app, "member", "Suspended Member").await;
        let still = user(&app, "member", "Still Suspended").await;
        let suspend = |id: i32| SanctionForm {
            kind: "suspend".into(),
            user_id: id,
            reason: "Spam account".into(),
            days: Some(1),
            ..SanctionForm::default()
        };
        let meta = RequestMeta::system("test");
        let given = sanctions::sanction(
            db,
            &fixtures::actor(&mo),
            &meta,
            &settings.moderation,
            &suspend(member.id),
        )
        .await
        .unwrap();
        sanctions::sanction(
            db,
            &fixtures::actor(&mo),
            &meta,
            &settings.moderation,
            &suspend(still.id),
        )
        .await
        .unwrap();
        // Its day is over: a suspension cannot be given in the past, so its end is moved.
        let mut row: sanctions::entity::ActiveModel = given.sanction.clone().into();
        row.ends_at = Set(Some(now() - Span::minutes(1)));
        row.update(db).await.unwrap();
        let status = |id: i32| {
            let db = db.clone();
            async move {
                users::Entity::find_by_id(id)
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap()
                    .status
            }
        };
        assert_eq!(status(member.id).await, "suspended");

        let jobs_rt = Jobs::get(&app.ctx).unwrap();
        jobs_rt
            .client
            .enqueue::<EndLapsedSanctions>(&())
            .await
            .unwrap();
        let server = jobs::start_server(&app.ctx, &settings, &jobs_rt)
            .await
            .unwrap();
        eventually("the suspension's end", || async {
            status(member.id).await == "active"
        })
        .await;
        server.shutdown().await.unwrap();

        let ended = sanctions::entity::Entity::find_by_id(given.sanction.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(ended.lifted_at.is_some(), "marked as ended");
        assert!(!sanctions::in_force(&ended));
        assert_eq!(status(still.id).await, "suspended", "one still running");
        assert_eq!(expiries(&app).await, 1, "logged once, as `expire`");
        // Idempotent: another tick finds nothing to end.
        assert_eq!(sanctions::end_lapsed(db).await.unwrap(), 0);
        assert_eq!(expiries(&app).await, 1);
    }
);

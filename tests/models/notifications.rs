//! Workflow notices: who is mailed for each step, in the step's own transaction, never about
//! their own step, never when inactive or opted out, and never twice for one scheduled
//! publish.
use chrono::Duration;
use copydesk::models::{
    _entities::{audit_log, mail_outbox, users as user_rows},
    mail, notifications, now,
    posts::{
        self,
        workflow::{self, Transition, TransitionForm},
    },
    users,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::{
    both_backends,
    common::{TestApp, fixtures, fixtures::PostSpec},
};

fn step(t: Transition, post: &posts::Model) -> TransitionForm {
    TransitionForm {
        transition: t,
        lock_version: post.lock_version,
        note: String::new(),
        at: None,
        until: None,
        override_reason: String::new(),
    }
}

/// Every notice queued after message `after`, as (address, subject), in order.
async fn since(db: &sea_orm::DatabaseConnection, after: i32) -> Vec<(String, String)> {
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Id.gt(after))
        .filter(mail_outbox::Column::Template.eq("post_notice"))
        .order_by_asc(mail_outbox::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.to_address, m.subject))
        .collect()
}

async fn last_id(db: &sea_orm::DatabaseConnection) -> i32 {
    mail_outbox::Entity::find()
        .order_by_desc(mail_outbox::Column::Id)
        .one(db)
        .await
        .unwrap()
        .map_or(0, |m| m.id)
}

fn to(list: &[(String, String)]) -> Vec<&str> {
    let mut v: Vec<&str> = list.iter().map(|(a, _)| a.as_str()).collect();
    v.sort_unstable();
    v
}

both_backends!(
    each_step_mails_the_people_it_concerns,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let policy = fixtures::two_stages(true);
        let author = fixtures::person(db, "Ada Author", "author").await;
        let eda = fixtures::person(db, "Eda Editor", "editor").await;
        let eli = fixtures::person(db, "Eli Editor", "editor").await;
        let gone = fixtures::person(db, "Gone Editor", "editor").await;
        let adam = fixtures::person(db, "Adam Admin", "admin").await;
        let legal = fixtures::person(db, "Legal Reader", "reviewer").await;
        let _rhea = fixtures::person(db, "Rhea Reviewer", "reviewer").await;
        // Eda reads times in Tokyo; everyone else in the site's zone.
        let mut tokyo: user_rows::ActiveModel = eda.clone().into();
        tokyo.time_zone = Set("Asia/Tokyo".into());
        tokyo.update(db).await.unwrap();
        let mut g: user_rows::ActiveModel = gone.clone().into();
        g.status = Set(users::UserStatus::Suspended.as_str().to_string());
        g.update(db).await.unwrap();
        let (ada, eda_a, adam_a, legal_a) = (
            fixtures::actor(&author),
            fixtures::actor(&eda),
            fixtures::actor(&adam),
            fixtures::actor(&legal),
        );
        let post = fixtures::post(
            db,
            &author,
            PostSpec::published("Noticed", 1).state("draft").undated(),
        )
        .await;

        // Submitted: the active copy editors hear of it, with the stage and when it is due;
        // the author (who took the step), the suspended editor and the other reviewers don't.
        let mark = last_id(db).await;
        let moved = workflow::apply(
            db,
            &ada,
            &meta,
            &policy,
            post.id,
            &step(Transition::Submit, &post),
        )
        .await
        .unwrap();
        assert_eq!(moved.mail.len(), 2, "the step returns what it queued");
        let sent = since(db, mark).await;
        assert_eq!(
            to(&sent),
            ["eda.editor@example.com", "eli.editor@example.com"]
        );
        assert_eq!(sent[0].1, "Review “Noticed”: Copy edit");
        let body = &moved.mail[0].text_body;
        assert!(
            body.contains("Ada Author sent “Noticed” to the “Copy edit” stage"),
            "{body}"
        );
        assert!(
            body.contains("It is due 20"),
            "the due time is named: {body}"
        );
        let zone_of = |to: &str| {
            moved
                .mail
                .iter()
                .find(|m| m.to_address == to)
                .map(|m| m.text_body.clone())
                .unwrap()
        };
        assert!(
            zone_of("eda.editor@example.com").contains("(+09:00)"),
            "in her zone"
        );
        assert!(
            zone_of("eli.editor@example.com").contains("UTC (+00:00)"),
            "the site's"
        );
        assert!(
            body.contains(&format!(
                "{}/admin/posts/{}/workflow",
                mail::SITE_PLACEHOLDER,
                post.id
            )),
            "{body}"
        );
        assert!(
            body.contains(&format!("{}/account", mail::SITE_PLACEHOLDER)),
            "{body}"
        );
        assert!(moved.mail.iter().all(|m| m.status == "queued"));

        // Eli turns the review notices off (audited); the others stay on.
        let on: Vec<_> = notifications::Kind::ALL
            .iter()
            .copied()
            .filter(|k| *k != notifications::Kind::ReviewWaiting)
            .collect();
        notifications::choose(db, &eli, &meta, &on).await.unwrap();
        assert_eq!(
            notifications::opted_out(db, eli.id).await.unwrap(),
            [notifications::Kind::ReviewWaiting]
        );
        // Saving the same choice again writes nothing more.
        notifications::choose(db, &eli, &meta, &on).await.unwrap();
        assert_eq!(
            audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq("user.notifications"))
                .filter(audit_log::Column::TargetId.eq(eli.id.to_string()))
                .count(db)
                .await
                .unwrap(),
            1
        );

        // Changes requested: the author gets the note.
        let mark = last_id(db).await;
        let mut f = step(Transition::RequestChanges, &moved.post);
        f.note = "The second paragraph needs a source.".into();
        let post = workflow::apply(db, &eda_a, &meta, &policy, post.id, &f)
            .await
            .unwrap();
        assert_eq!(to(&since(db, mark).await), ["ada.author@example.com"]);
        let text = &post.mail[0].text_body;
        assert_eq!(post.mail[0].subject, "Changes requested on “Noticed”");
        assert!(
            text.contains("Eda Editor asked for changes to “Noticed” at the “Copy edit” stage"),
            "{text}"
        );
        assert!(
            text.contains("The second paragraph needs a source."),
            "{text}"
        );
        let html = &post.mail[0].html_body;
        assert!(
            html.contains("The second paragraph needs a source."),
            "{html}"
        );

        // Submitted again: Eli has opted out, so only Eda.
        let mark = last_id(db).await;
        let post = workflow::apply(
            db,
            &ada,
            &meta,
            &policy,
            post.post.id,
            &step(Transition::Submit, &post.post),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(to(&since(db, mark).await), ["eda.editor@example.com"]);

        // Approved at the first stage: the second stage's people (the admin and the named
        // reviewer, not the other reviewer); the author hears nothing until the last one.
        let mark = last_id(db).await;
        let post = workflow::apply(
            db,
            &eda_a,
            &meta,
            &policy,
            post.id,
            &step(Transition::Approve, &post),
        )
        .await
        .unwrap()
        .post;
        let sent = since(db, mark).await;
        assert_eq!(
            to(&sent),
            ["adam.admin@example.com", "legal.reader@example.com"]
        );
        assert!(
            sent.iter()
                .all(|(_, s)| s == "Review “Noticed”: Legal read")
        );

        // The last approval: the author.
        let mark = last_id(db).await;
        let post = workflow::apply(
            db,
            &legal_a,
            &meta,
            &policy,
            post.id,
            &step(Transition::Approve, &post),
        )
        .await
        .unwrap()
        .post;
        assert_eq!(post.state, "approved");
        assert_eq!(
            since(db, mark).await,
            [(
                "ada.author@example.com".to_string(),
                "“Noticed” is approved".to_string()
            )]
        );

        // Scheduled: the author, with the time in the site's zone.
        let mark = last_id(db).await;
        let mut f = step(Transition::Schedule, &post);
        f.at = Some(now() + Duration::hours(1));
        let post = workflow::apply(db, &adam_a, &meta, &policy, post.id, &f)
            .await
            .unwrap()
            .post;
        let sent = since(db, mark).await;
        assert_eq!(to(&sent), ["ada.author@example.com"]);
        assert!(
            sent[0].1.starts_with("“Noticed” is scheduled for 20"),
            "{}",
            sent[0].1
        );
        assert!(sent[0].1.contains("(+"), "with the offset: {}", sent[0].1);

        // Published on schedule: the author, once, however often the job runs.
        let mut due: posts::ActiveModel = post.clone().into();
        due.scheduled_at = Set(Some(now() - Duration::seconds(1)));
        due.update(db).await.unwrap();
        let mark = last_id(db).await;
        let queued = posts::publish_scheduled(db, post.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(queued.len(), 1);
        assert!(
            queued[0]
                .text_body
                .contains("“Noticed” went up for readers on schedule.")
        );
        assert!(
            queued[0].text_body.contains("/posts/noticed"),
            "{}",
            queued[0].text_body
        );
        assert!(
            posts::publish_scheduled(db, post.id)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            since(db, mark).await,
            [(
                "ada.author@example.com".to_string(),
                "“Noticed” is published".to_string()
            )]
        );
    }
);

both_backends!(
    nobody_is_mailed_about_their_own_step_or_what_they_turned_off,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = fixtures::meta();
        let policy = fixtures::two_stages(true);
        let author = fixtures::person(db, "Ada Author", "author").await;
        let eda = fixtures::person(db, "Eda Editor", "editor").await;
        let eda_a = fixtures::actor(&eda);

        // An editor publishing their own post mails nobody.
        let own = fixtures::post(
            db,
            &eda,
            PostSpec::published("Own", 1).state("approved").undated(),
        )
        .await;
        let moved = workflow::apply(
            db,
            &eda_a,
            &meta,
            &policy,
            own.id,
            &step(Transition::PublishNow, &own),
        )
        .await
        .unwrap();
        assert!(moved.mail.is_empty());

        // The author turned "published" off: the editor publishes, nobody is mailed.
        notifications::choose(
            db,
            &author,
            &meta,
            &[
                notifications::Kind::ChangesRequested,
                notifications::Kind::Approved,
            ],
        )
        .await
        .unwrap();
        let mut off = notifications::opted_out(db, author.id).await.unwrap();
        off.sort_by_key(|k| k.as_str());
        assert_eq!(
            off,
            [
                notifications::Kind::Published,
                notifications::Kind::Scheduled
            ],
            "an author cannot opt out of what they never get (review notices)"
        );
        let theirs = fixtures::post(
            db,
            &author,
            PostSpec::published("Theirs", 1).state("approved").undated(),
        )
        .await;
        let mark = last_id(db).await;
        let moved = workflow::apply(
            db,
            &eda_a,
            &meta,
            &policy,
            theirs.id,
            &step(Transition::PublishNow, &theirs),
        )
        .await
        .unwrap();
        assert!(moved.mail.is_empty());
        assert!(since(db, mark).await.is_empty());

        // Changes asked for on an approved post (no stage any more) still reach the author.
        let ready = fixtures::post(
            db,
            &author,
            PostSpec::published("Ready", 1).state("approved").undated(),
        )
        .await;
        let mut f = step(Transition::RequestChanges, &ready);
        f.note = "One more pass on the headline.".into();
        let moved = workflow::apply(db, &eda_a, &meta, &policy, ready.id, &f)
            .await
            .unwrap();
        assert_eq!(moved.mail.len(), 1);
        let text = &moved.mail[0].text_body;
        assert!(
            text.contains("Eda Editor asked for changes to “Ready”. Their note:"),
            "{text}"
        );
        assert!(text.contains("One more pass on the headline."), "{text}");

        // An edit after the first stage starts the review again, and the first stage's
        // reviewers hear of it.
        let other = fixtures::person(db, "Eli Editor", "editor").await;
        let ada = fixtures::actor(&author);
        let p = fixtures::post(
            db,
            &author,
            PostSpec::published("Reset", 1).state("draft").undated(),
        )
        .await;
        let p = workflow::apply(
            db,
            &ada,
            &meta,
            &policy,
            p.id,
            &step(Transition::Submit, &p),
        )
        .await
        .unwrap()
        .post;
        let p = workflow::apply(
            db,
            &eda_a,
            &meta,
            &policy,
            p.id,
            &step(Transition::Approve, &p),
        )
        .await
        .unwrap()
        .post;
        let mark = last_id(db).await;
        let mut f = fixtures::form_of(&p, &[]);
        f.body_markdown
            .push_str("\n\nNew words for the copy editors.");
        let p = posts::update(db, &ada, &meta, &policy, p.id, p.lock_version, &f)
            .await
            .unwrap();
        assert_eq!(p.review_stage.as_deref(), Some("copy_edit"));
        assert_eq!(
            to(&since(db, mark).await),
            [eda.email.as_str(), other.email.as_str()]
        );
    }
);

//! The demo posts' workflow history: the audit entries their timelines are read from, dated
//! in the past as the steps would have been taken, so every post's workflow page, the
//! review queue and the audit page have a story to show. The entries say they came from the
//! demo seed (their request is "demo seed"). Stage names follow the development config's
//! "Copy edit" and "Legal read".
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde_json::{Value, json};

use crate::{
    auth::RequestMeta,
    models::{
        audit::{self, Action},
        notifications, now, posts, users,
    },
};

const COPY_EDIT: &str = "Copy edit";
const LEGAL: &str = "Legal read";

/// One step: who (by address), what, when, and what the entry keeps besides the state.
struct Step {
    by: &'static str,
    action: Action,
    at: DateTime<FixedOffset>,
    state: &'static str,
    extra: Value,
}

/// Writes the steps that brought `post` to where the demo puts it.
///
/// # Errors
/// Database errors.
pub async fn seed<C: ConnectionTrait>(db: &C, post: &posts::Model) -> Result<(), DbErr> {
    let start = post.created_at + Duration::hours(4);
    let author = "";
    let submit = |at| Step {
        by: author,
        action: Action::PostSubmit,
        at,
        state: "in_review",
        extra: json!({"stage": "copy_edit"}),
    };
    let copy_edited = |at| Step {
        by: "editor@example.com",
        action: Action::PostApprove,
        at,
        state: "in_review",
        extra: json!({"approved_stage": COPY_EDIT, "stage": "legal"}),
    };
    let legal_read = |at| Step {
        by: "admin@example.com",
        action: Action::PostApprove,
        at,
        state: "approved",
        extra: json!({"approved_stage": LEGAL}),
    };
    let approved = |from: DateTime<FixedOffset>| {
        vec![
            submit(from),
            copy_edited(from + Duration::hours(5)),
            legal_read(from + Duration::hours(9)),
        ]
    };
    let published = |at| Step {
        by: "editor@example.com",
        action: Action::PostPublish,
        at,
        state: "published",
        extra: json!({}),
    };
    let steps = match posts::PostState::parse(&post.state) {
        // One draft went to review and came back with a note, so "changes requested" shows.
        Some(posts::PostState::Draft) if post.slug == "pickles-of-the-northern-coast" => vec![
            submit(start),
            Step {
                by: "editor@example.com",
                action: Action::PostRequestChanges,
                at: start + Duration::hours(3),
                state: "draft",
                extra: json!({
                    "at_stage": COPY_EDIT,
                    "note": "The brine ratios need a source, and the last section repeats the second: cut one.",
                }),
            },
        ],
        Some(posts::PostState::InReview) if post.review_stage.as_deref() == Some("legal") => {
            vec![submit(start), copy_edited(start + Duration::hours(6))]
        }
        Some(posts::PostState::InReview) => vec![submit(start)],
        Some(posts::PostState::Approved) => approved(start),
        Some(posts::PostState::Scheduled) => {
            let mut s = approved(start);
            s.push(Step {
                by: "editor@example.com",
                action: Action::PostSchedule,
                at: start + Duration::hours(12),
                state: "scheduled",
                extra: json!({"scheduled_at": post.scheduled_at}),
            });
            s
        }
        Some(posts::PostState::Published) => {
            let at = post.published_at.unwrap_or(start);
            let mut s = approved(at - Duration::hours(30));
            s.push(published(at));
            s
        }
        Some(posts::PostState::Archived) => {
            let mut s = approved(start);
            s.push(published(start + Duration::hours(12)));
            s.push(Step {
                by: "editor@example.com",
                action: Action::PostArchive,
                at: start + Duration::hours(36),
                state: "archived",
                extra: json!({}),
            });
            s
        }
        _ => Vec::new(),
    };
    let meta = RequestMeta::system("demo seed");
    let mut state = "draft";
    for step in steps {
        let who = if step.by.is_empty() {
            users::Entity::find_by_id(post.author_id).one(db).await?
        } else {
            users::Model::find_by_email(db, step.by).await?
        };
        let Some(who) = who else { continue };
        let mut after = json!({"state": step.state});
        if let (Some(a), Some(extra)) = (after.as_object_mut(), step.extra.as_object()) {
            a.extend(extra.clone());
        }
        audit::record_at(
            db,
            &meta,
            audit::of(
                step.action,
                audit::Who::user(&who),
                post.id,
                Some(json!({"state": state})),
                Some(after),
            ),
            step.at.min(now()),
        )
        .await?;
        state = step.state;
    }
    // The reviewers of the stage a post in review waits at were mailed, so the outbox shows
    // the notices too.
    if post.state == posts::PostState::InReview.as_str() {
        let legal = post.review_stage.as_deref() == Some("legal");
        let stage = crate::settings::Stage {
            key: if legal { "legal" } else { "copy_edit" }.into(),
            name: if legal { LEGAL } else { COPY_EDIT }.into(),
            roles: if legal {
                vec!["admin".into()]
            } else {
                vec!["editor".into(), "admin".into()]
            },
            person: legal.then(|| "reviewer@example.com".into()),
            due_hours: None,
        };
        let by = users::Entity::find_by_id(post.author_id).one(db).await?;
        let notice = notifications::Notice {
            kind: notifications::Kind::ReviewWaiting,
            post,
            by: by
                .as_ref()
                .map_or_else(String::new, |u| u.display_name.clone()),
            by_id: by.map(|u| u.id),
            note: "",
            stage: Some(&stage),
            at: None,
            site_tz: chrono_tz::UTC,
        };
        notifications::queue(db, &notice).await?;
    }
    Ok(())
}

//! The review queue: every post in review the viewer may see, what waits on them first,
//! with its stage, who holds it and when it is due.
use std::sync::Arc;

use axum::{Extension, extract::State, http::StatusCode, response::Response};
use loco_rs::app::AppContext;

use super::AdminChrome;
use crate::{
    auth::Actor,
    errors::AppResult,
    models::{posts::reviews, users},
    views::{
        Web,
        admin::reviews::{Group, QueuePage, QueueRow},
        time,
        web::CachePolicy,
    },
};

/// At most this many posts in review are listed.
const LIMIT: u64 = 500;

/// `GET /admin/reviews`.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
) -> AppResult<Response> {
    let policy = &web.settings.editorial;
    let tz = policy.tz_for(&actor.user);
    let waiting = reviews::queue(&ctx.db, policy, &actor, LIMIT).await?;
    let mut ids: Vec<i32> = waiting
        .iter()
        .flat_map(|w| [Some(w.post.author_id), w.post.review_holder_id])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = users::display_names(&ctx.db, ids.iter().copied()).await?;
    let name = |id: i32| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("person #{id}"))
    };
    let now = crate::models::now();
    let row = |w: &reviews::Waiting| QueueRow {
        id: w.post.id,
        title: w.post.title.clone(),
        author: name(w.post.author_id),
        stage: w.standing.stage.name.clone(),
        position: format!("{} of {}", w.standing.index + 1, w.standing.of),
        approvers: reviews::approvers(&w.standing.stage),
        holder: w.post.review_holder_id.map(name),
        due: w.post.review_due_at.map(|d| time::show(tz, d)),
        overdue: w.post.review_due_at.is_some_and(|d| d < now),
        waiting_since: time::show(tz, w.post.updated_at),
    };
    let view = QueuePage {
        title: "Review queue".into(),
        admin: AdminChrome::new(&actor, "/admin/reviews"),
        groups: [
            Group {
                id: "mine",
                heading: "Waiting on you",
                caption: "Posts at a stage you approve that nobody else holds",
                empty: "Nothing waits on you.",
                rows: waiting.iter().filter(|w| w.mine).map(row).collect(),
            },
            Group {
                id: "others",
                heading: "Everything else in review",
                caption: "Posts at a stage others approve, or held by a colleague",
                empty: "Nothing else is in review.",
                rows: waiting.iter().filter(|w| !w.mine).map(row).collect(),
            },
        ],
        limited: waiting.len() as u64 >= LIMIT,
    };
    web.page(
        StatusCode::OK,
        "admin/reviews.html",
        &view,
        CachePolicy::NoStore,
    )
}

//! The board (`/admin/board`): posts by where they stand, with counts, filtered by author
//! and tag with a plain GET form.
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::AdminChrome;
use crate::{
    auth::{Actor, Capability, permissions::Grant},
    errors::AppResult,
    models::{
        _entities::{tags, users},
        posts::board::{self, BoardFilter},
    },
    views::{
        Web,
        admin::board::{BoardPage, CardView, Choice, LaneView},
        time,
        web::CachePolicy,
    },
};

/// Posts listed per lane (the count covers all of them).
const PER_LANE: u64 = 25;

#[derive(Debug, Default, serde::Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    author: String,
    #[serde(default)]
    tag: String,
}

/// `GET /admin/board`.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let policy = &web.settings.editorial;
    let tz = policy.tz_for(&actor.user);
    let everyone = actor.grant(Capability::POSTS_VIEW) == Some(Grant::All);
    let filter = BoardFilter {
        author: q.author.parse().ok().filter(|_| everyone),
        tag: q.tag.parse().ok(),
    };
    let lanes = board::board(&ctx.db, &actor, policy, &filter, PER_LANE).await?;
    let ids: Vec<i32> = lanes
        .iter()
        .flat_map(|l| l.posts.iter().map(|p| p.author_id))
        .collect();
    let names = crate::models::users::display_names(&ctx.db, ids).await?;
    let writers: Vec<&str> = crate::auth::Role::ALL
        .iter()
        .filter(|r| crate::auth::permissions::grant(**r, Capability::POSTS_ADD).is_some())
        .map(|r| r.as_str())
        .collect();
    let authors = if everyone {
        users::Entity::find()
            .filter(users::Column::Role.is_in(writers))
            .order_by_asc(users::Column::DisplayName)
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|u| Choice {
                selected: filter.author == Some(u.id),
                value: u.id.to_string(),
                label: u.display_name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let tag_choices = tags::Entity::find()
        .order_by_asc(tags::Column::Name)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|t| Choice {
            selected: filter.tag == Some(t.id),
            value: t.id.to_string(),
            label: t.name,
        })
        .collect();
    let view = BoardPage {
        title: "Board".into(),
        admin: AdminChrome::new(&actor, "/admin/board"),
        lanes: lanes
            .into_iter()
            .map(|l| LaneView {
                more: l.count.saturating_sub(l.posts.len() as u64),
                cards: l
                    .posts
                    .iter()
                    .map(|p| CardView {
                        id: p.id,
                        title: p.title.clone(),
                        author: names
                            .get(&p.author_id)
                            .cloned()
                            .unwrap_or_else(|| format!("person #{}", p.author_id)),
                        when: match (l.key.as_str(), p.scheduled_at) {
                            ("scheduled", Some(at)) => format!("goes up {}", time::show(tz, at)),
                            _ => format!("changed {}", time::show(tz, p.updated_at)),
                        },
                        overdue: p.review_due_at.is_some_and(|d| d < crate::models::now())
                            && l.key.starts_with("stage:"),
                    })
                    .collect(),
                key: l.key,
                label: l.label,
                count: l.count,
            })
            .collect(),
        authors,
        tags: tag_choices,
        filtered: filter.author.is_some() || filter.tag.is_some(),
    };
    web.page(
        StatusCode::OK,
        "admin/board.html",
        &view,
        CachePolicy::NoStore,
    )
}

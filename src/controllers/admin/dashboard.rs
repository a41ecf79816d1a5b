use std::sync::Arc;

use axum::{Extension, extract::State, http::StatusCode, response::Response};
use loco_rs::app::AppContext;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use super::AdminChrome;
use crate::{
    auth::{Actor, Capability},
    errors::AppResult,
    models::{audit, comments, posts, users},
    views::{Web, web::CachePolicy},
};

/// `GET /admin`: real counts and, for those who may read it, the latest activity.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: crate::auth::RequestMeta,
) -> AppResult<Response> {
    let db = &ctx.db;
    let staff = crate::admin::Staff {
        ctx: ctx.clone(),
        actor: actor.clone(),
        meta,
    };
    let req = copydesk_admin::Request {
        db,
        user: &staff,
        post: false,
        rest: Vec::new(),
        query: Vec::new(),
        form: Vec::new(),
        htmx: false,
    };
    let models: Vec<_> = crate::admin::SITE
        .counts(&req)
        .await
        .map_err(|e| crate::errors::AppError::Internal(e.to_string()))?
        .into_iter()
        .map(|(info, n)| {
            json!({
                "label": info.plural,
                "href": info.url(),
                "count": n.map_or_else(|| "many".to_string(), |n| n.to_string()),
                "add": crate::auth::permissions::grant_named(
                    actor.role(),
                    &format!("{}.add", info.permission),
                )
                .is_some(),
            })
        })
        .collect();
    let published = posts::Entity::find()
        .filter(posts::visible_condition())
        .count(db)
        .await?;
    let drafts = posts::Entity::find()
        .filter(posts::Column::State.eq("draft"))
        .count(db)
        .await?;
    let in_review = posts::Entity::find()
        .filter(posts::Column::State.eq("in_review"))
        .count(db)
        .await?;
    let scheduled = posts::Entity::find()
        .filter(posts::Column::State.eq("scheduled"))
        .count(db)
        .await?;
    let pending = comments::Model::count_with_status(db, comments::CommentStatus::Pending).await?;
    let people = users::Entity::find().count(db).await?;
    let recent = if actor.grant(Capability::VIEW_AUDIT).is_some() {
        audit::search(db, &audit::AuditFilter::default(), 1, 10)
            .await?
            .items
    } else {
        Vec::new()
    };
    let view = json!({
        "title": "Dashboard",
        "admin": AdminChrome::new(&actor, "/admin"),
        "counts": [
            {"label": "Published posts", "value": published},
            {"label": "Drafts", "value": drafts},
            {"label": "In review", "value": in_review},
            {"label": "Scheduled", "value": scheduled},
            {"label": "Comments awaiting moderation", "value": pending},
            {"label": "People", "value": people},
        ],
        "recent": recent.iter().map(super::audit::row_view).collect::<Vec<_>>(),
        "can_audit": actor.grant(Capability::VIEW_AUDIT).is_some(),
        "models": models,
    });
    web.page(
        StatusCode::OK,
        "admin/dashboard.html",
        &view,
        CachePolicy::NoStore,
    )
}

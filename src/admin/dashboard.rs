//! `GET /admin`: the engine's dashboard: what each registered model holds and, for those who
//! may read it, the latest activity.
use std::sync::Arc;

use axum::{Extension, extract::State, http::StatusCode, response::Response};
use loco_rs::app::AppContext;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{SITE, Staff};
use crate::{
    actor::{Actor, RequestMeta},
    auth::{Capability, permissions},
    errors::AppResult,
    models::{audit, comments, posts, users},
    views::{
        Web,
        admin::{
            AdminChrome,
            audit::AuditRow,
            dashboard::{Count, DashboardView, ModelLink},
        },
        web::CachePolicy,
    },
};

/// `GET /admin`.
///
/// # Errors
/// The database or the engine's count fails.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
) -> AppResult<Response> {
    let db = &ctx.db;
    let staff = Staff {
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
    let models = SITE
        .counts(&req)
        .await?
        .into_iter()
        .map(|(info, n)| ModelLink {
            label: info.plural.to_string(),
            href: info.url(),
            count: n.map_or_else(|| "many".to_string(), |n| n.to_string()),
            add: permissions::grant_named(actor.role(), &format!("{}.add", info.permission))
                .is_some(),
        })
        .collect();
    let state = |s: &'static str| posts::Entity::find().filter(posts::Column::State.eq(s));
    let published = posts::Entity::find()
        .filter(posts::visible_condition())
        .count(db)
        .await?;
    let drafts = state("draft").count(db).await?;
    let in_review = state("in_review").count(db).await?;
    let scheduled = state("scheduled").count(db).await?;
    let pending = comments::Model::count_with_status(db, comments::CommentStatus::Pending).await?;
    let people = users::Entity::find().count(db).await?;
    let can_audit = actor.grant(Capability::VIEW_AUDIT).is_some();
    let recent = if can_audit {
        audit::search(db, &audit::AuditFilter::default(), 1, 10)
            .await?
            .items
    } else {
        Vec::new()
    };
    let count = |label, value| Count { label, value };
    let view = DashboardView {
        title: "Dashboard",
        admin: AdminChrome::new(&actor, "/admin"),
        counts: vec![
            count("Published posts", published),
            count("Drafts", drafts),
            count("In review", in_review),
            count("Scheduled", scheduled),
            count("Comments awaiting moderation", pending),
            count("People", people),
        ],
        recent: recent.iter().map(AuditRow::new).collect(),
        can_audit,
        models,
    };
    web.page(
        StatusCode::OK,
        "admin/dashboard.html",
        &view,
        CachePolicy::NoStore,
    )
}

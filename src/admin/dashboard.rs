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
            dashboard::{Count, DashboardView, ModelLink, Publishing},
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
        settings: crate::settings::Settings::get(&ctx)?,
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
    let publishing = publishing(db, &actor, &staff.settings.editorial).await?;
    let count = |label, value| Count { label, value };
    let mut counts = vec![
        count("Published posts", published),
        count("Drafts", drafts),
        count("In review", in_review),
        count("Scheduled", scheduled),
        count("Comments awaiting moderation", pending),
        count("People", people),
    ];
    if actor.grant(Capability::MODERATE).is_some() {
        let q =
            crate::models::moderation::queue::counts(db, staff.settings.moderation.target_hours)
                .await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        counts.push(count("Open moderation cases", n(q.open)));
        counts.push(count("High-priority cases", n(q.high)));
        counts.push(count("Appeals waiting", n(q.appeals)));
    }
    let view = DashboardView {
        title: "Dashboard",
        admin: AdminChrome::new(&actor, "/admin"),
        counts,
        recent: recent.iter().map(AuditRow::new).collect(),
        can_audit,
        models,
        publishing,
    };
    web.page(
        StatusCode::OK,
        "admin/dashboard.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// Scheduled publishing that is overdue (its job failed, or no worker ran) and what went
/// late in the last week, for those who may see all posts.
async fn publishing(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    policy: &crate::settings::Editorial,
) -> Result<Vec<Publishing>, sea_orm::DbErr> {
    if actor.grant(Capability::POSTS_VIEW) != Some(permissions::Grant::All) {
        return Ok(Vec::new());
    }
    let tz = policy.tz_for(&actor.user);
    let mut out: Vec<Publishing> = posts::overdue(db, 20)
        .await?
        .into_iter()
        .map(|p| {
            let (what, due) = if p.state == "scheduled" {
                ("publish", p.scheduled_at)
            } else {
                ("unpublish", p.unpublish_at)
            };
            Publishing {
                post_id: p.id,
                what: format!(
                    "Overdue: due to {what} {}; its job failed or no worker ran it. See its jobs.",
                    due.map_or_else(String::new, |d| crate::views::time::show(tz, d))
                ),
                title: p.title,
            }
        })
        .collect();
    let late = posts::late_publishes(db, None, 7, 20).await?;
    let ids: Vec<i32> = late.iter().map(|l| l.post_id).collect();
    let titles: std::collections::HashMap<i32, String> = posts::Entity::find()
        .filter(posts::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    out.extend(late.iter().filter_map(|l| {
        Some(Publishing {
            post_id: l.post_id,
            title: titles.get(&l.post_id)?.clone(),
            what: crate::views::admin::workflow::late_words(l, tz),
        })
    }));
    Ok(out)
}

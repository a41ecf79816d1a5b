//! The mod log for staff (filter by moderator, action, target, date) and the public
//! transparency page (actions and reasons, never the moderators' names), when
//! `moderation.transparency` is on.
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use loco_rs::app::AppContext;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::{AdminChrome, moderation::moderators, moderation_case::log_rows};
use crate::{
    auth::Actor,
    errors::{AppError, AppResult},
    models::moderation::log::{self, ModAction},
    views::{
        Web,
        admin::moderation::{Choice, FilterField, LogPage, PublicLogRow, Total, TransparencyPage},
        web::CachePolicy,
    },
};

/// Rows per page of the log.
const PER_PAGE: u64 = 50;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct LogQuery {
    pub moderator: String,
    pub action: String,
    /// `comment 12`, `post 3`, `appeal 2`, or `case 40`.
    pub target: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

fn day(s: &str, end: bool) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let t = if end {
        d.succ_opt()?.and_hms_opt(0, 0, 0)?
    } else {
        d.and_hms_opt(0, 0, 0)?
    };
    Some(t.and_utc().fixed_offset())
}

fn condition(q: &LogQuery) -> Condition {
    let mut c = Condition::all();
    if let Ok(id) = q.moderator.parse::<i32>() {
        c = c.add(log::Column::ModeratorId.eq(id));
    } else if q.moderator == "system" {
        c = c.add(log::Column::ModeratorId.is_null());
    }
    if ModAction::parse(&q.action).is_some() {
        c = c.add(log::Column::Action.eq(q.action.clone()));
    }
    let mut parts = q.target.split_whitespace();
    if let (Some(kind), Some(Ok(id))) = (parts.next(), parts.next().map(str::parse::<i32>)) {
        c = match kind {
            "case" => c.add(log::Column::CaseId.eq(id)),
            "comment" | "post" | "appeal" => c
                .add(log::Column::TargetType.eq(kind))
                .add(log::Column::TargetId.eq(id)),
            "person" | "user" => c.add(log::Column::SubjectId.eq(id)),
            _ => c,
        };
    }
    if let Some(from) = day(&q.from, false) {
        c = c.add(log::Column::CreatedAt.gte(from));
    }
    if let Some(to) = day(&q.to, true) {
        c = c.add(log::Column::CreatedAt.lt(to));
    }
    c
}

/// `GET /admin/moderation/log`.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<LogQuery>,
) -> AppResult<Response> {
    let tz = web.settings.editorial.tz_for(&actor.user);
    let page = q.page.unwrap_or(1).max(1);
    let cond = condition(&q);
    let total = log::Entity::find()
        .filter(cond.clone())
        .count(&ctx.db)
        .await?;
    let rows = log::Entity::find()
        .filter(cond)
        .order_by_desc(log::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(&ctx.db)
        .await?;
    let mut mods = vec![
        Choice::new("", "Anyone", &q.moderator),
        Choice::new("system", "Copydesk (automatic)", &q.moderator),
    ];
    mods.extend(
        moderators(&ctx)
            .await?
            .iter()
            .map(|m| Choice::new(&m.id.to_string(), &m.display_name, &q.moderator)),
    );
    let mut actions = vec![Choice::new("", "Any", &q.action)];
    actions.extend(
        ModAction::ALL
            .iter()
            .map(|a| Choice::new(a.as_str(), a.label(), &q.action)),
    );
    let view = LogPage {
        title: "Mod log".into(),
        admin: AdminChrome::new(&actor, "/admin/moderation/log"),
        filters: vec![
            FilterField {
                name: "moderator",
                label: "Moderator",
                choices: mods,
            },
            FilterField {
                name: "action",
                label: "Action",
                choices: actions,
            },
        ],
        target: q.target.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        rows: log_rows(&ctx, &rows, tz).await?,
        page,
        pages: total.div_ceil(PER_PAGE).max(1),
        total,
        query: serde_urlencoded::to_string(&q).unwrap_or_default(),
    };
    web.page(
        StatusCode::OK,
        "admin/moderation/log.html",
        &view,
        CachePolicy::NoStore,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct PublicQuery {
    page: Option<u64>,
}

/// `GET /moderation`: what moderators did and why, without naming them or the people
/// concerned. Not found unless `moderation.transparency` is on.
pub async fn transparency(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    Query(q): Query<PublicQuery>,
) -> AppResult<Response> {
    if !web.settings.moderation.transparency {
        return Err(AppError::NotFound);
    }
    let public: Vec<&str> = ModAction::ALL
        .iter()
        .filter(|a| a.public())
        .map(|a| a.as_str())
        .collect();
    let cond = Condition::all().add(log::Column::Action.is_in(public.clone()));
    let page = q.page.unwrap_or(1).max(1);
    let total = log::Entity::find()
        .filter(cond.clone())
        .count(&ctx.db)
        .await?;
    let rows = log::Entity::find()
        .filter(cond)
        .order_by_desc(log::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(&ctx.db)
        .await?;
    let mut totals = Vec::new();
    for a in ModAction::ALL.iter().filter(|a| a.public()) {
        let count = log::Entity::find()
            .filter(log::Column::Action.eq(a.as_str()))
            .count(&ctx.db)
            .await?;
        if count > 0 {
            totals.push(Total {
                label: a.label().to_string(),
                count,
            });
        }
    }
    let tz = web.settings.editorial.tz();
    let view = TransparencyPage {
        title: "Moderation".into(),
        rows: rows
            .iter()
            .map(|r| PublicLogRow {
                action: ModAction::parse(&r.action)
                    .map_or_else(|| r.action.clone(), |a| a.label().to_string()),
                target: match r.target_type.as_str() {
                    "comment" => "a comment".into(),
                    "post" => "a post".into(),
                    "appeal" => "an appeal".into(),
                    _ => "an account".into(),
                },
                reason: r.reason.clone(),
                at: crate::views::time::show(tz, r.created_at),
            })
            .collect(),
        page,
        pages: total.div_ceil(PER_PAGE).max(1),
        totals,
    };
    web.page(
        StatusCode::OK,
        "public/moderation.html",
        &view,
        CachePolicy::Page,
    )
}

//! Copydesk's side of the admin engine (`copydesk-admin`): who is asking, the audit log as
//! the engine's sink, the registrations, and the routes that hand requests to the engine.
use std::{
    any::Any,
    sync::{Arc, LazyLock},
};

use async_trait::async_trait;
use axum::{
    Extension,
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::any,
};
use copydesk_admin::{AdminSite, AdminUser, AuditEntry, AuditSink, FieldChange, HistoryEntry};
use loco_rs::{app::AppContext, prelude::Routes};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::Value as Json;

use crate::{
    actor::{Actor, RequestMeta},
    auth::{
        AuthError, Role,
        permissions::{self, Grant},
    },
    errors::{AppError, AppResult},
    models::audit,
    views::{Web, admin::AdminChrome, flash as flash_cookie, web::CachePolicy},
    web::guard::{admin_guard, cap},
};

pub mod dashboard;
mod registrations;

/// What `role` holds of a permission named by the engine (`posts.change`), in its terms.
#[must_use]
pub fn grant(role: Role, permission: &str) -> Option<copydesk_admin::Grant> {
    permissions::grant_named(role, permission).map(|g| match g {
        Grant::All => copydesk_admin::Grant::All,
        Grant::Own => copydesk_admin::Grant::Own,
    })
}

/// A staff member as the engine sees them.
pub struct Staff {
    pub ctx: AppContext,
    pub actor: Actor,
    pub meta: RequestMeta,
    /// The settings read at boot (the editorial policy, mail, …).
    pub settings: std::sync::Arc<crate::settings::Settings>,
}

impl AdminUser for Staff {
    fn id(&self) -> i64 {
        i64::from(self.actor.user.id)
    }

    fn role(&self) -> &str {
        &self.actor.user.role
    }

    fn grant(&self, permission: &str) -> Option<copydesk_admin::Grant> {
        grant(self.actor.role(), permission)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The staff member behind an engine call (every call the engine makes comes from [`handle`]).
#[must_use]
pub fn staff(user: &dyn AdminUser) -> Option<&Staff> {
    user.as_any().downcast_ref::<Staff>()
}

/// The audit log, as the engine's sink.
pub struct AuditLog;

fn shown(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[async_trait]
impl AuditSink for AuditLog {
    async fn record(
        &self,
        txn: &DatabaseTransaction,
        by: &dyn AdminUser,
        entry: AuditEntry,
    ) -> Result<(), DbErr> {
        let Some(staff) = staff(by) else {
            return Err(DbErr::Custom(
                "admin write without a signed-in person".into(),
            ));
        };
        audit::record(
            txn,
            &staff.meta,
            audit::Entry {
                who: (&staff.actor).into(),
                action: &entry.action,
                target_type: &entry.target_type,
                target_id: entry.target_id,
                before: entry.before,
                after: entry.after,
            },
        )
        .await
        .map(|_| ())
    }

    async fn history(
        &self,
        db: &DatabaseConnection,
        viewer: &dyn AdminUser,
        target_type: &str,
        target_id: &str,
        limit: u64,
    ) -> Result<Vec<HistoryEntry>, DbErr> {
        let rows = audit::Entity::find()
            .filter(audit::Column::TargetType.eq(target_type))
            .filter(audit::Column::TargetId.eq(target_id))
            .order_by_desc(audit::Column::Id)
            .limit(limit)
            .all(db)
            .await?;
        // Actors are labelled "Name <address>"; addresses are for those who may correct them.
        let sees_addresses = viewer.grant("users.change").is_some();
        Ok(rows
            .into_iter()
            .map(|r| {
                let changes = serde_json::from_str::<Json>(&r.changes)
                    .ok()
                    .and_then(|j| j.as_object().cloned())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(field, pair)| FieldChange {
                        field,
                        old: shown(pair.get(0).unwrap_or(&Json::Null)),
                        new: shown(pair.get(1).unwrap_or(&Json::Null)),
                    })
                    .collect();
                HistoryEntry {
                    at: r.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    actor: if sees_addresses {
                        r.actor_label
                    } else {
                        audit::without_address(&r.actor_label).to_string()
                    },
                    action: r.action,
                    target_type: r.target_type,
                    target_id: r.target_id,
                    changes,
                }
            })
            .collect())
    }
}

/// The one admin site.
pub static SITE: LazyLock<AdminSite> = LazyLock::new(|| {
    let mut site = AdminSite::new(
        Arc::new(AuditLog),
        Arc::new(|md: &str| crate::markdown::render_post(md)),
    );
    site.roles = Role::ALL
        .iter()
        .filter(|r| **r != Role::Member)
        .map(|r| r.as_str().to_string())
        .collect();
    site.sections = vec![
        ("content", "Content"),
        ("community", "Community"),
        ("people", "People"),
        ("system", "System"),
    ];
    registrations::register(&mut site);
    site
});

fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// Hands `/admin/{section}/{slug}/…` to the engine and renders what comes back.
#[allow(clippy::too_many_arguments)]
async fn handle(
    section: &'static str,
    slug: &'static str,
    ctx: AppContext,
    web: Arc<Web>,
    actor: Actor,
    meta: RequestMeta,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    query: Option<String>,
    body: Bytes,
) -> AppResult<Response> {
    let prefix = format!("/admin/{section}/{slug}");
    let rest: Vec<String> = uri
        .path()
        .strip_prefix(&prefix)
        .unwrap_or_default()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            url::form_urlencoded::parse(format!("s={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    let post = method == Method::POST;
    if !post && method != Method::GET && method != Method::HEAD {
        return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    let htmx = headers.contains_key("hx-request")
        && headers
            .get("hx-target")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t == "changelist");
    let staff = Staff {
        ctx: ctx.clone(),
        actor: actor.clone(),
        meta,
        settings: crate::settings::Settings::get(&ctx)?,
    };
    let req = copydesk_admin::Request {
        db: &ctx.db,
        user: &staff,
        post,
        rest,
        query: pairs(query.as_deref().unwrap_or_default().as_bytes()),
        form: if post { pairs(&body) } else { Vec::new() },
        htmx,
    };
    let out = SITE.handle(section, slug, &req).await?;
    Ok(match out {
        copydesk_admin::Response::Page {
            template,
            status,
            title,
            mut context,
        } => {
            let flash = flash_cookie::read(&headers);
            if let Some(obj) = context.as_object_mut() {
                obj.insert("title".into(), Json::from(title));
                obj.insert(
                    "admin".into(),
                    serde_json::to_value(AdminChrome::new(&actor, &prefix)).unwrap_or_default(),
                );
                obj.insert("flash".into(), Json::from(flash.clone()));
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut res = web.page(status, template, &context, CachePolicy::NoStore)?;
            if flash.is_some() {
                flash_cookie::set(&mut res, None);
            }
            res
        }
        copydesk_admin::Response::Redirect { to, flash } => {
            // Only a local path that makes a valid header; anything else goes to the list.
            let to = HeaderValue::from_str(&to)
                .ok()
                .filter(|_| to.starts_with('/') && !to.starts_with("//"))
                .unwrap_or_else(|| {
                    HeaderValue::from_str(&prefix).unwrap_or(HeaderValue::from_static("/admin"))
                });
            let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
            flash_cookie::set(&mut res, flash.as_deref());
            res
        }
        copydesk_admin::Response::Csv { filename, body } => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            body,
        )
            .into_response(),
        copydesk_admin::Response::NotFound => return Err(AppError::NotFound),
        copydesk_admin::Response::Forbidden(p) => {
            return Err(
                AuthError::Forbidden(permissions::static_name(&p).unwrap_or("admin")).into(),
            );
        }
    })
}

/// Every route under `/admin` but sign-in and sign-out, in one router with [`admin_guard`]
/// layered once over all of it: the dashboard, the hand-built `screens` (passed in by the app,
/// so this module needs nothing from the controllers), and the engine's resources,
/// `/admin/{section}/{slug}` and everything below each. Each route's own capability layer
/// ([`cap`]) is its permission on top of the guard.
#[must_use]
pub fn routes(screens: Routes) -> Routes {
    let mut routes = Routes::new()
        .prefix("/admin")
        .add(
            "/",
            cap(
                crate::auth::Capability::ADMIN_ACCESS,
                axum::routing::get(dashboard::show),
            ),
        )
        .merge(screens);
    for r in SITE.resources() {
        let info = r.options().clone();
        let (section, slug) = (info.section, info.slug);
        let h = move |State(ctx): State<AppContext>,
                      Extension(web): Extension<Arc<Web>>,
                      actor: Actor,
                      meta: RequestMeta,
                      method: Method,
                      uri: axum::http::Uri,
                      headers: HeaderMap,
                      RawQuery(query): RawQuery,
                      body: Bytes| async move {
            handle(
                section, slug, ctx, web, actor, meta, method, uri, headers, query, body,
            )
            .await
        };
        routes = routes
            .add(&format!("/{section}/{slug}"), any(h))
            .add(&format!("/{section}/{slug}/{{*rest}}"), any(h));
    }
    routes.layer(axum::middleware::from_fn(admin_guard))
}

//! The admin site. Every route below `/admin` (but the sign-in page) goes through one guard,
//! [`admin_guard`]: a signed-in person whose role holds `admin.access`, and no caching.
//! Each route then names the capability it needs with [`cap`].
use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::{Next, from_fn, from_fn_with_state},
    response::{IntoResponse, Response},
    routing::{MethodRouter, get, post},
};
use loco_rs::{app::AppContext, prelude::Routes};
use serde::Serialize;

use crate::{
    auth::{Actor, AuthError, Capability},
    errors::AppError,
};

pub mod audit;
pub mod dashboard;
pub mod jobs;
pub mod outbox;
pub mod tokens;
pub mod users;

/// The one guard every admin route passes.
pub async fn admin_guard(req: Request, next: Next) -> Response {
    let verdict = match req.extensions().get::<Actor>() {
        None => Err(AuthError::Unauthenticated),
        Some(actor) => actor.require(Capability::ADMIN_ACCESS).map(|_| ()),
    };
    let mut res = match verdict {
        Ok(()) => next.run(req).await,
        Err(e) => AppError::Auth(e).into_response(),
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn check_cap(State(cap): State<Capability>, req: Request, next: Next) -> Response {
    match req.extensions().get::<Actor>().map(|a| a.require(cap)) {
        Some(Ok(_)) => next.run(req).await,
        Some(Err(e)) => AppError::Auth(e).into_response(),
        None => AppError::Auth(AuthError::Unauthenticated).into_response(),
    }
}

/// `route` requires `capability` (on top of the admin guard).
pub fn cap(capability: Capability, route: MethodRouter<AppContext>) -> MethodRouter<AppContext> {
    route.route_layer(from_fn_with_state(capability, check_cap))
}

/// The guarded admin routes.
#[must_use]
pub fn routes() -> Routes {
    Routes::new()
        .prefix("/admin")
        .add("/", cap(Capability::ADMIN_ACCESS, get(dashboard::show)))
        .add("/audit", cap(Capability::VIEW_AUDIT, get(audit::index)))
        .add("/users", cap(Capability::USERS_VIEW, get(users::index)))
        .add(
            "/users/{id}/access",
            cap(Capability::MANAGE_USERS, post(users::update_access)),
        )
        .add(
            "/users/{id}/unlock",
            cap(Capability::MANAGE_USERS, post(users::unlock)),
        )
        .add(
            "/users/{id}/invitation",
            cap(Capability::USERS_ADD, post(users::resend_invitation)),
        )
        .add(
            "/users/{id}/email",
            cap(Capability::USERS_CHANGE, post(users::update_email)),
        )
        .add(
            "/tokens",
            cap(Capability::API_TOKENS_VIEW, get(tokens::index))
                .merge(cap(Capability::API_TOKENS_ADD, post(tokens::create))),
        )
        .add(
            "/tokens/{id}/revoke",
            cap(Capability::API_TOKENS_DELETE, post(tokens::revoke)),
        )
        .add("/outbox", cap(Capability::OUTBOX_VIEW, get(outbox::index)))
        .add(
            "/outbox/{id}",
            cap(Capability::OUTBOX_VIEW, get(outbox::show)),
        )
        .add(
            "/outbox/{id}/retry",
            cap(Capability::RETRY_JOBS, post(outbox::retry)),
        )
        .add("/jobs", cap(Capability::JOBS_VIEW, get(jobs::dashboard)))
        .add("/jobs/busy", cap(Capability::JOBS_VIEW, get(jobs::busy)))
        .add(
            "/jobs/stats",
            cap(Capability::JOBS_VIEW, get(jobs::stats_fragment)),
        )
        .add(
            "/jobs/queues/{name}",
            cap(Capability::JOBS_VIEW, get(jobs::queue)),
        )
        .add(
            "/jobs/queues/{name}/clear",
            cap(Capability::RETRY_JOBS, post(jobs::clear_queue)),
        )
        .add(
            "/jobs/queues/{name}/delete",
            cap(Capability::RETRY_JOBS, post(jobs::delete_queued)),
        )
        .add("/jobs/mine", cap(Capability::JOBS_VIEW, get(jobs::mine)))
        .add(
            "/jobs/mine/retry",
            cap(Capability::RETRY_JOBS, post(jobs::retry_mine)),
        )
        .add(
            "/jobs/processes/{identity}/{signal}",
            cap(Capability::RETRY_JOBS, post(jobs::signal)),
        )
        .add("/jobs/{set}", cap(Capability::JOBS_VIEW, get(jobs::list)))
        .add(
            "/jobs/{set}/actions",
            cap(Capability::RETRY_JOBS, post(jobs::act)),
        )
        .add(
            "/jobs/{set}/group",
            cap(Capability::RETRY_JOBS, post(jobs::retry_group)),
        )
        .add(
            "/jobs/{set}/{score}/{jid}/edit",
            cap(Capability::RETRY_JOBS, post(jobs::retry_edited)),
        )
        .add(
            "/jobs/{set}/all",
            cap(Capability::RETRY_JOBS, get(jobs::confirm_all))
                .merge(cap(Capability::RETRY_JOBS, post(jobs::all))),
        )
        .add(
            "/jobs/{set}/{score}/{jid}",
            cap(Capability::JOBS_VIEW, get(jobs::detail)),
        )
        .layer(from_fn(admin_guard))
}

/// Sign-in and sign-out for staff: outside the guard.
#[must_use]
pub fn session_routes() -> Routes {
    Routes::new()
        .prefix("/admin")
        .add(
            "/login",
            get(super::auth::login_form).post(super::auth::login),
        )
        .add("/logout", post(super::auth::logout))
}

/// A link in the admin navigation.
#[derive(Debug, Serialize)]
pub struct NavLink {
    pub href: String,
    pub label: String,
    pub current: bool,
    /// `g` then this key, when keyboard shortcuts are on.
    pub shortcut: Option<char>,
}

/// A titled group of links.
#[derive(Debug, Serialize)]
pub struct NavSection {
    pub title: String,
    pub links: Vec<NavLink>,
}

/// What every admin page's layout shows: who is signed in and where they may go.
#[derive(Debug, Serialize)]
pub struct AdminChrome {
    pub user_name: String,
    pub role: String,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    pub sections: Vec<NavSection>,
}

/// The signed-in person as the admin engine's navigation asks about them.
struct NavUser(i64, crate::models::users::Role);

impl copydesk_admin::AdminUser for NavUser {
    fn id(&self) -> i64 {
        self.0
    }
    fn role(&self) -> &str {
        self.1.as_str()
    }
    fn grant(&self, permission: &str) -> Option<copydesk_admin::Grant> {
        crate::admin::grant(self.1, permission)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl AdminChrome {
    #[must_use]
    pub fn new(actor: &Actor, current: &str) -> Self {
        let link = |href: &str, label: &str, shortcut: Option<char>| NavLink {
            current: href == current
                || (href != "/admin" && current.starts_with(&format!("{href}/"))),
            href: href.to_string(),
            label: label.to_string(),
            shortcut,
        };
        let nav = vec![link("/admin", "Dashboard", Some('d'))];
        let user = NavUser(i64::from(actor.user.id), actor.role());
        let mut sections: Vec<NavSection> = crate::admin::SITE
            .nav(&user)
            .into_iter()
            .map(|s| NavSection {
                title: s.title,
                links: s
                    .links
                    .into_iter()
                    .map(|l| link(&l.href, &l.label, l.shortcut))
                    .collect(),
            })
            .collect();
        let ops: [(&str, &str, Capability, Option<char>); 4] = [
            ("/admin/jobs", "Jobs", Capability::JOBS_VIEW, Some('j')),
            (
                "/admin/outbox",
                "Mail outbox",
                Capability::OUTBOX_VIEW,
                Some('o'),
            ),
            ("/admin/audit", "Audit search", Capability::VIEW_AUDIT, None),
            (
                "/admin/tokens",
                "API tokens",
                Capability::API_TOKENS_VIEW,
                None,
            ),
        ];
        let links: Vec<NavLink> = ops
            .into_iter()
            .filter(|(_, _, c, _)| actor.grant(*c).is_some())
            .map(|(href, label, _, k)| link(href, label, k))
            .collect();
        if !links.is_empty() {
            sections.push(NavSection {
                title: "Operations".into(),
                links,
            });
        }
        Self {
            user_name: actor.user.display_name.clone(),
            role: actor.user.role.clone(),
            csrf: actor.csrf().to_string(),
            nav,
            sections,
        }
    }
}

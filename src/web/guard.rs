//! The admin guard and the per-route capability layer. [`crate::admin::routes`] layers
//! [`admin_guard`] once over every `/admin` route (the hand-built screens and the engine's);
//! each route then names the capability it needs with [`cap`].
use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::{Next, from_fn_with_state},
    response::{IntoResponse, Response},
    routing::MethodRouter,
};
use loco_rs::app::AppContext;

use crate::{
    actor::Actor,
    auth::{AuthError, Capability},
    errors::AppError,
};

/// The one guard every admin route passes: a signed-in person whose role holds
/// `admin.access`. Every answer, refusals included, is marked `no-store`.
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

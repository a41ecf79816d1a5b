//! People: roles, status and unlocking sign-in. (Full CRUD arrives with the admin engine.)
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::json;

use super::AdminChrome;
use crate::{
    auth::{Actor, AuthError, Capability, RequestMeta, permissions::rank, signin},
    errors::{AppError, AppResult},
    models::users::{self, AccountError, Role, UserStatus},
    views::{Web, web::CachePolicy},
};

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

async fn render(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    page_no: u64,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let per_page = 50;
    let total = users::Entity::find().count(&ctx.db).await?;
    let people = users::Entity::find()
        .order_by_asc(users::Column::DisplayName)
        .limit(per_page)
        .offset(crate::models::page_offset(page_no, per_page))
        .all(&ctx.db)
        .await?;
    let may_manage = actor.grant(Capability::MANAGE_USERS).is_some();
    let may_edit = actor.grant(Capability::USERS_CHANGE).is_some();
    let grantable: Vec<&str> = Role::ALL
        .iter()
        .filter(|r| crate::auth::permissions::may_grant(actor.role(), **r))
        .map(|r| r.as_str())
        .collect();
    let rows: Vec<_> = people
        .iter()
        .map(|u| {
            json!({
                // Addresses are personal data: only those who may correct them see them.
                "id": u.id, "name": u.display_name, "email": may_edit.then_some(&u.email), "role": u.role, "status": u.status,
                "editable": may_manage && rank(u.role()) <= rank(actor.role()),
                "email_editable": may_edit && rank(u.role()) <= rank(actor.role()),
                // The current role stays selectable: leaving it alone is not a grant.
                "roles": std::iter::once(u.role.as_str())
                    .chain(grantable.iter().copied().filter(|r| *r != u.role))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let view = json!({
        "title": "People",
        "admin": AdminChrome::new(actor, "/admin/users"),
        "rows": rows,
        "roles": grantable,
        "statuses": UserStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "notice": notice,
        "error": error,
        "total": total,
    });
    web.page(status, "admin/users.html", &view, CachePolicy::NoStore)
}

/// `GET /admin/users`.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<UsersQuery>,
) -> AppResult<Response> {
    let page_no = crate::models::page_number(q.page.as_deref());
    let notice = match q.done.as_deref() {
        Some("access") => Some("Saved. Their sessions were signed out.".to_string()),
        Some("unlock") => Some("Sign-in is unlocked for that account.".to_string()),
        Some("email") => {
            Some("The address is corrected; mail that had not gone out will use it.".to_string())
        }
        _ => None,
    };
    render(&ctx, &web, &actor, page_no, notice, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AccessForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    status: String,
}

/// `POST /admin/users/{id}/access`: role and status, within the actor's rank.
pub async fn update_access(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(form): Form<AccessForm>,
) -> AppResult<Response> {
    let target = users::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = Some(form.role.as_str()).filter(|r| !r.is_empty());
    let status = Some(form.status.as_str()).filter(|s| !s.is_empty());
    match target
        .set_role_and_status(&ctx.db, &actor, &meta, role, status)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/users?done=access").into_response()),
        Err(AccountError::Auth(
            e @ (AuthError::HigherRank | AuthError::LastAdmin | AuthError::RoleBeyondOwn(_)),
        )) => {
            let msg = format!("Not saved: {e}.");
            render(
                &ctx,
                &web,
                &actor,
                1,
                None,
                Some(msg),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(AccountError::Auth(e)) => Err(e.into()),
        Err(AccountError::Unknown(v)) => {
            render(
                &ctx,
                &web,
                &actor,
                1,
                None,
                Some(format!("Not saved: `{v}` is not a role or status.")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}

/// `POST /admin/users/{id}/unlock`: lifts a sign-in lockout.
#[derive(Debug, Default, Deserialize)]
pub struct UnlockForm {
    /// Where to go afterwards (a page of the admin); the People page when absent.
    #[serde(default)]
    back: String,
}

pub async fn unlock(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(form): Form<UnlockForm>,
) -> AppResult<Response> {
    let target = users::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::auth::permissions::check_rank(actor.role(), target.role(), None)?;
    signin::unlock(&ctx, &actor, &target, &meta).await?;
    let back = Some(form.back.as_str()).filter(|b| b.starts_with("/admin/"));
    let to = crate::views::forms::safe_next(back, "/admin/users?done=unlock");
    let mut res = Redirect::to(&to).into_response();
    // The People page says so itself (`done=unlock`); a person's page shows the flash.
    if back.is_some() {
        let msg = format!("Sign-in is unlocked for {}.", target.display_name);
        crate::views::flash::set(&mut res, Some(&msg));
    }
    Ok(res)
}

/// `POST /admin/users/{id}/email`: corrects an address (undelivered mail follows it).
pub async fn update_email(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(form): Form<users::EmailForm>,
) -> AppResult<Response> {
    let target = users::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    match target.change_email(&ctx.db, &actor, &meta, &form).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=email").into_response()),
        Err(AccountError::Unknown(v)) => {
            let msg = format!(
                "Not saved: `{v}` is not a valid email address, or another account uses it."
            );
            render(
                &ctx,
                &web,
                &actor,
                1,
                None,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AccountError::Auth(e @ AuthError::HigherRank)) => {
            render(
                &ctx,
                &web,
                &actor,
                1,
                None,
                Some(format!("Not saved: {e}.")),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(AccountError::Auth(e)) => Err(e.into()),
        Err(AccountError::Db(e)) => Err(e.into()),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct InvitationForm {
    /// Where to go afterwards (a page of the admin); the person's page when absent.
    #[serde(default)]
    back: String,
}

/// `POST /admin/users/{id}/invitation`: sends the invitation again (the earlier link stops
/// working once the new one is made).
pub async fn resend_invitation(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(form): Form<InvitationForm>,
) -> AppResult<Response> {
    let target = users::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let flash = match target.send_invitation(&ctx, &actor, &meta).await {
        Ok(_) => format!("An invitation is on its way to {}.", target.email),
        Err(users::InviteError::Auth(e)) => return Err(e.into()),
        Err(users::InviteError::Db(e)) => return Err(e.into()),
        Err(e) => format!("Not sent: {e}."),
    };
    let fallback = format!("/admin/people/users/{id}");
    let back = Some(form.back.as_str()).filter(|b| b.starts_with("/admin/"));
    let to = crate::views::forms::safe_next(back, &fallback);
    Ok(crate::views::flash::redirect(&to, &flash))
}

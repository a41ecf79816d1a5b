//! `/appeal/{token}`: a suspended or banned person cannot sign in, so the notice a
//! moderator's action mails them carries a secret link instead. It shows their strikes and
//! removals and takes their appeals, for the appeal window, and does nothing else: it
//! signs nobody in, and the token (stored hashed) works only here.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::{
    account::{AppealPost, silenced, standing},
    auth::{form_session, message, page},
};
use crate::{
    actor::{Actor, RequestMeta, Via},
    errors::{AppError, AppResult},
    models::{
        WriteError,
        moderation::appeals,
        user_tokens::{self, TokenProblem},
        users,
    },
    views::{Web, auth::AppealLinkPage, forms::FieldErrors},
    web::session::CurrentSession,
};

const TITLE: &str = "Appeal a moderator's action";

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The person the link was made for, or the page that says why it cannot be used.
async fn holder(
    ctx: &AppContext,
    web: &Web,
    token: &str,
) -> AppResult<Result<users::Model, Response>> {
    let refused = |p: TokenProblem| {
        message(
            web,
            StatusCode::GONE,
            "This appeal link cannot be used",
            match p {
                TokenProblem::Used => {
                    "A newer mail about your account carries a newer link; use that one."
                }
                TokenProblem::Expired => {
                    "The appeal window for this link has closed. If you can sign in, your account page shows your strikes and appeals."
                }
                TokenProblem::Unknown => {
                    "This link is not valid. Check that you copied all of it from the mail."
                }
            },
        )
    };
    let id = match user_tokens::check(&ctx.db, token, user_tokens::APPEAL).await? {
        Ok(id) => id,
        Err(p) => return Ok(Err(refused(p)?)),
    };
    match users::Entity::find_by_id(id).one(&ctx.db).await? {
        Some(u) => Ok(Ok(u)),
        None => Ok(Err(refused(TokenProblem::Unknown)?)),
    }
}

async fn view(
    ctx: &AppContext,
    user: &users::Model,
    csrf: String,
    token: &str,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> AppResult<AppealLinkPage> {
    Ok(AppealLinkPage {
        title: TITLE,
        csrf,
        name: user.display_name.clone(),
        status: user.status.clone(),
        errors,
        notice,
        standing: standing(ctx, user).await?,
        silenced: silenced(ctx, user).await?,
        appeal_text: String::new(),
        appeal_action: format!("/appeal/{token}"),
    })
}

/// `GET /appeal/{token}`.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    Path(token): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let user = match holder(&ctx, &web, &token).await? {
        Ok(u) => u,
        Err(res) => return Ok(res),
    };
    let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
    let notice = q.saved.is_some().then_some(
        "Your appeal is sent. A moderator other than the one who acted will decide it, and you will be told by mail.",
    );
    let view = view(
        &ctx,
        &user,
        session.csrf_token,
        &token,
        FieldErrors::new(),
        notice,
    )
    .await?;
    page(&web, StatusCode::OK, "auth/appeal.html", &view, cookie)
}

/// `POST /appeal/{token}`: files the appeal as the link's holder.
pub async fn file(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    current: Option<Extension<CurrentSession>>,
    meta: RequestMeta,
    Path(token): Path<String>,
    Form(f): Form<AppealPost>,
) -> AppResult<Response> {
    let user = match holder(&ctx, &web, &token).await? {
        Ok(u) => u,
        Err(res) => return Ok(res),
    };
    let actor = Actor {
        user,
        via: Via::AppealLink,
    };
    let (form, text_key) = f.form();
    match appeals::file(&ctx.db, &actor, &meta, &web.settings.moderation, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/appeal/{token}?saved=1")).into_response()),
        Err(WriteError::Field { field, message }) => {
            let mut errors = FieldErrors::new();
            errors.insert(
                if field == "text" {
                    text_key
                } else {
                    "appeal".to_string()
                },
                message,
            );
            let (session, cookie) = form_session(&ctx, &web, current.map(|e| e.0), &meta).await?;
            let mut view =
                view(&ctx, &actor.user, session.csrf_token, &token, errors, None).await?;
            view.appeal_text = f.text;
            page(
                &web,
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/appeal.html",
                &view,
                cookie,
            )
        }
        Err(WriteError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(crate::controllers::admin::moderation::failed(e)),
    }
}

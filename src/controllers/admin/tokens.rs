//! Personal API tokens: create (shown once), list, revoke.
use std::{collections::HashMap, sync::Arc};

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use sea_orm::EntityTrait;

use super::AdminChrome;
use crate::{
    auth::{Actor, Capability, RequestMeta, permissions::Grant},
    errors::{AppError, AppResult},
    models::api_tokens::{self, TokenError, TokenForm},
    views::{
        Web,
        admin::tokens::{TokenFormView, TokenRow, TokensPage},
        flash as flash_cookie,
        forms::{FieldErrors, field_errors},
        web::CachePolicy,
    },
};

/// What the page shows above the list, besides form errors.
enum Shown<'a> {
    Nothing,
    /// A token just created, shown this once.
    Created(&'a str),
    /// The message the previous action left (a revoked token).
    Flash(&'a str),
}

async fn render(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    form: &TokenForm,
    errors: FieldErrors,
    shown: Shown<'_>,
    status: StatusCode,
) -> AppResult<Response> {
    let (created, flash) = match shown {
        Shown::Nothing => (None, None),
        Shown::Created(token) => (Some(token.to_string()), None),
        Shown::Flash(message) => (None, Some(message.to_string())),
    };
    let everyone = matches!(actor.grant(Capability::API_TOKENS_VIEW), Some(Grant::All));
    let tokens = api_tokens::list(&ctx.db, (!everyone).then_some(actor.user.id)).await?;
    // Whose each token is, in one query, for those who see everyone's.
    let owners = if everyone {
        crate::models::users::display_names(&ctx.db, tokens.iter().map(|t| t.user_id)).await?
    } else {
        HashMap::new()
    };
    let revoke = actor.grant(Capability::API_TOKENS_DELETE);
    let rows = tokens
        .iter()
        .map(|t| {
            let mine = t.user_id == actor.user.id;
            let owner = everyone.then(|| {
                if mine {
                    "you".to_string()
                } else {
                    owners
                        .get(&t.user_id)
                        .cloned()
                        .unwrap_or_else(|| format!("person {}", t.user_id))
                }
            });
            let can_revoke = match revoke {
                Some(Grant::All) => true,
                Some(Grant::Own) => mine,
                None => false,
            };
            TokenRow::new(t, owner, can_revoke)
        })
        .collect();
    let view = TokensPage {
        title: "API tokens",
        admin: AdminChrome::new(actor, "/admin/tokens"),
        rows,
        everyone,
        form: TokenFormView::from(form),
        errors,
        created,
        can_add: actor.grant(Capability::API_TOKENS_ADD).is_some(),
        flash,
    };
    let showed = view.flash.is_some();
    let res = web.page(status, "admin/tokens.html", &view, CachePolicy::NoStore)?;
    Ok(flash_cookie::shown(res, showed))
}

/// `GET /admin/tokens`.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    headers: HeaderMap,
) -> AppResult<Response> {
    let form = TokenForm {
        scope: "read".into(),
        ..TokenForm::default()
    };
    let flash = flash_cookie::read(&headers);
    render(
        &ctx,
        &web,
        &actor,
        &form,
        FieldErrors::new(),
        flash.as_deref().map_or(Shown::Nothing, Shown::Flash),
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/tokens`: the new token is shown on this response only.
pub async fn create(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    match api_tokens::create(&ctx.db, &actor, &meta, &form).await {
        Ok((token, _)) => {
            let blank = TokenForm {
                scope: "read".into(),
                ..TokenForm::default()
            };
            render(
                &ctx,
                &web,
                &actor,
                &blank,
                FieldErrors::new(),
                Shown::Created(&token),
                StatusCode::CREATED,
            )
            .await
        }
        Err(TokenError::Invalid(e)) => {
            render(
                &ctx,
                &web,
                &actor,
                &form,
                field_errors(&e),
                Shown::Nothing,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(TokenError::BadExpiry) => {
            let errors = FieldErrors::from([(
                "expires_in_days".to_string(),
                "Enter a whole number of days from 1 to 3650, or leave it empty.".to_string(),
            )]);
            render(
                &ctx,
                &web,
                &actor,
                &form,
                errors,
                Shown::Nothing,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(TokenError::Db(e)) => Err(e.into()),
    }
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let token = api_tokens::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    actor.require_for(Capability::API_TOKENS_DELETE, token.user_id)?;
    api_tokens::revoke(&ctx.db, &actor, &meta, &token).await?;
    let mut res = Redirect::to("/admin/tokens").into_response();
    flash_cookie::set(
        &mut res,
        Some(&format!(
            "Revoked the token “{}”: it no longer works.",
            token.name
        )),
    );
    Ok(res)
}

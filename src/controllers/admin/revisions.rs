//! A post's revisions in the admin: the list, any two side by side with a word diff, and
//! restoring one (a new revision, audited). Reading needs `posts.view` over the post,
//! restoring `posts.change` over it (authors: their own posts).
use std::{collections::HashMap, sync::Arc};

use axum::{
    Extension, Form,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::Deserialize;

use super::{AdminChrome, visible_post};
use crate::{
    auth::{Actor, Capability, RequestMeta},
    errors::{AppError, AppResult},
    models::{
        WriteError, page_number,
        posts::{self, revisions},
    },
    views::{
        Web,
        admin::revisions::{ComparePage, FieldDiff, RevisionRow, RevisionsPage},
        flash as flash_cookie,
        posts::pager,
        web::CachePolicy,
    },
};

/// Revisions a page of the list shows.
const PER_PAGE: u64 = 50;

fn post_url(id: i32) -> String {
    format!("/admin/content/posts/{id}")
}

fn list_url(id: i32) -> String {
    format!("/admin/posts/{id}/revisions")
}

/// A failure of a model function the screen does not show as a message.
fn failure(e: WriteError) -> AppError {
    match e {
        WriteError::Auth(e) => e.into(),
        WriteError::NotFound => AppError::NotFound,
        WriteError::Mail(e) => e.into(),
        WriteError::Db(e) => e.into(),
        WriteError::Invalid(_) | WriteError::Field { .. } | WriteError::Stale { .. } => {
            AppError::BadRequest("the change was refused")
        }
    }
}

async fn content_now(ctx: &AppContext, post: &posts::Model) -> AppResult<revisions::Content> {
    let tags = posts::tag_names(&ctx.db, post.id).await.map_err(failure)?;
    Ok(revisions::Content::of(post, &tags))
}

fn may_restore(actor: &Actor, post: &posts::Model) -> bool {
    actor
        .require_for(Capability::POSTS_CHANGE, post.author_id)
        .is_ok()
}

/// The names of the people who saved `rows`, in one query.
async fn authors(ctx: &AppContext, rows: &[&revisions::Model]) -> AppResult<HashMap<i32, String>> {
    Ok(
        crate::models::users::display_names(&ctx.db, rows.iter().filter_map(|r| r.author_id))
            .await?,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<String>,
}

/// What the list shows above the table.
enum Note {
    None,
    Flash(String),
    Error(String),
}

async fn render_list(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    post: &posts::Model,
    page_no: u64,
    note: Note,
    status: StatusCode,
) -> AppResult<Response> {
    let page = revisions::list(&ctx.db, post.id, page_no, PER_PAGE).await?;
    let names = authors(ctx, &page.items.iter().collect::<Vec<_>>()).await?;
    let now = content_now(ctx, post).await?;
    let rows: Vec<RevisionRow> = page
        .items
        .iter()
        .map(|r| {
            let author = r.author_id.and_then(|a| names.get(&a).cloned());
            RevisionRow::new(r, author, r.content() == now)
        })
        .collect();
    let newest = revisions::latest_number(&ctx.db, post.id).await?;
    let approved = revisions::last_approved(&ctx.db, post.id)
        .await?
        .filter(|n| *n < newest);
    let (flash, error) = match note {
        Note::None => (None, None),
        Note::Flash(m) => (Some(m), None),
        Note::Error(m) => (None, Some(m)),
    };
    let had_flash = flash.is_some();
    let view = RevisionsPage {
        title: format!("Revisions of “{}”", post.title),
        admin: AdminChrome::new(actor, "/admin/content/posts"),
        post_id: post.id,
        post_title: post.title.clone(),
        post_url: post_url(post.id),
        lock_version: post.lock_version,
        rows,
        pager: pager(&page, &list_url(post.id)),
        total: page.total_items,
        can_restore: may_restore(actor, post),
        flash,
        error,
        default_a: (newest - 1).max(1),
        default_b: newest,
        approved,
    };
    let res = web.page(
        status,
        "admin/revisions/list.html",
        &view,
        CachePolicy::NoStore,
    )?;
    Ok(flash_cookie::shown(res, had_flash))
}

/// `GET /admin/posts/{id}/revisions`: newest first, with a form to compare any two.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<i32>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let post = visible_post(&ctx, &actor, id).await?;
    let note = flash_cookie::read(&headers).map_or(Note::None, Note::Flash);
    render_list(
        &ctx,
        &web,
        &actor,
        &post,
        page_number(q.page.as_deref()),
        note,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct CompareQuery {
    #[serde(default)]
    a: Option<String>,
    #[serde(default)]
    b: Option<String>,
}

/// `GET /admin/posts/{id}/revisions/compare?a=3&b=7`: the older of the two on the left, the
/// newer on the right, every field listed, the texts diffed word by word. Without numbers:
/// the newest against the one before.
pub async fn compare(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Path(id): Path<i32>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let post = visible_post(&ctx, &actor, id).await?;
    let newest = revisions::latest_number(&ctx.db, id).await?;
    let number = |raw: Option<&str>, default: i32| match raw.map(str::trim) {
        None | Some("") => Ok(default),
        Some(n) => n
            .parse::<i32>()
            .map_err(|_| AppError::BadRequest("a revision number is a whole number")),
    };
    let a = number(q.a.as_deref(), (newest - 1).max(1))?;
    let b = number(q.b.as_deref(), newest)?;
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let (Some(old), Some(new)) = (
        revisions::find(&ctx.db, id, a).await?,
        revisions::find(&ctx.db, id, b).await?,
    ) else {
        return Err(AppError::NotFound);
    };
    let names = authors(&ctx, &[&old, &new]).await?;
    let now = content_now(&ctx, &post).await?;
    let row = |r: &revisions::Model| {
        let author = r.author_id.and_then(|a| names.get(&a).cloned());
        RevisionRow::new(r, author, r.content() == now)
    };
    let fields: Vec<FieldDiff> = revisions::compare(&old.content(), &new.content())
        .iter()
        .map(FieldDiff::from)
        .collect();
    let view = ComparePage {
        title: format!("Revision {a} and {b} of “{}”", post.title),
        admin: AdminChrome::new(&actor, "/admin/content/posts"),
        post_id: id,
        post_title: post.title.clone(),
        post_url: post_url(id),
        old: row(&old),
        new: row(&new),
        changed: fields.iter().filter(|f| f.changed).count(),
        fields,
        lock_version: post.lock_version,
        can_restore: may_restore(&actor, &post),
    };
    web.page(
        StatusCode::OK,
        "admin/revisions/compare.html",
        &view,
        CachePolicy::NoStore,
    )
}

#[derive(Debug, Deserialize)]
pub struct RestoreForm {
    /// The post's version when the page with the button was loaded.
    lock_version: i32,
}

/// `POST /admin/posts/{id}/revisions/{number}/restore`: a new revision with that content.
/// Refused, with the list as it now stands, when the post was saved since the page loaded.
pub async fn restore(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path((id, number)): Path<(i32, i32)>,
    Form(form): Form<RestoreForm>,
) -> AppResult<Response> {
    let post = visible_post(&ctx, &actor, id).await?;
    let settings = crate::settings::Settings::get(&ctx)?;
    let (message, status) = match posts::restore_revision(
        &ctx.db,
        &actor,
        &meta,
        &settings.editorial,
        id,
        number,
        form.lock_version,
    )
    .await
    {
        Ok(saved) => {
            let made = revisions::latest_number(&ctx.db, saved.id).await?;
            let mut res = Redirect::to(&list_url(id)).into_response();
            flash_cookie::set(
                &mut res,
                Some(&format!(
                    "Restored revision {number}: the post now holds its content, as revision {made}."
                )),
            );
            return Ok(res);
        }
        Err(WriteError::Stale { current }) => (
            format!(
                "“{}” was saved by someone else since you opened this page (it is now at \
                     version {current}). The list below is as it stands now; restore again if \
                     you still want revision {number}.",
                post.title
            ),
            StatusCode::CONFLICT,
        ),
        Err(WriteError::Field { message, .. }) => (message, StatusCode::UNPROCESSABLE_ENTITY),
        Err(WriteError::Invalid(e)) => (
            format!(
                "Revision {number} no longer passes the post form's rules: {}",
                crate::views::forms::field_errors(&e)
                    .into_values()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(failure(e)),
    };
    let current = visible_post(&ctx, &actor, id).await?;
    render_list(
        &ctx,
        &web,
        &actor,
        &current,
        1,
        Note::Error(message),
        status,
    )
    .await
}

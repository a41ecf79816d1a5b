//! Uploading images: a plain form (`<input type=file>`, works without JavaScript; dropping a
//! file on it is an enhancement) that posts multipart to [`upload`]. The bytes are checked
//! and stored by [`media::upload`]; the resize job is queued once the record is written.
use std::sync::Arc;

use axum::{
    Extension,
    extract::{Multipart, State, multipart::MultipartRejection},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use bytes::BytesMut;
use loco_rs::app::AppContext;

use super::AdminChrome;
use crate::{
    auth::{Actor, RequestMeta},
    errors::{AppError, AppResult},
    jobs::{Jobs, images::queue_resize},
    models::{
        WriteError,
        media::{self, UploadError, UploadForm},
    },
    views::{
        Web, admin::media::UploadPage, flash as flash_cookie, forms::FieldErrors,
        forms::field_errors, web::CachePolicy,
    },
};

/// Where the upload form lives.
pub const UPLOAD_URL: &str = "/admin/media/upload";

const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif";

fn render(
    web: &Web,
    actor: &Actor,
    alt_text: String,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let limit = web.settings.media.max_upload_bytes;
    let view = UploadPage {
        title: "Upload an image",
        admin: AdminChrome::new(actor, UPLOAD_URL),
        alt_text,
        errors,
        max_size: format!("{:.0} MB", limit as f64 / (1024.0 * 1024.0)),
        max_bytes: limit,
        accept: ACCEPT,
    };
    web.page(
        status,
        "admin/media_upload.html",
        &view,
        CachePolicy::NoStore,
    )
}

/// `GET /admin/media/upload`.
pub async fn form(Extension(web): Extension<Arc<Web>>, actor: Actor) -> AppResult<Response> {
    render(
        &web,
        &actor,
        String::new(),
        FieldErrors::new(),
        StatusCode::OK,
    )
}

/// Why the form's body could not be read, as a message for a field.
enum Unread {
    TooBig,
    Broken,
}

/// The form's fields: the file (its name and bytes, read up to `limit` + 1 bytes) and the
/// alt text. The CSRF field was checked before the handler ran.
async fn read_form(mut parts: Multipart, limit: usize) -> Result<UploadForm, Unread> {
    let mut form = UploadForm::default();
    while let Some(mut field) = parts.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Unread::TooBig
        } else {
            Unread::Broken
        }
    })? {
        match field.name() {
            Some("file") => {
                form.file_name = field.file_name().unwrap_or_default().to_string();
                let mut buf = BytesMut::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        Unread::TooBig
                    } else {
                        Unread::Broken
                    }
                })? {
                    buf.extend_from_slice(&chunk);
                    if buf.len() > limit {
                        return Err(Unread::TooBig);
                    }
                }
                form.bytes = buf.freeze();
            }
            Some("alt_text") => {
                form.alt_text = field.text().await.map_err(|_| Unread::Broken)?;
            }
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /admin/media/upload` (multipart): stores the image, queues its resized copies and
/// opens its page; a refusal shows the form again with the message next to the field.
pub async fn upload(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    parts: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let limits = &web.settings.media;
    let too_big = || {
        FieldErrors::from([(
            "file".to_string(),
            format!(
                "This file is larger than {:.0} MB: make it smaller and upload it again.",
                limits.max_upload_bytes as f64 / (1024.0 * 1024.0)
            ),
        )])
    };
    let unreadable = || {
        FieldErrors::from([(
            "file".to_string(),
            "The upload did not arrive whole. Choose the file and send the form again.".to_string(),
        )])
    };
    let Ok(parts) = parts else {
        return render(
            &web,
            &actor,
            String::new(),
            unreadable(),
            StatusCode::BAD_REQUEST,
        );
    };
    let form = match read_form(parts, limits.max_upload_bytes).await {
        Ok(f) => f,
        Err(Unread::TooBig) => {
            return render(
                &web,
                &actor,
                String::new(),
                too_big(),
                StatusCode::PAYLOAD_TOO_LARGE,
            );
        }
        Err(Unread::Broken) => {
            return render(
                &web,
                &actor,
                String::new(),
                unreadable(),
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let alt = form.alt_text.clone();
    let saved = match media::upload(&ctx.db, &ctx.storage, limits, &actor, &meta, &form).await {
        Ok(m) => m,
        Err(UploadError::Write(WriteError::Invalid(errors))) => {
            return render(
                &web,
                &actor,
                alt,
                field_errors(&errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(UploadError::Write(WriteError::Auth(e))) => return Err(e.into()),
        Err(UploadError::Storage(e)) => {
            tracing::error!(error = %e, "an upload could not be stored");
            let errors = FieldErrors::from([(
                "file".to_string(),
                "The file could not be stored just now; nothing was saved. Try again in a moment."
                    .to_string(),
            )]);
            return render(&web, &actor, alt, errors, StatusCode::SERVICE_UNAVAILABLE);
        }
        Err(UploadError::Write(e)) => return Err(write_failure(e)),
    };
    let queued = match Jobs::get(&ctx) {
        Ok(jobs) => queue_resize(&jobs.client, saved.id)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let message = match queued {
        Ok(()) => format!(
            "{} was uploaded ({} × {} pixels). Its resized copies are being made.",
            saved.file_name,
            saved.width.unwrap_or(0),
            saved.height.unwrap_or(0)
        ),
        Err(e) => {
            tracing::warn!(media = saved.id, error = %e, "could not queue the resize job");
            format!(
                "{} was uploaded, but its resized copies could not be queued ({e}); pages show the original until they are.",
                saved.file_name
            )
        }
    };
    // `Redirect::to` answers 303 See Other: the browser opens the new file's page.
    let mut res = Redirect::to(&format!("/admin/content/media/{}", saved.id)).into_response();
    flash_cookie::set(&mut res, Some(&message));
    Ok(res)
}

fn write_failure(e: WriteError) -> AppError {
    match e {
        WriteError::Db(e) => e.into(),
        WriteError::Auth(e) => e.into(),
        WriteError::NotFound => AppError::NotFound,
        other => AppError::Loco(loco_rs::Error::string(&other.to_string())),
    }
}

/// `POST /admin/media/{id}/resize`: queues the image's resized copies again (after a hand-over
/// to the job runtime failed, or the configured widths changed), for those who may change
/// it. The job makes only what is missing.
pub async fn resize(
    State(ctx): State<AppContext>,
    actor: Actor,
    axum::extract::Path(id): axum::extract::Path<i32>,
) -> AppResult<Response> {
    use sea_orm::EntityTrait;
    let m = media::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    actor.require_for(
        crate::auth::Capability::MEDIA_CHANGE,
        m.uploader_id.unwrap_or(0),
    )?;
    let message = if !m.is_stored_image() {
        "This record holds no image bytes: there is nothing to resize.".to_string()
    } else {
        match queue_resize(&Jobs::get(&ctx)?.client, id).await {
            Ok(()) => "The resized copies are being made.".to_string(),
            Err(e) => format!("The resize could not be queued ({e}); try again in a moment."),
        }
    };
    let mut res = Redirect::to(&format!("/admin/content/media/{id}")).into_response();
    flash_cookie::set(&mut res, Some(&message));
    Ok(res)
}

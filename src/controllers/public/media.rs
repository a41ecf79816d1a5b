//! `GET /media/{key}`: a stored image or one of its resized copies, by its key. Keys are
//! random and never reused, so a response may be cached for a year; an address that names
//! no stored file is a 404, whatever the storage says.
use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use loco_rs::app::AppContext;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    errors::{AppError, AppResult},
    models::media::{self, files, variants},
};

/// The content type stored for `key`, if it names an image or a resized copy.
async fn content_type(ctx: &AppContext, key: &str) -> AppResult<Option<String>> {
    if let Some(m) = media::Entity::find()
        .filter(media::Column::StorageKey.eq(key))
        .one(&ctx.db)
        .await?
    {
        return Ok(Some(m.content_type));
    }
    Ok(variants::Variants::find()
        .filter(variants::VariantColumn::StorageKey.eq(key))
        .one(&ctx.db)
        .await?
        .map(|v| v.content_type))
}

/// `GET /media/{*key}`.
pub async fn serve(State(ctx): State<AppContext>, Path(key): Path<String>) -> AppResult<Response> {
    if !files::is_our_key(&key) {
        return Err(AppError::NotFound);
    }
    let Some(content_type) = content_type(&ctx, &key).await? else {
        return Err(AppError::NotFound);
    };
    let bytes = match files::get(&ctx.storage, &key).await {
        Ok(b) => b,
        Err(e) => {
            // A record whose bytes are gone (or never came): the reader sees a missing image.
            tracing::warn!(key, error = %e, "a stored image could not be read");
            return Err(AppError::NotFound);
        }
    };
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

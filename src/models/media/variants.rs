//! Resized copies of an image, one per configured width (never wider than the original),
//! made by the resize job and kept as rows of `media_variants`. Making them twice changes
//! nothing: a width already made is skipped, and the keys are the same every time.
use std::{collections::HashMap, io::Cursor};

use bytes::Bytes;
use image::{DynamicImage, ImageReader, Limits, imageops::FilterType};
use loco_rs::storage::Storage;
use sea_orm::{
    ActiveModelBehavior, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use serde_json::json;

use super::{Entity as Media, Model, files, sniff::ImageKind, upload::UploadError};
pub use crate::models::_entities::media_variants::{
    ActiveModel as VariantActive, Column as VariantColumn, Entity as Variants, Model as Variant,
};
use crate::models::{WriteError, audit};

impl ActiveModelBehavior for VariantActive {}

/// One resized copy, encoded and ready to store.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub width: u32,
    pub height: u32,
    pub content_type: &'static str,
    pub ext: &'static str,
    pub bytes: Vec<u8>,
}

/// Why an image could not be resized.
#[derive(Debug, thiserror::Error)]
pub enum ResizeError {
    #[error("not an image the library resizes")]
    NotAnImage,
    #[error(transparent)]
    Image(#[from] image::ImageError),
}

/// Decodes `bytes` (of `kind`) within `max_pixels`.
///
/// # Errors
/// The bytes do not decode, or the picture is larger than allowed.
pub fn decode(kind: ImageKind, bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, ResizeError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    let mut limits = Limits::default();
    // Room for the decoded picture (4 bytes a pixel) and the decoder's own buffers.
    limits.max_alloc = Some(max_pixels.saturating_mul(8));
    reader.limits(limits);
    Ok(reader.decode()?)
}

/// The widths of `widths` below `original` (never upscaled), sorted, without repeats.
#[must_use]
pub fn widths_for(original: u32, widths: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = widths.iter().copied().filter(|w| *w < original).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `img` at `width` pixels wide: JPEG for an opaque picture, lossless WebP where some pixel
/// is transparent (JPEG has no transparency).
///
/// # Errors
/// The encoder fails.
pub fn render(img: &DynamicImage, width: u32) -> Result<Rendered, ResizeError> {
    let height = ((u64::from(img.height()) * u64::from(width) + u64::from(img.width()) / 2)
        / u64::from(img.width().max(1)))
    .max(1);
    let height = u32::try_from(height).unwrap_or(u32::MAX);
    let small = img.resize_exact(width, height, FilterType::CatmullRom);
    let rgba = small.to_rgba8();
    let transparent = rgba.pixels().any(|p| p[3] < 255);
    let mut out = Vec::new();
    if transparent {
        image::codecs::webp::WebPEncoder::new_lossless(&mut out).encode(
            rgba.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgba8,
        )?;
        Ok(Rendered {
            width,
            height,
            content_type: "image/webp",
            ext: "webp",
            bytes: out,
        })
    } else {
        let rgb = DynamicImage::ImageRgba8(rgba).to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82).encode_image(&rgb)?;
        Ok(Rendered {
            width,
            height,
            content_type: "image/jpeg",
            ext: "jpg",
            bytes: out,
        })
    }
}

/// The variants of image `id`, narrowest first.
///
/// # Errors
/// The database fails.
pub async fn of<C: ConnectionTrait>(db: &C, id: i32) -> Result<Vec<Variant>, DbErr> {
    Variants::find()
        .filter(VariantColumn::MediaId.eq(id))
        .order_by_asc(VariantColumn::Width)
        .all(db)
        .await
}

/// Makes the missing variants of image `id` for `widths` and records them, with one
/// `media.variants` audit entry when any were made. Run by the resize job; running it again
/// makes nothing new.
///
/// # Errors
/// [`WriteError::NotFound`], a record that is not a stored image, a file that does not
/// decode, the storage, or the database.
pub async fn make<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    storage: &Storage,
    widths: &[u32],
    max_pixels: u64,
    id: i32,
) -> Result<Vec<Variant>, UploadError> {
    let media = Media::find_by_id(id)
        .one(db)
        .await?
        .ok_or(WriteError::NotFound)?;
    let kind = ImageKind::from_content_type(&media.content_type).ok_or_else(|| {
        WriteError::field(
            "file",
            "Only JPEG, PNG, WebP and GIF images have resized copies.",
        )
    })?;
    let have: Vec<u32> = of(db, id)
        .await?
        .iter()
        .filter_map(|v| u32::try_from(v.width).ok())
        .collect();
    let original = u32::try_from(media.width.unwrap_or(0)).unwrap_or(0);
    let missing: Vec<u32> = widths_for(original, widths)
        .into_iter()
        .filter(|w| !have.contains(w))
        .collect();
    if missing.is_empty() {
        return Ok(of(db, id).await?);
    }
    let bytes = files::get(storage, &media.storage_key).await?;
    let rendered = tokio::task::spawn_blocking(move || -> Result<Vec<Rendered>, ResizeError> {
        let img = decode(kind, &bytes, max_pixels)?;
        missing.iter().map(|w| render(&img, *w)).collect()
    })
    .await
    .map_err(|e| DbErr::Custom(format!("the resize task stopped: {e}")))?
    .map_err(|e| WriteError::field("file", format!("The image could not be resized: {e}.")))?;
    let mut stored = Vec::new();
    for r in &rendered {
        let key = files::variant_key(&media.storage_key, r.width, r.ext);
        files::put(storage, &key, &Bytes::from(r.bytes.clone())).await?;
        stored.push((key, r));
    }
    record(db, &media, &stored).await?;
    Ok(of(db, id).await?)
}

async fn record<C: TransactionTrait>(
    db: &C,
    media: &Model,
    stored: &[(String, &Rendered)],
) -> Result<(), WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let now = crate::models::now();
    for (key, r) in stored {
        let row = VariantActive {
            media_id: Set(media.id),
            width: Set(i32::try_from(r.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(r.height).unwrap_or(i32::MAX)),
            content_type: Set(r.content_type.to_string()),
            size_bytes: Set(i64::try_from(r.bytes.len()).unwrap_or(i64::MAX)),
            storage_key: Set(key.clone()),
            created_at: Set(now),
            ..Default::default()
        };
        // A run racing this one may have recorded the width first: theirs stands.
        Variants::insert(row)
            .on_conflict(
                OnConflict::columns([VariantColumn::MediaId, VariantColumn::Width])
                    .do_nothing()
                    .to_owned(),
            )
            .try_insert()
            .exec(&txn)
            .await?;
    }
    let widths: Vec<u32> = stored.iter().map(|(_, r)| r.width).collect();
    audit::record(
        &txn,
        &crate::actor::RequestMeta::system("image resizing"),
        audit::media_variants_made(
            audit::Who::system("image resizing"),
            media.id,
            json!({"variants": null}),
            json!({"variants": widths}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// An image with its variants, as pages show it.
#[derive(Debug, Clone)]
pub struct Image {
    pub media: Model,
    pub variants: Vec<Variant>,
}

/// The images among `ids` (those whose record is an image with its bytes), with their
/// variants, in two queries.
///
/// # Errors
/// The database fails.
pub async fn images<C: ConnectionTrait>(db: &C, ids: &[i32]) -> Result<HashMap<i32, Image>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = Media::find()
        .filter(super::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    let mut variants: HashMap<i32, Vec<Variant>> = HashMap::new();
    for v in Variants::find()
        .filter(VariantColumn::MediaId.is_in(ids.to_vec()))
        .order_by_asc(VariantColumn::Width)
        .all(db)
        .await?
    {
        variants.entry(v.media_id).or_default().push(v);
    }
    Ok(rows
        .into_iter()
        .filter(|m| m.is_stored_image())
        .map(|m| {
            let v = variants.remove(&m.id).unwrap_or_default();
            (
                m.id,
                Image {
                    media: m,
                    variants: v,
                },
            )
        })
        .collect())
}

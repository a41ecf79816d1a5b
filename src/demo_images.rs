//! The demo's images: drawn at seed time (colour fields and simple shapes, no text), so no
//! picture is committed, then uploaded and resized through the media library's own
//! functions as the editor, and featured on several published posts, so the cards, the post
//! pages, link previews and feeds all have one to show.
use std::io::Cursor;

use bytes::Bytes;
use image::{ImageBuffer, ImageFormat, Rgb, RgbImage};
use loco_rs::app::AppContext;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    actor::{Actor, RequestMeta, Via},
    models::{
        media::{self, UploadForm, variants},
        posts, users,
    },
    settings::Settings,
};

/// One picture: its name, alt text, the post that features it, and how it is drawn.
struct Picture {
    file_name: &'static str,
    alt: &'static str,
    post_slug: &'static str,
    top: [u8; 3],
    bottom: [u8; 3],
    /// Discs: centre (as fractions of the size), radius (fraction of the height), colour.
    discs: &'static [(f32, f32, f32, [u8; 3])],
    format: ImageFormat,
}

const PICTURES: &[Picture] = &[
    Picture {
        file_name: "harbour-dawn.jpg",
        alt: "An orange sun low over a dark blue harbour, drawn as simple shapes.",
        post_slug: "the-night-bakers-of-harbour-street",
        top: [250, 170, 90],
        bottom: [20, 40, 90],
        discs: &[(0.7, 0.55, 0.18, [255, 220, 120])],
        format: ImageFormat::Jpeg,
    },
    Picture {
        file_name: "tide-lines.jpg",
        alt: "Teal and sand-coloured bands like water over a beach, with two round stones.",
        post_slug: "what-the-tide-gauges-are-telling-us",
        top: [30, 120, 130],
        bottom: [220, 200, 150],
        discs: &[
            (0.25, 0.8, 0.08, [90, 90, 95]),
            (0.4, 0.85, 0.05, [60, 60, 70]),
        ],
        format: ImageFormat::Jpeg,
    },
    Picture {
        file_name: "semicolon-dots.png",
        alt: "Two black dots stacked on a pale yellow page, like the top of a semicolon.",
        post_slug: "a-field-guide-to-the-semicolon",
        top: [250, 245, 215],
        bottom: [240, 230, 190],
        discs: &[
            (0.5, 0.35, 0.09, [25, 25, 25]),
            (0.5, 0.65, 0.09, [25, 25, 25]),
        ],
        format: ImageFormat::Png,
    },
    Picture {
        file_name: "tram-lights.jpg",
        alt: "Three round lights, red, amber and green, against a grey evening sky.",
        post_slug: "why-our-trams-keep-coming-back",
        top: [110, 115, 130],
        bottom: [45, 45, 60],
        discs: &[
            (0.3, 0.5, 0.12, [210, 50, 40]),
            (0.5, 0.5, 0.12, [235, 170, 40]),
            (0.7, 0.5, 0.12, [60, 170, 80]),
        ],
        format: ImageFormat::Jpeg,
    },
];

fn mix(a: u8, b: u8, t: f32) -> u8 {
    (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8
}

/// Draws `p` at `w` × `h` and encodes it.
///
/// # Errors
/// The encoder fails.
fn draw(p: &Picture, w: u32, h: u32) -> image::ImageResult<Vec<u8>> {
    let img: RgbImage = ImageBuffer::from_fn(w, h, |x, y| {
        let t = y as f32 / h as f32;
        let mut px = [
            mix(p.top[0], p.bottom[0], t),
            mix(p.top[1], p.bottom[1], t),
            mix(p.top[2], p.bottom[2], t),
        ];
        for (cx, cy, r, colour) in p.discs {
            let dx = x as f32 - cx * w as f32;
            let dy = y as f32 - cy * h as f32;
            if dx * dx + dy * dy <= (r * h as f32).powi(2) {
                px = *colour;
            }
        }
        Rgb(px)
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, p.format)?;
    Ok(out.into_inner())
}

/// Draws, uploads and resizes the demo's pictures that are missing, and features each on
/// its post when that post has no featured image. Returns how many were uploaded.
///
/// # Errors
/// The editor is missing, drawing fails, or the media library refuses.
pub async fn seed(ctx: &AppContext) -> loco_rs::Result<usize> {
    let settings = Settings::get(ctx)?;
    let Some(editor) = users::Model::find_by_email(&ctx.db, "editor@example.com").await? else {
        return Ok(0);
    };
    let by = Actor {
        user: editor,
        via: Via::Token {
            token_id: 0,
            write: true,
        },
    };
    let meta = RequestMeta::system("demo seed");
    let mut made = 0;
    for p in PICTURES {
        let exists = media::Entity::find()
            .filter(media::Column::FileName.eq(p.file_name))
            .one(&ctx.db)
            .await?
            .filter(media::Model::is_stored_image);
        let image = match exists {
            Some(m) => m,
            None => {
                let bytes = draw(p, 1600, 900).map_err(loco_rs::Error::wrap)?;
                let form = UploadForm {
                    file_name: p.file_name.into(),
                    bytes: Bytes::from(bytes),
                    alt_text: p.alt.into(),
                };
                made += 1;
                media::upload(&ctx.db, &ctx.storage, &settings.media, &by, &meta, &form)
                    .await
                    .map_err(loco_rs::Error::wrap)?
            }
        };
        variants::make(
            &ctx.db,
            &ctx.storage,
            &settings.media.variant_widths,
            settings.media.max_pixels,
            image.id,
        )
        .await
        .map_err(loco_rs::Error::wrap)?;
        if let Some(post) = posts::Entity::find()
            .filter(posts::Column::Slug.eq(p.post_slug))
            .filter(posts::Column::FeaturedMediaId.is_null())
            .one(&ctx.db)
            .await?
        {
            // A loader, like the rest of the demo: the column is set directly.
            let mut row: posts::ActiveModel = post.into();
            row.featured_media_id = Set(Some(image.id));
            row.update(&ctx.db).await?;
        }
    }
    Ok(made)
}

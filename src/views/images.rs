//! Images as pages print them: `src`, `srcset` and `sizes` from an image's resized copies,
//! its dimensions (so the layout does not shift while it loads) and its text alternative;
//! and the one rendition feeds and link previews use.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::models::media::{
    self,
    variants::{self, Image},
};

/// The widest copy link previews and feeds point at.
const PREVIEW_MAX: i32 = 1280;

/// One stored file of an image.
#[derive(Debug, Clone, Serialize)]
pub struct Rendition {
    /// The site path (`/media/images/…`).
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub content_type: String,
    pub size_bytes: i64,
}

/// An image ready for an `<img>` element.
#[derive(Debug, Clone, Serialize)]
pub struct ImageView {
    pub src: String,
    /// Every width there is, the original included: `… 320w, … 640w`.
    pub srcset: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
    /// For link previews and feeds: the widest copy up to 1280 pixels, else the original.
    pub preview: Rendition,
}

impl ImageView {
    /// The view of `image`; `None` when the record has no dimensions.
    #[must_use]
    pub fn of(image: &Image) -> Option<Self> {
        let m = &image.media;
        let (Some(width), Some(height)) = (m.width, m.height) else {
            return None;
        };
        let original = Rendition {
            url: m.url(),
            width,
            height,
            content_type: m.content_type.clone(),
            size_bytes: m.size_bytes,
        };
        let copies: Vec<Rendition> = image
            .variants
            .iter()
            .map(|v| Rendition {
                url: format!("/media/{}", v.storage_key),
                width: v.width,
                height: v.height,
                content_type: v.content_type.clone(),
                size_bytes: v.size_bytes,
            })
            .collect();
        let srcset = copies
            .iter()
            .chain(std::iter::once(&original))
            .map(|r| format!("{} {}w", r.url, r.width))
            .collect::<Vec<_>>()
            .join(", ");
        // The page's `src`: a middle-sized copy where there is one, for browsers without
        // `srcset`.
        let src = copies
            .iter()
            .rev()
            .find(|r| r.width <= 640)
            .map_or_else(|| original.url.clone(), |r| r.url.clone());
        let preview = if width <= PREVIEW_MAX {
            original.clone()
        } else {
            copies
                .iter()
                .rev()
                .find(|r| r.width <= PREVIEW_MAX)
                .cloned()
                .unwrap_or_else(|| original.clone())
        };
        Some(Self {
            src,
            srcset,
            width,
            height,
            alt: m.alt_text.clone(),
            preview,
        })
    }
}

/// The `src` of an image the body shows from the library: `/media/images/…` up to its quote.
const BODY_SRC: &str = "<img src=\"/media/";

/// The library keys of the images a post's (sanitized) body shows.
fn body_keys(html: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(BODY_SRC) {
        rest = &rest[i + BODY_SRC.len()..];
        if let Some(end) = rest.find('"') {
            let key = &rest[..end];
            if crate::models::media::files::is_our_key(key) && !keys.iter().any(|k| k == key) {
                keys.push(key.to_string());
            }
        }
    }
    keys
}

/// `html` with each library image the body shows given its `srcset`, `sizes`, `width` and
/// `height` (so the page does not shift while it loads) and lazy loading. Only the sanitizer's
/// own `<img src="/media/…"` is touched, and only values this site made are added.
#[must_use]
pub fn enrich_body(html: &str, images: &HashMap<String, ImageView>) -> String {
    if images.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + images.len() * 300);
    let mut rest = html;
    while let Some(i) = rest.find(BODY_SRC) {
        out.push_str(&rest[..i]);
        rest = &rest[i + BODY_SRC.len()..];
        out.push_str(BODY_SRC);
        // The sanitizer always closes the attribute; anything else is left as it is.
        let Some(end) = rest.find('"') else {
            break;
        };
        let key = &rest[..end];
        out.push_str(key);
        out.push('"');
        rest = &rest[end + 1..];
        if let Some(view) = images.get(key) {
            out.push_str(&format!(
                " srcset=\"{}\" sizes=\"(min-width: 45rem) 42rem, 100vw\" width=\"{}\" height=\"{}\" loading=\"lazy\" decoding=\"async\"",
                view.srcset.replace('"', "&quot;"),
                view.width,
                view.height
            ));
        }
    }
    out.push_str(rest);
    out
}

/// The images a post's body shows from the library, by key, in three queries.
///
/// # Errors
/// The database fails.
pub async fn body_images<C: ConnectionTrait>(
    db: &C,
    html: &str,
) -> Result<HashMap<String, ImageView>, DbErr> {
    let keys = body_keys(html);
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i32> = media::Entity::find()
        .filter(media::Column::StorageKey.is_in(keys))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    Ok(variants::images(db, &ids)
        .await?
        .values()
        .filter_map(|i| ImageView::of(i).map(|v| (i.media.storage_key.clone(), v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_images_get_their_sizes() {
        let key = "images/0123456789abcdef0123456789abcdef.png";
        let html = format!(
            "<p>a</p>\n<p><img src=\"/media/{key}\" alt=\"x\"></p><p><img src=\"https://e.x/y.png\" alt=\"\"></p>"
        );
        assert_eq!(body_keys(&html), vec![key.to_string()]);
        let view = ImageView {
            src: format!("/media/{key}"),
            srcset: format!("/media/{key} 800w"),
            width: 800,
            height: 400,
            alt: "x".into(),
            preview: Rendition {
                url: format!("/media/{key}"),
                width: 800,
                height: 400,
                content_type: "image/png".into(),
                size_bytes: 1,
            },
        };
        let out = enrich_body(&html, &HashMap::from([(key.to_string(), view)]));
        assert!(out.contains(&format!(
            "<img src=\"/media/{key}\" srcset=\"/media/{key} 800w\" sizes=\"(min-width: 45rem) 42rem, 100vw\" width=\"800\" height=\"400\" loading=\"lazy\" decoding=\"async\" alt=\"x\">"
        )), "{out}");
        assert!(
            out.contains("<img src=\"https://e.x/y.png\" alt=\"\">"),
            "{out}"
        );
        assert_eq!(enrich_body(&html, &HashMap::new()), html);
    }
}

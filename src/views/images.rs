//! Images as pages print them: `src`, `srcset` and `sizes` from an image's resized copies,
//! its dimensions (so the layout does not shift while it loads) and its text alternative;
//! and the one rendition feeds and link previews use.
use serde::Serialize;

use crate::models::media::variants::Image;

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

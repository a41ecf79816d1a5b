//! What an uploaded file is, read from its first bytes (its "magic number"), never from its
//! name or the browser's word; and its size in pixels, read from the header alone.
use std::io::Cursor;

use image::{ImageFormat, ImageReader};

/// The image formats the media library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl ImageKind {
    /// The kind the bytes say they are, if any of ours.
    #[must_use]
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(Self::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Self::Png),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Self::Gif),
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'E',
                b'B',
                b'P',
                ..,
            ] => Some(Self::Webp),
            _ => None,
        }
    }

    /// The kind of a stored content type.
    #[must_use]
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        [Self::Jpeg, Self::Png, Self::Webp, Self::Gif]
            .into_iter()
            .find(|k| k.content_type() == content_type)
    }

    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    /// The file extension stored keys end with.
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    #[must_use]
    pub const fn format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Webp => ImageFormat::WebP,
            Self::Gif => ImageFormat::Gif,
        }
    }

    /// Width and height from the file's header, without decoding the picture.
    ///
    /// # Errors
    /// The header is not a valid one of this kind.
    pub fn dimensions(self, bytes: &[u8]) -> image::ImageResult<(u32, u32)> {
        ImageReader::with_format(Cursor::new(bytes), self.format()).into_dimensions()
    }
}

/// Whether the bytes look like SVG (or other XML): refused with a message of its own, since
/// an SVG can carry scripts.
#[must_use]
pub fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<?xml") || head.contains("<svg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_bytes() {
        assert_eq!(
            ImageKind::sniff(b"\xFF\xD8\xFF\xE0rest"),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageKind::Png)
        );
        assert_eq!(ImageKind::sniff(b"GIF89a..."), Some(ImageKind::Gif));
        assert_eq!(
            ImageKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(ImageKind::sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(ImageKind::sniff(b"<html><body>"), None);
        assert_eq!(ImageKind::sniff(b""), None);
        assert!(looks_like_svg(b"  <?xml version=\"1.0\"?><svg/>"));
        assert!(looks_like_svg(
            b"<svg xmlns=\"http://www.w3.org/2000/svg\">"
        ));
        assert!(!looks_like_svg(b"<html>"));
    }
}

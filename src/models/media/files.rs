//! Where the bytes live: keys in Loco's storage, and the few operations on them. A key is
//! random (`images/3f…a9.png`), never the uploader's file name, so it cannot climb out of
//! the storage folder, collide, or say anything about the file.
use std::path::Path;

use bytes::Bytes;
use loco_rs::storage::{Storage, StorageError};

use super::sniff::ImageKind;

/// A fresh key for an original of `kind`.
///
/// # Errors
/// The system has no randomness to give.
pub fn new_key(kind: ImageKind) -> Result<String, getrandom::Error> {
    let mut raw = [0_u8; 16];
    getrandom::fill(&mut raw)?;
    Ok(format!("images/{}.{}", hex::encode(raw), kind.extension()))
}

/// The key of the `width`-pixel copy of the original at `key`: the same every time, so a
/// second run of the resize job writes the same files.
#[must_use]
pub fn variant_key(key: &str, width: u32, ext: &str) -> String {
    let stem = key.rsplit_once('.').map_or(key, |(stem, _)| stem);
    format!("{stem}-{width}.{ext}")
}

/// Whether `key` is one this library makes (`images/<32 hex>[-<width>].<ext>`): anything
/// else is never looked up, so no address reaches outside the stored images.
#[must_use]
pub fn is_our_key(key: &str) -> bool {
    let Some(rest) = key.strip_prefix("images/") else {
        return false;
    };
    let Some((stem, ext)) = rest.split_once('.') else {
        return false;
    };
    let (hex, width) = stem.split_once('-').unwrap_or((stem, ""));
    hex.len() == 32
        && hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && width.bytes().all(|b| b.is_ascii_digit())
        && width.len() <= 5
        && matches!(ext, "jpg" | "png" | "webp" | "gif")
}

/// Stores `bytes` at `key`.
///
/// # Errors
/// The storage refuses the write.
pub async fn put(storage: &Storage, key: &str, bytes: &Bytes) -> Result<(), StorageError> {
    storage.upload(Path::new(key), bytes).await
}

/// The bytes at `key`.
///
/// # Errors
/// Nothing is stored there, or the storage fails.
pub async fn get(storage: &Storage, key: &str) -> Result<Vec<u8>, StorageError> {
    storage.download::<Vec<u8>>(Path::new(key)).await
}

/// Removes the files at `keys`; a failure is logged, not returned (the record is gone
/// already, and a stray file is harmless).
pub async fn remove(storage: &Storage, keys: &[String]) {
    for key in keys {
        if let Err(e) = storage.delete(Path::new(key)).await {
            tracing::warn!(key, error = %e, "a stored file could not be removed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ours_and_nothing_else() {
        let key = new_key(ImageKind::Png).unwrap();
        assert!(is_our_key(&key), "{key}");
        let v = variant_key(&key, 640, "jpg");
        assert!(v.ends_with("-640.jpg") && is_our_key(&v), "{v}");
        for bad in [
            "images/../config.yaml",
            "../images/0123456789abcdef0123456789abcdef.png",
            "images/0123456789abcdef0123456789abcdef.svg",
            "images/0123456789ABCDEF0123456789ABCDEF.png",
            "images/0123456789abcdef0123456789abcdef.png/..",
            "uploads/x.png",
            "",
        ] {
            assert!(!is_our_key(bad), "{bad}");
        }
    }
}

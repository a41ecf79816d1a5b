//! Static files with content-hashed names: `css/site.css` is served as
//! `css/site.1a2b3c4d.css` with a one-year immutable cache, so a deploy changes the URL and
//! no reader ever gets a stale stylesheet.
use std::{collections::HashMap, path::Path, sync::Arc};

use axum::{
    body::Body,
    extract::{Extension, Path as UrlPath},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

/// Where static files are mounted.
pub const PREFIX: &str = "/static";

pub struct StaticFile {
    pub bytes: axum::body::Bytes,
    pub content_type: &'static str,
    pub etag: String,
}

#[derive(Default)]
pub struct StaticAssets {
    /// Logical path (`css/site.css`) to fingerprinted path (`css/site.1a2b3c4d.css`).
    names: HashMap<String, String>,
    /// Fingerprinted path to file.
    hashed: HashMap<String, Arc<StaticFile>>,
    /// Logical path to file, for links that predate fingerprinting (short cache).
    plain: HashMap<String, Arc<StaticFile>>,
}

impl StaticAssets {
    /// Reads every file below `dir` into memory (static assets are small).
    ///
    /// # Errors
    /// When the folder cannot be read.
    pub fn load(dir: &Path) -> std::io::Result<Self> {
        let mut assets = Self::default();
        if dir.exists() {
            assets.walk(dir, dir)?;
        }
        Ok(assets)
    }

    fn walk(&mut self, root: &Path, dir: &Path) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                self.walk(root, &path)?;
                continue;
            }
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            let logical = rel.to_string_lossy().replace('\\', "/");
            let bytes = std::fs::read(&path)?;
            let digest = hex::encode(Sha256::digest(&bytes));
            let fingerprint = &digest[..10];
            let hashed = match logical.rsplit_once('.') {
                Some((stem, ext)) if !stem.ends_with('/') => format!("{stem}.{fingerprint}.{ext}"),
                _ => format!("{logical}.{fingerprint}"),
            };
            let file = Arc::new(StaticFile {
                bytes: bytes.into(),
                content_type: content_type(&logical),
                etag: format!("\"{fingerprint}\""),
            });
            self.names.insert(logical.clone(), hashed.clone());
            self.hashed.insert(hashed, file.clone());
            self.plain.insert(logical, file);
        }
        Ok(())
    }

    /// The URL to link to for `logical`; an unknown file links to its plain path (and 404s).
    #[must_use]
    pub fn url(&self, logical: &str) -> String {
        let name = self.names.get(logical).map_or(logical, String::as_str);
        format!("{PREFIX}/{name}")
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        _ => "application/octet-stream",
    }
}

/// `GET /static/{*path}`.
pub async fn serve(
    Extension(assets): Extension<Arc<StaticAssets>>,
    UrlPath(path): UrlPath<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let (file, cache) = if let Some(f) = assets.hashed.get(&path) {
        (f, "public, max-age=31536000, immutable")
    } else if let Some(f) = assets.plain.get(&path) {
        (f, "public, max-age=300")
    } else {
        return crate::errors::AppError::NotFound.into_response();
    };
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(file.etag.as_str())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(file.bytes.clone()));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        r
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&file.etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

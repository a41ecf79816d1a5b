//! A short-lived in-process cache of rendered public pages ("micro-caching"): under load, a
//! page is rendered at most once per `ttl` per process instead of once per request. Only
//! GET responses marked `public` and carrying no cookie are kept, and any successful write
//! handled by this process empties the cache at once; other processes see changes within
//! `ttl`. A `ttl` of zero turns it off (the test suite does).
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::Response,
};
use http_body_util::BodyExt;

/// Responses larger than this are not kept.
const MAX_BODY: usize = 512 * 1024;

struct Entry {
    at: Instant,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

pub struct PageCache {
    ttl: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<String, Arc<Entry>>>,
}

impl PageCache {
    #[must_use]
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries,
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let map = self.entries.read().ok()?;
        map.get(key).filter(|e| e.at.elapsed() < self.ttl).cloned()
    }

    fn put(&self, key: String, entry: Entry) {
        if let Ok(mut map) = self.entries.write() {
            if map.len() >= self.max_entries {
                let ttl = self.ttl;
                map.retain(|_, e| e.at.elapsed() < ttl);
                if map.len() >= self.max_entries {
                    map.clear();
                }
            }
            map.insert(key, Arc::new(entry));
        }
    }

    /// Forgets everything: called after any successful write.
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.write() {
            map.clear();
        }
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }
}

fn cacheable_request(req: &Request) -> bool {
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !req.headers().contains_key(header::COOKIE)
        && !req.headers().contains_key(header::AUTHORIZATION)
}

fn cacheable_response(res: &Response) -> bool {
    res.status() == StatusCode::OK
        && !res.headers().contains_key(header::SET_COOKIE)
        && res
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("public"))
}

fn key(req: &Request) -> String {
    let encoding = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    format!("{} {}", req.uri(), encoding)
}

fn replay(entry: &Entry, head_only: bool) -> Response {
    let body = if head_only {
        Body::empty()
    } else {
        Body::from(entry.body.clone())
    };
    let mut res = Response::new(body);
    *res.status_mut() = entry.status;
    *res.headers_mut() = entry.headers.clone();
    res
}

/// The cache layer.
pub async fn page_cache(State(cache): State<Arc<PageCache>>, req: Request, next: Next) -> Response {
    if !cache.enabled() {
        return next.run(req).await;
    }
    if !cacheable_request(&req) {
        let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let res = next.run(req).await;
        if write && (res.status().is_success() || res.status().is_redirection()) {
            cache.clear();
        }
        return res;
    }
    let head_only = req.method() == Method::HEAD;
    let key = key(&req);
    if let Some(entry) = cache.get(&key) {
        return replay(&entry, head_only);
    }
    let res = next.run(req).await;
    if head_only || !cacheable_response(&res) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(collected) = body.collect().await else {
        return Response::from_parts(parts, Body::empty());
    };
    let bytes = collected.to_bytes();
    let mut headers = parts.headers.clone();
    headers.remove("x-request-id");
    if bytes.len() <= MAX_BODY {
        cache.put(
            key,
            Entry {
                at: Instant::now(),
                status: parts.status,
                headers,
                body: bytes.clone(),
            },
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

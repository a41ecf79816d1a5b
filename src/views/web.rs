//! The rendering context shared by every page: templates, static files and settings, plus
//! the response helpers that give pages their cache headers and friendly error pages.
use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Extension, Request},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use loco_rs::controller::views::{ViewRenderer, engines::TeraView};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::assets::StaticAssets;
use crate::{
    actor::Actor,
    auth::{AuthError, Capability},
    errors::{AppError, AppResult, ErrorKind, ErrorPage, JsonError},
    settings::Settings,
    views::admin::AdminChrome,
    web::csrf::OriginRefused,
};

/// Everything a page needs besides the database.
pub struct Web {
    pub view: TeraView,
    pub assets: Arc<StaticAssets>,
    pub settings: Arc<Settings>,
}

/// How long browsers and shared caches may keep a response.
#[derive(Debug, Clone, Copy)]
pub enum CachePolicy {
    /// A public page: `max-age` from settings, revalidated by ETag after that.
    Page,
    /// Feeds and the sitemap.
    Feed,
    /// Never stored (form errors, personal pages).
    NoStore,
}

/// The site-wide values every template sees as `site`.
#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    tagline: &'a str,
    base_url: &'a str,
    language: &'a str,
    year: i32,
    /// Whether the public moderation log (`/moderation`) is on, for the footer's link.
    transparency: bool,
}

impl Web {
    /// Builds the template engine (with the `asset_url` function) and loads static files.
    ///
    /// # Errors
    /// When a template does not parse or the static folder cannot be read.
    pub fn build(settings: Arc<Settings>) -> loco_rs::Result<Self> {
        let assets = Arc::new(StaticAssets::load(std::path::Path::new("assets/static"))?);
        let for_tera = assets.clone();
        let view = TeraView::build_with_post_process(move |tera| {
            let a = for_tera.clone();
            tera.register_function("asset_url", move |kwargs: tera::Kwargs, _: &tera::State| {
                let path: String = kwargs.must_get("path")?;
                Ok::<_, tera::Error>(tera::Value::from(a.url(&path)))
            });
            // The admin engine's templates extend the admin layout, so Tera needs the layout
            // first; the folder load that follows adds it again, unchanged.
            let layout = std::fs::read_to_string("assets/views/admin/layout.html")?;
            tera.add_raw_template("admin/layout.html", &layout)
                .map_err(loco_rs::Error::wrap)?;
            tera.add_raw_templates(copydesk_admin::TEMPLATES.iter().copied())
                .map_err(loco_rs::Error::wrap)?;
            Ok(())
        })?;
        Ok(Self {
            view,
            assets,
            settings,
        })
    }

    fn site(&self) -> SiteView<'_> {
        let s = &self.settings.site;
        SiteView {
            title: &s.title,
            tagline: &s.tagline,
            base_url: s.base(),
            language: &s.language,
            year: chrono::Datelike::year(&chrono::Utc::now()),
            transparency: self.settings.moderation.transparency,
        }
    }

    /// The absolute URL of a site path, for canonical links, feeds and the sitemap.
    #[must_use]
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.settings.site.base(), path)
    }

    /// Renders `template` with `data` under `page`, and `site` beside it.
    ///
    /// # Errors
    /// When the template fails to render.
    pub fn render<S: Serialize>(&self, template: &str, data: &S) -> AppResult<String> {
        #[derive(Serialize)]
        struct Ctx<'a, S> {
            site: SiteView<'a>,
            page: &'a S,
        }
        Ok(self.view.render(
            template,
            Ctx {
                site: self.site(),
                page: data,
            },
        )?)
    }

    /// Renders an HTML page and wraps it with its status and cache headers.
    ///
    /// # Errors
    /// When the template fails to render.
    pub fn page<S: Serialize>(
        &self,
        status: StatusCode,
        template: &str,
        data: &S,
        cache: CachePolicy,
    ) -> AppResult<Response> {
        let body = self.render(template, data)?;
        Ok(self.respond(status, "text/html; charset=utf-8", body, cache))
    }

    /// Wraps a rendered body with its content type, cache headers and a strong ETag.
    #[must_use]
    pub fn respond(
        &self,
        status: StatusCode,
        content_type: &'static str,
        body: String,
        cache: CachePolicy,
    ) -> Response {
        let cache_control = match cache {
            CachePolicy::Page => format!("public, max-age={}", self.settings.cache.page_max_age),
            CachePolicy::Feed => format!("public, max-age={}", self.settings.cache.feed_max_age),
            CachePolicy::NoStore => "no-store".to_string(),
        };
        let etag =
            (status == StatusCode::OK && !matches!(cache, CachePolicy::NoStore)).then(|| {
                format!(
                    "\"{}\"",
                    &hex::encode(Sha256::digest(body.as_bytes()))[..20]
                )
            });
        let mut res = Response::new(Body::from(body));
        *res.status_mut() = status;
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Ok(v) = HeaderValue::from_str(&cache_control) {
            h.insert(header::CACHE_CONTROL, v);
        }
        if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
            h.insert(header::ETAG, etag);
        }
        res
    }
}

/// Answers `304 Not Modified` when the client already holds the response's ETag
/// (`If-None-Match` may list several, weak or strong).
pub async fn not_modified(req: Request, next: Next) -> Response {
    let conditional = matches!(*req.method(), Method::GET | Method::HEAD);
    let inm = req.headers().get(header::IF_NONE_MATCH).cloned();
    let res = next.run(req).await;
    let (Some(inm), true) = (inm, conditional) else {
        return res;
    };
    if res.status() != StatusCode::OK {
        return res;
    }
    let Some(etag) = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
    else {
        return res;
    };
    let etag = etag.trim_start_matches("W/");
    let matched = inm
        .to_str()
        .unwrap_or_default()
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag);
    if !matched {
        return res;
    }
    let mut out = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(v) = res.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// Replaces the body of error responses with the site's own page: 404, 403 (with what to
/// do about a refused form), 500; sends the signed-out to the right sign-in page; answers
/// JSON with a stable error code under `/api` (framework rejections included); and shows
/// staff their errors inside the admin layout.
pub async fn error_pages(
    Extension(web): Extension<Arc<Web>>,
    req: Request,
    next: Next,
) -> Response {
    let wants_html = accepts_html(req.headers());
    let path = req.uri().path().to_string();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_string());
    let is_get = req.method() == Method::GET;
    let api = path == "/api" || path.starts_with("/api/");
    let res = next.run(req).await;
    let refused_origin = res.extensions().get::<OriginRefused>().cloned();
    let (status, kind) = match res.extensions().get::<ErrorPage>() {
        Some(ErrorPage(status, kind)) => (*status, kind.clone()),
        // A rejection by the framework under /api (a bad query, a wrong method): JSON too.
        None if api && res.status().as_u16() >= 400 && !is_json(res.headers()) => {
            (res.status(), ErrorKind::Status)
        }
        // A panic caught further in, or a framework error: still show a page, not JSON.
        None if res.status().is_server_error() && wants_html && !is_html(res.headers()) => {
            (res.status(), ErrorKind::Internal)
        }
        None => return res,
    };
    if api {
        return JsonError::of_kind(status, &kind).into_response();
    }
    if kind == ErrorKind::Unauthenticated {
        let login = if path.starts_with("/admin") {
            "/admin/login"
        } else {
            "/login"
        };
        let next = if is_get {
            format!("?next={}", crate::views::forms::urlencode(&target))
        } else {
            String::new()
        };
        let mut res = axum::response::Redirect::to(&format!("{login}{next}")).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return res;
    }
    let staff = res
        .extensions()
        .get::<Actor>()
        .filter(|a| path.starts_with("/admin") && a.grant(Capability::ADMIN_ACCESS).is_some());
    let mut view = error_view(status, &kind, staff.is_some());
    if kind == ErrorKind::Csrf {
        view.detail = refused_origin.map(|o| {
            format!(
                "This site accepts forms from {}; you opened it at {}. Open it at {} and send the form again.",
                o.accepted, o.sent, o.accepted
            )
        });
    }
    let page = match staff {
        Some(actor) => {
            let chrome = AdminChrome::new(actor, &path);
            web.page(
                status,
                "admin/error.html",
                &AdminErrorView {
                    title: view.title,
                    error: &view,
                    admin: chrome,
                },
                CachePolicy::NoStore,
            )
        }
        None => web.page(status, "public/error.html", &view, CachePolicy::NoStore),
    };
    match page {
        Ok(page) => page,
        Err(err) => {
            tracing::error!(error = %err, "error page failed to render");
            (status, view.title).into_response()
        }
    }
}

#[derive(Serialize)]
struct ErrorView {
    status: u16,
    title: &'static str,
    message: String,
    /// Why, when the page can say more (the address forms are accepted from).
    detail: Option<String>,
}

#[derive(Serialize)]
struct AdminErrorView<'a> {
    title: &'static str,
    error: &'a ErrorView,
    admin: AdminChrome,
}

fn error_view(status: StatusCode, kind: &ErrorKind, staff: bool) -> ErrorView {
    let (title, message) = match kind {
        ErrorKind::NotFound if staff => (
            "Page not found",
            "There is no such page in the admin, or the record was deleted. The navigation lists what you can open.".to_string(),
        ),
        ErrorKind::NotFound => (
            "Page not found",
            "We couldn't find that page. It may have moved, or it may not be published yet.".to_string(),
        ),
        ErrorKind::BadRequest => (
            "This address cannot be used",
            "The address holds a character that is not allowed (a NUL byte). Check the link, or go back and try again.".to_string(),
        ),
        ErrorKind::Csrf => (
            "This form could not be accepted",
            "The form had expired or was sent from another site, so nothing was saved. Go back, reload the page and send it again.".to_string(),
        ),
        ErrorKind::Forbidden(AuthError::Forbidden(capability)) if staff => (
            "You don't have access to this",
            format!("Your role may not open this page or do this (it needs the permission “{capability}”). The navigation lists what you can use; if you think you need this, ask an administrator."),
        ),
        ErrorKind::Forbidden(refusal) if staff => (
            "You don't have access to this",
            format!("This was refused: {refusal}. The navigation lists what you can use; if you think you need this, ask an administrator."),
        ),
        ErrorKind::Forbidden(_) | ErrorKind::Unauthenticated => (
            "You don't have access to this",
            "Your account may not do this. If you think it should, ask an administrator.".to_string(),
        ),
        ErrorKind::Internal | ErrorKind::Status => (
            "Something went wrong",
            "Something went wrong on our side and we've been told about it. Please try again in a moment.".to_string(),
        ),
    };
    ErrorView {
        status: status.as_u16(),
        title,
        message,
        detail: None,
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"))
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|a| a.contains("text/html") || a.contains("*/*"))
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"))
}

/// Unmatched routes.
pub async fn fallback() -> AppError {
    AppError::NotFound
}

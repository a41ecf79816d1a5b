//! Security headers on every response: a Content-Security-Policy with a fresh nonce per
//! request (scripts run only from this site or with that nonce; no `unsafe-inline`),
//! `X-Content-Type-Options`, `Referrer-Policy`, `Permissions-Policy`, framing refused on the
//! admin (but for a post's preview, framed by its own change page), and HSTS where configured (production). The layer is the outermost of all, so
//! error pages, refusals and framework rejections get the headers too; it also removes the
//! framework's `X-Powered-By` banner.
use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use base64::{Engine, engine::general_purpose::STANDARD};

/// This request's script nonce, for templates that need an inline script.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// Whether to send HSTS.
#[derive(Debug, Clone, Copy)]
pub struct HeaderConfig {
    pub hsts: bool,
}

/// The security-headers layer.
pub async fn security_headers(
    State(cfg): State<HeaderConfig>,
    mut req: Request,
    next: Next,
) -> Response {
    let mut raw = [0u8; 16];
    let nonce = if getrandom::fill(&mut raw).is_ok() {
        STANDARD.encode(raw)
    } else {
        String::new()
    };
    let path = req.uri().path();
    // The admin refuses framing, except a post's preview, which its own change page shows
    // beside the editor (same origin only; the preview changes nothing).
    let admin = path.starts_with("/admin")
        && !(path.starts_with("/admin/posts/") && path.ends_with("/preview"));
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let frame = if admin { "'none'" } else { "'self'" };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors {frame}"
    );
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page that set a stricter policy (a preview, whose address carries its token)
    // keeps it.
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.remove("x-powered-by");
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static(if admin { "DENY" } else { "SAMEORIGIN" }),
    );
    if cfg.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

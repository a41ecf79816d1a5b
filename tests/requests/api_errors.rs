//! One JSON error shape for the API (`docs/api.md`): `{"error": {"code", "message",
//! "fields"?}}`, whether the handler refused (no token, a read-only token, a bad field) or
//! the error-page layer answered (no such route). Pages outside `/api` keep their HTML.
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use copydesk::errors::{ErrorCode, JsonError};

use crate::{
    both_backends,
    common::{
        Resp, TestApp,
        browser::{Browser, user},
    },
};

async fn token(app: &TestApp, scope: &str) -> String {
    let owner = user(app, "author", &format!("Tess {scope}")).await;
    let mut b = Browser::signed_in(app, &owner.email, "/admin/login").await;
    let res = b
        .post(
            "/admin/tokens",
            &[("name", scope), ("scope", scope), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let start = res.text.find("cdk_").expect("the new token is shown");
    res.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    json: Option<&str>,
) -> (Resp, serde_json::Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::ACCEPT, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if json.is_some() {
        b = b.header(header::CONTENT_TYPE, "application/json");
    }
    let req = b
        .body(json.map_or_else(Body::empty, |s| Body::from(s.to_string())))
        .unwrap();
    let res = app.send(req, "198.51.100.30").await;
    let body = serde_json::from_str(&res.text).unwrap_or(serde_json::Value::Null);
    (res, body)
}

/// `body` is the one shape with `code`: only an `error` object, holding a code, a
/// message and (for `invalid` alone) the fields.
fn assert_shape(what: &str, res: &Resp, body: &serde_json::Value, code: &str) {
    assert_eq!(
        res.header("content-type"),
        Some("application/json"),
        "{what}: {}",
        res.text
    );
    assert_eq!(res.header("cache-control"), Some("no-store"), "{what}");
    let top = body.as_object().expect("a JSON object");
    assert_eq!(top.keys().collect::<Vec<_>>(), ["error"], "{what}: {body}");
    let error = body["error"].as_object().expect("an error object");
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: a message"
    );
    let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let expected: &[&str] = if code == "invalid" {
        &["code", "fields", "message"]
    } else {
        &["code", "message"]
    };
    assert_eq!(keys, expected, "{what}: {body}");
}

both_backends!(
    api_errors_have_one_shape_and_a_stable_code,
    |app: TestApp| async move {
        let read = token(&app, "read").await;
        let write = token(&app, "write").await;

        let (res, body) = send(&app, Method::GET, "/api/me", None, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_shape("no token", &res, &body, "unauthenticated");
        let (res, body) = send(&app, Method::GET, "/api/me", Some("cdk_not_a_token"), None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_shape("an unknown token", &res, &body, "unauthenticated");

        let patch = r#"{"bio": "Reads only."}"#;
        let (res, body) = send(&app, Method::PATCH, "/api/me", Some(&read), Some(patch)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_shape("a read token writing", &res, &body, "forbidden");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("read"),
            "says which scope: {body}"
        );

        let (res, body) = send(&app, Method::GET, "/api/no-such-thing", Some(&read), None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_shape("no such route", &res, &body, "not_found");

        let bad = r#"{"display_name": "", "bio": "Fine."}"#;
        let (res, body) = send(&app, Method::PATCH, "/api/me", Some(&write), Some(bad)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_shape("an empty name", &res, &body, "invalid");
        let fields = body["error"]["fields"].as_object().unwrap();
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["display_name"],
            "only the failing field: {body}"
        );
        assert!(
            fields["display_name"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );

        let (res, body) = send(&app, Method::DELETE, "/api/me", Some(&write), None).await;
        assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_shape("a wrong method", &res, &body, "method_not_allowed");
    }
);

both_backends!(pages_outside_the_api_keep_html, |app: TestApp| async move {
    // `/apis` is not under `/api/`: a page, so the site's HTML 404.
    for path in ["/no-such-page", "/apis"] {
        let req = Request::builder()
            .uri(path)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap();
        let res = app.send(req, "198.51.100.31").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            res.header("content-type")
                .is_some_and(|c| c.starts_with("text/html")),
            "{path}: {:?}",
            res.header("content-type")
        );
        assert!(res.text.contains("Page not found"), "{path}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&res.text).is_err(),
            "{path}: not JSON"
        );
    }
});

#[test]
fn each_code_has_its_status_and_a_status_names_its_code() {
    use ErrorCode::*;
    let all = [
        BadRequest,
        InvalidJson,
        Invalid,
        Unauthenticated,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        RateLimited,
        CsrfRejected,
        Internal,
    ];
    for code in all {
        let status = code.status();
        assert!(
            status.is_client_error() || status.is_server_error(),
            "{code:?}"
        );
        // Two codes share a status with a more general one: the status alone names that.
        let general = match code {
            InvalidJson => BadRequest,
            CsrfRejected => Forbidden,
            c => c,
        };
        assert_eq!(ErrorCode::of_status(status), general, "{code:?}");
        let json = serde_json::to_value(JsonError::of(code)).unwrap();
        let name = json["error"]["code"].as_str().unwrap().to_string();
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{name} is snake_case"
        );
        assert!(json["error"].get("fields").is_none(), "{name}");
    }
    assert_eq!(
        serde_json::to_value(JsonError::of(RateLimited)).unwrap()["error"]["code"],
        "rate_limited"
    );
    assert_eq!(
        ErrorCode::of_status(StatusCode::IM_A_TEAPOT),
        BadRequest,
        "an unknown client error"
    );
    assert_eq!(ErrorCode::of_status(StatusCode::BAD_GATEWAY), Internal);
}

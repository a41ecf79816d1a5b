//! Web-layer hardening: page numbers, NUL bytes, sign-in throttling and timing, password
//! change throttling, headers on every response, the API's error shape, admin error pages.
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use copydesk::{
    auth::passwords::count_argon2,
    models::{
        _entities::{audit_log, login_attempts, users as users_entity},
        users::{self, UserForm},
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use crate::{
    both_backends,
    common::{
        Resp, TestApp,
        browser::{Browser, PASSWORD, user},
        fixtures::{self, PostSpec},
    },
};

const HUGE: [&str; 5] = [
    "99999999999999999999",
    "18446744073709551615",
    "9223372036854775807",
    "2000000000000000000",
    "4294967296",
];

both_backends!(
    huge_page_numbers_give_normal_pages,
    |app: TestApp| async move {
        let author = user(&app, "author", "Pia Pager").await;
        fixtures::post(
            &app.ctx.db,
            &author,
            PostSpec::published("Paged story", 1).tags(&["paging"]),
        )
        .await;
        let author_path = format!("/authors/{}", author.slug);
        for n in HUGE {
            // Reader lists answer a page past the last with a 404, as for page 3 of 1.
            for base in ["/", "/tags/paging", author_path.as_str()] {
                let res = app.get(&format!("{base}?page={n}")).await;
                assert_eq!(res.status, StatusCode::NOT_FOUND, "{base}?page={n}");
                assert!(res.text.contains("Page not found"), "{base}?page={n}");
            }
            assert_eq!(app.get("/?page=1").await.status, StatusCode::OK);
        }
        let admin = user(&app, "admin", "Ada Pager").await;
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        for n in HUGE {
            // Admin lists show an empty page past their end, as for any page past the last.
            for path in [
                format!("/admin/outbox?page={n}"),
                format!("/admin/system/audit?p={n}"),
                format!("/admin/jobs/retries?page={n}"),
                format!("/admin/jobs/dead?page={n}"),
                format!("/admin/jobs/scheduled?page={n}"),
                format!("/admin/content/posts?p={n}"),
                format!("/admin/content/posts?page={n}"),
                format!("/admin/people/users?p={n}"),
            ] {
                let res = b.get(&path).await;
                assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text);
            }
        }
    }
);

fn has_field_error(res: &Resp, id: &str) -> bool {
    res.text.contains(&format!("id=\"{id}\"")) && res.text.contains("NUL byte")
}

both_backends!(
    nul_bytes_are_refused_alike_on_both_databases,
    |app: TestApp| async move {
        let author = user(&app, "author", "Nora Nul").await;
        let post = fixtures::post(&app.ctx.db, &author, PostSpec::published("Null story", 1)).await;
        for path in ["/posts/%00", "/tags/%00", "/authors/a%00b", "/verify/%00"] {
            let res = app.get(path).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        }
        let admin = user(&app, "admin", "Ada Nul").await;
        let mut staff = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        for path in [
            "/?page=%00",
            "/admin/system/audit?q=a%00b",
            "/admin/content/posts?q=%00",
            "/admin/jobs/retries?class=%00",
        ] {
            let res = staff.get(path).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}");
            assert!(res.text.contains("NUL byte"), "{path}: says why");
        }

        let mut anon = Browser::new(&app);
        for door in ["/login", "/admin/login"] {
            let res = anon.sign_in("a\0b@example.com", PASSWORD, door).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{door}");
            assert!(has_field_error(&res, "login-email-error"), "{door}");
        }
        anon.get("/signup").await;
        let res = anon
            .post(
                "/signup",
                &[
                    ("email", "new@example.com"),
                    ("display_name", "Nu\0ll"),
                    ("password", "a long enough password"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has_field_error(&res, "signup-name-error"));
        anon.get("/password/forgot").await;
        let res = anon
            .post("/password/forgot", &[("email", "x\0@example.com")])
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has_field_error(&res, "forgot-email-error"));
        anon.get(&format!("/posts/{}", post.slug)).await;
        let res = anon
            .post(
                &format!("/posts/{}/comments", post.slug),
                &[("name", "Rea Der"), ("body", "Nice\0 story")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(has_field_error(&res, "comment-body-error"));

        let mut reader = Browser::signed_in(
            &app,
            &user(&app, "member", "Mo Member").await.email,
            "/login",
        )
        .await;
        let res = reader
            .post("/account/profile", &[("display_name", "Mo\0"), ("bio", "")])
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("NUL byte"));

        let token = token_for(&app, "author", "Ned Nul").await;
        let (status, body) = api(
            &app,
            Method::PATCH,
            "/api/me",
            Some(&token),
            Some(("application/json", r#"{"bio": "a\u0000b"}"#)),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["code"], "invalid");
        assert!(
            body["error"]["fields"]["bio"]
                .as_str()
                .unwrap()
                .contains("NUL byte")
        );
    }
);

async fn attempts(app: &TestApp) -> u64 {
    login_attempts::Entity::find()
        .count(&app.ctx.db)
        .await
        .unwrap()
}

async fn audits(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.ctx.db)
        .await
        .unwrap()
}

both_backends!(
    per_ip_lockout_survives_sign_ins_from_that_ip,
    |app: TestApp| async move {
        let insider = user(&app, "member", "Ian Insider").await;
        let mut b = Browser::new(&app);
        // 20 failures (the per-IP limit) against many names, with good sign-ins in between.
        for i in 0..20 {
            let res = b
                .sign_in(&format!("guess{i}@example.com"), "wrong guess", "/login")
                .await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "guess {i}");
            if i % 5 == 4 && i < 19 {
                let ok = b.sign_in(&insider.email, PASSWORD, "/login").await;
                assert_eq!(ok.status, StatusCode::SEE_OTHER, "a good sign-in after {i}");
            }
        }
        let res = b.sign_in(&insider.email, PASSWORD, "/login").await;
        assert_eq!(
            res.status,
            StatusCode::TOO_MANY_REQUESTS,
            "the IP stays locked whatever succeeded from it"
        );
        assert!(res.text.contains("paused until"));
        assert!(res.header("retry-after").is_some());

        // The account's own count does start again after its success.
        let mut other = Browser::new(&app);
        other.ip = "203.0.113.44".into();
        let owner = user(&app, "member", "Oda Owner").await;
        for round in 0..2 {
            for _ in 0..4 {
                let res = other.sign_in(&owner.email, "wrong guess", "/login").await;
                assert_eq!(res.status, StatusCode::UNAUTHORIZED, "round {round}");
            }
            let res = other.sign_in(&owner.email, PASSWORD, "/login").await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "round {round}");
        }
    }
);

both_backends!(
    sign_in_does_the_same_work_whatever_the_address,
    |app: TestApp| async move {
        let known = user(&app, "author", "Kai Known").await;
        let member = user(&app, "member", "Mel Member").await;
        let suspended = user(&app, "author", "Sue Suspended").await;
        let mut row: users_entity::ActiveModel = suspended.clone().into();
        row.status = Set("suspended".into());
        row.update(&app.ctx.db).await.unwrap();
        let unset = users::Model::create_user(
            &app.ctx.db,
            &UserForm {
                email: "no.password@example.com".into(),
                display_name: "No Password".into(),
                bio: String::new(),
                role: "author".into(),
            },
        )
        .await
        .unwrap();
        let cases = [
            (
                "unknown address",
                "nobody@example.com",
                PASSWORD,
                "/admin/login",
            ),
            (
                "wrong password",
                known.email.as_str(),
                "wrong guess",
                "/admin/login",
            ),
            (
                "suspended",
                suspended.email.as_str(),
                PASSWORD,
                "/admin/login",
            ),
            (
                "reader at the staff door",
                member.email.as_str(),
                PASSWORD,
                "/admin/login",
            ),
            (
                "no password set",
                unset.email.as_str(),
                PASSWORD,
                "/admin/login",
            ),
        ];
        for (name, email, password, door) in cases {
            let mut b = Browser::new(&app);
            b.get(door).await;
            let (rows, audit) = (attempts(&app).await, audits(&app, "sign_in.failed").await);
            let (res, argon2) =
                count_argon2(b.post(door, &[("email", email), ("password", password)])).await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{name}");
            assert_eq!(argon2, 1, "{name}: one argon2 verification, no hashing");
            assert_eq!(attempts(&app).await, rows + 1, "{name}: one attempt row");
            assert_eq!(
                audits(&app, "sign_in.failed").await,
                audit + 1,
                "{name}: one audit row"
            );
        }
        let mut b = Browser::new(&app);
        b.get("/admin/login").await;
        let (res, argon2) = count_argon2(b.post(
            "/admin/login",
            &[("email", known.email.as_str()), ("password", PASSWORD)],
        ))
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(argon2, 1, "a success costs the same");
    }
);

both_backends!(
    password_change_guesses_are_throttled,
    |app: TestApp| async move {
        let member = user(&app, "member", "Gus Guesser").await;
        let mut b = Browser::signed_in(&app, &member.email, "/login").await;
        for i in 0..5 {
            let res = b
                .post(
                    "/account/password",
                    &[
                        ("current_password", &format!("guess number {i}")),
                        ("new_password", "a brand new password"),
                    ],
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "guess {i}");
            assert!(res.text.contains("not your current password"));
        }
        assert_eq!(audits(&app, "password_change.failed").await, 5);
        assert_eq!(
            attempts(&app).await,
            6,
            "one sign-in and five guesses recorded"
        );
        let res = b
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "a brand new password"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(res.text.contains("paused until"), "says until when");
        assert!(res.header("retry-after").unwrap().parse::<u64>().unwrap() > 0);
        assert_eq!(audits(&app, "password_change.locked").await, 1);
        let stored = users_entity::Entity::find_by_id(member.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.password_hash, member.password_hash, "unchanged");

        // Staff change theirs on the same page, under the same rule.
        let staff = user(&app, "moderator", "Max Moderator").await;
        let mut s = Browser::signed_in(&app, &staff.email, "/admin/login").await;
        let ok = s
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "another new password"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
    }
);

fn assert_security_headers(res: &Resp, what: &str) {
    for name in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
    ] {
        assert!(res.header(name).is_some(), "{what}: {name} missing");
    }
    assert!(res.header("x-powered-by").is_none(), "{what}: no banner");
}

both_backends!(
    every_response_carries_the_security_headers,
    |app: TestApp| async move {
        let author = user(&app, "author", "Hal Headers").await;
        fixtures::post(
            &app.ctx.db,
            &author,
            PostSpec::published("Headed", 1).tags(&["h"]),
        )
        .await;
        assert_security_headers(&app.get("/").await, "home");
        assert_security_headers(&app.get("/no-such-page").await, "404");
        let mut b = Browser::signed_in(&app, &author.email, "/admin/login").await;
        let res = b.get("/admin/outbox").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_security_headers(&res, "403");
        let res = b.post_raw("/admin/tokens", &[("name", "x")], &[]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_security_headers(&res, "CSRF refusal");
        let token = b.csrf().await;
        let res = b
            .request(Method::PUT, "/login", None, &[("x-csrf-token", &token)])
            .await;
        assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_security_headers(&res, "405");
        let (res, _) = api_raw(&app, Method::GET, "/api/me", None, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_security_headers(&res, "API 401");
        // A database failure: the 500 page has them too.
        app.ctx
            .db
            .execute_unprepared("DROP TABLE post_tags")
            .await
            .unwrap();
        let res = app.get("/").await;
        assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_security_headers(&res, "500");
    }
);

async fn token_for(app: &TestApp, role: &str, name: &str) -> String {
    let owner = user(app, role, name).await;
    let mut b = Browser::signed_in(app, &owner.email, "/admin/login").await;
    let res = b
        .post(
            "/admin/tokens",
            &[
                ("name", "script"),
                ("scope", "write"),
                ("expires_in_days", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let start = res.text.find("cdk_").expect("the new token is shown");
    res.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

async fn api_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> (Resp, serde_json::Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::ACCEPT, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some((ct, _)) = body {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    let req = b
        .body(body.map_or_else(Body::empty, |(_, s)| Body::from(s.to_string())))
        .unwrap();
    let res = app.send(req, "198.51.100.20").await;
    let json = serde_json::from_str(&res.text).unwrap_or(serde_json::Value::Null);
    (res, json)
}

async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> (StatusCode, serde_json::Value) {
    let (res, json) = api_raw(app, method, path, token, body).await;
    (res.status, json)
}

both_backends!(api_errors_keep_the_json_shape, |app: TestApp| async move {
    let token = token_for(&app, "author", "Jay Json").await;
    let t = Some(token.as_str());
    let cases = [
        (
            "malformed",
            Some(("application/json", "{not json")),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "wrong type",
            Some(("application/json", r#"{"display_name": 5}"#)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "wrong content type",
            Some(("text/plain", r#"{"bio": "x"}"#)),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "no body",
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ];
    for (name, body, status, code) in cases {
        let (res, json) = api_raw(&app, Method::PATCH, "/api/me", t, body).await;
        assert_eq!(res.status, status, "{name}: {}", res.text);
        assert_eq!(json["error"]["code"], code, "{name}");
        assert_eq!(res.header("cache-control"), Some("no-store"), "{name}");
    }
    let (res, json) = api_raw(&app, Method::DELETE, "/api/me", t, None).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json["error"]["code"], "method_not_allowed");
    let (res, json) = api_raw(&app, Method::GET, "/api/nothing-here", t, None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(json["error"]["code"], "not_found");
    assert_eq!(res.header("cache-control"), Some("no-store"));

    let (res, me) = api_raw(&app, Method::GET, "/api/me", t, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    // A partial update: the name is kept when only the bio is sent.
    let (status, body) = api(
        &app,
        Method::PATCH,
        "/api/me",
        t,
        Some(("application/json", r#"{"bio": "Writes about JSON."}"#)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["display_name"], me["display_name"]);
    assert_eq!(body["bio"], "Writes about JSON.");
    let (status, body) = api(
        &app,
        Method::PATCH,
        "/api/me",
        t,
        Some(("application/json", r#"{"display_name": ""}"#)),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "present fields are checked"
    );
    assert!(body["error"]["fields"]["display_name"].is_string());
});

both_backends!(
    admin_errors_show_the_admin_layout,
    |app: TestApp| async move {
        let author = user(&app, "author", "Ari Author").await;
        let mut b = Browser::signed_in(&app, &author.email, "/admin/login").await;
        for (path, status) in [
            ("/admin/outbox", StatusCode::FORBIDDEN),
            ("/admin/people/users", StatusCode::FORBIDDEN),
            ("/admin/no-such-screen", StatusCode::NOT_FOUND),
            ("/admin/content/posts/999999", StatusCode::NOT_FOUND),
        ] {
            let res = b.get(path).await;
            assert_eq!(res.status, status, "{path}");
            assert!(
                res.text.contains("class=\"admin-nav\""),
                "{path}: admin navigation"
            );
            assert!(res.text.contains("Ari Author"), "{path}: their name");
            assert!(res.text.contains("Sign out"), "{path}");
            assert!(
                res.text.contains("href=\"/admin/content/posts\""),
                "{path}: what they may use"
            );
            assert!(
                !res.text.contains("href=\"/admin/outbox\""),
                "{path}: not what they may not"
            );
        }
        let res = b.get("/admin/outbox").await;
        assert!(res.text.contains("outbox.view") || res.text.contains("permission"));
        // A reader who may not use the admin at all keeps the public page.
        let member = user(&app, "member", "Rae Reader").await;
        let mut r = Browser::signed_in(&app, &member.email, "/login").await;
        let res = r.get("/admin").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(!res.text.contains("admin-nav"));
    }
);

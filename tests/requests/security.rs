//! CSRF, API tokens, the audit log's guarantees, and escaping of profile fields.
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use copydesk::{
    auth::RequestMeta,
    models::{
        _entities::{api_tokens as tokens_entity, audit_log},
        audit, users,
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, PASSWORD, user},
        fixtures,
        fixtures::PostSpec,
        html_safety::{XSS_PAYLOADS, assert_page_safe},
    },
};

async fn audit_count(app: &TestApp) -> u64 {
    audit_log::Entity::find().count(&app.ctx.db).await.unwrap()
}

both_backends!(
    csrf_refuses_forged_requests_and_writes_nothing,
    |app: TestApp| async move {
        let admin = user(&app, "admin", "Ada Admin").await;
        let member = user(&app, "member", "Mia Member").await;
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let path = format!("/admin/people/users/{}", member.id);
        let owned = crate::requests::people::access_fields(&member, "moderator", "active");
        let fields: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let audits = audit_count(&app).await;

        let missing = b.post_raw(&path, &fields, &[]).await;
        let wrong = b
            .post_raw(
                &path,
                &[fields.as_slice(), &[("_csrf", "not-the-token")]].concat(),
                &[],
            )
            .await;
        let token = b.csrf().await;
        let with_token = [fields.as_slice(), &[("_csrf", token.as_str())]].concat();
        let foreign_origin = b
            .post_raw(&path, &with_token, &[("origin", "https://evil.example")])
            .await;
        let cross_site = b
            .post_raw(&path, &with_token, &[("sec-fetch-site", "cross-site")])
            .await;
        let wrong_header = b
            .post_raw(&path, &fields, &[("x-csrf-token", "nope")])
            .await;
        for (name, res) in [
            ("missing", &missing),
            ("wrong", &wrong),
            ("origin", &foreign_origin),
            ("cross-site", &cross_site),
            ("header", &wrong_header),
        ] {
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}");
            assert!(
                res.text.contains("This form could not be accepted"),
                "{name}: explains what happened"
            );
            assert!(res.text.contains("nothing was saved"), "{name}");
        }
        let unchanged = users::Entity::find_by_id(member.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(unchanged.role, "member", "nothing written");
        assert_eq!(audit_count(&app).await, audits, "no audit row either");

        // The right token (form field, or the htmx header) and our own origin pass.
        let ok = b
            .post_raw(
                &path,
                &with_token,
                &[
                    ("origin", "http://copydesk.test"),
                    ("sec-fetch-site", "same-origin"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        // The staff write left its audit row: who, what, before and after.
        let row = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("user.change"))
            .filter(audit_log::Column::TargetId.eq(member.id.to_string()))
            .order_by_desc(audit_log::Column::Id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .expect("an audit row for the role change");
        assert_eq!(row.actor_id, Some(admin.id));
        assert_eq!(row.target_id, member.id.to_string());
        let changes: serde_json::Value = serde_json::from_str(&row.changes).unwrap();
        assert_eq!(changes["role"], serde_json::json!(["member", "moderator"]));
        let token = b.csrf().await;
        let back = crate::requests::people::access_fields(&member, "member", "active");
        let back: Vec<(&str, &str)> = back.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let ok = b.post_raw(&path, &back, &[("x-csrf-token", &token)]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);

        // Sign-in forms need their session's token too (no login CSRF).
        let mut anon = Browser::new(&app);
        anon.get("/login").await;
        assert_eq!(
            anon.post_raw(
                "/login",
                &[("email", &admin.email), ("password", PASSWORD)],
                &[]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let mut no_session = Browser::new(&app);
        assert_eq!(
            no_session
                .post_raw(
                    "/login",
                    &[("email", &admin.email), ("password", PASSWORD)],
                    &[]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);

async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::ACCEPT, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if body.is_some() {
        b = b.header(header::CONTENT_TYPE, "application/json");
    }
    let res = app
        .send(
            b.body(body.map_or_else(Body::empty, |s| Body::from(s.to_string())))
                .unwrap(),
            "198.51.100.20",
        )
        .await;
    (
        res.status,
        serde_json::from_str(&res.text).unwrap_or(serde_json::Value::Null),
    )
}

fn shown_token(html: &str) -> String {
    let start = html.find("cdk_").expect("the new token is shown");
    html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

both_backends!(
    api_tokens_are_shown_once_scoped_and_revocable,
    |app: TestApp| async move {
        let author = user(&app, "author", "Otto Author").await;
        let mut b = Browser::signed_in(&app, &author.email, "/admin/login").await;
        let res = b
            .post(
                "/admin/tokens",
                &[("name", ""), ("scope", "root"), ("expires_in_days", "zero")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("token-name-error"));

        let res = b
            .post(
                "/admin/tokens",
                &[
                    ("name", "reader script"),
                    ("scope", "read"),
                    ("expires_in_days", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED);
        let read = shown_token(&res.text);
        let res = b
            .post(
                "/admin/tokens",
                &[
                    ("name", "writer script"),
                    ("scope", "write"),
                    ("expires_in_days", "30"),
                ],
            )
            .await;
        let write = shown_token(&res.text);
        assert!(
            !b.get("/admin/tokens").await.text.contains(&read),
            "shown once"
        );
        let stored = tokens_entity::Entity::find()
            .all(&app.ctx.db)
            .await
            .unwrap();
        assert!(
            stored
                .iter()
                .all(|t| t.token_hash != read && t.token_hash.len() == 64),
            "stored hashed"
        );

        let (status, body) = api(&app, "GET", "/api/me", None, None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
        );
        let (status, body) = api(&app, "GET", "/api/me", Some(&read), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["email"], author.email.as_str());
        let used = tokens_entity::Entity::find()
            .all(&app.ctx.db)
            .await
            .unwrap();
        assert!(
            used.iter()
                .any(|t| t.name == "reader script" && t.last_used_at.is_some()),
            "last use recorded"
        );

        let patch = r#"{"display_name": "Otto A.", "bio": "Writes."}"#;
        let (status, body) = api(&app, "PATCH", "/api/me", Some(&read), Some(patch)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        let (status, body) = api(&app, "PATCH", "/api/me", Some(&write), Some(patch)).await;
        assert_eq!(status, StatusCode::OK, "bearer requests need no CSRF token");
        assert_eq!(body["display_name"], "Otto A.");
        let (status, body) = api(
            &app,
            "PATCH",
            "/api/me",
            Some(&write),
            Some(r#"{"display_name": ""}"#),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid"))
        );
        assert!(body["error"]["fields"]["display_name"].is_string());

        let id = stored
            .iter()
            .find(|t| t.name == "reader script")
            .unwrap()
            .id;
        assert_eq!(
            b.post(&format!("/admin/tokens/{id}/revoke"), &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            api(&app, "GET", "/api/me", Some(&read), None).await.0,
            StatusCode::UNAUTHORIZED
        );
        // Someone else's token cannot be revoked by an author.
        let other = user(&app, "author", "Other Author").await;
        let mut o = Browser::signed_in(&app, &other.email, "/admin/login").await;
        let wid = stored
            .iter()
            .find(|t| t.name == "writer script")
            .unwrap()
            .id;
        assert_eq!(
            o.post(&format!("/admin/tokens/{wid}/revoke"), &[])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // Expired tokens stop working.
        let mut t: tokens_entity::ActiveModel = tokens_entity::Entity::find_by_id(wid)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        t.expires_at = Set(Some(copydesk::models::now() - chrono::Duration::seconds(1)));
        t.update(&app.ctx.db).await.unwrap();
        assert_eq!(
            api(&app, "GET", "/api/me", Some(&write), None).await.0,
            StatusCode::UNAUTHORIZED
        );
        let actions: Vec<String> = audit_log::Entity::find()
            .all(&app.ctx.db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        for a in ["api_token.create", "api_token.revoke", "user.profile"] {
            assert!(actions.iter().any(|x| x == a), "no {a} in {actions:?}");
        }
    }
);

both_backends!(
    audit_rows_follow_their_transaction_and_cannot_change,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let meta = RequestMeta::system("test");
        let entry = || audit::Entry {
            who: audit::Who::system("test"),
            action: "test.write",
            target_type: "post",
            target_id: "1".into(),
            before: Some(serde_json::json!({"title": "Old", "password_hash": "secret-a"})),
            after: Some(serde_json::json!({"title": "New", "password_hash": "secret-b"})),
        };
        let before = audit_count(&app).await;
        let txn = db.begin().await.unwrap();
        audit::record(&txn, &meta, entry()).await.unwrap();
        txn.rollback().await.unwrap();
        assert_eq!(
            audit_count(&app).await,
            before,
            "no audit row when the transaction rolls back"
        );

        let txn = db.begin().await.unwrap();
        let row = audit::record(&txn, &meta, entry()).await.unwrap();
        txn.commit().await.unwrap();
        let changes: serde_json::Value = serde_json::from_str(&row.changes).unwrap();
        assert_eq!(changes["title"], serde_json::json!(["Old", "New"]));
        assert_eq!(
            changes["password_hash"],
            serde_json::json!(["[redacted]", "[redacted]"])
        );
        assert!(!row.changes.contains("secret-"));

        // The database refuses to change or delete it.
        let mut edit: audit_log::ActiveModel = row.clone().into();
        edit.action = Set("tampered".into());
        assert!(edit.update(db).await.is_err(), "UPDATE refused");
        assert!(
            audit_log::Entity::delete_by_id(row.id)
                .exec(db)
                .await
                .is_err(),
            "DELETE refused"
        );
    }
);

both_backends!(
    profile_fields_are_escaped_everywhere,
    |app: TestApp| async move {
        let admin = user(&app, "admin", "Ada Admin").await;
        let author = fixtures::author(&app.ctx.db, "Plain Name").await;
        fixtures::post(&app.ctx.db, &author, PostSpec::published("A story", 1)).await;
        let member = user(&app, "member", "Mia Member").await;
        let post = fixtures::post(
            &app.ctx.db,
            &author,
            PostSpec::published("Commented story", 1),
        )
        .await;
        let mut m = Browser::signed_in(&app, &member.email, "/login").await;
        let mut a = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        for (i, p) in XSS_PAYLOADS.iter().enumerate().step_by(3) {
            let name: String = p.chars().take(80).collect();
            // The author's own profile (through the model) and the member's (through the form).
            author
                .update_profile(
                    &app.ctx.db,
                    &RequestMeta::system("test"),
                    &users::ProfileForm {
                        display_name: name.clone(),
                        bio: (*p).to_string(),
                        time_zone: None,
                    },
                )
                .await
                .unwrap();
            let res = m
                .post("/account/profile", &[("display_name", &name), ("bio", p)])
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{p}");
            m.ip = format!("192.0.2.{}", i + 1);
            m.post(
                &format!("/posts/{}/comments", post.slug),
                &[("body", "Signed-in comment")],
            )
            .await;
            copydesk::models::_entities::comments::Entity::update_many()
                .col_expr(
                    copydesk::models::_entities::comments::Column::Status,
                    sea_orm::sea_query::Expr::value("approved"),
                )
                .exec(&app.ctx.db)
                .await
                .unwrap();
            for (who, path) in [
                ("reader", "/authors/plain-name".to_string()),
                ("reader", format!("/posts/{}", post.slug)),
                ("reader", "/".to_string()),
                ("member", "/account".to_string()),
                ("admin", "/admin/people/users".to_string()),
                ("admin", "/admin/system/audit".to_string()),
                ("admin", "/admin".to_string()),
            ] {
                let res = match who {
                    "member" => m.get(&path).await,
                    "admin" => a.get(&path).await,
                    _ => app.get(&path).await,
                };
                assert_eq!(res.status, StatusCode::OK, "{path}");
                let open = res.text.find("<body").expect("a body");
                let body = &res.text[open + res.text[open..].find('>').unwrap() + 1..];
                assert_page_safe(body, &format!("{path} with {p:?}"));
            }
        }
    }
);

both_backends!(
    nobody_acts_above_their_rank_or_removes_the_last_admin,
    |app: TestApp| async move {
        let admin = user(&app, "admin", "Ada Admin").await;
        let editor = user(&app, "editor", "Eddie Tor").await;
        let moderator = user(&app, "moderator", "Mo Derator").await;
        let member = user(&app, "member", "Mia Member").await;
        let mut e = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let res = crate::requests::people::set_access(&mut e, &admin, "admin", "suspended").await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "an editor cannot suspend an admin"
        );
        assert!(res.text.contains("higher rank"));
        let res = crate::requests::people::set_access(&mut e, &member, "admin", "active").await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "nor make someone an admin"
        );
        let res =
            crate::requests::people::set_access(&mut e, &moderator, "moderator", "suspended").await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "but may suspend a moderator"
        );
        let mut m = Browser::signed_in(&app, &member.email, "/login").await;
        assert_eq!(
            m.get("/admin").await.status,
            StatusCode::FORBIDDEN,
            "members have no admin"
        );

        // The only admin cannot demote or suspend themselves.
        let mut a = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let res = crate::requests::people::set_access(&mut a, &admin, "editor", "active").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("at least one active admin"));
        let still = users::Entity::find_by_id(admin.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (still.role.as_str(), still.status.as_str()),
            ("admin", "active")
        );
        // With a second admin, the first may step down.
        let second = user(&app, "admin", "Second Admin").await;
        let res = crate::requests::people::set_access(&mut a, &admin, "editor", "active").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(second.id > 0);
    }
);

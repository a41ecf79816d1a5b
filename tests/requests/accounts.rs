//! Sign-in, sessions, lockout, tokens by mail, redirects and enumeration.
use axum::http::StatusCode;
use chrono::Duration;
use copydesk::models::{
    _entities::{audit_log, mail_outbox, sessions},
    now,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, PASSWORD, user},
        mail_sink::last_delivered,
    },
};

async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&app.ctx.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

async fn session_count(app: &TestApp, user_id: i32) -> u64 {
    sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .count(&app.ctx.db)
        .await
        .unwrap()
}

both_backends!(
    sign_in_rotates_the_session_and_signs_out,
    |app: TestApp| async move {
        let editor = user(&app, "editor", "Eddie Tor").await;
        let mut b = Browser::new(&app);
        b.get("/admin/login").await;
        let anonymous = b.cookie.clone().expect("the sign-in page starts a session");
        let res = b.sign_in(&editor.email, PASSWORD, "/admin/login").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.header("location"), Some("/admin"));
        let signed_in = b.cookie.clone().unwrap();
        assert_ne!(anonymous, signed_in, "the session id changes at sign-in");
        let set_cookie = res.header("set-cookie").unwrap();
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
            "{set_cookie}"
        );
        // The old (pre-sign-in) token is worthless now.
        let mut old = Browser {
            cookie: Some(anonymous),
            ..b.clone()
        };
        assert_eq!(old.get("/admin").await.status, StatusCode::SEE_OTHER);
        assert_eq!(b.get("/admin").await.status, StatusCode::OK);

        let res = b.post("/admin/logout", &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(b.cookie.is_none(), "the cookie is removed");
        assert_eq!(
            session_count(&app, editor.id).await,
            0,
            "logout destroys the session"
        );
        let mut replay = Browser {
            cookie: Some(signed_in),
            ..b.clone()
        };
        let res = replay.get("/admin").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(
            res.header("location")
                .unwrap()
                .starts_with("/admin/login?next=")
        );
        let actions = audit_actions(&app).await;
        assert!(
            actions.contains(&"sign_in".to_string()) && actions.contains(&"sign_out".to_string()),
            "{actions:?}"
        );
    }
);

both_backends!(
    idle_and_expired_sessions_are_refused,
    |app: TestApp| async move {
        let admin = user(&app, "admin", "Ada Admin").await;
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        assert_eq!(b.get("/admin").await.status, StatusCode::OK);
        // Idle too long.
        sessions::Entity::update_many()
            .col_expr(
                sessions::Column::ExpiresAt,
                Expr::value(now() - Duration::minutes(1)),
            )
            .exec(&app.ctx.db)
            .await
            .unwrap();
        assert_eq!(b.get("/admin").await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            session_count(&app, admin.id).await,
            0,
            "the expired session is removed"
        );

        // Past the absolute lifetime, however recently used.
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        sessions::Entity::update_many()
            .col_expr(
                sessions::Column::CreatedAt,
                Expr::value(now() - Duration::days(30)),
            )
            .exec(&app.ctx.db)
            .await
            .unwrap();
        assert_eq!(b.get("/admin").await.status, StatusCode::SEE_OTHER);
    }
);

both_backends!(
    password_change_and_suspension_end_sessions,
    |app: TestApp| async move {
        let admin = user(&app, "admin", "Ada Admin").await;
        let author = user(&app, "author", "Otto Author").await;
        let mut laptop = Browser::signed_in(&app, &author.email, "/admin/login").await;
        let mut phone = Browser::signed_in(&app, &author.email, "/admin/login").await;
        assert_eq!(session_count(&app, author.id).await, 2);

        let before = laptop.cookie.clone();
        let res = laptop
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "a new long passphrase"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert_ne!(laptop.cookie, before, "a new session id after the change");
        assert_eq!(
            laptop.get("/admin").await.status,
            StatusCode::OK,
            "this session goes on"
        );
        assert_eq!(
            phone.get("/admin").await.status,
            StatusCode::SEE_OTHER,
            "the other session is over"
        );
        assert_eq!(
            mail_outbox::Entity::find()
                .filter(mail_outbox::Column::ToAddress.eq(&author.email))
                .count(&app.ctx.db)
                .await
                .unwrap(),
            1
        );

        let res = laptop
            .post(
                "/account/password",
                &[
                    ("current_password", "wrong"),
                    ("new_password", "another long one"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("That is not your current password."));

        // An admin suspends the author: their sessions end at once.
        let mut boss = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let author_now = copydesk::models::users::Entity::find_by_id(author.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        let res =
            crate::requests::people::set_access(&mut boss, &author_now, "author", "suspended")
                .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert_eq!(laptop.get("/admin").await.status, StatusCode::SEE_OTHER);
        assert_eq!(session_count(&app, author.id).await, 0);
        let mut again = Browser::new(&app);
        assert_eq!(
            again
                .sign_in(&author.email, "a new long passphrase", "/admin/login")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
);

both_backends!(failed_sign_ins_lock_and_unlock, |app: TestApp| async move {
    let admin = user(&app, "admin", "Ada Admin").await;
    let member = user(&app, "member", "Mia Member").await;
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        assert_eq!(
            b.sign_in(&member.email, "wrong password", "/login")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let res = b.sign_in(&member.email, PASSWORD, "/login").await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    assert!(res.text.contains("Sign-in is paused until"), "{}", res.text);
    // The same lock for an address with no account: locking reveals nothing.
    for _ in 0..5 {
        b.sign_in("nobody@example.com", "x", "/login").await;
    }
    assert_eq!(
        b.sign_in("nobody@example.com", "x", "/login").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // An admin unlocks it.
    let mut boss = Browser::signed_in(&app, &admin.email, "/admin/login").await;
    assert_eq!(
        boss.post(&format!("/admin/users/{}/unlock", member.id), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        b.sign_in(&member.email, PASSWORD, "/login").await.status,
        StatusCode::SEE_OTHER
    );

    // Or time does: failures older than the window stop counting.
    let mut c = Browser::new(&app);
    c.ip = "203.0.113.77".into();
    for _ in 0..5 {
        c.sign_in(&admin.email, "nope", "/admin/login").await;
    }
    assert_eq!(
        c.sign_in(&admin.email, PASSWORD, "/admin/login")
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    copydesk::models::_entities::login_attempts::Entity::update_many()
        .col_expr(
            copydesk::models::_entities::login_attempts::Column::CreatedAt,
            Expr::value(now() - Duration::minutes(16)),
        )
        .exec(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(
        c.sign_in(&admin.email, PASSWORD, "/admin/login")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let actions = audit_actions(&app).await;
    for a in ["sign_in.failed", "sign_in.locked", "user.unlock", "sign_in"] {
        assert!(actions.iter().any(|x| x == a), "no {a} in {actions:?}");
    }
});

both_backends!(
    sign_in_reveals_nothing_about_accounts,
    |app: TestApp| async move {
        let member = user(&app, "member", "Mia Member").await;
        let suspended = user(&app, "author", "Sus Pended").await;
        let mut active: copydesk::models::users::ActiveModel = suspended.clone().into();
        active.status = Set("suspended".into());
        active.update(&app.ctx.db).await.unwrap();
        let mut b = Browser::new(&app);
        let wrong_password = b.sign_in(&member.email, "not it", "/login").await;
        let unknown = b.sign_in("ghost@example.com", "not it", "/login").await;
        let suspended_right_password = b.sign_in(&suspended.email, PASSWORD, "/login").await;
        let member_at_staff_door = b.sign_in(&member.email, PASSWORD, "/admin/login").await;
        let message =
            "That email address and password do not match an account that may sign in here.";
        for r in [
            &wrong_password,
            &unknown,
            &suspended_right_password,
            &member_at_staff_door,
        ] {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert!(r.text.contains(message));
        }
        // Password reset says the same for known and unknown addresses.
        let known = b
            .post("/password/forgot", &[("email", &member.email)])
            .await;
        let ghost = b
            .post("/password/forgot", &[("email", "ghost@example.com")])
            .await;
        assert_eq!(known.status, ghost.status);
        assert!(known.text.contains("If an account exists for that address"));
        assert!(ghost.text.contains("If an account exists for that address"));
    }
);

both_backends!(
    next_redirects_stay_on_this_site,
    |app: TestApp| async move {
        let admin = user(&app, "admin", "Ada Admin").await;
        for (next, expected) in [
            ("/admin/system/audit?page=2", "/admin/system/audit?page=2"),
            ("https://evil.example/", "/admin"),
            ("//evil.example/x", "/admin"),
            ("/\\evil.example", "/admin"),
            ("javascript:alert(1)", "/admin"),
        ] {
            let mut b = Browser::new(&app);
            b.get("/admin/login").await;
            let res = b
                .post(
                    "/admin/login",
                    &[
                        ("email", &admin.email),
                        ("password", PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER);
            assert_eq!(res.header("location"), Some(expected), "next={next}");
        }
        // A signed-out visit to an admin page comes back after sign-in.
        let mut b = Browser::new(&app);
        let res = b.get("/admin/people/users").await;
        assert_eq!(
            res.header("location"),
            Some("/admin/login?next=%2Fadmin%2Fpeople%2Fusers")
        );
    }
);

async fn last_mail(app: &TestApp, to: &str) -> mail_outbox::Model {
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::ToAddress.eq(to))
        .order_by_desc(mail_outbox::Column::Id)
        .one(&app.ctx.db)
        .await
        .unwrap()
        .expect("a mail")
}

both_backends!(
    reader_signup_verification_and_reset_tokens,
    |app: TestApp| async move {
        let mut b = Browser::new(&app);
        b.get("/signup").await;
        let res = b
            .post(
                "/signup",
                &[
                    ("email", "not-an-email"),
                    ("display_name", ""),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text.contains("signup-email-error")
                && res.text.contains("signup-name-error")
                && res.text.contains("signup-password-error")
        );
        let res = b
            .post(
                "/signup",
                &[
                    ("email", "reader@example.com"),
                    ("display_name", "Rea Der"),
                    ("password", "a long enough password"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert_eq!(
            b.get("/account").await.status,
            StatusCode::OK,
            "signed in at once"
        );

        let mail = last_mail(&app, "reader@example.com").await;
        assert!(mail.subject.contains("Confirm your email"));
        let token = last_delivered(&app, "reader@example.com")
            .await
            .token("/verify/");
        assert_eq!(
            b.get(&format!("/verify/{token}")).await.status,
            StatusCode::OK
        );
        let again = b.get(&format!("/verify/{token}")).await;
        assert_eq!(again.status, StatusCode::GONE, "single use");
        assert!(again.text.contains("used already"));

        // Reset: mailed, single use, and it ends every session.
        let mut stranger = Browser::new(&app);
        stranger.get("/password/forgot").await;
        stranger
            .post("/password/forgot", &[("email", "reader@example.com")])
            .await;
        let token = last_delivered(&app, "reader@example.com")
            .await
            .token("/password/reset/");
        let path = format!("/password/reset/{token}");
        assert_eq!(stranger.get(&path).await.status, StatusCode::OK);
        assert_eq!(
            stranger.post(&path, &[("password", "short")]).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            stranger
                .post(&path, &[("password", "brand new passphrase")])
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            stranger
                .post(&path, &[("password", "brand new passphrase 2")])
                .await
                .status,
            StatusCode::GONE,
            "single use"
        );
        assert_eq!(
            b.get("/account").await.status,
            StatusCode::SEE_OTHER,
            "old sessions ended"
        );
        let mut fresh = Browser::new(&app);
        assert_eq!(
            fresh
                .sign_in("reader@example.com", "brand new passphrase", "/login")
                .await
                .status,
            StatusCode::SEE_OTHER
        );

        // An expired link is refused.
        stranger
            .post("/password/forgot", &[("email", "reader@example.com")])
            .await;
        let token = last_delivered(&app, "reader@example.com")
            .await
            .token("/password/reset/");
        copydesk::models::_entities::user_tokens::Entity::update_many()
            .col_expr(
                copydesk::models::_entities::user_tokens::Column::ExpiresAt,
                Expr::value(now() - Duration::minutes(1)),
            )
            .exec(&app.ctx.db)
            .await
            .unwrap();
        let res = stranger.get(&format!("/password/reset/{token}")).await;
        assert_eq!(res.status, StatusCode::GONE);
        assert!(res.text.contains("expired"));
        assert!(
            audit_actions(&app)
                .await
                .contains(&"password_reset".to_string())
        );
    }
);

both_backends!(verification_links_expire, |app: TestApp| async move {
    use copydesk::models::user_tokens;
    let member = user(&app, "member", "Late Reader").await;
    let expired = user_tokens::issue(
        &app.ctx.db,
        member.id,
        user_tokens::VERIFY_EMAIL,
        Duration::minutes(-1),
    )
    .await
    .unwrap();
    let mut b = Browser::new(&app);
    let res = b.get(&format!("/verify/{expired}")).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.text.contains("expired"));
    // A newer link replaces older ones, and a link of one kind is no good for the other.
    let first = user_tokens::issue(
        &app.ctx.db,
        member.id,
        user_tokens::VERIFY_EMAIL,
        Duration::hours(1),
    )
    .await
    .unwrap();
    let second = user_tokens::issue(
        &app.ctx.db,
        member.id,
        user_tokens::VERIFY_EMAIL,
        Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(
        b.get(&format!("/verify/{first}")).await.status,
        StatusCode::GONE
    );
    assert_eq!(
        b.get(&format!("/password/reset/{second}")).await.status,
        StatusCode::GONE
    );
    assert_eq!(
        b.get(&format!("/verify/{second}")).await.status,
        StatusCode::OK
    );
    let verified = copydesk::models::users::Entity::find_by_id(member.id)
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap();
    assert!(verified.email_verified_at.is_some());
});

//! The permission matrix: every route in the router's own table, sent by anonymous and by
//! each role, gets the status the capability table (docs/permissions.md) says. A route with
//! no entry below fails the test, so a new route cannot slip through unchecked.
use axum::http::{Method, StatusCode};
use copydesk::{
    app::App,
    auth::{Capability, permissions::grant},
    models::users::Role,
};
use loco_rs::app::Hooks;

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

/// What a route requires.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// Anyone; not exercised here (their own tests cover them).
    Public,
    /// Any signed-in person.
    SignedIn,
    /// A staff capability (behind the admin guard).
    Cap(Capability),
    /// Either of two capabilities (the route's guard checks the reading one; the model
    /// function the rest): review comments need `review` or `posts.change` over the post.
    AnyOf(Capability, Capability),
    /// An API token.
    Token,
    /// The Jobs screen: `jobs.view` for every record (an `own` grant is refused).
    JobsView,
    /// A resource of the admin engine: its own registry-driven test covers every page of it
    /// for every role (`admin_engine.rs`).
    Engine,
}

fn expected(method: &Method, uri: &str) -> Option<Need> {
    use Need::{AnyOf, Cap, Engine, JobsView, Public, SignedIn, Token};
    let m = method.as_str();
    let engine = copydesk::admin::SITE.resources().iter().any(|r| {
        let url = r.options().url();
        uri == url || uri.starts_with(&format!("{url}/"))
    });
    if engine {
        return Some(Engine);
    }
    Some(match (m, uri) {
        (
            "GET",
            "/_ping" | "/_health" | "/_readiness" | "/" | "/posts/{slug}" | "/tags/{slug}"
            | "/authors/{slug}",
        )
        | ("GET", "/feed.atom" | "/feed.rss" | "/sitemap.xml" | "/robots.txt")
        | ("GET", "/media/{*key}")
        | ("POST", "/posts/{slug}/comments")
        | ("GET" | "POST", "/posts/{slug}/report" | "/comments/{id}/report")
        | (
            "GET" | "POST",
            "/login"
            | "/admin/login"
            | "/signup"
            | "/password/forgot"
            | "/password/reset/{token}"
            | "/invitation/{token}"
            | "/appeal/{token}",
        )
        | ("POST", "/logout" | "/admin/logout")
        | ("GET", "/verify/{token}" | "/preview/{token}" | "/moderation") => Public,
        ("GET", "/account")
        | (
            "POST",
            "/account/profile"
            | "/account/password"
            | "/account/verification"
            | "/account/notifications"
            | "/account/appeals",
        ) => SignedIn,
        (
            "GET",
            "/admin/moderation"
            | "/admin/moderation/live"
            | "/admin/moderation/step"
            | "/admin/moderation/log"
            | "/admin/moderation/cases/{id}",
        )
        | (
            "POST",
            "/admin/moderation/bulk"
            | "/admin/moderation/claim-next"
            | "/admin/moderation/cases/{id}/claim"
            | "/admin/moderation/cases/{id}/release"
            | "/admin/moderation/cases/{id}/assign"
            | "/admin/moderation/cases/{id}/decide"
            | "/admin/moderation/cases/{id}/sanction"
            | "/admin/moderation/cases/{id}/appeal",
        ) => Cap(Capability::MODERATE),
        ("GET", "/admin") => Cap(Capability::ADMIN_ACCESS),
        ("POST", "/admin/users/{id}/invitation") => Cap(Capability::USERS_ADD),
        ("POST", "/admin/users/{id}/unlock") => Cap(Capability::MANAGE_USERS),
        ("GET", "/admin/tokens") => Cap(Capability::API_TOKENS_VIEW),
        ("POST", "/admin/tokens") => Cap(Capability::API_TOKENS_ADD),
        ("POST", "/admin/tokens/{id}/revoke") => Cap(Capability::API_TOKENS_DELETE),
        ("GET", "/admin/outbox" | "/admin/outbox/{id}") => Cap(Capability::OUTBOX_VIEW),
        // A post's revisions and workflow: checked against a post of the role's own (the
        // model functions check each transition; their own tests cover that).
        ("GET", "/admin/posts/{id}/revisions" | "/admin/posts/{id}/revisions/compare")
        | ("GET" | "POST", "/admin/posts/{id}/workflow") => Cap(Capability::POSTS_VIEW),
        ("POST", "/admin/posts/{id}/revisions/{number}/restore") => Cap(Capability::POSTS_CHANGE),
        ("POST", "/admin/posts/{id}/workflow/take") => Cap(Capability::REVIEW),
        ("POST", "/admin/posts/{id}/lock/take") => Cap(Capability::PUBLISH),
        ("POST", "/admin/posts/{id}/comments" | "/admin/posts/{id}/comments/{comment}/resolve") => {
            AnyOf(Capability::REVIEW, Capability::POSTS_CHANGE)
        }
        (
            "POST",
            "/admin/posts/{id}/lock"
            | "/admin/posts/{id}/lock/release"
            | "/admin/posts/{id}/autosave"
            | "/admin/posts/{id}/autosave/restore"
            | "/admin/posts/{id}/autosave/discard",
        ) => Cap(Capability::POSTS_CHANGE),
        ("GET", "/admin/reviews" | "/admin/board" | "/admin/posts/{id}/preview")
        | ("POST", "/admin/posts/{id}/preview-link") => Cap(Capability::POSTS_VIEW),
        // The upload form; a urlencoded post (as the matrix sends) is answered with the
        // form's message, a multipart one is tested in media.rs.
        ("GET" | "POST", "/admin/media/upload") => Cap(Capability::MEDIA_ADD),
        // Checked against the image's uploader in the handler (media.rs covers it).
        ("POST", "/admin/media/{id}/resize") => Cap(Capability::MEDIA_CHANGE),
        // Those with `jobs.view` for their own records only are sent on to their own jobs.
        ("GET", "/admin/jobs" | "/admin/jobs/mine") => Cap(Capability::JOBS_VIEW),
        (
            "GET",
            "/admin/jobs/busy"
            | "/admin/jobs/{set}"
            | "/admin/jobs/{set}/{score}/{jid}"
            | "/admin/jobs/queues/{name}"
            | "/admin/jobs/stats",
        ) => JobsView,
        ("GET" | "POST", "/admin/jobs/{set}/all")
        | (
            "POST",
            "/admin/jobs/{set}/actions"
            | "/admin/jobs/processes/{identity}/{signal}"
            | "/admin/jobs/{set}/group"
            | "/admin/jobs/queues/{name}/clear"
            | "/admin/jobs/queues/{name}/delete"
            | "/admin/jobs/mine/retry"
            | "/admin/jobs/{set}/{score}/{jid}/edit"
            | "/admin/outbox/{id}/retry",
        ) => Cap(Capability::RETRY_JOBS),
        ("GET" | "PATCH", "/api/me") => Token,
        _ => return None,
    })
}

both_backends!(
    every_route_answers_each_role_as_the_table_says,
    |app: TestApp| async move {
        let routes = App::routes(&app.ctx).collect();
        let mut checked = 0;
        let member_target = user(&app, "member", "Target Member").await;
        let outbox_id = {
            use copydesk::models::_entities::mail_outbox;
            use sea_orm::{ActiveModelTrait, ActiveValue::Set};
            mail_outbox::ActiveModel {
                to_address: Set("someone@example.com".into()),
                subject: Set("Hello".into()),
                text_body: Set("Text".into()),
                html_body: Set("<p>Text</p>".into()),
                status: Set("kept".into()),
                error: Set(String::new()),
                created_at: Set(copydesk::models::now()),
                ..Default::default()
            }
            .insert(&app.ctx.db)
            .await
            .unwrap()
            .id
        };
        let mut browsers = Vec::new();
        let writer = user(&app, "author", "Matrix Writer").await;
        let mut posts = std::collections::HashMap::new();
        for role in Role::ALL {
            let u = user(&app, role.as_str(), &format!("Matrix {}", role.as_str())).await;
            // The role's own post where it writes posts, someone else's otherwise.
            let author = if grant(*role, Capability::POSTS_ADD).is_some() {
                &u
            } else {
                &writer
            };
            let p = fixtures::post(
                &app.ctx.db,
                author,
                PostSpec::published(&format!("Matrix post {}", role.as_str()), 1)
                    .state("draft")
                    .undated(),
            )
            .await;
            posts.insert(*role, p.id);
            let b = if *role == Role::Member {
                Browser::signed_in(&app, &u.email, "/login").await
            } else {
                Browser::signed_in(&app, &u.email, "/admin/login").await
            };
            browsers.push((*role, u, b));
        }
        for route in &routes {
            for method in &route.actions {
                let need = expected(method, &route.uri)
                .unwrap_or_else(|| panic!("{method} {} has no entry in the permission matrix (tests/requests/permissions.rs)", route.uri));
                if matches!(need, Need::Public | Need::Engine) {
                    continue;
                }
                for (role, u, b) in &mut browsers {
                    // Each role revokes a token of its own, made fresh (admins may revoke any).
                    let token_id = {
                        use copydesk::models::_entities::api_tokens;
                        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
                        api_tokens::ActiveModel {
                            user_id: Set(u.id),
                            name: Set("matrix".into()),
                            token_hash: Set(format!("{:064}", u.id * 1000 + checked)),
                            scope: Set("read".into()),
                            created_at: Set(copydesk::models::now()),
                            ..Default::default()
                        }
                        .insert(&app.ctx.db)
                        .await
                        .unwrap()
                        .id
                    };
                    let path = route
                        .uri
                        .replace("/users/{id}", &format!("/users/{}", member_target.id))
                        .replace("/posts/{id}", &format!("/posts/{}", posts[role]))
                        .replace("/revisions/{number}", "/revisions/1")
                        .replace("/comments/{comment}", "/comments/999999")
                        .replace("/tokens/{id}", &format!("/tokens/{token_id}"))
                        .replace("/outbox/{id}", &format!("/outbox/{outbox_id}"))
                        .replace("/jobs/{set}/{score}/{jid}", "/jobs/retries/1.5/nojob")
                        .replace("/queues/{name}", "/queues/default")
                        .replace("/jobs/{set}", "/jobs/retries")
                        .replace("/processes/{identity}/{signal}", "/processes/nobody/quiet")
                        .replace("/moderation/cases/{id}", "/moderation/cases/999999")
                        .replace("/moderation/live", "/moderation/live?once=1");
                    let fields: &[(&str, &str)] = match route.uri.as_str() {
                        "/admin/tokens" => &[("name", "matrix token"), ("scope", "read")],
                        "/admin/jobs/{set}/all" | "/admin/jobs/{set}/actions" => {
                            &[("action", "delete")]
                        }
                        "/account/profile" => &[("display_name", "Same Name"), ("bio", "")],
                        "/account/password" => &[
                            ("current_password", "wrong"),
                            ("new_password", "whatever long"),
                        ],
                        _ => &[],
                    };
                    let res = match *method {
                        Method::GET => b.get(&path).await,
                        Method::POST => b.post(&path, fields).await,
                        ref other => b.request(other.clone(), &path, None, &[]).await,
                    };
                    let allowed = match need {
                        Need::Cap(cap) => {
                            grant(*role, Capability::ADMIN_ACCESS).is_some()
                                && grant(*role, cap).is_some()
                        }
                        Need::AnyOf(a, b) => {
                            grant(*role, Capability::ADMIN_ACCESS).is_some()
                                && (grant(*role, a).is_some() || grant(*role, b).is_some())
                        }
                        Need::SignedIn => true,
                        Need::Token => false,
                        Need::JobsView => {
                            grant(*role, Capability::ADMIN_ACCESS).is_some()
                                && grant(*role, Capability::JOBS_VIEW)
                                    == Some(copydesk::auth::permissions::Grant::All)
                        }
                        Need::Public | Need::Engine => unreachable!(),
                    };
                    let what = format!("{method} {path} as {}", role.as_str());
                    if matches!(need, Need::Token) {
                        // A session is not an API token: reads get 401, writes stop at CSRF (403).
                        let expected = if *method == Method::GET {
                            StatusCode::UNAUTHORIZED
                        } else {
                            StatusCode::FORBIDDEN
                        };
                        assert_eq!(
                            res.status, expected,
                            "{what}: a session is not an API token"
                        );
                    } else if allowed {
                        assert!(
                            !matches!(res.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED)
                                && !res.status.is_server_error(),
                            "{what}: expected access, got {}",
                            res.status
                        );
                        assert!(
                            res.header("location").is_none_or(|l| !l.contains("/login")),
                            "{what}: sent to sign in"
                        );
                    } else {
                        assert_eq!(
                            res.status,
                            StatusCode::FORBIDDEN,
                            "{what}: expected refusal"
                        );
                    }
                }
                // Anonymous.
                let mut anon = Browser::new(&app);
                let path = route.uri.replace("{id}", "1");
                let res = match *method {
                    Method::GET => anon.get(&path).await,
                    ref other => {
                        anon.request(other.clone(), &path, Some(String::new()), &[])
                            .await
                    }
                };
                match need {
                    Need::Token => assert_eq!(
                        res.status,
                        StatusCode::UNAUTHORIZED,
                        "{method} {path} anonymous"
                    ),
                    _ if *method == Method::GET => {
                        assert_eq!(
                            res.status,
                            StatusCode::SEE_OTHER,
                            "{method} {path} anonymous"
                        );
                        assert!(
                            res.header("location")
                                .unwrap_or_default()
                                .contains("login?next="),
                            "{method} {path} anonymous"
                        );
                    }
                    // A write without a session is stopped by CSRF before anything else.
                    _ => assert_eq!(
                        res.status,
                        StatusCode::FORBIDDEN,
                        "{method} {path} anonymous"
                    ),
                }
                checked += 1;
            }
        }
        assert!(checked >= 10, "only {checked} routes checked");
        // Every page the matrix names is really routed (a page missing from the router would
        // otherwise pass unnoticed).
        for uri in [
            "/admin",
            "/admin/tokens",
            "/admin/outbox",
            "/admin/outbox/{id}",
            "/admin/jobs",
            "/admin/jobs/busy",
            "/admin/jobs/{set}",
            "/admin/jobs/{set}/{score}/{jid}",
            "/admin/jobs/{set}/actions",
            "/admin/jobs/{set}/all",
            "/admin/jobs/{set}/group",
            "/admin/jobs/queues/{name}",
            "/admin/jobs/queues/{name}/clear",
            "/admin/jobs/queues/{name}/delete",
            "/admin/jobs/mine",
            "/admin/jobs/mine/retry",
            "/admin/outbox/{id}/retry",
            "/admin/jobs/stats",
            "/admin/media/upload",
            "/media/{*key}",
            "/account",
            "/api/me",
        ] {
            assert!(
                routes.iter().any(|r| r.uri == uri),
                "{uri} is in the matrix but not in the router"
            );
        }
    }
);

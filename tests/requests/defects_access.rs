//! The defects review, access half: no usable secret in the outbox, no role given beyond the
//! giver's own powers, addresses only for those who may see them, every way of publishing
//! dates a post, one state rule for authors, tokens that end with a change of role, and
//! invitations for people added in the admin.
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use copydesk::{
    auth::{
        permissions::{Grant, TABLE, grant_named, rank},
        tokens::hash_token,
    },
    models::{
        _entities::{audit_log, mail_outbox, posts, user_tokens},
        mail::LINK_PLACEHOLDER,
        users::{self, Role},
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, PASSWORD, user},
        fixtures::{self, PostSpec},
        mail_sink::{deliver_outbox, last_delivered},
    },
};

async fn person(app: &TestApp, id: i32) -> users::Model {
    users::Entity::find_by_id(id)
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap()
}

async fn post_row(app: &TestApp, id: i32) -> posts::Model {
    posts::Entity::find_by_id(id)
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap()
}

/// Every token-shaped word of `text` that opens a live (unused, unexpired) link.
async fn live_tokens_in(app: &TestApp, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        if word.len() < 20 {
            continue;
        }
        let live = user_tokens::Entity::find()
            .filter(user_tokens::Column::TokenHash.eq(hash_token(word)))
            .filter(user_tokens::Column::UsedAt.is_null())
            .count(&app.ctx.db)
            .await
            .unwrap();
        if live > 0 {
            found.push(word.to_string());
        }
    }
    found
}

both_backends!(
    no_stored_or_displayed_mail_carries_a_usable_link,
    |app: TestApp| async move {
        let admin = user(&app, "admin", "Outbox Admin").await;
        let support = user(&app, "support", "Outbox Support").await;
        // Anyone may ask for the admin's password to be reset.
        let mut stranger = Browser::new(&app);
        stranger.get("/password/forgot").await;
        stranger
            .post("/password/forgot", &[("email", &admin.email)])
            .await;
        // A reader signs up (a confirmation link) and the admin adds a person (an invitation).
        let mut reader = Browser::new(&app);
        reader.get("/signup").await;
        reader
            .post(
                "/signup",
                &[
                    ("email", "outbox.reader@example.com"),
                    ("display_name", "Outbox Reader"),
                    ("password", "a long enough password"),
                ],
            )
            .await;
        let mut a = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let res = a
            .post(
                "/admin/people/users/add",
                &[
                    ("display_name", "Outbox Newcomer"),
                    ("email", "outbox.newcomer@example.com"),
                    ("bio", ""),
                    ("role", "editor"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);

        // Delivered through the mail server, each message carries a working link...
        let delivered = deliver_outbox(&app).await;
        assert_eq!(delivered.len(), 3, "{delivered:?}");
        let reset = delivered.iter().find(|m| m.to == admin.email).unwrap();
        let reset_token = reset.token("/password/reset/");
        assert_eq!(
            stranger
                .get(&format!("/password/reset/{reset_token}"))
                .await
                .status,
            StatusCode::OK,
            "the admin's own copy works"
        );

        // ...while nothing the outbox keeps or shows does.
        for row in mail_outbox::Entity::find().all(&app.ctx.db).await.unwrap() {
            for body in [&row.text_body, &row.html_body, &row.subject, &row.locals] {
                assert!(
                    live_tokens_in(&app, body).await.is_empty(),
                    "stored mail {} carries a live token: {body}",
                    row.id
                );
            }
            assert!(
                row.text_body.contains(LINK_PLACEHOLDER),
                "{}",
                row.text_body
            );
        }
        let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
        let mut pages = vec![
            "/admin/outbox".to_string(),
            "/admin/system/audit".to_string(),
            format!("/admin/people/users/{}/history", admin.id),
        ];
        for row in mail_outbox::Entity::find().all(&app.ctx.db).await.unwrap() {
            pages.push(format!("/admin/outbox/{}", row.id));
        }
        for path in &pages {
            let page = s.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(
                live_tokens_in(&app, &page.text).await.is_empty(),
                "{path} shows a live token"
            );
            assert!(!page.text.contains(&reset_token), "{path}");
        }
        // The takeover the review found: support follows what the message page shows.
        let admin_mail = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.eq(&admin.email))
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        let page = s
            .get(&format!("/admin/outbox/{}", admin_mail.id))
            .await
            .text;
        assert!(page.contains("password reset link") && page.contains("never stores"));
        if let Some(at) = page.find("/password/reset/") {
            let shown: String = page[at + 16..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            assert_ne!(
                s.get(&format!("/password/reset/{shown}")).await.status,
                StatusCode::OK
            );
        }
        // Who opened which message is on record.
        let views = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("mail.view"))
            .filter(audit_log::Column::ActorId.eq(support.id))
            .count(&app.ctx.db)
            .await
            .unwrap();
        assert!(views >= 3, "{views} views audited");
    }
);

/// What the test expects, read straight from the table: `giver` may give `role` when it is
/// not above their rank and every capability of `role` is one `giver` holds as widely.
fn may_give(giver: Role, role: Role) -> bool {
    rank(role) <= rank(giver)
        && TABLE.capabilities.iter().all(|cap| {
            matches!(
                (grant_named(role, cap), grant_named(giver, cap)),
                (None, _) | (Some(Grant::Own), Some(_)) | (Some(Grant::All), Some(Grant::All))
            )
        })
}

both_backends!(
    no_role_can_give_a_role_with_a_capability_it_lacks,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        // A second admin, so the last-admin rule never decides an outcome here.
        user(&app, "admin", "Spare Admin").await;
        for giver in Role::ALL.iter().copied() {
            let name = format!("Giver {}", giver.as_str());
            let actor = user(&app, giver.as_str(), &name).await;
            let door = if giver == Role::Member {
                "/login"
            } else {
                "/admin/login"
            };
            let mut b = Browser::signed_in(&app, &actor.email, door).await;
            let target = user(&app, "member", &format!("Target of {}", giver.as_str())).await;
            for role in Role::ALL.iter().copied().filter(|r| *r != Role::Member) {
                let can_change = grant_named(giver, "manage_users").is_some();
                let expected = can_change && may_give(giver, role);
                // The engine's person page (the older access form is gone).
                for path in ["engine"] {
                    let res = {
                        b.post(
                            &format!("/admin/people/users/{}", target.id),
                            &[
                                ("display_name", &target.display_name),
                                ("email", &target.email),
                                ("bio", ""),
                                ("role", role.as_str()),
                                ("status", "active"),
                            ],
                        )
                        .await
                    };
                    assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
                    let now = person(&app, target.id).await;
                    assert_eq!(
                        now.role == role.as_str(),
                        expected,
                        "{} giving {} through {path}: {} ({})",
                        giver.as_str(),
                        role.as_str(),
                        res.status,
                        now.role
                    );
                    let mut back: users::ActiveModel = now.into();
                    back.role = Set("member".into());
                    back.update(db).await.unwrap();
                }
            }
            // Adding a person with a role is giving it too.
            for role in Role::ALL.iter().copied() {
                let email = format!("added.{}.by.{}@example.com", role.as_str(), giver.as_str());
                let res = b
                    .post(
                        "/admin/people/users/add",
                        &[
                            ("display_name", "Added Person"),
                            ("email", &email),
                            ("bio", ""),
                            ("role", role.as_str()),
                            ("status", "active"),
                        ],
                    )
                    .await;
                assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
                let added = users::Model::find_by_email(db, &email).await.unwrap();
                let expected = grant_named(giver, "users.add").is_some() && may_give(giver, role);
                assert_eq!(
                    added.is_some_and(|u| u.role == role.as_str()),
                    expected,
                    "{} adding a {}",
                    giver.as_str(),
                    role.as_str()
                );
            }
        }
        // A moderator cannot make themself support, who reads the mail outbox.
        let moderator = user(&app, "moderator", "Climbing Moderator").await;
        let mut m = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        let res =
            crate::requests::people::set_access(&mut m, &moderator, "support", "active").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The person form does not offer the role, so it is refused as not one of the choices.
        assert!(
            res.text.contains("can do what you cannot")
                || res.text.contains("Choose one of the listed options"),
            "{}",
            res.text
        );
        assert_eq!(person(&app, moderator.id).await.role, "moderator");
        // Nor is support offered on a person's page, while a support person's own role is
        // kept as it is when a moderator suspends them.
        let member = user(&app, "member", "Offered Member").await;
        let page = m
            .get(&format!("/admin/people/users/{}", member.id))
            .await
            .text;
        assert!(!page.contains("value=\"support\""), "{page}");
        let colleague = user(&app, "support", "Suspended Support").await;
        let res = m
            .post(
                &format!("/admin/people/users/{}", colleague.id),
                &[("role", "support"), ("status", "suspended")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let after = person(&app, colleague.id).await;
        assert_eq!(
            (after.role.as_str(), after.status.as_str()),
            ("support", "suspended")
        );
    }
);

both_backends!(
    addresses_stay_with_those_who_may_see_them,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let moderator = user(&app, "moderator", "Leak Moderator").await;
        let support = user(&app, "support", "Leak Support").await;
        let editor = user(&app, "editor", "Leak Editor").await;
        let author = user(&app, "author", "Leak Author").await;
        // Names in one order, addresses in the other.
        let first = user(&app, "member", "Aaron First").await;
        let mut f: users::ActiveModel = first.clone().into();
        f.email = Set("zz.first@example.com".into());
        let first = f.update(db).await.unwrap();
        let last = user(&app, "member", "Zelda Last").await;
        let mut l: users::ActiveModel = last.clone().into();
        l.email = Set("aa.last@example.com".into());
        let last = l.update(db).await.unwrap();

        let mut md = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        // The People list.
        let page = md.get("/admin/people/users").await.text;
        assert!(page.contains("Zelda Last"), "{page}");
        for addr in [&first.email, &last.email, &support.email, &editor.email] {
            assert!(!page.contains(addr.as_str()), "{addr} shown to a moderator");
        }
        // No sorting by the hidden column: both directions give the default order.
        let up = md.get("/admin/people/users?o=email").await.text;
        let down = md.get("/admin/people/users?o=-email").await.text;
        let order = |p: &str| {
            (
                p.find("Aaron First").unwrap(),
                p.find("Zelda Last").unwrap(),
            )
        };
        assert_eq!(order(&up).0 < order(&up).1, order(&down).0 < order(&down).1);
        assert!(!up.contains("o=-email") && !up.contains("o=email"));

        // History: support corrects an address; the moderator's view of it shows neither
        // the addresses nor support's own.
        let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
        let res = s
            .post(
                &format!("/admin/people/users/{}", last.id),
                &[
                    ("display_name", "Zelda Last"),
                    ("email", "zelda.fixed@example.com"),
                    ("bio", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let history = md
            .get(&format!("/admin/people/users/{}/history", last.id))
            .await
            .text;
        assert!(history.contains("Leak Support"), "{history}");
        for addr in [
            "zelda.fixed@example.com",
            "aa.last@example.com",
            &support.email,
        ] {
            assert!(
                !history.contains(addr),
                "{addr} in a moderator's history view"
            );
        }
        // Those who may correct addresses still see them there.
        let full = s
            .get(&format!("/admin/people/users/{}/history", last.id))
            .await
            .text;
        assert!(full.contains("zelda.fixed@example.com"));

        // An author reads their post's history without the editor's address.
        let post = fixtures::post(
            db,
            &author,
            PostSpec::published("Leaky post", 1).state("draft"),
        )
        .await;
        let mut ed = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let res = ed
            .post(
                &format!("/admin/content/posts/{}", post.id),
                &[
                    ("title", "Leaky post, edited"),
                    ("summary", ""),
                    ("body_markdown", "Body"),
                    ("state", "draft"),
                    ("visibility", "public"),
                    ("author_id", &author.id.to_string()),
                    ("lock_version", &post.lock_version.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let mut au = Browser::signed_in(&app, &author.email, "/admin/login").await;
        let history = au
            .get(&format!("/admin/content/posts/{}/history", post.id))
            .await;
        assert_eq!(history.status, StatusCode::OK);
        assert!(
            history.text.contains("Leak Editor") && !history.text.contains(&editor.email),
            "{}",
            history.text
        );

        // The author picker: an author may not view people, so it lists nobody to them, by
        // name or by address; an editor's lists only people who can write.
        for term in ["", "example", "Aaron"] {
            let res = au
                .get(&format!(
                    "/admin/content/posts/lookup?field=author_id&term={term}"
                ))
                .await;
            assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
            for name in ["Aaron First", "Zelda Last", "Leak Editor", "Leak Moderator"] {
                assert!(!res.text.contains(name), "{name} listed to an author");
            }
        }
        // A field nobody may set or filter by has no picker at all.
        let res = au
            .get("/admin/content/posts/lookup?field=title&term=")
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = md
            .get("/admin/content/posts/lookup?field=author_id&term=example")
            .await;
        assert!(
            !res.text.contains("Aaron First") && !res.text.contains("Leak Author"),
            "{}",
            res.text
        );
        let res = ed
            .get("/admin/content/posts/lookup?field=author_id&term=")
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains("Leak Author") && res.text.contains("Leak Editor"));
        assert!(
            !res.text.contains("Aaron First") && !res.text.contains("Leak Moderator"),
            "readers and moderators write no posts: {}",
            res.text
        );
        // The filter on the posts list names authors only by name.
        let list = md.get("/admin/content/posts").await.text;
        assert!(!list.contains(&author.email) && !list.contains(&editor.email));
    }
);

fn post_form(post: &posts::Model, state: &str, published_at: &str) -> Vec<(String, String)> {
    vec![
        ("title".into(), post.title.clone()),
        ("summary".into(), post.summary.clone()),
        ("body_markdown".into(), post.body_markdown.clone()),
        ("state".into(), state.into()),
        ("visibility".into(), "public".into()),
        ("author_id".into(), post.author_id.to_string()),
        ("published_at".into(), published_at.into()),
        ("scheduled_at".into(), String::new()),
        ("lock_version".into(), post.lock_version.to_string()),
    ]
}

async fn post_fields(
    b: &mut Browser,
    url: &str,
    fields: &[(String, String)],
) -> crate::common::Resp {
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post(url, &f).await
}

/// Takes `transition` on the workflow page as `b`, from the post's current version.
async fn step(
    app: &TestApp,
    b: &mut Browser,
    id: i32,
    transition: &str,
    extra: &[(&str, &str)],
) -> crate::common::Resp {
    let v = post_row(app, id).await.lock_version.to_string();
    let mut fields = vec![("transition", transition), ("lock_version", v.as_str())];
    fields.extend_from_slice(extra);
    b.post(&format!("/admin/posts/{id}/workflow"), &fields)
        .await
}

both_backends!(
    every_way_of_publishing_dates_the_post,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let editor = user(&app, "editor", "Dating Editor").await;
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        // The form has no state: a posted "published" is ignored, nothing goes live.
        let draft = fixtures::post(
            db,
            &editor,
            PostSpec::published("Form published", 1)
                .state("draft")
                .undated(),
        )
        .await;
        let url = format!("/admin/content/posts/{}", draft.id);
        let res = post_fields(&mut b, &url, &post_form(&draft, "published", "")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let saved = post_row(&app, draft.id).await;
        assert_eq!(saved.state, "draft", "the form does not move a post");
        assert!(saved.published_at.is_none());

        // The workflow page: approved, then published now, dated and public.
        assert_eq!(
            step(&app, &mut b, draft.id, "submit", &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            step(&app, &mut b, draft.id, "approve", &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            step(&app, &mut b, draft.id, "publish_now", &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let saved = post_row(&app, draft.id).await;
        assert_eq!(saved.state, "published");
        assert!(saved.published_at.is_some(), "dated when published");
        assert_eq!(
            b.get(&format!("/posts/{}", saved.slug)).await.status,
            StatusCode::OK
        );

        // The bulk action, on an approved post.
        let other = fixtures::post(
            db,
            &editor,
            PostSpec::published("Bulk published", 1)
                .state("approved")
                .undated(),
        )
        .await;
        let res = b
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "publish"),
                    ("_confirm", "yes"),
                    ("_selected", &other.id.to_string()),
                    ("_back", "/admin/content/posts"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let saved = post_row(&app, other.id).await;
        assert_eq!(saved.state, "published");
        assert!(saved.published_at.is_some());
        assert_eq!(
            b.get(&format!("/posts/{}", saved.slug)).await.status,
            StatusCode::OK
        );

        // Scheduled for a time to come: not public yet, and listed as scheduled.
        let later = fixtures::post(
            db,
            &editor,
            PostSpec::published("Published later", 1)
                .state("approved")
                .undated(),
        )
        .await;
        let when = (chrono::Utc::now() + chrono::Duration::days(2))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let res = step(&app, &mut b, later.id, "schedule", &[("at", &when)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let saved = post_row(&app, later.id).await;
        assert_eq!(saved.state, "scheduled");
        assert!(
            saved
                .scheduled_at
                .is_some_and(|d| d > copydesk::models::now())
        );
        assert!(saved.published_at.is_none());
        assert_eq!(
            b.get(&format!("/posts/{}", saved.slug)).await.status,
            StatusCode::NOT_FOUND
        );
        let list = b.get("/admin/content/posts?state=scheduled").await.text;
        assert!(list.contains("Published later"), "{list}");
    }
);

both_backends!(
    authors_move_their_posts_only_from_draft_to_review,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let author = user(&app, "author", "Rule Author").await;
        let mut b = Browser::signed_in(&app, &author.email, "/admin/login").await;
        let live = fixtures::post(db, &author, PostSpec::published("Author's live post", 1)).await;
        // Neither the form nor the workflow page lets an author take a live post down.
        let url = format!("/admin/content/posts/{}", live.id);
        let fields: Vec<(String, String)> = post_form(&live, "archived", "")
            .into_iter()
            .filter(|(k, _)| k != "published_at" && k != "author_id")
            .collect();
        let res = post_fields(&mut b, &url, &fields).await;
        assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(post_row(&app, live.id).await.state, "published");
        for t in ["archive", "unpublish", "submit"] {
            let res = step(&app, &mut b, live.id, t, &[]).await;
            assert!(
                matches!(
                    res.status,
                    StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY
                ),
                "{t}: {}",
                res.status
            );
            assert_eq!(post_row(&app, live.id).await.state, "published", "{t}");
        }
        // The bulk "submit for review" follows the same rule.
        let res = b
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "to_review"),
                    ("_confirm", "yes"),
                    ("_selected", &live.id.to_string()),
                    ("_back", "/admin/content/posts"),
                ],
            )
            .await;
        assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(post_row(&app, live.id).await.state, "published");
        // An author submits their own draft.
        let draft = fixtures::post(
            db,
            &author,
            PostSpec::published("Author's draft", 1).state("draft"),
        )
        .await;
        let res = step(&app, &mut b, draft.id, "submit", &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert_eq!(post_row(&app, draft.id).await.state, "in_review");
    }
);

async fn api_me(app: &TestApp, token: &str) -> StatusCode {
    let req = Request::get("/api/me")
        .header(header::ACCEPT, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.send(req, "198.51.100.30").await.status
}

async fn new_token(b: &mut Browser) -> String {
    let res = b
        .post(
            "/admin/tokens",
            &[
                ("name", "script"),
                ("scope", "read"),
                ("expires_in_days", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let start = res.text.find("cdk_").unwrap();
    res.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

both_backends!(
    api_tokens_end_with_a_change_of_role_or_status,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let admin = user(&app, "admin", "Token Admin").await;
        let editor = user(&app, "editor", "Token Editor").await;
        let mut e = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let token = new_token(&mut e).await;
        assert_eq!(api_me(&app, &token).await, StatusCode::OK);
        let mut a = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let res = a
            .post(
                &format!("/admin/people/users/{}", editor.id),
                &[
                    ("display_name", "Token Editor"),
                    ("email", &editor.email),
                    ("bio", ""),
                    ("role", "member"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert_eq!(
            api_me(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "demoted"
        );

        // Suspension ends them too.
        let author = user(&app, "author", "Token Author").await;
        let mut au = Browser::signed_in(&app, &author.email, "/admin/login").await;
        let token = new_token(&mut au).await;
        assert_eq!(api_me(&app, &token).await, StatusCode::OK);
        crate::requests::people::set_access(&mut a, &author, "author", "suspended").await;
        assert_eq!(
            api_me(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "suspended"
        );
        // Even a role changed behind Copydesk's back leaves a reader no working token.
        let writer = user(&app, "author", "Token Writer").await;
        let mut w = Browser::signed_in(&app, &writer.email, "/admin/login").await;
        let token = new_token(&mut w).await;
        let mut active: users::ActiveModel = writer.into();
        active.role = Set("member".into());
        active.update(db).await.unwrap();
        assert_eq!(api_me(&app, &token).await, StatusCode::UNAUTHORIZED);
    }
);

both_backends!(
    a_person_added_in_the_admin_gets_an_invitation,
    |app: TestApp| async move {
        let admin = user(&app, "admin", "Inviting Admin").await;
        let mut a = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let res = a
            .post(
                "/admin/people/users/add",
                &[
                    ("display_name", "New Colleague"),
                    ("email", "new.colleague@example.com"),
                    ("bio", ""),
                    ("role", "editor"),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let list = a.get("/admin/people/users").await.text;
        assert!(
            list.contains("invitation") || list.contains("Invitation"),
            "{list}"
        );
        assert!(list.contains("Invitation pending"));
        let colleague = users::Model::find_by_email(&app.ctx.db, "new.colleague@example.com")
            .await
            .unwrap()
            .unwrap();
        let page = a
            .get(&format!("/admin/people/users/{}", colleague.id))
            .await
            .text;
        assert!(page.contains("Invitation pending") && page.contains("Send the invitation again"));
        let invitation = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.eq("new.colleague@example.com"))
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert!(invitation.subject.contains("invited"));
        assert!(
            invitation.text_body.contains("Inviting Admin")
                && invitation.text_body.contains(LINK_PLACEHOLDER)
        );

        // Sending it again voids the link of the first.
        let first = last_delivered(&app, "new.colleague@example.com")
            .await
            .token("/invitation/");
        let res = a
            .post(
                &format!("/admin/users/{}/invitation", colleague.id),
                &[("back", &format!("/admin/people/users/{}", colleague.id))],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let page = a.get(res.header("location").unwrap()).await.text;
        assert!(page.contains("on its way"), "{page}");
        let second = last_delivered(&app, "new.colleague@example.com")
            .await
            .token("/invitation/");
        let mut newcomer = Browser::new(&app);
        assert_eq!(
            newcomer.get(&format!("/invitation/{first}")).await.status,
            StatusCode::GONE
        );
        let path = format!("/invitation/{second}");
        let form = newcomer.get(&path).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text.contains("Welcome, New Colleague"));
        assert_eq!(
            newcomer.post(&path, &[("password", "short")]).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            newcomer.post(&path, &[("password", PASSWORD)]).await.status,
            StatusCode::OK
        );
        assert_eq!(
            newcomer.post(&path, &[("password", PASSWORD)]).await.status,
            StatusCode::GONE,
            "single use"
        );
        let mut signed = Browser::new(&app);
        assert_eq!(
            signed
                .sign_in("new.colleague@example.com", PASSWORD, "/admin/login")
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let colleague = users::Model::find_by_email(&app.ctx.db, "new.colleague@example.com")
            .await
            .unwrap()
            .unwrap();
        assert!(!colleague.invitation_pending());
        assert!(colleague.email_verified_at.is_some());
        // Those who may not add people may not send invitations.
        let support = user(&app, "support", "Inviting Support").await;
        let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
        let pending = user(&app, "author", "Pending Author").await;
        let res = s
            .post(&format!("/admin/users/{}/invitation", pending.id), &[])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    a_corrected_address_is_in_the_mail_as_well_as_on_it,
    |app: TestApp| async move {
        let support = user(&app, "support", "Readdress Support").await;
        let reader = user(&app, "member", "Mistyped Reader").await;
        let mut active: users::ActiveModel = reader.clone().into();
        active.email = Set("mistyped@example..com".into());
        let reader = active.update(&app.ctx.db).await.unwrap();
        let locals = serde_json::json!({"name": reader.display_name, "email": reader.email, "hours": 48, "site_title": "Copydesk"});
        let link = copydesk::models::mail::Link {
            kind: copydesk::models::mail::LinkKind::VerifyEmail,
            user_id: reader.id,
        };
        let row = copydesk::models::mail::store(
            &app.ctx.db,
            &reader.email,
            "verify_email",
            &locals,
            Some(link),
        )
        .await
        .unwrap();
        assert!(row.text_body.contains("mistyped@example..com"));
        let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
        let res = s
            .post(
                &format!("/admin/people/users/{}", reader.id),
                &[
                    ("display_name", "Mistyped Reader"),
                    ("email", "fixed.reader@example.com"),
                    ("bio", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let row = mail_outbox::Entity::find_by_id(row.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.to_address, "fixed.reader@example.com");
        assert!(
            row.text_body.contains("fixed.reader@example.com")
                && !row.text_body.contains("mistyped@example..com"),
            "{}",
            row.text_body
        );
        assert!(row.html_body.contains("fixed.reader@example.com"));
        let m = last_delivered(&app, "fixed.reader@example.com").await;
        assert!(m.text().contains("fixed.reader@example.com"));
        let token = m.token("/verify/");
        assert_eq!(
            Browser::new(&app)
                .get(&format!("/verify/{token}"))
                .await
                .status,
            StatusCode::OK
        );
        let _ = mail_outbox::Entity::find().order_by_desc(mail_outbox::Column::Id);
    }
);

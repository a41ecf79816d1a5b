//! The admin engine over Copydesk's registrations: permissions driven by the registry, forms,
//! optimistic locking, bulk actions, CSV, saved filters, dependents, history, hostile input.
use axum::http::StatusCode;
use copydesk::{
    admin::SITE,
    auth::permissions::{Grant, grant_named},
    models::{
        _entities::{audit_log, comments, posts, tags},
        users::Role,
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
        browser::{Browser, user},
        fixtures::{self, PostSpec},
        html_safety::{XSS_PAYLOADS, assert_page_safe},
    },
};

/// One row of each registered table, owned by nobody signing in here.
async fn one_row_each(app: &TestApp) -> Vec<(String, i64)> {
    let db = &app.ctx.db;
    let owner = fixtures::author(db, "Row Owner").await;
    let post = fixtures::post(db, &owner, PostSpec::published("A row to look at", 2)).await;
    let tag = tags::ActiveModel {
        name: Set("Harbours".into()),
        slug: Set("harbours".into()),
        created_at: Set(copydesk::models::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let media = copydesk::models::_entities::media::ActiveModel {
        file_name: Set("quay.jpg".into()),
        content_type: Set("image/jpeg".into()),
        size_bytes: Set(2048),
        alt_text: Set("The quay at dawn".into()),
        storage_key: Set("uploads/quay.jpg".into()),
        uploader_id: Set(Some(owner.id)),
        created_at: Set(copydesk::models::now()),
        updated_at: Set(copydesk::models::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let comment = comment(app, post.id, "A first comment").await;
    let reason = copydesk::models::_entities::mod_reasons::ActiveModel {
        applies: Set("decision".into()),
        label: Set("Spam".into()),
        text: Set("Selling, not talking.".into()),
        position: Set(0),
        active: Set(true),
        created_at: Set(copydesk::models::now()),
        updated_at: Set(copydesk::models::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let audit = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .one(db)
        .await
        .unwrap()
        .map(|a| a.id);
    let audit = match audit {
        Some(id) => id,
        None => {
            copydesk::models::audit::record(
                db,
                &copydesk::auth::RequestMeta::system("test"),
                copydesk::models::audit::Entry {
                    who: copydesk::models::audit::Who::system("test"),
                    action: "test.row",
                    target_type: "site",
                    target_id: "1".into(),
                    before: None,
                    after: None,
                },
            )
            .await
            .unwrap()
            .id
        }
    };
    vec![
        ("posts".into(), i64::from(post.id)),
        ("tags".into(), i64::from(tag.id)),
        ("media".into(), i64::from(media.id)),
        ("comments".into(), i64::from(comment.id)),
        ("mod_reasons".into(), i64::from(reason.id)),
        ("users".into(), i64::from(owner.id)),
        ("audit".into(), audit),
    ]
}

async fn person(db: &sea_orm::DatabaseConnection, id: i32) -> copydesk::models::users::Model {
    copydesk::models::_entities::users::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn comment(app: &TestApp, post_id: i32, body: &str) -> comments::Model {
    comments::ActiveModel {
        post_id: Set(post_id),
        guest_name: Set(Some("Guest".into())),
        body: Set(body.into()),
        body_html: Set(format!("<p>{body}</p>")),
        status: Set("pending".into()),
        ip_hash: Set("secret-ip-hash-value".into()),
        created_at: Set(copydesk::models::now()),
        updated_at: Set(copydesk::models::now()),
        ..Default::default()
    }
    .insert(&app.ctx.db)
    .await
    .unwrap()
}

fn refused(status: StatusCode) -> bool {
    status == StatusCode::FORBIDDEN
}

both_backends!(
    every_registered_resource_answers_each_role_as_the_table_says,
    |app: TestApp| async move {
        let rows = one_row_each(&app).await;
        let mut checked = 0;
        for role in Role::ALL {
            let u = user(&app, role.as_str(), &format!("Engine {}", role.as_str())).await;
            let door = if *role == Role::Member {
                "/login"
            } else {
                "/admin/login"
            };
            let mut b = Browser::signed_in(&app, &u.email, door).await;
            let staff = grant_named(*role, "admin.access").is_some();
            for r in SITE.resources() {
                let info = r.options();
                let id = rows
                    .iter()
                    .find(|(slug, _)| slug == info.slug)
                    .unwrap_or_else(|| {
                        panic!("no test row for {} (add one to one_row_each)", info.slug)
                    })
                    .1;
                let g = |action: &str| {
                    if staff {
                        grant_named(*role, &format!("{}.{action}", info.permission))
                    } else {
                        None
                    }
                };
                let all = |action: &str| {
                    g(action) == Some(Grant::All) && (action == "view" || !info.read_only)
                };
                let url = info.url();
                let pages: [(String, bool); 5] = [
                    (url.clone(), g("view").is_some()),
                    (
                        format!("{url}/add"),
                        g("view").is_some() && g("add").is_some() && !info.read_only,
                    ),
                    (format!("{url}/{id}"), all("view")),
                    (
                        format!("{url}/{id}/delete"),
                        g("view").is_some() && all("delete"),
                    ),
                    (format!("{url}/{id}/history"), all("view")),
                ];
                for (path, allowed) in pages {
                    let res = b.get(&path).await;
                    let what = format!("GET {path} as {}", role.as_str());
                    if allowed {
                        assert_eq!(res.status, StatusCode::OK, "{what}: expected the page");
                        assert!(res.text.contains("<main"), "{what}: a whole page");
                    } else {
                        assert!(
                            refused(res.status),
                            "{what}: expected refusal, got {}",
                            res.status
                        );
                    }
                    checked += 1;
                }
                // Writes: an empty add form is refused or answered with errors, never saved blind.
                let res = b.post(&format!("{url}/add"), &[]).await;
                let may_add = g("view").is_some() && g("add").is_some() && !info.read_only;
                if may_add {
                    assert!(
                        matches!(
                            res.status,
                            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::SEE_OTHER
                        ),
                        "POST {url}/add as {}: {}",
                        role.as_str(),
                        res.status
                    );
                } else {
                    assert!(
                        refused(res.status),
                        "POST {url}/add as {}: {}",
                        role.as_str(),
                        res.status
                    );
                }
            }
            let mut anon = Browser::new(&app);
            for r in SITE.resources() {
                let res = anon.get(&r.options().url()).await;
                assert_eq!(
                    res.status,
                    StatusCode::SEE_OTHER,
                    "anonymous {}",
                    r.options().url()
                );
            }
        }
        assert!(checked >= 6 * 6 * 5);
    }
);

both_backends!(
    validation_errors_sit_next_to_their_fields_and_keep_what_was_typed,
    |app: TestApp| async move {
        let editor = user(&app, "editor", "Form Editor").await;
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let long_title = "T".repeat(250);
        let res = b
            .post(
                "/admin/content/posts/add",
                &[
                    ("title", &long_title),
                    ("summary", "Kept summary <b>as typed</b>"),
                    ("body_markdown", "Body I typed"),
                    ("state", "scheduled"),
                    ("visibility", "nowhere"),
                    ("author_id", &editor.id.to_string()),
                    ("published_at", "not a date"),
                    ("scheduled_at", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let t = &res.text;
        // Each message sits in its field's block, tied to the input by aria-describedby.
        for (field, message) in [
            ("title", "Enter a title of 1 to 200 characters."),
            ("visibility", "Choose one of the listed options."),
            ("published_at", "Enter a date and time"),
        ] {
            let block =
                crate::common::fragment(t, &format!("id=\"field-{field}-error\""), "</div>");
            assert!(block.contains(message), "{field}: {block}");
            assert!(
                t.contains(&format!("aria-describedby=\"field-{field}-error")),
                "{field} is described by its error"
            );
        }
        assert!(
            t.contains("Kept summary &lt;b&gt;as typed&lt;/b&gt;"),
            "typed text is kept, escaped"
        );
        assert!(t.contains("Body I typed"));
        assert!(t.contains("value=\"not a date\""));
        // The state is not a field of the form: a post moves through its workflow, and a
        // posted state is ignored.
        assert!(!t.contains("name=\"state\""), "no state field on the form");
        assert!(t.contains("id=\"error-summary\""));
        assert_eq!(
            posts::Entity::find().count(&app.ctx.db).await.unwrap(),
            0,
            "nothing saved"
        );

        // Fixed, it saves; "Save and continue editing" comes back to the post.
        let res = b
            .post(
                "/admin/content/posts/add",
                &[
                    ("title", "A fixed title"),
                    ("summary", "Summary"),
                    ("body_markdown", "Body *here*"),
                    ("state", "draft"),
                    ("visibility", "public"),
                    ("author_id", &editor.id.to_string()),
                    ("published_at", ""),
                    ("scheduled_at", ""),
                    ("_continue", "1"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let saved = posts::Entity::find()
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            res.header("location"),
            Some(format!("/admin/content/posts/{}", saved.id).as_str())
        );
        assert_eq!(saved.slug, "a-fixed-title");
        assert!(
            saved.body_html.contains("<em>here</em>"),
            "the model's own save hooks ran"
        );
        let page = b.get(&format!("/admin/content/posts/{}", saved.id)).await;
        assert!(page.text.contains("was added"), "the flash is shown once");
        assert!(page.text.contains("role=\"status\""));
        let again = b.get(&format!("/admin/content/posts/{}", saved.id)).await;
        assert!(!again.text.contains("was added"));
        // The add is in the audit log, in the object's history.
        let history = b
            .get(&format!("/admin/content/posts/{}/history", saved.id))
            .await;
        assert!(history.text.contains("post.add"), "{}", history.text);
        assert!(history.text.contains("A fixed title"));

        // "Save and add another" goes to a fresh form.
        let res = b
            .post(
                "/admin/content/posts/add",
                &[
                    ("title", "Second"),
                    ("summary", ""),
                    ("body_markdown", ""),
                    ("state", "draft"),
                    ("visibility", "public"),
                    ("author_id", &editor.id.to_string()),
                    ("_addanother", "1"),
                ],
            )
            .await;
        assert_eq!(res.header("location"), Some("/admin/content/posts/add"));
    }
);

both_backends!(
    an_edit_conflict_shows_both_versions_and_loses_nothing,
    |app: TestApp| async move {
        let editor = user(&app, "editor", "Lock Editor").await;
        let post = fixtures::post(
            &app.ctx.db,
            &editor,
            PostSpec::published("Original title", 1).state("draft"),
        )
        .await;
        let mut first = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let other = user(&app, "editor", "Other Editor").await;
        let mut second = Browser::signed_in(&app, &other.email, "/admin/login").await;
        let url = format!("/admin/content/posts/{}", post.id);
        let form = |title: &'static str, body: &'static str, lock: String| {
            vec![
                ("title", title.to_string()),
                ("summary", "S".to_string()),
                ("body_markdown", body.to_string()),
                ("state", "draft".to_string()),
                ("visibility", "public".to_string()),
                ("author_id", editor.id.to_string()),
                ("lock_version", lock),
            ]
        };
        let lock = post.lock_version.to_string();
        let theirs = form("Their title", "Their body", lock.clone());
        let theirs: Vec<(&str, &str)> = theirs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            second.post(&url, &theirs).await.status,
            StatusCode::SEE_OTHER
        );

        let mine = form("My title", "My long careful body", lock);
        let mine: Vec<(&str, &str)> = mine.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = first.post(&url, &mine).await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.text.contains("Someone else saved this post"));
        assert!(res.text.contains("Their title") && res.text.contains("My title"));
        assert!(
            res.text.contains("My long careful body"),
            "my text is still in the form"
        );
        let stored = posts::Entity::find_by_id(post.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.title, "Their title",
            "nothing of mine overwrote theirs"
        );
        // The form now carries the new version: saving again keeps mine, deliberately.
        let new_lock = stored.lock_version.to_string();
        assert!(
            res.text
                .contains(&format!("name=\"lock_version\" value=\"{new_lock}\""))
        );
        let again = form("My title", "My long careful body", new_lock);
        let again: Vec<(&str, &str)> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(first.post(&url, &again).await.status, StatusCode::SEE_OTHER);
        let stored = posts::Entity::find_by_id(post.id)
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.title, "My title");
        assert_eq!(stored.lock_version, post.lock_version + 2);
    }
);

both_backends!(
    bulk_actions_confirm_then_change_exactly_the_chosen_rows,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let editor = user(&app, "editor", "Bulk Editor").await;
        let mut ids = Vec::new();
        for i in 0..6 {
            let state = if i < 4 { "approved" } else { "in_review" };
            let p = fixtures::post(
                db,
                &editor,
                PostSpec::published(&format!("Bulk {i}"), 1).state(state),
            )
            .await;
            ids.push(p.id);
        }
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let chosen = [ids[0].to_string(), ids[2].to_string()];
        // First the confirmation page, which lists what will change and changes nothing.
        let res = b
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "publish"),
                    ("_selected", &chosen[0]),
                    ("_selected", &chosen[1]),
                    ("_back", "/admin/content/posts"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains("are you sure?"));
        assert!(
            res.text.contains("Bulk 0")
                && res.text.contains("Bulk 2")
                && !res.text.contains("Bulk 1<")
        );
        let published = || async {
            posts::Entity::find()
                .filter(posts::Column::State.eq("published"))
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        };
        assert!(published().await.is_empty(), "confirmation writes nothing");
        let res = b
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "publish"),
                    ("_confirm", "yes"),
                    ("_selected", &chosen[0]),
                    ("_selected", &chosen[1]),
                    ("_back", "/admin/content/posts"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let mut got = published().await;
        got.sort_unstable();
        assert_eq!(got, vec![ids[0], ids[2]]);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("post.publish"))
            .count(db)
            .await
            .unwrap();
        assert_eq!(audited, 2, "one audit row per changed post");

        // "Every row matching the filter": exactly the filtered set (the two in review).
        let res = b
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "archive"),
                    ("_across", "1"),
                    ("state", "in_review"),
                    ("_back", "/admin/content/posts?state=in_review"),
                ],
            )
            .await;
        assert!(
            res.text.contains("These 2 posts will be archived"),
            "{}",
            res.text
        );
        let listed: Vec<String> = res
            .text
            .match_indices("name=\"_selected\" value=\"")
            .map(|(i, m)| {
                res.text[i + m.len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let mut fields: Vec<(&str, &str)> = vec![
            ("_action", "archive"),
            ("_confirm", "yes"),
            ("_back", "/admin/content/posts"),
        ];
        fields.extend(listed.iter().map(|id| ("_selected", id.as_str())));
        assert_eq!(
            b.post("/admin/content/posts", &fields).await.status,
            StatusCode::SEE_OTHER
        );
        let archived: Vec<i32> = posts::Entity::find()
            .filter(posts::Column::State.eq("archived"))
            .order_by_asc(posts::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(archived, vec![ids[4], ids[5]]);

        // A forged way back cannot split the redirect header.
        let res = b
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "to_review"),
                    ("_confirm", "yes"),
                    ("_selected", &ids[3].to_string()),
                    ("_back", "/admin/content/posts\r\nSet-Cookie: x=1"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.header("location"), Some("/admin/content/posts"));

        // An author may not publish: the action is neither offered nor accepted.
        let author = user(&app, "author", "Bulk Author").await;
        let mut a = Browser::signed_in(&app, &author.email, "/admin/login").await;
        let list = a.get("/admin/content/posts").await;
        assert!(!list.text.contains("value=\"publish\""));
        let res = a
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "publish"),
                    ("_confirm", "yes"),
                    ("_selected", &ids[1].to_string()),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    csv_exports_the_filtered_rows_without_hidden_fields,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let admin = user(&app, "admin", "Csv Admin").await;
        let author = fixtures::author(db, "Csv Author").await;
        let post = fixtures::post(
            db,
            &author,
            PostSpec::published("=cmd|' /C calc'!A0, \"quoted\"", 1),
        )
        .await;
        fixtures::post(
            db,
            &author,
            PostSpec::published("Draft not exported", 1).state("draft"),
        )
        .await;
        comment(&app, post.id, "Visible body").await;
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let res = b
            .get("/admin/content/posts/export.csv?state=published")
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.header("content-type").unwrap().starts_with("text/csv"));
        assert!(
            res.header("content-disposition")
                .unwrap()
                .contains("attachment")
        );
        // Records end in CRLF; a bare LF inside quotes belongs to a cell.
        let mut records = res.text.split("\r\n").filter(|r| !r.is_empty());
        let head = records.next().unwrap();
        assert!(head.starts_with("id,title,slug,"), "{head}");
        let body: Vec<&str> = records.collect();
        assert_eq!(body.len(), 1, "{body:?}");
        assert!(
            body[0].contains("\"'=cmd|' /C calc'!A0, \"\"quoted\"\"\""),
            "quoted and defused: {}",
            body[0]
        );

        let users_csv = b.get("/admin/people/users/export.csv").await.text;
        assert!(users_csv.lines().next().unwrap().contains("email"));
        assert!(!users_csv.contains("password_hash"), "secrets never leave");
        assert!(!users_csv.contains("$argon2"), "no hash values either");
        let comments_csv = b.get("/admin/community/comments/export.csv").await.text;
        assert!(comments_csv.contains("Visible body"));
        assert!(
            !comments_csv.contains("ip_hash") && !comments_csv.contains("secret-ip-hash-value")
        );

        // Secrets are not on the form either.
        let form = b
            .get(&format!("/admin/people/users/{}", admin.id))
            .await
            .text;
        assert!(!form.contains("password_hash") && !form.contains("$argon2"));
    }
);

both_backends!(
    payloads_in_any_field_are_escaped_in_lists_forms_and_history,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let admin = user(&app, "admin", "Xss Admin").await;
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        for (i, payload) in XSS_PAYLOADS.iter().enumerate().step_by(3) {
            let res = b
                .post(
                    "/admin/content/tags/add",
                    &[("name", payload), ("slug", &format!("tag-{i}"))],
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{payload}: {}", res.text);
        }
        let first = tags::Entity::find()
            .order_by_asc(tags::Column::Id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let res = b
            .post(
                &format!("/admin/content/tags/{}", first.id),
                &[("name", XSS_PAYLOADS[1]), ("slug", &first.slug)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        for path in [
            "/admin/content/tags".to_string(),
            format!("/admin/content/tags/{}", first.id),
            format!("/admin/content/tags/{}/history", first.id),
            format!("/admin/content/tags/{}/delete", first.id),
            "/admin/content/tags?q=%3Cscript%3E".to_string(),
            "/admin/system/audit".to_string(),
            "/admin".to_string(),
        ] {
            let res = b.get(&path).await;
            assert_eq!(res.status, StatusCode::OK, "{path}");
            assert_page_safe(
                crate::common::fragment(&res.text, "<main", "</main>"),
                &path,
            );
        }
        // Re-shown after a validation error, too.
        let res = b
            .post(
                "/admin/content/tags/add",
                &[("name", XSS_PAYLOADS[2]), ("slug", &"x".repeat(300))],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_page_safe(
            crate::common::fragment(&res.text, "<main", "</main>"),
            "tag form with errors",
        );
    }
);

both_backends!(
    hostile_search_sort_and_filter_parameters_fail_nothing_and_leak_nothing,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let author = user(&app, "author", "Own Author").await;
        let someone = fixtures::author(db, "Someone Else").await;
        fixtures::post(
            db,
            &author,
            PostSpec::published("Mine to see", 1).state("draft"),
        )
        .await;
        let theirs = fixtures::post(
            db,
            &someone,
            PostSpec::published("Not mine secret", 1).state("draft"),
        )
        .await;
        let mut b = Browser::signed_in(&app, &author.email, "/admin/login").await;
        for q in [
            "q=%25",
            "q=_",
            "q=%27%20OR%201%3D1%20--",
            "q=%22%29%3B%20DROP%20TABLE%20posts%3B--",
            "q=%5C",
            "o=password_hash",
            "o=-nonexistent,title",
            "o=%27%3B--",
            "p=-1",
            "p=99999999999999999999999",
            "p=NaN",
            "state=%27%20OR%201%3D1",
            &format!("author_id={}", someone.id),
            "author_id=1%20OR%201%3D1",
            "published_at__gte=yesterday",
            "published_at__gte=2020-01-01&published_at__lt=2999-01-01",
            "published_at__isnull=maybe",
            "body_html=x",
            "_selected=1&_action=delete",
            &"q=a".repeat(2000),
        ] {
            let res = b.get(&format!("/admin/content/posts?{q}")).await;
            assert_eq!(res.status, StatusCode::OK, "{q}");
            assert!(
                !res.text.contains("Not mine secret"),
                "{q}: another author's post leaked"
            );
            let csv = b.get(&format!("/admin/content/posts/export.csv?{q}")).await;
            assert_eq!(csv.status, StatusCode::OK, "{q}");
            assert!(!csv.text.contains("Not mine secret"), "{q}: leaked in CSV");
        }
        // A NUL in the address is the one thing refused, the same on both databases.
        assert_eq!(
            b.get("/admin/content/posts?q=%00").await.status,
            StatusCode::BAD_REQUEST
        );
        // The author sees their own post and may not open someone else's.
        assert!(
            b.get("/admin/content/posts")
                .await
                .text
                .contains("Mine to see")
        );
        assert_eq!(
            b.get(&format!("/admin/content/posts/{}", theirs.id))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            b.get(&format!("/admin/content/posts/{}/history", theirs.id))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        for path in [
            "/admin/content/posts/abc",
            "/admin/content/posts/1/2/3",
            "/admin/content/posts/%2e%2e",
            "/admin/content/nothing",
        ] {
            let res = b.get(path).await;
            assert!(
                res.status == StatusCode::NOT_FOUND || res.status == StatusCode::FORBIDDEN,
                "{path}: {}",
                res.status
            );
        }
        // A bulk action naming another author's post changes nothing of theirs.
        let res = b
            .post(
                "/admin/content/posts",
                &[
                    ("_action", "delete"),
                    ("_confirm", "yes"),
                    ("_selected", &theirs.id.to_string()),
                ],
            )
            .await;
        assert!(res.status == StatusCode::SEE_OTHER || res.status == StatusCode::FORBIDDEN);
        assert!(
            posts::Entity::find_by_id(theirs.id)
                .one(db)
                .await
                .unwrap()
                .is_some()
        );
    }
);

both_backends!(
    saved_filters_belong_to_their_owner_and_can_be_shared_with_a_role,
    |app: TestApp| async move {
        let editor = user(&app, "editor", "Preset Editor").await;
        let colleague = user(&app, "editor", "Preset Colleague").await;
        let moderator = user(&app, "moderator", "Preset Moderator").await;
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let res = b
            .post(
                "/admin/content/posts/filters",
                &[
                    ("name", "My drafts"),
                    ("query", "state=draft&evil=1&o=-title"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        b.post(
            "/admin/content/posts/filters",
            &[
                ("name", "Team review"),
                ("query", "state=in_review"),
                ("share_role", "editor"),
            ],
        )
        .await;
        // A hostile query cannot reach the redirect's header: it is re-encoded from what the
        // list accepts.
        let res = b
            .post(
                "/admin/content/posts/filters",
                &[("name", ""), ("query", "q=x%0D%0ALocation:%20//evil")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(
            res.header("location"),
            Some("/admin/content/posts?q=xLocation%3A+%2F%2Fevil")
        );
        let page = b.get("/admin/content/posts").await.text;
        assert!(
            page.contains("href=\"/admin/content/posts?state=draft&amp;o=-title\""),
            "unknown parameters are dropped: {page}"
        );
        assert!(page.contains("Team review"));
        let mut c = Browser::signed_in(&app, &colleague.email, "/admin/login").await;
        let theirs = c.get("/admin/content/posts").await.text;
        assert!(theirs.contains("Team review") && !theirs.contains("My drafts"));
        let mut m = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        let mods = m.get("/admin/content/posts").await.text;
        assert!(!mods.contains("Team review"));
        // Only the owner deletes.
        let id = copydesk_admin::saved_filters::Entity::find()
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(
            c.post(&format!("/admin/content/posts/filters/{id}/delete"), &[])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            b.post(&format!("/admin/content/posts/filters/{id}/delete"), &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
);

both_backends!(
    delete_pages_name_what_goes_with_the_row_and_what_blocks_it,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let admin = user(&app, "admin", "Delete Admin").await;
        let writer = fixtures::author(db, "Blocking Writer").await;
        let post = fixtures::post(db, &writer, PostSpec::published("Has comments", 1)).await;
        fixtures::post(db, &writer, PostSpec::published("Keeps the writer", 1)).await;
        comment(&app, post.id, "Goes with the post").await;
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let page = b
            .get(&format!("/admin/content/posts/{}/delete", post.id))
            .await
            .text;
        assert!(
            page.contains("1 comments") && page.contains("will be deleted too"),
            "{page}"
        );
        let page = b
            .get(&format!("/admin/people/users/{}/delete", writer.id))
            .await
            .text;
        assert!(
            page.contains("cannot be deleted") && page.contains("block the deletion"),
            "{page}"
        );
        let res = b
            .post(&format!("/admin/content/posts/{}/delete", post.id), &[])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(comments::Entity::find().count(db).await.unwrap(), 0);
        let history = b
            .get(&format!("/admin/content/posts/{}/history", post.id))
            .await;
        assert_eq!(
            history.status,
            StatusCode::OK,
            "a deleted row keeps its history"
        );
        assert!(history.text.contains("post.delete"));
        // The blocked delete is refused with the reason, and nothing goes.
        let res = b
            .post(&format!("/admin/people/users/{}/delete", writer.id), &[])
            .await;
        assert_ne!(res.status, StatusCode::SEE_OTHER);
        assert!(
            copydesk::models::_entities::users::Entity::find_by_id(writer.id)
                .one(db)
                .await
                .unwrap()
                .is_some()
        );
    }
);

both_backends!(
    people_are_managed_within_rank_and_a_corrected_address_follows_the_mail,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let editor = user(&app, "editor", "Rank Editor").await;
        let admin = user(&app, "admin", "Rank Admin").await;
        let member = user(&app, "member", "Rank Member").await;
        let mut m = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        // Someone of higher rank: read-only, and a forged post is refused.
        let page = m
            .get(&format!("/admin/people/users/{}", admin.id))
            .await
            .text;
        assert!(!page.contains("name=\"role\""), "{page}");
        let res = m
            .post(
                &format!("/admin/people/users/{}", admin.id),
                &[
                    ("display_name", "Renamed"),
                    ("email", &admin.email),
                    ("bio", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("higher rank"));
        // The role list offers nothing above the editor's own rank.
        let page = m
            .get(&format!("/admin/people/users/{}", member.id))
            .await
            .text;
        assert!(page.contains("value=\"editor\"") && !page.contains("value=\"admin\""));
        let member_url = format!("/admin/people/users/{}", member.id);
        let access = |role: &'static str, status: &'static str| {
            vec![
                ("display_name", "Rank Member".to_string()),
                ("email", member.email.clone()),
                ("bio", String::new()),
                ("role", role.to_string()),
                ("status", status.to_string()),
            ]
        };
        for (role, status, expected) in [
            ("admin", "active", StatusCode::UNPROCESSABLE_ENTITY),
            ("member", "suspended", StatusCode::SEE_OTHER),
        ] {
            let fields = access(role, status);
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = m.post(&member_url, &fields).await;
            assert_eq!(res.status, expected, "{role}/{status}: {}", res.text);
        }

        // A moderator sees people but not their addresses: not in the list, the form, the
        // search or the CSV.
        let moderator = user(&app, "moderator", "Rank Moderator").await;
        let mut md = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        let list = md.get("/admin/people/users").await.text;
        assert!(
            list.contains("Rank Member") && !list.contains(&member.email),
            "{list}"
        );
        let found = md.get("/admin/people/users?q=rank.member").await.text;
        assert!(
            !found.contains("Rank Member"),
            "no search by a hidden field"
        );
        let form = md
            .get(&format!("/admin/people/users/{}", member.id))
            .await
            .text;
        assert!(!form.contains(&member.email));
        let csv = md.get("/admin/people/users/export.csv").await.text;
        let head = csv.lines().next().unwrap();
        assert!(
            !head.split(',').any(|c| c == "email") && !csv.contains(&member.email),
            "{head}"
        );

        // Support corrects an address (support has users.change, not manage_users).
        let support = user(&app, "support", "Rank Support").await;
        let mut s = Browser::signed_in(&app, &support.email, "/admin/login").await;
        let page = s
            .get(&format!("/admin/people/users/{}", member.id))
            .await
            .text;
        assert!(
            !page.contains("name=\"role\""),
            "support cannot change roles"
        );
        let res = s
            .post(
                &format!("/admin/people/users/{}", member.id),
                &[
                    ("display_name", "Rank Member"),
                    ("email", "not an address"),
                    ("bio", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("Enter an email address"));
        let res = s
            .post(
                &format!("/admin/people/users/{}", member.id),
                &[
                    ("display_name", "Rank Member"),
                    ("email", "rank.member.fixed@example.com"),
                    ("bio", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let saved = person(db, member.id).await;
        assert_eq!(saved.email, "rank.member.fixed@example.com");
        assert_eq!(
            saved.status, "suspended",
            "support's save left the status alone"
        );
        let history = s
            .get(&format!("/admin/people/users/{}/history", member.id))
            .await
            .text;
        assert!(
            history.contains("user.change") && history.contains("rank.member.fixed@example.com")
        );
    }
);

both_backends!(
    previews_and_the_author_picker_work_with_and_without_javascript,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let editor = user(&app, "editor", "Picker Editor").await;
        fixtures::author(db, "Zora Quill").await;
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        // htmx: the preview fragment, rendered and sanitized by the site's own renderer.
        let res = b
            .post(
                "/admin/content/posts/preview",
                &[
                    ("_preview", "body_markdown"),
                    ("body_markdown", "Some *emphasis* <script>alert(1)</script>"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.text.contains("<em>emphasis</em>") && !res.text.contains("<script"),
            "{}",
            res.text
        );
        // Without JavaScript: the Preview button re-renders the form with the preview and
        // saves nothing.
        let res = b
            .post(
                "/admin/content/posts/add",
                &[
                    ("title", "Draft with preview"),
                    ("body_markdown", "Plain **bold**"),
                    ("state", "draft"),
                    ("visibility", "public"),
                    ("_preview", "body_markdown"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.text.contains("<strong>bold</strong>")
                && res.text.contains("value=\"Draft with preview\"")
        );
        assert_eq!(posts::Entity::find().count(db).await.unwrap(), 0);
        // The picker's choices load as one types (htmx), and include the chosen one.
        let res = b
            .get("/admin/content/posts/lookup?field=author_id&term=zora")
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.text.contains("Zora Quill") && !res.text.contains("Picker Editor"),
            "{}",
            res.text
        );
        let res = b
            .get("/admin/content/posts/lookup?field=title&term=x")
            .await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "only foreign keys have a picker"
        );
        // A moderator may not use the picker (no posts.add or posts.change).
        let moderator = user(&app, "moderator", "Picker Moderator").await;
        let mut m = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        assert_eq!(
            m.get("/admin/content/posts/lookup?field=author_id&term=z")
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // A made-up author id is refused next to the field.
        let res = b
            .post(
                "/admin/content/posts/add",
                &[
                    ("title", "Ghost author"),
                    ("state", "draft"),
                    ("visibility", "public"),
                    ("author_id", "999999"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text.contains("Choose an existing person."));
    }
);

both_backends!(
    the_list_pages_sorts_and_filters_by_date_in_place_or_whole,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let admin = user(&app, "admin", "List Admin").await;
        let author = fixtures::author(db, "List Author").await;
        for i in 0..105 {
            fixtures::post(
                db,
                &author,
                PostSpec::published(&format!("Paged {i:03}"), i),
            )
            .await;
        }
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let page1 = b.get("/admin/content/posts?o=title").await.text;
        assert!(page1.contains("105 posts"));
        assert!(page1.contains("Paged 000") && !page1.contains("Paged 100"));
        let page2 = b.get("/admin/content/posts?o=title&p=2").await.text;
        assert!(
            page2.contains("Paged 100")
                && page2.contains("Paged 104")
                && !page2.contains("Paged 099")
        );
        assert!(page2.contains("aria-current=\"page\">2<"));
        let desc = b.get("/admin/content/posts?o=-title").await.text;
        assert!(desc.find("Paged 104").unwrap() < desc.find("Paged 103").unwrap());
        assert!(desc.contains("aria-sort=\"descending\""));
        // Past the last page: a page that says so, not an error.
        let far = b.get("/admin/content/posts?p=50").await;
        assert_eq!(far.status, StatusCode::OK);
        assert!(far.text.contains("There are no rows on page 50"));
        // Date ranges: the last 7 days (days_ago 0..6, all dated in the past).
        let week = b
            .get(
                "/admin/content/posts?published_at__gte="
                    .to_string()
                    .as_str(),
            )
            .await;
        assert_eq!(week.status, StatusCode::OK);
        let from = (chrono::Utc::now() - chrono::Duration::days(7))
            .format("%Y-%m-%d")
            .to_string();
        let week = b
            .get(&format!("/admin/content/posts?published_at__gte={from}"))
            .await
            .text;
        assert!(
            week.contains("Paged 000") && week.contains("Paged 006") && !week.contains("Paged 010"),
            "{week}"
        );
        // htmx asks for the list region only; the same address without htmx is a whole page.
        let part = b
            .request(
                axum::http::Method::GET,
                "/admin/content/posts?state=published",
                None,
                &[("HX-Request", "true"), ("HX-Target", "changelist")],
            )
            .await
            .text;
        assert!(
            part.trim_start().starts_with("<div id=\"changelist\""),
            "{}",
            &part[..200.min(part.len())]
        );
        assert!(!part.contains("<html"));
    }
);

both_backends!(
    a_posts_tags_are_edited_on_its_form_and_audited,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let editor = user(&app, "editor", "Tag Editor").await;
        let post = fixtures::post(
            db,
            &editor,
            PostSpec::published("Tagged", 1).tags(&["Food"]),
        )
        .await;
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let url = format!("/admin/content/posts/{}", post.id);
        let form = b.get(&url).await.text;
        assert!(
            form.contains("id=\"field-tags\"") && form.contains("value=\"Food\""),
            "{form}"
        );
        let lock = post.lock_version.to_string();
        let res = b
            .post(
                &url,
                &[
                    ("title", "Tagged"),
                    ("summary", &post.summary),
                    ("body_markdown", &post.body_markdown),
                    ("state", "published"),
                    ("visibility", "public"),
                    ("author_id", &editor.id.to_string()),
                    ("lock_version", &lock),
                    ("tags", "Food, Night markets ,, Food"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let tags = copydesk::models::tags::Model::for_posts(db, &[post.id])
            .await
            .unwrap()
            .remove(&post.id)
            .unwrap();
        let mut names: Vec<String> = tags.into_iter().map(|t| t.name).collect();
        names.sort();
        assert_eq!(names, vec!["Food".to_string(), "Night markets".to_string()]);
        let history = b.get(&format!("{url}/history")).await.text;
        assert!(
            history.contains("Night markets"),
            "the tag change is in the history"
        );
    }
);

both_backends!(
    a_row_action_approves_one_comment_in_place,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let writer = fixtures::author(db, "Row Writer").await;
        let post = fixtures::post(db, &writer, PostSpec::published("Commented", 1)).await;
        let first = comment(&app, post.id, "Please approve me").await;
        let second = comment(&app, post.id, "Leave me pending").await;
        let moderator = user(&app, "moderator", "Row Moderator").await;
        let mut m = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        let list = m.get("/admin/community/comments").await.text;
        assert!(
            list.contains(&format!("value=\"{}:approve\"", first.id)),
            "{list}"
        );
        assert!(
            !list.contains(":delete\""),
            "deletes always go through confirmation"
        );
        // With htmx the button posts in place; the list comes back with the flash in it.
        let res = m
            .request(
                axum::http::Method::POST,
                "/admin/community/comments",
                Some(format!(
                    "_csrf={}&_row={}%3Aapprove&_back=%2Fadmin%2Fcommunity%2Fcomments",
                    m.csrf().await,
                    first.id
                )),
                &[("HX-Request", "true"), ("HX-Target", "changelist")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let statuses: Vec<(i32, String)> = comments::Entity::find()
            .order_by_asc(comments::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.status))
            .collect();
        assert_eq!(
            statuses,
            vec![(first.id, "approved".into()), (second.id, "pending".into())]
        );
        let after = m
            .request(
                axum::http::Method::GET,
                "/admin/community/comments",
                None,
                &[("HX-Request", "true"), ("HX-Target", "changelist")],
            )
            .await
            .text;
        assert!(after.contains("Approve: 1 comment changed"), "{after}");
        assert!(
            !after.contains(&format!("value=\"{}:approve\"", first.id)),
            "no button that would change nothing"
        );
        assert_eq!(
            audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq("comment.approve"))
                .count(db)
                .await
                .unwrap(),
            1
        );
        // Not an inline action, or not allowed: refused.
        let res = m
            .post(
                "/admin/community/comments",
                &[("_row", &format!("{}:delete", second.id))],
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let author = user(&app, "author", "Row Author").await;
        let mut a = Browser::signed_in(&app, &author.email, "/admin/login").await;
        assert!(
            !a.get("/admin/community/comments")
                .await
                .text
                .contains(":approve\"")
        );
        let res = a
            .post(
                "/admin/community/comments",
                &[("_row", &format!("{}:approve", second.id))],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    a_moderator_suspends_a_member_and_unlocks_sign_in_from_the_persons_page,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let moderator = user(&app, "moderator", "Mod Erator").await;
        let member = user(&app, "member", "Spammy Member").await;
        let editor = user(&app, "editor", "Senior Editor").await;
        let mut m = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        let url = format!("/admin/people/users/{}", member.id);
        let page = m.get(&url).await.text;
        assert!(
            page.contains("name=\"status\"") && !page.contains("name=\"display_name\""),
            "{page}"
        );
        assert!(page.contains("Unlock sign-in"));
        // Role and status are all a moderator may change; a forged name is ignored.
        let res = m
            .post(
                &url,
                &[
                    ("display_name", "Renamed"),
                    ("role", "member"),
                    ("status", "suspended"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let saved = person(db, member.id).await;
        assert_eq!(
            (saved.display_name.as_str(), saved.status.as_str()),
            ("Spammy Member", "suspended")
        );
        // The unlock button comes back to the person's page.
        let res = m
            .post(
                &format!("/admin/users/{}/unlock", member.id),
                &[("back", url.as_str())],
            )
            .await;
        assert_eq!(res.header("location"), Some(url.as_str()));
        let res = m
            .post(
                &format!("/admin/users/{}/unlock", member.id),
                &[("back", "//evil.example/")],
            )
            .await;
        // An address off this site is not followed: back to the person's page.
        assert_eq!(res.header("location"), Some(url.as_str()));
        // Nothing of someone of higher rank.
        let page = m
            .get(&format!("/admin/people/users/{}", editor.id))
            .await
            .text;
        assert!(!page.contains("name=\"status\"") && !page.contains("Unlock sign-in"));
    }
);

//! The workflow page: each step a form that works without JavaScript, its refusals next to
//! the field, the timeline, and only the steps the viewer may take.
use axum::http::StatusCode;
use copydesk::models::_entities::posts as post_entity;
use sea_orm::EntityTrait;

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

both_backends!(
    a_post_goes_from_draft_to_published_on_the_workflow_page,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = user(&app, "author", "Ada Author").await;
        let ed = user(&app, "editor", "Eda Editor").await;
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Night shift", 1)
                .state("draft")
                .undated(),
        )
        .await;
        let url = format!("/admin/posts/{}/workflow", post.id);
        let version = |db| async move {
            post_entity::Entity::find_by_id(post.id)
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .lock_version
                .to_string()
        };

        let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
        let change = a.get(&format!("/admin/content/posts/{}", post.id)).await;
        assert!(
            change.text.contains(&url),
            "the post page links its workflow"
        );
        let page = a.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("Submit for review"));
        assert!(
            !page.text.contains("Publish now"),
            "an author does not publish"
        );
        let v = version(db).await;
        let res = a
            .post(&url, &[("transition", "submit"), ("lock_version", &v)])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        // Taking it again does not apply any more, and the author may not approve.
        let again = a
            .post(
                &url,
                &[
                    ("transition", "submit"),
                    ("lock_version", &version(db).await),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            again
                .text
                .contains("does not apply to a post that is in review"),
            "{}",
            again.text
        );
        let approve = a
            .post(
                &url,
                &[
                    ("transition", "approve"),
                    ("lock_version", &version(db).await),
                ],
            )
            .await;
        assert_eq!(approve.status, StatusCode::FORBIDDEN);

        // The editor asks for changes: without a note the reason sits next to the field.
        let mut e = Browser::signed_in(&app, &ed.email, "/admin/login").await;
        let v = version(db).await;
        let bare = e
            .post(
                &url,
                &[
                    ("transition", "request_changes"),
                    ("lock_version", &v),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bare.text.contains("id=\"note-request_changes-error\""),
            "{}",
            bare.text
        );
        let note = "Cut the <b>intro</b>.";
        let res = e
            .post(
                &url,
                &[
                    ("transition", "request_changes"),
                    ("lock_version", &v),
                    ("note", note),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let seen = a.get(&url).await;
        assert!(
            seen.text.contains("Cut the &lt;b&gt;intro&lt;&#x2F;b&gt;.")
                || seen.text.contains("Cut the &lt;b&gt;intro&lt;/b&gt;."),
            "{}",
            seen.text
        );
        assert!(seen.text.contains("Request changes"));

        // Submit, approve, schedule with a bad and then a good time, publish now.
        a.post(
            &url,
            &[
                ("transition", "submit"),
                ("lock_version", &version(db).await),
            ],
        )
        .await;
        e.post(
            &url,
            &[
                ("transition", "approve"),
                ("lock_version", &version(db).await),
            ],
        )
        .await;
        // Edited after its approval: the revisions page offers just those changes.
        let approved = post_entity::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let mut f = fixtures::form_of(&approved, &[]);
        f.body_markdown = "Boats, and a late edit.".into();
        copydesk::models::posts::update(
            db,
            &fixtures::actor(&ed),
            &fixtures::meta(),
            crate::common::fixtures::policy(),
            post.id,
            approved.lock_version,
            &f,
        )
        .await
        .unwrap();
        let list = e
            .get(&format!("/admin/posts/{}/revisions", post.id))
            .await
            .text;
        assert!(
            list.contains("Changes since the last approved revision (1)"),
            "{list}"
        );
        assert!(list.contains("compare?a=1&amp;b=2"), "{list}");
        // New words after the approval need a new one: the edit sent it back to review.
        let back = post_entity::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.state, "in_review");
        e.post(
            &url,
            &[
                ("transition", "approve"),
                ("lock_version", &version(db).await),
            ],
        )
        .await;
        let bad = e
            .post(
                &url,
                &[
                    ("transition", "schedule"),
                    ("lock_version", &version(db).await),
                    ("at", "tomorrow"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.text.contains("id=\"at-schedule-error\""),
            "{}",
            bad.text
        );
        let stale = e
            .post(
                &url,
                &[
                    ("transition", "schedule"),
                    ("lock_version", "0"),
                    ("seen_state", "draft"),
                    ("seen_revision", "1"),
                    ("at", "2099-01-01T09:00"),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        // Both versions: what the page showed, and the post now, with the latest step.
        let conflict =
            crate::common::fragment(&stale.text, "id=\"step-conflict-title\"", "</section>");
        assert!(conflict.contains("When you opened the page"), "{conflict}");
        assert!(conflict.contains("<td>0</td>"), "{conflict}");
        assert!(
            conflict.contains("<td>draft</td><td>approved</td>"),
            "{conflict}"
        );
        // The text was edited since revision 1: the two can be compared.
        assert!(
            conflict.contains(&format!(
                "/admin/posts/{}/revisions/compare?a=1&amp;b=2",
                post.id
            )),
            "{conflict}"
        );
        assert!(
            conflict.contains("Latest step: Approve: Eda Editor"),
            "{conflict}"
        );
        assert!(stale.text.contains("nothing was done"));
        assert!(
            stale
                .text
                .contains("name=\"seen_state\" value=\"approved\""),
            "the forms carry what they show"
        );
        let ok = e
            .post(
                &url,
                &[
                    ("transition", "schedule"),
                    ("lock_version", &version(db).await),
                    ("at", "2099-01-01T09:00"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        let scheduled = e.get(&url).await;
        assert!(
            scheduled.text.contains("2099-01-01 09:00 UTC"),
            "{}",
            scheduled.text
        );
        let ok = e
            .post(
                &url,
                &[
                    ("transition", "publish_now"),
                    ("lock_version", &version(db).await),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let stored = post_entity::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.state, "published");
        let public = a.get(&format!("/posts/{}", stored.slug)).await;
        assert_eq!(public.status, StatusCode::OK, "readers see it");
    }
);

both_backends!(
    the_workflow_page_lists_what_the_accessibility_check_finds,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = user(&app, "author", "Ada Author").await;
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Pictures", 1)
                .state("draft")
                .undated()
                .body("Intro.\n\n![](/x.png)\n\n[click here](https://example.com/<script>alert(1)</script>)\n"),
        )
        .await;
        let url = format!("/admin/posts/{}/workflow", post.id);
        let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
        let page = a.get(&url).await;
        assert_eq!(page.status, StatusCode::OK);
        let open = page.text.find("<body").expect("a body");
        let body = &page.text[open + page.text[open..].find('>').unwrap() + 1..];
        crate::common::html_safety::assert_page_safe(body, "workflow page");
        for part in [
            "Accessibility check",
            &format!("/admin/content/posts/{}#field-body_markdown", post.id),
            "Body, line 3",
            "<code>image_alt</code>",
            "<code>link_text_vague</code>",
            "Blocked by the accessibility check above.",
        ] {
            assert!(page.text.contains(part), "{part} in {}", page.text);
        }
        assert!(
            !page.text.contains("override_reason"),
            "authors are not offered the override"
        );
        let res = a
            .post(
                &url,
                &[
                    ("transition", "submit"),
                    ("lock_version", &post.lock_version.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text.contains("2 accessibility problems block"),
            "{}",
            res.text
        );
        // The post's own page lists them too, each a link to its field.
        let change = a.get(&format!("/admin/content/posts/{}", post.id)).await;
        assert!(
            change.text.contains("href=\"#field-body_markdown\""),
            "{}",
            change.text
        );
    }
);

both_backends!(
    review_comments_show_next_to_their_field,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = user(&app, "author", "Ada Author").await;
        let rhea = user(&app, "reviewer", "Rhea Reviewer").await;
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Talked about", 1).state("in_review"),
        )
        .await;
        let mut r = Browser::signed_in(&app, &rhea.email, "/admin/login").await;
        let url = format!("/admin/posts/{}/comments", post.id);
        let res = r
            .post(
                &url,
                &[
                    ("field", "summary"),
                    ("body", "Say <script>alert(1)</script> who counts."),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let page = r.get(&format!("/admin/posts/{}/workflow", post.id)).await;
        assert!(page.text.contains("Review comments"));
        assert!(
            page.text
                .contains("Say &lt;script&gt;alert(1)&lt;&#x2F;script&gt; who counts.")
                || page
                    .text
                    .contains("Say &lt;script&gt;alert(1)&lt;/script&gt; who counts."),
            "{}",
            page.text
        );
        // The author sees it under the summary on the post's page, and resolves it there.
        let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
        let change = a.get(&format!("/admin/content/posts/{}", post.id)).await;
        let notes = change
            .text
            .find("aria-label=\"Notes on Summary\"")
            .expect("notes under the summary");
        assert!(
            change.text[notes..].contains("Review comment:"),
            "{}",
            change.text
        );
        let comment = copydesk::models::posts::review_comments::list(db, post.id)
            .await
            .unwrap()
            .remove(0);
        let res = a
            .post(
                &format!("/admin/posts/{}/comments/{}/resolve", post.id, comment.id),
                &[("back", "post")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(
            res.header("location"),
            Some(format!("/admin/content/posts/{}", post.id).as_str())
        );
        let after = a.get(&format!("/admin/content/posts/{}", post.id)).await;
        assert!(!after.text.contains("aria-label=\"Notes on Summary\""));
        assert!(after.text.contains("Marked resolved."));
    }
);

both_backends!(
    the_board_shows_each_lane_with_its_count,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = user(&app, "author", "Ada Author").await;
        let ed = user(&app, "editor", "Eda Editor").await;
        fixtures::post(
            db,
            &ada,
            PostSpec::published("Boarded <b>draft</b>", 1).state("draft"),
        )
        .await;
        let mut e = Browser::signed_in(&app, &ed.email, "/admin/login").await;
        let page = e.get("/admin/board").await;
        assert_eq!(page.status, StatusCode::OK);
        for part in [
            "Draft <span class=\"count\">(1)</span>",
            "In review: Review",
            "Boarded &lt;b&gt;draft",
            "name=\"author\"",
            "name=\"tag\"",
        ] {
            assert!(page.text.contains(part), "{part} in {}", page.text);
        }
        let filtered = e.get(&format!("/admin/board?author={}", ed.id)).await;
        assert!(
            filtered
                .text
                .contains("Draft <span class=\"count\">(0)</span>")
        );
        assert!(filtered.text.contains("Clear the filters"));
        // An author's board has no author filter: it is theirs.
        let mut a = Browser::signed_in(&app, &ada.email, "/admin/login").await;
        assert!(!a.get("/admin/board").await.text.contains("name=\"author\""));
    }
);

both_backends!(
    each_person_reads_and_types_times_in_their_own_zone,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = user(&app, "author", "Ada Author").await;
        let eda = user(&app, "editor", "Eda Editor").await;
        let uma = user(&app, "editor", "Uma Utc").await;
        let post = fixtures::post(
            db,
            &ada,
            PostSpec::published("Zoned", 1).state("approved").undated(),
        )
        .await;
        let url = format!("/admin/posts/{}/workflow", post.id);

        // Eda chooses New York on her account page; a zone that does not exist is refused
        // next to the field.
        let mut e = Browser::signed_in(&app, &eda.email, "/admin/login").await;
        let account = e.get("/account").await;
        assert!(
            account.text.contains("The site’s (UTC)"),
            "{}",
            account.text
        );
        assert!(account.text.contains("<option>America/New_York</option>"));
        let bad = e
            .post(
                "/account/profile",
                &[
                    ("display_name", "Eda Editor"),
                    ("bio", ""),
                    ("time_zone", "Mars/Olympus_Mons"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.text.contains("id=\"profile-zone-error\""),
            "{}",
            bad.text
        );
        assert!(bad.text.contains("Choose a time zone from the list"));
        let ok = e
            .post(
                "/account/profile",
                &[
                    ("display_name", "Eda Editor"),
                    ("bio", ""),
                    ("time_zone", "America/New_York"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        assert!(
            e.get("/account")
                .await
                .text
                .contains("<option selected>America/New_York</option>")
        );

        // The time she types is New York time; she reads it back so, Uma in the site's zone.
        let page = e.get(&url).await;
        assert!(
            page.text.contains("America/New_York"),
            "the field names her zone"
        );
        let res = e
            .post(
                &url,
                &[
                    ("transition", "schedule"),
                    ("lock_version", &post.lock_version.to_string()),
                    ("at", "2099-01-01T09:00"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let stored = post_entity::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.scheduled_at.map(|d| d.to_utc().to_rfc3339()),
            Some("2099-01-01T14:00:00+00:00".to_string())
        );
        assert!(
            e.get(&url)
                .await
                .text
                .contains("2099-01-01 09:00 EST (-05:00)")
        );
        let mut u = Browser::signed_in(&app, &uma.email, "/admin/login").await;
        assert!(
            u.get(&url)
                .await
                .text
                .contains("2099-01-01 14:00 UTC (+00:00)")
        );
    }
);

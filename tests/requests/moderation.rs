//! The moderation screens through HTTP, as a browser without JavaScript uses them: the
//! queue with its filters and live counts, a case (claim, decide with the error next to the
//! field, sanction), the bulk confirmation, the mod log, the account page's strikes and
//! appeal form, and the transparency page.
use axum::http::StatusCode;
use copydesk::{
    models::{
        comments,
        moderation::{self, NewFlag, Reason, Source, Target},
    },
    settings::Moderation,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

async fn reported_comment(
    app: &TestApp,
    author: &copydesk::models::users::Model,
    body: &str,
    by: i32,
) -> (comments::Model, moderation::Case) {
    let db = &app.ctx.db;
    let n = body.len() * 31 + body.bytes().map(usize::from).sum::<usize>();
    let writer = fixtures::author(db, &format!("Writer {n}")).await;
    let post = fixtures::post(db, &writer, PostSpec::published(&format!("Post {n}"), 1)).await;
    let c = comments::ActiveModel {
        post_id: Set(post.id),
        author_id: Set(Some(author.id)),
        guest_name: Set(None),
        body: Set(body.into()),
        status: Set("approved".into()),
        ip_hash: Set("ip".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let case = moderation::flag(
        db,
        &Moderation::default(),
        &NewFlag {
            target: Target::Comment(c.id),
            source: Source::Report,
            reason: Reason::Harassment.as_str().into(),
            text: "<script>alert('report')</script> rude".into(),
            reporter_id: Some(by),
            reporter_key: String::new(),
        },
    )
    .await
    .unwrap();
    (c, case)
}

both_backends!(
    a_moderator_works_a_case_without_javascript,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let member = user(&app, "member", "Reported Member").await;
        let reader = user(&app, "member", "Reporting Reader").await;
        let (_, case) =
            reported_comment(&app, &member, "you are all <b>idiots</b>", reader.id).await;
        let _mod = user(&app, "moderator", "Queue Moderator").await;
        let mut m = Browser::signed_in(&app, &_mod.email, "/admin/login").await;

        // The queue lists it, escaped, with live counts and filters.
        let q = m.get("/admin/moderation").await;
        assert_eq!(q.status, StatusCode::OK);
        assert!(
            q.text
                .contains(&format!("/admin/moderation/cases/{}", case.id))
        );
        assert!(
            q.text
                .contains("you are all &lt;b&gt;idiots&lt;&#x2F;b&gt;")
                || q.text.contains("you are all &lt;b&gt;idiots&lt;/b&gt;"),
            "escaped"
        );
        assert!(!q.text.contains("<b>idiots</b>"));
        assert!(q.text.contains("data-live-url=\"/admin/moderation/live\""));
        let filtered = m.get("/admin/moderation?reason=spam").await;
        assert!(filtered.text.contains("No case matches the filter."));
        let live = m.get("/admin/moderation/live?once=1").await;
        assert_eq!(live.status, StatusCode::OK);
        assert!(
            live.header("content-type")
                .unwrap()
                .starts_with("text/event-stream")
        );
        assert!(
            live.text.contains("event: counts") && live.text.contains("\"open\":1"),
            "{}",
            live.text
        );

        // The case page: the report text is escaped, the score explained.
        let url = format!("/admin/moderation/cases/{}", case.id);
        let page = m.get(&url).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text.contains("<script>alert('report')</script>"));
        assert!(page.text.contains("&lt;script&gt;"));
        assert!(page.text.contains("harassment 2.00 × accuracy 1.00"));

        // Claim it.
        let claimed = m
            .post(
                &format!("{url}/claim"),
                &[("lock_version", &case.lock_version.to_string())],
            )
            .await;
        assert_eq!(claimed.status, StatusCode::SEE_OTHER);
        let page = m.get(&url).await;
        assert!(
            page.text.contains("Let go of this case"),
            "held by the viewer"
        );

        // Another moderator sees who holds it and cannot decide.
        let other = user(&app, "moderator", "Other Moderator").await;
        let mut o = Browser::signed_in(&app, &other.email, "/admin/login").await;
        let seen = o.get(&url).await;
        assert!(seen.text.contains("Queue Moderator holds this case"));
        let refused = o
            .post(&format!("{url}/decide"), &[("decision", "keep")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text.contains("has claimed this case"));

        // Removing without a reason: the message is next to the field, nothing changes.
        let now = moderation::cases::Entity::find_by_id(case.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let bad = m
            .post(
                &format!("{url}/decide"),
                &[
                    ("decision", "remove"),
                    ("seen_version", &now.lock_version.to_string()),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.text.contains("id=\"decide-reason-error\""),
            "{}",
            bad.text
        );
        // With a reason it is removed, and the case closes.
        let ok = m
            .post(
                &format!("{url}/decide"),
                &[
                    ("decision", "remove"),
                    ("note", "Insults"),
                    ("seen_version", &now.lock_version.to_string()),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
        let after = moderation::cases::Entity::find_by_id(case.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(after.removed && after.hidden);
        assert_eq!(after.status, "closed");

        // Sanction the author: a silence needs its days next to the field.
        let no_days = m
            .post(
                &format!("{url}/sanction"),
                &[("kind", "silence"), ("note", "Insults")],
            )
            .await;
        assert_eq!(no_days.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_days.text.contains("id=\"sanction-days-error\""));
        let silenced = m
            .post(
                &format!("{url}/sanction"),
                &[("kind", "silence"), ("days", "3"), ("note", "Insults")],
            )
            .await;
        assert_eq!(silenced.status, StatusCode::SEE_OTHER);
        assert!(
            moderation::sanctions::silenced_until(db, member.id)
                .await
                .unwrap()
                .is_some()
        );

        // The mod log shows both, filterable by action.
        let log = m.get("/admin/moderation/log?action=silence").await;
        assert_eq!(log.status, StatusCode::OK);
        assert!(
            log.text.contains("<td>silenced</td>") && !log.text.contains("<td>removed</td>"),
            "filtered by action"
        );
        let all = m.get("/admin/moderation/log").await;
        assert!(all.text.contains("<td>removed</td>") && all.text.contains("Queue Moderator"));

        // The member sees the strike and the removal on /account, and appeals the silence.
        let mut r = Browser::signed_in(&app, &member.email, "/login").await;
        let account = r.get("/account").await;
        assert!(account.text.contains("Strikes and appeals"));
        assert!(account.text.contains("You cannot comment until"));
        let sanction = moderation::sanctions::strikes_of(db, member.id)
            .await
            .unwrap()
            .remove(0);
        let short = r
            .post(
                "/account/appeals",
                &[
                    ("kind", "sanction"),
                    ("id", &sanction.id.to_string()),
                    ("text", "no"),
                ],
            )
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            short
                .text
                .contains(&format!("id=\"appeal-sanction-{}-error\"", sanction.id))
        );
        let sent = r
            .post(
                "/account/appeals",
                &[
                    ("kind", "sanction"),
                    ("id", &sanction.id.to_string()),
                    ("text", "It was a heated moment; I apologise."),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        let account = r.get("/account?saved=appeal").await;
        assert!(
            account
                .text
                .contains("Your appeal is waiting for a moderator.")
        );

        // The appeal is in the queue; the moderator who acted may not decide it.
        let appeals = m.get("/admin/moderation?kind=appeal").await;
        assert!(appeals.text.contains("It was a heated moment"));
        let appeal_case = moderation::cases::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.target_type == "appeal")
            .unwrap();
        let aurl = format!("/admin/moderation/cases/{}", appeal_case.id);
        let own = m.get(&aurl).await;
        assert!(own.text.contains("You took the action appealed"));
        let upheld = o
            .post(
                &format!("{aurl}/appeal"),
                &[("outcome", "uphold"), ("note", "Fair enough.")],
            )
            .await;
        assert_eq!(upheld.status, StatusCode::SEE_OTHER, "{}", upheld.text);
        assert!(
            moderation::sanctions::silenced_until(db, member.id)
                .await
                .unwrap()
                .is_none()
        );

        // Roles without `moderate` are refused.
        let author = user(&app, "author", "Curious Author").await;
        let mut a = Browser::signed_in(&app, &author.email, "/admin/login").await;
        assert_eq!(
            a.get("/admin/moderation").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(a.get(&url).await.status, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    a_bulk_decision_asks_first_and_does_exactly_what_was_confirmed,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let member = user(&app, "member", "Bulk Member").await;
        let reader = user(&app, "member", "Bulk Reader").await;
        let mut ids = Vec::new();
        for i in 0..3 {
            ids.push(
                reported_comment(&app, &member, &format!("bulk {i}"), reader.id)
                    .await
                    .1
                    .id,
            );
        }
        let moderator = user(&app, "moderator", "Bulk Moderator").await;
        let mut m = Browser::signed_in(&app, &moderator.email, "/admin/login").await;
        let q = m.get("/admin/moderation").await;
        let max_id = q
            .text
            .split("name=\"max_id\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        // Without ticking anything: the message is next to the choice.
        let none = m
            .post(
                "/admin/moderation/bulk",
                &[
                    ("scope", "selected"),
                    ("decision", "keep"),
                    ("max_id", &max_id),
                ],
            )
            .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.text.contains("id=\"scope-error\""));
        // Over the filter: a confirmation first, nothing changed yet.
        let confirm = m
            .post(
                "/admin/moderation/bulk",
                &[
                    ("scope", "filter"),
                    ("decision", "keep"),
                    ("reason", "Within the rules"),
                    ("max_id", &max_id),
                    ("query", ""),
                ],
            )
            .await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(
            confirm
                .text
                .contains("Confirm: Keep (dismiss the reports) 3 cases"),
            "{}",
            confirm.text
        );
        assert!(
            moderation::cases::Entity::find()
                .all(db)
                .await
                .unwrap()
                .iter()
                .all(|c| c.status == "open")
        );
        // A case that arrives now is not swept in.
        let late = reported_comment(&app, &member, "late", reader.id).await.1;
        let mut fields: Vec<(&str, String)> = vec![
            ("confirmed", "yes".into()),
            ("decision", "keep".into()),
            ("reason", "Within the rules".into()),
            ("scope", "selected".into()),
            ("max_id", max_id.clone()),
            ("query", String::new()),
        ];
        for id in &ids {
            fields.push(("ids", id.to_string()));
        }
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let done = m.post("/admin/moderation/bulk", &f).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let cases = moderation::cases::Entity::find().all(db).await.unwrap();
        for c in &cases {
            if ids.contains(&c.id) {
                assert_eq!(c.status, "closed");
            }
        }
        assert_eq!(
            cases.iter().find(|c| c.id == late.id).unwrap().status,
            "open"
        );
    }
);

both_backends!(
    the_transparency_page_names_no_moderator,
    |app: TestApp| async move {
        let member = user(&app, "member", "Public Member").await;
        let reader = user(&app, "member", "Public Reader").await;
        let (_, case) = reported_comment(&app, &member, "public case", reader.id).await;
        let moderator = user(&app, "moderator", "Secret Moderator").await;
        moderation::decide::decide(
            &app.ctx.db,
            &fixtures::actor(&moderator),
            &fixtures::meta(),
            &Moderation::default(),
            case.id,
            &moderation::decide::DecisionForm {
                decision: "remove".into(),
                reason: "Harassment <i>plain</i>".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut b = Browser::new(&app);
        // config/test.yaml turns the page on (it is off unless configured).
        let page = b.get("/moderation").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("removed"));
        assert!(
            page.text
                .contains("Harassment &lt;i&gt;plain&lt;&#x2F;i&gt;")
                || page.text.contains("Harassment &lt;i&gt;plain&lt;/i&gt;"),
            "the reason is escaped"
        );
        assert!(
            !page.text.contains("Secret Moderator"),
            "no moderator is named"
        );
        assert!(
            !page.text.contains("Public Member"),
            "nor the person concerned"
        );
    }
);

both_backends!(
    a_banned_person_appeals_by_the_link_their_notice_carries,
    |app: TestApp| async move {
        use copydesk::models::{_entities::mail_outbox, user_tokens};
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
        let db = &app.ctx.db;
        let member = user(&app, "member", "Banned Member").await;
        let reader = user(&app, "member", "Ban Reporter").await;
        let (_, case) = reported_comment(&app, &member, "buy pills here", reader.id).await;
        let admin = user(&app, "admin", "Ban Admin").await;
        let mut a = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let mut signed_in = Browser::signed_in(&app, &member.email, "/login").await;
        let url = format!("/admin/moderation/cases/{}", case.id);
        a.get(&url).await;
        let newest_notice = || async {
            mail_outbox::Entity::find()
                .filter(mail_outbox::Column::ToAddress.eq(member.email.clone()))
                .order_by_desc(mail_outbox::Column::Id)
                .one(db)
                .await
                .unwrap()
                .unwrap()
        };

        // A warning leaves the person able to sign in: their notice links to /account.
        let warned = a
            .post(
                &format!("{url}/sanction"),
                &[("kind", "warn"), ("note", "Spam links")],
            )
            .await;
        assert_eq!(warned.status, StatusCode::SEE_OTHER, "{}", warned.text);
        let warning = newest_notice().await;
        assert_eq!(warning.link_kind, None);
        assert!(warning.text_body.contains("/account#moderation"));

        // A ban signs them out; the notice carries an appeal link, not stored anywhere.
        let banned = a
            .post(
                &format!("{url}/sanction"),
                &[("kind", "ban"), ("note", "Spam after a warning")],
            )
            .await;
        assert_eq!(banned.status, StatusCode::SEE_OTHER, "{}", banned.text);
        let notice = newest_notice().await;
        assert_eq!(notice.link_kind.as_deref(), Some(user_tokens::APPEAL));
        assert!(notice.text_body.contains("[link added when sent]"));
        assert!(
            !notice.text_body.contains("/appeal/"),
            "no usable link is kept"
        );
        assert!(notice.text_body.contains("works without signing in"));
        assert_ne!(
            signed_in.get("/account").await.status,
            StatusCode::OK,
            "the ban ended their session"
        );
        let token = crate::common::mail_sink::last_delivered(&app, &member.email)
            .await
            .token("/appeal/");
        let path = format!("/appeal/{token}");

        // The link shows their standing and the appeal form, and signs nobody in.
        let mut b = Browser::new(&app);
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("Your account is banned"));
        assert!(page.text.contains("You were banned"));
        assert!(page.text.contains(&format!("action=\"{path}\"")));
        assert_ne!(b.get("/account").await.status, StatusCode::OK);
        let ban = moderation::sanctions::strikes_of(db, member.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.kind == "ban")
            .unwrap();
        let id = ban.id.to_string();

        // Errors come back next to the field; nothing that is not theirs can be appealed.
        let short = b
            .post(&path, &[("kind", "sanction"), ("id", &id), ("text", "no")])
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            short
                .text
                .contains(&format!("id=\"appeal-sanction-{id}-error\""))
        );
        let reader_warned = moderation::sanctions::sanction(
            db,
            &fixtures::actor(&admin),
            &copydesk::actor::RequestMeta::system("test"),
            &Moderation::default(),
            &moderation::sanctions::SanctionForm {
                user_id: reader.id,
                kind: "warn".into(),
                note: "Reported in bad faith".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let theirs = b
            .post(
                &path,
                &[
                    ("kind", "sanction"),
                    ("id", &reader_warned.sanction.id.to_string()),
                    ("text", "Please undo my neighbour's warning."),
                ],
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);

        // The appeal is filed as them, joins the queue, and can be made once.
        let sent = b
            .post(
                &path,
                &[
                    ("kind", "sanction"),
                    ("id", &id),
                    ("text", "Those were links to my own shop; I will stop."),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
        let back = b.get(&format!("{path}?saved=1")).await;
        assert!(back.text.contains("Your appeal is sent."));
        assert!(
            back.text
                .contains("Your appeal is waiting for a moderator.")
        );
        let appeal = moderation::appeals::entity::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.sanction_id == Some(ban.id))
            .unwrap();
        assert_eq!(appeal.appellant_id, member.id);
        let queue = a.get("/admin/moderation?kind=appeal").await;
        assert!(queue.text.contains("Those were links to my own shop"));
        let again = b
            .post(
                &path,
                &[
                    ("kind", "sanction"),
                    ("id", &id),
                    ("text", "Once more, with feeling, please."),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.text.contains("already appealed"));

        // Another kind of token, an unknown one, and an expired one are refused.
        let reset = user_tokens::issue(
            db,
            member.id,
            user_tokens::RESET_PASSWORD,
            chrono::Duration::hours(1),
        )
        .await
        .unwrap();
        assert_eq!(
            b.get(&format!("/appeal/{reset}")).await.status,
            StatusCode::GONE
        );
        assert_eq!(b.get("/appeal/not-a-token").await.status, StatusCode::GONE);
        user_tokens::Entity::update_many()
            .col_expr(
                user_tokens::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(
                    copydesk::models::now() - chrono::Duration::minutes(1),
                ),
            )
            .filter(user_tokens::Column::Kind.eq(user_tokens::APPEAL))
            .exec(db)
            .await
            .unwrap();
        let expired = b.get(&path).await;
        assert_eq!(expired.status, StatusCode::GONE);
        assert!(expired.text.contains("appeal window"));
    }
);

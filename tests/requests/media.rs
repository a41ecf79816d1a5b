//! Uploading images in the admin: the kind comes from the bytes, the size and the alt text
//! are checked with a message next to the field, only roles with `media.add` may upload,
//! and the stored file is served with long-lived, no-sniff headers.
use axum::http::StatusCode;
use copydesk::models::{audit, media};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        uploads::{jpeg, multipart, png, post_multipart, upload},
    },
};

async fn editor(app: &TestApp) -> Browser {
    let u = user(app, "editor", "Eddie Tor").await;
    Browser::signed_in(app, &u.email, "/admin/login").await
}

async fn media_count(app: &TestApp) -> u64 {
    media::Entity::find().count(&app.ctx.db).await.unwrap()
}

both_backends!(
    png_and_jpeg_uploads_are_stored_and_served,
    |app: TestApp| async move {
        let b = editor(&app).await;
        let form = b.clone().get("/admin/media/upload").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text.contains(r#"enctype="multipart/form-data""#));
        assert!(
            form.text
                .contains(r#"<input id="upload-file" name="file" type="file""#)
        );
        assert!(form.text.contains(r#"<label for="upload-alt">Alt text"#));

        for (name, bytes, kind) in [
            ("harbour.png", png(40, 30), "image/png"),
            ("tram.jpg", jpeg(50, 20), "image/jpeg"),
        ] {
            let res = upload(&b, name, &bytes, "A test picture.").await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{name}: {}", res.text);
            let m = media::Entity::find()
                .filter(media::Column::FileName.eq(name))
                .one(&app.ctx.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                res.header("location"),
                Some(format!("/admin/content/media/{}", m.id).as_str())
            );
            assert_eq!(m.content_type, kind);
            assert_eq!(m.size_bytes, bytes.len() as i64);
            assert!(m.is_stored_image(), "{}", m.storage_key);
            assert!(
                !m.storage_key.contains(name.split('.').next().unwrap()),
                "random key"
            );
            let (w, h) = if kind == "image/png" {
                (40, 30)
            } else {
                (50, 20)
            };
            assert_eq!((m.width, m.height), (Some(w), Some(h)));
            assert_eq!(m.alt_text, "A test picture.");
            let entry = audit::Entity::find()
                .filter(audit::Column::Action.eq("media.add"))
                .filter(audit::Column::TargetId.eq(m.id.to_string()))
                .count(&app.ctx.db)
                .await
                .unwrap();
            assert_eq!(entry, 1, "audited in the same write");

            let served = app.get(&m.url()).await;
            assert_eq!(served.status, StatusCode::OK);
            assert_eq!(served.header("content-type"), Some(kind));
            assert_eq!(
                served.header("cache-control"),
                Some("public, max-age=31536000, immutable")
            );
            assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
        }
        // The file's page shows its stored files and where to upload more.
        let m = media::Entity::find()
            .filter(media::Column::FileName.eq("harbour.png"))
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        let page = b
            .clone()
            .get(&format!("/admin/content/media/{}", m.id))
            .await;
        assert!(page.text.contains("Stored files"), "{}", page.text);
        assert!(
            page.text
                .contains(&format!("![A test picture.]({})", m.url()))
        );
    }
);

both_backends!(the_kind_is_read_from_the_bytes, |app: TestApp| async move {
    let b = editor(&app).await;
    // A PNG named .jpg is stored as what it is.
    let res = upload(&b, "holiday.jpg", &png(10, 10), "Dots.").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let m = media::Entity::find()
        .filter(media::Column::FileName.eq("holiday.jpg"))
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.content_type, "image/png");
    assert!(m.storage_key.ends_with(".png"), "{}", m.storage_key);

    let before = media_count(&app).await;
    // HTML named .png: refused, with the message next to the file field.
    let res = upload(
        &b,
        "innocent.png",
        b"<html><script>alert(1)</script></html>",
        "x",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text.contains(r#"id="upload-file-error""#),
        "{}",
        res.text
    );
    assert!(res.text.contains("is not a JPEG, PNG, WebP or GIF image"));
    assert!(res.text.contains(r#"aria-invalid="true""#));
    // SVG: refused with its own message.
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let res = upload(&b, "logo.svg", svg, "A logo.").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text.contains("SVG files are not accepted"),
        "{}",
        res.text
    );
    // Nothing at all.
    let res = upload(&b, "", b"", "Nothing.").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("Choose an image file to upload."));
    assert_eq!(media_count(&app).await, before, "no row for a refusal");
});

both_backends!(
    too_big_and_missing_alt_text_are_refused,
    |app: TestApp| async move {
        let b = editor(&app).await;
        let limit = copydesk::settings::Settings::get(&app.ctx)
            .unwrap()
            .media
            .max_upload_bytes;
        assert_eq!(limit, 10 * 1024 * 1024, "the default limit");
        // A PNG header and then more bytes than the limit allows.
        let mut big = png(4, 4);
        big.resize(limit + 1, 0);
        let res = upload(&b, "huge.png", &big, "Huge.").await;
        assert!(
            matches!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE
            ),
            "{}",
            res.status
        );
        assert!(res.text.contains("larger than 10 MB"), "{}", res.text);
        // Far over the limit: refused before the body is read.
        let mut huge = png(4, 4);
        huge.resize(limit + 200 * 1024, 0);
        let res = upload(&b, "huger.png", &huge, "Huger.").await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);

        let res = upload(&b, "no-alt.png", &png(8, 8), "   ").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text.contains(r#"id="upload-alt-error""#),
            "{}",
            res.text
        );
        assert!(res.text.contains("alt text is required"));
        assert_eq!(media_count(&app).await, 0);
    }
);

both_backends!(
    only_roles_with_media_add_upload,
    |app: TestApp| async move {
        for role in ["moderator", "support", "reviewer"] {
            let u = user(&app, role, &format!("No Upload {role}")).await;
            let b = Browser::signed_in(&app, &u.email, "/admin/login").await;
            assert_eq!(
                b.clone().get("/admin/media/upload").await.status,
                StatusCode::FORBIDDEN
            );
            let res = upload(&b, "x.png", &png(8, 8), "X.").await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role}");
        }
        let reader = user(&app, "member", "Rita Reader").await;
        let b = Browser::signed_in(&app, &reader.email, "/login").await;
        let res = upload(&b, "x.png", &png(8, 8), "X.").await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "a reader");
        // An author may.
        let a = user(&app, "author", "Ava Author").await;
        let b = Browser::signed_in(&app, &a.email, "/admin/login").await;
        let res = upload(&b, "mine.png", &png(8, 8), "Mine.").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        // A multipart form without its token is stopped by CSRF.
        let body = multipart(&[("alt_text", "X.")], Some(("x.png", &png(8, 8))));
        let res = post_multipart(&b, "/admin/media/upload", body).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(media_count(&app).await, 1);
    }
);

both_backends!(unknown_keys_are_not_found, |app: TestApp| async move {
    for path in [
        "/media/images/0123456789abcdef0123456789abcdef.png",
        "/media/images/../config/test.yaml",
        "/media/%2e%2e/Cargo.toml",
        "/media/uploads/x.png",
        "/media/",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
});

both_backends!(
    resized_copies_can_be_queued_again_by_who_may_change_the_image,
    |app: TestApp| async move {
        let owner = user(&app, "author", "Owen Owner").await;
        let mut b = Browser::signed_in(&app, &owner.email, "/admin/login").await;
        let res = upload(&b, "again.png", &png(700, 70), "Again.").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let m = media::Entity::find()
            .filter(media::Column::FileName.eq("again.png"))
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        let page = b.get(&format!("/admin/content/media/{}", m.id)).await;
        assert!(
            page.text.contains("Make the resized copies"),
            "{}",
            page.text
        );
        let path = format!("/admin/media/{}/resize", m.id);
        let other = user(&app, "author", "Olga Other").await;
        let mut o = Browser::signed_in(&app, &other.email, "/admin/login").await;
        assert_eq!(
            o.post(&path, &[]).await.status,
            StatusCode::FORBIDDEN,
            "not theirs"
        );
        let res = b.post(&path, &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let queued = copydesk::jobs::records::record_statuses(
            &app.ctx,
            &copydesk::jobs::records::media_record(m.id),
        )
        .await
        .unwrap();
        assert_eq!(queued.len(), 2, "the upload's job and this one");
        assert_eq!(
            o.post("/admin/media/999999/resize", &[]).await.status,
            StatusCode::NOT_FOUND
        );
    }
);

//! Images on the reader's side: a post's featured image on its page (`srcset`, `sizes`,
//! `width`, `height`, alt text), on the cards, in Open Graph and in both feeds; resized
//! copies made by the resize job, never wider than the original, made once.
use axum::http::StatusCode;
use copydesk::{
    jobs::images::ResizeImage,
    models::{
        media::{self, variants},
        posts,
    },
    settings::Settings,
};
use copydesk_workers::Job as _;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
        uploads::{jpeg, transparent_png, upload},
    },
};

/// Uploads a `w`-pixel-wide JPEG as an editor and returns its record.
async fn uploaded(app: &TestApp, w: u32, alt: &str) -> media::Model {
    let u = user(app, "editor", &format!("Img Editor {w}")).await;
    let b = Browser::signed_in(app, &u.email, "/admin/login").await;
    let name = format!("photo-{w}.jpg");
    let res = upload(&b, &name, &jpeg(w, w / 2), alt).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    media::Entity::find()
        .filter(media::Column::FileName.eq(name))
        .one(&app.ctx.db)
        .await
        .unwrap()
        .unwrap()
}

async fn make(app: &TestApp, id: i32) -> Vec<variants::Variant> {
    let s = Settings::get(&app.ctx).unwrap();
    variants::make(
        &app.ctx.db,
        &app.ctx.storage,
        &s.media.variant_widths,
        s.media.max_pixels,
        id,
    )
    .await
    .unwrap()
}

both_backends!(
    the_resize_job_makes_each_width_once,
    |app: TestApp| async move {
        let m = uploaded(&app, 1000, "A wide photo.").await;
        // The upload queued the job about the image's record.
        let jobs = copydesk::jobs::records::record_statuses(
            &app.ctx,
            &copydesk::jobs::records::media_record(m.id),
        )
        .await
        .unwrap();
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        assert_eq!(jobs[0].class, ResizeImage::CLASS);
        // The job server works it: 320 and 640, not 1280 (never upscaled).
        let settings = Settings::get(&app.ctx).unwrap();
        let rt = copydesk::jobs::Jobs::get(&app.ctx).unwrap();
        let server = copydesk::jobs::start_server(&app.ctx, &settings, &rt)
            .await
            .unwrap();
        let mut made = Vec::new();
        for _ in 0..200 {
            made = variants::of(&app.ctx.db, m.id).await.unwrap();
            if made.len() == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        server.shutdown().await.unwrap();
        let widths: Vec<i32> = made.iter().map(|v| v.width).collect();
        assert_eq!(widths, vec![320, 640]);
        assert_eq!(made[0].height, 160);
        assert_eq!(made[1].content_type, "image/jpeg");
        for v in &made {
            let res = app.get(&format!("/media/{}", v.storage_key)).await;
            assert_eq!(res.status, StatusCode::OK);
            assert_eq!(res.header("content-type"), Some("image/jpeg"));
            assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        }
        // Twice: nothing new.
        let again = make(&app, m.id).await;
        assert_eq!(again, made, "idempotent");

        // A transparent PNG keeps its transparency: lossless WebP copies.
        let u = user(&app, "editor", "Png Editor").await;
        let b = Browser::signed_in(&app, &u.email, "/admin/login").await;
        let res = upload(&b, "clear.png", &transparent_png(700, 100), "Stripes.").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let png = media::Entity::find()
            .filter(media::Column::FileName.eq("clear.png"))
            .one(&app.ctx.db)
            .await
            .unwrap()
            .unwrap();
        let made = make(&app, png.id).await;
        assert_eq!(made.len(), 2);
        assert!(
            made.iter().all(|v| v.content_type == "image/webp"),
            "{made:?}"
        );
    }
);

both_backends!(
    a_featured_image_shows_everywhere_a_post_does,
    |app: TestApp| async move {
        let m = uploaded(&app, 1400, "Lanterns over a night market.").await;
        make(&app, m.id).await;
        let author = fixtures::author(&app.ctx.db, "Ada Byron").await;
        let body = format!(
            "Before.\n\n![Lanterns, in the body.]({})\n\nAfter.",
            m.url()
        );
        let post = fixtures::post(
            &app.ctx.db,
            &author,
            PostSpec::published("Night market", 1).body(&body),
        )
        .await;
        let mut row: posts::ActiveModel = post.clone().into();
        row.featured_media_id = Set(Some(m.id));
        row.update(&app.ctx.db).await.unwrap();

        let page = app.get(&format!("/posts/{}", post.slug)).await;
        assert_eq!(page.status, StatusCode::OK);
        let t = &page.text;
        assert!(t.contains(r#"<figure class="featured-image">"#), "{t}");
        assert!(
            t.contains(&format!(
                "srcset=\"/media/{}-320.jpg 320w",
                m.storage_key.trim_end_matches(".jpg")
            )),
            "{t}"
        );
        assert!(t.contains(&format!("{} 1400w", m.url())));
        assert!(t.contains(r#"sizes="(min-width: 45rem) 42rem, 100vw""#));
        assert!(t.contains(r#"width="1400" height="700""#));
        assert!(t.contains(r#"alt="Lanterns over a night market.""#));
        assert!(
            t.contains(&format!(
                r#"<img src="{}" srcset="{}-320.jpg 320w"#,
                m.url(),
                m.url().trim_end_matches(".jpg")
            )) && t.contains(
                r#"width="1400" height="700" loading="lazy" decoding="async" alt="Lanterns, in the body.">"#
            ),
            "an image inserted into the body: {t}"
        );
        let og = format!(
            r#"<meta property="og:image" content="http://copydesk.test/media/{}-1280.jpg">"#,
            m.storage_key.trim_end_matches(".jpg")
        );
        assert!(t.contains(&og), "{t}");
        assert!(
            t.contains(r#"<meta property="og:image:alt" content="Lanterns over a night market.">"#)
        );

        let home = app.get("/").await;
        assert!(home.text.contains(r#"class="card-image""#), "{}", home.text);
        assert!(home.text.contains(r#"loading="lazy""#));

        let atom = app.get("/feed.atom").await;
        assert!(
            atom.text
                .contains(r#"<link rel="enclosure" type="image/jpeg""#),
            "{}",
            atom.text
        );
        let rss = app.get("/feed.rss").await;
        let enclosure = format!(
            r#"<enclosure url="http://copydesk.test/media/{}-1280.jpg""#,
            m.storage_key.trim_end_matches(".jpg")
        );
        assert!(rss.text.contains(&enclosure), "{}", rss.text);
        roxmltree::Document::parse(&rss.text).unwrap();
        roxmltree::Document::parse(&atom.text).unwrap();
    }
);

both_backends!(
    the_post_form_picks_and_checks_the_featured_image,
    |app: TestApp| async move {
        let m = uploaded(&app, 400, "A small photo.").await;
        let editor = user(&app, "editor", "Form Editor").await;
        let post = fixtures::post(
            &app.ctx.db,
            &editor,
            PostSpec::published("Pick an image", 1)
                .state("draft")
                .undated(),
        )
        .await;
        let mut b = Browser::signed_in(&app, &editor.email, "/admin/login").await;
        let form = b.get(&format!("/admin/content/posts/{}", post.id)).await;
        assert!(form.text.contains("Featured image"), "{}", form.text);
        assert!(form.text.contains(r#"name="featured_media_id""#));
        // The chooser lists the image with the Markdown that shows it.
        assert!(form.text.contains("Images for the body"));
        assert!(
            form.text
                .contains(&format!("![A small photo.]({})", m.url()))
        );

        let by = fixtures::actor(&editor);
        let mut f = fixtures::form_of(&post, &[]);
        f.featured_media_id = Some(m.id);
        let saved = posts::update(
            &app.ctx.db,
            &by,
            &fixtures::meta(),
            &Settings::get(&app.ctx).unwrap().editorial,
            post.id,
            post.lock_version,
            &f,
        )
        .await
        .unwrap();
        assert_eq!(saved.featured_media_id, Some(m.id));
        // A record that is not a stored image is refused next to the field.
        f.featured_media_id = Some(m.id + 999);
        let err = posts::update(
            &app.ctx.db,
            &by,
            &fixtures::meta(),
            &Settings::get(&app.ctx).unwrap().editorial,
            post.id,
            saved.lock_version,
            &f,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                copydesk::models::WriteError::Field {
                    field: "featured_media_id",
                    ..
                }
            ),
            "{err:?}"
        );
    }
);

//! The media library's writes outside the web layer: the demo's drawn images, deleting an
//! image with its files, and the local folder store.
use copydesk::{
    demo, demo_images,
    models::{
        media::{self, files, variants},
        posts,
    },
    settings::Settings,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    both_backends,
    common::{self, Backend, TestApp, fixtures, uploads::png},
};

both_backends!(
    the_demo_draws_and_features_its_images_once,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let s = Settings::get(&app.ctx).unwrap();
        demo::seed(db, &s).await.unwrap();
        assert_eq!(demo_images::seed(&app.ctx).await.unwrap(), 4);
        let featured = posts::Entity::find()
            .filter(posts::Column::FeaturedMediaId.is_not_null())
            .filter(posts::visible_condition())
            .count(db)
            .await
            .unwrap();
        assert!(featured >= 3, "{featured} published posts with an image");
        let images: Vec<media::Model> = media::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .filter(media::Model::is_stored_image)
            .collect();
        assert_eq!(images.len(), 4);
        for m in &images {
            assert!(!m.alt_text.is_empty());
            let v = variants::of(db, m.id).await.unwrap();
            assert_eq!(v.len(), 3, "{}: 320, 640 and 1280 of 1600", m.file_name);
            assert!(files::get(&app.ctx.storage, &m.storage_key).await.is_ok());
        }
        // Again: nothing new.
        assert_eq!(demo_images::seed(&app.ctx).await.unwrap(), 0);
        assert_eq!(
            media::Entity::find().count(db).await.unwrap(),
            8,
            "4 described + 4 drawn"
        );
        let home = app.get("/").await;
        assert!(home.text.contains(r#"class="card-image""#));
    }
);

both_backends!(
    deleting_an_image_takes_its_files_and_unfeatures_its_posts,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let s = Settings::get(&app.ctx).unwrap();
        let editor = fixtures::person(db, "Del Editor", "editor").await;
        let by = fixtures::actor(&editor);
        let form = media::UploadForm {
            file_name: "gone.png".into(),
            bytes: png(700, 70).into(),
            alt_text: "Soon gone.".into(),
        };
        let m = media::upload(
            db,
            &app.ctx.storage,
            &s.media,
            &by,
            &fixtures::meta(),
            &form,
        )
        .await
        .unwrap();
        let made = variants::make(
            db,
            &app.ctx.storage,
            &s.media.variant_widths,
            s.media.max_pixels,
            m.id,
        )
        .await
        .unwrap();
        assert_eq!(made.len(), 2);
        let post = fixtures::post(db, &editor, fixtures::PostSpec::published("Featuring", 1)).await;
        let mut f = fixtures::form_of(&post, &[]);
        f.featured_media_id = Some(m.id);
        let post = posts::update(
            db,
            &by,
            &fixtures::meta(),
            &s.editorial,
            post.id,
            post.lock_version,
            &f,
        )
        .await
        .unwrap();
        assert_eq!(post.featured_media_id, Some(m.id));

        // An uploaded image keeps its kind and its alt text.
        for (content_type, alt, field) in [
            ("application/pdf", "Soon gone.", "content_type"),
            ("image/png", " ", "alt_text"),
        ] {
            let edit = media::MediaEdit {
                file_name: "gone.png".into(),
                content_type: content_type.into(),
                alt_text: alt.into(),
                uploader_id: None,
            };
            let err = media::update(db, &by, &fixtures::meta(), m.id, &edit)
                .await
                .unwrap_err();
            assert!(
                matches!(err, copydesk::models::WriteError::Field { field: f, .. } if f == field),
                "{err:?}"
            );
        }
        media::delete_with_files(db, &app.ctx.storage, &by, &fixtures::meta(), m.id)
            .await
            .unwrap();
        assert!(files::get(&app.ctx.storage, &m.storage_key).await.is_err());
        for v in &made {
            assert!(files::get(&app.ctx.storage, &v.storage_key).await.is_err());
        }
        assert!(variants::of(db, m.id).await.unwrap().is_empty());
        let post = posts::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(post.featured_media_id, None, "SET NULL");
        assert_eq!(
            app.get(&m.url()).await.status,
            axum::http::StatusCode::NOT_FOUND
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_store_keeps_files_in_its_folder() {
    let folder = std::env::temp_dir().join(format!("copydesk-media-{}", std::process::id()));
    let dir = folder.display().to_string();
    common::run_with(
        Backend::Sqlite,
        move |config| {
            if let Some(media) = config
                .settings
                .as_mut()
                .and_then(|s| s.get_mut("media"))
                .and_then(|m| m.as_object_mut())
            {
                media.insert("store".into(), "local".into());
                media.insert("folder".into(), dir.into());
            }
        },
        |app: TestApp| async move {
            let db = &app.ctx.db;
            let s = Settings::get(&app.ctx).unwrap();
            let editor = fixtures::person(db, "Disk Editor", "editor").await;
            let form = media::UploadForm {
                file_name: "disk.png".into(),
                bytes: png(20, 20).into(),
                alt_text: "On disk.".into(),
            };
            let m = media::upload(
                db,
                &app.ctx.storage,
                &s.media,
                &fixtures::actor(&editor),
                &fixtures::meta(),
                &form,
            )
            .await
            .unwrap();
            let on_disk = std::path::Path::new(&s.media.folder).join(&m.storage_key);
            assert!(on_disk.is_file(), "{}", on_disk.display());
            assert_eq!(app.get(&m.url()).await.status, axum::http::StatusCode::OK);
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(&folder);
}

both_backends!(
    a_failed_store_leaves_no_row_and_a_failed_row_no_file,
    |app: TestApp| async move {
        use loco_rs::storage::{Storage, drivers};
        let db = &app.ctx.db;
        let s = Settings::get(&app.ctx).unwrap();
        let editor = fixtures::person(db, "Fail Editor", "editor").await;
        let by = fixtures::actor(&editor);
        let form = media::UploadForm {
            file_name: "fails.png".into(),
            bytes: png(30, 30).into(),
            alt_text: "Never kept.".into(),
        };
        // A storage that refuses every write: no row.
        let refusing = Storage::single(drivers::null::new());
        let err = media::upload(db, &refusing, &s.media, &by, &fixtures::meta(), &form)
            .await
            .unwrap_err();
        assert!(matches!(err, media::UploadError::Storage(_)), "{err:?}");
        assert_eq!(media::Entity::find().count(db).await.unwrap(), 0);
        // A database that cannot take the row (no tables): the stored file is removed.
        let empty = std::env::temp_dir().join(format!(
            "copydesk-no-tables-{}-{:?}.sqlite",
            std::process::id(),
            app.backend
        ));
        let bare = sea_orm::Database::connect(format!("sqlite://{}?mode=rwc", empty.display()))
            .await
            .unwrap();
        let kept = Storage::single(drivers::mem::new());
        let err = media::upload(&bare, &kept, &s.media, &by, &fixtures::meta(), &form)
            .await
            .unwrap_err();
        assert!(matches!(err, media::UploadError::Write(_)), "{err:?}");
        let listed = kept
            .list(std::path::Path::new("images/"), true)
            .await
            .map(|l| l.iter().filter(|e| !e.is_dir).count())
            .unwrap_or(0);
        assert_eq!(listed, 0, "the bytes went with the row");
        let _ = bare.close().await;
        let _ = std::fs::remove_file(&empty);
    }
);

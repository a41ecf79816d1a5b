//! The media library's panels: an image's stored files and background jobs on its own
//! page, and the image chooser on a post's page (each image's Markdown, to copy or — with
//! JavaScript — to insert into the body at the cursor).
use copydesk_admin::{AdminUser, Grant, Panel, PanelButton, PanelRow};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection};

use crate::{
    admin::Staff,
    jobs::records::media_record,
    models::{_entities::media, media as media_model},
};

/// How many images the chooser lists, newest first.
const CHOOSER_LEN: u64 = 24;

/// Which media rows a featured-image picker offers: stored images.
pub(super) fn images_only() -> Condition {
    Condition::all()
        .add(media::Column::ContentType.starts_with("image/"))
        .add(media::Column::StorageKey.starts_with("images/"))
}

fn kb(bytes: i64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// The Markdown that shows image `m` in a post's body.
#[must_use]
pub fn markdown_for(m: &media::Model) -> String {
    let alt: String = m
        .alt_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]");
    format!("![{alt}]({})", m.url())
}

/// The button that queues an image's resized copies again, for those who may change it.
fn resize_button(user: &dyn AdminUser, row: &media::Model) -> Option<PanelButton> {
    let may = match user.grant("media.change") {
        Some(Grant::All) => true,
        Some(Grant::Own) => row.uploader_id.map(i64::from) == Some(user.id()),
        None => false,
    };
    may.then(|| PanelButton {
        label: "Make the resized copies".into(),
        url: format!("/admin/media/{}/resize", row.id),
        fields: Vec::new(),
    })
}

/// An image's files: the original and each resized copy, with links to them.
pub(super) async fn files(
    db: &DatabaseConnection,
    user: &dyn AdminUser,
    row: &media::Model,
) -> Panel {
    let title = "Stored files".to_string();
    if !row.is_stored_image() {
        return Panel {
            title,
            empty: "This record describes a file but holds no bytes. Upload images with “Upload an image”.".into(),
            rows: vec![PanelRow {
                text: "Upload an image".into(),
                href: Some("/admin/media/upload".into()),
                ..PanelRow::default()
            }],
        };
    }
    let mut rows = vec![PanelRow {
        text: format!(
            "Original: {} × {} pixels, {}",
            row.width.unwrap_or(0),
            row.height.unwrap_or(0),
            kb(row.size_bytes)
        ),
        detail: markdown_for(row),
        href: Some(row.url()),
        ..PanelRow::default()
    }];
    match media_model::variants::of(db, row.id).await {
        Ok(variants) if variants.is_empty() => rows.push(PanelRow {
            text: "No resized copies yet.".into(),
            detail: "The resize job makes them after each upload; an image narrower than every configured width has none.".into(),
            state: "pending".into(),
            button: resize_button(user, row),
            ..PanelRow::default()
        }),
        Ok(variants) => rows.extend(variants.into_iter().map(|v| PanelRow {
            text: format!(
                "{} × {} pixels ({}), {}",
                v.width,
                v.height,
                media_model::content_type_label(&v.content_type),
                kb(v.size_bytes)
            ),
            href: Some(format!("/media/{}", v.storage_key)),
            state: "ok".into(),
            ..PanelRow::default()
        })),
        Err(e) => rows.push(PanelRow {
            text: "The resized copies could not be read.".into(),
            detail: e.to_string(),
            state: "failed".into(),
            ..PanelRow::default()
        }),
    }
    Panel {
        title,
        empty: String::new(),
        rows,
    }
}

/// The image's background jobs (its resize), with Retry where the viewer may.
pub(super) async fn jobs(staff: &Staff, row: &media::Model) -> Option<Panel> {
    super::post_panels::record_jobs(staff, &media_record(row.id), "image").await
}

/// The image chooser on a post's page, for those who may see the media library: each image
/// with its alt text and the Markdown that shows it (a link opens the image).
pub(super) async fn chooser(db: &DatabaseConnection, staff: &Staff) -> Option<Panel> {
    copydesk_admin::AdminUser::grant(staff, "media.view")?;
    let title = "Images for the body".to_string();
    let images = match media_model::recent_images(db, CHOOSER_LEN).await {
        Ok(i) => i,
        Err(e) => {
            return Some(Panel {
                title,
                empty: String::new(),
                rows: vec![PanelRow {
                    text: "The images could not be read.".into(),
                    detail: e.to_string(),
                    state: "failed".into(),
                    ..PanelRow::default()
                }],
            });
        }
    };
    let ids: Vec<i32> = images.iter().map(|m| m.id).collect();
    // Without the copies the links open the originals; the chooser still works.
    let with_copies = match media_model::variants::images(db, &ids).await {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "the chooser could not read the resized copies");
            std::collections::HashMap::new()
        }
    };
    Some(Panel {
        title,
        empty: "No images uploaded yet: use “Upload an image” under Editorial.".into(),
        rows: images
            .iter()
            .map(|m| {
                // The link opens the smallest copy there is (the chooser's thumbnail).
                let thumb = with_copies
                    .get(&m.id)
                    .and_then(|i| i.variants.first())
                    .map_or_else(|| m.url(), |v| format!("/media/{}", v.storage_key));
                PanelRow {
                    text: if m.alt_text.trim().is_empty() {
                        format!("{} (no alt text yet)", m.file_name)
                    } else {
                        m.alt_text.clone()
                    },
                    detail: markdown_for(m),
                    href: Some(thumb),
                    ..PanelRow::default()
                }
            })
            .collect(),
    })
}

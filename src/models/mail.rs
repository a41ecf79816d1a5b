//! Outgoing mail. Every message is rendered from `assets/views/mail/<name>/` (subject,
//! text and HTML, compiled in) and kept in the `mail_outbox` table (the embedded default's
//! outbox, readable by staff); with `mail.transport: smtp` it is also sent through Loco's
//! SMTP sender (lettre).
use std::sync::LazyLock;

use loco_rs::{app::AppContext, mailer::Email};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, DbErr, EntityTrait};

pub use super::_entities::mail_outbox::{ActiveModel, Column, Entity, Model};
use super::now;
use crate::settings::Settings;

impl ActiveModelBehavior for ActiveModel {}

macro_rules! mail_templates {
    ($($name:literal),+ $(,)?) => {
        &[$(
            (concat!($name, "/subject.txt"), include_str!(concat!("../../assets/views/mail/", $name, "/subject.txt"))),
            (concat!($name, "/text.txt"), include_str!(concat!("../../assets/views/mail/", $name, "/text.txt"))),
            (concat!($name, "/html.html"), include_str!(concat!("../../assets/views/mail/", $name, "/html.html"))),
        )+]
    };
}

const TEMPLATES: &[(&str, &str)] =
    mail_templates!("verify_email", "reset_password", "password_changed");

/// Text parts are not escaped; the HTML part is (by its `.html` name).
static TERA: LazyLock<Result<tera::Tera, String>> = LazyLock::new(|| {
    let mut t = tera::Tera::default();
    t.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| e.to_string())?;
    Ok(t)
});

struct Content {
    subject: String,
    text: String,
    html: String,
}

fn render(name: &str, locals: &serde_json::Value) -> loco_rs::Result<Content> {
    let tera = TERA.as_ref().map_err(|e| loco_rs::Error::string(e))?;
    let ctx = tera::Context::from_serialize(locals)?;
    let part = |p: &str| {
        tera.render(&format!("{name}/{p}"), &ctx)
            .map_err(loco_rs::Error::from)
    };
    Ok(Content {
        subject: part("subject.txt")?.trim().to_string(),
        text: part("text.txt")?,
        html: part("html.html")?,
    })
}

/// Renders the mail `name` (a folder of `assets/views/mail`) with `locals`, keeps it in the
/// outbox and hands it to the job runtime (`Copydesk::SendEmail`, with retries). Without a
/// job runtime (a bare task) it is sent at once.
///
/// # Errors
/// When the template fails to render, or the outbox row or the job cannot be written.
pub async fn deliver(
    ctx: &AppContext,
    to: &str,
    name: &str,
    locals: &serde_json::Value,
) -> loco_rs::Result<Model> {
    let content = render(name, locals)?;
    let row = ActiveModel {
        to_address: Set(to.to_string()),
        subject: Set(content.subject),
        text_body: Set(content.text),
        html_body: Set(content.html),
        status: Set("queued".into()),
        error: Set(String::new()),
        created_at: Set(now()),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(&ctx.db)
    .await?;
    match crate::jobs::Jobs::get(ctx) {
        Ok(jobs) => {
            // The job is linked to its outbox row, so its status can be shown there.
            jobs.client
                .enqueue_for::<crate::jobs::send_email::SendEmail>(
                    &format!("mail_outbox:{}", row.id),
                    &(row.id,),
                )
                .await
                .map_err(|e| loco_rs::Error::string(&format!("enqueueing mail {}: {e}", row.id)))?;
            Ok(row)
        }
        Err(_) => {
            let id = row.id;
            send(ctx, row)
                .await
                .map_err(|e| loco_rs::Error::string(&e))?;
            Ok(Entity::find_by_id(id)
                .one(&ctx.db)
                .await?
                .ok_or_else(|| loco_rs::Error::string("the outbox row vanished"))?)
        }
    }
}

/// Delivers one outbox row by the configured transport: `outbox` keeps it (status `kept`),
/// `smtp` sends it. Already-delivered rows are left alone, so a retried job sends nothing
/// twice.
///
/// # Errors
/// The SMTP failure, in words (the row records it too, as `failed`).
pub async fn send(ctx: &AppContext, row: Model) -> Result<(), String> {
    if row.status == "sent" || row.status == "kept" {
        return Ok(());
    }
    // A malformed address is refused before any transport sees it, with a reason support
    // can act on (fix the person's address; undelivered mail follows it).
    if row.to_address.parse::<lettre::Address>().is_err() {
        let msg = format!(
            "the address `{}` is not a valid email address; correct it on the person's account and retry",
            row.to_address
        );
        mark(ctx, row, "failed", &msg)
            .await
            .map_err(|e| e.to_string())?;
        return Err(msg);
    }
    let settings = Settings::get(ctx).map_err(|e| e.to_string())?;
    if settings.mail.transport != "smtp" {
        mark(ctx, row, "kept", "")
            .await
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    let Some(sender) = ctx.mailer.as_ref() else {
        let msg = "mail.transport is smtp but no mailer.smtp is configured".to_string();
        mark(ctx, row, "failed", &msg)
            .await
            .map_err(|e| e.to_string())?;
        return Err(msg);
    };
    let email = Email {
        from: Some(settings.mail.from.clone()),
        to: row.to_address.clone(),
        subject: row.subject.clone(),
        text: row.text_body.clone(),
        html: row.html_body.clone(),
        ..Email::default()
    };
    match sender.mail(&email).await {
        Ok(()) => mark(ctx, row, "sent", "")
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => {
            let msg = e.to_string();
            mark(ctx, row, "failed", &msg)
                .await
                .map_err(|e| e.to_string())?;
            Err(msg)
        }
    }
}

async fn mark(ctx: &AppContext, row: Model, status: &str, error: &str) -> Result<Model, DbErr> {
    let mut active: ActiveModel = row.into();
    active.status = Set(status.to_string());
    active.error = Set(error.to_string());
    if status == "sent" || status == "kept" {
        active.sent_at = Set(Some(now()));
    }
    active.update(&ctx.db).await
}

/// Points mail that has not gone out (queued or failed) from `old` to `new`, after a person's
/// address is corrected. Returns how many messages changed.
///
/// # Errors
/// Database errors.
pub async fn readdress<C: sea_orm::ConnectionTrait>(
    db: &C,
    old: &str,
    new: &str,
) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let res = Entity::update_many()
        .col_expr(Column::ToAddress, Expr::value(new))
        .filter(Column::ToAddress.eq(old))
        .filter(Column::Status.is_in(["queued", "failed"]))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

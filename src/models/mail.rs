//! Outgoing mail. Every message is rendered from `assets/views/mail/<name>/` (subject,
//! text and HTML, compiled in) and kept in the `mail_outbox` table (the embedded default's
//! outbox, readable by staff); with `mail.transport: smtp` it is also sent through Loco's
//! SMTP sender (lettre).
use std::sync::LazyLock;

use loco_rs::{app::AppContext, mailer::Email};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, DbErr};

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

/// Renders the mail `name` (a folder of `assets/views/mail`) with `locals` and delivers it
/// to `to`.
///
/// # Errors
/// When the template fails to render or the outbox row cannot be written. A failed SMTP
/// send is recorded on the row (status `failed`) rather than returned.
pub async fn deliver(
    ctx: &AppContext,
    to: &str,
    name: &str,
    locals: &serde_json::Value,
) -> loco_rs::Result<Model> {
    let settings = Settings::get(ctx)?;
    let content = render(name, locals)?;
    let row = ActiveModel {
        to_address: Set(to.to_string()),
        subject: Set(content.subject.clone()),
        text_body: Set(content.text.clone()),
        html_body: Set(content.html.clone()),
        status: Set("stored".into()),
        error: Set(String::new()),
        created_at: Set(now()),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(&ctx.db)
    .await?;
    if settings.mail.transport != "smtp" {
        return Ok(row);
    }
    let Some(sender) = ctx.mailer.as_ref() else {
        return Ok(mark(
            ctx,
            row,
            "failed",
            "mail.transport is smtp but no mailer.smtp is configured",
        )
        .await?);
    };
    let email = Email {
        from: Some(settings.mail.from.clone()),
        to: to.to_string(),
        reply_to: None,
        subject: content.subject,
        text: content.text,
        html: content.html,
        ..Email::default()
    };
    let row = match sender.mail(&email).await {
        Ok(()) => mark(ctx, row, "sent", "").await?,
        Err(e) => mark(ctx, row, "failed", &e.to_string()).await?,
    };
    Ok(row)
}

async fn mark(ctx: &AppContext, row: Model, status: &str, error: &str) -> Result<Model, DbErr> {
    let mut active: ActiveModel = row.into();
    active.status = Set(status.to_string());
    active.error = Set(error.to_string());
    if status == "sent" {
        active.sent_at = Set(Some(now()));
    }
    active.update(&ctx.db).await
}

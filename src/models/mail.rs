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

const TEMPLATES: &[(&str, &str)] = mail_templates!(
    "verify_email",
    "reset_password",
    "password_changed",
    "invitation",
    "post_notice",
    "moderation_notice"
);

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

/// A secret link a message carries. The link itself is never stored: the outbox keeps which
/// link to make and for whom, and [`send`] mints a fresh single-use token only when it hands
/// the message to the mail server, so nobody who can read the outbox can use what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub kind: LinkKind,
    pub user_id: i32,
}

/// Which secret link, and so which token kind, path and lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    VerifyEmail,
    ResetPassword,
    Invitation,
    /// A suspended or banned person's way to see their standing and appeal without signing
    /// in (they cannot); it works for the appeal window and for nothing else.
    Appeal,
}

impl LinkKind {
    /// The `user_tokens.kind` the link's token is issued as.
    #[must_use]
    pub const fn token_kind(self) -> &'static str {
        match self {
            Self::VerifyEmail => super::user_tokens::VERIFY_EMAIL,
            Self::ResetPassword => super::user_tokens::RESET_PASSWORD,
            Self::Invitation => super::user_tokens::INVITATION,
            Self::Appeal => super::user_tokens::APPEAL,
        }
    }

    #[must_use]
    pub fn parse(kind: &str) -> Option<Self> {
        [
            Self::VerifyEmail,
            Self::ResetPassword,
            Self::Invitation,
            Self::Appeal,
        ]
        .into_iter()
        .find(|k| k.token_kind() == kind)
    }

    /// The site path the token is appended to.
    #[must_use]
    pub const fn path(self) -> &'static str {
        match self {
            Self::VerifyEmail => "/verify/",
            Self::ResetPassword => "/password/reset/",
            Self::Invitation => "/invitation/",
            Self::Appeal => "/appeal/",
        }
    }

    /// How long a minted link works.
    #[must_use]
    pub fn ttl(self, settings: &Settings) -> chrono::Duration {
        let accounts = &settings.accounts;
        match self {
            Self::VerifyEmail => chrono::Duration::hours(accounts.verify_ttl_hours),
            Self::ResetPassword => chrono::Duration::minutes(accounts.reset_ttl_minutes),
            Self::Invitation => chrono::Duration::hours(accounts.invitation_ttl_hours),
            Self::Appeal => chrono::Duration::days(settings.moderation.appeal_days),
        }
    }
}

/// What stands in a stored message where its secret link goes; [`send`] replaces it.
pub const LINK_PLACEHOLDER: &str = "[link added when sent]";

/// What stands in a stored message where the site's public address goes (the start of a
/// link to one of its pages); [`send`] puts the address in when it delivers the message,
/// so a message stored by a model, which does not know the address, links correctly.
pub const SITE_PLACEHOLDER: &str = "[site address]";

/// The locals a template is rendered with: the stored ones, the placeholder for the link.
fn with_link(locals: &serde_json::Value, link: Option<Link>) -> serde_json::Value {
    let mut l = locals.clone();
    if link.is_some()
        && let Some(obj) = l.as_object_mut()
    {
        obj.insert("link".into(), LINK_PLACEHOLDER.into());
    }
    l
}

/// Renders the mail `name` (a folder of `assets/views/mail`) with `locals`, keeps it in the
/// outbox and hands it to the installed [`Courier`] (the job runtime). Without one (a bare
/// task) it is sent at once.
///
/// # Errors
/// When the template fails to render, or the outbox row or the job cannot be written.
pub async fn deliver(
    ctx: &AppContext,
    to: &str,
    name: &str,
    locals: &serde_json::Value,
) -> loco_rs::Result<Model> {
    deliver_with_link(ctx, to, name, locals, None).await
}

/// As [`deliver`], for a message that carries a secret [`Link`] (`{{ link }}` in its
/// templates): the stored message shows [`LINK_PLACEHOLDER`] instead.
///
/// # Errors
/// As [`deliver`].
pub async fn deliver_with_link(
    ctx: &AppContext,
    to: &str,
    name: &str,
    locals: &serde_json::Value,
    link: Option<Link>,
) -> loco_rs::Result<Model> {
    let row = store(&ctx.db, to, name, locals, link).await?;
    dispatch(ctx, row).await
}

/// Renders and keeps a message as `queued` on `db` — a transaction, so the message exists
/// exactly when the change that caused it does. Hand it to [`dispatch`] after the commit.
///
/// # Errors
/// When the template fails to render or the row cannot be written.
pub async fn store<C: sea_orm::ConnectionTrait>(
    db: &C,
    to: &str,
    name: &str,
    locals: &serde_json::Value,
    link: Option<Link>,
) -> loco_rs::Result<Model> {
    let content = render(name, &with_link(locals, link))?;
    Ok(ActiveModel {
        to_address: Set(to.to_string()),
        subject: Set(content.subject),
        text_body: Set(content.text),
        html_body: Set(content.html),
        status: Set("queued".into()),
        error: Set(String::new()),
        created_at: Set(now()),
        sent_at: Set(None),
        template: Set(name.to_string()),
        locals: Set(locals.to_string()),
        link_kind: Set(link.map(|l| l.kind.token_kind().to_string())),
        link_user_id: Set(link.map(|l| l.user_id)),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Where stored messages go to be delivered. The job runtime installs one at boot
/// (`Copydesk::SendEmail`, with retries; see the app's jobs); models know only this port, so
/// they never depend on the runtime.
#[async_trait::async_trait]
pub trait Courier: Send + Sync {
    /// Takes `row` for delivery, after the transaction that stored it has committed.
    ///
    /// # Errors
    /// When the delivery cannot be queued.
    async fn hand_over(&self, row: &Model) -> loco_rs::Result<()>;
}

/// Hands a stored message to the installed [`Courier`], or without one (a bare task) sends it
/// at once.
///
/// # Errors
/// When the courier refuses it, or (sent at once) the delivery fails.
pub async fn dispatch(ctx: &AppContext, row: Model) -> loco_rs::Result<Model> {
    if let Some(courier) = ctx.shared_store.get::<std::sync::Arc<dyn Courier>>() {
        courier.hand_over(&row).await?;
        return Ok(row);
    }
    let id = row.id;
    send(ctx, row)
        .await
        .map_err(|e| loco_rs::Error::string(&e))?;
    Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| loco_rs::Error::string("the outbox row vanished"))
}

/// Hands each of `rows` to the mail job, after the commit that stored them. A hand-over
/// that fails is logged and left to the outbox sweep, which queues the message within a few
/// minutes: the step that caused it has happened, so it is not undone.
pub async fn dispatch_all(ctx: &AppContext, rows: Vec<Model>) {
    for row in rows {
        let id = row.id;
        if let Err(e) = dispatch(ctx, row).await {
            tracing::warn!(mail = id, error = %e, "mail left for the outbox sweep");
        }
    }
}

/// The newest message of template `name` to `to`, if any.
///
/// # Errors
/// Database errors.
pub async fn latest_for<C: sea_orm::ConnectionTrait>(
    db: &C,
    to: &str,
    name: &str,
) -> Result<Option<Model>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Entity::find()
        .filter(Column::ToAddress.eq(to))
        .filter(Column::Template.eq(name))
        .order_by_desc(Column::Id)
        .one(db)
        .await
}

/// Messages still `queued` that were stored before `cutoff`, oldest first, at most `limit`:
/// what the outbox sweep checks for a job.
///
/// # Errors
/// Database errors.
pub async fn queued_before<C: sea_orm::ConnectionTrait>(
    db: &C,
    cutoff: chrono::DateTime<chrono::FixedOffset>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    Entity::find()
        .filter(Column::Status.eq("queued"))
        .filter(Column::CreatedAt.lt(cutoff))
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

impl Model {
    /// The secret link this message carries, if any.
    #[must_use]
    pub fn link(&self) -> Option<Link> {
        Some(Link {
            kind: LinkKind::parse(self.link_kind.as_deref()?)?,
            user_id: self.link_user_id?,
        })
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
    let row = with_site(ctx, row, settings.site.base())
        .await
        .map_err(|e| e.to_string())?;
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
    let mut email = Email {
        from: Some(settings.mail.from.clone()),
        to: row.to_address.clone(),
        subject: row.subject.clone(),
        text: row.text_body.clone(),
        html: row.html_body.clone(),
        ..Email::default()
    };
    // The secret link exists only from here to the mail server: minted now, put into this
    // copy of the message, never written back.
    let minted = match row.link() {
        Some(link) => {
            let token = super::user_tokens::issue(
                &ctx.db,
                link.user_id,
                link.kind.token_kind(),
                link.kind.ttl(&settings),
            )
            .await
            .map_err(|e| e.to_string())?;
            let url = format!(
                "{}{}{token}",
                settings.site.base().trim_end_matches('/'),
                link.kind.path()
            );
            email.text = email.text.replace(LINK_PLACEHOLDER, &url);
            email.html = email.html.replace(LINK_PLACEHOLDER, &url);
            Some(token)
        }
        None => None,
    };
    match sender.mail(&email).await {
        Ok(()) => mark(ctx, row, "sent", "")
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => {
            // The link never reached anyone: it must not work later either.
            if let Some(token) = minted {
                super::user_tokens::void(&ctx.db, &token)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            let msg = e.to_string();
            mark(ctx, row, "failed", &msg)
                .await
                .map_err(|e| e.to_string())?;
            Err(msg)
        }
    }
}

/// Puts the site's address where a stored message holds [`SITE_PLACEHOLDER`], and keeps
/// the result: the address is no secret, and the outbox then shows the links as sent.
async fn with_site(ctx: &AppContext, row: Model, base: &str) -> Result<Model, DbErr> {
    if !row.text_body.contains(SITE_PLACEHOLDER) && !row.html_body.contains(SITE_PLACEHOLDER) {
        return Ok(row);
    }
    let base = base.trim_end_matches('/');
    let text = row.text_body.replace(SITE_PLACEHOLDER, base);
    let html = row.html_body.replace(SITE_PLACEHOLDER, base);
    let mut active: ActiveModel = row.into();
    active.text_body = Set(text);
    active.html_body = Set(html);
    active.update(&ctx.db).await
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
/// address is corrected, and renders it again so its text names the new address too.
/// Returns how many messages changed.
///
/// # Errors
/// Database errors, or a stored message whose template no longer renders.
pub async fn readdress<C: sea_orm::ConnectionTrait>(
    db: &C,
    old: &str,
    new: &str,
) -> Result<u64, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let pending = Entity::find()
        .filter(Column::ToAddress.eq(old))
        .filter(Column::Status.is_in(["queued", "failed"]))
        .all(db)
        .await?;
    let n = pending.len() as u64;
    for row in pending {
        let link = row.link();
        let mut active: ActiveModel = row.clone().into();
        active.to_address = Set(new.to_string());
        if !row.template.is_empty() {
            let mut locals: serde_json::Value = serde_json::from_str(&row.locals)
                .map_err(|e| DbErr::Custom(format!("mail {}: stored locals: {e}", row.id)))?;
            if let Some(obj) = locals.as_object_mut()
                && obj.contains_key("email")
            {
                obj.insert("email".into(), new.into());
            }
            let content = render(&row.template, &with_link(&locals, link))
                .map_err(|e| DbErr::Custom(format!("mail {}: {e}", row.id)))?;
            active.subject = Set(content.subject);
            active.text_body = Set(content.text);
            active.html_body = Set(content.html);
            active.locals = Set(locals.to_string());
        }
        active.update(db).await?;
    }
    Ok(n)
}

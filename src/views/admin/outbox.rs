//! What the mail outbox pages (`admin/outbox.html`, `admin/outbox_message.html`) are given.
use serde::Serialize;

use super::AdminChrome;
use crate::{jobs::records::RecordJob, models::mail, views::posts::Pager};

const STAMP: &str = "%Y-%m-%d %H:%M:%S UTC";

/// One message as the list and the message page show it.
#[derive(Debug, Serialize)]
pub struct OutboxRow {
    pub id: i32,
    pub to: String,
    pub subject: String,
    /// `queued`, `sent`, `kept` (no mail server: kept here) or `failed`.
    pub status: String,
    pub error: String,
    pub created: String,
    pub sent: Option<String>,
}

impl From<&mail::Model> for OutboxRow {
    fn from(m: &mail::Model) -> Self {
        Self {
            id: m.id,
            to: m.to_address.clone(),
            subject: m.subject.clone(),
            status: m.status.clone(),
            error: m.error.clone(),
            created: m.created_at.format(STAMP).to_string(),
            sent: m.sent_at.map(|d| d.format(STAMP).to_string()),
        }
    }
}

/// `admin/outbox.html`: newest first, a page at a time.
#[derive(Debug, Serialize)]
pub struct OutboxPage {
    pub title: &'static str,
    pub admin: AdminChrome,
    pub rows: Vec<OutboxRow>,
    pub pager: Pager,
}

/// One message in full (its text part; the HTML part is not rendered in the admin).
#[derive(Debug, Serialize)]
pub struct OutboxMessage {
    #[serde(flatten)]
    pub row: OutboxRow,
    pub text: String,
    /// Kept in the outbox because no mail server is configured.
    pub kept: bool,
    /// Still waiting for its delivery job to be queued (the outbox sweep does it).
    pub queued: bool,
    /// Which secret link the message carries, in words, if any.
    pub link: Option<&'static str>,
}

impl From<&mail::Model> for OutboxMessage {
    fn from(m: &mail::Model) -> Self {
        Self {
            row: OutboxRow::from(m),
            text: m.text_body.clone(),
            kept: m.status == "kept",
            queued: m.status == "queued",
            link: m.link().map(|l| match l.kind {
                mail::LinkKind::VerifyEmail => "a confirmation link",
                mail::LinkKind::ResetPassword => "a password reset link",
                mail::LinkKind::Invitation => "an invitation link",
                mail::LinkKind::Appeal => "an appeal link",
            }),
        }
    }
}

/// `admin/outbox_message.html`.
#[derive(Debug, Serialize)]
pub struct MessagePage {
    pub title: String,
    pub admin: AdminChrome,
    pub message: OutboxMessage,
    /// Its delivery jobs, newest first, each saying whether the viewer may retry it.
    pub jobs: Vec<RecordJob>,
}

//! An SMTP server inside the test process: it speaks enough SMTP (EHLO, MAIL, RCPT, DATA,
//! QUIT) for lettre's real client to deliver to it on loopback, and keeps what it receives.
//! Tests that must read what a person really gets (the links minted only when a message goes
//! to the mail server) deliver the outbox through it with [`deliver_outbox`].
use std::sync::{Arc, Mutex};

use base64::Engine;
use copydesk::models::_entities::mail_outbox;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

use super::TestApp;

/// A received message: envelope recipient and the message as sent.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub raw: String,
}

impl Received {
    /// The message with its quoted-printable and base64 parts decoded, to search in.
    pub fn text(&self) -> String {
        let qp = decode_qp(&self.raw);
        let mut out = qp.clone();
        for block in qp.split("\r\n\r\n").skip(1) {
            let joined: String = block.lines().take_while(|l| !l.starts_with("--")).collect();
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(joined.trim())
                && let Ok(s) = String::from_utf8(bytes)
            {
                out.push('\n');
                out.push_str(&s);
            }
        }
        out
    }

    /// The token after `path` (`/password/reset/`) in the first link of that kind.
    pub fn token(&self, path: &str) -> String {
        let text = self.text();
        let at = text
            .find(path)
            .unwrap_or_else(|| panic!("no {path} link in {text}"));
        text[at + path.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub struct MailSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl MailSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = stream.into_split();
                    let mut lines = BufReader::new(r);
                    let _ = w.write_all(b"220 copydesk-test ESMTP\r\n").await;
                    let mut to = String::new();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") {
                            b"250-copydesk-test\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to = line[8..].trim().trim_matches(['<', '>']).to_string();
                            b"250 OK\r\n"
                        } else if upper.starts_with("DATA") {
                            let _ = w.write_all(b"354 go ahead\r\n").await;
                            let mut raw = String::new();
                            loop {
                                line.clear();
                                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" || line == ".\n" {
                                    break;
                                }
                                raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                            }
                            store.lock().unwrap().push(Received {
                                to: to.clone(),
                                raw,
                            });
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            b"250 OK\r\n"
                        };
                        if w.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            port,
            received,
            task,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Sends every queued message of the outbox through the real SMTP path (lettre) to a fresh
/// sink, as the mail job does, and returns what the sink received, oldest first.
pub async fn deliver_outbox(app: &TestApp) -> Vec<Received> {
    let sink = MailSink::start().await;
    let mut ctx = app.ctx.clone();
    let smtp: loco_rs::config::SmtpMailer = serde_json::from_value(serde_json::json!({
        "enable": true, "host": "127.0.0.1", "port": sink.port, "secure": false
    }))
    .unwrap();
    ctx.mailer = Some(loco_rs::mailer::EmailSender::smtp(&smtp).unwrap());
    // This context alone sends by SMTP: its own settings, in a store of its own.
    let mut settings = (*copydesk::settings::Settings::get(&app.ctx).unwrap()).clone();
    settings.mail.transport = "smtp".into();
    let store = loco_rs::app::SharedStore::default();
    store.insert(Arc::new(settings));
    ctx.shared_store = Arc::new(store);
    // The test config keeps mail in the outbox (`kept`, nothing minted): what was kept is
    // sent as it would have been with a mail server configured.
    let pending = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Status.is_in(["queued", "kept"]))
        .order_by_asc(mail_outbox::Column::Id)
        .all(&ctx.db)
        .await
        .unwrap();
    for row in pending {
        let mut active: mail_outbox::ActiveModel = row.into();
        active.status = Set("queued".into());
        let row = active.update(&ctx.db).await.unwrap();
        copydesk::models::mail::send(&ctx, row).await.unwrap();
    }
    sink.received()
}

/// The newest message [`deliver_outbox`] gets to `to`.
pub async fn last_delivered(app: &TestApp, to: &str) -> Received {
    deliver_outbox(app)
        .await
        .into_iter()
        .rev()
        .find(|m| m.to == to)
        .unwrap_or_else(|| panic!("no mail to {to} was delivered"))
}

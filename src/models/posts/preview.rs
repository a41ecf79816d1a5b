//! Signed preview links: a link to one post as readers will see it, for a reviewer without
//! an account, valid for `editorial.preview_link_hours`. The link carries the post's id and
//! its expiry, signed with a key derived from the site's secret (HMAC-SHA256), so it cannot
//! be altered to show another post or to last longer; nothing about it is stored. Creating
//! one is audited (`post.preview_link`, with its expiry, never the link).
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Entity, Model};
use crate::{
    actor::{Actor, RequestMeta},
    auth::Capability,
    models::{WriteError, audit, now},
};

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The key preview links are signed with: the site's secret, for this purpose only.
fn key(secret: &str) -> [u8; 32] {
    hmac(secret.as_bytes(), b"copydesk preview links v1")
}

fn signature(secret: &str, post_id: i32, expires: i64) -> String {
    URL_SAFE_NO_PAD.encode(hmac(
        &key(secret),
        format!("preview:{post_id}:{expires}").as_bytes(),
    ))
}

/// The token of a link to post `post_id` until `expires` (epoch seconds):
/// `{id}.{expires}.{signature}`.
#[must_use]
pub fn sign(secret: &str, post_id: i32, expires: i64) -> String {
    format!(
        "{post_id}.{expires}.{}",
        signature(secret, post_id, expires)
    )
}

/// Why a preview link does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a link this site signed (altered, or made up).
    Invalid,
    /// It was, but its time is over.
    Expired,
}

/// The post a preview token opens at `at`.
///
/// # Errors
/// [`Refusal::Invalid`] for a token this site did not sign as it stands,
/// [`Refusal::Expired`] for one whose time is over.
pub fn verify(secret: &str, token: &str, at: DateTime<FixedOffset>) -> Result<i32, Refusal> {
    let mut parts = token.splitn(3, '.');
    let (Some(id), Some(expires), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Refusal::Invalid);
    };
    let (Ok(id), Ok(expires)) = (id.parse::<i32>(), expires.parse::<i64>()) else {
        return Err(Refusal::Invalid);
    };
    let want = signature(secret, id, expires);
    if !bool::from(want.as_bytes().ct_eq(sig.as_bytes())) {
        return Err(Refusal::Invalid);
    }
    if at.timestamp() >= expires {
        return Err(Refusal::Expired);
    }
    Ok(id)
}

/// When a token (already verified) stops working.
#[must_use]
pub fn expiry(token: &str) -> Option<DateTime<FixedOffset>> {
    let expires = token.split('.').nth(1)?.parse::<i64>().ok()?;
    Utc.timestamp_opt(expires, 0)
        .single()
        .map(|d| d.fixed_offset())
}

/// A link just made: its token (shown to the person who asked, once) and when it ends.
#[derive(Debug, Clone)]
pub struct Link {
    pub token: String,
    pub expires_at: DateTime<FixedOffset>,
}

/// Makes a preview link to post `id` for `by`, who may read it in the admin (`posts.view`
/// over it: a link shares what they can already read, read-only), valid for `hours`.
/// Audited as `post.preview_link` with its expiry, so who shared what stays known.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::NotFound`], or a database error.
pub async fn create<C: sea_orm::TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    secret: &str,
    hours: i64,
    id: i32,
) -> Result<Link, WriteError> {
    use sea_orm::TransactionSession;
    let txn = crate::db::begin_write(db).await?;
    let post: Model = crate::models::write::found::<Entity, _>(&txn, id).await?;
    by.require_for(Capability::POSTS_VIEW, post.author_id)?;
    let expires = (now() + Duration::hours(hours)).timestamp();
    let expires_at = Utc
        .timestamp_opt(expires, 0)
        .single()
        .map_or_else(now, |d| d.fixed_offset());
    audit::record(
        &txn,
        meta,
        audit::of(
            audit::Action::PostPreviewLink,
            by,
            id,
            None,
            Some(json!({"expires_at": expires_at})),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Link {
        token: sign(secret, id, expires),
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_link_opens_its_post_until_it_expires_and_cannot_be_altered() {
        let t = now();
        let exp = (t + Duration::hours(1)).timestamp();
        let token = sign("secret", 7, exp);
        assert_eq!(verify("secret", &token, t), Ok(7));
        assert_eq!(
            verify("secret", &token, t + Duration::hours(2)),
            Err(Refusal::Expired)
        );
        // Another post, a later expiry, another site's key, garbage.
        let sig = token.rsplit('.').next().unwrap();
        for bad in [
            format!("8.{exp}.{sig}"),
            format!("7.{}.{sig}", exp + 3600),
            sign("other secret", 7, exp),
            "7".to_string(),
            "a.b.c".to_string(),
            String::new(),
        ] {
            assert_eq!(verify("secret", &bad, t), Err(Refusal::Invalid), "{bad}");
        }
    }
}

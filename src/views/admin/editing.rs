//! The notice above a post's change page: who is editing it, the way to take over, and the
//! person's autosaved text to put back.
use chrono_tz::Tz;
use copydesk_admin::{Banner, HiddenField, PanelButton, PanelRow};

use crate::{
    models::posts::locks::{Look, Standing},
    settings::Editorial,
    views::time,
};

/// How often an open change page renews its lock.
const LIVE_SECONDS: u32 = 30;

fn hhmm(tz: Tz, at: chrono::DateTime<chrono::FixedOffset>) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// The banner for post `post_id` as `look` has it, its times in `tz` (the viewer's zone).
#[must_use]
pub fn banner(post_id: i32, look: &Look, policy: &Editorial, tz: Tz) -> Banner {
    let name = |id: &i32| {
        look.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| "Someone".into())
    };
    let base = format!("/admin/posts/{post_id}");
    let version = HiddenField {
        name: "lock_version".into(),
        value: look.lock_version.to_string(),
    };
    let mut b = Banner {
        live_url: Some(format!("{base}/lock")),
        live_seconds: LIVE_SECONDS,
        ..Banner::default()
    };
    match &look.standing {
        Standing::Mine { since } => {
            b.tone = "info".into();
            b.text = "You are editing this post.".into();
            b.detail = format!(
                "Others see that you are, since {}; saving or leaving gives it back.",
                hhmm(tz, *since)
            );
            b.release_url = Some(format!("{base}/lock/release"));
            b.autosave_url = Some(format!("{base}/autosave"));
            b.autosave_seconds = policy.autosave_seconds;
        }
        Standing::Other {
            user_id,
            since,
            took_it_from_you,
        } => {
            b.tone = "warning".into();
            match took_it_from_you {
                Some(at) => {
                    b.text = format!("{} took over editing at {}.", name(user_id), hhmm(tz, *at));
                    b.detail = "What you typed is still in this form (and kept as your \
                                autosave). Saving is refused if they saved since; you would \
                                then see both versions."
                        .into();
                }
                None => {
                    b.text = format!("{} is editing since {}.", name(user_id), hhmm(tz, *since));
                    b.detail = "Your changes could clash with theirs: a save is refused if \
                                they saved first, and you would see both versions."
                        .into();
                }
            }
            if look.may_take_over {
                b.buttons.push(PanelButton {
                    label: "Take over editing".into(),
                    url: format!("{base}/lock/take"),
                    fields: Vec::new(),
                });
            }
            // Keep their own typing safe even while someone else holds the lock.
            b.autosave_url = Some(format!("{base}/autosave"));
            b.autosave_seconds = policy.autosave_seconds;
        }
    }
    b.preview_url = Some(format!("{base}/preview?draft=mine"));
    if let Some(a) = &look.autosave {
        let behind = a.base_version < look.lock_version;
        b.rows.push(PanelRow {
            text: format!(
                "You have text autosaved at {} that is not in the post.",
                time::show(tz, a.saved_at)
            ),
            detail: if behind {
                "It was typed over an older version: the post was saved since. Putting it in \
                 replaces the title, summary and body as they are now (a new revision, so \
                 nothing is lost)."
                    .into()
            } else {
                "Putting it in saves it as a new revision.".into()
            },
            state: String::new(),
            href: None,
            button: Some(PanelButton {
                label: "Put my autosaved text in the post".into(),
                url: format!("{base}/autosave/restore"),
                fields: vec![version.clone()],
            }),
        });
        b.rows.push(PanelRow {
            text: "Or throw the autosave away.".into(),
            detail: String::new(),
            state: String::new(),
            href: None,
            button: Some(PanelButton {
                label: "Discard the autosave".into(),
                url: format!("{base}/autosave/discard"),
                fields: Vec::new(),
            }),
        });
    }
    b
}

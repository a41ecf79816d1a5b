//! The frame every admin page shares: who is signed in and the navigation they may use
//! (the engine's sections from [`crate::admin::SITE`], then the hand-built operations screens).
use serde::Serialize;

use crate::{
    actor::Actor,
    auth::{Capability, Role},
};

/// A link in the admin navigation.
#[derive(Debug, Serialize)]
pub struct NavLink {
    pub href: String,
    pub label: String,
    pub current: bool,
    /// `g` then this key, when keyboard shortcuts are on.
    pub shortcut: Option<char>,
}

/// A titled group of links.
#[derive(Debug, Serialize)]
pub struct NavSection {
    pub title: String,
    pub links: Vec<NavLink>,
}

/// What every admin page's layout shows: who is signed in and where they may go.
#[derive(Debug, Serialize)]
pub struct AdminChrome {
    pub user_name: String,
    pub role: String,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    pub sections: Vec<NavSection>,
}

/// The signed-in person as the admin engine's navigation asks about them.
struct NavUser(i64, Role);

impl copydesk_admin::AdminUser for NavUser {
    fn id(&self) -> i64 {
        self.0
    }
    fn role(&self) -> &str {
        self.1.as_str()
    }
    fn grant(&self, permission: &str) -> Option<copydesk_admin::Grant> {
        crate::admin::grant(self.1, permission)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl AdminChrome {
    #[must_use]
    pub fn new(actor: &Actor, current: &str) -> Self {
        let link = |href: &str, label: &str, shortcut: Option<char>| NavLink {
            current: href == current
                || (href != "/admin" && current.starts_with(&format!("{href}/"))),
            href: href.to_string(),
            label: label.to_string(),
            shortcut,
        };
        let nav = vec![link("/admin", "Dashboard", Some('d'))];
        let user = NavUser(i64::from(actor.user.id), actor.role());
        let mut sections: Vec<NavSection> = crate::admin::SITE
            .nav(&user)
            .into_iter()
            .map(|s| NavSection {
                title: s.title,
                links: s
                    .links
                    .into_iter()
                    .map(|l| link(&l.href, &l.label, l.shortcut))
                    .collect(),
            })
            .collect();
        let mut editorial = Vec::new();
        if actor.grant(Capability::POSTS_VIEW).is_some() {
            editorial.push(link("/admin/reviews", "Review queue", Some('r')));
            editorial.push(link("/admin/board", "Board", Some('b')));
        }
        if actor.grant(Capability::MEDIA_ADD).is_some() {
            editorial.push(link("/admin/media/upload", "Upload an image", Some('i')));
        }
        if !editorial.is_empty() {
            sections.insert(
                sections.len().min(1),
                NavSection {
                    title: "Editorial".into(),
                    links: editorial,
                },
            );
        }
        if actor.grant(Capability::MODERATE).is_some() {
            sections.insert(
                sections.len().min(2),
                NavSection {
                    title: "Moderation".into(),
                    links: vec![
                        link("/admin/moderation", "Moderation queue", Some('q')),
                        link("/admin/moderation/log", "Mod log", None),
                    ],
                },
            );
        }
        let ops: [(&str, &str, Capability, Option<char>); 3] = [
            ("/admin/jobs", "Jobs", Capability::JOBS_VIEW, Some('j')),
            (
                "/admin/outbox",
                "Mail outbox",
                Capability::OUTBOX_VIEW,
                Some('o'),
            ),
            (
                "/admin/tokens",
                "API tokens",
                Capability::API_TOKENS_VIEW,
                None,
            ),
        ];
        let links: Vec<NavLink> = ops
            .into_iter()
            .filter(|(_, _, c, _)| actor.grant(*c).is_some())
            .map(|(href, label, _, k)| link(href, label, k))
            .collect();
        if !links.is_empty() {
            sections.push(NavSection {
                title: "Operations".into(),
                links,
            });
        }
        Self {
            user_name: actor.user.display_name.clone(),
            role: actor.user.role.clone(),
            csrf: actor.csrf().to_string(),
            nav,
            sections,
        }
    }
}

//! Copydesk's own settings: the `settings:` block of each config file, read once at boot.
use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::{Arc, OnceLock},
};

use loco_rs::app::AppContext;
use serde::Deserialize;

mod media;
mod moderation;
pub use media::Media;
pub use moderation::{Moderation, RuleAction, Rules};

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub site: Site,
    /// Salts the hashes of commenters' IP addresses; keep it secret and stable.
    pub secret_key: String,
    #[serde(default)]
    pub comments: Comments,
    #[serde(default)]
    pub demo: Demo,
    #[serde(default)]
    pub cache: Cache,
    #[serde(default)]
    pub security: Security,
    #[serde(default)]
    pub accounts: Accounts,
    #[serde(default)]
    pub mail: Mail,
    #[serde(default)]
    pub jobs: Jobs,
    #[serde(default)]
    pub editorial: Editorial,
    #[serde(default)]
    pub media: Media,
    #[serde(default)]
    pub moderation: Moderation,
}

/// The editorial workflow: review stages, what an edit in review does, the editing lock,
/// autosaves, preview links and the site's time zone.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Editorial {
    /// The review stages a post passes in order; none configured means one stage, "Review",
    /// for everyone who holds `review`.
    pub stages: Vec<Stage>,
    /// An edit to a post's content while in review sends it back to the first stage.
    pub reset_approvals_on_edit: bool,
    /// The site's time zone (IANA name): times are entered and shown in it.
    pub time_zone: String,
    /// An editing lock nobody's page renewed for this long is free.
    pub lock_quiet_minutes: i64,
    /// How often an open editor autosaves, in seconds.
    pub autosave_seconds: u32,
    /// Autosaves untouched for this many days are pruned (saved revisions never are).
    pub autosave_keep_days: i64,
    /// How long a signed preview link works, in hours.
    pub preview_link_hours: i64,
}

/// One review stage.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Stage {
    /// Stable key, stored on posts in review (`copy_edit`).
    pub key: String,
    /// What people read (`Copy edit`).
    pub name: String,
    /// The roles whose holders may approve it.
    #[serde(default)]
    pub roles: Vec<String>,
    /// One more person (by address) who may approve it.
    #[serde(default)]
    pub person: Option<String>,
    /// Hours the stage has once a post reaches it (none: no due date).
    #[serde(default)]
    pub due_hours: Option<i64>,
}

impl Default for Editorial {
    fn default() -> Self {
        Self {
            stages: Vec::new(),
            reset_approvals_on_edit: true,
            time_zone: "UTC".into(),
            lock_quiet_minutes: 5,
            autosave_seconds: 10,
            autosave_keep_days: 30,
            preview_link_hours: 48,
        }
    }
}

impl Editorial {
    /// The stages in force: the configured ones, or the one default stage.
    #[must_use]
    pub fn stages(&self) -> std::borrow::Cow<'_, [Stage]> {
        if self.stages.is_empty() {
            std::borrow::Cow::Owned(vec![Stage {
                key: "review".into(),
                name: "Review".into(),
                roles: crate::auth::Role::ALL
                    .iter()
                    .filter(|r| {
                        crate::auth::permissions::grant(**r, crate::auth::Capability::REVIEW)
                            .is_some()
                    })
                    .map(|r| r.as_str().to_string())
                    .collect(),
                person: None,
                due_hours: None,
            }])
        } else {
            std::borrow::Cow::Borrowed(&self.stages)
        }
    }

    /// The site's time zone; `UTC` when the name is not one.
    #[must_use]
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The zone `user` reads and types times in: their own (`users.time_zone`, chosen on
    /// `/account`), or the site's.
    #[must_use]
    pub fn tz_for(&self, user: &crate::models::users::Model) -> chrono_tz::Tz {
        user.time_zone.parse().unwrap_or_else(|_| self.tz())
    }

    /// Refuses a configuration that cannot work, naming what is wrong.
    ///
    /// # Errors
    /// A message for the operator.
    pub fn check(&self) -> Result<(), String> {
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(format!(
                "editorial.time_zone `{}` is not a time zone name (Europe/Oslo, UTC, …)",
                self.time_zone
            ));
        }
        let mut keys = std::collections::HashSet::new();
        for stage in &self.stages {
            if stage.key.is_empty() || stage.key.len() > 64 || !keys.insert(stage.key.as_str()) {
                return Err(format!(
                    "editorial.stages: the key `{}` must be 1–64 characters and unique",
                    stage.key
                ));
            }
            if stage.roles.is_empty() && stage.person.is_none() {
                return Err(format!(
                    "editorial.stages `{}`: name the roles or the person who approve it",
                    stage.key
                ));
            }
            for role in &stage.roles {
                let Some(r) = crate::auth::Role::parse(role) else {
                    return Err(format!(
                        "editorial.stages `{}`: unknown role `{role}`",
                        stage.key
                    ));
                };
                if crate::auth::permissions::grant(r, crate::auth::Capability::REVIEW).is_none() {
                    return Err(format!(
                        "editorial.stages `{}`: the role `{role}` does not hold `review`",
                        stage.key
                    ));
                }
            }
        }
        if self.lock_quiet_minutes < 1 || self.preview_link_hours < 1 || self.autosave_seconds < 2 {
            return Err("editorial: lock_quiet_minutes and preview_link_hours must be at least 1, autosave_seconds at least 2".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Jobs {
    /// `sql` (the app's database; the embedded default) or `redis` (Sidekiq's format).
    pub store: String,
    pub redis_url: String,
    /// The namespace of the job runtime's own Redis keys (in-progress lists, statuses, cron
    /// claims); Sidekiq's keys never carry it.
    pub redis_namespace: String,
    /// Work jobs in the web process too (the embedded default). Worker-only processes run
    /// `cargo loco task jobs_worker`.
    pub in_process: bool,
    pub concurrency: usize,
    pub poll_seconds: u64,
    /// When scheduled posts are checked (cron, UTC).
    pub publish_cron: String,
    /// When the outbox is swept for mail whose delivery job was never queued (cron, UTC).
    pub outbox_cron: String,
    /// When old autosaves are pruned (cron, UTC).
    pub autosave_prune_cron: String,
    /// When suspensions whose time is up are ended (cron, UTC).
    pub moderation_cron: String,
}

impl Default for Jobs {
    fn default() -> Self {
        Self {
            store: "sql".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_namespace: "copydesk".into(),
            in_process: true,
            concurrency: 5,
            poll_seconds: 5,
            publish_cron: "* * * * *".into(),
            outbox_cron: "* * * * *".into(),
            autosave_prune_cron: "17 3 * * *".into(),
            moderation_cron: "* * * * *".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Security {
    /// A session unused this long is over.
    pub session_idle_minutes: i64,
    /// A session is over this long after sign-in, used or not.
    pub session_absolute_hours: i64,
    /// Send cookies with `Secure` (and the `__Host-` name prefix): on in production.
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security`: on in production.
    pub hsts: bool,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Failed sign-ins per account, and per address, within `lockout_window_minutes`
    /// before sign-in is refused for `lockout_minutes`.
    pub max_failures_per_account: u64,
    pub max_failures_per_ip: u64,
    pub lockout_window_minutes: i64,
    pub lockout_minutes: i64,
}

impl Default for Security {
    fn default() -> Self {
        Self {
            session_idle_minutes: 120,
            session_absolute_hours: 24 * 7,
            secure_cookies: false,
            hsts: false,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            max_failures_per_account: 5,
            max_failures_per_ip: 20,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Accounts {
    /// Whether readers may create accounts at `/signup`.
    pub signup_enabled: bool,
    pub verify_ttl_hours: i64,
    pub reset_ttl_minutes: i64,
    /// How long a staff invitation's set-a-password link works.
    pub invitation_ttl_hours: i64,
}

impl Default for Accounts {
    fn default() -> Self {
        Self {
            signup_enabled: true,
            verify_ttl_hours: 48,
            reset_ttl_minutes: 60,
            invitation_ttl_hours: 168,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Mail {
    /// `outbox`: keep mail in the outbox table only (development, tests); `smtp`: also send
    /// it through the `mailer.smtp` settings.
    pub transport: String,
    pub from: String,
}

impl Default for Mail {
    fn default() -> Self {
        Self {
            transport: "outbox".into(),
            from: "The Copydesk Review <no-reply@copydesk.invalid>".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Site {
    pub title: String,
    pub tagline: String,
    /// The public address, without a trailing slash. Left empty (development), it is the
    /// server's own address from `server:`; read [`Site::base`], which follows the address
    /// the server actually bound (`--port`).
    #[serde(default)]
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    /// Whether `base_url` was set in the config rather than taken from the server's address.
    #[serde(skip)]
    base_configured: bool,
    /// The address the server bound, once it listens.
    #[serde(skip)]
    bound: Arc<OnceLock<String>>,
}

impl Site {
    /// The address canonical links, feeds, the sitemap, mail links and the form origin check
    /// use: the configured base URL, or else the address the server listens on.
    #[must_use]
    pub fn base(&self) -> &str {
        match self.bound.get() {
            Some(bound) if !self.base_configured => bound,
            _ => &self.base_url,
        }
    }

    /// Whether the base URL was configured (production requires it).
    #[must_use]
    pub const fn base_configured(&self) -> bool {
        self.base_configured
    }

    /// Records the address the server bound and returns it as a URL; without a configured
    /// base URL, [`Site::base`] follows it from then on.
    pub fn record_bound(&self, addr: SocketAddr) -> String {
        let url = server_url(addr);
        // Set once per boot; a second listener of the same boot keeps the first address.
        let _ = self.bound.set(url.clone());
        url
    }

    fn resolve_base(&mut self, server: &loco_rs::config::Server) {
        self.base_url = self.base_url.trim().trim_end_matches('/').to_string();
        self.base_configured = !self.base_url.is_empty();
        if self.base_configured {
            return;
        }
        // Provisional until the server records the address it bound.
        self.base_url = match (server.binding.parse::<IpAddr>(), u16::try_from(server.port)) {
            (Ok(ip), Ok(port)) => server_url(SocketAddr::new(ip, port)),
            _ => format!("http://{}:{}", server.binding, server.port),
        };
    }
}

/// `http://ip:port` for a listening address; an unspecified one (`0.0.0.0`, `::`) is
/// reached on loopback.
#[must_use]
pub fn server_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

fn default_language() -> String {
    "en".to_string()
}

#[derive(Debug, Clone, Deserialize)]
pub struct Comments {
    /// How many comments one address may post per window.
    pub max_per_window: u64,
    pub window_minutes: i64,
}

impl Default for Comments {
    fn default() -> Self {
        Self {
            max_per_window: 5,
            window_minutes: 10,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Demo {
    /// Seed the demo content when the database has none (development only).
    #[serde(default)]
    pub seed_on_start: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Cache {
    /// `max-age` of public HTML pages, in seconds.
    pub page_max_age: u32,
    /// `max-age` of feeds and the sitemap, in seconds.
    pub feed_max_age: u32,
    /// How long a rendered public page is reused in-process, in milliseconds (0: off).
    #[serde(default)]
    pub render_ttl_ms: u64,
}

impl Default for Cache {
    fn default() -> Self {
        Self {
            page_max_age: 60,
            feed_max_age: 300,
            render_ttl_ms: 0,
        }
    }
}

impl Settings {
    /// Reads the settings block from the loaded config.
    ///
    /// # Errors
    /// When the block is missing or does not match [`Settings`]; the message says which field.
    pub fn from_config(config: &loco_rs::config::Config) -> loco_rs::Result<Self> {
        let value = config
            .settings
            .clone()
            .ok_or_else(|| loco_rs::Error::string("config has no `settings:` block"))?;
        let mut settings: Self = serde_json::from_value(value)
            .map_err(|e| loco_rs::Error::string(&format!("config `settings:` block: {e}")))?;
        settings.site.resolve_base(&config.server);
        settings
            .editorial
            .check()
            .and_then(|()| settings.media.check())
            .and_then(|()| settings.moderation.check())
            .map_err(|e| loco_rs::Error::string(&format!("config `settings:` block: {e}")))?;
        Ok(settings)
    }

    /// The settings stored in the context at boot.
    ///
    /// # Errors
    /// Only if called before boot stored them, which is a programming error.
    pub fn get(ctx: &AppContext) -> loco_rs::Result<Arc<Self>> {
        ctx.shared_store
            .get::<Arc<Self>>()
            .ok_or_else(|| loco_rs::Error::string("settings are not loaded"))
    }
}

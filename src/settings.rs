//! Copydesk's own settings: the `settings:` block of each config file, read once at boot.
use std::sync::Arc;

use loco_rs::app::AppContext;
use serde::Deserialize;

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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Jobs {
    /// `sql` (the app's database; the embedded default) or `redis` (Sidekiq's format).
    pub store: String,
    pub redis_url: String,
    /// Work jobs in the web process too (the embedded default). Worker-only processes run
    /// `cargo loco task jobs_worker`.
    pub in_process: bool,
    pub concurrency: usize,
    pub poll_seconds: u64,
    /// When scheduled posts are checked (cron, UTC).
    pub publish_cron: String,
}

impl Default for Jobs {
    fn default() -> Self {
        Self {
            store: "sql".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
            in_process: true,
            concurrency: 5,
            poll_seconds: 5,
            publish_cron: "* * * * *".into(),
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
    /// The public address, without a trailing slash: canonical links, feeds and the sitemap
    /// use it.
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
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
        serde_json::from_value(value)
            .map_err(|e| loco_rs::Error::string(&format!("config `settings:` block: {e}")))
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

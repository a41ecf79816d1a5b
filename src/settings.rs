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

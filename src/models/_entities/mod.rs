//! SeaORM entities in sea-orm-codegen's format, one per table; they mirror the migrations and
//! hold no logic. Behaviour lives in the model files one folder up.
pub mod prelude;

pub mod api_tokens;
pub mod appeals;
pub mod audit_log;
pub mod comments;
pub mod login_attempts;
pub mod mail_outbox;
pub mod media;
pub mod media_variants;
pub mod mod_cases;
pub mod mod_flags;
pub mod mod_log;
pub mod mod_reasons;
pub mod notification_opt_outs;
pub mod post_autosaves;
pub mod post_locks;
pub mod post_revisions;
pub mod post_tags;
pub mod posts;
pub mod reporter_stats;
pub mod review_comments;
pub mod sanctions;
pub mod sessions;
pub mod tags;
pub mod user_tokens;
pub mod users;

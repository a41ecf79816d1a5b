//! Copydesk's schema, one migration per change, applied in order.
#![allow(elided_lifetimes_in_paths)]
#![allow(clippy::wildcard_imports)]
pub use sea_orm_migration::prelude::*;

mod m20261120_000001_users;
mod m20261120_000002_posts_and_tags;
mod m20261120_000003_media;
mod m20261120_000004_comments;
mod m20261120_000005_post_reading_minutes;
mod m20261121_000006_accounts;
mod m20261121_000007_jobs;
mod m20261121_000008_admin;
mod m20261121_000009_search_indexes;
mod m20261121_000010_posts_search_sqlite;
mod m20261201_000011_mail_links;
mod m20261203_000012_post_revisions;
mod m20261203_000013_editorial;
mod m20261203_000014_editing;
mod m20261203_000015_images;
mod m20261203_000016_review_comments;
mod m20261203_000017_notification_opt_outs;
mod m20261203_000018_user_time_zone;
mod m20261203_000019_moderation;
mod m20261203_000020_moderation_actions;
mod m20261203_000021_moderation_indexes;
mod m20261203_000022_moderation_markers;
mod m20261204_000023_moderation_flag_tags;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261120_000001_users::Migration),
            Box::new(m20261120_000002_posts_and_tags::Migration),
            Box::new(m20261120_000003_media::Migration),
            Box::new(m20261120_000004_comments::Migration),
            Box::new(m20261120_000005_post_reading_minutes::Migration),
            Box::new(m20261121_000006_accounts::Migration),
            Box::new(m20261121_000007_jobs::Migration),
            Box::new(m20261121_000008_admin::Migration),
            Box::new(m20261121_000009_search_indexes::Migration),
            Box::new(m20261121_000010_posts_search_sqlite::Migration),
            Box::new(m20261201_000011_mail_links::Migration),
            Box::new(m20261203_000012_post_revisions::Migration),
            Box::new(m20261203_000013_editorial::Migration),
            Box::new(m20261203_000014_editing::Migration),
            Box::new(m20261203_000015_images::Migration),
            Box::new(m20261203_000016_review_comments::Migration),
            Box::new(m20261203_000017_notification_opt_outs::Migration),
            Box::new(m20261203_000018_user_time_zone::Migration),
            Box::new(m20261203_000019_moderation::Migration),
            Box::new(m20261203_000020_moderation_actions::Migration),
            Box::new(m20261203_000021_moderation_indexes::Migration),
            Box::new(m20261203_000022_moderation_markers::Migration),
            Box::new(m20261204_000023_moderation_flag_tags::Migration),
        ]
    }
}

//! The reader site: pages, feeds, sitemap, the comment form and the report forms.
use axum::routing::{get, post};
use loco_rs::prelude::Routes;

pub mod authors;
pub mod comments;
pub mod feeds;
pub mod home;
pub mod media;
pub mod posts;
pub mod reports;
pub mod tags;

/// Readers' pages list this many posts at a time.
pub const PER_PAGE: u64 = 10;

/// `?page=N`, read by [`crate::models::page_number`].
#[derive(Debug, serde::Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

impl PageQuery {
    #[must_use]
    pub fn number(&self) -> u64 {
        crate::models::page_number(self.page.as_deref())
    }
}

#[must_use]
pub fn routes() -> Routes {
    Routes::new()
        .add("/", get(home::index))
        .add("/posts/{slug}", get(posts::show))
        .add("/preview/{token}", get(posts::shared_preview))
        .add("/posts/{slug}/comments", post(comments::create))
        .add(
            "/posts/{slug}/report",
            get(reports::post_page).post(reports::post_report),
        )
        .add(
            "/comments/{id}/report",
            get(reports::comment_page).post(reports::comment_report),
        )
        .add("/tags/{slug}", get(tags::show))
        .add("/authors/{slug}", get(authors::show))
        .add("/feed.atom", get(feeds::atom))
        .add("/feed.rss", get(feeds::rss))
        .add("/sitemap.xml", get(feeds::sitemap))
        .add("/robots.txt", get(feeds::robots))
        .add("/media/{*key}", get(media::serve))
}

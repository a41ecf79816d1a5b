use std::sync::Arc;

use axum::{Extension, extract::State, http::StatusCode, response::Response};
use loco_rs::app::AppContext;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    errors::AppResult,
    models::{posts, tags, users},
    views::{
        Web,
        feeds::{self, Entry, FeedMeta, SitemapUrl},
        posts::{Related, author_url, post_url, tag_url},
        web::CachePolicy,
    },
};

/// Feeds carry this many of the newest posts.
const FEED_LEN: u64 = 20;

async fn latest(ctx: &AppContext) -> AppResult<Vec<posts::Model>> {
    Ok(posts::Entity::find()
        .filter(posts::visible_condition())
        .order_by_desc(posts::Column::PublishedAt)
        .order_by_desc(posts::Column::Id)
        .limit(FEED_LEN)
        .all(&ctx.db)
        .await?)
}

fn meta(web: &Web) -> FeedMeta<'_> {
    let site = &web.settings.site;
    FeedMeta {
        title: &site.title,
        subtitle: &site.tagline,
        base_url: site.base(),
        language: &site.language,
    }
}

/// Renders the newest posts with `render` (Atom or RSS).
async fn feed(
    ctx: &AppContext,
    web: &Web,
    render: fn(&FeedMeta<'_>, &[Entry<'_>]) -> String,
    content_type: &'static str,
) -> AppResult<Response> {
    let posts = latest(ctx).await?;
    let related = Related::load(&ctx.db, &posts).await?;
    let cards = related.cards(&posts);
    let entries: Vec<Entry<'_>> = posts
        .iter()
        .zip(&cards)
        .map(|(post, card)| Entry { post, card })
        .collect();
    let body = render(&meta(web), &entries);
    Ok(web.respond(StatusCode::OK, content_type, body, CachePolicy::Feed))
}

/// `GET /feed.atom`.
pub async fn atom(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
) -> AppResult<Response> {
    feed(
        &ctx,
        &web,
        feeds::atom,
        "application/atom+xml; charset=utf-8",
    )
    .await
}

/// `GET /feed.rss`.
pub async fn rss(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
) -> AppResult<Response> {
    feed(&ctx, &web, feeds::rss, "application/rss+xml; charset=utf-8").await
}

/// `GET /sitemap.xml`: the home page, every visible post, and the tags and authors that have
/// visible posts.
pub async fn sitemap(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
) -> AppResult<Response> {
    let visible: Vec<(String, chrono::DateTime<chrono::FixedOffset>)> = posts::Entity::find()
        .select_only()
        .column(posts::Column::Slug)
        .column(posts::Column::UpdatedAt)
        .filter(posts::visible_condition())
        .order_by_desc(posts::Column::PublishedAt)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let newest = visible.iter().map(|(_, d)| *d).max();
    let mut urls = vec![SitemapUrl {
        path: "/".into(),
        lastmod: newest,
    }];
    urls.extend(visible.into_iter().map(|(slug, d)| SitemapUrl {
        path: post_url(&slug),
        lastmod: Some(d),
    }));
    for tag in tags::Model::with_visible_posts(&ctx.db).await? {
        urls.push(SitemapUrl {
            path: tag_url(&tag.slug),
            lastmod: None,
        });
    }
    let author_ids = posts::Model::visible_author_ids(&ctx.db).await?;
    let authors = users::Entity::find()
        .filter(users::Column::Id.is_in(author_ids))
        .order_by_asc(users::Column::Slug)
        .all(&ctx.db)
        .await?;
    urls.extend(authors.iter().map(|a| SitemapUrl {
        path: author_url(&a.slug),
        lastmod: None,
    }));
    let body = feeds::sitemap(web.settings.site.base(), &urls);
    Ok(web.respond(
        StatusCode::OK,
        "application/xml; charset=utf-8",
        body,
        CachePolicy::Feed,
    ))
}

/// `GET /robots.txt`.
pub async fn robots(Extension(web): Extension<Arc<Web>>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /admin\nDisallow: /posts/*/comments\n\nSitemap: {}\n",
        web.absolute("/sitemap.xml")
    );
    web.respond(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        body,
        CachePolicy::Feed,
    )
}

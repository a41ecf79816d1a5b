//! Atom 1.0, RSS 2.0 and sitemap documents, written directly: they are small and fixed, and
//! every value passes through [`xml_escape`].
use std::fmt::Write;

use crate::models::posts;

use super::posts::{PostCard, post_url};

#[must_use]
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// One feed entry: the post, its card, and what the feed may show of its body.
pub struct Entry<'a> {
    pub post: &'a posts::Model,
    pub card: &'a PostCard,
}

impl Entry<'_> {
    /// Full HTML for public posts; members-only posts give their summary only.
    fn content(&self) -> &str {
        if self.post.is_public() {
            &self.post.body_html
        } else {
            &self.post.summary
        }
    }
}

pub struct FeedMeta<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub base_url: &'a str,
    pub language: &'a str,
}

/// # Panics
/// Never: writing to a `String` cannot fail.
#[must_use]
pub fn atom(meta: &FeedMeta<'_>, entries: &[Entry<'_>]) -> String {
    let base = meta.base_url;
    let updated = entries
        .iter()
        .map(|e| e.post.updated_at)
        .max()
        .map_or_else(|| chrono::Utc::now().to_rfc3339(), |d| d.to_rfc3339());
    let mut x = String::with_capacity(4096 + entries.len() * 4096);
    let _ = write!(
        x,
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">
  <title>{title}</title>
  <subtitle>{subtitle}</subtitle>
  <id>{base}/</id>
  <link rel="alternate" type="text/html" href="{base}/"/>
  <link rel="self" type="application/atom+xml" href="{base}/feed.atom"/>
  <updated>{updated}</updated>
"#,
        lang = xml_escape(meta.language),
        title = xml_escape(meta.title),
        subtitle = xml_escape(meta.subtitle),
        base = xml_escape(base),
    );
    for e in entries {
        let url = xml_escape(&format!("{base}{}", post_url(&e.post.slug)));
        let _ = write!(
            x,
            r#"  <entry>
    <title>{title}</title>
    <id>{url}</id>
    <link rel="alternate" type="text/html" href="{url}"/>
    <published>{published}</published>
    <updated>{updated}</updated>
    <author><name>{author}</name><uri>{author_uri}</uri></author>
"#,
            title = xml_escape(&e.post.title),
            published = xml_escape(&e.card.date_iso),
            updated = e.post.updated_at.to_rfc3339(),
            author = xml_escape(&e.card.author.name),
            author_uri = xml_escape(&format!("{base}{}", e.card.author.url)),
        );
        for t in &e.card.tags {
            let _ = writeln!(x, r#"    <category term="{}"/>"#, xml_escape(&t.name));
        }
        if let Some(img) = &e.card.image {
            let _ = writeln!(
                x,
                r#"    <link rel="enclosure" type="{}" length="{}" href="{}"/>"#,
                xml_escape(&img.preview.content_type),
                img.preview.size_bytes,
                xml_escape(&format!("{base}{}", img.preview.url)),
            );
        }
        let _ = write!(
            x,
            "    <summary>{}</summary>\n    <content type=\"html\">{}</content>\n  </entry>\n",
            xml_escape(&e.post.summary),
            xml_escape(e.content()),
        );
    }
    x.push_str("</feed>\n");
    x
}

#[must_use]
pub fn rss(meta: &FeedMeta<'_>, entries: &[Entry<'_>]) -> String {
    let base = meta.base_url;
    let mut x = String::with_capacity(4096 + entries.len() * 4096);
    let last = entries
        .first()
        .and_then(|e| e.post.published_at)
        .map(|d| d.to_rfc2822());
    let _ = write!(
        x,
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>{title}</title>
  <link>{base}/</link>
  <description>{subtitle}</description>
  <language>{lang}</language>
  <atom:link href="{base}/feed.rss" rel="self" type="application/rss+xml"/>
"#,
        title = xml_escape(meta.title),
        subtitle = xml_escape(meta.subtitle),
        lang = xml_escape(meta.language),
        base = xml_escape(base),
    );
    if let Some(last) = last {
        let _ = writeln!(x, "  <lastBuildDate>{last}</lastBuildDate>");
    }
    for e in entries {
        let url = xml_escape(&format!("{base}{}", post_url(&e.post.slug)));
        let pub_date = e
            .post
            .published_at
            .unwrap_or(e.post.created_at)
            .to_rfc2822();
        let _ = write!(
            x,
            "  <item>\n    <title>{}</title>\n    <link>{url}</link>\n    <guid isPermaLink=\"true\">{url}</guid>\n    <pubDate>{pub_date}</pubDate>\n    <author>{}</author>\n",
            xml_escape(&e.post.title),
            xml_escape(&e.card.author.name),
        );
        for t in &e.card.tags {
            let _ = writeln!(x, "    <category>{}</category>", xml_escape(&t.name));
        }
        if let Some(img) = &e.card.image {
            let _ = writeln!(
                x,
                r#"    <enclosure url="{}" length="{}" type="{}"/>"#,
                xml_escape(&format!("{base}{}", img.preview.url)),
                img.preview.size_bytes,
                xml_escape(&img.preview.content_type),
            );
        }
        let _ = write!(
            x,
            "    <description>{}</description>\n  </item>\n",
            xml_escape(e.content())
        );
    }
    x.push_str("</channel>\n</rss>\n");
    x
}

/// A `<url>` of the sitemap.
pub struct SitemapUrl {
    pub path: String,
    pub lastmod: Option<chrono::DateTime<chrono::FixedOffset>>,
}

#[must_use]
pub fn sitemap(base_url: &str, urls: &[SitemapUrl]) -> String {
    let mut x = String::with_capacity(256 + urls.len() * 160);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for u in urls {
        let _ = write!(
            x,
            "  <url><loc>{}</loc>",
            xml_escape(&format!("{base_url}{}", u.path))
        );
        if let Some(d) = u.lastmod {
            let _ = write!(x, "<lastmod>{}</lastmod>", d.format("%Y-%m-%dT%H:%M:%S%:z"));
        }
        x.push_str("</url>\n");
    }
    x.push_str("</urlset>\n");
    x
}

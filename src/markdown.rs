//! Markdown to safe HTML. Everything a person typed goes through pulldown-cmark and then
//! ammonia's allowlist; nothing is trusted because of who wrote it.
use std::{collections::HashSet, sync::LazyLock};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

static POST_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer"))
        .add_allowed_classes("code", CODE_CLASSES.iter().copied());
    b
});

static COMMENT_CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.tags(HashSet::from([
        "p",
        "br",
        "a",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "del",
    ]))
    .tag_attributes(std::collections::HashMap::from([(
        "a",
        HashSet::from(["href"]),
    )]))
    .url_schemes(HashSet::from(["http", "https", "mailto"]))
    .link_rel(Some("nofollow ugc noopener noreferrer"));
    b
});

/// The syntax-highlighting classes fenced code blocks may carry (`language-rust`, …).
const CODE_CLASSES: &[&str] = &[
    "language-rust",
    "language-python",
    "language-sql",
    "language-js",
    "language-javascript",
    "language-ts",
    "language-bash",
    "language-sh",
    "language-shell",
    "language-json",
    "language-yaml",
    "language-toml",
    "language-html",
    "language-css",
    "language-text",
];

/// Renders a post body (written by staff) to sanitized HTML.
#[must_use]
pub fn render_post(markdown: &str) -> String {
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SMART_PUNCTUATION;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, opts));
    POST_CLEANER.clean(&raw).to_string()
}

/// Renders a reader's comment to sanitized HTML: a small subset of markdown, no headings,
/// images or raw HTML, bare `http(s)://` addresses turned into links, and every link marked
/// `rel="nofollow ugc"` so that spam earns nothing.
#[must_use]
pub fn render_comment(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH);
    let mut in_link = 0usize;
    let mut out: Vec<Event<'_>> = Vec::new();
    for event in events {
        match event {
            // Headings and images are flattened to their text; raw HTML is shown as text.
            Event::Start(Tag::Heading { .. }) => out.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::Heading(_)) => out.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Html(text) | Event::InlineHtml(text) => out.push(Event::Text(text)),
            Event::Start(Tag::Link { .. }) => {
                in_link += 1;
                out.push(event);
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                out.push(event);
            }
            Event::Text(text) if in_link == 0 => linkify(&text, &mut out),
            other => out.push(other),
        }
    }
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, out.into_iter());
    COMMENT_CLEANER.clean(&raw).to_string()
}

/// Splits text around bare web addresses, emitting a link for each.
fn linkify<'a>(text: &str, out: &mut Vec<Event<'a>>) {
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        let (before, from) = rest.split_at(start);
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(from.len());
        // Trailing punctuation belongs to the sentence, not the address.
        let url = from[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
        if !before.is_empty() {
            out.push(Event::Text(before.to_string().into()));
        }
        out.push(Event::Start(Tag::Link {
            link_type: pulldown_cmark::LinkType::Autolink,
            dest_url: url.to_string().into(),
            title: "".into(),
            id: "".into(),
        }));
        out.push(Event::Text(url.to_string().into()));
        out.push(Event::End(TagEnd::Link));
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        out.push(Event::Text(rest.to_string().into()));
    }
}

fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")]
        .into_iter()
        .flatten()
        .min()
}

/// Minutes a reader needs for `markdown` at 220 words a minute; at least one.
#[must_use]
pub fn reading_minutes(markdown: &str) -> u32 {
    let words = markdown
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    u32::try_from(words.div_ceil(220))
        .unwrap_or(u32::MAX)
        .max(1)
}

/// Plain text of a markdown snippet, for meta descriptions and feeds.
#[must_use]
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_get_nofollow_ugc_links() {
        let html = render_comment("See https://example.com/a. And [this](https://example.com/b).");
        assert_eq!(
            html.matches("rel=\"nofollow ugc noopener noreferrer\"")
                .count(),
            2,
            "{html}"
        );
        assert!(html.contains("href=\"https://example.com/a\""), "{html}");
    }

    #[test]
    fn comments_drop_headings_and_images() {
        let html = render_comment("# Big\n\n![x](https://example.com/x.png)");
        assert!(!html.contains("<h1"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("Big"), "{html}");
    }

    #[test]
    fn posts_keep_structure() {
        let html = render_post("## Title\n\n- a\n- b\n\n```rust\nfn x() {}\n```");
        assert!(html.contains("<h2>Title</h2>"), "{html}");
        assert!(html.contains("<li>a</li>"), "{html}");
        assert!(html.contains("class=\"language-rust\""), "{html}");
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(reading_minutes(""), 1);
        assert_eq!(reading_minutes(&"word ".repeat(221)), 2);
    }
}

//! The walk over a post body's markdown events that finds the body's problems.
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::html::{self, Piece, RawTag};
use super::{Draft, QUOTE_MAX, Rule, Severity, is_file_name, is_vague, quote};

/// A heading being read: its level, where it starts, its text so far.
struct Heading {
    level: usize,
    start: usize,
    text: String,
}

/// A link or image being read: its markdown source and its text (alt text) so far.
struct Span {
    source: Range<usize>,
    text: String,
}

/// A markdown table being read.
struct Table {
    start: usize,
    in_head: bool,
    head_has_text: bool,
    body_rows: usize,
    /// The first body row's cells, to quote.
    first_row: Vec<String>,
}

/// A raw HTML `<table>` being read.
struct RawTable {
    start: usize,
    has_th: bool,
    text: String,
}

/// The lines of a raw HTML block, joined, with where each starts in the body.
#[derive(Default)]
struct HtmlBlock {
    text: String,
    /// (offset in `text`, offset in the body) for each line.
    lines: Vec<(usize, usize)>,
}

impl HtmlBlock {
    fn body_offset(&self, at: usize) -> usize {
        let i = self.lines.partition_point(|&(t, _)| t <= at);
        self.lines
            .get(i.wrapping_sub(1))
            .map_or(0, |&(t, b)| b + (at - t))
    }
}

/// Every finding in `src`, a post body, in the order they are made.
pub(super) fn check(src: &str) -> Vec<Draft> {
    Body::new(src).run()
}

/// The walk over a body's markdown events.
struct Body<'a> {
    src: &'a str,
    out: Vec<Draft>,
    /// The level of the last heading in the body; before the first, the title's (an h1).
    prev_level: Option<usize>,
    heading: Option<Heading>,
    links: Vec<Span>,
    images: Vec<Span>,
    table: Option<Table>,
    raw_tables: Vec<RawTable>,
    html_block: Option<HtmlBlock>,
    /// Inside inline `<script>`/`<style>`: its text is never shown, so it is no one's text.
    hidden_until: Option<String>,
}

impl<'a> Body<'a> {
    const fn new(src: &'a str) -> Self {
        Self {
            src,
            out: Vec::new(),
            prev_level: None,
            heading: None,
            links: Vec::new(),
            images: Vec::new(),
            table: None,
            raw_tables: Vec::new(),
            html_block: None,
            hidden_until: None,
        }
    }

    fn run(mut self) -> Vec<Draft> {
        // As the post is rendered (`markdown::render_post`) but for smart punctuation, which
        // changes no structure: messages then quote the quotes the editor typed.
        let opts =
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
        for (event, range) in Parser::new_ext(self.src, opts).into_offset_iter() {
            match event {
                Event::Start(tag) => self.start(&tag, range),
                Event::End(tag) => self.end(tag),
                Event::Text(t) | Event::Code(t) => self.text(&t),
                Event::SoftBreak | Event::HardBreak => self.text(" "),
                Event::InlineHtml(h) => self.inline_html(&h, range.start),
                Event::Html(h) => match &mut self.html_block {
                    Some(block) => {
                        block.lines.push((block.text.len(), range.start));
                        block.text.push_str(&h);
                    }
                    None => self.inline_html(&h, range.start),
                },
                _ => {}
            }
        }
        for table in std::mem::take(&mut self.raw_tables) {
            self.raw_table_done(&table);
        }
        self.out
    }

    fn push(&mut self, rule: Rule, severity: Severity, offset: usize, message: String) {
        self.out.push(Draft {
            rule,
            severity,
            field: "body_markdown",
            message,
            offset: Some(offset),
        });
    }

    fn start(&mut self, tag: &Tag<'_>, range: Range<usize>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.heading = Some(Heading {
                    level: *level as usize,
                    start: range.start,
                    text: String::new(),
                });
            }
            Tag::Link { .. } => self.links.push(Span {
                source: range,
                text: String::new(),
            }),
            Tag::Image { .. } => self.images.push(Span {
                source: range,
                text: String::new(),
            }),
            Tag::Table(_) => {
                self.table = Some(Table {
                    start: range.start,
                    in_head: false,
                    head_has_text: false,
                    body_rows: 0,
                    first_row: Vec::new(),
                });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                }
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.body_rows += 1;
                }
            }
            Tag::TableCell => {
                if let Some(t) = &mut self.table
                    && !t.in_head
                    && t.body_rows == 1
                {
                    t.first_row.push(String::new());
                }
            }
            Tag::HtmlBlock => self.html_block = Some(HtmlBlock::default()),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                if let Some(h) = self.heading.take() {
                    self.heading_done(&h);
                }
            }
            TagEnd::Link => {
                if let Some(link) = self.links.pop() {
                    self.link_done(&link);
                }
            }
            TagEnd::Image => {
                if let Some(image) = self.images.pop() {
                    let source = &self.src[image.source.clone()];
                    self.alt_done(image.source.start, source, Some(&image.text));
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = false;
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take()
                    && !t.head_has_text
                {
                    let row: Vec<&str> = t
                        .first_row
                        .iter()
                        .map(|c| c.trim())
                        .filter(|c| !c.is_empty())
                        .collect();
                    let message = format!(
                        "{} has an empty header row: name each column so screen readers can \
                         announce it.",
                        the_table(&row.join(" | "))
                    );
                    self.push(Rule::TableHeaders, Severity::Error, t.start, message);
                }
            }
            TagEnd::HtmlBlock => {
                if let Some(block) = self.html_block.take() {
                    self.html(&block.text, &|at| block.body_offset(at), false);
                }
            }
            _ => {}
        }
    }

    /// Text the reader sees: it belongs to every heading, link, image and cell it is in.
    fn text(&mut self, text: &str) {
        if self.hidden_until.is_some() {
            return;
        }
        if let Some(h) = &mut self.heading {
            h.text.push_str(text);
        }
        for span in self.links.iter_mut().chain(self.images.iter_mut()) {
            span.text.push_str(text);
        }
        if let Some(t) = &mut self.table {
            if t.in_head {
                t.head_has_text |= !text.trim().is_empty();
            } else if t.body_rows == 1
                && let Some(cell) = t.first_row.last_mut()
            {
                cell.push_str(text);
            }
        }
        if let Some(t) = self.raw_tables.last_mut() {
            push_sample(&mut t.text, text);
        }
    }

    fn inline_html(&mut self, html: &str, offset: usize) {
        if self.images.is_empty() {
            self.html(html, &|at| offset + at, true);
        } else {
            // Inside an image's alt text, HTML is shown as the text it is.
            self.text(html);
        }
    }

    /// Raw HTML: a whole block, or one inline tag. `at` maps an offset in `html` to one in
    /// the body.
    fn html(&mut self, html: &str, at: &dyn Fn(usize) -> usize, inline: bool) {
        for piece in html::scan(html) {
            let tag = match piece {
                Piece::Tag(tag) => tag,
                Piece::Text(text) => {
                    if let Some(t) = self.raw_tables.last_mut() {
                        push_sample(&mut t.text, &html::decode(text));
                    }
                    continue;
                }
            };
            if let Some(name) = &self.hidden_until {
                if tag.closing && tag.name == *name {
                    self.hidden_until = None;
                }
                continue;
            }
            match (tag.name.as_str(), tag.closing) {
                ("img", false) => self.raw_img(&tag, at(tag.start), inline),
                ("table", false) => self.raw_tables.push(RawTable {
                    start: at(tag.start),
                    has_th: false,
                    text: String::new(),
                }),
                ("th", false) => {
                    if let Some(t) = self.raw_tables.last_mut() {
                        t.has_th = true;
                    }
                }
                ("table", true) => {
                    if let Some(t) = self.raw_tables.pop() {
                        self.raw_table_done(&t);
                    }
                }
                ("script" | "style", false) if inline && tag.unclosed_raw_text => {
                    self.hidden_until = Some(tag.name.clone());
                }
                _ => {}
            }
        }
    }

    fn raw_img(&mut self, tag: &RawTag<'_>, offset: usize, inline: bool) {
        let alt = tag.attr("alt").map(html::decode);
        if inline && let Some(alt) = &alt {
            // A link or heading around it is named by the image's alt text.
            self.text(alt);
        }
        self.alt_done(offset, tag.source, alt.as_deref());
    }

    /// An image ended: `source` is its markdown or HTML, `alt` its alt text if it has any.
    fn alt_done(&mut self, offset: usize, source: &str, alt: Option<&str>) {
        match alt.map(str::trim) {
            None | Some("") => {
                let message = format!(
                    "The image {} has no alt text: describe what it shows for readers who \
                     cannot see it.",
                    quote(source)
                );
                self.push(Rule::ImageAlt, Severity::Error, offset, message);
            }
            Some(alt) if is_file_name(alt) => {
                let message = format!(
                    "The alt text {} is a file name: describe what the image shows instead.",
                    quote(alt)
                );
                self.push(Rule::AltFilename, Severity::Warning, offset, message);
            }
            Some(_) => {}
        }
    }

    fn heading_done(&mut self, h: &Heading) {
        let after_title = self.prev_level.is_none();
        let prev = self.prev_level.replace(h.level).unwrap_or(1);
        if h.level == 1 {
            let message = format!(
                "The heading {} is an h1: the title is the page's only top-level heading, so \
                 make it an h2.",
                quote(&h.text)
            );
            self.push(Rule::HeadingH1, Severity::Warning, h.start, message);
        } else if h.level > prev + 1 {
            let after = if after_title {
                "comes straight after the title (the page's h1)".to_string()
            } else {
                format!("follows an h{prev}")
            };
            let message = format!(
                "The heading {} is an h{} but {after}: make it an h{} so the outline does not \
                 skip a level.",
                quote(&h.text),
                h.level,
                prev + 1
            );
            self.push(Rule::HeadingSkip, Severity::Error, h.start, message);
        }
    }

    fn link_done(&mut self, link: &Span) {
        let start = link.source.start;
        if link.text.trim().is_empty() {
            let message = format!(
                "The link {} has no text: screen readers announce only its address. Add words \
                 that say where it goes.",
                quote(&self.src[link.source.clone()])
            );
            self.push(Rule::LinkTextEmpty, Severity::Error, start, message);
        } else if is_vague(&link.text) {
            let message = format!(
                "The link text {} says nothing about where it goes: describe the destination, \
                 so the link makes sense read on its own.",
                quote(&link.text)
            );
            self.push(Rule::LinkTextVague, Severity::Error, start, message);
        }
    }

    fn raw_table_done(&mut self, t: &RawTable) {
        if !t.has_th {
            let message = format!(
                "{} has no header cells (<th>): mark the header row so screen readers can \
                 announce each column.",
                the_table(&t.text)
            );
            self.push(Rule::TableHeaders, Severity::Error, t.start, message);
        }
    }
}

/// "The table beginning “…”", or "A table" when it has no text to quote.
fn the_table(text: &str) -> String {
    if text.trim().is_empty() {
        "A table".into()
    } else {
        format!("The table beginning {}", quote(text))
    }
}

/// Adds `text` to a sample kept only long enough to quote.
fn push_sample(sample: &mut String, text: &str) {
    if sample.len() <= QUOTE_MAX * 4 {
        sample.push(' ');
        sample.push_str(text);
    }
}

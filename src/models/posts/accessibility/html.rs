//! A small scanner for the raw HTML in a post body: enough to find tags and their
//! attributes (an `<img>`'s `alt`, a `<table>`'s `<th>`s) the way a browser would, skipping
//! comments and the contents of `<script>` and `<style>`. Not a parser: it never builds a
//! tree and never fails; what is not a tag is text.

/// A tag, or the text between tags.
pub(super) enum Piece<'a> {
    Tag(RawTag<'a>),
    Text(&'a str),
}

/// One start or end tag.
pub(super) struct RawTag<'a> {
    /// The tag name, lowercase.
    pub name: String,
    /// An end tag (`</table>`).
    pub closing: bool,
    /// Attribute names (lowercase) and values as written, entities not yet decoded.
    pub attrs: Vec<(String, Option<&'a str>)>,
    /// Where the tag starts in the scanned text.
    pub start: usize,
    /// The tag as written.
    pub source: &'a str,
    /// A raw-text element (`<script>`, `<style>`, …) whose end tag is not in the scanned
    /// text.
    pub unclosed_raw_text: bool,
}

impl<'a> RawTag<'a> {
    /// The value of attribute `name` (lowercase); an attribute without one has `""`.
    pub fn attr(&self, name: &str) -> Option<&'a str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.unwrap_or(""))
    }
}

/// Elements whose content is text, never markup.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title"];

/// The tags and text of `html`, in order.
pub(super) fn scan(html: &str) -> Vec<Piece<'_>> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut text_from) = (0, 0);
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let skip_to = if html[i..].starts_with("<!--") {
            Some(find_from(html, i + 4, "-->").map_or(b.len(), |e| e + 3))
        } else if matches!(b.get(i + 1), Some(b'!' | b'?')) {
            Some(find_from(html, i, ">").map_or(b.len(), |e| e + 1))
        } else {
            None
        };
        if let Some(end) = skip_to {
            push_text(&mut out, &html[text_from..i]);
            (i, text_from) = (end, end);
            continue;
        }
        let Some(mut tag) = tag_at(html, i) else {
            i += 1;
            continue;
        };
        push_text(&mut out, &html[text_from..i]);
        let mut end = i + tag.source.len();
        if !tag.closing && RAW_TEXT.contains(&tag.name.as_str()) {
            // The content runs to the end tag, whatever it looks like.
            let close = format!("</{}", tag.name);
            if let Some(close_at) = find_ascii_ci(html, end, &close) {
                end = close_at;
            } else {
                tag.unclosed_raw_text = true;
                end = b.len();
            }
        }
        out.push(Piece::Tag(tag));
        (i, text_from) = (end, end);
    }
    push_text(&mut out, &html[text_from..]);
    out
}

fn push_text<'a>(out: &mut Vec<Piece<'a>>, text: &'a str) {
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
}

fn find_from(html: &str, from: usize, needle: &str) -> Option<usize> {
    html.get(from..)?.find(needle).map(|e| from + e)
}

/// Where `needle` (ASCII, lowercase) next occurs from `from`, in any letter case.
fn find_ascii_ci(html: &str, from: usize, needle: &str) -> Option<usize> {
    let hay = html.as_bytes().get(from..)?;
    let n = needle.as_bytes();
    hay.windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
        .map(|p| from + p)
}

/// The tag starting at `start` (a `<`), if one does: a letter must follow `<` or `</`. An
/// unterminated tag runs to the end of the text.
fn tag_at(html: &str, start: usize) -> Option<RawTag<'_>> {
    let bytes = html.as_bytes();
    let skip_space = |mut pos: usize| {
        while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        pos
    };
    let closing = bytes.get(start + 1) == Some(&b'/');
    let name_start = start + 1 + usize::from(closing);
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut pos = name_start;
    while bytes
        .get(pos)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
    {
        pos += 1;
    }
    let name = html[name_start..pos].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        pos = skip_space(pos);
        match bytes.get(pos) {
            None => break,
            Some(b'>') => {
                pos += 1;
                break;
            }
            Some(b'/') => {
                pos += 1;
                continue;
            }
            Some(_) => {}
        }
        // At least one byte, so a stray `=` cannot stop the scan.
        let attr_start = pos;
        pos += 1;
        while bytes
            .get(pos)
            .is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'=' | b'>' | b'/'))
        {
            pos += 1;
        }
        let attr = html[attr_start..pos].to_ascii_lowercase();
        let after_name = skip_space(pos);
        let mut value = None;
        if bytes.get(after_name) == Some(&b'=') {
            let (text, after) = attr_value(html, skip_space(after_name + 1));
            value = Some(text);
            pos = after;
        }
        attrs.push((attr, value));
    }
    Some(RawTag {
        name,
        closing,
        attrs,
        start,
        source: &html[start..pos],
        unclosed_raw_text: false,
    })
}

/// An attribute value starting at `start`, quoted or not, and where the scan goes on.
fn attr_value(html: &str, start: usize) -> (&str, usize) {
    let bytes = html.as_bytes();
    if let Some(&quote @ (b'"' | b'\'')) = bytes.get(start) {
        let quote = if quote == b'"' { "\"" } else { "'" };
        return find_from(html, start + 1, quote).map_or_else(
            || (&html[start + 1..], bytes.len()),
            |end| (&html[start + 1..end], end + 1),
        );
    }
    let mut end = start;
    while bytes
        .get(end)
        .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>')
    {
        end += 1;
    }
    (&html[start..end], end)
}

/// `text` with character references decoded: the common named ones and any numeric one.
/// Anything else is left as written, as a browser shows it.
pub(super) fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest
            .find(';')
            .filter(|&semi| semi <= 12)
            .and_then(|semi| Some((entity(&rest[1..semi])?, semi)));
        if let Some((c, semi)) = decoded {
            out.push(c);
            rest = &rest[semi + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => return None,
    })
}

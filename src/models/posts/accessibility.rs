//! Accessibility checks on a post before it goes out.
//!
//! Images without alt text, headings that skip a level, links that say nothing about where
//! they go, tables without headers, and titles and summaries search results would cut. Pure
//! functions over the three text fields, so the form, the API and an import all get the
//! same answer.
//!
//! Messages quote what the editor typed as plain text; whoever shows them escapes them.
mod body;
mod html;

string_enum! {
    /// What a finding is about, as a stable `snake_case` code (for filters, counts and the
    /// API): `image_alt` an image without alt text, `alt_filename` alt text that is a file
    /// name, `heading_skip` a heading that skips a level, `heading_h1` a top-level heading
    /// in the body, `link_text_empty` a link with no text, `link_text_vague` link text such
    /// as "click here", `title_missing`, `title_long`, `summary_missing`, `summary_long`, and
    /// `table_headers` a table whose header row is empty or missing.
    pub enum Rule {
        ImageAlt => "image_alt",
        AltFilename => "alt_filename",
        HeadingSkip => "heading_skip",
        HeadingH1 => "heading_h1",
        LinkTextEmpty => "link_text_empty",
        LinkTextVague => "link_text_vague",
        TitleMissing => "title_missing",
        TitleLong => "title_long",
        SummaryMissing => "summary_missing",
        SummaryLong => "summary_long",
        TableHeaders => "table_headers",
    }
}

string_enum! {
    /// How much a finding matters: an error blocks publishing ([`Report::blocks`]), a
    /// warning is advice.
    pub enum Severity {
        Error => "error",
        Warning => "warning",
    }
}

/// One problem, located well enough for the editor to find and fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Which rule it breaks.
    pub rule: Rule,
    /// Whether it blocks publishing.
    pub severity: Severity,
    /// The form field it is in: `title`, `summary` or `body_markdown`.
    pub field: &'static str,
    /// A sentence for the editor, quoting the offending text (shortened past 60
    /// characters). Plain text: escape it when showing it.
    pub message: String,
    /// The 1-based line of the body where it starts; `None` for the title and summary.
    pub line: Option<usize>,
    /// An id unique within the report (`a11y-1`, `a11y-2`, …, in report order) for "jump
    /// to" links.
    pub anchor: String,
}

/// Every finding for a post: the title's first, then the summary's, then the body's in
/// the order they occur.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The findings, in report order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The findings that block publishing.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The findings that are advice only.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// Whether any finding is an error, so the post should not be published as it is.
    #[must_use]
    pub fn blocks(&self) -> bool {
        self.errors().next().is_some()
    }
}

/// Search results cut titles after about this many characters.
const TITLE_WARN: usize = 70;
/// Longer than this, a title is an error.
const TITLE_MAX: usize = 120;
/// Search results cut descriptions after about this many characters.
const SUMMARY_WARN: usize = 160;
/// Longer than this, a summary is an error.
const SUMMARY_MAX: usize = 300;
/// How much of the editor's text a message quotes.
const QUOTE_MAX: usize = 60;

/// Checks a post's title, summary and body (markdown, with raw HTML) for accessibility
/// problems. Title and summary are measured trimmed, as they are saved.
#[must_use]
pub fn check(title: &str, summary: &str, body_markdown: &str) -> Report {
    let mut drafts = Vec::new();
    check_title(title.trim(), &mut drafts);
    check_summary(summary.trim(), &mut drafts);
    let mut body = body::check(body_markdown);
    // Findings are made when an element ends; report them where it starts.
    body.sort_by_key(|d| d.offset);
    drafts.extend(body);
    let lines = LineIndex::new(body_markdown);
    let findings = drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| Finding {
            rule: d.rule,
            severity: d.severity,
            field: d.field,
            message: d.message,
            line: d.offset.map(|o| lines.line(o)),
            anchor: format!("a11y-{}", i + 1),
        })
        .collect();
    Report { findings }
}

/// A finding before it has a line and an anchor.
struct Draft {
    rule: Rule,
    severity: Severity,
    field: &'static str,
    message: String,
    /// Byte offset in the body, for body findings.
    offset: Option<usize>,
}

fn check_title(title: &str, out: &mut Vec<Draft>) {
    let n = title.chars().count();
    let (severity, message) = if n == 0 {
        out.push(Draft {
            rule: Rule::TitleMissing,
            severity: Severity::Error,
            field: "title",
            message: "The post has no title: it is the page's only top-level heading and what \
                      search results and browser tabs show."
                .into(),
            offset: None,
        });
        return;
    } else if n > TITLE_MAX {
        let message = format!(
            "The title {} is {n} characters; keep it to {TITLE_MAX} at most, and search \
             results cut titles after about 60–70 characters.",
            quote(title)
        );
        (Severity::Error, message)
    } else if n > TITLE_WARN {
        let message = format!(
            "The title {} is {n} characters: search results cut titles after about 60–70 \
             characters.",
            quote(title)
        );
        (Severity::Warning, message)
    } else {
        return;
    };
    out.push(Draft {
        rule: Rule::TitleLong,
        severity,
        field: "title",
        message,
        offset: None,
    });
}

fn check_summary(summary: &str, out: &mut Vec<Draft>) {
    let n = summary.chars().count();
    let (rule, severity, message) = if n == 0 {
        let message = "The post has no summary: cards, feeds and search results then have no \
                       description to show."
            .to_string();
        (Rule::SummaryMissing, Severity::Warning, message)
    } else if n > SUMMARY_MAX {
        let message = format!(
            "The summary {} is {n} characters; keep it to {SUMMARY_MAX} at most, and search \
             results cut descriptions after about {SUMMARY_WARN}.",
            quote(summary)
        );
        (Rule::SummaryLong, Severity::Error, message)
    } else if n > SUMMARY_WARN {
        let message = format!(
            "The summary {} is {n} characters: search results cut descriptions after about \
             {SUMMARY_WARN}.",
            quote(summary)
        );
        (Rule::SummaryLong, Severity::Warning, message)
    } else {
        return;
    };
    out.push(Draft {
        rule,
        severity,
        field: "summary",
        message,
        offset: None,
    });
}

/// `text` in quotation marks, on one line, shortened past [`QUOTE_MAX`] characters.
fn quote(text: &str) -> String {
    let mut flat = String::with_capacity(text.len().min(QUOTE_MAX * 4));
    for word in text.split_whitespace() {
        if !flat.is_empty() {
            flat.push(' ');
        }
        flat.extend(word.chars().filter(|c| !c.is_control()));
    }
    if flat.chars().count() > QUOTE_MAX {
        let cut: String = flat.chars().take(QUOTE_MAX - 1).collect();
        flat = format!("{}…", cut.trim_end());
    }
    format!("“{flat}”")
}

/// Link text that says nothing about where the link goes, once lowercased and stripped of
/// punctuation.
const VAGUE_LINK_TEXT: &[&str] = &[
    "click here",
    "here",
    "read more",
    "more",
    "link",
    "this",
    "learn more",
];

/// Whether link text says nothing about where the link goes.
fn is_vague(text: &str) -> bool {
    VAGUE_LINK_TEXT.contains(&words(text).as_str())
}

/// Lowercase words, punctuation dropped: "Click here!" is "click here".
fn words(text: &str) -> String {
    let lower: String = text
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .to_lowercase();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Extensions of image files, lowercase.
const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "bmp", "tif", "tiff", "heic", "heif",
];

/// Prefixes cameras and phones give their files (`IMG_1234`, `DSC01234`, `PXL_2024…`).
const CAMERA_PREFIXES: &[&str] = &["img", "dsc", "dscn", "dscf", "pxl", "mvimg", "gopr", "dji"];

/// Whether alt text is only a file name: `photo.png`, or a camera's `IMG_1234`.
fn is_file_name(alt: &str) -> bool {
    if alt.chars().any(char::is_whitespace) {
        return false;
    }
    let lower = alt.to_lowercase();
    if let Some((stem, ext)) = lower.rsplit_once('.')
        && !stem.is_empty()
        && IMAGE_EXTENSIONS.contains(&ext)
    {
        return true;
    }
    CAMERA_PREFIXES.iter().any(|p| {
        lower.strip_prefix(p).is_some_and(|rest| {
            let rest = rest.trim_start_matches(['_', '-']);
            rest.starts_with(|c: char| c.is_ascii_digit())
                && rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '_' || c == '-')
        })
    })
}

/// Byte offsets to 1-based line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

//! The accessibility checks: each rule fires with its code, field and line, a well-made post
//! has no findings, hostile text comes back quoted as the plain text it is, and a long body
//! is checked in one go.
use std::fmt::Write as _;

use copydesk::models::posts::accessibility::{Finding, Report, Rule, Severity, check};

const TITLE: &str = "How the night shift sets tomorrow's front page";
const SUMMARY: &str = "Four editors, one deadline and the stories that made it.";

/// The findings for `body` in a post whose title and summary are fine.
fn body(markdown: &str) -> Report {
    check(TITLE, SUMMARY, markdown)
}

/// The report's one finding.
fn only(report: &Report) -> &Finding {
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    &report.findings[0]
}

/// Asserts the rule, severity, field and line of `f`.
fn assert_finding(f: &Finding, rule: Rule, severity: Severity, field: &str, line: Option<usize>) {
    assert_eq!(
        (f.rule, f.severity, f.field, f.line),
        (rule, severity, field, line),
        "{f:#?}"
    );
}

#[test]
fn rule_codes_are_stable() {
    let codes: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        codes,
        [
            "image_alt",
            "alt_filename",
            "heading_skip",
            "heading_h1",
            "link_text_empty",
            "link_text_vague",
            "title_missing",
            "title_long",
            "summary_missing",
            "summary_long",
            "table_headers",
        ]
    );
    assert_eq!(Severity::Error.as_str(), "error");
    assert_eq!(Severity::Warning.as_str(), "warning");
}

#[test]
fn a_well_made_post_has_no_findings() {
    let md = "\
Every night at ten the desk meets. See [the desk's schedule](https://example.com/schedule)
and the [style guide](/style \"House style\").

## Who is on the desk

![Four editors around a table covered in page proofs](https://example.com/desk.jpg)

<img src=\"/media/proof.png\" alt=\"A page proof marked up in red pen\">

### The chief sub-editor

She reads every headline twice.[^1] Her notes are in `notes.txt`.

| Role | Starts | Ends |
|------|--------|------|
| Chief sub | 18:00 | 02:00 |
| Night editor | 19:00 | 03:00 |

<table>
  <tr><th>Edition</th><th>Deadline</th></tr>
  <tr><td>First</td><td>22:30</td></tr>
</table>

### The night editor

> [![The front page of 3 March](https://example.com/front.png)](https://example.com/archive/3-march)

## What happens at midnight

- ~~Nothing~~ The presses start.
- Read [how the presses work](https://example.com/presses).

[^1]: Once for sense, once for length.
";
    let report = body(md);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(!report.blocks());
}

#[test]
fn title_missing_is_an_error() {
    let report = check("   ", SUMMARY, "Text.");
    let f = only(&report);
    assert_finding(f, Rule::TitleMissing, Severity::Error, "title", None);
    assert!(report.blocks());
    assert_eq!(f.anchor, "a11y-1");
}

#[test]
fn title_long_warns_past_70_and_is_an_error_past_120() {
    assert!(check(&"t".repeat(70), SUMMARY, "").findings.is_empty());
    // Measured in characters, not bytes, and trimmed as it is saved.
    assert!(
        check(&format!("  {}  ", "é".repeat(70)), SUMMARY, "")
            .findings
            .is_empty()
    );

    let report = check(&"t".repeat(71), SUMMARY, "");
    let f = only(&report);
    assert_finding(f, Rule::TitleLong, Severity::Warning, "title", None);
    assert!(
        f.message.contains("about 60–70 characters"),
        "{}",
        f.message
    );
    assert!(!report.blocks());

    let report = check(&"t".repeat(121), SUMMARY, "");
    assert_finding(
        only(&report),
        Rule::TitleLong,
        Severity::Error,
        "title",
        None,
    );
    assert!(report.blocks());
}

#[test]
fn summary_missing_is_a_warning() {
    let report = check(TITLE, " \n ", "");
    assert_finding(
        only(&report),
        Rule::SummaryMissing,
        Severity::Warning,
        "summary",
        None,
    );
    assert!(!report.blocks());
}

#[test]
fn summary_long_warns_past_160_and_is_an_error_past_300() {
    assert!(check(TITLE, &"s".repeat(160), "").findings.is_empty());
    let report = check(TITLE, &"s".repeat(161), "");
    assert_finding(
        only(&report),
        Rule::SummaryLong,
        Severity::Warning,
        "summary",
        None,
    );
    let report = check(TITLE, &"s".repeat(301), "");
    assert_finding(
        only(&report),
        Rule::SummaryLong,
        Severity::Error,
        "summary",
        None,
    );
}

#[test]
fn image_alt_fires_for_empty_or_blank_alt_text() {
    let report = body("Intro.\n\n![](https://example.com/photo.png)\n");
    let f = only(&report);
    assert_finding(f, Rule::ImageAlt, Severity::Error, "body_markdown", Some(3));
    assert_eq!(
        f.message,
        "The image “![](https://example.com/photo.png)” has no alt text: describe what it \
         shows for readers who cannot see it."
    );

    let report = body("Intro.\n\nText ![  ](a.png) more.");
    assert_finding(
        only(&report),
        Rule::ImageAlt,
        Severity::Error,
        "body_markdown",
        Some(3),
    );

    // Raw HTML: no alt, an empty one, one that is only an entity for a space.
    for img in [
        "<img src=\"a.png\">",
        "<IMG SRC='a.png' ALT=''>",
        "<img alt src=a.png>",
        "<img src=a.png alt=\"&nbsp; \"/>",
    ] {
        let report = body(&format!("One.\n\nTwo {img} three.\n"));
        assert_finding(
            only(&report),
            Rule::ImageAlt,
            Severity::Error,
            "body_markdown",
            Some(3),
        );
    }
    // As an HTML block of its own, on its second line.
    let report = body("One.\n\n<div>\n<img\n  src=\"a.png\">\n</div>\n");
    assert_finding(
        only(&report),
        Rule::ImageAlt,
        Severity::Error,
        "body_markdown",
        Some(4),
    );
    // Commented out, it is not on the page.
    assert!(body("<!-- <img src=a.png> -->\n").findings.is_empty());
}

#[test]
fn alt_filename_warns_when_alt_text_is_a_file_name() {
    for (md, line) in [
        ("![IMG_1234.jpg](https://example.com/IMG_1234.jpg)", 1),
        ("Text.\n\n![photo.png](photo.png)", 3),
        ("Text.\n\n\n<img src=\"a.jpg\" alt=\"DSC01234\">", 4),
    ] {
        let report = body(md);
        let f = only(&report);
        assert_finding(
            f,
            Rule::AltFilename,
            Severity::Warning,
            "body_markdown",
            Some(line),
        );
        assert!(!report.blocks());
    }
    let report = body("![photo.png](photo.png)");
    assert_eq!(
        only(&report).message,
        "The alt text “photo.png” is a file name: describe what the image shows instead."
    );
    // Words that mention a file are fine.
    assert!(
        body("![A photo of the press hall](p.png)")
            .findings
            .is_empty()
    );
}

#[test]
fn heading_skip_fires_when_a_level_is_skipped() {
    let report = body("## Setting up\n\nText.\n\n#### Details\n");
    let f = only(&report);
    assert_finding(
        f,
        Rule::HeadingSkip,
        Severity::Error,
        "body_markdown",
        Some(5),
    );
    assert_eq!(
        f.message,
        "The heading “Details” is an h4 but follows an h2: make it an h3 so the outline does \
         not skip a level."
    );

    // The title is the h1, so a body that starts at h3 skips the h2.
    let report = body("Intro.\n\n### Straight in\n");
    let f = only(&report);
    assert_finding(
        f,
        Rule::HeadingSkip,
        Severity::Error,
        "body_markdown",
        Some(3),
    );
    assert!(f.message.contains("after the title"), "{}", f.message);

    // After a body h1 (itself a warning), an h3 skips the h2 below it.
    let report = body("# Part one\n\n### Early days\n");
    let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, [Rule::HeadingH1, Rule::HeadingSkip]);
    assert_eq!(
        report.findings[1].message,
        "The heading “Early days” is an h3 but follows an h1: make it an h2 so the outline \
         does not skip a level."
    );

    // Going back up a level or more is not a skip; setext headings count too.
    assert!(
        body("## A\n\n### B\n\n#### C\n\n## D\n\nE\n---\n")
            .findings
            .is_empty()
    );
}

#[test]
fn heading_h1_in_the_body_is_a_warning() {
    let report = body("Intro.\n\n# Another title\n\n## Then a section\n");
    let f = only(&report);
    assert_finding(
        f,
        Rule::HeadingH1,
        Severity::Warning,
        "body_markdown",
        Some(3),
    );
    assert!(
        f.message
            .contains("the title is the page's only top-level heading")
    );
    assert!(!report.blocks());
}

#[test]
fn link_text_empty_fires_for_a_link_with_nothing_to_read() {
    let report = body("See\n[](https://example.com/a) now.");
    let f = only(&report);
    assert_finding(
        f,
        Rule::LinkTextEmpty,
        Severity::Error,
        "body_markdown",
        Some(2),
    );
    assert_eq!(
        f.message,
        "The link “[](https://example.com/a)” has no text: screen readers announce only its \
         address. Add words that say where it goes."
    );

    assert_finding(
        only(&body("[   ](https://example.com/a)")),
        Rule::LinkTextEmpty,
        Severity::Error,
        "body_markdown",
        Some(1),
    );

    // An image without alt text names nothing: both the image and the link are reported.
    let report = body("[![](logo.png)](https://example.com)");
    let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, [Rule::LinkTextEmpty, Rule::ImageAlt]);

    // An image with alt text names the link, in markdown or HTML.
    assert!(
        body("[![The archive](logo.png)](https://example.com)")
            .findings
            .is_empty()
    );
    assert!(
        body("[<img src=\"logo.png\" alt=\"The archive\">](https://example.com)")
            .findings
            .is_empty()
    );
}

#[test]
fn link_text_vague_fires_whatever_the_case_and_punctuation() {
    for text in [
        "click here",
        "Click here!",
        "HERE",
        "read more…",
        "Read more →",
        "more",
        "link",
        "this.",
        "Learn   more",
        "*here*",
    ] {
        let report = body(&format!(
            "Intro.\n\nThe report is [{text}](https://example.com)."
        ));
        let f = only(&report);
        assert_finding(
            f,
            Rule::LinkTextVague,
            Severity::Error,
            "body_markdown",
            Some(3),
        );
    }
    let report = body("For the rota, [click here](https://example.com/rota).");
    assert_eq!(
        only(&report).message,
        "The link text “click here” says nothing about where it goes: describe the \
         destination, so the link makes sense read on its own."
    );
    // Words around the vague ones make it specific.
    assert!(
        body("[Read more about the rota](https://example.com)")
            .findings
            .is_empty()
    );
}

#[test]
fn table_headers_fires_for_an_empty_header_row_or_no_th() {
    let report = body("Rota:\n\n|   |   |\n|---|---|\n| Ada | Monday |\n| Bo | Tuesday |\n");
    let f = only(&report);
    assert_finding(
        f,
        Rule::TableHeaders,
        Severity::Error,
        "body_markdown",
        Some(3),
    );
    assert_eq!(
        f.message,
        "The table beginning “Ada | Monday” has an empty header row: name each column so \
         screen readers can announce it."
    );

    let report = body("Rota:\n\n<table>\n<tr><td>Ada</td><td>Monday</td></tr>\n</table>\n\nAfter.");
    let f = only(&report);
    assert_finding(
        f,
        Rule::TableHeaders,
        Severity::Error,
        "body_markdown",
        Some(3),
    );
    assert_eq!(
        f.message,
        "The table beginning “Ada Monday” has no header cells (<th>): mark the header row so \
         screen readers can announce each column."
    );

    // One never closed is still a table.
    assert_eq!(
        only(&body("<table><tr><td>Ada</td></tr>\n")).rule,
        Rule::TableHeaders
    );
}

#[test]
fn findings_are_in_report_order_with_their_own_anchors() {
    let md = "### Skipped\n\n[here](https://example.com)\n\n![](a.png)\n";
    let report = check("", "", md);
    let got: Vec<(&str, &str, Option<usize>, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.field, f.line, f.anchor.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("title_missing", "title", None, "a11y-1"),
            ("summary_missing", "summary", None, "a11y-2"),
            ("heading_skip", "body_markdown", Some(1), "a11y-3"),
            ("link_text_vague", "body_markdown", Some(3), "a11y-4"),
            ("image_alt", "body_markdown", Some(5), "a11y-5"),
        ]
    );
    assert_eq!(report.errors().count(), 4);
    assert_eq!(report.warnings().count(), 1);
    assert!(report.blocks());
}

#[test]
fn hostile_text_is_quoted_as_the_plain_text_it_is() {
    // A link whose only content is a script: nothing of it is shown, so it has no text.
    let report = body("[<script>alert(1)</script>](x)");
    let f = only(&report);
    assert_finding(
        f,
        Rule::LinkTextEmpty,
        Severity::Error,
        "body_markdown",
        Some(1),
    );
    assert_eq!(
        f.message,
        "The link “[<script>alert(1)</script>](x)” has no text: screen readers announce only \
         its address. Add words that say where it goes."
    );

    // An image made to run script, as a block and inline.
    let report = body("<img src=x onerror=alert(1)>\n");
    let f = only(&report);
    assert_finding(f, Rule::ImageAlt, Severity::Error, "body_markdown", Some(1));
    assert_eq!(
        f.message,
        "The image “<img src=x onerror=alert(1)>” has no alt text: describe what it shows for \
         readers who cannot see it."
    );
    assert_eq!(
        only(&body("Look: <img src=x onerror=alert(1)> there.")).line,
        Some(1)
    );

    // Alt text that tries to break out of its attribute is quoted as typed, quotes and all.
    let report = body("![\"><script>alert(1)</script>.png](x.png)");
    let f = only(&report);
    assert_finding(
        f,
        Rule::AltFilename,
        Severity::Warning,
        "body_markdown",
        Some(1),
    );
    assert_eq!(
        f.message,
        "The alt text “\"><script>alert(1)</script>.png” is a file name: describe what the \
         image shows instead."
    );
    let report = body("<img alt='\"><script>.jpg' src=\"a.png\">");
    assert_eq!(
        only(&report).message,
        "The alt text “\"><script>.jpg” is a file name: describe what the image shows instead."
    );

    // In a heading, a vague link, the title and the summary.
    let report = check(
        &format!("\"><script>alert(1)</script> {}", "t".repeat(60)),
        "<img src=x onerror=alert(1)>",
        "#### \"><b onmouseover=alert(1)>x</b>\n\n[<b>here</b>](javascript:alert(1))",
    );
    let messages: Vec<(Rule, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                Rule::TitleLong,
                "The title “\"><script>alert(1)</script> ttttttttttttttttttttttttttttttt…” is \
                 88 characters: search results cut titles after about 60–70 characters."
            ),
            (
                Rule::HeadingSkip,
                "The heading “\">x” is an h4 but comes straight after the title (the page's h1): \
                 make it an h2 so the outline does not skip a level."
            ),
            (
                Rule::LinkTextVague,
                "The link text “here” says nothing about where it goes: describe the \
                 destination, so the link makes sense read on its own."
            ),
        ]
    );
}

#[test]
fn long_quotes_are_cut_on_one_line() {
    let alt = format!("{}.png", "a".repeat(80));
    let report = body(&format!("![{alt}](x.png)"));
    let message = &only(&report).message;
    let quoted = message
        .split('“')
        .nth(1)
        .and_then(|m| m.split('”').next())
        .unwrap();
    assert_eq!(quoted.chars().count(), 60, "{message}");
    assert!(quoted.ends_with('…'), "{message}");

    // A heading's text across lines (setext) is quoted on one.
    let report = body("## One\n\nTwo\nlines\n=====\n");
    let f = only(&report);
    assert_finding(
        f,
        Rule::HeadingH1,
        Severity::Warning,
        "body_markdown",
        Some(3),
    );
    assert!(
        f.message.starts_with("The heading “Two lines” is an h1"),
        "{}",
        f.message
    );
}

#[test]
fn a_long_body_is_checked_in_one_go() {
    let mut md = String::new();
    for section in 0..50 {
        writeln!(md, "## Section {section}\n").unwrap();
        for _ in 0..4 {
            md.push_str(
                "The desk meets at ten and the pages go at two, and every word in between \
                 is read twice by someone who was not there when it was written. ",
            );
            md.push_str("See [the rota](https://example.com/rota) for who is on.\n\n");
        }
        md.push_str("![](https://example.com/missing-alt.png)\n\n");
    }
    assert!(md.split_whitespace().count() >= 5_000);
    let report = body(&md);
    assert_eq!(report.findings.len(), 50);
    assert!(report.findings.iter().all(|f| f.rule == Rule::ImageAlt));
    assert_eq!(report.findings[49].anchor, "a11y-50");
}

#[test]
fn broken_html_and_odd_text_are_checked_without_failing() {
    for md in [
        "<",
        "<img",
        "<img alt=\"",
        "<img alt='é",
        "a <img alt=é src=x> b",
        "<img alt=&#xFFFFFFFF; src=x>",
        "<img alt=\"&#0;&#xD800;&;&#;&amp\">",
        "<img ===>",
        "</>",
        "<!--",
        "<!-- <img> --",
        "<![CDATA[ <img> ]]>",
        "<?php echo 1 ?>",
        "<script>",
        "x <script> [here](y)",
        "<style>img{}</style><img alt=\"Diagram\" src=d.svg>",
        "<table",
        "</table></table><th>",
        "| a |\n|---|\n",
        "[",
        "![",
        "![a](",
        "#######",
        "\u{0}\u{feff}💡 [💡](x) ![💡.png](x)",
        "\r\n## A\r\n\r\n#### B\r\n",
    ] {
        let _ = body(md);
    }
    // The image after a stylesheet is seen, its alt text decoded.
    assert!(
        body("<style>img{}</style><img alt=\"Diagram &amp; key\" src=d.svg>")
            .findings
            .is_empty()
    );
    // Windows line endings count lines the same.
    assert_eq!(only(&body("\r\n## A\r\n\r\n#### B\r\n")).line, Some(4));
}

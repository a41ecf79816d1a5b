//! The XSS payload list and the check that none of them survived rendering.
use regex::Regex;

/// Script injection attempts: tags, `javascript:` URLs (plain, mixed case, entity-encoded,
/// split by whitespace), event attributes, SVG and MathML tricks, CSS expressions, markdown
/// link forms, and parser-confusion variants.
pub const XSS_PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"javascript:alert(1)\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"java\tscript:alert(1)\">x</a>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=\"javascript:alert(1)\">x</math>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<div style=\"width: expression(alert(1))\">x</div>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<<script>alert(1)//<</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "\"><script>alert(1)</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<p title=\"&quot;><script>alert(1)</script>\">x</p>",
    "<a href=\"#\" onclick=\"alert(1)\">x</a>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "<template><script>alert(1)</script></template>",
    "[x](data:text/html,<script>alert(1)</script>)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
];

const FORBIDDEN_TAGS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "base",
    "meta",
    "link",
    "template",
    "noscript",
    "xmp",
    "plaintext",
    "applet",
    "video",
    "audio",
    "source",
    "body",
];

fn decode_entities(s: &str) -> String {
    let re = Regex::new(r"&#(x?)([0-9a-fA-F]+);?").unwrap();
    let decoded = re.replace_all(s, |c: &regex::Captures<'_>| {
        let radix = if c[1].is_empty() { 10 } else { 16 };
        u32::from_str_radix(&c[2], radix)
            .ok()
            .and_then(char::from_u32)
            .map_or_else(String::new, String::from)
    });
    decoded
        .replace("&colon;", ":")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

/// Fails when `html` holds a forbidden element, an event attribute, a `style` attribute, or
/// a URL with a script-capable scheme.
pub fn assert_safe(html: &str, context: &str) {
    assert_safe_allowing(html, context, &[]);
}

/// [`assert_safe`] for whole pages, whose own forms use `form`, `input`, `button`, `select`
/// and `textarea` (their attributes are still checked).
pub fn assert_page_safe(html: &str, context: &str) {
    assert_safe_allowing(
        html,
        context,
        &["form", "input", "button", "select", "textarea"],
    );
}

fn assert_safe_allowing(html: &str, context: &str, allowed: &[&str]) {
    let tag_re = Regex::new(r"<\s*([a-zA-Z][a-zA-Z0-9:-]*)([^>]*)>").unwrap();
    let attr_re =
        Regex::new(r#"([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)"#).unwrap();
    for tag in tag_re.captures_iter(html) {
        let name = tag[1].to_ascii_lowercase();
        assert!(
            allowed.contains(&name.as_str()) || !FORBIDDEN_TAGS.contains(&name.as_str()),
            "{context}: <{name}> survived in {html}"
        );
        for attr in attr_re.captures_iter(&tag[2]) {
            let attr_name = attr[1].to_ascii_lowercase();
            assert!(
                !attr_name.starts_with("on"),
                "{context}: event attribute {attr_name} survived in {html}"
            );
            assert!(
                attr_name != "style",
                "{context}: style attribute survived in {html}"
            );
            let value: String = decode_entities(attr[2].trim_matches(['"', '\'']))
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase();
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(
                    !value.starts_with(scheme),
                    "{context}: {attr_name}={value} survived in {html}"
                );
            }
        }
    }
}

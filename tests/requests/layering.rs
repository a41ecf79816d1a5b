//! Which way the imports point (docs/DESIGN.md): models never reach the controllers, the
//! HTTP layer, axum or the jobs; `src/admin/` and `src/controllers/admin/` never import each
//! other; the engines (`admin/`, `workers/`) never import the app. A check over the source
//! text, so it fails the moment a line breaks the rule.
//!
//! Every path a file names is read whole: `use` trees are flattened (`use crate::{
//! controllers::admin }` counts as `crate::controllers::admin`) and any other `a::b::c`
//! path in the code is taken as written. Comments and string literals are left out.
use std::path::{Path, PathBuf};

/// One rule: files under `dir` must not name a path starting with any of `banned`.
struct Rule {
    dir: &'static str,
    banned: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        dir: "src/models",
        banned: &["crate::controllers", "crate::web", "axum", "crate::jobs"],
    },
    Rule {
        dir: "src/admin",
        banned: &["crate::controllers::admin", "super::controllers"],
    },
    Rule {
        dir: "src/controllers/admin",
        banned: &["crate::admin"],
    },
    Rule {
        dir: "admin",
        banned: &["copydesk", "crate::models"],
    },
    Rule {
        dir: "workers",
        banned: &["copydesk", "crate::models"],
    },
];

/// Imports known to break the map that another part of the same change removes: the posts
/// registration's call into the Jobs screen for its record panel. Each entry is a file and
/// the path it names; an entry that no longer matches anything fails the test, so the list
/// only shrinks.
const PENDING: &[(&str, &str)] = &[];

/// The text with comments, string and char literals blanked out.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
            out.push(' ');
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Every path the code names, `use` trees flattened: `use a::{b::c, d}` gives `a::b::c`
/// and `a::d`; a bare `x::y::z` elsewhere gives itself.
fn paths(src: &str) -> Vec<String> {
    let code = code_only(src);
    let mut found = Vec::new();
    // Tokens: identifiers, `::`, braces, commas and `;`.
    let mut tokens: Vec<String> = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut id = c.to_string();
            while let Some(&n) = chars.peek() {
                if n.is_alphanumeric() || n == '_' {
                    id.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(id);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            tokens.push("::".into());
        } else if matches!(c, '{' | '}' | ',' | ';' | '*') {
            tokens.push(c.to_string());
        } else if !c.is_whitespace() {
            tokens.push(" ".into());
        }
    }
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "use" {
            let mut stack: Vec<String> = vec![String::new()];
            let mut current = String::new();
            i += 1;
            while i < tokens.len() && tokens[i] != ";" {
                match tokens[i].as_str() {
                    "{" => {
                        stack.push(current.clone());
                    }
                    "}" => {
                        if !current.is_empty() {
                            found.push(current.clone());
                        }
                        current = String::new();
                        stack.pop();
                    }
                    "," => {
                        if !current.is_empty() {
                            found.push(current.clone());
                        }
                        current = stack.last().cloned().unwrap_or_default();
                    }
                    tok => current.push_str(tok),
                }
                i += 1;
            }
            if !current.is_empty() {
                found.push(current);
            }
        } else if tokens[i] != "::" && tokens.get(i + 1).is_some_and(|t| t == "::") {
            let mut path = tokens[i].clone();
            i += 1;
            while i + 1 < tokens.len() && tokens[i] == "::" && tokens[i + 1] != "{" {
                path.push_str("::");
                path.push_str(&tokens[i + 1]);
                i += 2;
            }
            found.push(path);
            continue;
        } else if tokens[i] == "axum" || tokens[i] == "copydesk" {
            found.push(tokens[i].clone());
        }
        i += 1;
    }
    found
}

/// The banned paths `src` names, if any.
fn offences(src: &str, banned: &[&str]) -> Vec<String> {
    paths(src)
        .into_iter()
        .filter(|p| {
            banned.iter().any(|b| {
                p == b || p.starts_with(&format!("{b}::")) || {
                    // `crate::controllers` also catches `crate::controllers` reached by
                    // `super::super::controllers` from inside `src/models`.
                    let tail = b.trim_start_matches("crate::");
                    tail != *b && p.contains(&format!("super::{tail}"))
                }
            })
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn imports_point_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    let mut pending_seen = Vec::new();
    let mut checked = 0;
    for rule in RULES {
        let mut files = Vec::new();
        rust_files(&root.join(rule.dir), &mut files);
        assert!(!files.is_empty(), "no Rust files under {}", rule.dir);
        for file in files {
            let src = std::fs::read_to_string(&file).unwrap();
            let rel = file.strip_prefix(root).unwrap_or(&file).to_string_lossy();
            for p in offences(&src, rule.banned) {
                if PENDING.iter().any(|(f, q)| *f == rel && *q == p) {
                    pending_seen.push((rel.to_string(), p));
                } else {
                    broken.push(format!("{rel}: {p}"));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} files checked");
    for (f, p) in PENDING {
        assert!(
            pending_seen.iter().any(|(sf, sp)| sf == f && sp == p),
            "{f} no longer names {p}: remove it from PENDING"
        );
    }
    assert!(
        broken.is_empty(),
        "imports against the map:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_detector_catches_grouped_imports_and_ignores_comments() {
    let models = RULES[0].banned;
    for bad in [
        "use crate::jobs::Jobs;",
        "use crate::{\n    controllers::admin::AdminChrome,\n    errors::AppError,\n};",
        "use crate::{errors::AppError, web::{extract::MaybeActor}};",
        "use axum::extract::State;",
        "fn f() { crate::jobs::Jobs::get(ctx); }",
        "fn f(p: axum::http::request::Parts) {}",
        "use super::super::controllers::client;",
    ] {
        assert!(!offences(bad, models).is_empty(), "missed: {bad}");
    }
    for fine in [
        "// crate::jobs is not named here\nuse crate::settings::Settings;",
        "let s = \"crate::controllers::admin\";",
        "use crate::{auth::Actor, models::jobs_like};",
        "use super::_entities::users;",
    ] {
        assert!(offences(fine, models).is_empty(), "flagged: {fine}");
    }
    let engine = RULES[3].banned;
    assert!(!offences("use copydesk::models::posts;", engine).is_empty());
    assert!(!offences("use crate::{models::users};", engine).is_empty());
    let admin = RULES[1].banned;
    assert!(!offences("use crate::{controllers::{admin::jobs}};", admin).is_empty());
    assert!(offences("use crate::controllers::public;", admin).is_empty());
}

//! The audit vocabulary: every action name Copydesk can write renders on the engine's
//! history page of the record it is about and on the audit list.
use axum::http::StatusCode;
use copydesk::{
    auth::RequestMeta,
    models::audit::{self, ACTIONS, Action, Who},
};

use crate::{
    both_backends,
    common::{
        TestApp,
        browser::{Browser, user},
        fixtures::{self, PostSpec},
    },
};

#[test]
fn the_list_names_each_action_once_and_the_enum_agrees() {
    let mut seen = std::collections::BTreeSet::new();
    for name in ACTIONS {
        assert!(seen.insert(*name), "{name} is listed twice");
        assert_eq!(Action::parse(name).map(Action::as_str), Some(*name));
    }
    assert_eq!(ACTIONS.len(), Action::ALL.len());
    for kept in [
        "post.publish",
        "user.change",
        "comment.approve",
        "mail.view",
    ] {
        assert!(
            ACTIONS.contains(&kept),
            "{kept}: existing history keeps its name"
        );
    }
}

both_backends!(
    every_action_renders_in_history_and_on_the_audit_page,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let admin = user(&app, "admin", "Vocabulary Admin").await;
        let post = fixtures::post(db, &admin, PostSpec::published("Audited", 1)).await;
        let meta = RequestMeta::system("test");
        for action in Action::ALL {
            // Entries about people go to the person's history; every other one is written
            // against the post, so each name is seen on an engine history page.
            let (target_type, id) = if action.target_type() == "user" {
                ("user", admin.id)
            } else {
                ("post", post.id)
            };
            audit::record(
                db,
                &meta,
                audit::Entry {
                    target_type,
                    ..audit::of(
                        *action,
                        Who::user(&admin),
                        id,
                        Some(serde_json::json!({"note": "before"})),
                        Some(serde_json::json!({"note": action.as_str()})),
                    )
                },
            )
            .await
            .unwrap();
        }
        let mut b = Browser::signed_in(&app, &admin.email, "/admin/login").await;
        let post_history = b
            .get(&format!("/admin/content/posts/{}/history", post.id))
            .await;
        assert_eq!(post_history.status, StatusCode::OK);
        let user_history = b
            .get(&format!("/admin/people/users/{}/history", admin.id))
            .await;
        assert_eq!(user_history.status, StatusCode::OK);
        for action in Action::ALL {
            let history = if action.target_type() == "user" {
                &user_history.text
            } else {
                &post_history.text
            };
            assert!(history.contains(action.as_str()), "{action} in its history");
            let list = b
                .get(&format!(
                    "/admin/system/audit?q={}",
                    crate::common::urlencode(action.as_str())
                ))
                .await;
            assert_eq!(list.status, StatusCode::OK, "{action}");
            assert!(
                list.text.contains(action.as_str()),
                "{action} on the audit page"
            );
        }
    }
);

/// The places in `src` that write an action name as a string literal into a struct field
/// (`audit::Entry { action: "sign_in", .. }`, `PasswordChange { action: "sign_up", .. }`):
/// outside `src/models/audit/` an entry is made by a named constructor, so one change keeps
/// one name. Comments are left out; each hit is `line: text`.
fn literal_actions(src: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut in_block_comment = false;
    for (n, line) in src.lines().enumerate() {
        let mut code = String::new();
        let mut rest = line;
        loop {
            if in_block_comment {
                match rest.find("*/") {
                    Some(i) => {
                        in_block_comment = false;
                        rest = &rest[i + 2..];
                    }
                    None => break,
                }
            } else {
                let line_comment = rest.find("//");
                let block = rest.find("/*");
                match (line_comment, block) {
                    (Some(l), b) if b.is_none_or(|b| l < b) => {
                        code.push_str(&rest[..l]);
                        break;
                    }
                    (_, Some(b)) => {
                        code.push_str(&rest[..b]);
                        in_block_comment = true;
                        rest = &rest[b + 2..];
                    }
                    _ => {
                        code.push_str(rest);
                        break;
                    }
                }
            }
        }
        // `action:` as a field (not `"action":` in a JSON literal, not `audit_action:`),
        // followed by a string literal, raw or not.
        let mut from = 0;
        while let Some(i) = code[from..].find("action:") {
            let at = from + i;
            from = at + "action:".len();
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"') {
                continue;
            }
            let value = code[from..].trim_start();
            if value.starts_with('"') || value.starts_with("r\"") || value.starts_with("r#\"") {
                hits.push(format!("{}: {}", n + 1, line.trim()));
                break;
            }
        }
    }
    hits
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_action_name_is_written_as_a_string_outside_the_audit_module() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 50, "only {} files under src", files.len());
    let audit_dir = root.join("src/models/audit");
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&audit_dir)) {
        let rel = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        let src = std::fs::read_to_string(file).unwrap();
        found.extend(
            literal_actions(&src)
                .into_iter()
                .map(|hit| format!("{rel}:{hit}")),
        );
    }
    assert!(
        found.is_empty(),
        "use a named constructor from models::audit (or audit::Action) instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_literal_action_check_catches_a_bad_line_and_passes_good_ones() {
    for bad in [
        "audit::Entry {\n    who,\n    action: \"sign_in\",\n    target_type: \"user\",\n}",
        "let e = audit::Entry { who, action: \"mail.view\", target_type: \"mail_outbox\" };",
        "PasswordChange { current: None, action:\"sign_up\" }",
        "Entry { action: r\"jobs.retry\", ..e }",
    ] {
        assert_eq!(literal_actions(bad).len(), 1, "missed: {bad}");
    }
    for fine in [
        "audit::record(&txn, meta, audit::signed_in(who, id, door)).await?;",
        "PasswordChange { action: audit::Action::SignUp.as_str(), ..c }",
        "// before: audit::Entry { action: \"sign_in\", .. }",
        "/* action: \"sign_in\" */ let x = 1;",
        "json!({\"action\": \"/admin/login\", \"title\": t})",
        "let audit_action: &str = \"kept for the template\";",
    ] {
        assert!(literal_actions(fine).is_empty(), "flagged: {fine}");
    }
}

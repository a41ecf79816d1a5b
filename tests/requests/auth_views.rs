//! The account pages' typed view-models give their templates the same context the
//! `json!` literals they replaced did: same keys, same values, so the pages render the same.
use copydesk::views::{
    auth::{
        AccountPage, ForgotPage, MailStatus, MessagePage, NoticeChoice, PasswordPage, SignInPage,
        SignUpPage,
    },
    forms::FieldErrors,
};
use serde_json::{Value, json};

fn errors(pairs: &[(&str, &str)]) -> FieldErrors {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

fn same(what: &str, typed: impl serde::Serialize, literal: &Value) {
    assert_eq!(&serde_json::to_value(typed).unwrap(), literal, "{what}");
}

#[test]
fn sign_in_and_sign_up_pages_keep_their_context() {
    same(
        "sign-in, first view",
        SignInPage {
            title: "Sign in",
            action: "/login",
            csrf: "t".into(),
            email: String::new(),
            next: "/account".into(),
            error: None,
            staff: false,
            signup: true,
            errors: FieldErrors::new(),
        },
        &json!({
            "title": "Sign in", "action": "/login", "csrf": "t", "email": "",
            "next": "/account", "error": null, "staff": false, "signup": true, "errors": {},
        }),
    );
    same(
        "sign-in, refused",
        SignInPage {
            title: "Staff sign-in",
            action: "/admin/login",
            csrf: "t".into(),
            email: "a@example.com".into(),
            next: "/admin".into(),
            error: Some("No.".into()),
            staff: true,
            signup: false,
            errors: errors(&[("email", "NUL")]),
        },
        &json!({
            "title": "Staff sign-in", "action": "/admin/login", "csrf": "t",
            "email": "a@example.com", "next": "/admin", "error": "No.", "staff": true,
            "signup": false, "errors": {"email": "NUL"},
        }),
    );
    same(
        "sign-up",
        SignUpPage {
            title: "Create an account",
            csrf: "t".into(),
            email: "a@example.com".into(),
            display_name: "Ann".into(),
            errors: errors(&[("password", "Too short.")]),
        },
        &json!({
            "title": "Create an account", "csrf": "t", "email": "a@example.com",
            "display_name": "Ann", "errors": {"password": "Too short."},
        }),
    );
}

#[test]
fn password_pages_keep_their_context() {
    same(
        "forgot",
        ForgotPage {
            title: "Reset your password",
            csrf: "t".into(),
            sent: true,
            errors: FieldErrors::new(),
        },
        &json!({"title": "Reset your password", "csrf": "t", "sent": true, "errors": {}}),
    );
    // A reset has no intro and no action of its own: the keys stay absent, as before.
    same(
        "reset",
        PasswordPage {
            title: "Choose a new password",
            csrf: "t".into(),
            token: "k".into(),
            error: None,
            intro: None,
            action: None,
        },
        &json!({"title": "Choose a new password", "csrf": "t", "token": "k", "error": null}),
    );
    same(
        "invitation",
        PasswordPage {
            title: "Choose your password",
            csrf: "t".into(),
            token: "k".into(),
            error: Some("Weak.".into()),
            intro: Some("Welcome, Ann.".into()),
            action: Some("/invitation/k".into()),
        },
        &json!({
            "title": "Choose your password", "intro": "Welcome, Ann.",
            "action": "/invitation/k", "csrf": "t", "token": "k", "error": "Weak.",
        }),
    );
    same(
        "message",
        MessagePage {
            title: "Password changed",
            message: "Sign in again.",
        },
        &json!({"title": "Password changed", "message": "Sign in again."}),
    );
}

#[test]
fn the_account_page_keeps_its_context() {
    let page = |mail| AccountPage {
        title: "Your account",
        csrf: "t".into(),
        email: "a@example.com".into(),
        verified: false,
        role: "member".into(),
        staff: false,
        display_name: "Ann".into(),
        bio: String::new(),
        errors: errors(&[("new_password", "Too short.")]),
        notice: None,
        mail,
        notices: vec![NoticeChoice {
            kind: "published",
            label: "My post is published",
            on: true,
        }],
        time_zone: String::new(),
        site_zone: "UTC".into(),
        zones: vec!["UTC"],
        standing: Vec::new(),
        silenced: None,
        appeal_text: String::new(),
        appeal_action: "/account/appeals".into(),
    };
    let mut literal = json!({
        "title": "Your account", "csrf": "t", "email": "a@example.com", "verified": false,
        "role": "member", "staff": false, "display_name": "Ann", "bio": "",
        "errors": {"new_password": "Too short."}, "notice": null, "mail": null,
        "notices": [{"kind": "published", "label": "My post is published", "on": true}],
        "time_zone": "", "site_zone": "UTC", "zones": ["UTC"],
        "standing": [], "silenced": null, "appeal_text": "",
        "appeal_action": "/account/appeals",
    });
    // Without a mail the page had `mail: null` (GET) or no `mail` (a refused form); the
    // template tests `{% if page.mail %}`, which is false for both.
    same("account, no mail", page(None), &literal);
    literal["mail"] = json!({"subject": "Confirm", "state": "sent", "error": null});
    same(
        "account, with mail",
        page(Some(MailStatus {
            subject: "Confirm".into(),
            state: "sent".into(),
            error: None,
        })),
        &literal,
    );
}

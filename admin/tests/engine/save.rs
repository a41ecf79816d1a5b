//! The form: adding, changing, a validation error, an edit conflict, and the history.
use sea_orm::EntityTrait;
use serde_json::Value as Json;

use crate::{
    schema::books,
    support::{Hooks, User, library, page, redirect},
};

#[tokio::test]
async fn adding_a_book_saves_it_audits_it_and_says_so() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let admin = User::admin();
    let (template, status, ctx) = page(lib.get(&admin, "books", "add", &[]).await);
    assert_eq!((template, status), ("admin/engine/form.html", 200));
    assert_eq!(ctx["adding"], true);
    let ann_id = ann.to_string();
    let form = [
        ("title", "Dune"),
        ("status", "draft"),
        ("genre", "novel"),
        ("author_id", ann_id.as_str()),
    ];
    let (to, flash) = redirect(lib.post(&admin, "books", "add", &form).await);
    assert_eq!(to, "/admin/library/books");
    assert_eq!(flash, "The book “Dune” was added.");
    let saved = books::Entity::find().one(&lib.db).await.unwrap().unwrap();
    assert_eq!((saved.title.as_str(), saved.lock_version), ("Dune", 0));
    assert_eq!(
        lib.audit_actions().await,
        [format!("books.add {}", saved.id)]
    );
}

#[tokio::test]
async fn a_validation_error_is_shown_next_to_its_field_and_nothing_is_saved() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let id = lib.book("Dune", "draft", "novel", ann).await;
    let admin = User::admin();
    let ann_id = ann.to_string();
    let form = [
        ("title", "D"),
        ("status", "draft"),
        ("genre", "novel"),
        ("author_id", ann_id.as_str()),
        ("lock_version", "0"),
    ];
    let (template, status, ctx) = page(lib.post(&admin, "books", &id.to_string(), &form).await);
    assert_eq!((template, status), ("admin/engine/form.html", 422));
    let title = ctx["fieldsets"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "title")
        .unwrap()
        .clone();
    assert_eq!(title["error"], "Give the book a title.");
    assert_eq!(title["value"], "D", "what was typed is kept");
    assert_eq!(title["describedby"], "field-title-error");
    assert_eq!(ctx["error_fields"][0]["id"], "field-title");

    // A value outside the choices is refused by the engine itself.
    let form = [
        ("title", "Dune"),
        ("status", "lost"),
        ("genre", "novel"),
        ("author_id", ann_id.as_str()),
        ("lock_version", "0"),
    ];
    let (_, status, ctx) = page(lib.post(&admin, "books", &id.to_string(), &form).await);
    assert_eq!(status, 422);
    assert_eq!(ctx["errors"], 1);
    let book = books::Entity::find_by_id(id)
        .one(&lib.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (book.title.as_str(), book.status.as_str()),
        ("Dune", "draft")
    );
    assert!(lib.audit_actions().await.is_empty());
}

#[tokio::test]
async fn a_stale_lock_version_shows_the_conflict_page_and_keeps_their_save() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let id = lib.book("Dune", "draft", "novel", ann).await;
    let admin = User::admin();
    let ann_id = ann.to_string();
    let path = id.to_string();
    let theirs = [
        ("title", "Dune Messiah"),
        ("status", "draft"),
        ("genre", "novel"),
        ("author_id", ann_id.as_str()),
        ("lock_version", "0"),
    ];
    redirect(lib.post(&admin, "books", &path, &theirs).await);
    let mine = [
        ("title", "Children of Dune"),
        ("status", "draft"),
        ("genre", "novel"),
        ("author_id", ann_id.as_str()),
        ("lock_version", "0"),
    ];
    let (template, status, ctx) = page(lib.post(&admin, "books", &path, &mine).await);
    assert_eq!((template, status), ("admin/engine/form.html", 409));
    assert_eq!(ctx["lock_version"], 1, "the form now carries their version");
    assert_eq!(
        ctx["conflict"]["fields"][0],
        serde_json::json!({"field": "Title", "theirs": "Dune Messiah", "yours": "Children of Dune"})
    );
    let book = books::Entity::find_by_id(id)
        .one(&lib.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (book.title.as_str(), book.lock_version),
        ("Dune Messiah", 1)
    );
}

#[tokio::test]
async fn the_history_lists_the_audit_entries_of_a_save() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let id = lib.book("Dune", "draft", "novel", ann).await;
    let admin = User::admin();
    let ann_id = ann.to_string();
    let form = [
        ("title", "Dune"),
        ("status", "published"),
        ("genre", "novel"),
        ("author_id", ann_id.as_str()),
        ("lock_version", "0"),
        ("_continue", "1"),
    ];
    let (to, flash) = redirect(lib.post(&admin, "books", &id.to_string(), &form).await);
    assert_eq!(to, format!("/admin/library/books/{id}"));
    assert!(flash.ends_with("You may edit it again below."), "{flash}");
    let (template, status, ctx) = page(
        lib.get(&admin, "books", &format!("{id}/history"), &[])
            .await,
    );
    assert_eq!((template, status), ("admin/engine/history.html", 200));
    let entry = &ctx["entries"][0];
    assert_eq!(entry["action"], "books.change");
    assert_eq!(entry["actor"], "person 1");
    let fields: Vec<&str> = entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["Lock version", "Status"],
        "labels, not column names"
    );
    assert_eq!(ctx["object"]["label"], "Dune");
    assert_eq!(ctx["entries"].as_array().map(Vec::len), Some(1));
    assert_ne!(ctx["object"]["url"], Json::Null);
}

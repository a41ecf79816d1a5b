//! The changelist: columns, ordering, paging, filters, search.
use serde_json::Value as Json;

use crate::support::{Hooks, User, library, page};

fn titles(ctx: &Json) -> Vec<String> {
    ctx["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn lists_columns_in_order_a_page_at_a_time() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    for t in ["Delta", "Alpha", "Echo", "Charlie", "Bravo"] {
        lib.book(t, "draft", "novel", ann).await;
    }
    let admin = User::admin();
    let (template, status, ctx) = page(lib.get(&admin, "books", "", &[]).await);
    assert_eq!((template, status), ("admin/engine/list.html", 200));
    let heads: Vec<&str> = ctx["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(heads, ["Title", "Status", "Author", "Genre"]);
    assert_eq!(
        titles(&ctx),
        ["Alpha", "Bravo", "Charlie"],
        "ordered by title"
    );
    assert_eq!(ctx["count"]["text"], "5 books");
    // The foreign key shows the author's name, linked; the status its choice label.
    let cells = &ctx["rows"][0]["cells"];
    assert_eq!(cells[1]["text"], "Draft");
    assert_eq!(cells[2]["text"], "Ann");
    assert_eq!(cells[2]["href"], format!("/admin/library/authors/{ann}"));
    assert_eq!(ctx["page"]["next"], "/admin/library/books?o=title&p=2");

    let (_, _, ctx) = page(lib.get(&admin, "books", "", &[("p", "2")]).await);
    assert_eq!(titles(&ctx), ["Delta", "Echo"]);
    assert_eq!(ctx["page"]["next"], Json::Null);

    let (_, _, ctx) = page(lib.get(&admin, "books", "", &[("o", "-title")]).await);
    assert_eq!(titles(&ctx), ["Echo", "Delta", "Charlie"]);
    assert_eq!(ctx["order"], "-title");
    // A column nobody may sort by is ignored, not an error.
    let (_, status, ctx) = page(lib.get(&admin, "books", "", &[("o", "genre")]).await);
    assert_eq!(status, 200);
    assert_eq!(titles(&ctx), ["Alpha", "Bravo", "Charlie"]);
}

#[tokio::test]
async fn filters_and_search_narrow_the_list_and_links_keep_them() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let bob = lib.author("Bob").await;
    lib.book("Red river", "published", "novel", ann).await;
    lib.book("Blue river", "draft", "poetry", bob).await;
    lib.book("Red hill", "draft", "novel", bob).await;
    let admin = User::admin();

    let (_, _, ctx) = page(lib.get(&admin, "books", "", &[("status", "draft")]).await);
    assert_eq!(titles(&ctx), ["Blue river", "Red hill"]);
    assert_eq!(ctx["applied"][0]["label"], "Status");
    assert_eq!(ctx["applied"][0]["value"], "Draft");

    let bob_id = bob.to_string();
    let (_, _, ctx) = page(
        lib.get(&admin, "books", "", &[("author_id", &bob_id), ("q", "red")])
            .await,
    );
    assert_eq!(titles(&ctx), ["Red hill"]);
    // The status panel's links keep the search and the author.
    let status_panel = ctx["filters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["field"] == "status")
        .unwrap()
        .clone();
    let draft = status_panel["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["label"] == "Draft")
        .unwrap()
        .clone();
    let href = draft["href"].as_str().unwrap();
    assert!(
        href.contains("q=red") && href.contains(&format!("author_id={bob}")),
        "{href}"
    );
    assert!(href.contains("status=draft"), "{href}");

    // A value outside the choices is dropped, not applied.
    let (_, _, ctx) = page(lib.get(&admin, "books", "", &[("status", "lost")]).await);
    assert_eq!(titles(&ctx).len(), 3);
    assert_eq!(ctx["applied"], Json::Array(vec![]));
}

#[tokio::test]
async fn a_plain_text_column_filters_by_its_distinct_values() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    lib.book("One", "draft", "novel", ann).await;
    lib.book("Two", "draft", "poetry", ann).await;
    lib.book("Three", "draft", "novel", ann).await;
    let admin = User::admin();
    let (_, _, ctx) = page(
        lib.get(&admin, "books", "", &[("genre", "poetry"), ("q", "t")])
            .await,
    );
    assert_eq!(titles(&ctx), ["Two"]);
    let genre = ctx["filters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["field"] == "genre")
        .unwrap()
        .clone();
    let options: Vec<(String, bool)> = genre["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["label"].as_str().unwrap().to_string(),
                o["selected"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        options,
        [
            ("All".to_string(), false),
            ("novel".to_string(), false),
            ("poetry".to_string(), true)
        ]
    );
    let novel = genre["options"][1]["href"].as_str().unwrap();
    assert!(
        novel.contains("genre=novel") && novel.contains("q=t"),
        "{novel}"
    );
    assert!(!novel.contains("poetry"), "{novel}");
}

#[tokio::test]
async fn a_person_without_the_view_permission_is_refused() {
    let lib = library(Hooks::Generic).await;
    let nobody = User::with(5, &[]);
    let r = lib.get(&nobody, "books", "", &[]).await;
    assert!(
        matches!(&r, copydesk_admin::Response::Forbidden(p) if p == "books.view"),
        "{r:?}"
    );
}

//! The delete page: what refers to the row, and what blocks it.
use sea_orm::EntityTrait;

use crate::{
    schema::{authors, books},
    support::{Hooks, User, library, page, redirect},
};

#[tokio::test]
async fn books_referring_to_an_author_are_listed_and_block_the_delete() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let dune = lib.book("Dune", "draft", "novel", ann).await;
    lib.book("Emma", "draft", "novel", ann).await;
    let admin = User::admin();
    let path = format!("{ann}/delete");
    let (template, status, ctx) = page(lib.get(&admin, "authors", &path, &[]).await);
    assert_eq!((template, status), ("admin/engine/delete.html", 200));
    assert_eq!(ctx["blocked"], true);
    let d = &ctx["dependents"][0];
    assert_eq!(
        (d["resource"].as_str(), d["field"].as_str()),
        (Some("books"), Some("author"))
    );
    assert_eq!(
        (d["effect"].as_str(), d["count"].as_u64()),
        (Some("blocks"), Some(2))
    );
    assert_eq!(
        d["examples"][0]["href"],
        format!("/admin/library/books/{dune}")
    );

    let (_, status, ctx) = page(lib.post(&admin, "authors", &path, &[]).await);
    assert_eq!(status, 409);
    assert_eq!(ctx["error"], "other records still refer to it.");
    assert!(
        authors::Entity::find_by_id(ann)
            .one(&lib.db)
            .await
            .unwrap()
            .is_some()
    );
    assert!(lib.audit_actions().await.is_empty());
}

#[tokio::test]
async fn a_book_with_reviews_is_deleted_with_them_and_audited() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let dune = lib.book("Dune", "draft", "novel", ann).await;
    lib.review(dune, "Sandy").await;
    let admin = User::admin();
    let path = format!("{dune}/delete");
    let (_, _, ctx) = page(lib.get(&admin, "books", &path, &[]).await);
    assert_eq!(ctx["blocked"], false);
    assert_eq!(ctx["dependents"][0]["examples"][0]["label"], "Sandy");
    let (to, flash) = redirect(lib.post(&admin, "books", &path, &[]).await);
    assert_eq!(to, "/admin/library/books");
    assert_eq!(flash, "The book “Dune” was deleted.");
    assert!(
        books::Entity::find_by_id(dune)
            .one(&lib.db)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(lib.audit_actions().await, [format!("books.delete {dune}")]);

    // Its history outlives it.
    let (_, status, ctx) = page(
        lib.get(&admin, "books", &format!("{dune}/history"), &[])
            .await,
    );
    assert_eq!(status, 200);
    assert_eq!(ctx["object"]["label"], format!("book #{dune} (deleted)"));
}

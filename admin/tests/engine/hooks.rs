//! A registration's own writes (`save_model`, `delete_model`, `bulk_action`) are called
//! instead of the engine's generic write, whose audit entry is then not written.
use sea_orm::EntityTrait;

use crate::{
    schema::books,
    support::{Hooks, User, library, page, redirect},
};

#[tokio::test]
async fn save_model_does_the_save_and_the_engine_writes_no_audit() {
    let lib = library(Hooks::Rows).await;
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
    ];
    let (_, flash) = redirect(lib.post(&admin, "books", &id.to_string(), &form).await);
    assert_eq!(flash, "The book “Dune” was changed.");
    assert_eq!(
        lib.calls(),
        [format!("save {id} status=published lock=Some(0)")]
    );
    let book = books::Entity::find_by_id(id)
        .one(&lib.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((book.status.as_str(), book.lock_version), ("published", 1));
    assert!(
        lib.audit_actions().await.is_empty(),
        "the hook keeps its own log"
    );

    // The hook's conflict is the engine's conflict page.
    let (_, status, ctx) = page(lib.post(&admin, "books", &id.to_string(), &form).await);
    assert_eq!(status, 409);
    assert_eq!(ctx["lock_version"], 1);
}

#[tokio::test]
async fn delete_model_does_the_delete() {
    let lib = library(Hooks::Rows).await;
    let ann = lib.author("Ann").await;
    let id = lib.book("Dune", "draft", "novel", ann).await;
    let admin = User::admin();
    let (_, flash) = redirect(
        lib.post(&admin, "books", &format!("{id}/delete"), &[])
            .await,
    );
    assert_eq!(flash, "The book “Dune” was deleted.");
    assert_eq!(lib.calls(), [format!("delete {id}")]);
    assert!(
        books::Entity::find_by_id(id)
            .one(&lib.db)
            .await
            .unwrap()
            .is_none()
    );
    assert!(lib.audit_actions().await.is_empty());
}

#[tokio::test]
async fn a_bulk_action_without_its_own_hook_goes_row_by_row_through_save_model() {
    let lib = library(Hooks::Rows).await;
    let ann = lib.author("Ann").await;
    let a = lib.book("A", "draft", "novel", ann).await;
    let b = lib.book("B", "draft", "poetry", ann).await;
    lib.book("C", "draft", "novel", ann).await;
    let admin = User::admin();
    let form = [
        ("_action", "publish"),
        ("_across", "1"),
        ("genre", "poetry"),
        ("_confirm", "yes"),
    ];
    let (_, flash) = redirect(lib.post(&admin, "books", "", &form).await);
    assert_eq!(flash, "Publish: 1 book changed (status is now Published).");
    assert_eq!(
        lib.calls(),
        [format!("save {b} status=published lock=Some(0)")]
    );
    let book = books::Entity::find_by_id(b)
        .one(&lib.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((book.status.as_str(), book.lock_version), ("published", 1));
    assert!(lib.audit_actions().await.is_empty());

    let a_id = a.to_string();
    let form = [
        ("_action", "delete"),
        ("_selected", a_id.as_str()),
        ("_confirm", "yes"),
    ];
    let (_, flash) = redirect(lib.post(&admin, "books", "", &form).await);
    assert_eq!(flash, "Deleted 1 book.");
    assert_eq!(lib.calls().last(), Some(&format!("delete {a}")));
    assert!(
        books::Entity::find_by_id(a)
            .one(&lib.db)
            .await
            .unwrap()
            .is_none()
    );
    assert!(lib.audit_actions().await.is_empty());
}

#[tokio::test]
async fn bulk_action_takes_the_whole_action_over_the_chosen_ids() {
    let lib = library(Hooks::Whole).await;
    let ann = lib.author("Ann").await;
    let a = lib.book("A", "draft", "novel", ann).await;
    let b = lib.book("B", "draft", "novel", ann).await;
    let admin = User::admin();
    let (a_id, b_id) = (a.to_string(), b.to_string());
    let form = [
        ("_action", "publish"),
        ("_selected", a_id.as_str()),
        ("_selected", b_id.as_str()),
        ("_confirm", "yes"),
    ];
    let (_, flash) = redirect(lib.post(&admin, "books", "", &form).await);
    assert_eq!(flash, "Publish: 2 books changed (status is now Published).");
    assert_eq!(lib.calls(), [format!("bulk publish [{a}, {b}]")]);
    let book = books::Entity::find_by_id(a)
        .one(&lib.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(book.status, "draft", "the hook chose to write nothing");
    assert!(lib.audit_actions().await.is_empty());
}

#[tokio::test]
async fn a_row_its_hook_refuses_stops_the_action_and_the_message_says_where() {
    let lib = library(Hooks::Rows).await;
    let ann = lib.author("Ann").await;
    let a = lib.book("Fine", "draft", "novel", ann).await;
    let b = lib.book("Refused", "draft", "novel", ann).await;
    let c = lib.book("Later", "draft", "novel", ann).await;
    let admin = User::admin();
    let ids = [a.to_string(), b.to_string(), c.to_string()];
    let mut form = vec![("_action", "publish"), ("_confirm", "yes")];
    form.extend(ids.iter().map(|i| ("_selected", i.as_str())));
    let (_, flash) = redirect(lib.post(&admin, "books", "", &form).await);
    assert_eq!(
        flash,
        "Publish stopped after 1 book: “Refused”: Not this one."
    );
    let status = |id| {
        let db = &lib.db;
        async move {
            books::Entity::find_by_id(id)
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .status
        }
    };
    assert_eq!(status(a).await, "published");
    assert_eq!(status(b).await, "draft");
    assert_eq!(status(c).await, "draft", "nothing after the refusal");
}

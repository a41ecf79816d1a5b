//! Bulk actions: on the selected rows, and on the whole filtered set.
use copydesk_admin::Grant;
use sea_orm::{EntityTrait, QueryOrder};

use crate::{
    schema::books,
    support::{Hooks, User, library, page, redirect},
};

async fn statuses(db: &sea_orm::DatabaseConnection) -> Vec<(String, String)> {
    books::Entity::find()
        .order_by_asc(books::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.title, b.status))
        .collect()
}

#[tokio::test]
async fn an_action_on_selected_rows_confirms_then_changes_only_those() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let a = lib.book("A", "draft", "novel", ann).await;
    lib.book("B", "draft", "novel", ann).await;
    let c = lib.book("C", "draft", "novel", ann).await;
    let admin = User::admin();
    let (a_id, c_id) = (a.to_string(), c.to_string());
    let form = vec![
        ("_action", "publish"),
        ("_selected", a_id.as_str()),
        ("_selected", c_id.as_str()),
    ];
    let (template, _, ctx) = page(lib.post(&admin, "books", "", &form).await);
    assert_eq!(template, "admin/engine/confirm.html");
    assert_eq!(ctx["count"], 2);
    assert_eq!(ctx["changes"][0]["value"], "Published");
    assert_eq!(
        statuses(&lib.db).await[0].1,
        "draft",
        "nothing before confirming"
    );

    let mut confirmed = form.clone();
    confirmed.push(("_confirm", "yes"));
    let (to, flash) = redirect(lib.post(&admin, "books", "", &confirmed).await);
    assert_eq!(to, "/admin/library/books");
    assert_eq!(flash, "Publish: 2 books changed (status is now Published).");
    let s: Vec<String> = statuses(&lib.db)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(s, ["published", "draft", "published"]);
    assert_eq!(
        lib.audit_actions().await,
        [format!("books.publish {a}"), format!("books.publish {c}")]
    );
}

#[tokio::test]
async fn an_action_across_the_filtered_set_skips_rows_the_person_may_not_change() {
    let lib = library(Hooks::Generic).await;
    let mine = lib.author("Ann").await;
    let theirs = lib.author("Bob").await;
    lib.book("Mine poetry", "draft", "poetry", mine).await;
    lib.book("Mine novel", "draft", "novel", mine).await;
    lib.book("Their poetry", "draft", "poetry", theirs).await;
    // Person `mine` may view every book but change only their own.
    let ann = User::with(
        mine,
        &[("books.view", Grant::All), ("books.change", Grant::Own)],
    );
    let form = [
        ("_action", "publish"),
        ("_across", "1"),
        ("genre", "poetry"),
        ("_confirm", "yes"),
    ];
    let (_, flash) = redirect(lib.post(&ann, "books", "", &form).await);
    assert_eq!(
        flash,
        "Publish: 1 book changed (status is now Published). 1 skipped: you may not change them."
    );
    assert_eq!(
        statuses(&lib.db).await,
        [
            ("Mine poetry".into(), "published".into()),
            ("Mine novel".into(), "draft".into()),
            ("Their poetry".into(), "draft".into()),
        ]
    );
}

#[tokio::test]
async fn deleting_selected_rows_deletes_them_and_their_cascading_reviews() {
    let lib = library(Hooks::Generic).await;
    let ann = lib.author("Ann").await;
    let a = lib.book("A", "draft", "novel", ann).await;
    lib.book("B", "draft", "novel", ann).await;
    lib.review(a, "Fine").await;
    let admin = User::admin();
    let a_id = a.to_string();
    let form = [("_action", "delete"), ("_selected", a_id.as_str())];
    let (_, _, ctx) = page(lib.post(&admin, "books", "", &form).await);
    assert_eq!(ctx["dependents"][0]["resource"], "reviews");
    assert_eq!(ctx["dependents"][0]["effect"], "deleted");
    let form = [
        ("_action", "delete"),
        ("_selected", a_id.as_str()),
        ("_confirm", "yes"),
    ];
    let (_, flash) = redirect(lib.post(&admin, "books", "", &form).await);
    assert_eq!(flash, "Deleted 1 book.");
    assert_eq!(statuses(&lib.db).await.len(), 1);
    assert_eq!(
        crate::schema::scalar(&lib.db, "SELECT COUNT(*) FROM reviews").await,
        0
    );
    assert_eq!(lib.audit_actions().await, [format!("books.delete {a}")]);
}

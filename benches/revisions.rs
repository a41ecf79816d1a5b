//! Revisions on a 5,000-word post, on a SQLite file: what keeping a revision adds to a save,
//! the word diff of two 5,000-word revisions as the compare page renders it, and the first
//! and last page of the list of a post with 1,000 revisions. Prints p50 and p99 of each.
//!
//!     cargo bench --bench revisions
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark: any failure should stop it, loudly"
)]
use std::time::{Duration, Instant};

use copydesk::{
    actor::{Actor, Via},
    models::{
        now,
        posts::{self, PostForm, revisions},
        users::{self, UserForm},
    },
    views::admin::revisions::{FieldDiff, RevisionRow},
};
use migration::MigratorTrait;
use sea_orm::{ActiveModelTrait, Database, TransactionTrait};

const WORDS: [&str; 16] = [
    "harbour", "night", "bakers", "street", "bread", "early", "the", "and", "of", "lights",
    "market", "river", "city", "morning", "quiet", "a",
];

/// A body of `n` words, paragraphs of 80, deterministic; `salt` changes one word in 20.
fn body(n: usize, salt: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let w = if salt > 0 && (i * 7 + salt).is_multiple_of(20) {
            "CHANGED"
        } else {
            WORDS[(i * 31 + i / 7) % WORDS.len()]
        };
        out.push_str(w);
        out.push(if i % 80 == 79 { '\n' } else { ' ' });
        if i % 80 == 79 {
            out.push('\n');
        }
    }
    out
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{what:<58} p50 {:>8.3} ms  p99 {:>8.3} ms  ({} runs)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples.len()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = std::env::temp_dir().join(format!("copydesk-bench-revisions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Database::connect(format!("sqlite://{}/bench.sqlite?mode=rwc", dir.display()))
        .await
        .unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    let user = users::Model::create_user(
        &db,
        &UserForm {
            email: "bench@example.com".into(),
            display_name: "Bench Editor".into(),
            bio: String::new(),
            role: "editor".into(),
        },
    )
    .await
    .unwrap();
    let actor = Actor {
        user: user.clone(),
        via: Via::Token {
            token_id: 0,
            write: true,
        },
    };
    let meta = copydesk::actor::RequestMeta::system("bench");
    let bodies = [body(5000, 0), body(5000, 3)];
    let mut form = PostForm {
        title: "A long read".into(),
        summary: "Five thousand words.".into(),
        body_markdown: bodies[0].clone(),
        state: "draft".into(),
        visibility: "public".into(),
        author_id: user.id,
        featured_media_id: None,
        published_at: None,
        scheduled_at: None,
        tags: vec!["long".into()],
    };
    let mut post = posts::create(&db, &actor, &meta, &form).await.unwrap();

    // A save that changes the body, and so keeps a revision.
    let mut saves = Vec::new();
    for i in 0..200 {
        form.body_markdown = bodies[(i + 1) % 2].clone();
        let t = Instant::now();
        post = posts::update(
            &db,
            &actor,
            &meta,
            &copydesk::settings::Editorial::default(),
            post.id,
            post.lock_version,
            &form,
        )
        .await
        .unwrap();
        saves.push(t.elapsed());
    }
    report("save of a 5,000-word post, with its revision", saves);

    // What the revision adds to it: numbering it and writing it, in a transaction.
    let content = revisions::Content::of(&post, &["long".to_string()]);
    let origin = revisions::Origin::person(revisions::RevisionKind::Save, user.id);
    let mut adds = Vec::new();
    for _ in 0..200 {
        let txn = db.begin().await.unwrap();
        let t = Instant::now();
        let n = revisions::latest_number(&txn, post.id).await.unwrap() + 1;
        revisions::new_row(
            post.id,
            n,
            post.lock_version,
            &content,
            &["body_markdown"],
            &origin,
            now(),
        )
        .insert(&txn)
        .await
        .unwrap();
        adds.push(t.elapsed());
        txn.rollback().await.unwrap();
    }
    report("  of which the revision (number it, write it)", adds);

    // The compare page's work: diff every field and render both sides, escaped.
    let a = revisions::Content {
        body_markdown: bodies[0].clone(),
        ..content.clone()
    };
    let b = revisions::Content {
        body_markdown: bodies[1].clone(),
        ..content.clone()
    };
    let mut diffs = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let fields: Vec<FieldDiff> = revisions::compare(&a, &b)
            .iter()
            .map(FieldDiff::from)
            .collect();
        diffs.push(t.elapsed());
        assert!(fields[2].new_html.contains("<ins>"));
    }
    report("diff of two 5,000-word revisions, rendered", diffs);

    // A post with 1,000 revisions: its first and last list page (50 a page).
    let latest = revisions::latest_number(&db, post.id).await.unwrap();
    let txn = db.begin().await.unwrap();
    for n in latest + 1..=1000 {
        let c = revisions::Content {
            body_markdown: bodies[n as usize % 2].clone(),
            ..content.clone()
        };
        revisions::new_row(post.id, n, n, &c, &["body_markdown"], &origin, now())
            .insert(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    for (label, page) in [
        ("revision list, first page of 1,000 revisions", 1),
        ("revision list, last page of 1,000 revisions", 20),
    ] {
        let mut lists = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            let p = revisions::list(&db, post.id, page, 50).await.unwrap();
            let rows: Vec<RevisionRow> = p
                .items
                .iter()
                .map(|r| RevisionRow::new(r, Some("Bench Editor".into()), r.content() == content))
                .collect();
            lists.push(t.elapsed());
            assert_eq!(rows.len(), 50);
        }
        report(label, lists);
    }
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

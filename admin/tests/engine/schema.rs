//! The tests' own little library: authors, their books, and reviews of the books. Nothing
//! here comes from the application.
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub mod authors {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "authors")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod books {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "books")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        /// `draft` or `published` (choices in the registration).
        pub status: String,
        /// Plain text without choices: the distinct-values filter.
        pub genre: String,
        pub author_id: i64,
        pub lock_version: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::authors::Entity",
            from = "Column::AuthorId",
            to = "super::authors::Column::Id",
            on_delete = "Restrict"
        )]
        Author,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod reviews {
    use sea_orm::entity::prelude::*;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
    #[sea_orm(table_name = "reviews")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub book_id: i64,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::books::Entity",
            from = "Column::BookId",
            to = "super::books::Column::Id",
            on_delete = "Cascade"
        )]
        Book,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

const TABLES: &[&str] = &[
    "CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)",
    "CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,
        status TEXT NOT NULL, genre TEXT NOT NULL,
        author_id INTEGER NOT NULL REFERENCES authors(id) ON DELETE RESTRICT,
        lock_version INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE reviews (id INTEGER PRIMARY KEY AUTOINCREMENT,
        book_id INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE, body TEXT NOT NULL)",
    "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, actor_id INTEGER NOT NULL,
        action TEXT NOT NULL, target_type TEXT NOT NULL, target_id TEXT NOT NULL,
        before TEXT, after TEXT)",
    "CREATE TABLE admin_saved_filters (id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id INTEGER NOT NULL, resource TEXT NOT NULL, name TEXT NOT NULL,
        query TEXT NOT NULL, shared_role TEXT, created_at TEXT NOT NULL)",
];

/// A fresh database file of its own for each test, with the tables and foreign keys on;
/// the path is for removing it afterwards.
pub async fn database() -> (DatabaseConnection, std::path::PathBuf) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "copydesk-admin-test-{}-{}.db",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_file(&path);
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    db.execute_unprepared("PRAGMA journal_mode = WAL")
        .await
        .unwrap();
    for t in TABLES {
        db.execute_unprepared(t).await.unwrap();
    }
    (db, path)
}

/// Runs SQL that returns one integer.
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

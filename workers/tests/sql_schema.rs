//! The SQL store's tables: created idempotently (a migration may run twice), dropped cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use copydesk_workers::store::sql::{TABLES, create_tables, drop_tables};
use sea_orm::{ConnectionTrait, Database, Statement};

#[tokio::test]
async fn create_is_idempotent_and_drop_removes_every_table() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    create_tables(&db).await.unwrap();
    create_tables(&db).await.unwrap();
    let count = |db: sea_orm::DatabaseConnection| async move {
        let sql = format!(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ({})",
            TABLES
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    assert_eq!(count(db.clone()).await, TABLES.len() as i64);
    drop_tables(&db).await.unwrap();
    assert_eq!(count(db.clone()).await, 0);
}

use sea_orm_migration::prelude::*;

/// On SQLite, an FTS5 table with the trigram tokenizer over posts' title and slug, kept in
/// step by triggers, so the admin's substring search reads an index instead of every row
/// (PostgreSQL has its trigram indexes for the same). Nothing on PostgreSQL.
#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "CREATE VIRTUAL TABLE posts_search USING fts5(title, slug, content='posts', content_rowid='id', tokenize='trigram')",
    "INSERT INTO posts_search(posts_search) VALUES ('rebuild')",
    "CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN \
       INSERT INTO posts_search(rowid, title, slug) VALUES (new.id, new.title, new.slug); END",
    "CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN \
       INSERT INTO posts_search(posts_search, rowid, title, slug) VALUES ('delete', old.id, old.title, old.slug); END",
    "CREATE TRIGGER posts_search_update AFTER UPDATE OF title, slug ON posts BEGIN \
       INSERT INTO posts_search(posts_search, rowid, title, slug) VALUES ('delete', old.id, old.title, old.slug); \
       INSERT INTO posts_search(rowid, title, slug) VALUES (new.id, new.title, new.slug); END",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS posts_search_update",
    "DROP TRIGGER IF EXISTS posts_search_delete",
    "DROP TRIGGER IF EXISTS posts_search_insert",
    "DROP TABLE IF EXISTS posts_search",
];

async fn run(m: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    if m.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return Ok(());
    }
    for sql in statements {
        m.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run(m, UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run(m, DOWN).await
    }
}

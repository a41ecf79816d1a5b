use sea_orm_migration::prelude::*;

use crate::m20261120_000002_posts_and_tags::{Posts, index};

/// Indexes for the admin's posts list on large tables: its default order (newest first, id
/// to break ties), the same order within one state, and on PostgreSQL trigram indexes so a
/// search (`ILIKE '%word%'` on title and slug) reads an index instead of every row. (SQLite's
/// substring search uses the FTS5 trigram table of the next migration.)
#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATED_ID: &str = "idx_posts_created_at_id";
const STATE_CREATED_ID: &str = "idx_posts_state_created_at_id";
const TITLE_TRGM: &str = "idx_posts_title_trgm";
const SLUG_TRGM: &str = "idx_posts_slug_trgm";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        index(m, CREATED_ID, Posts::Table, &[Posts::CreatedAt, Posts::Id]).await?;
        index(
            m,
            STATE_CREATED_ID,
            Posts::Table,
            &[Posts::State, Posts::CreatedAt, Posts::Id],
        )
        .await?;
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            let db = m.get_connection();
            // A trusted extension since PostgreSQL 13: the database's owner may create it.
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {TITLE_TRGM} ON posts USING gin (title gin_trgm_ops)"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {SLUG_TRGM} ON posts USING gin (slug gin_trgm_ops)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            let db = m.get_connection();
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {SLUG_TRGM}"))
                .await?;
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {TITLE_TRGM}"))
                .await?;
            // The pg_trgm extension stays: it may have been there before this migration, and
            // other objects may use it.
        }
        for name in [STATE_CREATED_ID, CREATED_ID] {
            m.drop_index(Index::drop().name(name).table(Posts::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}

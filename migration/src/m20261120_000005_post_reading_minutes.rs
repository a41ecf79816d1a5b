use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000002_posts_and_tags::Posts;

/// Reading time is shown on every list card; storing it saves loading whole bodies there.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Extra {
    ReadingMinutes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Posts::Table)
                .add_column(integer(Extra::ReadingMinutes).default(1))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Posts::Table)
                .drop_column(Extra::ReadingMinutes)
                .to_owned(),
        )
        .await
    }
}

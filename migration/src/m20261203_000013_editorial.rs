use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000002_posts_and_tags::Posts;

/// The editorial workflow's state on each post: where a post in review stands (its stage,
/// when that stage is due, who holds it) and when a published post comes down.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Editorial {
    ReviewStage,
    ReviewDueAt,
    ReviewHolderId,
    UnpublishAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for mut col in [
            string_len_null(Editorial::ReviewStage, 64),
            timestamp_with_time_zone_null(Editorial::ReviewDueAt),
            integer_null(Editorial::ReviewHolderId),
            timestamp_with_time_zone_null(Editorial::UnpublishAt),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Editorial::ReviewStage,
            Editorial::ReviewDueAt,
            Editorial::ReviewHolderId,
            Editorial::UnpublishAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;
use crate::m20261120_000002_posts_and_tags::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Media {
    Table,
    Id,
    FileName,
    ContentType,
    SizeBytes,
    Width,
    Height,
    AltText,
    StorageKey,
    UploaderId,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Media::Table)
                .col(pk_auto(Media::Id))
                .col(string(Media::FileName))
                .col(string_len(Media::ContentType, 100))
                .col(big_integer(Media::SizeBytes))
                .col(integer_null(Media::Width))
                .col(integer_null(Media::Height))
                .col(text(Media::AltText).default(""))
                .col(string_uniq(Media::StorageKey))
                .col(integer_null(Media::UploaderId))
                .col(timestamp_with_time_zone(Media::CreatedAt))
                .col(timestamp_with_time_zone(Media::UpdatedAt))
                // Files outlive the account that uploaded them; the link is cleared.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_media_uploader")
                        .from(Media::Table, Media::UploaderId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        index(m, "idx_media_uploader", Media::Table, &[Media::UploaderId]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000002_posts_and_tags::{Posts, index};

/// Images: the resized copies of an uploaded image (one row per width, made by the resize
/// job) and a post's featured image. Clearing a file clears the posts that feature it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum MediaVariants {
    Table,
    Id,
    MediaId,
    Width,
    Height,
    ContentType,
    SizeBytes,
    StorageKey,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Featured {
    FeaturedMediaId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Media {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MediaVariants::Table)
                .col(pk_auto(MediaVariants::Id))
                .col(integer(MediaVariants::MediaId))
                .col(integer(MediaVariants::Width))
                .col(integer(MediaVariants::Height))
                .col(string_len(MediaVariants::ContentType, 100))
                .col(big_integer(MediaVariants::SizeBytes))
                .col(string_uniq(MediaVariants::StorageKey))
                .col(timestamp_with_time_zone(MediaVariants::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_media_variants_media")
                        .from(MediaVariants::Table, MediaVariants::MediaId)
                        .to(Media::Table, Media::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_media_variants_width")
                .table(MediaVariants::Table)
                .col(MediaVariants::MediaId)
                .col(MediaVariants::Width)
                .unique()
                .to_owned(),
        )
        .await?;
        // SQLite cannot add a foreign key with ALTER TABLE through the schema builder, but
        // both engines accept a column that references another table in plain SQL.
        m.get_connection()
            .execute_unprepared(
                "ALTER TABLE posts ADD COLUMN featured_media_id integer NULL \
                 REFERENCES media (id) ON DELETE SET NULL",
            )
            .await?;
        index(
            m,
            "idx_posts_featured_media",
            Posts::Table,
            &[Featured::FeaturedMediaId],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_posts_featured_media")
                .table(Posts::Table)
                .to_owned(),
        )
        .await?;
        // On SQLite (3.35+) a column that references another table cannot be dropped; the
        // way down there is a restored backup.
        m.alter_table(
            Table::alter()
                .table(Posts::Table)
                .drop_column(Featured::FeaturedMediaId)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(MediaVariants::Table).to_owned())
            .await
    }
}

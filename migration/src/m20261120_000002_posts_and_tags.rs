use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Posts {
    Table,
    Id,
    Title,
    Slug,
    Summary,
    BodyMarkdown,
    BodyHtml,
    State,
    Visibility,
    AuthorId,
    PublishedAt,
    ScheduledAt,
    CreatedAt,
    UpdatedAt,
    LockVersion,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Tags {
    Table,
    Id,
    Name,
    Slug,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PostTags {
    Table,
    PostId,
    TagId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Posts::Table)
                .col(pk_auto(Posts::Id))
                .col(string(Posts::Title))
                .col(string_uniq(Posts::Slug))
                .col(text(Posts::Summary).default(""))
                .col(text(Posts::BodyMarkdown).default(""))
                .col(text(Posts::BodyHtml).default(""))
                .col(string_len(Posts::State, 16).default("draft"))
                .col(string_len(Posts::Visibility, 16).default("public"))
                .col(integer(Posts::AuthorId))
                .col(timestamp_with_time_zone_null(Posts::PublishedAt))
                .col(timestamp_with_time_zone_null(Posts::ScheduledAt))
                .col(timestamp_with_time_zone(Posts::CreatedAt))
                .col(timestamp_with_time_zone(Posts::UpdatedAt))
                .col(integer(Posts::LockVersion).default(0))
                // An author with posts cannot be deleted by accident: reassign or archive first.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_posts_author")
                        .from(Posts::Table, Posts::AuthorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Restrict)
                        .on_update(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Home page, feeds and sitemap: published posts newest first.
        index(
            m,
            "idx_posts_state_published_at",
            Posts::Table,
            &[Posts::State, Posts::PublishedAt],
        )
        .await?;
        // Author pages.
        index(
            m,
            "idx_posts_author_state_published_at",
            Posts::Table,
            &[Posts::AuthorId, Posts::State, Posts::PublishedAt],
        )
        .await?;
        // The scheduled-publishing sweep.
        index(
            m,
            "idx_posts_state_scheduled_at",
            Posts::Table,
            &[Posts::State, Posts::ScheduledAt],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Tags::Table)
                .col(pk_auto(Tags::Id))
                .col(string(Tags::Name))
                .col(string_uniq(Tags::Slug))
                .col(timestamp_with_time_zone(Tags::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PostTags::Table)
                .col(integer(PostTags::PostId))
                .col(integer(PostTags::TagId))
                .primary_key(Index::create().col(PostTags::PostId).col(PostTags::TagId))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_tags_post")
                        .from(PostTags::Table, PostTags::PostId)
                        .to(Posts::Table, Posts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_tags_tag")
                        .from(PostTags::Table, PostTags::TagId)
                        .to(Tags::Table, Tags::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Tag pages look posts up by tag.
        index(
            m,
            "idx_post_tags_tag_post",
            PostTags::Table,
            &[PostTags::TagId, PostTags::PostId],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PostTags::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Tags::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Posts::Table).to_owned())
            .await
    }
}

/// Creates a plain (non-unique) index over `cols`.
pub async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    m: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: &[C],
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(*col);
    }
    m.create_index(stmt.to_owned()).await
}

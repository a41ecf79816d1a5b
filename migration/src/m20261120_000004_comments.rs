use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;
use crate::m20261120_000002_posts_and_tags::{Posts, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Comments {
    Table,
    Id,
    PostId,
    AuthorId,
    GuestName,
    Body,
    BodyHtml,
    Status,
    IpHash,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Comments::Table)
                .col(pk_auto(Comments::Id))
                .col(integer(Comments::PostId))
                .col(integer_null(Comments::AuthorId))
                .col(string_null(Comments::GuestName))
                .col(text(Comments::Body))
                .col(text(Comments::BodyHtml).default(""))
                .col(string_len(Comments::Status, 16).default("pending"))
                .col(string_len(Comments::IpHash, 64).default(""))
                .col(timestamp_with_time_zone(Comments::CreatedAt))
                .col(timestamp_with_time_zone(Comments::UpdatedAt))
                // Comments belong to their post and go with it.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_comments_post")
                        .from(Comments::Table, Comments::PostId)
                        .to(Posts::Table, Posts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                // A deleted account leaves its comments behind, unattributed.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_comments_author")
                        .from(Comments::Table, Comments::AuthorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        // Approved comments under a post, oldest first.
        index(
            m,
            "idx_comments_post_status_created",
            Comments::Table,
            &[Comments::PostId, Comments::Status, Comments::CreatedAt],
        )
        .await?;
        // The per-IP rate limit.
        index(
            m,
            "idx_comments_ip_created",
            Comments::Table,
            &[Comments::IpHash, Comments::CreatedAt],
        )
        .await?;
        // The moderation queue.
        index(
            m,
            "idx_comments_status_created",
            Comments::Table,
            &[Comments::Status, Comments::CreatedAt],
        )
        .await?;
        index(
            m,
            "idx_comments_author",
            Comments::Table,
            &[Comments::AuthorId],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Comments::Table).to_owned())
            .await
    }
}

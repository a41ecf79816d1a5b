use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;
use crate::m20261120_000002_posts_and_tags::Posts;

/// Review comments: a reviewer's remark on a post as it stood at a revision, optionally
/// about one field, until someone resolves it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ReviewComments {
    Table,
    Id,
    PostId,
    Revision,
    Field,
    Body,
    AuthorId,
    CreatedAt,
    ResolvedById,
    ResolvedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReviewComments::Table)
                .col(pk_auto(ReviewComments::Id))
                .col(integer(ReviewComments::PostId))
                .col(integer(ReviewComments::Revision))
                .col(string_len(ReviewComments::Field, 32).default(""))
                .col(text(ReviewComments::Body))
                .col(integer_null(ReviewComments::AuthorId))
                .col(timestamp_with_time_zone(ReviewComments::CreatedAt))
                .col(integer_null(ReviewComments::ResolvedById))
                .col(timestamp_with_time_zone_null(ReviewComments::ResolvedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_review_comments_post")
                        .from(ReviewComments::Table, ReviewComments::PostId)
                        .to(Posts::Table, Posts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_review_comments_author")
                        .from(ReviewComments::Table, ReviewComments::AuthorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_review_comments_resolved_by")
                        .from(ReviewComments::Table, ReviewComments::ResolvedById)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_review_comments_post")
                .table(ReviewComments::Table)
                .col(ReviewComments::PostId)
                .col(ReviewComments::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ReviewComments::Table).to_owned())
            .await
    }
}

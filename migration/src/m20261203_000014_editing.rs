use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;
use crate::m20261120_000002_posts_and_tags::Posts;

/// Editing a post: the lock that tells others who has it open, and each person's
/// autosaved text, kept apart from the post until they save it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum PostLocks {
    Table,
    PostId,
    UserId,
    Since,
    SeenAt,
    TakenFromId,
    TakenAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PostAutosaves {
    Table,
    Id,
    PostId,
    UserId,
    BaseVersion,
    Title,
    Summary,
    BodyMarkdown,
    SavedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One lock per post: who has it open, since when, when their page last said so,
        // and whom they took it over from (told on their next look).
        m.create_table(
            Table::create()
                .table(PostLocks::Table)
                .col(integer(PostLocks::PostId).primary_key())
                .col(integer(PostLocks::UserId))
                .col(timestamp_with_time_zone(PostLocks::Since))
                .col(timestamp_with_time_zone(PostLocks::SeenAt))
                .col(integer_null(PostLocks::TakenFromId))
                .col(timestamp_with_time_zone_null(PostLocks::TakenAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_locks_post")
                        .from(PostLocks::Table, PostLocks::PostId)
                        .to(Posts::Table, Posts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_locks_user")
                        .from(PostLocks::Table, PostLocks::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_locks_taken_from")
                        .from(PostLocks::Table, PostLocks::TakenFromId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        // One autosave per person and post: the text they have not saved yet and the
        // version of the post it was typed over.
        m.create_table(
            Table::create()
                .table(PostAutosaves::Table)
                .col(pk_auto(PostAutosaves::Id))
                .col(integer(PostAutosaves::PostId))
                .col(integer(PostAutosaves::UserId))
                .col(integer(PostAutosaves::BaseVersion))
                .col(text(PostAutosaves::Title))
                .col(text(PostAutosaves::Summary))
                .col(text(PostAutosaves::BodyMarkdown))
                .col(timestamp_with_time_zone(PostAutosaves::SavedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_autosaves_post")
                        .from(PostAutosaves::Table, PostAutosaves::PostId)
                        .to(Posts::Table, Posts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_autosaves_user")
                        .from(PostAutosaves::Table, PostAutosaves::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_post_autosaves_post_user")
                .table(PostAutosaves::Table)
                .col(PostAutosaves::PostId)
                .col(PostAutosaves::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_post_autosaves_saved_at")
                .table(PostAutosaves::Table)
                .col(PostAutosaves::SavedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PostAutosaves::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(PostLocks::Table).to_owned())
            .await
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;

/// The mail a person has turned off: one row per person and kind of notice
/// (`review_waiting`, `changes_requested`, …). No row: the notice is sent.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum NotificationOptOuts {
    Table,
    Id,
    UserId,
    Kind,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NotificationOptOuts::Table)
                .col(pk_auto(NotificationOptOuts::Id))
                .col(integer(NotificationOptOuts::UserId))
                .col(string_len(NotificationOptOuts::Kind, 32))
                .col(timestamp_with_time_zone(NotificationOptOuts::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notification_opt_outs_user")
                        .from(NotificationOptOuts::Table, NotificationOptOuts::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_notification_opt_outs_user_kind")
                .table(NotificationOptOuts::Table)
                .col(NotificationOptOuts::UserId)
                .col(NotificationOptOuts::Kind)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NotificationOptOuts::Table).to_owned())
            .await
    }
}

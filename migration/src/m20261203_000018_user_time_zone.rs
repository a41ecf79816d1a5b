use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;

/// Each person's time zone (an IANA name such as `Europe/Oslo`); empty: the site's
/// (`editorial.time_zone`). The admin shows and reads times in it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserZone {
    TimeZone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(string_len(UserZone::TimeZone, 64).default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(UserZone::TimeZone)
                .to_owned(),
        )
        .await
    }
}

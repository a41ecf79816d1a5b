use sea_orm_migration::prelude::*;

/// Two look-ups the moderation screens make on every request: the latest case update, part
/// of the queue's change marker (`moderation::queue::marker`), read from the end of an index
/// instead of every case; and an anonymous reporter's flags by their address's keyed hash
/// (the hourly limit and "already reported"), which had no index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ModCases {
    Table,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ModFlags {
    Table,
    ReporterKey,
    CreatedAt,
}

const CASES_UPDATED: &str = "idx_mod_cases_updated_at";
const FLAGS_REPORTER_KEY: &str = "idx_mod_flags_reporter_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(CASES_UPDATED)
                .table(ModCases::Table)
                .col(ModCases::UpdatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(FLAGS_REPORTER_KEY)
                .table(ModFlags::Table)
                .col(ModFlags::ReporterKey)
                .col(ModFlags::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(FLAGS_REPORTER_KEY)
                .table(ModFlags::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(CASES_UPDATED)
                .table(ModCases::Table)
                .to_owned(),
        )
        .await
    }
}

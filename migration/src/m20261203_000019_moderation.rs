use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;

/// Moderation's first tables: one case per reported comment or post, the flags (reader
/// reports, rule hits, AI pre-screening) gathered into it with what each counted, and each
/// reporter's record of upheld and dismissed reports.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ModCases {
    Table,
    Id,
    TargetType,
    TargetId,
    Status,
    Score,
    Priority,
    Hidden,
    ScoreInputs,
    ClaimedById,
    ClaimExpiresAt,
    AssignedToId,
    ReviewedFineHash,
    OpenedAt,
    CreatedAt,
    UpdatedAt,
    LockVersion,
}

#[derive(DeriveIden, Clone, Copy)]
enum ModFlags {
    Table,
    Id,
    CaseId,
    Source,
    Reason,
    Text,
    ReporterId,
    ReporterKey,
    Weight,
    Accuracy,
    Snapshot,
    ContentHash,
    Counted,
    Outcome,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReporterStats {
    Table,
    UserId,
    Upheld,
    Dismissed,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ModCases::Table)
                .col(pk_auto(ModCases::Id))
                .col(string_len(ModCases::TargetType, 16))
                .col(integer(ModCases::TargetId))
                .col(string_len(ModCases::Status, 16).default("open"))
                .col(double(ModCases::Score).default(0.0))
                .col(string_len(ModCases::Priority, 8).default("none"))
                .col(boolean(ModCases::Hidden).default(false))
                .col(text(ModCases::ScoreInputs))
                .col(integer_null(ModCases::ClaimedById))
                .col(timestamp_with_time_zone_null(ModCases::ClaimExpiresAt))
                .col(integer_null(ModCases::AssignedToId))
                .col(string_len_null(ModCases::ReviewedFineHash, 64))
                .col(timestamp_with_time_zone(ModCases::OpenedAt))
                .col(timestamp_with_time_zone(ModCases::CreatedAt))
                .col(timestamp_with_time_zone(ModCases::UpdatedAt))
                .col(integer(ModCases::LockVersion).default(0))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_mod_cases_claimed_by")
                        .from(ModCases::Table, ModCases::ClaimedById)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_mod_cases_assigned_to")
                        .from(ModCases::Table, ModCases::AssignedToId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_mod_cases_target")
                .table(ModCases::Table)
                .col(ModCases::TargetType)
                .col(ModCases::TargetId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_mod_cases_queue")
                .table(ModCases::Table)
                .col(ModCases::Status)
                .col(ModCases::Score)
                .col(ModCases::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ModFlags::Table)
                .col(pk_auto(ModFlags::Id))
                .col(integer(ModFlags::CaseId))
                .col(string_len(ModFlags::Source, 8))
                .col(string_len(ModFlags::Reason, 32))
                .col(text(ModFlags::Text).default(""))
                .col(integer_null(ModFlags::ReporterId))
                .col(string_len(ModFlags::ReporterKey, 64).default(""))
                .col(double(ModFlags::Weight))
                .col(double(ModFlags::Accuracy))
                .col(text(ModFlags::Snapshot))
                .col(string_len(ModFlags::ContentHash, 64))
                .col(boolean(ModFlags::Counted))
                .col(string_len(ModFlags::Outcome, 16).default("pending"))
                .col(timestamp_with_time_zone(ModFlags::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_mod_flags_case")
                        .from(ModFlags::Table, ModFlags::CaseId)
                        .to(ModCases::Table, ModCases::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_mod_flags_reporter")
                        .from(ModFlags::Table, ModFlags::ReporterId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_mod_flags_case")
                .table(ModFlags::Table)
                .col(ModFlags::CaseId)
                .col(ModFlags::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_mod_flags_reporter")
                .table(ModFlags::Table)
                .col(ModFlags::ReporterId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReporterStats::Table)
                .col(integer(ReporterStats::UserId).primary_key())
                .col(integer(ReporterStats::Upheld).default(0))
                .col(integer(ReporterStats::Dismissed).default(0))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_reporter_stats_user")
                        .from(ReporterStats::Table, ReporterStats::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ReporterStats::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ModFlags::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ModCases::Table).to_owned())
            .await
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;

/// Moderation's actions: what a case came to (removed, escalated, who decided last), the
/// content author it concerns, the mod log (one row per action and side effect), the
/// editable reason presets, sanctions (each a strike) and appeals.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ModCases {
    Table,
    Removed,
    AuthorId,
    DecidedById,
    DecidedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ModLog {
    Table,
    Id,
    Action,
    CaseId,
    TargetType,
    TargetId,
    SubjectId,
    ModeratorId,
    Reason,
    Note,
    Details,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ModReasons {
    Table,
    Id,
    Applies,
    Label,
    Text,
    Position,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sanctions {
    Table,
    Id,
    UserId,
    Kind,
    CaseId,
    ModeratorId,
    Reason,
    Note,
    StartsAt,
    EndsAt,
    StrikeExpiresAt,
    PreviousStatus,
    LiftedAt,
    LiftedById,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Appeals {
    Table,
    Id,
    AppellantId,
    SanctionId,
    RemovalCaseId,
    OriginalModeratorId,
    Text,
    Snapshot,
    Status,
    DecidedById,
    DecisionNote,
    DecidedAt,
    CreatedAt,
}

fn user_fk(name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER.
        for col in [
            boolean(ModCases::Removed).default(false).to_owned(),
            integer_null(ModCases::AuthorId),
            integer_null(ModCases::DecidedById),
            timestamp_with_time_zone_null(ModCases::DecidedAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(ModCases::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("idx_mod_cases_author")
                .table(ModCases::Table)
                .col(ModCases::AuthorId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ModLog::Table)
                .col(pk_auto(ModLog::Id))
                .col(string_len(ModLog::Action, 32))
                .col(integer_null(ModLog::CaseId))
                .col(string_len(ModLog::TargetType, 16).default(""))
                .col(integer_null(ModLog::TargetId))
                .col(integer_null(ModLog::SubjectId))
                .col(integer_null(ModLog::ModeratorId))
                .col(string_len(ModLog::Reason, 120).default(""))
                .col(text(ModLog::Note).default(""))
                .col(text(ModLog::Details).default("{}"))
                .col(timestamp_with_time_zone(ModLog::CreatedAt))
                .foreign_key(&mut user_fk(
                    "fk_mod_log_moderator",
                    ModLog::Table,
                    ModLog::ModeratorId,
                ))
                .foreign_key(&mut user_fk(
                    "fk_mod_log_subject",
                    ModLog::Table,
                    ModLog::SubjectId,
                ))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_mod_log_created", ModLog::CreatedAt),
            ("idx_mod_log_case", ModLog::CaseId),
            ("idx_mod_log_moderator", ModLog::ModeratorId),
            ("idx_mod_log_subject", ModLog::SubjectId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(ModLog::Table)
                    .col(col)
                    .col(ModLog::Id)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(ModReasons::Table)
                .col(pk_auto(ModReasons::Id))
                .col(string_len(ModReasons::Applies, 16).default("any"))
                .col(string_len(ModReasons::Label, 120))
                .col(text(ModReasons::Text).default(""))
                .col(integer(ModReasons::Position).default(0))
                .col(boolean(ModReasons::Active).default(true))
                .col(timestamp_with_time_zone(ModReasons::CreatedAt))
                .col(timestamp_with_time_zone(ModReasons::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sanctions::Table)
                .col(pk_auto(Sanctions::Id))
                .col(integer(Sanctions::UserId))
                .col(string_len(Sanctions::Kind, 16))
                .col(integer_null(Sanctions::CaseId))
                .col(integer_null(Sanctions::ModeratorId))
                .col(string_len(Sanctions::Reason, 120).default(""))
                .col(text(Sanctions::Note).default(""))
                .col(timestamp_with_time_zone(Sanctions::StartsAt))
                .col(timestamp_with_time_zone_null(Sanctions::EndsAt))
                .col(timestamp_with_time_zone(Sanctions::StrikeExpiresAt))
                .col(string_len(Sanctions::PreviousStatus, 16).default(""))
                .col(timestamp_with_time_zone_null(Sanctions::LiftedAt))
                .col(integer_null(Sanctions::LiftedById))
                .col(timestamp_with_time_zone(Sanctions::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sanctions_user")
                        .from(Sanctions::Table, Sanctions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut user_fk(
                    "fk_sanctions_moderator",
                    Sanctions::Table,
                    Sanctions::ModeratorId,
                ))
                .foreign_key(&mut user_fk(
                    "fk_sanctions_lifted_by",
                    Sanctions::Table,
                    Sanctions::LiftedById,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sanctions_user")
                .table(Sanctions::Table)
                .col(Sanctions::UserId)
                .col(Sanctions::Kind)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Appeals::Table)
                .col(pk_auto(Appeals::Id))
                .col(integer(Appeals::AppellantId))
                .col(integer_null(Appeals::SanctionId))
                .col(integer_null(Appeals::RemovalCaseId))
                .col(integer_null(Appeals::OriginalModeratorId))
                .col(text(Appeals::Text))
                .col(text(Appeals::Snapshot).default(""))
                .col(string_len(Appeals::Status, 16).default("pending"))
                .col(integer_null(Appeals::DecidedById))
                .col(text(Appeals::DecisionNote).default(""))
                .col(timestamp_with_time_zone_null(Appeals::DecidedAt))
                .col(timestamp_with_time_zone(Appeals::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_appeals_appellant")
                        .from(Appeals::Table, Appeals::AppellantId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_appeals_sanction")
                        .from(Appeals::Table, Appeals::SanctionId)
                        .to(Sanctions::Table, Sanctions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut user_fk(
                    "fk_appeals_decided_by",
                    Appeals::Table,
                    Appeals::DecidedById,
                ))
                .to_owned(),
        )
        .await?;
        // One appeal per sanction, and one per removal (NULLs are distinct in both engines).
        m.create_index(
            Index::create()
                .name("idx_appeals_sanction")
                .table(Appeals::Table)
                .col(Appeals::SanctionId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_appeals_removal")
                .table(Appeals::Table)
                .col(Appeals::RemovalCaseId)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Appeals::Table.into_iden(),
            Sanctions::Table.into_iden(),
            ModReasons::Table.into_iden(),
            ModLog::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.drop_index(
            Index::drop()
                .name("idx_mod_cases_author")
                .table(ModCases::Table)
                .to_owned(),
        )
        .await?;
        for col in [
            ModCases::DecidedAt,
            ModCases::DecidedById,
            ModCases::AuthorId,
            ModCases::Removed,
        ] {
            m.alter_table(
                Table::alter()
                    .table(ModCases::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

use sea_orm_migration::prelude::*;

/// Indexes for the moderation queue at 100,000 open cases (issue 13, `benches/moderation.py`):
/// the queue's orders (score, age) walked in order with the status read from the index, so a
/// page reads its 50 rows instead of sorting every open case; the header's counts as range
/// counts on narrow indexes instead of a scan of every open case; and a flag's reason and
/// source by case, so the reason and source filters and the queue's reason column read the
/// index alone.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ModCases {
    Table,
    Id,
    Status,
    Score,
    Priority,
    TargetType,
    OpenedAt,
    ClaimedById,
    ClaimExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ModFlags {
    Table,
    CaseId,
    Reason,
    Source,
    Outcome,
}

const CASES: &[(&str, &[ModCases])] = &[
    (
        "idx_mod_cases_score_id",
        &[ModCases::Score, ModCases::Id, ModCases::Status],
    ),
    (
        "idx_mod_cases_opened_id",
        &[ModCases::OpenedAt, ModCases::Id, ModCases::Status],
    ),
    (
        "idx_mod_cases_status_priority",
        &[ModCases::Status, ModCases::Priority],
    ),
    // The appeals count: SQLite's statistics know only that most cases are comments, and
    // without this index it read every case to find none.
    (
        "idx_mod_cases_status_type",
        &[ModCases::Status, ModCases::TargetType],
    ),
    (
        "idx_mod_cases_status_opened",
        &[ModCases::Status, ModCases::OpenedAt],
    ),
    (
        "idx_mod_cases_claims",
        &[
            ModCases::ClaimedById,
            ModCases::Status,
            ModCases::ClaimExpiresAt,
        ],
    ),
];
const FLAGS_CASE_REASON: &str = "idx_mod_flags_case_reason";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, cols) in CASES {
            let mut index = Index::create();
            index.name(*name).table(ModCases::Table);
            for col in *cols {
                index.col(*col);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name(FLAGS_CASE_REASON)
                .table(ModFlags::Table)
                .col(ModFlags::CaseId)
                .col(ModFlags::Reason)
                .col(ModFlags::Source)
                .col(ModFlags::Outcome)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(FLAGS_CASE_REASON)
                .table(ModFlags::Table)
                .to_owned(),
        )
        .await?;
        for (name, _) in CASES.iter().rev() {
            m.drop_index(Index::drop().name(*name).table(ModCases::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}

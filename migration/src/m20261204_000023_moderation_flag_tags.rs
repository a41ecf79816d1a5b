use sea_orm_migration::prelude::*;

/// What reasons and sources a case's flags carry, kept on the case (`|r:spam||s:report|`) as
/// its flags arrive, so the queue's reason and source filters read one column of the case
/// instead of looking up its flags for every candidate: at 100,000 open cases, counting a
/// filtered queue probed the flags a thousand and more times. Existing cases are filled in
/// from their flags. The index on (status, priority) gains the tags, so a filtered count
/// reads the index alone.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ModCases {
    Table,
    Status,
    Priority,
    FlagTags,
}

const STATUS_PRIORITY: &str = "idx_mod_cases_status_priority";
const STATUS_PRIORITY_TAGS: &str = "idx_mod_cases_status_priority_tags";

async fn index(m: &SchemaManager<'_>, name: &str, tags: bool) -> Result<(), DbErr> {
    let mut index = Index::create();
    index
        .name(name)
        .table(ModCases::Table)
        .col(ModCases::Status)
        .col(ModCases::Priority);
    if tags {
        index.col(ModCases::FlagTags);
    }
    m.create_index(index.to_owned()).await
}

async fn drop_index(m: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    m.drop_index(Index::drop().name(name).table(ModCases::Table).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ModCases::Table)
                .add_column(
                    ColumnDef::new(ModCases::FlagTags)
                        .text()
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let backend = m.get_database_backend();
        let (p1, p2) = if backend == sea_orm::DatabaseBackend::Postgres {
            ("$1", "$2")
        } else {
            ("?", "?")
        };
        for (prefix, column) in [("r", "reason"), ("s", "source")] {
            let values = db
                .query_all_raw(sea_orm::Statement::from_string(
                    backend,
                    format!("SELECT DISTINCT {column} FROM mod_flags ORDER BY {column}"),
                ))
                .await?;
            for row in values {
                let value: String = row.try_get_by_index(0)?;
                db.execute_raw(sea_orm::Statement::from_sql_and_values(
                    backend,
                    format!(
                        "UPDATE mod_cases SET flag_tags = flag_tags || {p1} WHERE EXISTS \
                         (SELECT 1 FROM mod_flags WHERE mod_flags.case_id = mod_cases.id \
                         AND mod_flags.{column} = {p2})"
                    ),
                    [format!("|{prefix}:{value}|").into(), value.into()],
                ))
                .await?;
            }
        }
        index(m, STATUS_PRIORITY_TAGS, true).await?;
        drop_index(m, STATUS_PRIORITY).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        index(m, STATUS_PRIORITY, false).await?;
        drop_index(m, STATUS_PRIORITY_TAGS).await?;
        m.alter_table(
            Table::alter()
                .table(ModCases::Table)
                .drop_column(ModCases::FlagTags)
                .to_owned(),
        )
        .await
    }
}

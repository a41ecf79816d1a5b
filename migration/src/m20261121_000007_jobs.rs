use sea_orm_migration::prelude::*;

/// The job runtime's SQL store (the embedded default): its tables come from
/// `copydesk-workers`, which owns their layout.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        copydesk_workers::store::sql::create_tables(m.get_connection())
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        copydesk_workers::store::sql::drop_tables(m.get_connection())
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))
    }
}

use sea_orm_migration::prelude::*;

/// The admin engine's saved filters: its table comes from `copydesk-admin`, which owns it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let (table, index) = copydesk_admin::saved_filters::create_table(m.get_database_backend());
        m.create_table(table).await?;
        m.create_index(index).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(copydesk_admin::saved_filters::Entity)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}

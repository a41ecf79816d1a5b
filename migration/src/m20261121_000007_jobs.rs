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
        for t in [
            "worker_jobs",
            "worker_queues",
            "worker_processes",
            "worker_work",
            "worker_signals",
            "worker_stats",
            "worker_status",
            "worker_cron",
        ] {
            m.get_connection()
                .execute_unprepared(&format!("DROP TABLE IF EXISTS {t}"))
                .await?;
        }
        Ok(())
    }
}

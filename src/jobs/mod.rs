//! Background jobs on `copydesk-workers`: typed, named, registered in one list
//! ([`registry`]). Config chooses the store (`jobs.store`: `sql` in the app's own database,
//! or `redis` in Sidekiq's format); on the embedded default the web process also works the
//! jobs (`jobs.in_process`), and `cargo loco task jobs_worker` runs a worker-only process.
use std::{sync::Arc, time::Duration};

use copydesk_workers::{
    Client, Registry, Server, ServerConfig, ServerHandle,
    store::{Store, redis::RedisStore, sql::SqlStore},
};
use loco_rs::app::AppContext;
use tokio::sync::Mutex;

use crate::settings::Settings;

pub mod autosaves;
pub mod images;
pub mod mail;
pub mod moderation;
pub mod outbox;
pub mod publish;
pub mod records;
pub mod send_email;

/// The job client, kept in the app context.
pub struct Jobs {
    pub client: Client,
    /// The in-process server, when this process works jobs.
    pub server: Mutex<Option<ServerHandle>>,
    /// Whether the job store writes to the app's own SQLite database. SQLite has one
    /// writer, so a write transaction held open by the app would block the store's writes:
    /// such a caller must not hold one across a store call.
    pub shares_sqlite_writer: bool,
}

impl Jobs {
    /// The context's job client.
    ///
    /// # Errors
    /// Only if called before boot stored it.
    pub fn get(ctx: &AppContext) -> loco_rs::Result<Arc<Self>> {
        ctx.shared_store
            .get::<Arc<Self>>()
            .ok_or_else(|| loco_rs::Error::string("the job client is not set up"))
    }
}

/// Connects the configured store.
///
/// # Errors
/// Redis unreachable, or an unknown store name.
pub async fn connect(ctx: &AppContext, settings: &Settings) -> loco_rs::Result<Arc<Jobs>> {
    let store: Arc<dyn Store> = match settings.jobs.store.as_str() {
        "sql" => Arc::new(SqlStore::new(ctx.db.clone())),
        "redis" => Arc::new(
            RedisStore::connect(&settings.jobs.redis_url)
                .await
                .map_err(|e| {
                    loco_rs::Error::string(&format!(
                        "jobs: Redis at {}: {e}",
                        settings.jobs.redis_url
                    ))
                })?
                .with_namespace(settings.jobs.redis_namespace.clone()),
        ),
        other => {
            return Err(loco_rs::Error::string(&format!(
                "jobs.store must be sql or redis, not `{other}`"
            )));
        }
    };
    let shares_sqlite_writer =
        settings.jobs.store == "sql" && ctx.db.get_database_backend() == sea_orm::DbBackend::Sqlite;
    Ok(Arc::new(Jobs {
        client: Client::new(store),
        server: Mutex::new(None),
        shares_sqlite_writer,
    }))
}

/// Every job Copydesk runs.
#[must_use]
pub fn registry(ctx: &AppContext) -> Registry {
    Registry::new()
        .register(send_email::SendEmail { ctx: ctx.clone() })
        .register(publish::PublishDuePosts { ctx: ctx.clone() })
        .register(publish::PublishPost { ctx: ctx.clone() })
        .register(publish::UnpublishPost { ctx: ctx.clone() })
        .register(outbox::DrainOutbox { ctx: ctx.clone() })
        .register(autosaves::PruneAutosaves { ctx: ctx.clone() })
        .register(images::ResizeImage { ctx: ctx.clone() })
        .register(moderation::EndLapsedSanctions { ctx: ctx.clone() })
}

/// Starts a server working the jobs in this process.
///
/// # Errors
/// A bad cron expression, or the store refuses the first heartbeat.
pub async fn start_server(
    ctx: &AppContext,
    settings: &Settings,
    jobs: &Jobs,
) -> loco_rs::Result<ServerHandle> {
    let config = ServerConfig {
        concurrency: settings.jobs.concurrency,
        tag: "copydesk".into(),
        poll_interval: Duration::from_secs(settings.jobs.poll_seconds),
        ..ServerConfig::default()
    }
    .with_queues(&["default", "mail"]);
    let server = Server::new(jobs.client.clone(), registry(ctx), config)
        .periodic::<publish::PublishDuePosts>(&settings.jobs.publish_cron, &())
        .and_then(|s| s.periodic::<outbox::DrainOutbox>(&settings.jobs.outbox_cron, &()))
        .and_then(|s| {
            s.periodic::<autosaves::PruneAutosaves>(&settings.jobs.autosave_prune_cron, &())
        })
        .and_then(|s| {
            s.periodic::<moderation::EndLapsedSanctions>(&settings.jobs.moderation_cron, &())
        })
        .map_err(|e| loco_rs::Error::string(&format!("jobs: {e}")))?;
    server
        .start()
        .await
        .map_err(|e| loco_rs::Error::string(&format!("jobs: {e}")))
}

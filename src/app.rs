//! Loco hooks: boot, routes, the rendering layer and the first-start demo.
use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

use async_trait::async_trait;
use axum::{Extension, Router as AxumRouter, middleware, routing::get};
use loco_rs::{
    Result,
    app::{AppContext, Hooks},
    bgworker::Queue,
    boot::{BootResult, ServeParams, StartMode, create_app, shutdown_signal},
    config::Config,
    controller::AppRoutes,
    environment::Environment,
    task::Tasks,
};
use migration::Migrator;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::{
    controllers, demo, jobs,
    settings::Settings,
    tasks,
    views::{
        Web, assets,
        cache::{PageCache, page_cache},
        web,
    },
    web::{
        csrf,
        headers::{HeaderConfig, security_headers},
        input::refuse_nul,
        session,
    },
};

pub struct App;

#[async_trait]
impl Hooks for App {
    fn app_name() -> &'static str {
        env!("CARGO_CRATE_NAME")
    }

    fn app_version() -> String {
        format!(
            "{} ({})",
            env!("CARGO_PKG_VERSION"),
            option_env!("BUILD_SHA").unwrap_or("dev")
        )
    }

    async fn boot(
        mode: StartMode,
        environment: &Environment,
        config: Config,
    ) -> Result<BootResult> {
        create_app::<Self, Migrator>(mode, environment, config).await
    }

    /// Loads the environment's config and makes sure a SQLite database's folder exists.
    async fn load_config(env: &Environment) -> Result<Config> {
        let config = env.load()?;
        ensure_sqlite_folder(&config.database.uri)?;
        Ok(config)
    }

    /// Reads the `settings:` block once, so a bad config fails at start, not on a request;
    /// replaces Loco's SQLite pool with one whose every connection has the same settings.
    async fn after_context(mut ctx: AppContext) -> Result<AppContext> {
        if ctx.db.get_database_backend() == DatabaseBackend::Sqlite {
            let pool = crate::db::connect(&ctx.config.database).await?;
            std::mem::replace(&mut ctx.db, pool).close().await?;
        }
        let settings = Settings::from_config(&ctx.config)?;
        crate::auth::passwords::warm_up(&settings.security);
        if ctx.environment == Environment::Production && !settings.site.base_configured() {
            return Err(loco_rs::Error::string(
                "COPYDESK_BASE_URL is empty: production needs the site's public address",
            ));
        }
        ctx.storage = settings.media.storage()?;
        let jobs = jobs::connect(&ctx, &settings).await?;
        ctx.shared_store.insert(jobs::mail::courier(jobs.clone()));
        ctx.shared_store.insert(jobs);
        ctx.shared_store.insert(Arc::new(settings));
        Ok(ctx)
    }

    fn routes(_ctx: &AppContext) -> AppRoutes {
        AppRoutes::with_default_routes()
            .add_route(controllers::public::routes())
            .add_route(controllers::account_routes())
            .add_route(controllers::admin::session_routes())
            .add_route(crate::admin::routes(controllers::admin::routes()))
            .add_route(controllers::api::routes())
    }

    /// Static files, the 404 fallback, conditional GET and error pages wrap every route.
    async fn after_routes(router: AxumRouter, ctx: &AppContext) -> Result<AxumRouter> {
        let settings = Settings::get(ctx)?;
        let cache = Arc::new(PageCache::new(
            Duration::from_millis(settings.cache.render_ttl_ms),
            2048,
        ));
        let headers = HeaderConfig {
            hsts: settings.security.hsts,
        };
        let web = Arc::new(Web::build(settings)?);
        Ok(router
            .route(&format!("{}/{{*path}}", assets::PREFIX), get(assets::serve))
            .fallback(web::fallback)
            // Innermost first: CSRF needs the session; the cache bypasses any request with a
            // cookie; a NUL in the address is refused before any of them runs.
            .layer(middleware::from_fn_with_state(ctx.clone(), csrf::csrf))
            .layer(middleware::from_fn_with_state(
                ctx.clone(),
                session::load_session,
            ))
            .layer(middleware::from_fn_with_state(cache, page_cache))
            .layer(middleware::from_fn(web::not_modified))
            .layer(middleware::from_fn(refuse_nul))
            .layer(middleware::from_fn(web::error_pages))
            .layer(Extension(web.assets.clone()))
            .layer(Extension(web))
            // Outermost: whatever produced the response (a handler, a refusal, an error
            // page, a framework rejection), it leaves with the security headers.
            .layer(middleware::from_fn_with_state(headers, security_headers)))
    }

    /// Starts the in-process job server; in development (`demo.seed_on_start`) writes the
    /// demo on a first start. Where to look is printed once the server listens ([`Self::serve`]).
    async fn before_run(ctx: &AppContext) -> Result<()> {
        let settings = Settings::get(ctx)?;
        if settings.jobs.in_process {
            let jobs = jobs::Jobs::get(ctx)?;
            let handle = jobs::start_server(ctx, &settings, &jobs).await?;
            *jobs.server.lock().await = Some(handle);
        }
        if !settings.demo.seed_on_start {
            return Ok(());
        }
        if demo::is_empty(&ctx.db).await? {
            let report = demo::seed(&ctx.db, &settings).await?;
            demo::seed_failing_mail(ctx).await?;
            crate::demo_images::seed(ctx).await?;
            println!(
                "\nCopydesk demo: {} posts, {} tags, {} comments, {} files, {} people and {} moderation records written.",
                report.posts,
                report.tags,
                report.comments,
                report.media,
                report.users,
                report.moderation
            );
        }
        Ok(())
    }

    /// Listens where `--port`/`--binding` (or `server:`) say, records the address bound so
    /// links follow it when no base URL is configured, and prints where to open the site.
    async fn serve(app: AxumRouter, ctx: &AppContext, params: &ServeParams) -> Result<()> {
        let listener =
            tokio::net::TcpListener::bind(format!("{}:{}", params.binding, params.port)).await?;
        let settings = Settings::get(ctx)?;
        let bound = settings.site.record_bound(listener.local_addr()?);
        println!(
            "{}",
            crate::start::message(&ctx.db, &ctx.environment, &settings, &bound).await?
        );
        let shutdown_ctx = ctx.clone();
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down...");
            Self::on_shutdown(&shutdown_ctx).await;
        })
        .await?;
        Ok(())
    }

    /// Lets running jobs finish (or requeues them) before the process exits.
    async fn on_shutdown(ctx: &AppContext) {
        if let Ok(jobs) = jobs::Jobs::get(ctx)
            && let Some(handle) = jobs.server.lock().await.take()
            && let Err(e) = handle.shutdown().await
        {
            tracing::error!(error = %e, "job server shutdown");
        }
    }

    async fn connect_workers(_ctx: &AppContext, _queue: &Queue) -> Result<()> {
        Ok(())
    }

    fn register_tasks(tasks: &mut Tasks) {
        tasks.register(tasks::seed_demo::SeedDemo);
        tasks.register(tasks::create_admin::CreateAdmin);
        tasks.register(tasks::jobs_worker::JobsWorker);
        tasks.register(tasks::seed_bench::SeedBench);
    }

    /// Empties every table, children first.
    async fn truncate(ctx: &AppContext) -> Result<()> {
        // The audit log is append-only and is not emptied.
        for table in [
            "comments",
            "post_tags",
            "media_variants",
            "media",
            "posts",
            "tags",
            "sessions",
            "login_attempts",
            "user_tokens",
            "api_tokens",
            "mail_outbox",
            "users",
        ] {
            ctx.db
                .execute_raw(Statement::from_string(
                    ctx.db.get_database_backend(),
                    format!("DELETE FROM {table}"),
                ))
                .await?;
        }
        Ok(())
    }

    async fn seed(ctx: &AppContext, _base: &Path) -> Result<()> {
        let settings = Settings::get(ctx)?;
        demo::seed(&ctx.db, &settings).await?;
        Ok(())
    }
}

/// SQLite creates its file but not the folder it lives in; a fresh checkout has no `data/`.
fn ensure_sqlite_folder(uri: &str) -> Result<()> {
    let Some(rest) = uri.strip_prefix("sqlite://") else {
        return Ok(());
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(())
}

use loco_rs::{
    app::AppContext,
    task::{Task, TaskInfo, Vars},
};

use crate::{jobs, settings::Settings};

/// `cargo loco task jobs_worker`: a worker-only process (no web server), for scale. Stops
/// gracefully on Ctrl-C or SIGTERM, finishing or requeueing its running jobs.
pub struct JobsWorker;

#[async_trait::async_trait]
impl Task for JobsWorker {
    fn task(&self) -> TaskInfo {
        TaskInfo {
            name: "jobs_worker".to_string(),
            detail: "Work background jobs until stopped".to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, _vars: &Vars) -> loco_rs::Result<()> {
        let settings = Settings::get(ctx)?;
        let jobs = jobs::Jobs::get(ctx)?;
        let handle = jobs::start_server(ctx, &settings, &jobs).await?;
        println!(
            "jobs worker {} running on the {} store; Ctrl-C to stop",
            handle.identity(),
            settings.jobs.store
        );
        loco_rs::boot::shutdown_signal().await;
        handle.shutdown().await.map_err(loco_rs::Error::wrap)
    }
}

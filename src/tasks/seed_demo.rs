use loco_rs::{
    app::AppContext,
    task::{Task, TaskInfo, Vars},
};

/// `cargo loco task seed_demo`: writes whatever part of the demo content is missing.
pub struct SeedDemo;

#[async_trait::async_trait]
impl Task for SeedDemo {
    fn task(&self) -> TaskInfo {
        TaskInfo {
            name: "seed_demo".to_string(),
            detail: "Write the demo publication's missing users, tags, posts and comments"
                .to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, _vars: &Vars) -> loco_rs::Result<()> {
        let report = crate::demo::seed(&ctx.db).await?;
        println!(
            "demo: {} users, {} tags, {} posts, {} comments written",
            report.users, report.tags, report.posts, report.comments
        );
        Ok(())
    }
}

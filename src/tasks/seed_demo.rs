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
            detail: "Write the demo publication's missing users, tags, posts, comments, files and moderation queue"
                .to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, _vars: &Vars) -> loco_rs::Result<()> {
        let settings = crate::settings::Settings::get(ctx)?;
        let report = crate::demo::seed(&ctx.db, &settings).await?;
        let images = crate::demo_images::seed(ctx).await?;
        println!(
            "demo: {} users, {} tags, {} posts, {} comments, {} files, {} moderation records and {images} images written",
            report.users,
            report.tags,
            report.posts,
            report.comments,
            report.media,
            report.moderation
        );
        if report.users > 0 {
            println!("demo accounts (password {}):", crate::demo::DEMO_PASSWORD);
            for (role, email) in crate::demo::logins(&ctx.db).await? {
                println!("  {role:<10} {email}");
            }
        }
        Ok(())
    }
}

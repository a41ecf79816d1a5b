use loco_rs::{
    app::AppContext,
    task::{Task, TaskInfo, Vars},
};

use crate::models::users::PasswordChange;
use crate::{
    auth::{RequestMeta, tokens},
    models::{
        audit,
        users::{self, UserForm},
    },
    settings::Settings,
};

/// `cargo loco task create_admin email:ada@example.com [name:"Ada Lovelace"]`: creates an
/// admin and prints a one-time password (to be changed at `/account`).
pub struct CreateAdmin;

#[async_trait::async_trait]
impl Task for CreateAdmin {
    fn task(&self) -> TaskInfo {
        TaskInfo {
            name: "create_admin".to_string(),
            detail: "Create an admin account: email:… [name:…]; prints a one-time password"
                .to_string(),
        }
    }

    async fn run(&self, ctx: &AppContext, vars: &Vars) -> loco_rs::Result<()> {
        let email = vars.cli_arg("email")?.to_string();
        let name = vars.cli_arg("name").map_or_else(
            |_| email.split('@').next().unwrap_or("Admin").to_string(),
            ToString::to_string,
        );
        let settings = Settings::get(ctx)?;
        let form = UserForm {
            email: email.clone(),
            display_name: name,
            bio: String::new(),
            role: "admin".into(),
        };
        let password = tokens::random_token()[..20].to_string();
        let meta = RequestMeta::system("create_admin task");
        let txn = crate::db::begin_write(&ctx.db).await?;
        let user = users::Model::create_user(&txn, &form)
            .await
            .map_err(loco_rs::Error::wrap)?;
        audit::record(
            &txn,
            &meta,
            audit::person_created(
                audit::Who::system("create_admin task"),
                user.id,
                serde_json::json!({"email": user.email, "role": user.role}),
            ),
        )
        .await?;
        txn.commit().await?;
        user.change_password(
            &ctx.db,
            &settings.security,
            &meta,
            PasswordChange {
                current: None,
                new_password: &password,
                keep_session: None,
                action: audit::Action::PasswordSet,
            },
        )
        .await
        .map_err(loco_rs::Error::wrap)?;
        println!(
            "admin {email} created\none-time password: {password}\nsign in at {}/admin/login and change it at /account",
            settings.site.base()
        );
        Ok(())
    }
}

//! What `cargo loco start` prints once the server listens: where to open the site (the
//! address actually bound, so `--port` and `PORT` show), and in development the demo
//! sign-ins.
use loco_rs::environment::Environment;
use sea_orm::DatabaseConnection;

use crate::{demo, models::users, settings::Settings};

/// The start message for a server listening at `bound` (a URL, as
/// [`crate::settings::server_url`] makes it).
///
/// # Errors
/// When the demo accounts cannot be read.
pub async fn message(
    db: &DatabaseConnection,
    environment: &Environment,
    settings: &Settings,
    bound: &str,
) -> Result<String, sea_orm::DbErr> {
    let base = settings.site.base();
    // Production is reached through its public address (often behind a proxy); elsewhere the
    // browser opens the address this process listens on.
    let open = if *environment == Environment::Production {
        base
    } else {
        bound
    };
    let mut out = format!("\nCopydesk is listening on {bound}\nReader site: {open}/\n");
    if base != open {
        out.push_str(&format!(
            "Links in pages, feeds and mail use the configured address {base}.\n"
        ));
    }
    if !settings.demo.seed_on_start {
        out.push_str(&format!("Admin:       {open}/admin/login\n"));
        return Ok(out);
    }
    let logins = demo::logins(db).await?;
    out.push_str(&format!(
        "Admin:       {open}/admin/login  (password of every demo account: {})\n",
        demo::DEMO_PASSWORD
    ));
    for (role, email) in logins {
        out.push_str(&format!("  {role:<10} {email}\n"));
    }
    if users::Model::find_by_email(db, demo::SECOND_MODERATOR)
        .await?
        .is_some()
    {
        out.push_str(&format!(
            "  To work the demo's moderation queue, sign in as {}: the appeal in it is against a\n  silence {} gave, so you may decide it.\n",
            demo::MODERATOR,
            demo::SECOND_MODERATOR
        ));
    }
    if users::Model::find_by_email(db, demo::MISTYPED_ADDRESS)
        .await?
        .is_some()
    {
        out.push_str(&format!(
            "  A mail to the reader Rosa Kettering fails: her address is mistyped ({}). Sign in as\n  support, correct it under People, and retry the job under Jobs → Retries.\n",
            demo::MISTYPED_ADDRESS
        ));
    }
    Ok(out)
}

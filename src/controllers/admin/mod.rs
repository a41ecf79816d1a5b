//! The hand-built admin screens (Jobs, mail outbox, API tokens, a post's revisions) and the person actions the
//! engine's pages post to. [`crate::admin::routes`] mounts them under `/admin` behind the one
//! guard ([`crate::web::guard::admin_guard`]); each route names the capability it needs with
//! [`cap`].
use axum::routing::{get, post};
use loco_rs::prelude::Routes;

use crate::auth::Capability;
// The admin frame and the capability layer, under the names the screens use.
pub use crate::{views::admin::AdminChrome, web::guard::cap};

pub mod board;
pub mod editing;
pub mod jobs;
pub mod media;
pub mod moderation;
pub mod moderation_case;
pub mod moderation_log;
pub mod outbox;
pub mod preview;
pub mod review_comments;
pub mod reviews;
pub mod revisions;
pub mod tokens;
pub mod users;
pub mod workflow;

/// Post `id`, when `actor` may see it in the admin (`posts.view` over it): what the post's
/// own screens (revisions, workflow) start from.
///
/// # Errors
/// [`crate::errors::AppError::NotFound`], a refusal, or a database error.
pub async fn visible_post(
    ctx: &loco_rs::app::AppContext,
    actor: &crate::auth::Actor,
    id: i32,
) -> crate::errors::AppResult<crate::models::posts::Model> {
    use sea_orm::EntityTrait;
    let post = crate::models::posts::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(crate::errors::AppError::NotFound)?;
    actor.require_for(Capability::POSTS_VIEW, post.author_id)?;
    Ok(post)
}

/// The hand-built screens' routes, relative to `/admin`. The app hands them to
/// [`crate::admin::routes`], which mounts them beside the engine's behind the one guard.
#[must_use]
pub fn routes() -> Routes {
    Routes::new()
        .add(
            "/users/{id}/unlock",
            cap(Capability::MANAGE_USERS, post(users::unlock)),
        )
        .add(
            "/users/{id}/invitation",
            cap(Capability::USERS_ADD, post(users::resend_invitation)),
        )
        .add(
            "/tokens",
            cap(Capability::API_TOKENS_VIEW, get(tokens::index))
                .merge(cap(Capability::API_TOKENS_ADD, post(tokens::create))),
        )
        .add(
            "/tokens/{id}/revoke",
            cap(Capability::API_TOKENS_DELETE, post(tokens::revoke)),
        )
        .add(
            "/posts/{id}/revisions",
            cap(Capability::POSTS_VIEW, get(revisions::index)),
        )
        .add(
            "/posts/{id}/revisions/compare",
            cap(Capability::POSTS_VIEW, get(revisions::compare)),
        )
        .add(
            "/posts/{id}/revisions/{number}/restore",
            cap(Capability::POSTS_CHANGE, post(revisions::restore)),
        )
        .add(
            "/posts/{id}/workflow",
            cap(Capability::POSTS_VIEW, get(workflow::show))
                .merge(cap(Capability::POSTS_VIEW, post(workflow::step))),
        )
        .add(
            "/posts/{id}/workflow/take",
            cap(Capability::REVIEW, post(workflow::take)),
        )
        .add("/reviews", cap(Capability::POSTS_VIEW, get(reviews::index)))
        .add("/board", cap(Capability::POSTS_VIEW, get(board::index)))
        .add(
            "/posts/{id}/comments",
            cap(Capability::POSTS_VIEW, post(review_comments::add)),
        )
        .add(
            "/posts/{id}/comments/{comment}/resolve",
            cap(Capability::POSTS_VIEW, post(review_comments::resolve)),
        )
        .add(
            "/posts/{id}/lock",
            cap(Capability::POSTS_CHANGE, post(editing::heartbeat)),
        )
        .add(
            "/posts/{id}/lock/release",
            cap(Capability::POSTS_CHANGE, post(editing::release)),
        )
        .add(
            "/posts/{id}/lock/take",
            // Editors and admins, who change every post (the model checks that too).
            cap(Capability::PUBLISH, post(editing::take_over)),
        )
        .add(
            "/posts/{id}/autosave",
            cap(Capability::POSTS_CHANGE, post(editing::autosave)),
        )
        .add(
            "/posts/{id}/autosave/restore",
            cap(Capability::POSTS_CHANGE, post(editing::restore)),
        )
        .add(
            "/posts/{id}/autosave/discard",
            cap(Capability::POSTS_CHANGE, post(editing::discard)),
        )
        .add(
            "/posts/{id}/preview",
            cap(Capability::POSTS_VIEW, get(preview::show)),
        )
        .add(
            "/posts/{id}/preview-link",
            cap(Capability::POSTS_VIEW, post(preview::create_link)),
        )
        .add(
            media::UPLOAD_URL.trim_start_matches("/admin"),
            cap(Capability::MEDIA_ADD, get(media::form)).merge(cap(
                Capability::MEDIA_ADD,
                // The CSRF layer has read the body within `media.max_upload_bytes`
                // (and the handler counts the file's bytes itself).
                post(media::upload).layer(axum::extract::DefaultBodyLimit::disable()),
            )),
        )
        .add(
            "/media/{id}/resize",
            cap(Capability::MEDIA_CHANGE, post(media::resize)),
        )
        .add(
            "/moderation",
            cap(Capability::MODERATE, get(moderation::index)),
        )
        .add(
            "/moderation/bulk",
            cap(Capability::MODERATE, post(moderation::bulk)),
        )
        .add(
            "/moderation/live",
            cap(Capability::MODERATE, get(moderation::stream)),
        )
        .add(
            "/moderation/claim-next",
            cap(Capability::MODERATE, post(moderation::claim_next)),
        )
        .add(
            "/moderation/step",
            cap(Capability::MODERATE, get(moderation_case::step)),
        )
        .add(
            "/moderation/log",
            cap(Capability::MODERATE, get(moderation_log::index)),
        )
        .add(
            "/moderation/cases/{id}",
            cap(Capability::MODERATE, get(moderation_case::show)),
        )
        .add(
            "/moderation/cases/{id}/claim",
            cap(Capability::MODERATE, post(moderation_case::claim)),
        )
        .add(
            "/moderation/cases/{id}/release",
            cap(Capability::MODERATE, post(moderation_case::release)),
        )
        .add(
            "/moderation/cases/{id}/assign",
            cap(Capability::MODERATE, post(moderation_case::assign)),
        )
        .add(
            "/moderation/cases/{id}/decide",
            cap(Capability::MODERATE, post(moderation_case::decide)),
        )
        .add(
            "/moderation/cases/{id}/sanction",
            cap(Capability::MODERATE, post(moderation_case::sanction)),
        )
        .add(
            "/moderation/cases/{id}/appeal",
            cap(Capability::MODERATE, post(moderation_case::decide_appeal)),
        )
        .add("/outbox", cap(Capability::OUTBOX_VIEW, get(outbox::index)))
        .add(
            "/outbox/{id}",
            cap(Capability::OUTBOX_VIEW, get(outbox::show)),
        )
        .add(
            "/outbox/{id}/retry",
            cap(Capability::RETRY_JOBS, post(outbox::retry)),
        )
        .add("/jobs", cap(Capability::JOBS_VIEW, get(jobs::dashboard)))
        .add("/jobs/busy", cap(Capability::JOBS_VIEW, get(jobs::busy)))
        .add(
            "/jobs/stats",
            cap(Capability::JOBS_VIEW, get(jobs::stats_fragment)),
        )
        .add(
            "/jobs/queues/{name}",
            cap(Capability::JOBS_VIEW, get(jobs::queue)),
        )
        .add(
            "/jobs/queues/{name}/clear",
            cap(Capability::RETRY_JOBS, post(jobs::clear_queue)),
        )
        .add(
            "/jobs/queues/{name}/delete",
            cap(Capability::RETRY_JOBS, post(jobs::delete_queued)),
        )
        .add("/jobs/mine", cap(Capability::JOBS_VIEW, get(jobs::mine)))
        .add(
            "/jobs/mine/retry",
            cap(Capability::RETRY_JOBS, post(jobs::retry_mine)),
        )
        .add(
            "/jobs/processes/{identity}/{signal}",
            cap(Capability::RETRY_JOBS, post(jobs::signal)),
        )
        .add("/jobs/{set}", cap(Capability::JOBS_VIEW, get(jobs::list)))
        .add(
            "/jobs/{set}/actions",
            cap(Capability::RETRY_JOBS, post(jobs::act)),
        )
        .add(
            "/jobs/{set}/group",
            cap(Capability::RETRY_JOBS, post(jobs::retry_group)),
        )
        .add(
            "/jobs/{set}/{score}/{jid}/edit",
            cap(Capability::RETRY_JOBS, post(jobs::retry_edited)),
        )
        .add(
            "/jobs/{set}/all",
            cap(Capability::RETRY_JOBS, get(jobs::confirm_all))
                .merge(cap(Capability::RETRY_JOBS, post(jobs::all))),
        )
        .add(
            "/jobs/{set}/{score}/{jid}",
            cap(Capability::JOBS_VIEW, get(jobs::detail)),
        )
}

/// Sign-in and sign-out for staff: outside the guard.
#[must_use]
pub fn session_routes() -> Routes {
    Routes::new()
        .prefix("/admin")
        .add(
            "/login",
            get(super::auth::login_form).post(super::auth::login),
        )
        .add("/logout", post(super::auth::logout))
}

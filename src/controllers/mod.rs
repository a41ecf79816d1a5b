//! HTTP handlers, thin: extract, authorize, call one model method, render.
pub mod account;
pub mod admin;
pub mod api;
pub mod appeal_link;
pub mod auth;
pub mod invitation;
pub mod public;

use axum::routing::{get, post};
use loco_rs::prelude::Routes;

/// Sign-in, sign-up, password reset and the account page for readers (staff use them too).
#[must_use]
pub fn account_routes() -> Routes {
    Routes::new()
        .add("/login", get(auth::login_form).post(auth::login))
        .add("/logout", post(auth::logout))
        .add("/signup", get(auth::signup_form).post(auth::signup))
        .add("/verify/{token}", get(auth::verify))
        .add(
            "/password/forgot",
            get(auth::forgot_form).post(auth::forgot),
        )
        .add(
            "/password/reset/{token}",
            get(auth::reset_form).post(auth::reset),
        )
        .add(
            "/invitation/{token}",
            get(invitation::show).post(invitation::accept),
        )
        .add("/account", get(account::show))
        .add("/account/profile", post(account::update_profile))
        .add("/account/password", post(account::change_password))
        .add(
            "/account/notifications",
            post(account::choose_notifications),
        )
        .add("/account/verification", post(account::resend_verification))
        .add("/account/appeals", post(account::appeal))
        .add(
            "/appeal/{token}",
            get(appeal_link::show).post(appeal_link::file),
        )
        .add("/moderation", get(admin::moderation_log::transparency))
}

//! `/account`: anyone signed in changes their name, bio and password here.
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use serde::Deserialize;
use serde_json::json;

use crate::{
    actor::{Actor, RequestMeta, Via},
    errors::{AppError, AppResult},
    models::{
        mail, notifications, sessions,
        users::{AccountError, ProfileError, ProfileForm},
    },
    views::{
        Web,
        auth::{AccountPage, MailStatus, NoticeChoice, StandingRow},
        forms::{FieldErrors, field_errors},
        web::CachePolicy,
    },
    web::{
        session::set_cookie,
        signin::{self, PasswordChangeError},
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    welcome: Option<String>,
}

async fn view(
    ctx: &AppContext,
    actor: &Actor,
    profile: &ProfileForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> AppResult<AccountPage> {
    let off = notifications::opted_out(&ctx.db, actor.user.id).await?;
    let notices = notifications::Kind::for_role(actor.role())
        .into_iter()
        .map(|k| NoticeChoice {
            kind: k.as_str(),
            label: k.label(),
            on: !off.contains(&k),
        })
        .collect();
    Ok(AccountPage {
        title: "Your account",
        csrf: actor.csrf().to_string(),
        email: actor.user.email.clone(),
        verified: actor.user.email_verified_at.is_some(),
        role: actor.user.role.clone(),
        staff: actor.role() != crate::models::users::Role::Member,
        display_name: profile.display_name.clone(),
        bio: profile.bio.clone(),
        errors,
        notice,
        mail: None,
        notices,
        time_zone: profile
            .time_zone
            .clone()
            .unwrap_or_else(|| actor.user.time_zone.clone()),
        site_zone: settings_zone(ctx),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        standing: standing(ctx, &actor.user).await?,
        appeal_text: String::new(),
        appeal_action: "/account/appeals".into(),
        silenced: silenced(ctx, &actor.user).await?,
    })
}

/// "You cannot comment until …", when `user` is silenced.
pub(crate) async fn silenced(
    ctx: &AppContext,
    user: &crate::models::users::Model,
) -> AppResult<Option<String>> {
    Ok(
        crate::models::moderation::sanctions::silenced_until(&ctx.db, user.id)
            .await?
            .map(|until| match until {
                Some(t) => format!(
                    "You cannot comment until {}.",
                    crate::views::time::show(settings_tz(ctx, user), t)
                ),
                None => "You cannot comment until a moderator lifts the silence.".to_string(),
            }),
    )
}

/// The person's sanctions and removals, each with its appeal.
pub(crate) async fn standing(
    ctx: &AppContext,
    user: &crate::models::users::Model,
) -> AppResult<Vec<StandingRow>> {
    use crate::models::moderation::{appeals, sanctions};
    let settings = crate::settings::Settings::get(ctx)?;
    let tz = settings.editorial.tz_for(user);
    let s = appeals::standing(&ctx.db, &settings.moderation, user.id).await?;
    let appeal_words = |a: &Option<appeals::Appeal>| {
        a.as_ref().map(|a| match a.status.as_str() {
            "pending" => "Your appeal is waiting for a moderator.".to_string(),
            "upheld" => "Your appeal was upheld: the action was undone.".to_string(),
            _ => "Your appeal was denied.".to_string(),
        })
    };
    let mut rows: Vec<StandingRow> = s
        .sanctions
        .iter()
        .map(|(x, a, open)| StandingRow {
            kind: "sanction",
            id: x.id,
            what: format!(
                "You were {}{}{}",
                sanctions::Kind::parse(&x.kind).map_or(x.kind.as_str(), |k| k.past()),
                match x.ends_at {
                    Some(t) if x.kind != "warn" =>
                        format!(" until {}", crate::views::time::show(tz, t)),
                    _ => String::new(),
                },
                if x.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", x.reason)
                },
            ),
            at: crate::views::time::show(tz, x.created_at),
            strike: sanctions::counts(x),
            strike_note: if x.lifted_at.is_some() {
                "Lifted; it no longer counts.".into()
            } else if sanctions::counts(x) {
                format!(
                    "A strike until {}.",
                    crate::views::time::show(tz, x.strike_expires_at)
                )
            } else {
                "Expired; it no longer counts.".into()
            },
            appeal_status: appeal_words(a),
            appeal_note: a
                .as_ref()
                .map(|a| a.decision_note.clone())
                .unwrap_or_default(),
            may_appeal: *open,
        })
        .collect();
    rows.extend(s.removals.iter().map(|(c, a, open)| {
        StandingRow {
            kind: "removal",
            id: c.id,
            what: format!(
                "A moderator removed your {} (kept for the record; readers no longer see it)",
                c.target_type
            ),
            at: c
                .decided_at
                .map(|t| crate::views::time::show(tz, t))
                .unwrap_or_default(),
            strike: false,
            strike_note: String::new(),
            appeal_status: appeal_words(a),
            appeal_note: a
                .as_ref()
                .map(|a| a.decision_note.clone())
                .unwrap_or_default(),
            may_appeal: *open,
        }
    }));
    Ok(rows)
}

/// An appeal as its form sends it (the account page's, or the appeal link's).
#[derive(Debug, Deserialize)]
pub struct AppealPost {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) id: i32,
    #[serde(default)]
    pub(crate) text: String,
}

impl AppealPost {
    /// The model's form, and the field key its text error shows under.
    pub(crate) fn form(&self) -> (crate::models::moderation::appeals::AppealForm, String) {
        (
            crate::models::moderation::appeals::AppealForm {
                sanction_id: (self.kind == "sanction").then_some(self.id),
                case_id: (self.kind == "removal").then_some(self.id),
                text: self.text.clone(),
            },
            format!("appeal_{}_{}", self.kind, self.id),
        )
    }
}

/// `POST /account/appeals`: the person appeals a sanction on them or a removal of their
/// content; it joins the moderation queue.
pub async fn appeal(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Form(f): Form<AppealPost>,
) -> AppResult<Response> {
    use crate::models::{WriteError, moderation::appeals};
    let (form, text_key) = f.form();
    match appeals::file(&ctx.db, &actor, &meta, &web.settings.moderation, &form).await {
        Ok(_) => Ok(Redirect::to("/account?saved=appeal#moderation").into_response()),
        Err(WriteError::Field { field, message }) => {
            let mut errors = FieldErrors::new();
            let key = if field == "text" {
                text_key
            } else {
                "appeal".to_string()
            };
            errors.insert(key, message);
            let profile = ProfileForm {
                display_name: actor.user.display_name.clone(),
                bio: actor.user.bio.clone(),
                time_zone: None,
            };
            let mut page = view(&ctx, &actor, &profile, errors, None).await?;
            page.appeal_text = f.text;
            web.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "auth/account.html",
                &page,
                CachePolicy::NoStore,
            )
        }
        Err(WriteError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(crate::controllers::admin::moderation::failed(e)),
    }
}

/// The person's zone (their own, else the site's).
fn settings_tz(ctx: &AppContext, user: &crate::models::users::Model) -> chrono_tz::Tz {
    crate::settings::Settings::get(ctx).map_or(chrono_tz::UTC, |s| s.editorial.tz_for(user))
}

/// The site's zone name, as the account page offers it for "the site's".
fn settings_zone(ctx: &AppContext) -> String {
    crate::settings::Settings::get(ctx).map_or_else(
        |_| "UTC".to_string(),
        |s| s.editorial.tz().name().to_string(),
    )
}

/// The delivery of the newest mail to `email`, in plain words, if there is one.
async fn mail_status(ctx: &AppContext, email: &str) -> AppResult<Option<MailStatus>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let Some(row) = mail::Entity::find()
        .filter(mail::Column::ToAddress.eq(email))
        .order_by_desc(mail::Column::Id)
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    let (state, error) = match crate::jobs::mail::delivery_state(ctx, row.id).await? {
        Some((word, error)) => (word.to_string(), error),
        None => (row.status.clone(), None),
    };
    Ok(Some(MailStatus {
        subject: row.subject,
        state,
        error,
    }))
}

/// `POST /account/verification`: mails a new confirmation link.
pub async fn resend_verification(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
) -> AppResult<Response> {
    if actor.user.email_verified_at.is_none() {
        super::auth::send_verification(&ctx, &web, &actor.user).await?;
    }
    Ok(Redirect::to("/account?saved=resent").into_response())
}

/// `GET /account`: profile and password forms, and how the newest mail to the person is
/// doing (waiting, sending, sent, failed and why).
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(q): Query<AccountQuery>,
) -> AppResult<Response> {
    let profile = ProfileForm {
        display_name: actor.user.display_name.clone(),
        bio: actor.user.bio.clone(),
        time_zone: Some(actor.user.time_zone.clone()),
    };
    let notice = match (q.saved.as_deref(), q.welcome.is_some()) {
        (Some("profile"), _) => Some("Your profile is saved."),
        (Some("password"), _) => {
            Some("Your password is changed. Every other session was signed out.")
        }
        (Some("resent"), _) => Some("We are sending you a new confirmation link."),
        (Some("notifications"), _) => Some("Your mail choices are saved."),
        (Some("appeal"), _) => Some(
            "Your appeal is sent. A moderator other than the one who acted will decide it, and you will be told by mail.",
        ),
        (_, true) => Some("Welcome! We sent you a link to confirm your email address."),
        _ => None,
    };
    let mut v = view(&ctx, &actor, &profile, FieldErrors::new(), notice).await?;
    v.mail = mail_status(&ctx, &actor.user.email).await?;
    web.page(
        StatusCode::OK,
        "auth/account.html",
        &v,
        CachePolicy::NoStore,
    )
}

/// `POST /account/profile`.
pub async fn update_profile(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    match actor.user.update_profile(&ctx.db, &meta, &form).await {
        Ok(_) => Ok(Redirect::to("/account?saved=profile").into_response()),
        Err(ProfileError::Invalid(e)) => web.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/account.html",
            &view(&ctx, &actor, &form, field_errors(&e), None).await?,
            CachePolicy::NoStore,
        ),
        Err(ProfileError::Db(e)) => Err(e.into()),
    }
}

/// `POST /account/notifications`: which notices to mail. A checked box (`<kind>=on`) keeps
/// that kind; every other kind the person can receive is turned off.
pub async fn choose_notifications(
    State(ctx): State<AppContext>,
    actor: Actor,
    meta: RequestMeta,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    let on: Vec<notifications::Kind> = notifications::Kind::ALL
        .iter()
        .copied()
        .filter(|k| form.contains_key(k.as_str()))
        .collect();
    notifications::choose(&ctx.db, &actor.user, &meta, &on).await?;
    Ok(Redirect::to("/account?saved=notifications#notifications-title").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /account/password`: ends the user's other sessions and starts a fresh one here.
pub async fn change_password(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let Via::Session(session) = &actor.via else {
        return Err(AppError::NotFound);
    };
    let cfg = &web.settings.security;
    let result = signin::change_password(
        &ctx,
        &web.settings,
        &actor.user,
        &form.current_password,
        &form.new_password,
        session.id,
        &meta,
    )
    .await;
    let profile = ProfileForm {
        display_name: actor.user.display_name.clone(),
        bio: actor.user.bio.clone(),
        time_zone: Some(actor.user.time_zone.clone()),
    };
    let field = |name: &str, msg: String| FieldErrors::from([(name.to_string(), msg)]);
    match result {
        Ok(user) => {
            // Privileges were re-established: a new session id here too.
            let started =
                sessions::rotate(&ctx.db, Some(session), Some(user.id), &meta, cfg).await?;
            let reset_link = web.absolute("/password/forgot");
            let locals = json!({"name": user.display_name, "reset_link": reset_link, "site_title": web.settings.site.title});
            mail::deliver(&ctx, &user.email, "password_changed", &locals).await?;
            let mut res = Redirect::to("/account?saved=password").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&started.token, cfg.secure_cookies),
            );
            Ok(res)
        }
        Err(PasswordChangeError::Locked { until }) => {
            let message = format!(
                "Too many wrong passwords. Changing your password is paused until {} UTC; try again then.",
                until.format("%H:%M")
            );
            let mut res = web.page(
                StatusCode::TOO_MANY_REQUESTS,
                "auth/account.html",
                &view(
                    &ctx,
                    &actor,
                    &profile,
                    field("current_password", message),
                    None,
                )
                .await?,
                CachePolicy::NoStore,
            )?;
            res.headers_mut()
                .insert(header::RETRY_AFTER, retry_after(until));
            Ok(res)
        }
        Err(PasswordChangeError::Account(AccountError::WrongPassword)) => web.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/account.html",
            &view(
                &ctx,
                &actor,
                &profile,
                field(
                    "current_password",
                    "That is not your current password.".into(),
                ),
                None,
            )
            .await?,
            CachePolicy::NoStore,
        ),
        Err(PasswordChangeError::Account(AccountError::WeakPassword(why))) => web.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth/account.html",
            &view(&ctx, &actor, &profile, field("new_password", why), None).await?,
            CachePolicy::NoStore,
        ),
        Err(PasswordChangeError::Account(AccountError::Db(e))) => Err(e.into()),
        Err(PasswordChangeError::Account(e)) => Err(e.into()),
    }
}

/// `Retry-After` in seconds until `until` (at least 1).
#[must_use]
pub fn retry_after(until: chrono::DateTime<chrono::FixedOffset>) -> HeaderValue {
    let secs = (until - crate::models::now()).num_seconds().max(1);
    HeaderValue::from_str(&secs.to_string()).unwrap_or(HeaderValue::from_static("60"))
}

//! One case: the content now beside the snapshot its first report kept, every flag with
//! what it counted, the stored answer to "why this priority", the author's history, and the
//! forms to claim, assign, decide, sanction (and, for an appeal, uphold or deny). Every form
//! works without JavaScript; each is one call into [`crate::models::moderation`].
use std::sync::Arc;

use axum::{
    Extension, Form,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use loco_rs::app::AppContext;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use super::{
    AdminChrome,
    moderation::{age_words, failed, moderators, reason_choices},
};
use crate::{
    auth::{Actor, RequestMeta, permissions},
    errors::{AppError, AppResult},
    models::{
        _entities::{appeals as appeal_rows, sanctions as sanction_rows},
        WriteError,
        moderation::{
            self, Case, Target,
            appeals::{self, AppealDecision},
            cases, claims,
            decide::{self, DecisionForm},
            flags, inputs, log,
            queue::Filter,
            sanctions::{self, SanctionForm},
        },
        posts, users,
    },
    views::{
        Web,
        admin::moderation::{AppealView, CasePage, Choice, FlagRow, HistoryRow, LogRow},
        flash as flash_cookie,
        forms::FieldErrors,
        time,
        web::CachePolicy,
    },
};

fn case_url(id: i32) -> String {
    format!("/admin/moderation/cases/{id}")
}

async fn found(ctx: &AppContext, id: i32) -> AppResult<Case> {
    cases::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// What a refused form brings back to the page.
#[derive(Default)]
struct Typed {
    errors: FieldErrors,
    note: String,
    message: String,
}

/// The mod log rows of `rows`, with names (the moderator's for staff).
///
/// # Errors
/// Database errors.
pub async fn log_rows(
    ctx: &AppContext,
    rows: &[log::LogRow],
    tz: chrono_tz::Tz,
) -> AppResult<Vec<LogRow>> {
    let ids: Vec<i32> = rows
        .iter()
        .flat_map(|r| [r.moderator_id, r.subject_id])
        .flatten()
        .collect();
    let names = users::display_names(&ctx.db, ids).await?;
    let name = |id: Option<i32>, none: &str| {
        id.map_or_else(
            || none.to_string(),
            |i| {
                names
                    .get(&i)
                    .cloned()
                    .unwrap_or_else(|| format!("person #{i}"))
            },
        )
    };
    Ok(rows
        .iter()
        .map(|r| LogRow {
            id: r.id,
            action: log::ModAction::parse(&r.action)
                .map_or_else(|| r.action.clone(), |a| a.label().to_string()),
            moderator: name(r.moderator_id, "Copydesk (automatic)"),
            target: match r.target_id {
                Some(id) if !r.target_type.is_empty() => format!("{} #{id}", r.target_type),
                _ => String::new(),
            },
            target_url: r.case_id.map(case_url),
            subject: if r.subject_id.is_some() {
                name(r.subject_id, "")
            } else {
                String::new()
            },
            reason: r.reason.clone(),
            note: r.note.clone(),
            at: time::show(tz, r.created_at),
        })
        .collect())
}

async fn render(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    case: &Case,
    flash: Option<String>,
    typed: Typed,
    status: StatusCode,
) -> AppResult<Response> {
    let settings = &web.settings.moderation;
    let tz = web.settings.editorial.tz_for(&actor.user);
    let target = Target::parse(&case.target_type, case.target_id).ok_or(AppError::NotFound)?;
    let all_flags = flags::Entity::find()
        .filter(flags::Column::CaseId.eq(case.id))
        .order_by_asc(flags::Column::Id)
        .all(&ctx.db)
        .await?;
    let current = target.content(&ctx.db).await?;
    let first = all_flags.first();
    let snapshot = first.map(|f| f.snapshot.clone());
    let changed = match (&snapshot, &current) {
        (Some(s), Some(c)) => s != c,
        _ => false,
    };
    let holder = claims::holder(case);
    let mut people: Vec<i32> = all_flags.iter().filter_map(|f| f.reporter_id).collect();
    people.extend(
        [holder, case.assigned_to_id, case.author_id]
            .into_iter()
            .flatten(),
    );
    let names = users::display_names(&ctx.db, people).await?;
    let name = |id: i32| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("person #{id}"))
    };
    let author = match case.author_id {
        Some(id) => users::Entity::find_by_id(id).one(&ctx.db).await?,
        None => None,
    };
    let why = inputs(case)
        .map(|i| (i.explain(), i.formula))
        .unwrap_or_else(|_| ("No score yet.".into(), String::new()));
    // The author's history: their other cases and every sanction.
    let mut history = Vec::new();
    if let Some(a) = &author {
        let earlier = cases::Entity::find()
            .filter(cases::Column::AuthorId.eq(a.id))
            .filter(cases::Column::Id.ne(case.id))
            .order_by_desc(cases::Column::Id)
            .limit(20)
            .all(&ctx.db)
            .await?;
        for c in earlier {
            history.push(HistoryRow {
                what: format!(
                    "Case #{} about {}: {}{}",
                    c.id,
                    if c.target_type == "appeal" {
                        "an appeal".to_string()
                    } else {
                        format!("a {}", c.target_type)
                    },
                    c.status,
                    if c.removed { ", removed" } else { "" }
                ),
                url: Some(case_url(c.id)),
                at: time::show(tz, c.opened_at),
                counts: c.removed,
            });
        }
        for s in sanctions::strikes_of(&ctx.db, a.id).await? {
            history.push(HistoryRow {
                what: format!(
                    "{}{}{}",
                    sanctions::Kind::parse(&s.kind).map_or(s.kind.as_str(), |k| k.past()),
                    if s.reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", s.reason)
                    },
                    if s.lifted_at.is_some() {
                        " (lifted)"
                    } else if sanctions::counts(&s) {
                        " (a strike)"
                    } else {
                        " (expired)"
                    }
                ),
                url: s.case_id.map(case_url),
                at: time::show(tz, s.created_at),
                counts: sanctions::counts(&s),
            });
        }
    }
    let log_rows_raw = log::Entity::find()
        .filter(log::Column::CaseId.eq(case.id))
        .order_by_desc(log::Column::Id)
        .limit(50)
        .all(&ctx.db)
        .await?;
    let appeal = match target {
        Target::Appeal(id) => match appeal_rows::Entity::find_by_id(id).one(&ctx.db).await? {
            Some(a) => Some(appeal_view(ctx, actor, &a).await?),
            None => None,
        },
        _ => None,
    };
    let mods = moderators(ctx).await?;
    let filter = Filter::default();
    let prev = moderation::queue::neighbour(
        &ctx.db,
        &filter,
        actor.user.id,
        settings.target_hours,
        case,
        false,
    )
    .await?;
    let next = moderation::queue::neighbour(
        &ctx.db,
        &filter,
        actor.user.id,
        settings.target_hours,
        case,
        true,
    )
    .await?;
    let (age, overdue) = age_words(case, settings.target_hours);
    let may_sanction = author.as_ref().is_some_and(|a| {
        a.id != actor.user.id && permissions::check_rank(actor.role(), a.role(), None).is_ok()
    });
    let had_flash = flash.is_some();
    let view = CasePage {
        title: format!("Case #{}", case.id),
        admin: AdminChrome::new(actor, "/admin/moderation"),
        flash,
        errors: typed.errors,
        id: case.id,
        kind: case.target_type.clone(),
        target_id: case.target_id,
        public_url: public_url(ctx, target).await?,
        status: case.status.clone(),
        priority: case.priority.clone(),
        score: format!("{:.2}", case.score),
        hidden: case.hidden,
        removed: case.removed,
        why: why.0,
        formula: why.1,
        age,
        overdue,
        lock_version: case.lock_version,
        claimed_by: holder.map(name),
        claim_until: case
            .claim_expires_at
            .filter(|_| holder.is_some())
            .map(|t| time::show(tz, t)),
        mine: holder == Some(actor.user.id),
        held_by_other: holder.is_some_and(|h| h != actor.user.id),
        assigned_to: case.assigned_to_id.map(name),
        changed,
        snapshot: snapshot.filter(|_| changed),
        snapshot_at: first
            .map(|f| time::show(tz, f.created_at))
            .unwrap_or_default(),
        current,
        author: author.as_ref().map_or_else(
            || "a guest (no account)".to_string(),
            |a| a.display_name.clone(),
        ),
        author_id: author.as_ref().map(|a| a.id),
        author_role: author.as_ref().map(|a| a.role.clone()).unwrap_or_default(),
        may_sanction,
        flags: all_flags
            .iter()
            .map(|f| FlagRow {
                id: f.id,
                source: f.source.clone(),
                reason: f.reason.replace('_', " "),
                text: f.text.clone(),
                reporter: match (f.source.as_str(), f.reporter_id) {
                    ("rule", _) => "a rule".into(),
                    ("ai", _) => "AI pre-screening".into(),
                    (_, Some(id)) => name(id),
                    (_, None) => "an anonymous reader".into(),
                },
                points: format!("{:.2}", f.weight * f.accuracy),
                weight: format!("{:.2}", f.weight),
                accuracy: format!("{:.2}", f.accuracy),
                counted: f.counted,
                outcome: f.outcome.clone(),
                at: time::show(tz, f.created_at),
            })
            .collect(),
        history,
        log: log_rows(ctx, &log_rows_raw, tz).await?,
        decision_reasons: reason_choices(
            ctx,
            crate::models::moderation::reasons::Applies::Decision,
        )
        .await?,
        sanction_reasons: reason_choices(
            ctx,
            crate::models::moderation::reasons::Applies::Sanction,
        )
        .await?,
        moderators: mods
            .iter()
            .filter(|m| m.id != actor.user.id)
            .map(|m| {
                Choice::new(
                    &m.id.to_string(),
                    &format!("{} ({})", m.display_name, m.role),
                    "",
                )
            })
            .collect(),
        appeal,
        prev_url: prev.map(case_url),
        next_url: next.map(case_url),
        escalated_for_admin: case.status == "escalated" && actor.role() != users::Role::Admin,
        typed_note: typed.note,
        typed_message: typed.message,
    };
    let res = web.page(
        status,
        "admin/moderation/case.html",
        &view,
        CachePolicy::NoStore,
    )?;
    Ok(flash_cookie::shown(res, had_flash))
}

async fn public_url(ctx: &AppContext, target: Target) -> AppResult<Option<String>> {
    Ok(match target {
        Target::Post(id) => posts::Entity::find_by_id(id)
            .one(&ctx.db)
            .await?
            .map(|p| crate::views::posts::post_url(&p.slug)),
        Target::Comment(id) => {
            match crate::models::comments::Entity::find_by_id(id)
                .one(&ctx.db)
                .await?
            {
                Some(c) => posts::Entity::find_by_id(c.post_id)
                    .one(&ctx.db)
                    .await?
                    .map(|p| format!("{}#comment-{id}", crate::views::posts::post_url(&p.slug))),
                None => None,
            }
        }
        Target::Appeal(_) => None,
    })
}

async fn appeal_view(
    ctx: &AppContext,
    actor: &Actor,
    a: &appeal_rows::Model,
) -> AppResult<AppealView> {
    let original = match a.original_moderator_id {
        Some(id) => users::display_names(&ctx.db, [id])
            .await?
            .remove(&id)
            .unwrap_or_else(|| format!("person #{id}")),
        None => "nobody recorded".into(),
    };
    let (against, against_url) = match (a.sanction_id, a.removal_case_id) {
        (Some(sid), _) => {
            let s = sanction_rows::Entity::find_by_id(sid).one(&ctx.db).await?;
            (
                s.as_ref().map_or_else(
                    || "a sanction".to_string(),
                    |s| {
                        format!(
                            "A {} given {}{}",
                            s.kind,
                            s.created_at.format("%-d %b %Y"),
                            if s.reason.is_empty() {
                                String::new()
                            } else {
                                format!(" for “{}”", s.reason)
                            }
                        )
                    },
                ),
                s.and_then(|s| s.case_id).map(case_url),
            )
        }
        (None, Some(cid)) => (
            "The removal of their content".to_string(),
            Some(case_url(cid)),
        ),
        (None, None) => ("nothing recorded".to_string(), None),
    };
    Ok(AppealView {
        id: a.id,
        text: a.text.clone(),
        snapshot: a.snapshot.clone(),
        status: a.status.clone(),
        against,
        against_url,
        original_moderator: original,
        viewer_acted: a.original_moderator_id == Some(actor.user.id),
        decision_note: a.decision_note.clone(),
    })
}

/// `GET /admin/moderation/cases/{id}`.
pub async fn show(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let case = found(&ctx, id).await?;
    render(
        &ctx,
        &web,
        &actor,
        &case,
        flash_cookie::read(&headers),
        Typed::default(),
        StatusCode::OK,
    )
    .await
}

/// `GET /admin/moderation/next?after=ID` (and `before=`): the neighbouring case in the
/// queue's order, for the keyboard's next and previous.
#[derive(Debug, Deserialize)]
pub struct Step {
    after: Option<i32>,
    before: Option<i32>,
}

pub async fn step(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    Query(s): Query<Step>,
) -> AppResult<Response> {
    let (id, forward) = match (s.after, s.before) {
        (Some(id), _) => (id, true),
        (None, Some(id)) => (id, false),
        _ => return Ok(Redirect::to("/admin/moderation").into_response()),
    };
    let case = found(&ctx, id).await?;
    let to = moderation::queue::neighbour(
        &ctx.db,
        &Filter::default(),
        actor.user.id,
        web.settings.moderation.target_hours,
        &case,
        forward,
    )
    .await?;
    Ok(match to {
        Some(n) => Redirect::to(&case_url(n)).into_response(),
        None => flash_cookie::redirect(
            &case_url(id),
            if forward {
                "That was the last case in the queue."
            } else {
                "That was the first case in the queue."
            },
        ),
    })
}

/// After a write: back to the case with a message, or the page again with the error next
/// to its field.
async fn after(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    id: i32,
    result: Result<String, WriteError>,
    typed: Typed,
) -> AppResult<Response> {
    match result {
        Ok(message) => Ok(flash_cookie::redirect(&case_url(id), &message)),
        Err(WriteError::Field { field, message }) => {
            let mut typed = typed;
            typed.errors.insert(field.to_string(), message);
            let case = found(ctx, id).await?;
            render(
                ctx,
                web,
                actor,
                &case,
                None,
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(WriteError::Stale { .. }) => {
            let mut typed = typed;
            typed.errors.insert(
                "__all__".into(),
                "The case changed since you opened it (a new report, or a colleague acted): nothing was done. Here it is as it stands now."
                    .into(),
            );
            let case = found(ctx, id).await?;
            render(ctx, web, actor, &case, None, typed, StatusCode::CONFLICT).await
        }
        Err(e) => Err(failed(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    lock_version: i32,
}

/// `POST /admin/moderation/cases/{id}/claim`.
pub async fn claim(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<VersionForm>,
) -> AppResult<Response> {
    let settings = &web.settings.moderation;
    let r = claims::claim(&ctx.db, &actor, &meta, settings, id, f.lock_version)
        .await
        .map(|_| {
            format!(
                "You hold this case for {} minutes; each action renews it. Colleagues see your name on it.",
                settings.claim_minutes
            )
        });
    after(&ctx, &web, &actor, id, r, Typed::default()).await
}

/// `POST /admin/moderation/cases/{id}/release`.
pub async fn release(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let r = claims::release(&ctx.db, &actor, &meta, id)
        .await
        .map(|_| "You let go of this case: anyone may claim it.".to_string());
    after(&ctx, &web, &actor, id, r, Typed::default()).await
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assign_to: String,
}

/// `POST /admin/moderation/cases/{id}/assign`.
pub async fn assign(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<AssignForm>,
) -> AppResult<Response> {
    let r = match f.assign_to.parse::<i32>() {
        Ok(to) => {
            match claims::assign(&ctx.db, &actor, &meta, &web.settings.moderation, id, to).await {
                Ok((case, mail)) => {
                    crate::models::mail::dispatch_all(&ctx, mail).await;
                    let who = case
                        .assigned_to_id
                        .map(|_| "your colleague")
                        .unwrap_or("nobody");
                    Ok(format!(
                        "Assigned to {who}: they hold the case now and were told by mail."
                    ))
                }
                Err(e) => Err(e),
            }
        }
        Err(_) => Err(WriteError::field("assign_to", "Choose a colleague.")),
    };
    after(&ctx, &web, &actor, id, r, Typed::default()).await
}

/// `POST /admin/moderation/cases/{id}/decide`.
pub async fn decide(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<DecisionForm>,
) -> AppResult<Response> {
    let typed = Typed {
        note: f.note.clone(),
        message: f.message.clone(),
        ..Typed::default()
    };
    let r = match decide::decide(&ctx.db, &actor, &meta, &web.settings.moderation, id, &f).await {
        Ok(d) => {
            let told = d.mail.len();
            crate::models::mail::dispatch_all(&ctx, d.mail).await;
            let what =
                decide::Decision::parse(&f.decision).map_or("Done", super::moderation::label);
            let mut m = format!("{what}: done.");
            if d.case.status == "closed" {
                m.push_str(" The case is closed.");
            } else if d.case.status == "open" {
                m.push_str(" The case stays open and yours.");
            }
            if told > 0 {
                m.push_str(&format!(" {told} message(s) sent."));
            }
            Ok(m)
        }
        Err(e) => Err(e),
    };
    after(&ctx, &web, &actor, id, r, typed).await
}

#[derive(Debug, Deserialize)]
pub struct SanctionPost {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    days: String,
}

/// `POST /admin/moderation/cases/{id}/sanction`: a sanction on the case's author, linked to
/// the case.
pub async fn sanction(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<SanctionPost>,
) -> AppResult<Response> {
    let case = found(&ctx, id).await?;
    let typed = Typed {
        note: f.note.clone(),
        ..Typed::default()
    };
    let Some(user_id) = case.author_id else {
        return after(
            &ctx,
            &web,
            &actor,
            id,
            Err(WriteError::field(
                "kind",
                "A guest has no account to sanction.",
            )),
            typed,
        )
        .await;
    };
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return after(
                    &ctx,
                    &web,
                    &actor,
                    id,
                    Err(WriteError::field("days", "A whole number of days.")),
                    typed,
                )
                .await;
            }
        },
    };
    let form = SanctionForm {
        kind: f.kind.clone(),
        user_id,
        case_id: Some(id),
        reason: f.reason.clone(),
        note: f.note.clone(),
        days,
    };
    let r = match sanctions::sanction(&ctx.db, &actor, &meta, &web.settings.moderation, &form).await
    {
        Ok(given) => {
            crate::models::mail::dispatch_all(&ctx, given.mail).await;
            let kind =
                sanctions::Kind::parse(&given.sanction.kind).map_or("sanctioned", |k| k.past());
            let mut m = format!("The author was {kind} and told by mail; it counts as a strike.");
            if !given.removed.is_empty() {
                m.push_str(&format!(
                    " The ban removed {} of their comments.",
                    given.removed.len()
                ));
            }
            Ok(m)
        }
        Err(e) => Err(e),
    };
    after(&ctx, &web, &actor, id, r, typed).await
}

/// `POST /admin/moderation/cases/{id}/appeal`: uphold or deny the appeal the case is.
pub async fn decide_appeal(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<i32>,
    Form(f): Form<AppealDecision>,
) -> AppResult<Response> {
    let case = found(&ctx, id).await?;
    let Some(Target::Appeal(appeal_id)) = Target::parse(&case.target_type, case.target_id) else {
        return Err(AppError::NotFound);
    };
    let typed = Typed {
        note: f.note.clone(),
        ..Typed::default()
    };
    let r = match appeals::decide(&ctx.db, &actor, &meta, appeal_id, &f).await {
        Ok((a, mail)) => {
            crate::models::mail::dispatch_all(&ctx, mail).await;
            Ok(if a.status == "upheld" {
                "Appeal upheld: every effect of the original action is undone, and the person was told.".to_string()
            } else {
                "Appeal denied: the action stands, and the person was told why.".to_string()
            })
        }
        Err(e) => Err(e),
    };
    after(&ctx, &web, &actor, id, r, typed).await
}

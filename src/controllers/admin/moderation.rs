//! The moderation queue: every open case, filtered and sorted, with its age against the
//! target time; bulk decisions over a selection or the whole filter, after a confirmation;
//! live counts over server-sent events. Each write is one call into
//! [`crate::models::moderation`].
use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    Extension,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{
        IntoResponse, Redirect, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use loco_rs::app::AppContext;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::AdminChrome;
use crate::{
    auth::{Actor, Capability, RequestMeta},
    errors::{AppError, AppResult},
    models::{
        WriteError,
        moderation::{
            Case, cases, claims,
            decide::{self, Decision, DecisionForm},
            queue::{self, Counts, Filter},
            reasons::{self, Applies},
        },
        now, users,
    },
    views::{
        Web,
        admin::moderation::{CaseRow, Choice, ConfirmPage, FilterField, QueuePage},
        flash as flash_cookie,
        forms::FieldErrors,
        web::CachePolicy,
    },
};

/// Cases per page of the queue.
pub const PER_PAGE: u64 = 50;
/// The most cases one bulk decision over a filter covers.
pub const BULK_LIMIT: u64 = 5000;

#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueQuery {
    #[serde(flatten)]
    pub filter: Filter,
    pub page: Option<u64>,
}

/// How old a case is against the target time: "5 h of 24 h", or "overdue by 3 h".
#[must_use]
pub fn age_words(case: &Case, target_hours: i64) -> (String, bool) {
    let hours = (now() - case.opened_at).num_minutes().max(0) as f64 / 60.0;
    let show = |h: f64| {
        if h < 1.0 {
            format!("{} min", (h * 60.0).round() as i64)
        } else if h < 48.0 {
            format!("{} h", h.round() as i64)
        } else {
            format!("{} days", (h / 24.0).round() as i64)
        }
    };
    let target = target_hours as f64;
    if case.status == "closed" {
        return (format!("{} old, closed", show(hours)), false);
    }
    if hours > target {
        (format!("overdue by {}", show(hours - target)), true)
    } else {
        (format!("{} of {} h", show(hours), target_hours), false)
    }
}

fn short(text: &str, n: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > n {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    } else {
        one_line
    }
}

/// The rows the queue (and the bulk confirmation) show for `cases`, in a fixed number of
/// queries.
///
/// # Errors
/// Database errors.
pub async fn rows(
    ctx: &AppContext,
    actor: &Actor,
    cases: &[Case],
    target_hours: i64,
) -> AppResult<Vec<CaseRow>> {
    let contents = queue::contents(&ctx.db, cases).await?;
    let ids: Vec<i32> = cases.iter().map(|c| c.id).collect();
    let reasons = queue::reasons(&ctx.db, &ids).await?;
    let people: Vec<i32> = cases
        .iter()
        .flat_map(|c| [claims::holder(c), c.author_id])
        .flatten()
        .collect();
    let names = users::display_names(&ctx.db, people).await?;
    let name = |id: i32| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("person #{id}"))
    };
    Ok(cases
        .iter()
        .map(|c| {
            let mut counted: Vec<(String, usize)> = Vec::new();
            let mut sources: Vec<String> = Vec::new();
            for (reason, source) in reasons.get(&c.id).map(Vec::as_slice).unwrap_or(&[]) {
                match counted.iter_mut().find(|(r, _)| r == reason) {
                    Some((_, n)) => *n += 1,
                    None => counted.push((reason.clone(), 1)),
                }
                if !sources.contains(source) {
                    sources.push(source.clone());
                }
            }
            let (age, overdue) = age_words(c, target_hours);
            let holder = claims::holder(c);
            CaseRow {
                id: c.id,
                url: format!("/admin/moderation/cases/{}", c.id),
                kind: c.target_type.clone(),
                excerpt: contents
                    .get(&c.id)
                    .map_or_else(|| "(gone)".to_string(), |t| short(t, 140)),
                author: c.author_id.map_or_else(|| "a guest".to_string(), name),
                reasons: counted
                    .iter()
                    .map(|(r, n)| {
                        let r = r.replace('_', " ");
                        if *n > 1 { format!("{r} ×{n}") } else { r }
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                sources: sources.join(", "),
                score: format!("{:.1}", c.score),
                priority: c.priority.clone(),
                status: c.status.clone(),
                hidden: c.hidden,
                removed: c.removed,
                claimed_by: holder.map(name),
                mine: holder == Some(actor.user.id),
                age,
                overdue,
            }
        })
        .collect())
}

/// The active presets for a decision or sanction form (`applies`), in order, for a select.
///
/// # Errors
/// Database errors.
pub async fn reason_choices(ctx: &AppContext, applies: Applies) -> AppResult<Vec<Choice>> {
    Ok(reasons::list(&ctx.db, applies)
        .await?
        .into_iter()
        .map(|p| Choice::new(&p.label, &p.label, ""))
        .collect())
}

/// The people who moderate, for "claimed by" and "assign to".
///
/// # Errors
/// Database errors.
pub async fn moderators(ctx: &AppContext) -> AppResult<Vec<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::Status.eq(users::UserStatus::Active.as_str()))
        .filter(
            users::Column::Role.is_in(
                users::Role::ALL
                    .iter()
                    .filter(|r| {
                        crate::auth::permissions::grant(**r, Capability::MODERATE).is_some()
                    })
                    .map(|r| r.as_str()),
            ),
        )
        .order_by_asc(users::Column::DisplayName)
        .all(&ctx.db)
        .await?)
}

fn filter_fields(f: &Filter, mods: &[users::Model]) -> Vec<FilterField> {
    let field = |name, label, options: &[(&str, &str)], current: &str| FilterField {
        name,
        label,
        choices: options
            .iter()
            .map(|(v, l)| Choice::new(v, l, current))
            .collect(),
    };
    let mut claimed = vec![
        Choice::new("", "Anyone or nobody", &f.claimed),
        Choice::new("unclaimed", "Nobody (unclaimed)", &f.claimed),
        Choice::new("mine", "Me", &f.claimed),
    ];
    claimed.extend(
        mods.iter()
            .map(|m| Choice::new(&m.id.to_string(), &m.display_name, &f.claimed)),
    );
    vec![
        field(
            "status",
            "Status",
            &[
                ("", "Open and escalated"),
                ("open", "Open"),
                ("escalated", "Escalated"),
                ("closed", "Closed"),
                ("all", "Any"),
            ],
            &f.status,
        ),
        field(
            "kind",
            "Type",
            &[
                ("", "Any"),
                ("comment", "Comments"),
                ("post", "Posts"),
                ("appeal", "Appeals"),
            ],
            &f.kind,
        ),
        field(
            "reason",
            "Reason",
            &[
                ("", "Any"),
                ("spam", "Spam"),
                ("harassment", "Harassment"),
                ("off_topic", "Off-topic"),
                ("illegal", "Illegal"),
                ("other", "Other"),
                ("links", "Rule: links"),
                ("blocked_words", "Rule: blocked words"),
                ("first_comments", "Rule: first comments"),
                ("repeated_text", "Rule: repeated text"),
                ("appeal", "Appeal"),
            ],
            &f.reason,
        ),
        field(
            "source",
            "Source",
            &[
                ("", "Any"),
                ("report", "Reader reports"),
                ("rule", "Rules"),
                ("ai", "AI pre-screening"),
                ("appeal", "Appeals"),
            ],
            &f.source,
        ),
        field(
            "priority",
            "Priority",
            &[
                ("", "Any"),
                ("low", "Low or higher"),
                ("medium", "Medium or higher"),
                ("high", "High"),
            ],
            &f.priority,
        ),
        field(
            "age",
            "Age",
            &[
                ("", "Any"),
                ("overdue", "Past the target time"),
                ("1", "Older than an hour"),
                ("24", "Older than a day"),
                ("168", "Older than a week"),
            ],
            &f.age,
        ),
        FilterField {
            name: "claimed",
            label: "Claimed by",
            choices: claimed,
        },
        field(
            "sort",
            "Sort by",
            &[
                ("", "Score, highest first"),
                ("oldest", "Age, oldest first"),
                ("newest", "Age, newest first"),
            ],
            &f.sort,
        ),
    ]
}

/// The filter as a query string, without the page.
#[must_use]
pub fn query_of(f: &Filter) -> String {
    serde_urlencoded::to_string(f)
        .unwrap_or_default()
        .split('&')
        .filter(|kv| !kv.ends_with('=') && !kv.is_empty())
        .collect::<Vec<_>>()
        .join("&")
}

async fn max_case_id(ctx: &AppContext) -> AppResult<i32> {
    Ok(cases::Entity::find()
        .select_only()
        .column_as(cases::Column::Id.max(), "m")
        .into_tuple::<Option<i32>>()
        .one(&ctx.db)
        .await?
        .flatten()
        .unwrap_or(0))
}

async fn render_queue(
    ctx: &AppContext,
    web: &Web,
    actor: &Actor,
    q: &QueueQuery,
    flash: Option<String>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let settings = &web.settings.moderation;
    let page = q.page.unwrap_or(1).max(1);
    // The rows and the header's counts at once, on two of the pool's connections: together
    // they take as long as the slower, not as long as both (the counts read every open case).
    let listing = async {
        let (cases, total) = if q.filter.is_filtered() {
            // The page and its capped count at once, on two connections.
            let (cases, total) = tokio::try_join!(
                queue::page_rows(
                    &ctx.db,
                    &q.filter,
                    actor.user.id,
                    settings.target_hours,
                    page,
                    PER_PAGE,
                ),
                queue::count_capped(&ctx.db, &q.filter, actor.user.id, settings.target_hours)
            )?;
            (cases, Some(total))
        } else {
            // Unfiltered, the queue is the open cases the header counts: no second count.
            let cases = queue::page_rows(
                &ctx.db,
                &q.filter,
                actor.user.id,
                settings.target_hours,
                page,
                PER_PAGE,
            )
            .await?;
            (cases, None)
        };
        Ok::<_, AppError>((
            rows(ctx, actor, &cases, settings.target_hours).await?,
            total,
        ))
    };
    let header = header_counts(ctx, settings.target_hours);
    let ((case_rows, total), counts, mods, decision_reasons, max_id) = tokio::try_join!(
        listing,
        header,
        moderators(ctx),
        reason_choices(ctx, Applies::Decision),
        max_case_id(ctx)
    )?;
    let (total, capped) = total.unwrap_or_else(|| (u64::try_from(counts.open).unwrap_or(0), false));
    // Past the cap the pager offers the next page while this one is full.
    let pages = if capped {
        if case_rows.len() as u64 == PER_PAGE {
            page + 1
        } else {
            page
        }
        .max(total.div_ceil(PER_PAGE))
    } else {
        total.div_ceil(PER_PAGE).max(1)
    };
    let had_flash = flash.is_some();
    let view = QueuePage {
        title: "Moderation queue".into(),
        admin: AdminChrome::new(actor, "/admin/moderation"),
        flash,
        counts,
        filters: filter_fields(&q.filter, &mods),
        min_score: q
            .filter
            .min_score
            .map(|s| s.to_string())
            .unwrap_or_default(),
        rows: case_rows,
        total,
        page,
        pages,
        capped,
        query: query_of(&q.filter),
        filtered: q.filter.is_filtered(),
        sort_label: match q.filter.sort.as_str() {
            "oldest" => "oldest first",
            "newest" => "newest first",
            _ => "highest score first",
        },
        target_hours: settings.target_hours,
        decision_reasons,
        max_id,
        errors,
    };
    let res = web.page(
        status,
        "admin/moderation/queue.html",
        &view,
        CachePolicy::NoStore,
    )?;
    Ok(flash_cookie::shown(res, had_flash))
}

/// `GET /admin/moderation`.
pub async fn index(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    let flash = flash_cookie::read(&headers);
    render_queue(
        &ctx,
        &web,
        &actor,
        &q,
        flash,
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

fn fields(body: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn one<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /admin/moderation/bulk`: a decision over the ticked cases or over the whole
/// filter. Without `confirmed` it shows what it would do and asks; with it, it does exactly
/// that (the ids confirmed, or the filter up to the highest case id then).
pub async fn bulk(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
    body: Bytes,
) -> AppResult<Response> {
    let f = fields(&body);
    let settings = &web.settings.moderation;
    let query = one(&f, "query").to_string();
    // The queue's own hidden field: one that does not read as a filter is refused rather than
    // taken as "every open case".
    let filter: Filter = serde_urlencoded::from_str(&query).map_err(|_| {
        AppError::BadRequest("the filter of the bulk form is not one the queue made")
    })?;
    let form = DecisionForm {
        decision: one(&f, "decision").to_string(),
        reason: one(&f, "reason").to_string(),
        note: one(&f, "note").to_string(),
        ..DecisionForm::default()
    };
    let back = QueueQuery {
        filter: filter.clone(),
        page: None,
    };
    let decision = match form.check() {
        Ok(d) => d,
        Err(WriteError::Field { field, message }) => {
            let mut errors = FieldErrors::new();
            errors.insert(format!("bulk_{field}"), message);
            return render_queue(
                &ctx,
                &web,
                &actor,
                &back,
                None,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(failed(e)),
    };
    let scope = one(&f, "scope").to_string();
    let max_id: i32 = one(&f, "max_id").parse().unwrap_or(0);
    let ids: Vec<i32> = if scope == "filter" {
        queue::ids(
            &ctx.db,
            &filter,
            actor.user.id,
            settings.target_hours,
            max_id,
            BULK_LIMIT,
        )
        .await?
    } else {
        f.iter()
            .filter(|(k, _)| k == "ids")
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    };
    if ids.is_empty() {
        let mut errors = FieldErrors::new();
        errors.insert(
            "bulk_scope".into(),
            "Tick at least one case, or choose every case matching the filter.".into(),
        );
        return render_queue(
            &ctx,
            &web,
            &actor,
            &back,
            None,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if one(&f, "confirmed") != "yes" {
        let sample_cases = cases::Entity::find()
            .filter(cases::Column::Id.is_in(ids.iter().take(10).copied().collect::<Vec<_>>()))
            .all(&ctx.db)
            .await?;
        let view = ConfirmPage {
            title: "Confirm a bulk decision".into(),
            admin: AdminChrome::new(&actor, "/admin/moderation"),
            decision: decision.as_str().into(),
            decision_label: label(decision).into(),
            reason: form.reason.clone(),
            note: form.note.clone(),
            scope: scope.clone(),
            count: ids.len(),
            ids,
            query,
            max_id,
            sample: rows(&ctx, &actor, &sample_cases, settings.target_hours).await?,
        };
        return web.page(
            StatusCode::OK,
            "admin/moderation/confirm.html",
            &view,
            CachePolicy::NoStore,
        );
    }
    let (tally, mail) = decide::decide_many(&ctx.db, &actor, &meta, settings, &ids, &form)
        .await
        .map_err(failed)?;
    crate::models::mail::dispatch_all(&ctx, mail).await;
    let mut message = format!("{}: {} cases done.", label(decision), tally.done);
    if tally.skipped > 0 {
        message.push_str(&format!(
            " {} left as they were (claimed by a colleague, escalated, an appeal, or gone).",
            tally.skipped
        ));
    }
    let to = if query.is_empty() {
        "/admin/moderation".to_string()
    } else {
        format!("/admin/moderation?{query}")
    };
    Ok(flash_cookie::redirect(&to, &message))
}

/// How a decision is named on buttons and in messages.
#[must_use]
pub const fn label(d: Decision) -> &'static str {
    match d {
        Decision::Keep => "Keep (dismiss the reports)",
        Decision::Remove => "Remove",
        Decision::ReviewedFine => "Reviewed, fine",
        Decision::Escalate => "Escalate to an admin",
    }
}

/// The queue's header counts in this app: the live feed every open queue page listens to,
/// and the newest figures with the [`queue::Marker`] they were computed at.
struct LiveCounts {
    rx: tokio::sync::watch::Receiver<Counts>,
    newest: std::sync::Mutex<Option<(std::time::Instant, queue::Marker, Counts)>>,
}

/// How long counts computed at an unchanged [`queue::Marker`] are shown again: only time
/// moves them then (a claim lapsing, a case passing the target time), and the live feed
/// runs at this pace anyway.
const COUNTS_FRESH: Duration = Duration::from_millis(500);

impl LiveCounts {
    fn remember(&self, marker: queue::Marker, counts: &Counts) {
        if let Ok(mut newest) = self.newest.lock() {
            *newest = Some((std::time::Instant::now(), marker, counts.clone()));
        }
    }

    fn recall(&self, marker: &queue::Marker) -> Option<Counts> {
        let newest = self.newest.lock().ok()?;
        let (at, m, c) = newest.as_ref()?;
        (at.elapsed() < COUNTS_FRESH && m == marker).then(|| c.clone())
    }
}

/// The app's [`LiveCounts`], started on first use: one query every half second feeds every
/// open queue page of this process, whoever else (another process, a job) changed the
/// cases. Kept in the app's shared store, so each app (and each test's) has its own.
fn live(ctx: &AppContext, target_hours: i64) -> Arc<LiveCounts> {
    if let Some(l) = ctx.shared_store.get::<Arc<LiveCounts>>() {
        return l;
    }
    let (tx, rx) = tokio::sync::watch::channel(Counts::default());
    let l = Arc::new(LiveCounts {
        rx,
        newest: std::sync::Mutex::new(None),
    });
    ctx.shared_store.insert(l.clone());
    let db = ctx.db.clone();
    let weak = Arc::downgrade(&l);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            // The app is gone (a test's, or a shut-down context): stop.
            let Some(l) = weak.upgrade() else { return };
            // Nobody listens (the app's own receiver aside): no query.
            if tx.receiver_count() <= 1 {
                continue;
            }
            let fresh = async {
                let marker = queue::marker(&db).await?;
                let c = queue::counts(&db, target_hours).await?;
                Ok::<_, sea_orm::DbErr>((marker, c))
            };
            match fresh.await {
                Ok((marker, c)) => {
                    l.remember(marker, &c);
                    tx.send_if_modified(|old| {
                        if *old == c {
                            false
                        } else {
                            *old = c;
                            true
                        }
                    });
                }
                Err(e) => tracing::warn!(error = %e, "moderation counts"),
            }
        }
    });
    l
}

/// The header's counts for a queue page: those computed less than [`COUNTS_FRESH`] ago at
/// the same [`queue::Marker`] (by another page or the live feed), else counted now. Counting
/// reads every open case's index entry (about 5 ms at 100,000), the marker four index ends.
async fn header_counts(ctx: &AppContext, target_hours: i64) -> AppResult<Counts> {
    let l = live(ctx, target_hours);
    let marker = queue::marker(&ctx.db).await?;
    if let Some(c) = l.recall(&marker) {
        return Ok(c);
    }
    let c = queue::counts(&ctx.db, target_hours).await?;
    l.remember(marker, &c);
    Ok(c)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LiveQuery {
    /// Send the counts once and end (for checks and monitoring).
    once: Option<String>,
}

/// `GET /admin/moderation/live`: the queue's counts as server-sent events, sent when they
/// change (and once at the start).
pub async fn stream(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    _actor: Actor,
    Query(q): Query<LiveQuery>,
) -> AppResult<Response> {
    let rx = live(&ctx, web.settings.moderation.target_hours).rx.clone();
    let first = queue::counts(&ctx.db, web.settings.moderation.target_hours).await?;
    // The first event says where the counts stand; then one per change.
    let once = q.once.is_some();
    let events =
        futures_util::stream::unfold((Some(first), rx), move |(first, mut rx)| async move {
            if let Some(c) = first {
                rx.mark_unchanged();
                return Some((Ok::<Event, Infallible>(counts_event(&c)), (None, rx)));
            }
            if once {
                return None;
            }
            rx.changed().await.ok()?;
            let c = rx.borrow_and_update().clone();
            Some((Ok(counts_event(&c)), (None, rx)))
        });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn counts_event(c: &Counts) -> Event {
    Event::default()
        .event("counts")
        .data(serde_json::to_string(c).unwrap_or_default())
}

/// `POST /admin/moderation/claim-next`: claims the highest case nobody holds and opens it.
pub async fn claim_next(
    State(ctx): State<AppContext>,
    Extension(web): Extension<Arc<Web>>,
    actor: Actor,
    meta: RequestMeta,
) -> AppResult<Response> {
    let settings = &web.settings.moderation;
    let filter = Filter {
        claimed: "unclaimed".into(),
        status: "open".into(),
        ..Filter::default()
    };
    for _ in 0..5 {
        let cases =
            queue::page_rows(&ctx.db, &filter, actor.user.id, settings.target_hours, 1, 1).await?;
        let Some(case) = cases.into_iter().next() else {
            return Ok(flash_cookie::redirect(
                "/admin/moderation",
                "Nothing left to claim: every open case is held by someone.",
            ));
        };
        match claims::claim(&ctx.db, &actor, &meta, settings, case.id, case.lock_version).await {
            Ok(c) => {
                return Ok(
                    Redirect::to(&format!("/admin/moderation/cases/{}", c.id)).into_response()
                );
            }
            Err(WriteError::Stale { .. } | WriteError::Field { .. }) => {}
            Err(e) => return Err(failed(e)),
        }
    }
    Ok(flash_cookie::redirect(
        "/admin/moderation",
        "Colleagues claimed the next cases as you did: try again.",
    ))
}

/// A write refusal the screen did not expect as an error page: a refused permission as
/// such, a missing record as not found, anything else as a bad request.
#[must_use]
pub fn failed(e: WriteError) -> AppError {
    match e {
        WriteError::Auth(e) => AppError::Auth(e),
        WriteError::NotFound => AppError::NotFound,
        WriteError::Db(e) => AppError::Db(e),
        WriteError::Mail(e) => AppError::Loco(e),
        WriteError::Field { .. } | WriteError::Invalid(_) | WriteError::Stale { .. } => {
            AppError::BadRequest("the change was refused")
        }
    }
}

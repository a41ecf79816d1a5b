//! Mail about a post's workflow: to the author when changes are requested, when the post is
//! approved, scheduled and published (by a person or on schedule), and to a stage's
//! reviewers when a post reaches the stage. Each notice is kept in the outbox by the
//! transaction of the step that caused it (so it exists exactly when the step does) and
//! handed to the mail job after the commit; the outbox sweep covers a hand-over that did
//! not happen. Nobody is mailed about their own step, an inactive account gets nothing, and
//! everyone can turn each kind off on `/account` (`notification_opt_outs`).
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, TransactionSession, TransactionTrait,
};
use serde_json::json;

pub use super::_entities::notification_opt_outs::{ActiveModel, Column, Entity, Model};
use super::{audit, mail, now, posts, users};
use crate::{
    actor::{Actor, RequestMeta},
    auth::{Capability, permissions},
    settings::Stage,
};

impl sea_orm::ActiveModelBehavior for ActiveModel {}

string_enum! {
    /// A kind of notice, as a person turns it off.
    pub enum Kind {
        ReviewWaiting => "review_waiting",
        ChangesRequested => "changes_requested",
        Approved => "approved",
        Scheduled => "scheduled",
        Published => "published",
    }
}

impl Kind {
    /// What it is, as the account page's checkbox says it.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::ReviewWaiting => "A post reaches a review stage I may approve",
            Self::ChangesRequested => "A reviewer asks for changes to my post",
            Self::Approved => "My post is approved",
            Self::Scheduled => "My post is scheduled",
            Self::Published => "My post is published",
        }
    }

    /// Whether only staff who hold `review` get it (the others go to a post's author).
    #[must_use]
    pub const fn for_reviewers(self) -> bool {
        matches!(self, Self::ReviewWaiting)
    }

    /// The kinds `role` can receive: the review notice needs `review`, an author's notices
    /// need `posts.change` (someone who cannot write posts has none).
    #[must_use]
    pub fn for_role(role: users::Role) -> Vec<Self> {
        let reviews = permissions::grant(role, Capability::REVIEW).is_some();
        let writes = permissions::grant(role, Capability::POSTS_CHANGE).is_some();
        Self::ALL
            .iter()
            .copied()
            .filter(|k| if k.for_reviewers() { reviews } else { writes })
            .collect()
    }
}

/// The kinds `user_id` turned off.
///
/// # Errors
/// Database errors.
pub async fn opted_out<C: ConnectionTrait>(db: &C, user_id: i32) -> Result<Vec<Kind>, DbErr> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .all(db)
        .await?
        .iter()
        .filter_map(|r| Kind::parse(&r.kind))
        .collect())
}

/// Sets which kinds `user` gets: every kind of `on` is sent, every other kind they can
/// receive is turned off. Audited as `user.notifications` when it changes anything.
///
/// # Errors
/// Database errors; nothing is written then.
pub async fn choose<C: TransactionTrait>(
    db: &C,
    user: &users::Model,
    meta: &RequestMeta,
    on: &[Kind],
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let before = opted_out(&txn, user.id).await?;
    let off: Vec<Kind> = Kind::for_role(user.role())
        .into_iter()
        .filter(|k| !on.contains(k))
        .collect();
    let mut was: Vec<&str> = before.iter().map(|k| k.as_str()).collect();
    let mut now_off: Vec<&str> = off.iter().map(|k| k.as_str()).collect();
    was.sort_unstable();
    now_off.sort_unstable();
    if was == now_off {
        return Ok(());
    }
    Entity::delete_many()
        .filter(Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    for kind in &off {
        ActiveModel {
            user_id: Set(user.id),
            kind: Set(kind.as_str().to_string()),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        meta,
        audit::of(
            audit::Action::UserNotifications,
            audit::Who::user(user),
            user.id,
            Some(json!({"off": was})),
            Some(json!({"off": now_off})),
        ),
    )
    .await?;
    txn.commit().await
}

/// What happened to a post, for its notice.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    pub kind: Kind,
    pub post: &'a posts::Model,
    /// Who took the step, as a name ("Scheduled publishing" for the job).
    pub by: String,
    /// The acting person, who is never mailed about their own step.
    pub by_id: Option<i32>,
    /// The reviewer's note (changes requested).
    pub note: &'a str,
    /// The stage concerned (reached, or where changes were requested).
    pub stage: Option<&'a Stage>,
    /// When the post goes up, or when the stage is due: shown in each recipient's zone.
    pub at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// The site's zone, for recipients who chose none.
    pub site_tz: chrono_tz::Tz,
}

impl Notice<'_> {
    fn subject(&self, when: Option<&str>) -> String {
        let t = &self.post.title;
        match self.kind {
            Kind::ReviewWaiting => format!(
                "Review “{t}”: {}",
                self.stage.map_or("review", |s| s.name.as_str())
            ),
            Kind::ChangesRequested => format!("Changes requested on “{t}”"),
            Kind::Approved => format!("“{t}” is approved"),
            Kind::Scheduled => format!("“{t}” is scheduled for {}", when.unwrap_or("later")),
            Kind::Published => format!("“{t}” is published"),
        }
    }

    fn summary(&self, when: Option<&str>) -> String {
        let (t, by) = (&self.post.title, &self.by);
        let stage = self.stage.map_or("review", |s| s.name.as_str());
        match self.kind {
            Kind::ReviewWaiting => {
                let due = when.map_or(String::new(), |w| format!(" It is due {w}."));
                format!(
                    "{by} sent “{t}” to the “{stage}” stage. It waits for you or another of \
                     the stage's reviewers.{due}"
                )
            }
            Kind::ChangesRequested => match self.stage {
                Some(s) => format!(
                    "{by} asked for changes to “{t}” at the “{}” stage. Their note:",
                    s.name
                ),
                None => format!("{by} asked for changes to “{t}”. Their note:"),
            },
            Kind::Approved => format!(
                "{by} approved “{t}”: it has passed every review stage and is ready to \
                 schedule or publish."
            ),
            Kind::Scheduled => {
                format!("{by} scheduled “{t}” to go up {}.", when.unwrap_or("later"))
            }
            Kind::Published if self.by_id.is_none() => {
                format!("“{t}” went up for readers on schedule.")
            }
            Kind::Published => format!("{by} published “{t}”: it is up for readers."),
        }
    }

    /// The page the notice points to, as a path on the site.
    fn path(&self) -> String {
        match self.kind {
            Kind::Published => crate::views::posts::post_url(&self.post.slug),
            Kind::ReviewWaiting | Kind::ChangesRequested => {
                format!("/admin/posts/{}/workflow", self.post.id)
            }
            _ => format!("/admin/posts/{}", self.post.id),
        }
    }

    fn link_label(&self) -> &'static str {
        match self.kind {
            Kind::ReviewWaiting => "Open the review",
            Kind::ChangesRequested => "See the note and edit the post",
            Kind::Published => "Read it on the site",
            _ => "Open the post",
        }
    }

    fn why(&self) -> &'static str {
        if self.kind.for_reviewers() {
            "you may approve this stage"
        } else {
            "you wrote this post"
        }
    }
}

/// Active people who may approve `stage`: its roles (those that hold `review`) and its named
/// person.
async fn reviewers<C: ConnectionTrait>(db: &C, stage: &Stage) -> Result<Vec<users::Model>, DbErr> {
    let mut cond = sea_orm::Condition::any().add(users::Column::Role.is_in(stage.roles.clone()));
    if let Some(p) = stage.person.as_deref() {
        use sea_orm::sea_query::{Expr, ExprTrait, Func};
        cond = cond.add(
            Expr::expr(Func::lower(Expr::col(users::Column::Email))).eq(p.trim().to_lowercase()),
        );
    }
    Ok(users::Entity::find()
        .filter(users::Column::Status.eq(users::UserStatus::Active.as_str()))
        .filter(cond)
        .all(db)
        .await?
        .into_iter()
        .filter(|u| permissions::grant(u.role(), Capability::REVIEW).is_some())
        .collect())
}

/// Keeps `notice` in the outbox for everyone it concerns who has not turned it off, on `db`
/// (the step's transaction). Returns the messages, for [`mail::dispatch_all`] after the
/// commit.
///
/// # Errors
/// Database errors, or a template that fails to render.
pub async fn queue<C: ConnectionTrait>(
    db: &C,
    notice: &Notice<'_>,
) -> Result<Vec<mail::Model>, DbErr> {
    let to = if notice.kind.for_reviewers() {
        match notice.stage {
            Some(stage) => reviewers(db, stage).await?,
            None => Vec::new(),
        }
    } else {
        users::Entity::find_by_id(notice.post.author_id)
            .filter(users::Column::Status.eq(users::UserStatus::Active.as_str()))
            .all(db)
            .await?
    };
    // Who of them turned this kind off, in one query.
    let off: std::collections::HashSet<i32> = Entity::find()
        .filter(Column::UserId.is_in(to.iter().map(|u| u.id).collect::<Vec<_>>()))
        .filter(Column::Kind.eq(notice.kind.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    let mut queued = Vec::new();
    for person in to {
        if Some(person.id) == notice.by_id
            || !Kind::for_role(person.role()).contains(&notice.kind)
            || off.contains(&person.id)
        {
            continue;
        }
        let zone = person.time_zone.parse().unwrap_or(notice.site_tz);
        let when = notice.at.map(|at| crate::views::time::show(zone, at));
        let locals = json!({
            "kind": notice.kind.as_str(),
            "name": person.display_name,
            "subject": notice.subject(when.as_deref()),
            "summary": notice.summary(when.as_deref()),
            "note": notice.note,
            "link_label": notice.link_label(),
            "url": format!("{}{}", mail::SITE_PLACEHOLDER, notice.path()),
            "account_url": format!("{}/account", mail::SITE_PLACEHOLDER),
            "why": notice.why(),
        });
        let row = mail::store(db, &person.email, "post_notice", &locals, None)
            .await
            .map_err(|e| DbErr::Custom(format!("notice for post {}: {e}", notice.post.id)))?;
        queued.push(row);
    }
    Ok(queued)
}

/// A notice from a person's step on a post, on a site in zone `site_tz`.
#[must_use]
pub fn by_actor<'a>(
    kind: Kind,
    post: &'a posts::Model,
    by: &Actor,
    site_tz: chrono_tz::Tz,
) -> Notice<'a> {
    Notice {
        kind,
        post,
        by: by.user.display_name.clone(),
        by_id: Some(by.user.id),
        note: "",
        stage: None,
        at: None,
        site_tz,
    }
}

//! Sanctions on people: warn, silence (may not comment) for a period, suspend, ban. Each is a
//! strike linked to the case it came from; strikes stop counting when they expire.
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};

use super::log::{self, ModAction};
pub use crate::models::_entities::sanctions::{self as entity, Model as Sanction};
use crate::{
    auth::{Actor, Capability, RequestMeta, permissions},
    models::{
        WriteError, mail, now,
        users::{self, Role, UserStatus},
    },
    settings::Moderation,
};

impl sea_orm::ActiveModelBehavior for entity::ActiveModel {}

string_enum! {
    /// What a sanction does.
    pub enum Kind {
        Warn => "warn",
        Silence => "silence",
        Suspend => "suspend",
        Ban => "ban",
    }
}

/// Until when `user_id` may not comment: the latest end of their silences, suspensions and
/// bans in force (`Some(None)`: until lifted), or `None` when they may comment.
///
/// # Errors
/// Database errors.
pub async fn silenced_until<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
) -> Result<Option<Option<DateTime<FixedOffset>>>, DbErr> {
    let at = now();
    let active = entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .filter(entity::Column::Kind.is_in([
            Kind::Silence.as_str(),
            Kind::Suspend.as_str(),
            Kind::Ban.as_str(),
        ]))
        .filter(entity::Column::LiftedAt.is_null())
        .filter(entity::Column::StartsAt.lte(at))
        .filter(
            Condition::any()
                .add(entity::Column::EndsAt.is_null())
                .add(entity::Column::EndsAt.gt(at)),
        )
        .order_by_desc(entity::Column::EndsAt)
        .all(db)
        .await?;
    if active.is_empty() {
        return Ok(None);
    }
    if active.iter().any(|s| s.ends_at.is_none()) {
        return Ok(Some(None));
    }
    Ok(Some(active.iter().filter_map(|s| s.ends_at).max()))
}

/// A sanction as the case page (or a person's page) sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SanctionForm {
    #[serde(default)]
    pub kind: String,
    pub user_id: i32,
    #[serde(default)]
    pub case_id: Option<i32>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
    /// How many days a silence or suspension lasts (a suspension without: until lifted).
    #[serde(default)]
    pub days: Option<i64>,
}

/// The longest silence or suspension with an end, in days.
pub const MAX_DAYS: i64 = 3650;

impl SanctionForm {
    fn check(&self) -> Result<Kind, WriteError> {
        let kind = Kind::parse(&self.kind)
            .ok_or_else(|| WriteError::field("kind", "Choose warn, silence, suspend or ban."))?;
        if self.reason.trim().is_empty() && self.note.trim().is_empty() {
            return Err(WriteError::field(
                "reason",
                "Give a reason: choose one, or write your own in the note.",
            ));
        }
        for (field, text, max) in [("reason", &self.reason, 120), ("note", &self.note, 2000)] {
            if text.contains('\0') {
                return Err(WriteError::field(
                    field,
                    "Remove the invisible control character (a NUL byte).",
                ));
            }
            if text.trim().chars().count() > max {
                return Err(WriteError::field(
                    field,
                    format!("Keep it under {max} characters."),
                ));
            }
        }
        match (kind, self.days) {
            (Kind::Silence, None) => Err(WriteError::field("days", "Say for how many days.")),
            (Kind::Silence | Kind::Suspend, Some(d)) if !(1..=MAX_DAYS).contains(&d) => Err(
                WriteError::field("days", format!("Between 1 and {MAX_DAYS} days.")),
            ),
            _ => Ok(kind),
        }
    }
}

impl Kind {
    const fn action(self) -> ModAction {
        match self {
            Self::Warn => ModAction::Warn,
            Self::Silence => ModAction::Silence,
            Self::Suspend => ModAction::Suspend,
            Self::Ban => ModAction::Ban,
        }
    }

    /// The account status it puts the person in, if any.
    const fn status(self) -> Option<UserStatus> {
        match self {
            Self::Suspend => Some(UserStatus::Suspended),
            Self::Ban => Some(UserStatus::Banned),
            Self::Warn | Self::Silence => None,
        }
    }

    #[must_use]
    pub const fn past(self) -> &'static str {
        match self {
            Self::Warn => "warned",
            Self::Silence => "silenced",
            Self::Suspend => "suspended",
            Self::Ban => "banned",
        }
    }
}

/// A sanction given, and the mail it sends (dispatch after the commit).
#[derive(Debug)]
pub struct Given {
    pub sanction: Sanction,
    /// Cases whose content a ban removed.
    pub removed: Vec<i32>,
    pub mail: Vec<mail::Model>,
}

/// Sanctions a person for `by` (`moderate`; suspending and banning also `manage_users`),
/// within rank (nobody sanctions someone of higher rank, nor themself, nor the last active
/// admin). Each sanction is a strike that counts until `moderation.strike_days` pass. A
/// suspension or ban changes the account's status, ends its sessions and revokes its API
/// tokens; a ban also removes every comment of theirs readers can see, each logged. The
/// person is told by mail. One transaction.
///
/// # Errors
/// [`WriteError::Field`], [`WriteError::Auth`], [`WriteError::NotFound`], or a database
/// error (nothing written then).
pub async fn sanction<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    settings: &Moderation,
    form: &SanctionForm,
) -> Result<Given, WriteError> {
    by.require(Capability::MODERATE)?;
    let kind = form.check()?;
    if kind.status().is_some() {
        by.require(Capability::MANAGE_USERS)?;
    }
    let txn = crate::db::begin_write(db).await?;
    let person = users::Entity::find_by_id(form.user_id)
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    if person.id == by.user.id {
        return Err(WriteError::field(
            "__all__",
            "You cannot sanction yourself.",
        ));
    }
    if permissions::check_rank(by.role(), person.role(), None).is_err() {
        return Err(WriteError::field(
            "__all__",
            format!(
                "{} outranks you ({}): ask someone of higher rank.",
                person.display_name, person.role
            ),
        ));
    }
    if kind.status().is_some()
        && person.role() == Role::Admin
        && person.status == UserStatus::Active.as_str()
        && users::active_admins(&txn).await? <= 1
    {
        return Err(WriteError::field(
            "__all__",
            "Copydesk needs at least one active admin.",
        ));
    }
    if let Some(case_id) = form.case_id
        && super::cases::Entity::find_by_id(case_id)
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(WriteError::NotFound);
    }
    let at = now();
    let ends_at = match kind {
        Kind::Silence | Kind::Suspend => form.days.map(|d| at + Duration::days(d)),
        Kind::Warn | Kind::Ban => None,
    };
    let sanction = entity::ActiveModel {
        user_id: Set(person.id),
        kind: Set(kind.as_str().to_string()),
        case_id: Set(form.case_id),
        moderator_id: Set(Some(by.user.id)),
        reason: Set(form.reason.trim().to_string()),
        note: Set(form.note.trim().to_string()),
        starts_at: Set(at),
        ends_at: Set(ends_at),
        strike_expires_at: Set(at + Duration::days(settings.strike_days)),
        previous_status: Set(person.status.clone()),
        lifted_at: Set(None),
        lifted_by_id: Set(None),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    log::write(
        &txn,
        meta,
        Some(by),
        "",
        log::Entry::sanctioned(kind.action(), &sanction),
    )
    .await?;
    // The notice below goes to the person as they are after the sanction (a suspended or
    // banned person's carries their appeal link).
    let person = match kind.status() {
        Some(status) => set_status(&txn, &person, status.as_str()).await?,
        None => person,
    };
    let mut removed = Vec::new();
    if kind == Kind::Ban {
        removed = remove_comments_of(&txn, by, meta, &person, &sanction).await?;
    }
    let until = ends_at.map_or_else(
        || "until a moderator lifts it".to_string(),
        |t| format!("until {}", t.format("%-d %b %Y %H:%M UTC")),
    );
    let summary = match kind {
        Kind::Warn => "A moderator has given you a warning. It counts as a strike on your account.".to_string(),
        Kind::Silence => format!("A moderator has silenced your account {until}: you cannot comment until then."),
        Kind::Suspend => format!("A moderator has suspended your account {until}: you cannot sign in until then."),
        Kind::Ban => "A moderator has banned your account: you can no longer sign in, and your comments are hidden.".to_string(),
    };
    let reason = if sanction.reason.is_empty() {
        String::new()
    } else {
        format!(" Reason: {}.", sanction.reason)
    };
    let appeal_until = at + Duration::days(settings.appeal_days);
    let mail = vec![
        super::notice(
            &txn,
            &person,
            &format!("Your account was {}", kind.past()),
            &format!(
                "{summary}{reason} You can appeal until {}{}.",
                appeal_until.format("%-d %b %Y"),
                if kind.status().is_some() {
                    " by the link below, which works without signing in"
                } else {
                    " from your account page"
                }
            ),
            &sanction.note,
            "/account#moderation",
            "Your strikes and appeals",
        )
        .await?,
    ];
    txn.commit().await?;
    Ok(Given {
        sanction,
        removed,
        mail,
    })
}

/// Puts `person` in `status`, signing them out everywhere and revoking their API tokens
/// when it changes; returns the person as they now are.
pub(crate) async fn set_status<C: ConnectionTrait>(
    txn: &C,
    person: &users::Model,
    status: &str,
) -> Result<users::Model, DbErr> {
    if person.status == status {
        return Ok(person.clone());
    }
    let mut row: users::ActiveModel = person.clone().into();
    row.status = Set(status.to_string());
    row.updated_at = Set(now());
    let person = row.update(txn).await?;
    crate::models::sessions::end_all_for_user(txn, person.id, None).await?;
    crate::models::api_tokens::revoke_all_for_user(txn, person.id).await?;
    Ok(person)
}

/// A ban's side effect: every comment of `person` readers can see is removed (its case made
/// or reopened, hidden and marked removed), each logged as `ban_removal`.
async fn remove_comments_of<C: ConnectionTrait>(
    txn: &C,
    by: &Actor,
    meta: &RequestMeta,
    person: &users::Model,
    sanction: &Sanction,
) -> Result<Vec<i32>, DbErr> {
    use crate::models::comments;
    let theirs = comments::Entity::find()
        .filter(comments::Column::AuthorId.eq(person.id))
        .order_by_asc(comments::Column::Id)
        .all(txn)
        .await?;
    let mut removed = Vec::new();
    for c in theirs {
        let case = super::open_case(txn, super::Target::Comment(c.id)).await?;
        if case.removed {
            continue;
        }
        let version = case.lock_version;
        let mut row: super::cases::ActiveModel = case.into();
        row.hidden = Set(true);
        row.removed = Set(true);
        row.decided_by_id = Set(Some(by.user.id));
        row.decided_at = Set(Some(now()));
        row.updated_at = Set(now());
        row.lock_version = Set(version + 1);
        let case = row.update(txn).await?;
        log::write(
            txn,
            meta,
            Some(by),
            "",
            log::Entry::ban_removal(&case, sanction),
        )
        .await?;
        removed.push(case.id);
    }
    Ok(removed)
}

/// Strikes on `user_id`, newest first: every sanction, with whether it still counts.
///
/// # Errors
/// Database errors.
pub async fn strikes_of<C: ConnectionTrait>(db: &C, user_id: i32) -> Result<Vec<Sanction>, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::UserId.eq(user_id))
        .order_by_desc(entity::Column::CreatedAt)
        .order_by_desc(entity::Column::Id)
        .all(db)
        .await
}

/// Whether `s` still counts as a strike (not lifted, not expired).
#[must_use]
pub fn counts(s: &Sanction) -> bool {
    s.lifted_at.is_none() && s.strike_expires_at > now()
}

/// Whether `s` is in force now (a silence or suspension before its end, a ban).
#[must_use]
pub fn in_force(s: &Sanction) -> bool {
    s.kind != Kind::Warn.as_str()
        && s.lifted_at.is_none()
        && s.ends_at.is_none_or(|end| end > now())
}

/// Ends suspensions whose time is up: the account's earlier status comes back (unless
/// someone changed it since), logged as `expire`. Run by the periodic moderation job;
/// returns how many ended.
///
/// # Errors
/// Database errors.
pub async fn end_lapsed<C: TransactionTrait>(db: &C) -> Result<u64, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let lapsed = entity::Entity::find()
        .filter(entity::Column::Kind.eq(Kind::Suspend.as_str()))
        .filter(entity::Column::LiftedAt.is_null())
        .filter(entity::Column::EndsAt.lte(now()))
        .all(&txn)
        .await?;
    let meta = RequestMeta::system("moderation");
    let mut n = 0;
    for s in lapsed {
        let mut row: entity::ActiveModel = s.clone().into();
        row.lifted_at = Set(Some(now()));
        let s = row.update(&txn).await?;
        if let Some(person) = users::Entity::find_by_id(s.user_id).one(&txn).await?
            && person.status == UserStatus::Suspended.as_str()
            && !other_in_force(&txn, &s).await?
        {
            let mut p: users::ActiveModel = person.into();
            p.status = Set(s.previous_status.clone());
            p.updated_at = Set(now());
            p.update(&txn).await?;
        }
        log::write(
            &txn,
            &meta,
            None,
            "suspension ended",
            log::Entry::lifted(ModAction::Expire, &s, "its time was up"),
        )
        .await?;
        n += 1;
    }
    txn.commit().await?;
    Ok(n)
}

/// Whether another suspension or ban of the same person is still in force.
pub(crate) async fn other_in_force<C: ConnectionTrait>(
    txn: &C,
    s: &Sanction,
) -> Result<bool, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::UserId.eq(s.user_id))
        .filter(entity::Column::Id.ne(s.id))
        .filter(entity::Column::Kind.is_in([Kind::Suspend.as_str(), Kind::Ban.as_str()]))
        .filter(entity::Column::LiftedAt.is_null())
        .all(txn)
        .await?
        .iter()
        .any(in_force))
}

//! Moderation: every report and automatic flag about one comment or post gathers into one
//! case, whose score (see [`score`]) sets its priority and may hide the content pending
//! review. This module holds the cases and flags; claims, decisions, sanctions and appeals
//! build on it.
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
    sea_query::OnConflict,
};
use sha2::{Digest, Sha256};

pub use super::_entities::{
    mod_cases::{self as cases, Model as Case},
    mod_flags::{self as flags, Model as Flag},
    reporter_stats,
};
use super::{WriteError, now};
use crate::settings::Moderation;

pub mod appeals;
pub mod claims;
pub mod decide;
pub mod log;
pub mod queue;
pub mod reasons;
pub mod reports;
pub mod rules;
pub mod sanctions;
pub mod score;
pub mod tags;
pub mod visible;

impl sea_orm::ActiveModelBehavior for cases::ActiveModel {}
impl sea_orm::ActiveModelBehavior for flags::ActiveModel {}
impl sea_orm::ActiveModelBehavior for reporter_stats::ActiveModel {}
impl sea_orm::ActiveModelBehavior for super::_entities::appeals::ActiveModel {}
impl sea_orm::ActiveModelBehavior for super::_entities::mod_log::ActiveModel {}
impl sea_orm::ActiveModelBehavior for super::_entities::mod_reasons::ActiveModel {}

string_enum! {
    /// Why a reader (or staff member) reports something.
    pub enum Reason {
        Spam => "spam",
        Harassment => "harassment",
        OffTopic => "off_topic",
        Illegal => "illegal",
        Other => "other",
    }
}

string_enum! {
    /// Where a flag came from (`appeal`: the person a sanction or removal concerns asks for
    /// it to be undone).
    pub enum Source {
        Report => "report",
        Rule => "rule",
        Ai => "ai",
        Appeal => "appeal",
    }
}

/// What a case is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Comment(i32),
    Post(i32),
    /// An appeal against a sanction or a removal: it joins the same queue.
    Appeal(i32),
}

impl Target {
    #[must_use]
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Comment(_) => "comment",
            Self::Post(_) => "post",
            Self::Appeal(_) => "appeal",
        }
    }

    #[must_use]
    pub const fn id(self) -> i32 {
        match self {
            Self::Comment(id) | Self::Post(id) | Self::Appeal(id) => id,
        }
    }

    /// The target's content as readers see it now (a comment's text; a post's title,
    /// summary and body), or `None` when it is gone.
    ///
    /// # Errors
    /// Database errors.
    pub async fn content<C: ConnectionTrait>(self, db: &C) -> Result<Option<String>, DbErr> {
        Ok(match self {
            Self::Comment(id) => super::comments::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|c| c.body),
            Self::Post(id) => super::posts::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|p| format!("{}\n\n{}\n\n{}", p.title, p.summary, p.body_markdown)),
            Self::Appeal(id) => super::_entities::appeals::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|a| a.text),
        })
    }

    /// The target as stored (`comment`, `post`, `appeal` and its id), if it is one.
    #[must_use]
    pub fn parse(kind: &str, id: i32) -> Option<Self> {
        match kind {
            "comment" => Some(Self::Comment(id)),
            "post" => Some(Self::Post(id)),
            "appeal" => Some(Self::Appeal(id)),
            _ => None,
        }
    }

    /// Who wrote the target (the appellant, for an appeal); `None` for a guest's comment or
    /// a target that is gone.
    ///
    /// # Errors
    /// Database errors.
    pub async fn author<C: ConnectionTrait>(self, db: &C) -> Result<Option<i32>, DbErr> {
        Ok(match self {
            Self::Comment(id) => super::comments::Entity::find_by_id(id)
                .one(db)
                .await?
                .and_then(|c| c.author_id),
            Self::Post(id) => super::posts::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|p| p.author_id),
            Self::Appeal(id) => super::_entities::appeals::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|a| a.appellant_id),
        })
    }
}

/// The fingerprint of a target's content: "reviewed, fine" holds until it changes.
#[must_use]
pub fn content_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// One flag to add to a target's case.
#[derive(Debug, Clone)]
pub struct NewFlag {
    pub target: Target,
    pub source: Source,
    /// A [`Reason`] for reports; the rule's name for rule hits.
    pub reason: String,
    /// The reporter's words (reports), or what the rule found.
    pub text: String,
    /// The person reporting, when signed in.
    pub reporter_id: Option<i32>,
    /// A keyed hash of an anonymous reporter's address (for rate limits), else empty.
    pub reporter_key: String,
}

/// The longest report text kept.
pub const MAX_TEXT: usize = 2000;

/// How much `user_id`'s reports count now (1 for someone with no decided reports).
///
/// # Errors
/// Database errors.
pub async fn accuracy_of<C: ConnectionTrait>(db: &C, user_id: i32) -> Result<f64, DbErr> {
    let stats = reporter_stats::Entity::find_by_id(user_id).one(db).await?;
    Ok(stats.map_or(1.0, |s| {
        score::accuracy(
            u32::try_from(s.upheld).unwrap_or(0),
            u32::try_from(s.dismissed).unwrap_or(0),
        )
    }))
}

/// Adds `new` to its target's case — the one case of that target, made on its first flag —
/// with a snapshot of the content as it is, in one transaction, and scores the case again.
/// A flag on content marked "reviewed, fine" that has not changed since is kept but not
/// counted. Returns the case as it stands.
///
/// # Errors
/// [`WriteError::NotFound`] when the target is gone, [`WriteError::Field`] (`text`) for text
/// that is too long or holds a NUL, or a database error (nothing written then).
pub async fn flag<C: TransactionTrait>(
    db: &C,
    settings: &Moderation,
    new: &NewFlag,
) -> Result<Case, WriteError> {
    let text = new.text.trim();
    if text.chars().count() > MAX_TEXT {
        return Err(WriteError::field("text", "Keep it under 2,000 characters."));
    }
    if text.contains('\0') {
        return Err(WriteError::field(
            "text",
            "Remove the invisible control character (a NUL byte).",
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let case = flag_in(&txn, settings, new, text).await?;
    txn.commit().await?;
    Ok(case)
}

/// [`flag`]'s work on `txn`, with `text` already checked.
pub(crate) async fn flag_in<C: ConnectionTrait>(
    txn: &C,
    settings: &Moderation,
    new: &NewFlag,
    text: &str,
) -> Result<Case, WriteError> {
    let Some(content) = new.target.content(txn).await? else {
        return Err(WriteError::NotFound);
    };
    let case = open_case(txn, new.target).await?;
    let hash = content_hash(&content);
    let counted = case.reviewed_fine_hash.as_deref() != Some(hash.as_str());
    let accuracy = match (new.source, new.reporter_id) {
        (Source::Report, Some(id)) => accuracy_of(txn, id).await?,
        _ => 1.0,
    };
    flags::ActiveModel {
        case_id: Set(case.id),
        source: Set(new.source.as_str().to_string()),
        reason: Set(new.reason.clone()),
        text: Set(text.to_string()),
        reporter_id: Set(new.reporter_id),
        reporter_key: Set(new.reporter_key.clone()),
        weight: Set(settings.weight(&new.reason)),
        accuracy: Set(accuracy),
        snapshot: Set(content),
        content_hash: Set(hash),
        counted: Set(counted),
        outcome: Set("pending".into()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let tags = tags::with(&case.flag_tags, &new.reason, new.source.as_str());
    Ok(rescore(txn, settings, case, counted, tags).await?)
}

/// The target's case, made (open, scoring nothing) if it has none; safe when two first
/// flags race, since the target is unique.
pub(crate) async fn open_case<C: ConnectionTrait>(txn: &C, target: Target) -> Result<Case, DbErr> {
    let at = now();
    let author_id = target.author(txn).await?;
    cases::Entity::insert(cases::ActiveModel {
        target_type: Set(target.kind().to_string()),
        target_id: Set(target.id()),
        status: Set("open".into()),
        score: Set(0.0),
        priority: Set("none".into()),
        hidden: Set(false),
        score_inputs: Set(String::new()),
        opened_at: Set(at),
        created_at: Set(at),
        updated_at: Set(at),
        lock_version: Set(0),
        removed: Set(false),
        author_id: Set(author_id),
        decided_by_id: Set(None),
        decided_at: Set(None),
        flag_tags: Set(String::new()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([cases::Column::TargetType, cases::Column::TargetId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    // Locked (PostgreSQL; SQLite's write transactions already are) so that two flags racing
    // score one after the other, each seeing the other's flag, instead of the later write
    // overwriting the score with a count that misses the earlier flag.
    cases::Entity::find()
        .filter(cases::Column::TargetType.eq(target.kind()))
        .filter(cases::Column::TargetId.eq(target.id()))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the case just made".into()))
}

/// Scores `case` again from its counted, undecided flags, with the thresholds in force,
/// storing the inputs with it. A counted flag reopens a closed case; the score hides the
/// content once it reaches the threshold, and only a moderator un-hides it. `tags` are the
/// case's new [`tags`], when the flag added one.
async fn rescore<C: ConnectionTrait>(
    txn: &C,
    settings: &Moderation,
    case: Case,
    reopen: bool,
    tags: Option<String>,
) -> Result<Case, DbErr> {
    let counted = flags::Entity::find()
        .filter(flags::Column::CaseId.eq(case.id))
        .filter(flags::Column::Counted.eq(true))
        .filter(flags::Column::Outcome.eq("pending"))
        .order_by_asc(flags::Column::Id)
        .all(txn)
        .await?;
    let inputs = score::Inputs::new(
        settings,
        counted
            .iter()
            .map(|f| score::Contribution {
                flag_id: f.id,
                reason: f.reason.clone(),
                weight: f.weight,
                accuracy: f.accuracy,
            })
            .collect(),
    );
    let outcome = inputs.outcome();
    let stored = serde_json::to_string(&inputs).map_err(|e| DbErr::Custom(e.to_string()))?;
    let reopening = reopen && case.status != "open";
    let mut active: cases::ActiveModel = case.clone().into();
    active.score = Set(outcome.score);
    active.priority = Set(outcome.priority.as_str().to_string());
    active.hidden = Set(case.hidden || outcome.hides);
    active.score_inputs = Set(stored);
    if reopening {
        active.status = Set("open".into());
        active.opened_at = Set(now());
    }
    if let Some(tags) = tags {
        active.flag_tags = Set(tags);
    }
    active.updated_at = Set(now());
    active.lock_version = Set(case.lock_version + 1);
    let saved = active.update(txn).await?;
    if saved.hidden && !case.hidden {
        log::write(
            txn,
            &crate::auth::RequestMeta::system("moderation"),
            None,
            "moderation score",
            log::Entry::auto_hidden(&saved),
        )
        .await?;
    }
    Ok(saved)
}

/// The case of `target`, if it has one.
///
/// # Errors
/// Database errors.
pub async fn case_of<C: ConnectionTrait>(db: &C, target: Target) -> Result<Option<Case>, DbErr> {
    cases::Entity::find()
        .filter(cases::Column::TargetType.eq(target.kind()))
        .filter(cases::Column::TargetId.eq(target.id()))
        .one(db)
        .await
}

/// The stored inputs of `case`'s score.
///
/// # Errors
/// When the stored inputs cannot be read.
pub fn inputs(case: &Case) -> Result<score::Inputs, serde_json::Error> {
    serde_json::from_str(&case.score_inputs)
}

/// Keeps a moderation notice for `to` in the outbox on `txn` (the action's transaction):
/// `summary` in words, an optional quoted `note`, and a link to `path` on the site. Returns
/// the message, for [`super::mail::dispatch_all`] after the commit.
///
/// A person who cannot sign in (suspended or banned) gets their appeal link instead of
/// `path`: a secret link, minted when the mail is sent, to their standing and appeal forms.
///
/// # Errors
/// Database errors, or a template that fails to render.
pub(crate) async fn notice<C: ConnectionTrait>(
    txn: &C,
    to: &super::users::Model,
    subject: &str,
    summary: &str,
    note: &str,
    path: &str,
    link_label: &str,
) -> Result<super::mail::Model, DbErr> {
    let locked_out = to.status != super::users::UserStatus::Active.as_str();
    let link = locked_out.then_some(super::mail::Link {
        kind: super::mail::LinkKind::Appeal,
        user_id: to.id,
    });
    let locals = serde_json::json!({
        "name": to.display_name,
        "subject": subject,
        "summary": summary,
        "note": note,
        "url": format!("{}{path}", super::mail::SITE_PLACEHOLDER),
        "link_label": if locked_out {
            "See your strikes and appeal, without signing in (this link is yours alone; it works for the appeal window)"
        } else {
            link_label
        },
    });
    super::mail::store(txn, &to.email, "moderation_notice", &locals, link)
        .await
        .map_err(|e| DbErr::Custom(format!("moderation notice: {e}")))
}

//! Every change to a post: add, change, delete, and the bulk state changes. Each takes the
//! actor, runs the named checks, and writes its audit entry in the change's transaction.
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use serde_json::{Value, json};
use validator::Validate;

use super::{
    ActiveModel, Column, Entity, Model, PostForm, PostState, apply_form,
    revisions::{self, Content, Origin, RevisionKind},
};
use crate::{
    actor::{Actor, RequestMeta},
    auth::{
        Capability,
        permissions::{self, Grant},
    },
    models::{
        _entities::{post_tags, users},
        WriteError, audit, slug, tags,
    },
    settings::Editorial,
};

/// Whether the actor may approve, schedule, publish or archive.
fn may_publish(by: &Actor) -> bool {
    by.grant(Capability::PUBLISH).is_some()
}

/// The state rule ([`super::check_state_change`]) as a refusal of the `state` field.
fn check_state(by: &Actor, before: Option<&Model>, to: &str) -> Result<(), WriteError> {
    let Some(to) = PostState::parse(to) else {
        return Err(WriteError::field(
            "state",
            "Choose one of the listed states.",
        ));
    };
    super::check_state_change(
        may_publish(by),
        before.and_then(|b| PostState::parse(&b.state)),
        to,
    )
    .map_err(|m| WriteError::field("state", m))
}

/// A scheduled post has its time; publication dates are set by those who may publish.
fn check_dates(by: &Actor, before: Option<&Model>, form: &PostForm) -> Result<(), WriteError> {
    if form.state == PostState::Scheduled.as_str() && form.scheduled_at.is_none() {
        return Err(WriteError::field(
            "scheduled_at",
            "A scheduled post needs a publication time.",
        ));
    }
    if may_publish(by) {
        return Ok(());
    }
    let (published, scheduled) = before.map_or((None, None), |b| (b.published_at, b.scheduled_at));
    if form.published_at != published {
        return Err(WriteError::field(
            "published_at",
            "Only editors and admins set when a post is published.",
        ));
    }
    if form.scheduled_at != scheduled {
        return Err(WriteError::field(
            "scheduled_at",
            "Only editors and admins schedule posts.",
        ));
    }
    Ok(())
}

/// A post is written under the actor's own name unless they may change everyone's posts, and
/// its author is someone whose role writes posts (not a reader, not a moderator).
async fn check_author<C: ConnectionTrait>(
    db: &C,
    by: &Actor,
    author_id: i32,
) -> Result<(), WriteError> {
    if author_id != by.user.id && by.grant(Capability::POSTS_CHANGE) != Some(Grant::All) {
        return Err(WriteError::field(
            "author_id",
            "You write posts under your own name only.",
        ));
    }
    let Some(author) = users::Entity::find_by_id(author_id).one(db).await? else {
        return Err(WriteError::field("author_id", "Choose an existing person."));
    };
    if permissions::grant(author.role(), Capability::POSTS_ADD).is_none() {
        return Err(WriteError::field(
            "author_id",
            "Choose someone who writes posts: an author, editor or admin.",
        ));
    }
    Ok(())
}

/// A post as its audit entries show it, with its tags.
fn audit_view(p: &Model, tags: &[String]) -> Value {
    json!({
        "title": p.title, "summary": p.summary, "body_markdown": p.body_markdown,
        "state": p.state, "visibility": p.visibility, "author_id": p.author_id,
        "featured_media_id": p.featured_media_id, "published_at": p.published_at, "scheduled_at": p.scheduled_at,
        "tags": tags.join(", "),
    })
}

/// Every rule a post form must meet before anything is written, with a message per field:
/// the form's own rules, then who may move the post to its state and set its dates. The
/// admin shows these next to the fields together with its own checks of what was typed.
///
/// # Errors
/// The messages, by field.
pub fn check_form(
    by: &Actor,
    before: Option<&Model>,
    form: &PostForm,
) -> Result<(), validator::ValidationErrors> {
    let mut errors = match form.validate() {
        Ok(()) => validator::ValidationErrors::new(),
        Err(e) => e,
    };
    let state_known = PostState::parse(&form.state).is_some();
    let rules = [
        state_known.then(|| check_state(by, before, &form.state)),
        Some(check_dates(by, before, form)),
    ];
    for rule in rules.into_iter().flatten() {
        if let Err(WriteError::Field { field, message }) = rule {
            errors.add(
                field,
                validator::ValidationError::new("rule").with_message(message.into()),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The names of a post's tags, in name order.
///
/// # Errors
/// When the database cannot be queried.
pub async fn tag_names<C: ConnectionTrait>(
    db: &C,
    post_id: i32,
) -> Result<Vec<String>, WriteError> {
    Ok(tags::Model::for_posts(db, &[post_id])
        .await?
        .remove(&post_id)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.name)
        .collect())
}

/// Writes a new post and its tags for `by` (`posts.add`); the slug comes from the title and
/// gets `-2`, `-3`, … when taken. Audited as `post.add`.
///
/// # Errors
/// [`WriteError::Invalid`] and [`WriteError::Field`] with the messages for the form,
/// [`WriteError::Auth`] when `by` may not write posts, or a database error.
pub async fn create<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    form: &PostForm,
) -> Result<Model, WriteError> {
    by.require(Capability::POSTS_ADD)?;
    check_form(by, None, form)?;
    let txn = crate::db::begin_write(db).await?;
    check_author(&txn, by, form.author_id).await?;
    crate::models::media::check_featured(&txn, form.featured_media_id).await?;
    let base = slug::slugify(&form.title, "post");
    let slug = slug::unique_slug::<Entity, _>(&txn, Column::Slug, Column::Id, &base, None).await?;
    let mut post = ActiveModel {
        slug: Set(slug),
        lock_version: Set(0),
        ..Default::default()
    };
    apply_form(&mut post, form);
    let post = post.insert(&txn).await?;
    let names = set_tags(&txn, post.id, &form.tags).await?;
    revisions::record(
        &txn,
        &post,
        &Content::of(&post, &names),
        None,
        &Origin::person(RevisionKind::Create, by.user.id),
    )
    .await?;
    audit::record(
        &txn,
        meta,
        audit::post_added(by, post.id, audit_view(&post, &names)),
    )
    .await?;
    txn.commit().await?;
    Ok(post)
}

/// Saves changes made on a form loaded at `lock_version`, for `by` (`posts.change` over the
/// post). A save racing another one loses nothing: it is refused with
/// [`WriteError::Stale`] and the caller shows both versions. A save that changes the
/// content keeps a revision. Audited as `post.change`.
///
/// # Errors
/// [`WriteError::Invalid`], [`WriteError::Field`], [`WriteError::Auth`],
/// [`WriteError::Stale`], [`WriteError::NotFound`], or a database error.
pub async fn update<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    policy: &Editorial,
    id: i32,
    lock_version: i32,
    form: &PostForm,
) -> Result<Model, WriteError> {
    let origin = Origin::person(RevisionKind::Save, by.user.id);
    save(db, by, meta, policy, id, lock_version, form, &origin).await
}

/// Gives post `id` the content of its revision `number` again, for `by` (`posts.change` over
/// the post), as a new revision (its source: the number restored). State, author and dates
/// stay as they are. Refused as [`WriteError::Stale`] when the post moved on from
/// `lock_version`. Audited as `post.revision_restore`.
///
/// # Errors
/// [`WriteError::NotFound`] for an unknown revision, [`WriteError::Field`] when the post
/// already holds that content, and as [`update`].
pub async fn restore_revision<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    policy: &Editorial,
    id: i32,
    number: i32,
    lock_version: i32,
) -> Result<Model, WriteError> {
    let current = crate::models::write::found::<Entity, _>(db, id).await?;
    by.require_for(Capability::POSTS_CHANGE, current.author_id)?;
    let revision = revisions::find(db, id, number)
        .await?
        .ok_or(WriteError::NotFound)?;
    let content = revision.content();
    if content == Content::of(&current, &tag_names(db, id).await?) {
        return Err(WriteError::field(
            "__all__",
            format!("The post already holds revision {number}'s content: nothing to restore."),
        ));
    }
    let form = PostForm {
        title: content.title,
        summary: content.summary,
        body_markdown: content.body_markdown,
        visibility: content.visibility,
        ..PostForm::from_model(&current, content.tags)
    };
    let origin = Origin {
        kind: RevisionKind::Restore,
        source: number.to_string(),
        author_id: Some(by.user.id),
    };
    save(db, by, meta, policy, id, lock_version, &form, &origin).await
}

/// The one save of a post's form, whoever asks: [`update`], [`restore_revision`], and (later)
/// imports and AI drafts, each with its [`Origin`].
#[allow(clippy::too_many_arguments)]
async fn save<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    policy: &Editorial,
    id: i32,
    lock_version: i32,
    form: &PostForm,
    origin: &Origin,
) -> Result<Model, WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<Entity, _>(&txn, id).await?;
    by.require_for(Capability::POSTS_CHANGE, current.author_id)?;
    if current.lock_version != lock_version {
        return Err(WriteError::Stale {
            current: current.lock_version,
        });
    }
    check_form(by, Some(&current), form)?;
    if form.author_id != current.author_id {
        check_author(&txn, by, form.author_id).await?;
    }
    if form.featured_media_id != current.featured_media_id {
        crate::models::media::check_featured(&txn, form.featured_media_id).await?;
    }
    let before_tags = tag_names(&txn, id).await?;
    let mut post: ActiveModel = current.clone().into();
    apply_form(&mut post, form);
    post.lock_version = Set(lock_version + 1);
    // The model's own rules (a publication date still to come schedules the post) run on
    // this path too, and the version check is repeated in the UPDATE itself, so two
    // transactions that both read the same version cannot both write.
    let post = post.before_save(&txn, false).await?;
    let res = Entity::update_many()
        .set(post)
        .filter(Column::Id.eq(id))
        .filter(Column::LockVersion.eq(lock_version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(WriteError::Stale {
            current: lock_version + 1,
        });
    }
    let names = set_tags(&txn, id, &form.tags).await?;
    let mut saved = crate::models::write::found::<Entity, _>(&txn, id).await?;
    let revision = revisions::record(
        &txn,
        &saved,
        &Content::of(&saved, &names),
        Some(&Content::of(&current, &before_tags)),
        origin,
    )
    .await?;
    // New content needs new approvals (unless the policy says otherwise).
    if revision.is_some()
        && super::reviews::reset_after_edit(&txn, policy, meta, by, &current).await?
    {
        saved = crate::models::write::found::<Entity, _>(&txn, id).await?;
    }
    // What they had autosaved is in the post now, and saving gives the lock back.
    super::autosaves::discard(&txn, by, id).await?;
    super::locks::release(&txn, by, id).await?;
    let (before, after) = (
        audit_view(&current, &before_tags),
        audit_view(&saved, &names),
    );
    let entry = match origin.kind {
        RevisionKind::Restore => audit::post_revision_restored(by, id, before, after),
        _ => audit::post_changed(by, id, before, after),
    };
    audit::record(&txn, meta, entry).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes post `id` for `by` (`posts.delete` over the post), with its tag links and
/// comments (the schema cascades). Audited as `post.delete`.
///
/// # Errors
/// [`WriteError::Auth`], [`WriteError::NotFound`], or a database error.
pub async fn delete<C: TransactionTrait>(
    db: &C,
    by: &Actor,
    meta: &RequestMeta,
    id: i32,
) -> Result<(), WriteError> {
    let txn = crate::db::begin_write(db).await?;
    let current = crate::models::write::found::<Entity, _>(&txn, id).await?;
    by.require_for(Capability::POSTS_DELETE, current.author_id)?;
    let names = tag_names(&txn, id).await?;
    Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        meta,
        audit::post_deleted(by, id, audit_view(&current, &names)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces a post's tags with `names`, creating tags that do not exist yet; blanks and
/// repeats (in any letter case) are dropped. Returns the names kept, in the order given.
///
/// # Errors
/// A tag name that is too long, or a database error.
pub async fn set_tags<C: ConnectionTrait>(
    db: &C,
    post_id: i32,
    names: &[String],
) -> Result<Vec<String>, WriteError> {
    post_tags::Entity::delete_many()
        .filter(post_tags::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    let mut seen = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let tag = tags::Model::find_or_create(
            db,
            &tags::TagForm {
                name: name.to_string(),
            },
        )
        .await?;
        if seen.contains(&tag.id) {
            continue;
        }
        seen.push(tag.id);
        kept.push(tag.name.clone());
        post_tags::ActiveModel {
            post_id: Set(post_id),
            tag_id: Set(tag.id),
        }
        .insert(db)
        .await?;
    }
    Ok(kept)
}

//! The board: posts by where they stand — draft, each review stage, approved, scheduled,
//! published — with counts, for the posts the viewer may see, filtered by author and tag.
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use super::{Column, Entity, Model, PostState};
use crate::{
    actor::Actor,
    auth::{Capability, permissions::Grant},
    models::_entities::post_tags,
    settings::Editorial,
};

/// Which posts the board shows.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub author: Option<i32>,
    pub tag: Option<i32>,
}

/// One column of the board.
#[derive(Debug, Clone)]
pub struct Lane {
    /// `draft`, `stage:copy_edit`, `approved`, …
    pub key: String,
    pub label: String,
    /// How many posts stand here (all of them, not only those listed).
    pub count: u64,
    /// The most recently changed, at most the board's limit.
    pub posts: Vec<Model>,
}

fn visible(by: &Actor, filter: &BoardFilter) -> Option<Select<Entity>> {
    let mut q = Entity::find();
    match by.grant(Capability::POSTS_VIEW)? {
        Grant::All => {}
        Grant::Own => q = q.filter(Column::AuthorId.eq(by.user.id)),
    }
    if let Some(a) = filter.author {
        q = q.filter(Column::AuthorId.eq(a));
    }
    if let Some(t) = filter.tag {
        q = q.filter(
            Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(post_tags::Column::PostId)
                    .from(post_tags::Entity)
                    .and_where(post_tags::Column::TagId.eq(t))
                    .to_owned(),
            ),
        );
    }
    Some(q)
}

/// The board for `by`: one lane per state, review split by stage, each with its count and
/// its `limit` most recently changed posts. Empty for someone who may not see posts.
///
/// # Errors
/// Database errors.
pub async fn board<C: ConnectionTrait>(
    db: &C,
    by: &Actor,
    policy: &Editorial,
    filter: &BoardFilter,
    limit: u64,
) -> Result<Vec<Lane>, DbErr> {
    let Some(base) = visible(by, filter) else {
        return Ok(Vec::new());
    };
    let stages = policy.stages();
    let mut lanes: Vec<(String, String, Condition)> = vec![(
        "draft".into(),
        "Draft".into(),
        Condition::all().add(Column::State.eq(PostState::Draft.as_str())),
    )];
    for (i, stage) in stages.iter().enumerate() {
        // A post whose stage is no longer configured stands at the first one.
        let cond = if i == 0 {
            let others: Vec<&str> = stages.iter().skip(1).map(|s| s.key.as_str()).collect();
            Condition::any()
                .add(Column::ReviewStage.is_null())
                .add(Column::ReviewStage.is_not_in(others))
        } else {
            Condition::all().add(Column::ReviewStage.eq(stage.key.as_str()))
        };
        lanes.push((
            format!("stage:{}", stage.key),
            format!("In review: {}", stage.name),
            Condition::all()
                .add(Column::State.eq(PostState::InReview.as_str()))
                .add(cond),
        ));
    }
    for (state, label) in [
        (PostState::Approved, "Approved"),
        (PostState::Scheduled, "Scheduled"),
        (PostState::Published, "Published"),
    ] {
        lanes.push((
            state.as_str().into(),
            label.into(),
            Condition::all().add(Column::State.eq(state.as_str())),
        ));
    }
    let mut out = Vec::with_capacity(lanes.len());
    for (key, label, cond) in lanes {
        let q = base.clone().filter(cond);
        let count = q.clone().count(db).await?;
        let order = if key == "scheduled" {
            q.order_by_asc(Column::ScheduledAt)
        } else {
            q.order_by_desc(Column::UpdatedAt)
        };
        let posts = order.order_by_desc(Column::Id).limit(limit).all(db).await?;
        out.push(Lane {
            key,
            label,
            count,
            posts,
        });
    }
    Ok(out)
}

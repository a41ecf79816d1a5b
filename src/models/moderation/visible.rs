//! What readers may see: a comment or post whose case hides it (a score past the threshold,
//! or a moderator's removal) is left out of every public page, list, count, feed and the
//! sitemap. Each list stays one query: the condition is a `NOT EXISTS` over `mod_cases`,
//! which the unique index on `(target_type, target_id)` answers.
use sea_orm::{
    Condition,
    sea_query::{Expr, ExprTrait, IntoColumnRef, Query},
};

use super::cases;
use crate::models::_entities::{comments, posts};

/// `NOT EXISTS (SELECT 1 FROM mod_cases WHERE target_type = kind AND target_id = <id column>
/// AND hidden)`, `id` being the outer query's id column.
fn not_hidden(kind: &'static str, id: impl IntoColumnRef) -> Condition {
    let hidden = Query::select()
        .expr(Expr::val(1))
        .from(cases::Entity)
        .and_where(Expr::col((cases::Entity, cases::Column::TargetType)).eq(kind))
        .and_where(Expr::col((cases::Entity, cases::Column::TargetId)).equals(id))
        .and_where(Expr::col((cases::Entity, cases::Column::Hidden)).eq(true))
        .to_owned();
    Condition::all().add(Expr::exists(hidden).not())
}

/// Posts whose case does not hide them (for queries over `posts`, joined or not).
#[must_use]
pub fn post_shown() -> Condition {
    not_hidden("post", (posts::Entity, posts::Column::Id))
}

/// Comments whose case does not hide them (for queries over `comments`).
#[must_use]
pub fn comment_shown() -> Condition {
    not_hidden("comment", (comments::Entity, comments::Column::Id))
}

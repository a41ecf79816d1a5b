//! What reasons and sources a case's flags carry, kept on the case as its flags arrive
//! (`|r:spam||s:report|`, each once), so the queue's reason and source filters read a column
//! of the case instead of looking up its flags for every candidate case. Flags are never
//! deleted, so a case's tags only grow.
use sea_orm::{
    Condition,
    sea_query::{Expr, ExprTrait, LikeExpr},
};

use super::cases;

/// Which of a flag's values a tag holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Reason,
    Source,
}

impl Tag {
    const fn prefix(self) -> &'static str {
        match self {
            Self::Reason => "r",
            Self::Source => "s",
        }
    }

    fn of(self, value: &str) -> String {
        format!("|{}:{value}|", self.prefix())
    }
}

/// `tags` with a flag of `reason` from `source` added, or `None` when it already has both.
#[must_use]
pub fn with(tags: &str, reason: &str, source: &str) -> Option<String> {
    let mut out = tags.to_string();
    for tag in [Tag::Reason.of(reason), Tag::Source.of(source)] {
        if !out.contains(&tag) {
            out.push_str(&tag);
        }
    }
    (out != tags).then_some(out)
}

/// Cases one of whose flags has `value` as its `tag`.
#[must_use]
pub fn condition(tag: Tag, value: &str) -> Condition {
    // No reason or source holds the separator; such a value would match across two tags.
    if value.contains('|') {
        return Condition::all().add(Expr::val(1).eq(0));
    }
    let mut pattern = String::from("%");
    for c in tag.of(value).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Condition::all().add(
        Expr::col((cases::Entity, cases::Column::FlagTags))
            .like(LikeExpr::new(pattern).escape('\\')),
    )
}

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, QueryFilter, QueryTrait};

    use super::*;

    #[test]
    fn a_flag_adds_only_what_the_case_lacks() {
        let first = with("", "spam", "report").unwrap();
        assert_eq!(first, "|r:spam||s:report|");
        assert_eq!(with(&first, "spam", "report"), None);
        assert_eq!(
            with(&first, "links", "rule").as_deref(),
            Some("|r:spam||s:report||r:links||s:rule|")
        );
        // The same word as a reason and as a source are two tags.
        assert_eq!(
            with("|r:appeal|", "appeal", "appeal").as_deref(),
            Some("|r:appeal||s:appeal|")
        );
    }

    #[test]
    fn a_filter_value_is_matched_literally() {
        let sql = cases::Entity::find()
            .filter(condition(Tag::Reason, "off_topic%"))
            .build(sea_orm::DatabaseBackend::Sqlite)
            .to_string();
        assert!(
            sql.contains(r"LIKE '%|r:off\_topic\%|%' ESCAPE '\'"),
            "{sql}"
        );
    }
}

//! The rules every reader's comment passes before it is stored (`settings.moderation.rules`):
//! too many links, a blocked word, a newcomer's first comments, the same text again and
//! again. Each hit becomes a rule flag on the comment's case, saying what it found; a rule
//! whose action is `hold` keeps the comment pending for a moderator. Nothing is deleted.
use chrono::Duration;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use crate::{
    models::{_entities::comments, now, users},
    settings::{RuleAction, Rules},
};

/// One rule a comment hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule's name, which is also its flag's reason and weight (`links`, …).
    pub rule: &'static str,
    /// What it found, for the moderator ("3 links (more than 2)").
    pub text: String,
    pub action: RuleAction,
}

/// Whether any of `hits` holds the comment for a moderator.
#[must_use]
pub fn holds(hits: &[Hit]) -> bool {
    hits.iter().any(|h| h.action == RuleAction::Hold)
}

/// Whether a link target is a web address (counted as one already).
fn is_web_address(target: &str) -> bool {
    target.starts_with("http://") || target.starts_with("https://") || target.starts_with("www.")
}

/// How many links `body` holds: web addresses (`http://`, `https://`, `www.`), bare or in
/// markdown, and markdown links to anything else (`[x](example.test)`).
#[must_use]
pub fn count_links(body: &str) -> usize {
    let lower = body.to_lowercase();
    let schemes = lower.matches("http://").count() + lower.matches("https://").count();
    let bare_www = lower
        .match_indices("www.")
        .filter(|(at, m)| {
            let before = lower[..*at].chars().next_back();
            let after = lower[at + m.len()..].chars().next();
            !before.is_some_and(|c| c == '/' || c == '.' || c.is_alphanumeric())
                && after.is_some_and(char::is_alphanumeric)
        })
        .count();
    let other_targets = lower
        .match_indices("](")
        .filter(|(at, m)| {
            let rest = lower[at + m.len()..].trim_start();
            let rest = rest.strip_prefix('<').unwrap_or(rest);
            let target: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != ')' && *c != '>')
                .collect();
            !target.is_empty() && !is_web_address(&target)
        })
        .count();
    schemes + bare_www + other_targets
}

/// The blocked words (or phrases) `body` holds as whole words, ignoring case, in the order
/// the list gives them.
#[must_use]
pub fn blocked_words_in(body: &str, words: &[String]) -> Vec<String> {
    let lower = body.to_lowercase();
    words
        .iter()
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty() && has_whole_word(&lower, w))
        .collect()
}

fn has_whole_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, m)| {
        let before = text[..at].chars().next_back();
        let after = text[at + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// A comment's text as the repeat rule compares it: lower case, runs of white space as one
/// space, no white space at either end.
#[must_use]
pub fn normalise(body: &str) -> String {
    body.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Who sends a comment, for the rules that look at their history.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    /// A signed-in member; `None` for a guest.
    pub author: Option<&'a users::Model>,
    /// The keyed hash of their address ([`crate::models::comments::hash_ip`]).
    pub ip_key: &'a str,
}

/// The rules `body` hits, sent by `sender`, checked against the comments stored so far (call
/// it before storing the new one).
///
/// # Errors
/// Database errors.
pub async fn check<C: ConnectionTrait>(
    db: &C,
    rules: &Rules,
    body: &str,
    sender: Sender<'_>,
) -> Result<Vec<Hit>, DbErr> {
    let mut hits = Vec::new();
    let hit = |rule: &'static str, text: String| Hit {
        rule,
        text,
        action: rules.action(rule),
    };
    let links = count_links(body);
    if links > rules.max_links {
        hits.push(hit(
            "links",
            format!(
                "{links} link{} (more than {})",
                if links == 1 { "" } else { "s" },
                rules.max_links
            ),
        ));
    }
    let blocked = blocked_words_in(body, &rules.blocked_words);
    if !blocked.is_empty() {
        let label = if blocked.len() == 1 {
            "blocked word"
        } else {
            "blocked words"
        };
        hits.push(hit(
            "blocked_words",
            format!("{label}: {}", blocked.join(", ")),
        ));
    }
    match sender.author {
        None => hits.push(hit("first_comments", "a guest's comment".into())),
        Some(author) => {
            let approved = approved_comments(db, author.id).await?;
            if approved < rules.first_comments {
                hits.push(hit(
                    "first_comments",
                    format!(
                        "{approved} approved comment{} so far (fewer than {})",
                        if approved == 1 { "" } else { "s" },
                        rules.first_comments
                    ),
                ));
            }
        }
    }
    let earlier = same_text_since(db, body, sender, Duration::hours(rules.repeat_hours)).await?;
    let times = earlier + 1;
    if times > rules.repeat_count {
        hits.push(hit(
            "repeated_text",
            format!(
                "the same text {times} times within {} hour{} (more than {})",
                rules.repeat_hours,
                if rules.repeat_hours == 1 { "" } else { "s" },
                rules.repeat_count
            ),
        ));
    }
    Ok(hits)
}

async fn approved_comments<C: ConnectionTrait>(db: &C, user_id: i32) -> Result<u64, DbErr> {
    comments::Entity::find()
        .filter(comments::Column::AuthorId.eq(user_id))
        .filter(comments::Column::Status.eq("approved"))
        .count(db)
        .await
}

/// How many comments with `body`'s normalised text the sender (the member, or anyone from
/// their address) stored in the last `window`.
async fn same_text_since<C: ConnectionTrait>(
    db: &C,
    body: &str,
    sender: Sender<'_>,
    window: Duration,
) -> Result<u64, DbErr> {
    let mut who = Condition::any().add(comments::Column::IpHash.eq(sender.ip_key));
    if let Some(author) = sender.author {
        who = who.add(comments::Column::AuthorId.eq(author.id));
    }
    let bodies: Vec<String> = comments::Entity::find()
        .select_only()
        .column(comments::Column::Body)
        .filter(who)
        .filter(comments::Column::CreatedAt.gt(now() - window))
        .into_tuple()
        .all(db)
        .await?;
    let text = normalise(body);
    Ok(bodies.iter().filter(|b| normalise(b) == text).count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_counted_bare_and_in_markdown() {
        assert_eq!(count_links("no links here"), 0);
        assert_eq!(count_links("see https://a.test and HTTP://b.test"), 2);
        assert_eq!(count_links("[a](https://a.test) [b](b.test) www.c.test"), 3);
        assert_eq!(count_links("https://www.a.test"), 1, "one address, not two");
    }

    #[test]
    fn blocked_words_match_whole_words_ignoring_case() {
        let words = vec!["casino".to_string(), "cheap pills".to_string()];
        assert_eq!(blocked_words_in("Best CASINO online", &words), ["casino"]);
        assert!(blocked_words_in("casinos and occasional", &words).is_empty());
        assert_eq!(
            blocked_words_in("buy cheap pills!", &words),
            ["cheap pills"]
        );
    }

    #[test]
    fn normalising_ignores_case_and_spacing() {
        assert_eq!(normalise("  Hello\n  WORLD "), "hello world");
    }
}

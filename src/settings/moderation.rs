//! Moderation's settings (`settings.moderation`): what each kind of flag weighs, the score
//! thresholds that set a case's priority, the score that hides the reported content pending
//! review, the time a case should be decided in, how many reports one reader may send, and
//! the rules on new comments.
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub struct Moderation {
    /// The weight of a report or rule hit, by reason (`spam`, `harassment`, `off_topic`,
    /// `illegal`, `other`) or rule name (`links`, `blocked_words`, `first_comments`,
    /// `repeated_text`). A name not listed weighs 1.
    pub weights: std::collections::BTreeMap<String, f64>,
    /// How long a claim holds without action before others may take the case.
    pub claim_minutes: i64,
    /// How long a sanction counts as a strike.
    pub strike_days: i64,
    /// How long after a sanction or removal its person may appeal.
    pub appeal_days: i64,
    /// Whether `/moderation` shows the public log of actions and reasons (never who took
    /// them).
    pub transparency: bool,
    /// A case whose score reaches each is of low, medium or high priority.
    pub low: f64,
    pub medium: f64,
    pub high: f64,
    /// A case whose score reaches this hides its content from readers until decided. It
    /// only hides: nothing is removed without a moderator.
    pub hide: f64,
    /// The hours a case should be decided in (the queue shows age against it).
    pub target_hours: i64,
    /// How many reports one person (or, for readers not signed in, one address) may send in
    /// an hour.
    pub reports_per_hour: u64,
    /// The rules run on every reader's comment.
    pub rules: Rules,
}

/// What a rule does when a comment hits it: flag it (the comment is published, its case
/// scores the hit) or hold it (the comment waits for a moderator as well).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    Flag,
    Hold,
}

/// The rules on new comments (`models::moderation::rules`). Nothing is ever deleted by a
/// rule: a hit flags the comment, and a `hold` hit keeps it pending.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub struct Rules {
    /// A comment with more links than this hits `links`.
    pub max_links: usize,
    /// Words (or phrases) matched case-insensitively as whole words: `blocked_words`.
    pub blocked_words: Vec<String>,
    /// A guest, or a member with fewer approved comments than this, hits `first_comments`.
    pub first_comments: u64,
    /// The same text from the same person or address more than this many times within
    /// `repeat_hours` hits `repeated_text`.
    pub repeat_count: u64,
    pub repeat_hours: i64,
    /// Each rule's action, by name (`links`, `blocked_words`, `first_comments`,
    /// `repeated_text`); a rule not listed takes its default.
    pub actions: std::collections::BTreeMap<String, RuleAction>,
}

/// The rules' names, each with its default action.
pub const RULES: [(&str, RuleAction); 4] = [
    ("links", RuleAction::Flag),
    ("blocked_words", RuleAction::Hold),
    ("first_comments", RuleAction::Hold),
    ("repeated_text", RuleAction::Hold),
];

impl Default for Rules {
    fn default() -> Self {
        Self {
            max_links: 2,
            blocked_words: Vec::new(),
            first_comments: 1,
            repeat_count: 2,
            repeat_hours: 24,
            actions: std::collections::BTreeMap::new(),
        }
    }
}

impl Rules {
    /// What the rule `name` does.
    #[must_use]
    pub fn action(&self, name: &str) -> RuleAction {
        self.actions.get(name).copied().unwrap_or_else(|| {
            RULES
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(RuleAction::Flag, |(_, a)| *a)
        })
    }

    /// Refuses rules that cannot work, naming what is wrong.
    ///
    /// # Errors
    /// A message for the operator.
    pub fn check(&self) -> Result<(), String> {
        if let Some(name) = self
            .actions
            .keys()
            .find(|k| !RULES.iter().any(|(n, _)| n == k))
        {
            return Err(format!(
                "moderation.rules.actions.{name}: no such rule (links, blocked_words, first_comments, repeated_text)"
            ));
        }
        if self.blocked_words.iter().any(|w| w.trim().is_empty()) {
            return Err("moderation.rules.blocked_words holds an empty word".into());
        }
        if self.repeat_count == 0 || self.repeat_hours <= 0 {
            return Err("moderation.rules.repeat_count and repeat_hours must be at least 1".into());
        }
        Ok(())
    }
}

impl Default for Moderation {
    fn default() -> Self {
        let weights = [
            ("spam", 1.0),
            ("harassment", 2.0),
            ("off_topic", 0.5),
            ("illegal", 3.0),
            ("other", 1.0),
            ("links", 1.0),
            ("blocked_words", 2.0),
            ("first_comments", 0.5),
            ("repeated_text", 1.5),
            ("appeal", 3.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Self {
            weights,
            claim_minutes: 15,
            strike_days: 180,
            appeal_days: 30,
            transparency: false,
            low: 1.0,
            medium: 3.0,
            high: 6.0,
            hide: 8.0,
            target_hours: 24,
            reports_per_hour: 10,
            rules: Rules::default(),
        }
    }
}

impl Moderation {
    /// What a flag of `name` weighs.
    #[must_use]
    pub fn weight(&self, name: &str) -> f64 {
        self.weights.get(name).copied().unwrap_or(1.0)
    }

    /// Refuses thresholds that cannot work, naming what is wrong.
    ///
    /// # Errors
    /// A message for the operator.
    pub fn check(&self) -> Result<(), String> {
        if let Some((k, w)) = self
            .weights
            .iter()
            .find(|(_, w)| !w.is_finite() || **w < 0.0)
        {
            return Err(format!(
                "moderation.weights.{k} is {w}: a weight is a number of 0 or more"
            ));
        }
        let ordered = [self.low, self.medium, self.high];
        if ordered.iter().any(|t| !t.is_finite() || *t <= 0.0)
            || !(self.low <= self.medium && self.medium <= self.high)
        {
            return Err(format!(
                "moderation thresholds must be positive and in order (low ≤ medium ≤ high), not {} / {} / {}",
                self.low, self.medium, self.high
            ));
        }
        if !self.hide.is_finite() || self.hide <= 0.0 {
            return Err(format!(
                "moderation.hide is {}: a score of more than 0",
                self.hide
            ));
        }
        if self.claim_minutes < 1 || self.strike_days < 1 || self.appeal_days < 1 {
            return Err(format!(
                "moderation.claim_minutes, strike_days and appeal_days must each be at least 1, not {} / {} / {}",
                self.claim_minutes, self.strike_days, self.appeal_days
            ));
        }
        if self.target_hours <= 0 {
            return Err("moderation.target_hours must be at least 1".into());
        }
        if self.reports_per_hour == 0 {
            return Err(
                "moderation.reports_per_hour must be at least 1 (readers could not report at all)"
                    .into(),
            );
        }
        self.rules.check()
    }
}

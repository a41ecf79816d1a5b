//! Moderation's settings (`settings.moderation`): what each kind of flag weighs, the score
//! thresholds that set a case's priority, the score that hides the reported content pending
//! review, and the time a case should be decided in.
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
        Ok(())
    }
}

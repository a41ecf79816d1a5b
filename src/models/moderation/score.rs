//! A case's score, and the inputs it is made of. The score is the sum, over the case's
//! counted flags, of each flag's weight times its reporter's accuracy; its priority and
//! whether it hides the content follow from thresholds. The case stores the inputs — each
//! flag's weight and accuracy as they were when it was counted, the thresholds and the
//! formula's version — so "why was this hidden?" has a stored answer that reproduces the
//! score whatever the settings say later.
use serde::{Deserialize, Serialize};

use crate::settings::Moderation;

/// The version of [`score`] the stored inputs were made with.
pub const FORMULA: &str =
    "v1: sum(weight × accuracy); accuracy = 2 × (upheld + 1) / (upheld + dismissed + 2)";

/// How much a reporter's flags count: 1 for someone with no decided reports, towards 2 as
/// their reports are upheld, towards 0 as they are dismissed (a Laplace-smoothed share of
/// upheld reports, doubled). Rule and AI flags count 1.
#[must_use]
pub fn accuracy(upheld: u32, dismissed: u32) -> f64 {
    2.0 * (f64::from(upheld) + 1.0) / (f64::from(upheld) + f64::from(dismissed) + 2.0)
}

/// One flag's share of a case's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub flag_id: i32,
    /// The reason or rule it was weighed by.
    pub reason: String,
    pub weight: f64,
    pub accuracy: f64,
}

impl Contribution {
    #[must_use]
    pub fn points(&self) -> f64 {
        self.weight * self.accuracy
    }
}

/// Low, medium or high — or none, below the lowest threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    None,
    Low,
    Medium,
    High,
}

impl Priority {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// Everything a case's score is made of, as stored with the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    pub formula: String,
    pub contributions: Vec<Contribution>,
    pub low: f64,
    pub medium: f64,
    pub high: f64,
    pub hide: f64,
}

/// What the inputs come to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub score: f64,
    pub priority: Priority,
    pub hides: bool,
}

impl Inputs {
    /// Inputs with the thresholds of `settings` in force now.
    #[must_use]
    pub fn new(settings: &Moderation, contributions: Vec<Contribution>) -> Self {
        Self {
            formula: FORMULA.to_string(),
            contributions,
            low: settings.low,
            medium: settings.medium,
            high: settings.high,
            hide: settings.hide,
        }
    }

    /// The score, priority and hiding these inputs give — from the inputs alone.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        let score: f64 = self.contributions.iter().map(Contribution::points).sum();
        let priority = if score >= self.high {
            Priority::High
        } else if score >= self.medium {
            Priority::Medium
        } else if score >= self.low {
            Priority::Low
        } else {
            Priority::None
        };
        Outcome {
            score,
            priority,
            hides: score >= self.hide,
        }
    }

    /// The answer to "why is it hidden?" (or ranked so), in words.
    #[must_use]
    pub fn explain(&self) -> String {
        let o = self.outcome();
        let parts: Vec<String> = self
            .contributions
            .iter()
            .map(|c| {
                format!(
                    "{} {:.2} × accuracy {:.2} = {:.2}",
                    c.reason.replace('_', " "),
                    c.weight,
                    c.accuracy,
                    c.points()
                )
            })
            .collect();
        format!(
            "Score {:.2} ({}); {} priority (low from {}, medium from {}, high from {}); {} (hidden from {}).",
            o.score,
            if parts.is_empty() {
                "no flags counted".to_string()
            } else {
                parts.join(" + ")
            },
            o.priority.as_str(),
            self.low,
            self.medium,
            self.high,
            if o.hides {
                "hidden pending review"
            } else {
                "not hidden"
            },
            self.hide
        )
    }
}

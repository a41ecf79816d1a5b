//! Typed view-models for the admin pages.
pub mod audit;
pub mod board;
pub mod chrome;
pub mod dashboard;
pub mod editing;
pub mod media;
pub mod moderation;
pub mod outbox;
pub mod reviews;
pub mod revisions;
pub mod tokens;
pub mod workflow;

pub use chrome::{AdminChrome, NavLink, NavSection};

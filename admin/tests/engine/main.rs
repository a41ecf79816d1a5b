//! The engine's own tests, over an entity of its own (authors, books, reviews): it serves
//! them knowing nothing of the application that embeds it.
#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on what it did not expect"
)]

mod bulk;
mod delete;
mod hooks;
mod list;
mod save;
mod schema;
mod support;

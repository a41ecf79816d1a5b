//! Copydesk: an admin-centric content and moderation platform on Loco.
pub mod app;
pub mod controllers;
pub mod demo;
pub mod errors;
pub mod markdown;
pub mod models;
pub mod settings;
pub mod tasks;
pub mod views;

//! Copydesk: an admin-centric content and moderation platform on Loco.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
pub mod actor;
pub mod admin;
pub mod app;
pub mod auth;
pub mod controllers;
pub mod db;
pub mod demo;
pub mod demo_images;
mod demo_moderation;
mod demo_timeline;
pub mod errors;
pub mod jobs;
pub mod markdown;
pub mod models;
pub mod settings;
pub mod start;
pub mod tasks;
pub mod views;
pub mod web;

//! View-models and rendering: what the templates in `assets/views` are given, and the HTTP
//! details of serving pages (caching, error pages, static files).
pub mod admin;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod feeds;
pub mod flash;
pub mod forms;
pub mod images;
pub mod jobs_chart;
pub mod posts;
pub mod reports;
pub mod time;
pub mod web;

pub use web::Web;

//! HTTP handlers, thin: extract, call one model method, render.
pub mod client;
pub mod public;

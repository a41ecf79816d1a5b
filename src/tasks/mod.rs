//! `cargo loco task NAME`: operations run from the command line.
pub mod create_admin;
pub mod seed_demo;

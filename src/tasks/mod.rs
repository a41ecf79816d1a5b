//! `cargo loco task NAME`: operations run from the command line.
pub mod create_admin;
pub mod jobs_worker;
pub mod seed_bench;
pub mod seed_demo;

//! `cargo loco task NAME`: operations run from the command line.
pub mod seed_demo;

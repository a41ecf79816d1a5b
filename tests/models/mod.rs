mod config;
mod demo;
mod posts;
mod revisions;
mod stages;
mod users;
mod workflow;
mod writes;

mod config;
mod demo;
mod posts;
mod revisions;
mod users;
mod workflow;
mod writes;

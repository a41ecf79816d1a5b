mod config;
mod demo;
mod posts;
mod users;
mod writes;

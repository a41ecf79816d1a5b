mod accounts;
mod caching;
mod comments;
mod feeds;
mod pages;
mod permissions;
mod security;
mod xss;

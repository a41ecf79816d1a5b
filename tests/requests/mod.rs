mod caching;
mod comments;
mod feeds;
mod pages;
mod xss;

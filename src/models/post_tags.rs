//! The link between posts and tags; written only through [`super::posts`].
use sea_orm::ActiveModelBehavior;

pub use super::_entities::post_tags::{ActiveModel, Column, Entity, Model};

impl ActiveModelBehavior for ActiveModel {}

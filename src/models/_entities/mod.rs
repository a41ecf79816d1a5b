//! SeaORM entities in sea-orm-codegen's format, one per table; they mirror the migrations and
//! hold no logic. Behaviour lives in the model files one folder up.
pub mod prelude;

pub mod comments;
pub mod media;
pub mod post_tags;
pub mod posts;
pub mod tags;
pub mod users;

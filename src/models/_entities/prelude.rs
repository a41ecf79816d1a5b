pub use super::comments::Entity as Comments;
pub use super::media::Entity as Media;
pub use super::post_tags::Entity as PostTags;
pub use super::posts::Entity as Posts;
pub use super::tags::Entity as Tags;
pub use super::users::Entity as Users;

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::m20261120_000001_users::Users;
use crate::m20261120_000002_posts_and_tags::Posts;

/// Every save of a post's content keeps a revision: who, when, where it came from, the
/// content as saved and which fields changed. Posts that exist already get revision 1 as
/// they stand.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum PostRevisions {
    Table,
    Id,
    PostId,
    Number,
    Kind,
    Source,
    AuthorId,
    PostVersion,
    Title,
    Summary,
    BodyMarkdown,
    Visibility,
    Tags,
    Changed,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PostRevisions::Table)
                .col(pk_auto(PostRevisions::Id))
                .col(integer(PostRevisions::PostId))
                .col(integer(PostRevisions::Number))
                .col(string_len(PostRevisions::Kind, 16))
                .col(string_len(PostRevisions::Source, 255).default(""))
                .col(integer_null(PostRevisions::AuthorId))
                .col(integer(PostRevisions::PostVersion))
                .col(text(PostRevisions::Title))
                .col(text(PostRevisions::Summary))
                .col(text(PostRevisions::BodyMarkdown))
                .col(string_len(PostRevisions::Visibility, 16))
                .col(text(PostRevisions::Tags).default("[]"))
                .col(text(PostRevisions::Changed).default("[]"))
                .col(timestamp_with_time_zone(PostRevisions::CreatedAt))
                // A post's revisions go with it (an archived post keeps them).
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_revisions_post")
                        .from(PostRevisions::Table, PostRevisions::PostId)
                        .to(Posts::Table, Posts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                // A deleted account leaves its revisions behind, unattributed.
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_post_revisions_author")
                        .from(PostRevisions::Table, PostRevisions::AuthorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        // One number per revision of a post; the list reads it newest first.
        m.create_index(
            Index::create()
                .name("idx_post_revisions_post_number")
                .table(PostRevisions::Table)
                .col(PostRevisions::PostId)
                .col(PostRevisions::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_post_revisions_author")
                .table(PostRevisions::Table)
                .col(PostRevisions::AuthorId)
                .to_owned(),
        )
        .await?;
        // The posts there are now start their history as they stand.
        let tags = match m.get_database_backend() {
            DbBackend::Postgres => {
                "COALESCE((SELECT json_agg(t.name ORDER BY t.name)::text FROM post_tags pt \
                 JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id), '[]')"
            }
            _ => {
                "COALESCE((SELECT json_group_array(name) FROM (SELECT t.name FROM post_tags pt \
                 JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id ORDER BY t.name)), '[]')"
            }
        };
        m.get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO post_revisions (post_id, number, kind, source, author_id, \
                 post_version, title, summary, body_markdown, visibility, tags, changed, \
                 created_at) SELECT p.id, 1, 'create', '', p.author_id, p.lock_version, p.title, \
                 p.summary, p.body_markdown, p.visibility, {tags}, '[]', p.updated_at FROM posts p"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PostRevisions::Table).to_owned())
            .await
    }
}

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_users::Users;
use crate::m20261120_000002_posts_and_tags::index;

/// Accounts and the security baseline: passwords, server-side sessions, sign-in attempts,
/// single-use tokens, API tokens, the append-only audit log, and the mail outbox.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum UserAuth {
    PasswordHash,
    EmailVerifiedAt,
    PasswordChangedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    Data,
    Ip,
    UserAgent,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginAttempts {
    Table,
    Id,
    EmailKey,
    IpHash,
    Succeeded,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum UserTokens {
    Table,
    Id,
    UserId,
    Kind,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Scope,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    ActorLabel,
    Action,
    TargetType,
    TargetId,
    Changes,
    Ip,
    UserAgent,
    RequestId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MailOutbox {
    Table,
    Id,
    ToAddress,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Error,
    CreatedAt,
    SentAt,
}

fn user_fk(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
    name: &str,
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(action)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            text_null(UserAuth::PasswordHash),
            timestamp_with_time_zone_null(UserAuth::EmailVerifiedAt),
            timestamp_with_time_zone_null(UserAuth::PasswordChangedAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(pk_auto(Sessions::Id))
                .col(string_len_uniq(Sessions::TokenHash, 64))
                .col(integer_null(Sessions::UserId))
                .col(string_len(Sessions::CsrfToken, 64))
                .col(text(Sessions::Data).default("{}"))
                .col(string_len(Sessions::Ip, 64).default(""))
                .col(string_len(Sessions::UserAgent, 255).default(""))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .foreign_key(&mut user_fk(
                    Sessions::Table,
                    Sessions::UserId,
                    "fk_sessions_user",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        index(m, "idx_sessions_user", Sessions::Table, &[Sessions::UserId]).await?;
        index(
            m,
            "idx_sessions_expires",
            Sessions::Table,
            &[Sessions::ExpiresAt],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(pk_auto(LoginAttempts::Id))
                .col(string_len(LoginAttempts::EmailKey, 64))
                .col(string_len(LoginAttempts::IpHash, 64))
                .col(boolean(LoginAttempts::Succeeded))
                .col(timestamp_with_time_zone(LoginAttempts::CreatedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_login_attempts_email",
            LoginAttempts::Table,
            &[LoginAttempts::EmailKey, LoginAttempts::CreatedAt],
        )
        .await?;
        index(
            m,
            "idx_login_attempts_ip",
            LoginAttempts::Table,
            &[LoginAttempts::IpHash, LoginAttempts::CreatedAt],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserTokens::Table)
                .col(pk_auto(UserTokens::Id))
                .col(integer(UserTokens::UserId))
                .col(string_len(UserTokens::Kind, 32))
                .col(string_len_uniq(UserTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(UserTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(UserTokens::UsedAt))
                .col(timestamp_with_time_zone(UserTokens::CreatedAt))
                .foreign_key(&mut user_fk(
                    UserTokens::Table,
                    UserTokens::UserId,
                    "fk_user_tokens_user",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_user_tokens_user",
            UserTokens::Table,
            &[UserTokens::UserId, UserTokens::Kind],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(pk_auto(ApiTokens::Id))
                .col(integer(ApiTokens::UserId))
                .col(string_len(ApiTokens::Name, 100))
                .col(string_len_uniq(ApiTokens::TokenHash, 64))
                .col(string_len(ApiTokens::Scope, 16))
                .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .foreign_key(&mut user_fk(
                    ApiTokens::Table,
                    ApiTokens::UserId,
                    "fk_api_tokens_user",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_api_tokens_user",
            ApiTokens::Table,
            &[ApiTokens::UserId],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(integer_null(AuditLog::ActorId))
                .col(string_len(AuditLog::ActorLabel, 255))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len(AuditLog::TargetType, 64))
                .col(string_len(AuditLog::TargetId, 64))
                .col(text(AuditLog::Changes).default("{}"))
                .col(string_len(AuditLog::Ip, 64).default(""))
                .col(string_len(AuditLog::UserAgent, 255).default(""))
                .col(string_len(AuditLog::RequestId, 64).default(""))
                .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                // Audit rows outlive the accounts they name: the label keeps who it was.
                .foreign_key(&mut user_fk(
                    AuditLog::Table,
                    AuditLog::ActorId,
                    "fk_audit_actor",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_audit_created",
            AuditLog::Table,
            &[AuditLog::CreatedAt],
        )
        .await?;
        index(
            m,
            "idx_audit_actor",
            AuditLog::Table,
            &[AuditLog::ActorId, AuditLog::CreatedAt],
        )
        .await?;
        index(
            m,
            "idx_audit_target",
            AuditLog::Table,
            &[AuditLog::TargetType, AuditLog::TargetId],
        )
        .await?;
        index(
            m,
            "idx_audit_action",
            AuditLog::Table,
            &[AuditLog::Action, AuditLog::CreatedAt],
        )
        .await?;
        append_only(m).await?;

        m.create_table(
            Table::create()
                .table(MailOutbox::Table)
                .col(pk_auto(MailOutbox::Id))
                .col(string(MailOutbox::ToAddress))
                .col(string(MailOutbox::Subject))
                .col(text(MailOutbox::TextBody))
                .col(text(MailOutbox::HtmlBody))
                .col(string_len(MailOutbox::Status, 16))
                .col(text(MailOutbox::Error).default(""))
                .col(timestamp_with_time_zone(MailOutbox::CreatedAt))
                .col(timestamp_with_time_zone_null(MailOutbox::SentAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_mail_outbox_created",
            MailOutbox::Table,
            &[MailOutbox::CreatedAt],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "mail_outbox",
            "audit_log",
            "api_tokens",
            "user_tokens",
            "login_attempts",
            "sessions",
        ] {
            m.get_connection()
                .execute_unprepared(&format!("DROP TABLE IF EXISTS {t}"))
                .await?;
        }
        for col in [
            UserAuth::PasswordHash,
            UserAuth::EmailVerifiedAt,
            UserAuth::PasswordChangedAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// The database itself refuses to change or remove audit rows, whatever the code does.
/// (A user deletion still clears `actor_id` through the foreign key; the label stays.)
async fn append_only(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    match m.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            db.execute_unprepared(
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
                 BEGIN
                   IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
                      AND NEW.action = OLD.action AND NEW.changes = OLD.changes
                      AND NEW.created_at = OLD.created_at THEN
                     RETURN NEW;
                   END IF;
                   RAISE EXCEPTION 'audit_log is append-only';
                 END $$ LANGUAGE plpgsql",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
                 FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            )
            .await?;
        }
        _ => {
            db.execute_unprepared(
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                 WHEN NOT (NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
                           AND NEW.action = OLD.action AND NEW.changes = OLD.changes
                           AND NEW.created_at = OLD.created_at)
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            )
            .await?;
        }
    }
    Ok(())
}

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, Statement},
};

/// Mail that carries a secret link (verification, password reset, invitation) no longer
/// stores it: the outbox keeps the template, its locals and which link to mint, and the link
/// is minted only when the message is handed to the mail server. Messages stored before this
/// had live links in their bodies: those links are cut out of the bodies and every token that
/// was still unused is voided.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Template,
    Locals,
    LinkKind,
    LinkUserId,
}

/// What replaces a link that was cut out of a stored body.
const WITHHELD: &str = "[link withheld]";

/// The paths whose last segment is a secret.
const SECRET_PATHS: &[&str] = &["/verify/", "/password/reset/", "/invitation/"];

/// `body` with every secret path's token replaced by [`WITHHELD`].
fn redact(body: &str) -> String {
    let mut out = body.to_string();
    for prefix in SECRET_PATHS {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(prefix) {
            let start = i + prefix.len();
            result.push_str(&rest[..start]);
            let tail = &rest[start..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(tail.len());
            if end > 0 {
                result.push_str(WITHHELD);
            }
            rest = &tail[end..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one thing at a time.
        for col in [
            ColumnDef::new(MailOutbox::Template)
                .string()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(MailOutbox::Locals)
                .text()
                .not_null()
                .default("{}")
                .to_owned(),
            ColumnDef::new(MailOutbox::LinkKind)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(MailOutbox::LinkUserId)
                .integer()
                .null()
                .to_owned(),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(MailOutbox::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        let backend = m.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, text_body, html_body FROM mail_outbox",
            ))
            .await?;
        for row in rows {
            let id: i32 = row.try_get("", "id")?;
            let text: String = row.try_get("", "text_body")?;
            let html: String = row.try_get("", "html_body")?;
            let (t, h) = (redact(&text), redact(&html));
            if t != text || h != html {
                let sql = match backend {
                    sea_orm::DatabaseBackend::Postgres => {
                        "UPDATE mail_outbox SET text_body = $1, html_body = $2 WHERE id = $3"
                    }
                    _ => "UPDATE mail_outbox SET text_body = ?, html_body = ? WHERE id = ?",
                };
                db.execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    [t.into(), h.into(), id.into()],
                ))
                .await?;
            }
        }
        // A link that was on show may have been copied: none of them works any more.
        db.execute_unprepared(
            "UPDATE user_tokens SET used_at = CURRENT_TIMESTAMP WHERE used_at IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            MailOutbox::Template,
            MailOutbox::Locals,
            MailOutbox::LinkKind,
            MailOutbox::LinkUserId,
        ] {
            m.alter_table(
                Table::alter()
                    .table(MailOutbox::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn tokens_are_cut_out_of_every_secret_path() {
        assert_eq!(
            redact("Go to http://x/password/reset/abc-DEF_123 now."),
            "Go to http://x/password/reset/[link withheld] now."
        );
        assert_eq!(
            redact("<a href=\"http://x/verify/tok\">http://x/verify/tok</a>"),
            "<a href=\"http://x/verify/[link withheld]\">http://x/verify/[link withheld]</a>"
        );
        assert_eq!(redact("no links here"), "no links here");
        assert_eq!(redact("/verify/ alone"), "/verify/ alone");
    }
}

//! A test person, an audit log in its own table, the registrations, and request helpers.
use std::{
    any::Any,
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use copydesk_admin::{
    AdminSite, AdminUser, AuditEntry, AuditSink, BulkAction, BulkOutcome, FieldChange, FieldErrors,
    Grant, HistoryEntry, ListColumn, ModelAdmin, Options, Registered, Request, Response, SaveError,
    Submission,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    Set, Statement,
};
use serde_json::Value as Json;

use crate::schema::{authors, books, reviews};

/// A person with exactly the grants a test gives them.
pub struct User {
    pub id: i64,
    pub grants: BTreeMap<String, Grant>,
}

impl User {
    /// Every permission on every resource of the tests.
    pub fn admin() -> Self {
        let mut grants = BTreeMap::new();
        for r in ["authors", "books", "reviews"] {
            for a in ["view", "add", "change", "delete"] {
                grants.insert(format!("{r}.{a}"), Grant::All);
            }
        }
        Self { id: 1, grants }
    }

    pub fn with(id: i64, grants: &[(&str, Grant)]) -> Self {
        Self {
            id,
            grants: grants.iter().map(|(p, g)| ((*p).to_string(), *g)).collect(),
        }
    }
}

impl AdminUser for User {
    fn id(&self) -> i64 {
        self.id
    }
    fn role(&self) -> &'static str {
        "editor"
    }
    fn grant(&self, permission: &str) -> Option<Grant> {
        self.grants.get(permission).copied()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The audit log, in its own table, written in the transaction of the change.
pub struct Audit;

#[async_trait]
impl AuditSink for Audit {
    async fn record(
        &self,
        txn: &DatabaseTransaction,
        by: &dyn AdminUser,
        entry: AuditEntry,
    ) -> Result<(), DbErr> {
        let text = |j: &Option<Json>| j.as_ref().map(Json::to_string).into();
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "INSERT INTO audit (actor_id, action, target_type, target_id, before, after)
             VALUES (?, ?, ?, ?, ?, ?)",
            [
                by.id().into(),
                entry.action.into(),
                entry.target_type.into(),
                entry.target_id.into(),
                text(&entry.before),
                text(&entry.after),
            ],
        ))
        .await?;
        Ok(())
    }

    async fn history(
        &self,
        db: &DatabaseConnection,
        _viewer: &dyn AdminUser,
        target_type: &str,
        target_id: &str,
        limit: u64,
    ) -> Result<Vec<HistoryEntry>, DbErr> {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT actor_id, action, before, after FROM audit
                 WHERE target_type = ? AND target_id = ? ORDER BY id DESC LIMIT ?",
                [target_type.into(), target_id.into(), limit.into()],
            ))
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let obj = |col: &str| -> Result<serde_json::Map<String, Json>, DbErr> {
                let text: Option<String> = r.try_get("", col)?;
                Ok(text
                    .and_then(|t| serde_json::from_str::<Json>(&t).ok())
                    .and_then(|j| j.as_object().cloned())
                    .unwrap_or_default())
            };
            let (before, after) = (obj("before")?, obj("after")?);
            let changes = after
                .iter()
                .filter(|(k, v)| before.get(*k) != Some(*v))
                .map(|(k, v)| FieldChange {
                    field: k.clone(),
                    old: before.get(k).map(Json::to_string).unwrap_or_default(),
                    new: v.to_string(),
                })
                .collect();
            let actor: i64 = r.try_get("", "actor_id")?;
            out.push(HistoryEntry {
                at: String::new(),
                actor: format!("person {actor}"),
                action: r.try_get("", "action")?,
                target_type: target_type.to_string(),
                target_id: target_id.to_string(),
                changes,
            });
        }
        Ok(out)
    }
}

pub struct Authors(Options<authors::Entity>);

impl ModelAdmin<authors::Entity> for Authors {
    fn options(&self) -> &Options<authors::Entity> {
        &self.0
    }
}

pub struct Reviews(Options<reviews::Entity>);

impl ModelAdmin<reviews::Entity> for Reviews {
    fn options(&self) -> &Options<reviews::Entity> {
        &self.0
    }
}

/// Which of the write hooks the books registration overrides.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Hooks {
    /// None: the engine's generic write.
    Generic,
    /// `save_model` and `delete_model`, writing without an audit entry.
    Rows,
    /// `bulk_action` too, taking bulk actions whole.
    Whole,
}

pub struct Books {
    options: Options<books::Entity>,
    hooks: Hooks,
    /// What the hooks were called with, in order.
    pub calls: Arc<Mutex<Vec<String>>>,
}

fn books_options() -> Options<books::Entity> {
    Options {
        display_field: "title",
        list_display: vec![
            ListColumn::Field("title"),
            ListColumn::Field("status"),
            ListColumn::Field("author_id"),
            ListColumn::Field("genre"),
        ],
        list_filter: vec!["status", "author_id", "genre"],
        search_fields: vec!["title"],
        ordering: vec!["title"],
        sortable: vec!["title", "id"],
        per_page: 3,
        // For `own` grants: an author acts on their own books only.
        owner_field: Some("author_id"),
        choices: vec![(
            "status",
            vec![("draft", "Draft"), ("published", "Published")],
        )],
        actions: vec![
            BulkAction::delete(),
            BulkAction::set(
                "publish",
                "Publish selected",
                "will be published",
                "status",
                "published",
            ),
        ],
        ..Options::new("library", "books", "book", "books")
    }
}

#[async_trait]
impl ModelAdmin<books::Entity> for Books {
    fn options(&self) -> &Options<books::Entity> {
        &self.options
    }

    fn validate(
        &self,
        _user: &dyn AdminUser,
        values: &BTreeMap<String, String>,
        _obj: Option<&books::Model>,
    ) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if values
            .get("title")
            .is_some_and(|t| t.trim().chars().count() < 2)
        {
            errors.insert("title".into(), "Give the book a title.".into());
        }
        errors
    }

    async fn save_model(
        &self,
        db: &DatabaseConnection,
        _user: &dyn AdminUser,
        submission: Submission<'_, books::Entity>,
    ) -> Option<Result<books::Model, SaveError>> {
        if self.hooks == Hooks::Generic {
            return None;
        }
        let Submission {
            before,
            mut row,
            raw,
            lock_version,
        } = submission;
        self.calls.lock().unwrap().push(format!(
            "save {} status={} lock={lock_version:?}",
            before.map_or(0, |b| b.id),
            raw.get("status").map_or("", String::as_str),
        ));
        if raw.get("title").is_some_and(|t| t == "Refused") {
            let why = FieldErrors::from([("title".to_string(), "Not this one.".to_string())]);
            return Some(Err(SaveError::Fields(why)));
        }
        if let (Some(b), Some(lock)) = (before, lock_version) {
            if b.lock_version != lock {
                return Some(Err(SaveError::Conflict));
            }
            row.lock_version = Set(lock + 1);
        }
        Some(match before {
            Some(_) => row.update(db).await.map_err(SaveError::from),
            None => row.insert(db).await.map_err(SaveError::from),
        })
    }

    async fn delete_model(
        &self,
        db: &DatabaseConnection,
        _user: &dyn AdminUser,
        row: &books::Model,
    ) -> Option<Result<(), SaveError>> {
        if self.hooks == Hooks::Generic {
            return None;
        }
        self.calls
            .lock()
            .unwrap()
            .push(format!("delete {}", row.id));
        Some(
            books::Entity::delete_by_id(row.id)
                .exec(db)
                .await
                .map(|_| ())
                .map_err(SaveError::from),
        )
    }

    async fn bulk_action(
        &self,
        _db: &DatabaseConnection,
        _user: &dyn AdminUser,
        action: &BulkAction,
        ids: &[i64],
    ) -> Option<Result<BulkOutcome, SaveError>> {
        if self.hooks != Hooks::Whole {
            return None;
        }
        self.calls
            .lock()
            .unwrap()
            .push(format!("bulk {} {ids:?}", action.name));
        Some(Ok(BulkOutcome {
            done: ids.len() as u64,
            skipped: 0,
        }))
    }
}

/// The site of the tests, and what the books' hooks were called with.
pub struct Library {
    pub db: DatabaseConnection,
    path: std::path::PathBuf,
    pub site: AdminSite,
    pub calls: Arc<Mutex<Vec<String>>>,
}

pub async fn library(hooks: Hooks) -> Library {
    let (db, path) = crate::schema::database().await;
    let mut site = AdminSite::new(Arc::new(Audit), Arc::new(|md| format!("<p>{md}</p>")));
    site.sections = vec![("library", "Library")];
    site.roles = vec!["editor".to_string()];
    let calls = Arc::new(Mutex::new(Vec::new()));
    site.register(Registered::new(Authors(Options {
        display_field: "name",
        search_fields: vec!["name"],
        ..Options::new("library", "authors", "author", "authors")
    })));
    site.register(Registered::new(Books {
        options: books_options(),
        hooks,
        calls: calls.clone(),
    }));
    site.register(Registered::new(Reviews(Options {
        display_field: "body",
        ..Options::new("library", "reviews", "review", "reviews")
    })));
    site.check().unwrap();
    Library {
        db,
        path,
        site,
        calls,
    }
}

impl Drop for Library {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Library {
    pub async fn author(&self, name: &str) -> i64 {
        authors::ActiveModel {
            name: Set(name.into()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    pub async fn book(&self, title: &str, status: &str, genre: &str, author: i64) -> i64 {
        books::ActiveModel {
            title: Set(title.into()),
            status: Set(status.into()),
            genre: Set(genre.into()),
            author_id: Set(author),
            lock_version: Set(0),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    pub async fn review(&self, book: i64, body: &str) -> i64 {
        reviews::ActiveModel {
            book_id: Set(book),
            body: Set(body.into()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap()
        .id
    }

    pub async fn get(
        &self,
        user: &User,
        slug: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Response {
        self.send(user, slug, false, path, query, &[]).await
    }

    pub async fn post(
        &self,
        user: &User,
        slug: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> Response {
        self.send(user, slug, true, path, &[], form).await
    }

    async fn send(
        &self,
        user: &User,
        slug: &str,
        post: bool,
        path: &str,
        query: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> Response {
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect()
        };
        let req = Request {
            db: &self.db,
            user,
            post,
            rest: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            query: pairs(query),
            form: pairs(form),
            htmx: false,
        };
        self.site.handle("library", slug, &req).await.unwrap()
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT action, target_id FROM audit ORDER BY id".to_string(),
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                let a: String = r.try_get("", "action").unwrap();
                let t: String = r.try_get("", "target_id").unwrap();
                format!("{a} {t}")
            })
            .collect()
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

/// A page's template, status and context; panics on anything else.
pub fn page(r: Response) -> (&'static str, u16, Json) {
    match r {
        Response::Page {
            template,
            status,
            context,
            ..
        } => (template, status, context),
        other => panic!("expected a page, got {other:?}"),
    }
}

/// A redirect's target and flash; panics on anything else.
pub fn redirect(r: Response) -> (String, String) {
    match r {
        Response::Redirect { to, flash } => (to, flash.unwrap_or_default()),
        other => panic!("expected a redirect, got {other:?}"),
    }
}

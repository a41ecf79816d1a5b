//! A signed-in (or not) browser for request tests: keeps the session cookie and adds the
//! session's CSRF token to forms.
use axum::{
    body::Body,
    http::{Method, Request, header},
};
use copydesk::{
    auth::tokens::hash_token,
    models::{
        _entities::sessions,
        users::{self, PasswordChange, UserForm},
    },
    settings::Settings,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{DEFAULT_IP, Resp, TestApp, urlencode};

pub const PASSWORD: &str = "correct horse battery";

/// Creates a user of `role` with [`PASSWORD`].
pub async fn user(app: &TestApp, role: &str, name: &str) -> users::Model {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    let u = users::Model::create_user(
        &app.ctx.db,
        &UserForm {
            email,
            display_name: name.into(),
            bio: String::new(),
            role: role.into(),
        },
    )
    .await
    .unwrap();
    let cfg = Settings::get(&app.ctx).unwrap();
    u.change_password(
        &app.ctx.db,
        &cfg.security,
        &copydesk::auth::RequestMeta::system("test"),
        PasswordChange {
            current: None,
            new_password: PASSWORD,
            keep_session: None,
            action: copydesk::models::audit::Action::PasswordSet,
        },
    )
    .await
    .unwrap()
}

#[derive(Clone)]
pub struct Browser {
    pub app: TestApp,
    /// The session cookie.
    pub cookie: Option<String>,
    /// Other cookies (the admin's one-time flash message), by name.
    pub others: std::collections::BTreeMap<String, String>,
    pub ip: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            app: app.clone(),
            cookie: None,
            others: std::collections::BTreeMap::new(),
            ip: DEFAULT_IP.into(),
        }
    }

    /// Signs in at `door` (`/login` or `/admin/login`) and keeps the session.
    pub async fn signed_in(app: &TestApp, email: &str, door: &str) -> Self {
        let mut b = Self::new(app);
        let res = b.sign_in(email, PASSWORD, door).await;
        assert_eq!(
            res.status,
            axum::http::StatusCode::SEE_OTHER,
            "sign-in of {email} failed: {}",
            res.text
        );
        b
    }

    /// Opens the sign-in page (starting a session) and posts the form.
    pub async fn sign_in(&mut self, email: &str, password: &str, door: &str) -> Resp {
        self.get(door).await;
        self.post(door, &[("email", email), ("password", password)])
            .await
    }

    fn token(&self) -> Option<&str> {
        self.cookie
            .as_deref()
            .and_then(|c| c.split_once('='))
            .map(|(_, v)| v)
    }

    /// The CSRF token of the current session, read from the database.
    pub async fn csrf(&self) -> String {
        let Some(token) = self.token() else {
            return String::new();
        };
        sessions::Entity::find()
            .filter(sessions::Column::TokenHash.eq(hash_token(token)))
            .one(&self.app.ctx.db)
            .await
            .unwrap()
            .map(|s| s.csrf_token)
            .unwrap_or_default()
    }

    fn keep_cookie(&mut self, res: &Resp) {
        for v in res.headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap_or("");
            let pair = v.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=')
                && name.ends_with("_flash")
            {
                if v.contains("Max-Age=0") {
                    self.others.remove(name);
                } else {
                    self.others.insert(name.to_string(), value.to_string());
                }
                continue;
            }
            if v.contains("Max-Age=0") {
                self.cookie = None;
            } else if !pair.is_empty() {
                self.cookie = Some(pair.to_string());
            }
        }
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<String>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::ACCEPT, "text/html");
        let jar: Vec<String> = self
            .cookie
            .iter()
            .cloned()
            .chain(self.others.iter().map(|(k, v)| format!("{k}={v}")))
            .collect();
        if !jar.is_empty() {
            b = b.header(header::COOKIE, jar.join("; "));
        }
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        let req = b.body(body.map_or_else(Body::empty, Body::from)).unwrap();
        let res = self.app.send(req, &self.ip.clone()).await;
        self.keep_cookie(&res);
        res
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.request(Method::GET, path, None, &[]).await
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", &csrf));
        self.post_raw(path, &all, &[]).await
    }

    /// Posts exactly `fields` (no token added) with extra headers.
    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.request(Method::POST, path, Some(body), extra).await
    }
}

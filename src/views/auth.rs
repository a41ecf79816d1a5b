//! What the sign-in, sign-up, password and account pages (`assets/views/auth/`) are given.
use serde::Serialize;

use super::forms::FieldErrors;

/// `auth/login.html`: the staff or the reader sign-in form.
#[derive(Debug, Serialize)]
pub struct SignInPage {
    pub title: &'static str,
    /// Where the form posts (`/login` or `/admin/login`).
    pub action: &'static str,
    pub csrf: String,
    /// What was typed, NUL bytes removed.
    pub email: String,
    /// Where a success goes: a path on this site.
    pub next: String,
    /// Why the last attempt failed, for the whole form.
    pub error: Option<String>,
    pub staff: bool,
    /// Whether to offer "Create an account".
    pub signup: bool,
    pub errors: FieldErrors,
}

/// `auth/signup.html`.
#[derive(Debug, Serialize)]
pub struct SignUpPage {
    pub title: &'static str,
    pub csrf: String,
    pub email: String,
    pub display_name: String,
    pub errors: FieldErrors,
}

/// `auth/forgot.html`: asks for the address to mail a reset link to.
#[derive(Debug, Serialize)]
pub struct ForgotPage {
    pub title: &'static str,
    pub csrf: String,
    /// The form was sent: the page says a link is on its way (whether or not it is).
    pub sent: bool,
    pub errors: FieldErrors,
}

/// `auth/reset.html`: choosing a password by a mailed link (a reset, or an invitation,
/// which says who is welcome and posts to its own address).
#[derive(Debug, Serialize)]
pub struct PasswordPage {
    pub title: &'static str,
    pub csrf: String,
    pub token: String,
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    /// Where the form posts; without it, `/password/reset/{token}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// `auth/message.html`: one title and one paragraph.
#[derive(Debug, Serialize)]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

/// `auth/account.html`: a person's own account.
#[derive(Debug, Serialize)]
pub struct AccountPage {
    pub title: &'static str,
    pub csrf: String,
    pub email: String,
    pub verified: bool,
    pub role: String,
    pub staff: bool,
    pub display_name: String,
    pub bio: String,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    /// The newest mail to the person and how its delivery went (on the plain page only).
    pub mail: Option<MailStatus>,
    /// The workflow notices the person can receive, each on or off.
    pub notices: Vec<NoticeChoice>,
    /// The person's time zone (empty: the site's), the site's, and every zone to choose.
    pub time_zone: String,
    pub site_zone: String,
    pub zones: Vec<&'static str>,
    /// Strikes, removals and appeals (docs/moderation.md).
    pub standing: Vec<StandingRow>,
    /// "You cannot comment until …", when silenced.
    pub silenced: Option<String>,
    /// An appeal's words, when its form comes back with an error.
    pub appeal_text: String,
    /// Where the appeal forms post.
    pub appeal_action: String,
}

/// `auth/appeal.html`: a suspended or banned person's standing, reached by their mailed
/// appeal link; the same section as the account page's, and nothing else of the account.
#[derive(Debug, Serialize)]
pub struct AppealLinkPage {
    pub title: &'static str,
    pub csrf: String,
    pub name: String,
    /// `suspended` or `banned` (or `active`, once it ended: the link still shows the appeals).
    pub status: String,
    pub errors: FieldErrors,
    pub notice: Option<&'static str>,
    pub standing: Vec<StandingRow>,
    pub silenced: Option<String>,
    pub appeal_text: String,
    pub appeal_action: String,
}

/// A sanction on the person or a removal of their content, on the account page.
#[derive(Debug, Serialize)]
pub struct StandingRow {
    /// `sanction` or `removal`, and its id (the form sends it back).
    pub kind: &'static str,
    pub id: i32,
    pub what: String,
    pub at: String,
    /// Whether it counts as a strike now.
    pub strike: bool,
    pub strike_note: String,
    pub appeal_status: Option<String>,
    pub appeal_note: String,
    pub may_appeal: bool,
}

/// One kind of notice on the account page.
#[derive(Debug, Serialize)]
pub struct NoticeChoice {
    pub kind: &'static str,
    pub label: &'static str,
    pub on: bool,
}

/// The delivery of the newest mail to a person, in plain words.
#[derive(Debug, Serialize)]
pub struct MailStatus {
    pub subject: String,
    pub state: String,
    pub error: Option<String>,
}

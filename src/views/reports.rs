//! The report page (`/posts/{slug}/report`, `/comments/{id}/report`): what is reported, the
//! form with an error next to each field, or the sentence that says why there is no form.
use serde::Serialize;
use validator::ValidationErrors;

use super::posts::post_url;
use crate::{
    markdown,
    models::moderation::{
        Reason,
        reports::{ReportForm, Reportable},
    },
};

/// The first `max` characters of a comment as plain text, with an ellipsis when cut.
fn excerpt(body: &str, max: usize) -> String {
    let text = markdown::plain_text(body);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// One choice of reason.
#[derive(Debug, Serialize)]
pub struct ReasonOption {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

fn words(reason: Reason) -> (&'static str, &'static str) {
    match reason {
        Reason::Spam => (
            "Spam",
            "Advertising, scams or links that have nothing to do here.",
        ),
        Reason::Harassment => ("Harassment", "Insults, threats or attacks on a person."),
        Reason::OffTopic => ("Off topic", "Nothing to do with the story."),
        Reason::Illegal => (
            "Illegal content",
            "Something that breaks the law, such as hate speech or private details.",
        ),
        Reason::Other => ("Something else", "Tell us what is wrong below."),
    }
}

#[derive(Debug, Default, Serialize)]
pub struct ReportPage {
    /// "Report a comment" or "Report a post".
    pub heading: String,
    /// What is reported, in words ("the comment by Grace on “A title”").
    pub what: String,
    /// The start of the reported comment, as plain text.
    pub excerpt: Option<String>,
    /// Where the form posts (this page's own address).
    pub action: String,
    /// The reported thing on its page.
    pub back_url: String,
    pub reasons: Vec<ReasonOption>,
    pub text: String,
    pub reason_error: Option<String>,
    pub text_error: Option<String>,
    pub error_count: usize,
    /// A refusal for the whole form (the rate limit): the form stays, with the text kept.
    pub form_error: Option<String>,
    /// A refusal that leaves nothing to fill in (one's own, already reported, removed): the
    /// page says so instead of showing the form.
    pub closed: Option<String>,
    pub csrf: Option<String>,
    pub signed_in_as: Option<String>,
}

impl ReportPage {
    /// The empty form for `item`, posting to `action`.
    #[must_use]
    pub fn new(item: &Reportable, action: String, author_name: &str) -> Self {
        let title = &item.post.title;
        let (heading, what, excerpt, back_url) = item.comment.as_ref().map_or_else(
            || {
                (
                    "Report a post".to_string(),
                    format!("the post “{title}” by {author_name}"),
                    None,
                    post_url(&item.post.slug),
                )
            },
            |c| {
                (
                    "Report a comment".to_string(),
                    format!("the comment by {author_name} on “{title}”"),
                    Some(excerpt(&c.body, 280)),
                    format!("{}#comment-{}", post_url(&item.post.slug), c.id),
                )
            },
        );
        let mut page = Self {
            heading,
            what,
            excerpt,
            action,
            back_url,
            ..Self::default()
        };
        page.fill(&ReportForm::default());
        page
    }

    /// Shows what was sent, so nothing typed is lost.
    pub fn fill(&mut self, form: &ReportForm) {
        self.text.clone_from(&form.text);
        self.reasons = Reason::ALL
            .iter()
            .map(|r| {
                let (label, hint) = words(*r);
                ReasonOption {
                    value: r.as_str(),
                    label,
                    hint,
                    checked: form.reason == r.as_str(),
                }
            })
            .collect();
    }

    /// The messages of `errors`, each next to its field.
    pub fn errors(&mut self, errors: &ValidationErrors) {
        let fields = errors.field_errors();
        let message = |field: &str| {
            fields.get(field).and_then(|errs| errs.first()).map(|e| {
                e.message
                    .as_ref()
                    .map_or_else(|| "Check this field.".to_string(), ToString::to_string)
            })
        };
        self.reason_error = message("reason");
        self.text_error = message("text");
        self.error_count =
            usize::from(self.reason_error.is_some()) + usize::from(self.text_error.is_some());
    }
}

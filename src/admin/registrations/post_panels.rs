//! The panels under a post's change page: where it stands in its workflow, its latest
//! revisions, and its background jobs.
use copydesk_admin::{HiddenField, Panel, PanelButton, PanelRow};
use sea_orm::DatabaseConnection;

use crate::models::_entities::posts;

/// What the accessibility check finds in the post as saved, each row a link to its field
/// on this page. Errors block the steps towards readers (docs/editorial.md).
pub(super) fn accessibility(row: &posts::Model) -> Panel {
    let report =
        crate::models::posts::accessibility::check(&row.title, &row.summary, &row.body_markdown);
    let view = |f: &crate::models::posts::accessibility::Finding| {
        crate::views::admin::workflow::FindingView::new(f, "")
    };
    Panel {
        title: "Accessibility".into(),
        empty: "No problems found in the saved post.".into(),
        rows: report
            .findings
            .iter()
            .map(|f| {
                let v = view(f);
                PanelRow {
                    text: format!("{}: {}", v.place, v.message),
                    detail: if f.severity.as_str() == "error" {
                        "Blocks submitting, approving, scheduling and publishing.".into()
                    } else {
                        "Advice.".into()
                    },
                    state: if f.severity.as_str() == "error" {
                        "failed".into()
                    } else {
                        "pending".into()
                    },
                    href: Some(v.href),
                    button: None,
                }
            })
            .collect(),
    }
}

/// Where the post stands in its workflow and the steps the viewer may take, on their page.
pub(super) fn workflow(staff: &crate::admin::Staff, row: &posts::Model) -> Panel {
    use crate::models::posts::workflow::Transition;
    let next: Vec<&str> = Transition::available(&staff.actor, row, &staff.settings.editorial)
        .into_iter()
        .map(Transition::label)
        .collect();
    Panel {
        title: "Workflow".into(),
        empty: String::new(),
        rows: vec![
            PanelRow {
                text: format!("This post is {}.", row.state.replace('_', " ")),
                detail: if next.is_empty() {
                    "There is no step you can take on it now; its timeline is on the workflow page."
                        .into()
                } else {
                    format!("Next: {}.", next.join(", "))
                },
                state: row.state.clone(),
                href: Some(format!("/admin/posts/{}/workflow", row.id)),
                button: None,
            },
            PanelRow {
                text: "Preview it as readers will see it".into(),
                detail: "Opens the reader page of the post as saved, whatever its state; the \
                     workflow page makes links for reviewers without an account."
                    .into(),
                state: String::new(),
                href: Some(format!("/admin/posts/{}/preview", row.id)),
                button: None,
            },
        ],
    }
}

/// The post's latest revisions, each linked to its changes, and the way to all of them.
pub(super) async fn revisions(db: &DatabaseConnection, row: &posts::Model) -> Panel {
    use crate::{models::posts::revisions, views::admin::revisions::RevisionRow};
    let title = "Revisions".to_string();
    let failed = |e: sea_orm::DbErr| Panel {
        title: title.clone(),
        empty: String::new(),
        rows: vec![PanelRow {
            text: "The revisions could not be read.".into(),
            detail: e.to_string(),
            state: "failed".into(),
            href: None,
            button: None,
        }],
    };
    let page = match revisions::list(db, row.id, 1, 5).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    let names = match crate::models::users::display_names(
        db,
        page.items.iter().filter_map(|r| r.author_id),
    )
    .await
    {
        Ok(n) => n,
        Err(e) => return failed(e),
    };
    let base = format!("/admin/posts/{}/revisions", row.id);
    let mut rows = vec![PanelRow {
        text: format!(
            "All {} revision{}: compare any two, or restore one",
            page.total_items,
            if page.total_items == 1 { "" } else { "s" }
        ),
        detail: String::new(),
        state: String::new(),
        href: Some(base.clone()),
        button: None,
    }];
    rows.extend(page.items.iter().map(|r| {
        let shown = RevisionRow::new(r, r.author_id.and_then(|a| names.get(&a).cloned()), false);
        PanelRow {
            text: format!(
                "Revision {}: {} by {}",
                shown.number, shown.origin, shown.author
            ),
            detail: format!("{} · changed {}", shown.created, shown.changed.join(", ")),
            state: String::new(),
            href: (r.number > 1)
                .then(|| format!("{base}/compare?a={}&b={}", r.number - 1, r.number)),
            button: None,
        }
    }));
    Panel {
        title,
        empty: "No revisions yet.".into(),
        rows,
    }
}

/// The post's background jobs (scheduled publishing), with Retry where the viewer may.
pub(super) async fn jobs(staff: &crate::admin::Staff, row: &posts::Model) -> Option<Panel> {
    record_jobs(staff, &crate::jobs::records::post_record(row.id), "post").await
}

/// The background jobs about one record (`what`: "post", "image"), with Retry where the
/// viewer may; nothing for someone who may not see jobs when none ran. A job store that
/// cannot be read says so rather than showing an empty panel.
pub(super) async fn record_jobs(
    staff: &crate::admin::Staff,
    record: &str,
    what: &str,
) -> Option<Panel> {
    let title = format!("Background jobs for this {what}");
    let jobs = match crate::jobs::records::jobs_for_record(&staff.ctx, &staff.actor, record).await {
        Ok(jobs) => jobs,
        Err(e) => {
            return Some(Panel {
                title,
                empty: String::new(),
                rows: vec![PanelRow {
                    text: "The background jobs could not be read.".into(),
                    detail: e.to_string(),
                    state: "failed".into(),
                    href: None,
                    button: None,
                }],
            });
        }
    };
    if jobs.is_empty()
        && staff
            .actor
            .grant(crate::auth::Capability::JOBS_VIEW)
            .is_none()
    {
        return None;
    }
    Some(Panel {
        title,
        empty: format!("No background jobs have run for this {what}."),
        rows: jobs
            .into_iter()
            .map(|j| PanelRow {
                text: format!("{}: {}", j.class, j.state),
                detail: if j.failed {
                    j.error
                        .clone()
                        .unwrap_or_else(|| "It failed without a message.".into())
                } else {
                    j.updated.clone()
                },
                state: if j.failed { "failed" } else { "ok" }.into(),
                href: None,
                button: j.can_retry.then(|| PanelButton {
                    label: "Retry now".into(),
                    url: j.retry_url.to_string(),
                    fields: vec![
                        HiddenField {
                            name: "jid".into(),
                            value: j.jid.clone(),
                        },
                        // No page to come back to: the retry lands on the person's jobs.
                        HiddenField {
                            name: "back".into(),
                            value: j.back.clone().unwrap_or_default(),
                        },
                    ],
                }),
            })
            .collect(),
    })
}

/// Open review comments by the field they are about (`""`: the post as a whole, shown
/// under the title), each with a Resolve button for those who may.
pub(super) async fn comment_notes(
    db: &DatabaseConnection,
    staff: &crate::admin::Staff,
    row: &posts::Model,
) -> std::collections::BTreeMap<String, Vec<PanelRow>> {
    use crate::models::posts::review_comments;
    let mut out: std::collections::BTreeMap<String, Vec<PanelRow>> =
        std::collections::BTreeMap::new();
    let comments = match review_comments::list(db, row.id).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(post = row.id, error = %e, "could not read the review comments");
            return out;
        }
    };
    let open: Vec<_> = comments
        .iter()
        .filter(|c| c.resolved_at.is_none())
        .collect();
    let names = match crate::models::users::display_names(
        db,
        open.iter().filter_map(|c| c.author_id),
    )
    .await
    {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(post = row.id, error = %e, "could not read the commenters' names");
            std::collections::HashMap::new()
        }
    };
    let may = review_comments::may_comment(&staff.actor, row);
    let tz = staff.settings.editorial.tz_for(&staff.actor.user);
    for c in open {
        let field = if c.field.is_empty() {
            "title"
        } else {
            c.field.as_str()
        };
        let who = c
            .author_id
            .and_then(|a| names.get(&a).cloned())
            .unwrap_or_else(|| "A former colleague".into());
        out.entry(field.to_string()).or_default().push(PanelRow {
            text: format!("Review comment: “{}”", c.body),
            detail: format!(
                "{who}, {} (revision {}){}",
                crate::views::time::show(tz, c.created_at),
                c.revision,
                if c.field.is_empty() {
                    ", about the post as a whole"
                } else {
                    ""
                }
            ),
            state: "pending".into(),
            href: None,
            button: may.then(|| PanelButton {
                label: "Resolve".into(),
                url: format!("/admin/posts/{}/comments/{}/resolve", row.id, c.id),
                fields: vec![HiddenField {
                    name: "back".into(),
                    value: "post".into(),
                }],
            }),
        });
    }
    out
}

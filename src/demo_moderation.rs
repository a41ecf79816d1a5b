//! The demo's moderation: reason presets, and a queue a newcomer signed in as the demo
//! moderator (`moderator@example.com`, Odile Farrant) can work at once — open cases at every
//! priority, one hidden by its score, one claimed by her colleague Idris Calloway, one
//! escalated, closed cases behind them in the mod log, a silenced member whose appeal waits,
//! and a member whose old warning has expired.
//!
//! Everything is written through the moderation model functions, inside the demo seed's
//! transaction, so the scores, reporter accuracies, mod log and audit entries are what real
//! use would leave. Only the expired warning is backdated by a direct update: no model
//! function gives a sanction in the past. The silence (and the removal before it) are Idris's,
//! so Odile — the moderator the start message and README name — may decide the appeal
//! (nobody decides an appeal against their own action).
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};

use crate::{
    actor::{Actor, RequestMeta, Via},
    models::{
        _entities::mod_log,
        comments,
        moderation::{
            self, NewFlag, Reason, Source, Target,
            appeals::{self, AppealForm},
            claims,
            decide::{self, DecisionForm},
            reasons::{self, Applies, ReasonForm},
            sanctions::{self, SanctionForm},
        },
        now, posts, users,
    },
    settings::Moderation,
};

/// The presets: (form, label, what it covers).
const PRESETS: &[(Applies, &str, &str)] = &[
    (
        Applies::Decision,
        "Spam",
        "Advertising, or links posted to sell something rather than to take part.",
    ),
    (
        Applies::Decision,
        "Harassment or abuse",
        "Insults, threats or contempt aimed at a person: the writer, a commenter or anyone named.",
    ),
    (
        Applies::Decision,
        "Off-topic",
        "Nothing to do with the piece or the conversation under it.",
    ),
    (
        Applies::Decision,
        "Personal information",
        "An address, a phone number or other details that identify a private person.",
    ),
    (
        Applies::Decision,
        "Within the rules",
        "Sharp or unwelcome perhaps, but within the comment rules: it stays.",
    ),
    (
        Applies::Sanction,
        "Repeated harassment",
        "Abuse again after a removal or a warning.",
    ),
    (
        Applies::Sanction,
        "Spam account",
        "An account that exists to advertise.",
    ),
    (
        Applies::Sanction,
        "Ignored warnings",
        "Kept on after being warned about the same thing.",
    ),
];

/// Writes the missing presets and, on a site whose mod log is still empty, the queue's
/// story. Returns how many moderation records it wrote (presets, flags, decisions,
/// sanctions, appeals); a second run writes none.
///
/// # Errors
/// A demo person or comment is missing, or a model function refuses or fails.
pub async fn seed(txn: &DatabaseTransaction, settings: &Moderation) -> loco_rs::Result<usize> {
    let mut n = presets(txn).await?;
    // A site whose moderation has begun is not given a made-up history.
    if mod_log::Entity::find().one(txn).await?.is_none() {
        n += story(txn, settings).await?;
    }
    Ok(n)
}

/// An account acting through the model functions, as a task does (no session).
fn acting(user: users::Model) -> Actor {
    Actor {
        user,
        via: Via::Token {
            token_id: 0,
            write: true,
        },
    }
}

async fn person(txn: &DatabaseTransaction, email: &str) -> loco_rs::Result<Actor> {
    users::Model::find_by_email(txn, email)
        .await?
        .map(acting)
        .ok_or_else(|| loco_rs::Error::string(&format!("demo moderation: no person {email}")))
}

fn wrap(e: crate::models::WriteError) -> loco_rs::Error {
    loco_rs::Error::string(&format!("demo moderation: {e}"))
}

async fn presets(txn: &DatabaseTransaction) -> loco_rs::Result<usize> {
    let mut written = 0;
    let odile = person(txn, crate::demo::MODERATOR).await?;
    let meta = RequestMeta::system("demo seed");
    for (i, (applies, label, text)) in PRESETS.iter().enumerate() {
        let exists = reasons::entity::Entity::find()
            .filter(reasons::entity::Column::Applies.eq(applies.as_str()))
            .filter(reasons::entity::Column::Label.eq(*label))
            .one(txn)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let form = ReasonForm {
            applies: applies.as_str().into(),
            label: (*label).into(),
            text: (*text).into(),
            position: i32::try_from(i * 10).unwrap_or(i32::MAX),
            active: true,
        };
        reasons::add(txn, &odile, &meta, &form)
            .await
            .map_err(wrap)?;
        written += 1;
    }
    Ok(written)
}

/// The comment on post `slug` by the member `by` (an address) or the guest named `by`.
async fn comment(txn: &DatabaseTransaction, slug: &str, by: &str) -> loco_rs::Result<Target> {
    let post = posts::Entity::find()
        .filter(posts::Column::Slug.eq(slug))
        .one(txn)
        .await?
        .ok_or_else(|| loco_rs::Error::string(&format!("demo moderation: no post {slug}")))?;
    let mut q = comments::Entity::find().filter(comments::Column::PostId.eq(post.id));
    q = match users::Model::find_by_email(txn, by).await? {
        Some(u) => q.filter(comments::Column::AuthorId.eq(u.id)),
        None => q.filter(comments::Column::GuestName.eq(by)),
    };
    let found = q.all(txn).await?;
    match found.as_slice() {
        [c] => Ok(Target::Comment(c.id)),
        _ => Err(loco_rs::Error::string(&format!(
            "demo moderation: {} comments by {by} on {slug}, not one",
            found.len()
        ))),
    }
}

/// The moderation story, oldest step first (each step's reporter accuracy follows from the
/// decisions before it).
struct Story<'a> {
    txn: &'a DatabaseTransaction,
    settings: &'a Moderation,
    meta: RequestMeta,
    written: usize,
}

impl Story<'_> {
    async fn report(
        &mut self,
        target: Target,
        by: Option<&Actor>,
        reason: Reason,
        text: &str,
    ) -> loco_rs::Result<moderation::Case> {
        self.written += 1;
        moderation::flag(
            self.txn,
            self.settings,
            &NewFlag {
                target,
                source: Source::Report,
                reason: reason.as_str().into(),
                text: text.into(),
                reporter_id: by.map(|a| a.user.id),
                // A guest reporter is known only by a key (there: of their address).
                reporter_key: if by.is_some() {
                    String::new()
                } else {
                    moderation::content_hash("demo guest reader")
                },
            },
        )
        .await
        .map_err(wrap)
    }

    async fn rule(
        &mut self,
        target: Target,
        rule: &str,
        found: &str,
    ) -> loco_rs::Result<moderation::Case> {
        self.written += 1;
        moderation::flag(
            self.txn,
            self.settings,
            &NewFlag {
                target,
                source: Source::Rule,
                reason: rule.into(),
                text: found.into(),
                reporter_id: None,
                reporter_key: String::new(),
            },
        )
        .await
        .map_err(wrap)
    }

    async fn decide(
        &mut self,
        by: &Actor,
        case: &moderation::Case,
        decision: decide::Decision,
        reason: &str,
        note: &str,
    ) -> loco_rs::Result<moderation::Case> {
        self.written += 1;
        let form = DecisionForm {
            decision: decision.as_str().into(),
            reason: reason.into(),
            note: note.into(),
            seen_version: Some(case.lock_version),
            ..DecisionForm::default()
        };
        decide::decide(self.txn, by, &self.meta, self.settings, case.id, &form)
            .await
            .map(|d| d.case)
            .map_err(wrap)
    }

    async fn sanction(
        &mut self,
        by: &Actor,
        form: &SanctionForm,
    ) -> loco_rs::Result<sanctions::Sanction> {
        self.written += 1;
        sanctions::sanction(self.txn, by, &self.meta, self.settings, form)
            .await
            .map(|g| g.sanction)
            .map_err(wrap)
    }
}

async fn story(txn: &DatabaseTransaction, settings: &Moderation) -> loco_rs::Result<usize> {
    use decide::Decision::{Escalate, Keep, Remove, ReviewedFine};
    let margit = person(txn, "admin@example.com").await?;
    let odile = person(txn, crate::demo::MODERATOR).await?;
    let idris = person(txn, crate::demo::SECOND_MODERATOR).await?;
    // Reporters: June's and Hanne's reports are upheld, Arnav's dismissed, so their later
    // reports weigh differently (reporter_stats).
    let june = person(txn, "june.whitlock@example.com").await?;
    let arnav = person(txn, "arnav.desai@example.com").await?;
    let hanne = person(txn, "hanne.vik@example.com").await?;
    let gideon = person(txn, "gideon.marsh@example.com").await?;
    let callum = person(txn, "callum.reyes@example.com").await?;
    let mut s = Story {
        txn,
        settings,
        meta: RequestMeta::system("demo seed"),
        written: 0,
    };

    // Closed cases, so the mod log and the reporters' records have a history.
    let loans = comment(
        txn,
        "the-night-bakers-of-harbour-street",
        "Quick Loans Today",
    )
    .await?;
    s.report(loans, Some(&june), Reason::Spam, "An advert for loans.")
        .await?;
    let case = s.rule(loans, "links", "quick-loans-today.example").await?;
    s.decide(&idris, &case, Remove, "Spam", "").await?;

    let ewan = comment(txn, "a-field-guide-to-the-semicolon", "Ewan Tarrant").await?;
    let case = s
        .report(
            ewan,
            Some(&arnav),
            Reason::Harassment,
            "Rude to the writer.",
        )
        .await?;
    s.decide(
        &idris,
        &case,
        Keep,
        "Within the rules",
        "Disagrees politely; nothing personal.",
    )
    .await?;

    let maud = comment(
        txn,
        "what-we-learned-from-versioning-our-style-guide",
        "Maud Lefevre",
    )
    .await?;
    let case = s
        .report(
            maud,
            Some(&arnav),
            Reason::OffTopic,
            "About a newsletter, not this.",
        )
        .await?;
    s.decide(&odile, &case, ReviewedFine, "Within the rules", "")
        .await?;

    // Gideon insulted a writer; Idris removed it and silenced him for a week. Gideon
    // appeals the silence: the appeal waits in the queue for another moderator (Odile).
    let trams = comment(
        txn,
        "why-our-trams-keep-coming-back",
        "gideon.marsh@example.com",
    )
    .await?;
    s.report(
        trams,
        Some(&june),
        Reason::Harassment,
        "Calls people thick.",
    )
    .await?;
    let case = s
        .report(trams, Some(&hanne), Reason::Harassment, "")
        .await?;
    let removed = s
        .decide(
            &idris,
            &case,
            Remove,
            "Harassment or abuse",
            "Insults the writer and everyone who disagrees.",
        )
        .await?;
    let silence = s
        .sanction(
            &idris,
            &SanctionForm {
                kind: sanctions::Kind::Silence.as_str().into(),
                user_id: gideon.user.id,
                case_id: Some(removed.id),
                reason: "Repeated harassment".into(),
                note: "Second insult this month; you can comment again in a week.".into(),
                days: Some(7),
            },
        )
        .await?;
    s.written += 1;
    appeals::file(
        txn,
        &gideon,
        &s.meta,
        settings,
        &AppealForm {
            sanction_id: Some(silence.id),
            case_id: None,
            text: "I was rude about the budget, not about anyone in particular. A week is too long for one comment.".into(),
        },
    )
    .await
    .map_err(wrap)?;

    // Rook posted the same spam twice; Margit removed it and suspended him for two weeks.
    // He cannot sign in, so his notice carries his appeal link.
    let starter = comment(
        txn,
        "the-night-bakers-of-harbour-street",
        "rook.tallis@example.com",
    )
    .await?;
    s.rule(starter, "links", "starter-deals.example/now")
        .await?;
    let case = s
        .report(starter, Some(&june), Reason::Spam, "Selling starter kits.")
        .await?;
    let removed = s
        .decide(&margit, &case, Remove, "Spam", "Three shop links.")
        .await?;
    let rook = person(txn, "rook.tallis@example.com").await?;
    s.sanction(
        &margit,
        &SanctionForm {
            kind: sanctions::Kind::Suspend.as_str().into(),
            user_id: rook.user.id,
            case_id: Some(removed.id),
            reason: "Spam".into(),
            note: "Advertising after a warning by mail; two weeks off.".into(),
            days: Some(14),
        },
    )
    .await?;

    // Callum was warned long ago; the strike has expired.
    let warning = s
        .sanction(
            &odile,
            &SanctionForm {
                kind: sanctions::Kind::Warn.as_str().into(),
                user_id: callum.user.id,
                reason: "Ignored warnings".into(),
                note: "Please keep arguments with other readers out of the comments.".into(),
                ..SanctionForm::default()
            },
        )
        .await?;
    backdate(txn, warning, Duration::days(settings.strike_days + 20)).await?;

    // Open cases. High, and hidden by its score: several reports and a rule hit.
    let canal = comment(
        txn,
        "walking-the-old-canal-line",
        "gideon.marsh@example.com",
    )
    .await?;
    s.report(canal, Some(&june), Reason::Harassment, "Insulting again.")
        .await?;
    s.report(canal, Some(&hanne), Reason::Harassment, "")
        .await?;
    s.report(canal, None, Reason::Harassment, "Calls walkers idiots.")
        .await?;
    s.rule(canal, "blocked_words", "idiots").await?;

    // Medium: a post reported by three readers, given to Idris by the admin, who holds it.
    let tides = posts::Entity::find()
        .filter(posts::Column::Slug.eq("what-the-tide-gauges-are-telling-us"))
        .one(txn)
        .await?
        .ok_or_else(|| loco_rs::Error::string("demo moderation: no tide gauges post"))?;
    let tides = Target::Post(tides.id);
    let fact = "The harbour wall was raised in 1986, not 1968.";
    s.report(tides, Some(&june), Reason::Other, fact).await?;
    s.report(tides, Some(&hanne), Reason::Other, fact).await?;
    let case = s
        .report(
            tides,
            None,
            Reason::Other,
            "The dates in the second section are wrong.",
        )
        .await?;
    s.written += 1;
    claims::assign(txn, &margit, &s.meta, settings, case.id, idris.user.id)
        .await
        .map_err(wrap)?;

    // Medium, escalated: a private person's address; an admin decides.
    let market = comment(
        txn,
        "the-market-at-dawn-a-fishmonger-talks-shop",
        "callum.reyes@example.com",
    )
    .await?;
    let case = s
        .report(
            market,
            Some(&june),
            Reason::Illegal,
            "Gives a neighbour's home address.",
        )
        .await?;
    s.decide(
        &idris,
        &case,
        Escalate,
        "Personal information",
        "Names a private person and where he lives; remove, and should we tell him?",
    )
    .await?;

    // Low: rule hits on a first comment held for review, and one report from a reader whose
    // reports are seldom upheld.
    let tables = comment(
        txn,
        "what-the-tide-gauges-are-telling-us",
        "Tide Tables Pro",
    )
    .await?;
    s.rule(tables, "links", "tidetables-pro.example/coast")
        .await?;
    s.rule(tables, "first_comments", "a first comment from this name")
        .await?;
    let pavel = comment(txn, "the-night-bakers-of-harbour-street", "Pavel R.").await?;
    s.report(
        pavel,
        Some(&arnav),
        Reason::Harassment,
        "Disrespectful to the baker.",
    )
    .await?;

    Ok(s.written)
}

/// Moves a sanction given now (the story's only one of its kind for its person) back by
/// `ago` — when it was given, when it started, when its strike expires — and its mod log row
/// with it. A direct update, the only one in the demo's
/// moderation: no model function gives a sanction in the past. (Its audit entry keeps the
/// time it was really written.)
async fn backdate(
    txn: &DatabaseTransaction,
    s: sanctions::Sanction,
    ago: Duration,
) -> loco_rs::Result<()> {
    let at = now() - ago;
    let strike = at + (s.strike_expires_at - s.created_at);
    let (user, kind) = (s.user_id, s.kind.clone());
    let mut row: sanctions::entity::ActiveModel = s.into();
    row.created_at = Set(at);
    row.starts_at = Set(at);
    row.strike_expires_at = Set(strike);
    row.update(txn).await?;
    let logged = mod_log::Entity::find()
        .filter(mod_log::Column::Action.eq(kind))
        .filter(mod_log::Column::SubjectId.eq(user))
        .one(txn)
        .await?;
    if let Some(r) = logged {
        let mut r: mod_log::ActiveModel = r.into();
        r.created_at = Set(at);
        r.update(txn).await?;
    }
    Ok(())
}

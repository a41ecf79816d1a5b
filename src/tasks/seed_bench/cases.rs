//! `seed_bench cases:N reports:M`: N open moderation cases, each about one generated comment
//! on the seeded posts, and M flags spread over them, for `benches/moderation.py`.
//!
//! Each case's flags number 1 to `2 × (M / N) - 1` (M in all), mostly reader reports
//! (spam, harassment, off-topic, illegal, other) from a pool of [`REPORTERS`] generated
//! members, a few rule flags. Each case stores the [`score::Inputs`] of its flags, and its
//! score, priority and hiding are what those inputs give with the default thresholds
//! (`settings::Moderation::default()`): the reporters' accuracies are chosen so the scores
//! spread from about 0.5 to 12 (a tenth below the low threshold, a fifth high). About a tenth
//! of the cases are claimed by the bench moderator (a claim that outlasts a run), about one
//! in twenty is escalated; no appeals.
//!
//! Comments, cases and flags get explicit ids (above every id so far), so a case's stored
//! inputs can name its flags without reading them back; PostgreSQL's sequences are moved past
//! them at the end. Inserts are multi-row like the posts', within both databases' bind
//! limits (20 columns × 1,000 rows).
use chrono::{DateTime, Duration, FixedOffset};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{ADJECTIVES, NOUNS, PLACES, ROWS_PER_STATEMENT, ROWS_PER_TRANSACTION, Rng};
use crate::{
    markdown,
    models::{
        audit, comments,
        moderation::{cases, content_hash, flags, score, tags as case_tags},
        now, posts,
        users::{self, PasswordChange, Role, UserForm, UserStatus},
    },
    settings::{Moderation, Security},
};

/// The moderator the benchmark signs in as.
pub const BENCH_MODERATOR_EMAIL: &str = "bench-moderator@example.com";
/// Its password: a benchmark database only, never a real one.
pub const BENCH_MODERATOR_PASSWORD: &str = "bench-moderator-password";
/// Members who report (and write the comments).
const REPORTERS: u64 = 1_000;
const DAY: i64 = 24 * 60 * 60;

const REASONS: &[(&str, u64)] = &[
    ("spam", 40),
    ("harassment", 20),
    ("off_topic", 20),
    ("other", 12),
    ("illegal", 4),
];
const RULES: &[&str] = &["links", "blocked_words", "first_comments", "repeated_text"];
const WORDS: &[&str] = &[
    "This is an advert, not a comment.",
    "Rude to the other commenters.",
    "Nothing to do with the article.",
    "Please look at this one.",
    "Same text posted under every article.",
    "Personal attack on the author.",
    "",
];

/// Writes cases (and their comments and flags) until there are `target` cases, with
/// `reports` flags over the new ones; returns how many cases and flags it wrote.
///
/// # Errors
/// When `reports` is below the number of cases to write (every case has a flag), when no
/// post exists to comment on, or when the database cannot be read or written.
pub async fn seed(
    db: &DatabaseConnection,
    security: &Security,
    target: u64,
    reports: u64,
) -> loco_rs::Result<(u64, u64)> {
    let moderator = bench_moderator(db, security).await?;
    let existing = cases::Entity::find().count(db).await?;
    if existing >= target {
        println!("seed_bench: {existing} cases already, nothing to do");
        return Ok((0, 0));
    }
    let missing = target - existing;
    if reports < missing {
        return Err(loco_rs::Error::string(&format!(
            "reports:{reports} is fewer than the {missing} cases to write: each needs a flag"
        )));
    }
    let post_ids: Vec<i32> = posts::Entity::find()
        .select_only()
        .column(posts::Column::Id)
        .order_by_asc(posts::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    if post_ids.is_empty() {
        return Err(loco_rs::Error::string(
            "no posts to comment on: seed posts first (posts:N)",
        ));
    }
    let people = reporters(db).await?;
    let plan = Plan {
        cases: missing,
        flags: reports,
        first_comment: next_id::<comments::Entity, _>(db, comments::Column::Id).await?,
        first_case: next_id::<cases::Entity, _>(db, cases::Column::Id).await?,
        moderator,
        at: now(),
        settings: Moderation::default(),
    };
    let mut next_flag = next_id::<flags::Entity, _>(db, flags::Column::Id).await?;
    let started = std::time::Instant::now();
    let mut written = 0u64;
    while written < missing {
        let in_txn = (missing - written).min(ROWS_PER_TRANSACTION as u64);
        let txn = crate::db::begin_write(db).await?;
        let mut done = 0u64;
        while done < in_txn {
            let rows = (in_txn - done).min(ROWS_PER_STATEMENT as u64);
            let mut comment_rows = Vec::new();
            let mut case_rows = Vec::new();
            let mut flag_rows = Vec::new();
            for i in written + done..written + done + rows {
                let made = plan.case(i, next_flag, &post_ids, &people);
                next_flag += i32::try_from(made.flags.len()).unwrap_or(i32::MAX);
                comment_rows.push(made.comment);
                case_rows.push(made.case);
                flag_rows.extend(made.flags);
            }
            comments::Entity::insert_many(comment_rows)
                .exec_without_returning(&txn)
                .await?;
            cases::Entity::insert_many(case_rows)
                .exec_without_returning(&txn)
                .await?;
            for chunk in chunks(flag_rows) {
                flags::Entity::insert_many(chunk)
                    .exec_without_returning(&txn)
                    .await?;
            }
            done += rows;
        }
        txn.commit().await?;
        written += in_txn;
        if written.is_multiple_of(20_000) || written == missing {
            println!(
                "seed_bench: {written}/{missing} cases ({:.1}s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    move_sequences(db).await?;
    Ok((written, reports))
}

fn chunks<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        out.push(rows.by_ref().take(ROWS_PER_STATEMENT).collect());
    }
    out
}

/// One above the highest `id` of `E` so far.
async fn next_id<E, C>(db: &DatabaseConnection, id: C) -> loco_rs::Result<i32>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let max: Option<Option<i32>> = E::find()
        .select_only()
        .column_as(id.max(), "m")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// PostgreSQL's `serial` sequences do not see explicit ids: set them past the highest.
async fn move_sequences(db: &DatabaseConnection) -> loco_rs::Result<()> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    for table in ["comments", "mod_cases", "mod_flags", "users"] {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        ))
        .await?;
    }
    Ok(())
}

/// The bench moderator's id, made if missing; its password is set to
/// [`BENCH_MODERATOR_PASSWORD`] either way.
async fn bench_moderator(db: &DatabaseConnection, security: &Security) -> loco_rs::Result<i32> {
    let user = match users::Model::find_by_email(db, BENCH_MODERATOR_EMAIL).await? {
        Some(u) => u,
        None => {
            let form = UserForm {
                email: BENCH_MODERATOR_EMAIL.into(),
                display_name: "Bench Moderator".into(),
                bio: "Claims some of the generated cases; the benchmark signs in as them.".into(),
                role: Role::Moderator.as_str().into(),
            };
            let user = users::Model::create_user(db, &form)
                .await
                .map_err(loco_rs::Error::wrap)?;
            println!("seed_bench: created the moderator {BENCH_MODERATOR_EMAIL}");
            user
        }
    };
    let id = user.id;
    user.change_password(
        db,
        security,
        &crate::auth::RequestMeta::system("seed_bench task"),
        PasswordChange {
            current: None,
            new_password: BENCH_MODERATOR_PASSWORD,
            keep_session: None,
            action: audit::Action::PasswordSet,
        },
    )
    .await
    .map_err(loco_rs::Error::wrap)?;
    Ok(id)
}

/// The ids of the [`REPORTERS`] generated members, made (in multi-row inserts) if missing.
async fn reporters(db: &DatabaseConnection) -> loco_rs::Result<Vec<i32>> {
    let email = |n: u64| format!("bench-reader-{n}@example.com");
    let find = || {
        users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::Email.like("bench-reader-%@example.com"))
            .order_by_asc(users::Column::Id)
            .into_tuple::<i32>()
            .all(db)
    };
    let have = find().await?;
    if have.len() as u64 >= REPORTERS {
        return Ok(have);
    }
    let at = now();
    let txn = crate::db::begin_write(db).await?;
    let first = have.len() as u64 + 1;
    let rows: Vec<users::ActiveModel> = (first..=REPORTERS)
        .map(|n| users::ActiveModel {
            email: Set(email(n)),
            display_name: Set(format!("Reader {n}")),
            slug: Set(format!("bench-reader-{n}")),
            bio: Set(String::new()),
            role: Set(Role::Member.as_str().into()),
            status: Set(UserStatus::Active.as_str().into()),
            created_at: Set(at),
            updated_at: Set(at),
            password_hash: Set(None),
            email_verified_at: Set(Some(at)),
            password_changed_at: Set(None),
            time_zone: Set(String::new()),
            ..Default::default()
        })
        .collect();
    for chunk in chunks(rows) {
        users::Entity::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    println!(
        "seed_bench: created {} reader accounts",
        REPORTERS + 1 - first
    );
    Ok(find().await?)
}

/// What every generated case shares.
struct Plan {
    cases: u64,
    flags: u64,
    first_comment: i32,
    first_case: i32,
    moderator: i32,
    at: DateTime<FixedOffset>,
    settings: Moderation,
}

/// Case number `i` of a run: its comment, the case and its flags.
struct Made {
    comment: comments::ActiveModel,
    case: cases::ActiveModel,
    flags: Vec<flags::ActiveModel>,
}

impl Plan {
    /// The `M / N` of the run, at least 1.
    fn per_case(&self) -> u64 {
        (self.flags / self.cases.max(1)).max(1)
    }

    /// A number in `0..per_case` for case `i` (0 for the last): case `i` has its even share
    /// plus its own and minus the previous case's, so the shares still add up to M exactly
    /// and each case has at least one flag.
    fn shift(&self, i: u64) -> u64 {
        if i + 1 >= self.cases {
            return 0;
        }
        Rng(i.wrapping_mul(0x9E37_79B9) ^ 0x5EED).below(self.per_case())
    }

    fn flags_of(&self, i: u64) -> usize {
        let even = (i + 1) * self.flags / self.cases - i * self.flags / self.cases;
        let before = if i == 0 { 0 } else { self.shift(i - 1) };
        usize::try_from(even + self.shift(i) - before).unwrap_or(1)
    }

    fn case(&self, i: u64, first_flag: i32, post_ids: &[i32], people: &[i32]) -> Made {
        let mut rng = Rng((i + 1).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xCA5E);
        let offset = i32::try_from(i).unwrap_or(i32::MAX);
        let (comment_id, case_id) = (self.first_comment + offset, self.first_case + offset);
        let author = (rng.below(100) >= 15).then(|| *rng.pick(people));
        // Half the cases came in over the last two days, the rest over a month: some within
        // the target time, most past it.
        let span = if rng.below(2) == 0 { 2 * DAY } else { 30 * DAY };
        let opened = self.at - rng.secs(span);
        let body = comment_body(&mut rng, i);
        let hash = content_hash(&body);
        let written = opened - rng.secs(DAY);
        let comment = comments::ActiveModel {
            id: Set(comment_id),
            post_id: Set(*rng.pick(post_ids)),
            author_id: Set(author),
            guest_name: Set(author.is_none().then(|| format!("Guest {i}"))),
            body_html: Set(markdown::render_comment(&body)),
            body: Set(body.clone()),
            status: Set("approved".into()),
            ip_hash: Set(String::new()),
            created_at: Set(written),
            updated_at: Set(written),
        };
        // Priority bands of the default thresholds (low 1, medium 3, high 6, hide 8).
        let wanted = match rng.below(100) {
            0..10 => 0.5 + rng.below(50) as f64 / 100.0,
            10..50 => 1.0 + rng.below(200) as f64 / 100.0,
            50..80 => 3.0 + rng.below(300) as f64 / 100.0,
            _ => 6.0 + rng.below(600) as f64 / 100.0,
        };
        let n = self.flags_of(i);
        let picks: Vec<(bool, &str)> = (0..n)
            .map(|_| {
                if rng.below(100) < 4 {
                    (true, *rng.pick(RULES))
                } else {
                    (false, weighted(&mut rng, REASONS))
                }
            })
            .collect();
        let rules: f64 = picks
            .iter()
            .filter(|(rule, _)| *rule)
            .map(|(_, r)| self.settings.weight(r))
            .sum();
        let reported: f64 = picks
            .iter()
            .filter(|(rule, _)| !*rule)
            .map(|(_, r)| self.settings.weight(r))
            .sum();
        // Accuracy lies between 0 and 2 (score::accuracy); the reporters' makes the score.
        let accuracy = if reported > 0.0 {
            (((wanted - rules).max(0.0) / reported).clamp(0.05, 1.95) * 100.0).round() / 100.0
        } else {
            1.0
        };
        let mut flag_rows = Vec::with_capacity(n);
        let mut contributions = Vec::with_capacity(n);
        let mut last = opened;
        let mut tags = String::new();
        for (k, (rule, reason)) in picks.into_iter().enumerate() {
            let source = if rule { "rule" } else { "report" };
            if let Some(more) = case_tags::with(&tags, reason, source) {
                tags = more;
            }
            let flag_id = first_flag + i32::try_from(k).unwrap_or(0);
            let weight = self.settings.weight(reason);
            let accuracy = if rule { 1.0 } else { accuracy };
            let at = if k == 0 {
                opened
            } else {
                (last + rng.secs(6 * 60 * 60)).min(self.at)
            };
            last = at;
            let reporter = if rule {
                None
            } else {
                let k = usize::try_from(rng.below(people.len() as u64)).unwrap_or(0);
                // Nobody reports their own comment; the next member does.
                let k = if Some(people[k]) == author {
                    (k + 1) % people.len()
                } else {
                    k
                };
                Some(people[k])
            };
            flag_rows.push(flags::ActiveModel {
                id: Set(flag_id),
                case_id: Set(case_id),
                source: Set(source.into()),
                reason: Set(reason.into()),
                text: Set(if rule {
                    format!("The {} rule matched.", reason.replace('_', " "))
                } else {
                    (*rng.pick(WORDS)).to_string()
                }),
                reporter_id: Set(reporter),
                reporter_key: Set(String::new()),
                weight: Set(weight),
                accuracy: Set(accuracy),
                snapshot: Set(body.clone()),
                content_hash: Set(hash.clone()),
                counted: Set(true),
                outcome: Set("pending".into()),
                created_at: Set(at),
            });
            contributions.push(score::Contribution {
                flag_id,
                reason: reason.to_string(),
                weight,
                accuracy,
            });
        }
        let inputs = score::Inputs::new(&self.settings, contributions);
        let outcome = inputs.outcome();
        let escalated = rng.below(100) < 5;
        let claimed = !escalated && rng.below(100) < 10;
        let case = cases::ActiveModel {
            id: Set(case_id),
            target_type: Set("comment".into()),
            target_id: Set(comment_id),
            status: Set(if escalated { "escalated" } else { "open" }.into()),
            score: Set(outcome.score),
            priority: Set(outcome.priority.as_str().into()),
            hidden: Set(outcome.hides),
            // Serializing plain numbers and strings cannot fail.
            score_inputs: Set(serde_json::to_string(&inputs).unwrap_or_default()),
            claimed_by_id: Set(claimed.then_some(self.moderator)),
            claim_expires_at: Set(claimed.then(|| self.at + Duration::days(1))),
            assigned_to_id: Set(None),
            reviewed_fine_hash: Set(None),
            opened_at: Set(opened),
            created_at: Set(opened),
            updated_at: Set(last),
            lock_version: Set(i32::try_from(n).unwrap_or(0)),
            removed: Set(false),
            author_id: Set(author),
            decided_by_id: Set(None),
            decided_at: Set(None),
            flag_tags: Set(tags),
        };
        Made {
            comment,
            case,
            flags: flag_rows,
        }
    }
}

/// One of `choices`, by weight.
fn weighted<'a>(rng: &mut Rng, choices: &[(&'a str, u64)]) -> &'a str {
    let total: u64 = choices.iter().map(|(_, w)| w).sum();
    let mut at = rng.below(total);
    for (name, w) in choices {
        if at < *w {
            return name;
        }
        at -= w;
    }
    choices[0].0
}

/// A reader's comment, unique by its number.
fn comment_body(rng: &mut Rng, i: u64) -> String {
    let (adjective, noun, place) = (rng.pick(ADJECTIVES), rng.pick(NOUNS), rng.pick(PLACES));
    match rng.below(4) {
        0 => format!(
            "Best prices on {noun} parts!!! Visit https://offers.example.com/{i} for a {adjective} deal, \
             delivered to {place} tomorrow."
        ),
        1 => format!(
            "Whoever wrote this about the {noun} in {place} clearly knows nothing. A {adjective} \
             piece, as usual from this lot (comment {i})."
        ),
        2 => format!(
            "Unrelated, but does anyone know when the {adjective} market on {place} opens again? \
             Asking for the {noun} club, number {i}."
        ),
        _ => format!(
            "I lived near {place} for years and the {noun} was never {adjective}. This article \
             gets it wrong in three places, and I will say so every time (#{i})."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(cases: u64, flags: u64) -> Plan {
        Plan {
            cases,
            flags,
            first_comment: 1,
            first_case: 1,
            moderator: 1,
            at: now(),
            settings: Moderation::default(),
        }
    }

    #[test]
    fn the_flags_add_up_and_every_case_has_one() {
        for (cases, flags) in [(1_000, 5_000), (999, 5_003), (10, 10), (7, 100)] {
            let p = plan(cases, flags);
            let counts: Vec<usize> = (0..cases).map(|i| p.flags_of(i)).collect();
            assert_eq!(counts.iter().sum::<usize>() as u64, flags);
            assert!(counts.iter().all(|n| *n >= 1));
        }
        let p = plan(1_000, 5_000);
        let most = (0..1_000).map(|i| p.flags_of(i)).max();
        assert!(most.is_some_and(|m| m > 5 && m < 10), "{most:?}");
    }

    #[test]
    fn stored_inputs_give_the_stored_score_within_range() {
        let p = plan(2_000, 10_000);
        let mut priorities = std::collections::HashSet::new();
        let mut next = 1;
        for i in 0..2_000 {
            let made = p.case(i, next, &[1, 2, 3], &[10, 11, 12]);
            next += i32::try_from(made.flags.len()).unwrap();
            let (Set(stored), Set(score), Set(priority)) =
                (made.case.score_inputs, made.case.score, made.case.priority)
            else {
                panic!("unset fields");
            };
            let inputs: score::Inputs = serde_json::from_str(&stored).unwrap();
            assert_eq!(inputs.contributions.len(), made.flags.len());
            let outcome = inputs.outcome();
            assert!((outcome.score - score).abs() < 1e-9);
            assert_eq!(outcome.priority.as_str(), priority);
            assert!((0.0..=40.0).contains(&score), "{score}");
            priorities.insert(priority);
        }
        assert_eq!(priorities.len(), 4, "{priorities:?}");
    }
}

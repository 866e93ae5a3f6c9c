//! What the dashboard pages show, gathered from the store through the coach: the export's record
//! (members × days, streaks, points, quizzes) plus modules, content posts, the cycle checklist
//! and the audit trail — a few reads per page, none per member and day.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::coach::export::{self, Record};
use crate::coach::{Attachment, Coach, CoachResult, CohortCtx, Mark, charts};
use crate::domain::DayNumber;
use crate::quiz::QuizKey;
use crate::store::{self, CohortState, StatsOrder};

/// The most audit entries the admin page lists, newest first.
pub const AUDIT_SHOWN: usize = 200;

/// The most members the public leaderboard lists.
pub const BOARD_MAX: i64 = 500;

/// Everything on a cohort's admin page.
pub struct AdminPage {
    pub head: Head,
    pub record: Record,
    pub modules: Vec<Module>,
    pub posts: Vec<Post>,
    pub checklist: Vec<Item>,
    pub audit: Vec<Act>,
    /// Whether the members' leaderboard page is public now.
    pub public: bool,
    /// When the link that opened the page stops working, in the cohort's timezone.
    pub link_expires: String,
    /// The cohort grid as the chat shows it (`/studybot status`), a PNG per 100 members.
    pub pictures: Vec<Attachment>,
}

/// What both pages say about the cohort at the top.
pub struct Head {
    pub cohort_id: i64,
    pub title: String,
    pub curriculum_id: String,
    pub cycle_no: i64,
    pub state: &'static str,
    pub timezone: String,
    /// `now` in the cohort's timezone: the page shows the cohort as of then.
    pub as_of: String,
}

/// One module of the curriculum and how far the cohort got through it.
pub struct Module {
    pub number: Option<u32>,
    pub title: String,
    pub days: String,
    pub total_days: usize,
    pub posted_days: usize,
    /// Checks (on time or late) over member-days posted; `None` before any day is posted.
    pub done_percent: Option<u32>,
}

/// A LinkedIn or blog post a member logged.
pub struct Post {
    pub member: String,
    pub day: DayNumber,
    pub kind: &'static str,
    pub url: String,
    pub posted: String,
}

/// One item of the cycle's assessment checklist and who ticked it.
pub struct Item {
    pub heading: String,
    pub text: String,
    pub ticked_by: Vec<String>,
}

/// One audit entry, names resolved.
pub struct Act {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub member: String,
    pub detail: String,
    pub reason: String,
}

/// One line of the public leaderboard.
pub struct Rank {
    pub rank: usize,
    pub member: String,
    pub points: i64,
    pub current_streak: i64,
    pub best_streak: i64,
    pub lessons_done: i64,
}

/// The public page: the head and the board.
pub struct PublicPage {
    pub head: Head,
    pub board: Vec<Rank>,
}

/// `module:17` → `Module 17`, `final` → `Final assessment`.
pub fn quiz_label(key: &str) -> String {
    match QuizKey::parse(key) {
        Some(QuizKey::Module(n)) => format!("Module {n}"),
        Some(QuizKey::Final) => "Final assessment".into(),
        None => key.to_string(),
    }
}

/// The cohort's context, or `None` when there is no such cohort.
pub async fn context(coach: &Coach, cohort_id: i64) -> CoachResult<Option<CohortCtx>> {
    match coach.store().get_cohort(cohort_id).await? {
        Some(cohort) => Ok(Some(CohortCtx::load(coach, cohort).await?)),
        None => Ok(None),
    }
}

fn head(ctx: &CohortCtx, now: DateTime<Utc>) -> Head {
    let state = match ctx.cohort.state {
        CohortState::Active => "running",
        CohortState::Paused => "paused",
        CohortState::Flagged => "stopped: a lesson post failed",
        CohortState::Completed => "completed",
    };
    Head {
        cohort_id: ctx.cohort.id,
        title: ctx.curriculum.title.clone(),
        curriculum_id: ctx.cohort.curriculum_id.clone(),
        cycle_no: ctx.cohort.cycle_no,
        state,
        timezone: ctx.cohort.timezone.clone(),
        as_of: ctx.local(now),
    }
}

pub async fn admin_page(
    coach: &Coach,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
    link_expires: DateTime<Utc>,
) -> CoachResult<AdminPage> {
    let record = export::record(coach, ctx, now).await?;
    let store = coach.store();
    let profiles = store.list_cohort_member_profiles(ctx.cohort.id).await?;
    let by_id: HashMap<i64, String> = profiles.iter().map(|(_, m)| (m.id, m.display_name.clone())).collect();
    let by_user: HashMap<String, String> =
        profiles.iter().map(|(_, m)| (m.user_id.clone(), m.display_name.clone())).collect();
    let name = |id: i64| by_id.get(&id).cloned().unwrap_or_else(|| format!("member {id}"));

    let mut tx = store.begin_read().await?;
    let mut posts: Vec<Post> = store::list_cohort_content_posts(&mut tx, ctx.cohort.id)
        .await?
        .into_iter()
        .map(|p| Post {
            member: name(p.member_id),
            day: p.day,
            kind: if p.kind == store::ContentKind::Linkedin { "LinkedIn" } else { "Blog" },
            url: p.url,
            posted: ctx.local(crate::coach::instant(p.posted_at)),
        })
        .collect();
    posts.sort_by(|a, b| (a.day, &a.member).cmp(&(b.day, &b.member)));
    let mut ticks: HashMap<String, Vec<String>> = HashMap::new();
    for (member, item) in store::list_cohort_assessment_ticks(&mut tx, ctx.cohort.id).await? {
        ticks.entry(item).or_default().push(name(member));
    }
    let public = store::is_dashboard_public(&mut tx, ctx.cohort.id).await?;
    let entries = store::list_audit(&mut tx, ctx.cohort.id).await?;
    drop(tx);

    let checklist = ctx
        .curriculum
        .assessment
        .iter()
        .flat_map(|list| list.items.iter().map(move |item| (list.heading.clone(), item.clone())))
        .map(|(heading, text)| Item { ticked_by: ticks.remove(&text).unwrap_or_default(), heading, text })
        .collect();
    let who = |id: &str| by_user.get(id).cloned().unwrap_or_else(|| id.to_string());
    let audit = entries
        .iter()
        .rev()
        .take(AUDIT_SHOWN)
        .map(|e| Act {
            at: ctx.local(crate::coach::instant(e.at)),
            actor: who(&e.actor),
            action: e.action.clone(),
            member: if e.member.is_empty() { String::new() } else { who(&e.member) },
            detail: e.detail.clone(),
            reason: e.reason.clone(),
        })
        .collect();
    let pictures = if record.lines.is_empty() { Vec::new() } else { charts::grid(ctx, &record).await };
    Ok(AdminPage {
        pictures,
        head: head(ctx, now),
        modules: modules(ctx, &record),
        record,
        posts,
        checklist,
        audit,
        public,
        link_expires: ctx.local(link_expires),
    })
}

/// Each section of the curriculum (a module or not), with how much of it the cohort checked.
fn modules(ctx: &CohortCtx, record: &Record) -> Vec<Module> {
    let posted: HashMap<DayNumber, usize> = record.days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    ctx.curriculum
        .sections
        .iter()
        .filter(|s| !s.days.is_empty())
        .map(|section| {
            let days: BTreeSet<DayNumber> = section.days.iter().map(|d| d.day).collect();
            let columns: Vec<usize> = days.iter().filter_map(|d| posted.get(d).copied()).collect();
            let done: usize = record
                .lines
                .iter()
                .map(|line| {
                    columns.iter().filter(|&&i| matches!(line.marks[i], Mark::OnTime | Mark::Late)).count()
                })
                .sum();
            let possible = columns.len() * record.lines.len();
            let (first, last) = (days.first().copied(), days.last().copied());
            Module {
                number: section.module,
                title: section.title.clone(),
                days: match (first, last) {
                    (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
                    (Some(a), _) => a.to_string(),
                    _ => String::new(),
                },
                total_days: days.len(),
                posted_days: columns.len(),
                done_percent: (possible > 0).then(|| u32::try_from(done * 100 / possible).unwrap_or(100)),
            }
        })
        .collect()
}

/// The public page: members who have not opted out of leaderboards, by points.
pub async fn public_page(coach: &Coach, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<PublicPage> {
    let rows = coach.store().top_member_stats(ctx.cohort.id, StatsOrder::Points, BOARD_MAX).await?;
    let mut board: Vec<Rank> = Vec::new();
    for (stats, member, _) in rows.into_iter().filter(|(_, _, hidden)| !hidden) {
        // Equal points share a rank.
        let rank = match board.last() {
            Some(prev) if prev.points == stats.points => prev.rank,
            _ => board.len() + 1,
        };
        board.push(Rank {
            rank,
            member,
            points: stats.points,
            current_streak: stats.current_streak,
            best_streak: stats.best_streak,
            lessons_done: stats.lessons_done,
        });
    }
    Ok(PublicPage { head: head(ctx, now), board })
}

//! `studybot demo`: a whole simulated cohort through a curriculum on a virtual clock, deterministic per seed.
//!
//! Members with different habits check in through the console platform (✅ reactions, the Done
//! button, `/checkpoint`), and the first member takes each module quiz once it opens (`/quiz
//! module:N`, answered with `:press`), so the demo exercises the same code paths as a real group.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::coach::{Block, Catalog, Coach, Target, shipped};
use crate::curriculum;
use crate::domain::DayNumber;
use crate::platform::console::{Console, render};
use crate::store::{Platform, Store};

const NAMES: &[&str] = &[
    "ada", "grace", "linus", "margaret", "alan", "barbara", "dennis", "radia", "edsger", "frances", "ken",
    "hedy",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Habit {
    Perfect,
    Steady,
    Late,
    Sporadic,
    Dropout,
}

impl Habit {
    fn of(index: usize, rng: &mut ChaCha8Rng) -> Habit {
        match index {
            0 => Habit::Perfect,
            1 => Habit::Steady,
            2 => Habit::Late,
            3 => Habit::Dropout,
            4 => Habit::Sporadic,
            _ => [Habit::Steady, Habit::Late, Habit::Sporadic][rng.random_range(0..3)],
        }
    }

    /// Hours after the post at which the member checks in, or None for a missed day.
    fn delay(self, lesson: usize, rng: &mut ChaCha8Rng) -> Option<i64> {
        let roll: f64 = rng.random();
        match self {
            Habit::Perfect => Some(rng.random_range(1..8)),
            Habit::Steady if roll < 0.88 => Some(rng.random_range(1..12)),
            Habit::Steady if roll < 0.94 => Some(rng.random_range(80..100)),
            Habit::Late if roll < 0.5 => Some(rng.random_range(2..20)),
            Habit::Late if roll < 0.85 => Some(rng.random_range(80..120)),
            Habit::Sporadic if roll < 0.6 => Some(rng.random_range(1..20)),
            Habit::Dropout if lesson < 8 => Some(rng.random_range(1..10)),
            _ => None,
        }
    }
}

pub struct Options<'a> {
    pub members: usize,
    pub seed: u64,
    pub db_url: Option<String>,
    pub curriculum: &'a Path,
    /// The next cycle's curriculum, if any.
    pub then: Option<&'a Path>,
    pub verbose: bool,
}

/// Runs the demo and writes its story to `out`.
pub async fn run(options: &Options<'_>, out: &mut impl Write) -> anyhow::Result<()> {
    let started = Instant::now();
    let temp = tempfile::tempdir().context("creating a temp dir for the demo database")?;
    let url = match &options.db_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", temp.path().join("demo.db").display()),
    };
    let store = Store::open(&url).await?;
    let id = curriculum::id_from_path(options.curriculum).unwrap_or_else(|| "curriculum".into());
    // The shipped curriculum by default: from the binary when its file is not here.
    let built_in = options.curriculum == shipped::default_path() && !options.curriculum.exists();
    // The file's quiz bank comes with it (`quizzes/<same name>`), as the built-in one does.
    let mut catalog = if built_in { shipped::catalog()? } else { Catalog::load_file(options.curriculum)? };
    let curriculum = catalog.get(&id).context("the demo's curriculum is loaded")?;
    let then = match options.then {
        Some(path) => {
            let then_id = curriculum::id_from_path(path).unwrap_or_else(|| "next".into());
            catalog.merge(Catalog::load_file(path)?);
            Some((then_id.clone(), catalog.get(&then_id).context("the next cycle's curriculum is loaded")?))
        }
        None => None,
    };
    let coach = Coach::new(store.clone(), catalog);
    let start = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).single().context("demo start")?;
    let mut console = Console::new(coach, start, Vec::new());
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let members: Vec<(&str, Habit)> =
        (0..options.members.clamp(1, NAMES.len())).map(|i| (NAMES[i], Habit::of(i, &mut rng))).collect();
    writeln!(
        out,
        "studybot demo — {} on a virtual clock, {} members, seed {}",
        curriculum.title,
        members.len(),
        options.seed
    )?;
    if let Some((_, next)) = &then {
        writeln!(out, "then, in the same channel, {}", next.title)?;
    }
    for (name, habit) in &members {
        writeln!(out, "  {name}: {habit:?}")?;
    }
    console.line(":admin organizer").await?;
    console
        .line(&format!(
            "/studybot setup curriculum:{id} start:2026-12-07 schedule:0 9 * * MON-FRI timezone:Europe/Berlin"
        ))
        .await?;
    if let Some((then_id, _)) = &then {
        console.line(&format!("/studybot next curriculum:{then_id}")).await?;
    }
    for (i, (name, _)) in members.iter().enumerate() {
        console.line(&format!(":as {name}")).await?;
        if i % 2 == 0 {
            console.line("/join").await?;
        }
        if i % 3 == 0 {
            console.line("/remind on").await?;
        }
    }
    writeln!(out, "{}", String::from_utf8_lossy(&std::mem::take(console.output_mut())))?;
    simulate(&mut console, &members, &mut rng, options.verbose, out).await?;
    summary(&store, &members, out).await?;
    let lessons = curriculum.days().count() + then.as_ref().map_or(0, |(_, c)| c.days().count());
    writeln!(
        out,
        "\nSimulated {lessons} lessons for {} members in {:.2} s (database: {}).",
        members.len(),
        started.elapsed().as_secs_f64(),
        if options.db_url.is_some() {
            crate::redact::redact_url(&url)
        } else {
            "temporary SQLite file".into()
        },
    )?;
    store.close().await;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Action {
    at: DateTime<Utc>,
    member: usize,
    day: DayNumber,
    how: u8,
}

async fn simulate(
    console: &mut Console<Vec<u8>>,
    members: &[(&str, Habit)],
    rng: &mut ChaCha8Rng,
    verbose: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut queue: BinaryHeap<Reverse<Action>> = BinaryHeap::new();
    let mut lessons = 0usize;
    for _ in 0..100_000 {
        let wake = console.coach().next_wakeup(console.now()).await?;
        let next = match (wake, queue.peek().map(|a| a.0.at)) {
            (Some(w), Some(a)) => w.min(a),
            (Some(w), None) => w,
            (None, Some(a)) => a,
            (None, None) => break,
        };
        console.advance_to(next).await?;
        let mut quizzes = Vec::new();
        for delivered in console.take_log() {
            narrate(&delivered.to, &delivered.message, verbose, out)?;
            quizzes.extend(opened_module_quiz(&delivered.to, &delivered.message));
            let day = delivered.message.blocks.iter().find_map(|b| match b {
                Block::Lesson(card) => Some(card.day),
                _ => None,
            });
            if let Some(day) = day {
                for (i, (_, habit)) in members.iter().enumerate() {
                    if let Some(hours) = habit.delay(lessons, rng) {
                        let at = delivered.at
                            + Duration::hours(hours)
                            + Duration::minutes(rng.random_range(0..60));
                        queue.push(Reverse(Action { at, member: i, day, how: rng.random_range(0..3) }));
                    }
                }
                lessons += 1;
            }
        }
        for module in quizzes {
            let result = take_quiz(console, members[0].0, module, rng).await?;
            if !verbose {
                writeln!(out, "   🧠 {} takes `/quiz module:{module}` — {result}", members[0].0)?;
            }
        }
        while queue.peek().is_some_and(|a| a.0.at <= console.now()) {
            let Some(Reverse(action)) = queue.pop() else { break };
            check_in(console, members[action.member].0, &action).await?;
        }
        let transcript = std::mem::take(console.output_mut());
        if verbose {
            out.write_all(&transcript)?;
        }
    }
    Ok(())
}

/// A member checks in the way people do: ✅, the button, or the command (always the command
/// when late, as the post has scrolled away).
async fn check_in(console: &mut Console<Vec<u8>>, name: &str, action: &Action) -> anyhow::Result<()> {
    console.line(&format!(":as {name}")).await?;
    let line = match action.how {
        0 => format!(":react ✅ day:{}", action.day),
        1 if console.posts().last().is_some_and(|p| p.day == action.day) => ":press done".to_string(),
        _ => format!("/checkpoint day:{}", action.day),
    };
    console.line(&line).await?;
    Ok(())
}

/// The module number of a channel message announcing that a module quiz is open.
fn opened_module_quiz(to: &Target, message: &crate::coach::Message) -> Option<u32> {
    if !matches!(to, Target::Channel(_)) {
        return None;
    }
    message.blocks.iter().find_map(|b| match b {
        Block::Text(text) if text.starts_with("🧠") => {
            let rest = text.split("`/quiz module:").nth(1)?;
            rest.split('`').next()?.parse().ok()
        }
        _ => None,
    })
}

/// A member takes a module quiz: `/quiz module:N`, then a choice picked by the seed for each
/// question (and Submit where several may be chosen), until the result. Returns its first line.
async fn take_quiz(
    console: &mut Console<Vec<u8>>,
    name: &str,
    module: u32,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<String> {
    console.line(&format!(":as {name}")).await?;
    console.line(&format!("/quiz module:{module}")).await?;
    // Each question takes one or two presses; a bank never has hundreds of questions.
    for _ in 0..500 {
        if let Some(result) = reply_text(console).filter(|t| t.starts_with("🏁")) {
            return Ok(result.lines().next().unwrap_or_default().to_string());
        }
        let buttons = console.replies().iter().flat_map(|o| &o.message.blocks).find_map(|b| match b {
            Block::Buttons(buttons) => Some(buttons.clone()),
            _ => None,
        });
        let Some(buttons) = buttons else { break };
        let (choices, submit): (Vec<_>, Vec<_>) = buttons.iter().partition(|b| b.label != "Submit");
        let Some(choice) = choices.get(rng.random_range(0..choices.len().max(1))) else { break };
        console.line(&format!(":press {}", choice.id)).await?;
        if let Some(submit) = submit.first() {
            console.line(&format!(":press {}", submit.id)).await?;
        }
    }
    Ok(reply_text(console).unwrap_or_else(|| "no result".into()))
}

/// The text of the coach's latest reply, if it had any.
fn reply_text(console: &Console<Vec<u8>>) -> Option<String> {
    console.replies().iter().flat_map(|o| &o.message.blocks).find_map(|b| match b {
        Block::Text(text) => Some(text.clone()),
        _ => None,
    })
}

fn narrate(
    to: &Target,
    message: &crate::coach::Message,
    verbose: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    if verbose {
        return Ok(());
    }
    if matches!(to, Target::Channel(_)) && message.blocks.iter().any(|b| matches!(b, Block::Table(_))) {
        writeln!(out, "\n{}\n", render(message))?;
        return Ok(());
    }
    for block in &message.blocks {
        match (to, block) {
            (_, Block::Lesson(card)) => writeln!(out, "📅 posted day {} — {}", card.day, card.title)?,
            (Target::Direct { user_id, .. }, Block::Text(text)) => {
                writeln!(out, "   ✉️  to {user_id}: {text}")?
            }
            _ => {}
        }
    }
    Ok(())
}

async fn summary(store: &Store, members: &[(&str, Habit)], out: &mut impl Write) -> anyhow::Result<()> {
    let cycles = store.list_channel_cycles(Platform::Console, "study").await?;
    let current = cycles.last().context("the demo cohort")?;
    for cohort in &cycles {
        let mut rows = BTreeMap::new();
        for (name, habit) in members {
            let Some(member) = store.find_member(Platform::Console, name).await? else { continue };
            if let Some(s) = store.get_member_stats(cohort.id, member.id).await? {
                rows.insert(Reverse((s.points, name.to_string())), (habit, s));
            }
        }
        let cycle = if cycles.len() > 1 {
            format!(" of cycle {} ({})", cohort.cycle_no, cohort.curriculum_id)
        } else {
            String::new()
        };
        writeln!(out, "\nFinal summary{cycle} (state: {}):", cohort.state.as_str())?;
        writeln!(
            out,
            "  {:<10} {:<9} {:>5} {:>7} {:>5} {:>6} {:>5} {:>7} {:>6}",
            "member", "habit", "done", "on time", "late", "missed", "best", "freezes", "points"
        )?;
        for (Reverse((_, name)), (habit, s)) in &rows {
            writeln!(
                out,
                "  {:<10} {:<9} {:>5} {:>7} {:>5} {:>6} {:>5} {:>7} {:>6}",
                name,
                format!("{habit:?}"),
                s.lessons_done,
                s.on_time,
                s.late,
                s.missed,
                s.best_streak,
                s.freezes_used,
                s.points
            )?;
        }
    }
    if cycles.len() > 1 {
        writeln!(out, "\nJourney over {} cycles:", cycles.len())?;
        writeln!(out, "  {:<10} {:>5} {:>6} {:>14}", "member", "done", "points", "journey streak")?;
        for s in store.journey_stats(current, None).await? {
            writeln!(
                out,
                "  {:<10} {:>5} {:>6} {:>14}",
                s.display_name, s.lessons_done, s.points, s.journey_streak
            )?;
        }
    }
    Ok(())
}

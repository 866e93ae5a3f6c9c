//! The harness: a console whose output a test can read as it grows, the scripted cycle, and readers of its replies.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use studybot::coach::{Block, Catalog, Coach, Target};
use studybot::platform::console::{Console, Delivered, render};
use studybot::store::{CheckpointSource, MemberStats, Platform, Store};

use crate::script::*;
use crate::support::db::Fixture;

/// The console's writer, shared so a test can read what one line printed.
#[derive(Clone, Default)]
pub(crate) struct Screen(Arc<Mutex<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("screen lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    pub(crate) fn len(&self) -> usize {
        self.0.lock().expect("screen lock").len()
    }

    pub(crate) fn since(&self, mark: usize) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("screen lock")[mark..]).into_owned()
    }
}

pub(crate) struct Chat {
    pub(crate) console: Console<Screen>,
    pub(crate) screen: Screen,
}

impl Chat {
    pub(crate) fn new(store: Store, catalog: Catalog, start: &str) -> Chat {
        let screen = Screen::default();
        let console = Console::new(Coach::new(store, catalog), at(start).and_utc(), screen.clone());
        Chat { console, screen }
    }

    pub(crate) fn store(&self) -> &Store {
        self.console.coach().store()
    }

    pub(crate) async fn advance_to(&mut self, until: NaiveDateTime) {
        if until.and_utc() > self.console.now() {
            self.console.line(&format!(":advance-to {}", until.format("%Y-%m-%dT%H:%M"))).await.unwrap();
        }
    }

    /// Types `line` as `who` (the admin keeps admin rights) and returns what that line printed.
    pub(crate) async fn act(&mut self, who: &str, line: &str) -> String {
        let switch = if who == ADMIN { ":admin" } else { ":as" };
        self.console.line(&format!("{switch} {who}")).await.unwrap();
        let mark = self.screen.len();
        self.console.line(line).await.unwrap();
        self.screen.since(mark)
    }

    pub(crate) async fn cohort_id(&self) -> i64 {
        let cohort = self.store().find_cohort_by_channel(Platform::Console, "study").await.unwrap();
        cohort.expect("the channel has a cohort").id
    }

    pub(crate) async fn member_id(&self, who: &str) -> i64 {
        let member = self.store().find_member(Platform::Console, who).await.unwrap();
        member.unwrap_or_else(|| panic!("{who} is a member")).id
    }

    pub(crate) async fn stats(&self, who: &str) -> MemberStats {
        let (cohort, member) = (self.cohort_id().await, self.member_id(who).await);
        let stats = self.store().get_member_stats(cohort, member).await.unwrap();
        stats.unwrap_or_else(|| panic!("{who} has stats"))
    }

    pub(crate) async fn checkpoint_source(&self, who: &str, day: u32) -> Option<CheckpointSource> {
        let (cohort, member) = (self.cohort_id().await, self.member_id(who).await);
        let day = studybot::domain::DayNumber::try_from(day).unwrap();
        self.store().get_checkpoint(cohort, member, day).await.unwrap().map(|c| c.source)
    }

    /// (day, when it went out) of every lesson posted so far, from the console's own record.
    pub(crate) fn lesson_posts(log: &[Delivered]) -> Vec<(u32, String)> {
        log.iter()
            .filter_map(|d| {
                d.message.blocks.iter().find_map(|b| match b {
                    Block::Lesson(card) => {
                        Some((card.day.get(), d.at.format("%a %Y-%m-%d %H:%M").to_string()))
                    }
                    _ => None,
                })
            })
            .collect()
    }
}

/// The scripted cohort: plays its steps up to a given instant, keeping the replies of tagged steps.
pub(crate) struct Cycle {
    pub(crate) chat: Chat,
    pub(crate) steps: VecDeque<Step>,
    pub(crate) replies: HashMap<&'static str, String>,
}

impl Cycle {
    pub(crate) fn new(fx: &Fixture) -> Cycle {
        let mut catalog = Catalog::default();
        catalog.add(MINI_ID, MINI, None).expect("the mini curriculum loads");
        Cycle {
            chat: Chat::new(fx.store.clone(), catalog, "2026-12-04T12:00"),
            steps: script(),
            replies: HashMap::new(),
        }
    }

    /// Runs every step up to and including `until`, then leaves the clock at `until`.
    pub(crate) async fn play_until(&mut self, until: &str) {
        let until = at(until);
        while let Some(step) = self.steps.pop_front_if(|s| s.at <= until) {
            self.chat.advance_to(step.at).await;
            let printed = self.chat.act(step.who, &step.line).await;
            if let Some(tag) = step.tag {
                self.replies.insert(tag, printed);
            }
        }
        self.chat.advance_to(until).await;
    }

    pub(crate) fn reply(&self, tag: &str) -> &str {
        self.replies.get(tag).unwrap_or_else(|| panic!("step `{tag}` has not been played"))
    }

    pub(crate) fn assert_reply(&self, tag: &str, wanted: &str) {
        let reply = self.reply(tag);
        assert!(reply.contains(wanted), "`{tag}` replied:\n{reply}\nwanted:\n{wanted}");
    }

    pub(crate) fn assert_silent(&self, tag: &str) {
        assert_eq!(self.reply(tag), "", "`{tag}` should change nothing and say nothing");
    }
}

/// The counters of `member_stats` that the rules decide.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) on_time: i64,
    pub(crate) late: i64,
    pub(crate) missed: i64,
    pub(crate) current: i64,
    pub(crate) best: i64,
    pub(crate) held: i64,
    pub(crate) used: i64,
    pub(crate) points: i64,
}

impl From<&MemberStats> for Tally {
    fn from(s: &MemberStats) -> Tally {
        assert_eq!(s.lessons_done, s.on_time + s.late, "lessons done = on time + late");
        Tally {
            on_time: s.on_time,
            late: s.late,
            missed: s.missed,
            current: s.current_streak,
            best: s.best_streak,
            held: s.freezes_held,
            used: s.freezes_used,
            points: s.points,
        }
    }
}

/// The rows of a rendered leaderboard table as "rank name score", and its footer line.
pub(crate) fn board(text: &str) -> (Vec<String>, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("#  Member"))
        .unwrap_or_else(|| panic!("no board in:\n{text}"));
    let rows = lines[header + 1..]
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .take_while(|cells| cells.len() == 3 && cells[0].parse::<u32>().is_ok())
        .map(|cells| cells.join(" "))
        .collect();
    let footer = lines.iter().find(|l| l.starts_with("You: #")).map(|l| l.to_string());
    (rows, footer)
}

/// The per-day strip of a `/progress` reply (the line with the legend).
pub(crate) fn strip(progress: &str) -> &str {
    let line = progress
        .lines()
        .find(|l| l.contains("(✅ on time"))
        .unwrap_or_else(|| panic!("no strip in:\n{progress}"));
    line.split_whitespace().next().unwrap_or_default()
}

pub(crate) fn direct_texts(log: &[Delivered]) -> Vec<(String, String, String)> {
    log.iter()
        .filter_map(|d| match &d.to {
            Target::Direct { user_id, .. } => {
                Some((user_id.clone(), d.at.format("%a %d %H:%M").to_string(), render(&d.message)))
            }
            _ => None,
        })
        .collect()
}

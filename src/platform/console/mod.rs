//! The console platform: a chat in the terminal against the real coach, on a virtual clock.
//!
//! Lines starting with `/` are commands typed by the current member; lines starting with `:` move
//! the clock, switch member or channel, react and press buttons. It reads a pipe as well as a
//! terminal, so scripts (and tests) drive it.

mod delivery;
mod input;
mod record;
mod render;

use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};

pub use delivery::{ConsoleDelivery, Delivered};
pub use input::{ClockError, Line, MAX_ADVANCE_DAYS, MAX_LINE, clock_range, parse_duration, parse_instant};
pub use record::{RecordDelivery, RecordedPost, read_record};
pub use render::{lesson as render_lesson, render};

use crate::coach::{
    Actor, Block, ChannelRef, Coach, Inbound, InboundKind, Message, Outgoing, Target, grammar,
};
use crate::curriculum::text::quoted;
use crate::domain::DayNumber;

/// A lesson post seen in the console, for `:react` and `:press` by day.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub message_id: String,
    pub channel: String,
    pub day: DayNumber,
}

pub struct Console<W: Write> {
    coach: Coach,
    clock: DateTime<Utc>,
    channel: String,
    actor: Actor,
    admins: Vec<String>,
    delivery: ConsoleDelivery,
    posts: Vec<Post>,
    events: u64,
    last_event: Option<Inbound>,
    /// The Done button of the latest lesson shown, for `:press done`.
    last_buttons: Option<String>,
    /// The buttons of the latest message that had any (a quiz question), for `:press <label>`.
    shown_buttons: Vec<crate::coach::Button>,
    /// Everything delivered so far, for callers that narrate (the demo) or assert (tests).
    log: Vec<Delivered>,
    /// The replies to the latest event, for tests that read a quiz question off the screen.
    replies: Vec<Outgoing>,
    /// Where files the bot sends (an export) are written.
    files: std::path::PathBuf,
    out: W,
}

const HELP: &str = "\
Type commands as the current member, e.g. /help, /checkpoint, /leaderboard (an admin: /studybot help).
  :as NAME              act as member NAME
  :admin NAME           act as NAME, with admin rights in the channel
  :channel NAME         switch to channel NAME (each channel can run its own cohort)
  :react ✅ POST        react on a lesson post (POST: m3, day:121 or last)
  :unreact ✅ POST      remove that reaction
  :press BUTTON         press a button: its label (A, B, Submit), its id, or `done` for the last lesson's Done
  :advance 1d|3h|30m|45s move the virtual clock forward (at most 3660 days), running everything that falls due
  :advance-to DATETIME  move the clock to 2026-12-01T09:00 (UTC) or an RFC 3339 instant
  :replay               send the last event again (it is deduplicated: nothing changes)
  :now                  show the clock
  :quit                 leave";

impl<W: Write> Console<W> {
    pub fn new(coach: Coach, start: DateTime<Utc>, out: W) -> Console<W> {
        let actor = Actor { user_id: "you".into(), name: "you".into(), is_admin: false };
        Console {
            coach,
            clock: start,
            channel: "study".into(),
            actor,
            admins: Vec::new(),
            delivery: ConsoleDelivery::default(),
            posts: Vec::new(),
            events: 0,
            last_event: None,
            last_buttons: None,
            shown_buttons: Vec::new(),
            replies: Vec::new(),
            log: Vec::new(),
            files: std::env::temp_dir().join("studybot-files"),
            out,
        }
    }

    /// Writes files the bot sends into `dir` instead of `<temp>/studybot-files`.
    pub fn with_files_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Console<W> {
        self.files = dir.into();
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock
    }

    /// What the coach answered to the latest event.
    pub fn replies(&self) -> &[Outgoing] {
        &self.replies
    }

    pub fn posts(&self) -> &[Post] {
        &self.posts
    }

    pub fn coach(&self) -> &Coach {
        &self.coach
    }

    /// Takes what was delivered since the last call.
    pub fn take_log(&mut self) -> Vec<Delivered> {
        std::mem::take(&mut self.log)
    }

    pub fn set_clock(&mut self, now: DateTime<Utc>) {
        self.clock = self.clock.max(now);
    }

    pub fn output_mut(&mut self) -> &mut W {
        &mut self.out
    }

    pub fn into_output(self) -> W {
        self.out
    }

    /// Reads lines until end of input or `:quit`. A line that is not UTF-8 or is longer than
    /// [`MAX_LINE`] is reported and skipped: one bad line of a script does not end the session.
    pub async fn run<R: BufRead>(&mut self, mut input: R) -> anyhow::Result<()> {
        self.tick().await?;
        let mut number = 0;
        while let Some(line) = input::read_line(&mut input)? {
            number += 1;
            let go_on = match line {
                Line::Text(text) => self.line(&text).await?,
                Line::NotUtf8 => self.skipped(number, "is not valid UTF-8")?,
                Line::TooLong => self.skipped(number, &format!("is longer than {MAX_LINE} bytes"))?,
            };
            if !go_on {
                break;
            }
        }
        Ok(())
    }

    fn skipped(&mut self, number: usize, why: &str) -> anyhow::Result<bool> {
        self.say(&format!("line {number} {why}; skipped"))?;
        Ok(true)
    }

    /// Handles one input line; `Ok(false)` asks to stop.
    pub async fn line(&mut self, line: &str) -> anyhow::Result<bool> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(true);
        }
        if line.starts_with('/') {
            self.send(InboundKind::Text(line.to_string())).await?;
            return Ok(true);
        }
        let (directive, arg) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let arg = arg.trim();
        match directive {
            ":as" | ":admin" => self.become_member(arg, directive == ":admin")?,
            ":channel" if !arg.is_empty() => self.switch_channel(arg)?,
            ":react" | ":unreact" => self.react(arg, directive == ":react").await?,
            ":press" => self.press(arg).await?,
            ":advance" => self.move_clock(input::advance(self.clock, arg)).await?,
            ":advance-to" => self.move_clock(input::advance_to(self.clock, arg)).await?,
            ":replay" => match self.last_event.clone() {
                Some(event) => self.deliver(&event).await?,
                None => self.say("nothing to replay yet")?,
            },
            ":now" => self.say(&format!("🕒 {}", self.clock.format("%a %Y-%m-%d %H:%M UTC")))?,
            ":help" => self.say(HELP)?,
            ":quit" | ":q" => return Ok(false),
            _ => self.say(&format!("unknown directive `{}`; :help lists them", quoted(directive)))?,
        }
        Ok(true)
    }

    fn become_member(&mut self, name: &str, admin: bool) -> anyhow::Result<()> {
        if name.is_empty() || name.contains(char::is_whitespace) {
            return self.say("usage: :as NAME  (one word)");
        }
        // Names become member ids in the store, as a platform's user id would.
        if let Some(c) = grammar::control_character(name) {
            return self.say(&format!("usage: :as NAME  (NAME contains the control character {c:?})"));
        }
        if admin && !self.admins.iter().any(|a| a == name) {
            self.admins.push(name.to_string());
        }
        let is_admin = self.admins.iter().any(|a| a == name);
        self.actor = Actor { user_id: name.to_string(), name: name.to_string(), is_admin };
        self.say(&format!("(you are {name}{})", if is_admin { ", admin" } else { "" }))
    }

    fn switch_channel(&mut self, name: &str) -> anyhow::Result<()> {
        if let Some(c) = grammar::control_character(name) {
            return self.say(&format!("usage: :channel NAME  (NAME contains the control character {c:?})"));
        }
        self.channel = name.trim_start_matches('#').to_string();
        self.say(&format!("(now in #{})", self.channel))
    }

    fn channel_ref(&self) -> ChannelRef {
        ChannelRef { platform: "console".into(), workspace: String::new(), channel: self.channel.clone() }
    }

    async fn send(&mut self, kind: InboundKind) -> anyhow::Result<()> {
        self.events += 1;
        let event = Inbound {
            channel: self.channel_ref(),
            actor: self.actor.clone(),
            dedupe_key: format!("console:{}:{}", self.clock.timestamp(), self.events),
            kind,
        };
        self.last_event = Some(event.clone());
        self.deliver(&event).await
    }

    async fn deliver(&mut self, event: &Inbound) -> anyhow::Result<()> {
        let replies = self.coach.handle(event, self.clock).await.into_replies();
        for reply in &replies {
            self.show(&reply.to, &reply.message, None)?;
        }
        self.replies = replies;
        Ok(())
    }

    async fn react(&mut self, arg: &str, added: bool) -> anyhow::Result<()> {
        let (emoji, post) = arg.split_once(char::is_whitespace).unwrap_or((arg, "last"));
        let Some(message_id) = self.resolve_post(post.trim()) else {
            return self.say(&format!("no lesson post `{}` in #{}", quoted(post.trim()), self.channel));
        };
        let emoji = emoji.to_string();
        let kind = if added {
            InboundKind::ReactionAdded { message_id, emoji }
        } else {
            InboundKind::ReactionRemoved { message_id, emoji }
        };
        self.send(kind).await
    }

    async fn press(&mut self, arg: &str) -> anyhow::Result<()> {
        let labelled =
            self.shown_buttons.iter().find(|b| b.label.eq_ignore_ascii_case(arg)).map(|b| b.id.clone());
        let id = match arg {
            "" | "done" => self.last_buttons.clone(),
            _ => labelled.or_else(|| Some(arg.to_string())),
        };
        match id {
            Some(id) => self.send(InboundKind::Button { id }).await,
            None => self.say("no button to press yet"),
        }
    }

    /// `m3`, `day:121` or `last` → a message id in the current channel.
    fn resolve_post(&self, post: &str) -> Option<String> {
        let here = self.posts.iter().filter(|p| p.channel == self.channel);
        match post {
            "last" | "" => here.last().map(|p| p.message_id.clone()),
            p if p.starts_with("day:") => {
                let day: u32 = p[4..].parse().ok()?;
                here.filter(|x| x.day == day).last().map(|x| x.message_id.clone())
            }
            p => here.filter(|x| x.message_id == p).last().map(|x| x.message_id.clone()),
        }
    }

    /// Moves the clock where a directive asked, or says why it cannot.
    async fn move_clock(&mut self, to: Result<DateTime<Utc>, ClockError>) -> anyhow::Result<()> {
        match to {
            Ok(target) => self.advance_to(target).await,
            Err(why) => self.say(&why.to_string()),
        }
    }

    /// Moves the clock to `target`, stopping at every instant the coach has work for.
    pub async fn advance_to(&mut self, target: DateTime<Utc>) -> anyhow::Result<()> {
        while let Some(next) = self.coach.next_wakeup(self.clock).await? {
            if next > target {
                break;
            }
            self.clock = next;
            self.tick().await?;
        }
        self.clock = target;
        self.tick().await
    }

    /// Runs everything due now and shows what was delivered.
    pub async fn tick(&mut self) -> anyhow::Result<()> {
        *self.delivery.now.lock().expect("clock lock") = self.clock;
        self.coach.tick(&self.delivery, self.clock).await?;
        for d in self.delivery.drain() {
            if let (Some(id), Target::Channel(ch)) = (&d.message_id, &d.to) {
                let day = d.message.blocks.iter().find_map(|b| match b {
                    Block::Lesson(card) => Some(card.day),
                    _ => None,
                });
                if let Some(day) = day {
                    self.posts.push(Post { message_id: id.clone(), channel: ch.channel.clone(), day });
                }
            }
            self.show(&d.to, &d.message, d.message_id.as_deref())?;
            self.log.push(d);
        }
        Ok(())
    }

    fn show(&mut self, to: &Target, message: &Message, id: Option<&str>) -> anyhow::Result<()> {
        let buttons = message.blocks.iter().find_map(|b| match b {
            Block::Buttons(buttons) => Some(buttons.clone()),
            _ => None,
        });
        if let Some(buttons) = buttons {
            let lesson = message.blocks.iter().any(|b| matches!(b, Block::Lesson(_)));
            if lesson {
                self.last_buttons = buttons.first().map(|b| b.id.clone());
            }
            self.shown_buttons = buttons;
        }
        let when = self.clock.format("%Y-%m-%d %H:%M");
        let header = match to {
            Target::Channel(ch) => format!(
                "── {when} UTC · #{} · studybot{} ──",
                ch.channel,
                id.map(|i| format!(" ({i})")).unwrap_or_default()
            ),
            Target::Ephemeral => format!("── {when} UTC · only {} sees this ──", self.actor.name),
            Target::Direct { user_id, .. } => format!("── {when} UTC · direct message to {user_id} ──"),
        };
        writeln!(self.out, "{header}\n{}", render(message))?;
        for file in message.files() {
            let line = match self.save(file) {
                Ok(path) => format!("   saved to {}", path.display()),
                Err(e) => format!("   not saved: {e}"),
            };
            writeln!(self.out, "{line}")?;
        }
        writeln!(self.out)?;
        Ok(())
    }

    /// Writes a file the bot sent under [`Console::files`]; the name is the bot's own, with no
    /// path in it.
    fn save(&self, file: &crate::coach::Attachment) -> std::io::Result<std::path::PathBuf> {
        std::fs::create_dir_all(&self.files)?;
        let name = std::path::Path::new(&file.name).file_name().unwrap_or("file".as_ref());
        let path = self.files.join(name);
        std::fs::write(&path, &file.bytes)?;
        Ok(std::path::absolute(&path).unwrap_or(path))
    }

    fn say(&mut self, text: &str) -> anyhow::Result<()> {
        writeln!(self.out, "{text}")?;
        Ok(())
    }
}

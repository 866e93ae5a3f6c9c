//! A scripted cohort played through the console platform on a virtual clock, on SQLite and PostgreSQL.
//!
//! The main cycle runs a 12-day curriculum written below, so every expected number can be worked
//! out by hand; the last test runs the shipped 30-day curriculum with a simple pattern. The hand
//! computations sit next to the assertions; the rules are in docs/streaks.md and src/domain/.

mod support;

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, Weekday};
use studybot::coach::{Block, Catalog, Coach, Target};
use studybot::platform::console::{Console, Delivered, render};
use studybot::store::{CheckpointSource, CohortState, MemberStats, Platform, Store};
use support::db::Fixture;

backend_tests!(
    refusals_change_nothing,
    reaction_and_command_undo_and_replays_count_once,
    leaderboard_ties_share_a_rank_and_opt_out_hides,
    holiday_and_pause_move_posts_without_breaking_streaks,
    late_checks_and_freezes,
    cycle_totals_match_the_hand_computation,
    shipped_curriculum_cycle,
);

// ── The small curriculum ─────────────────────────────────────────────────────────────────────────

const MINI_ID: &str = "mini_lakehouse";
const MINI_TITLE: &str = "Days 1-12: Mini Lakehouse";

/// 12 days in two modules; LinkedIn prompts on days 1, 4, 9; blog prompts on days 6, 12.
const MINI: &str = r#"# Days 1-12: Mini Lakehouse

## 🎯 **Cycle Goals**
- Understand table formats well enough to build a small lakehouse

## **Module 1: Foundations (Days 1-6)**

### **Day 1 - Lakehouse Basics**
**🎯 Learning Objective:** Tell a lake from a warehouse
- **Task (30 min):** Read the lakehouse paper
- **Resources:**
  - [Lakehouse Paper](https://example.com/lakehouse)
- **Checkpoint:** Can explain the lakehouse idea
- **📝 LinkedIn Post:** "Why lakehouses"

### **Day 2 - First Table**
**🎯 Learning Objective:** Create a Delta table
- **Task (30 min):** Write and read a small table
- **Checkpoint:** A table on disk

### **Day 3 - Transactions**
**🎯 Learning Objective:** See ACID at work
- **Task (30 min):** Two writers, one table
- **Checkpoint:** No lost update

### **Day 4 - Schema Evolution**
**🎯 Learning Objective:** Add a column safely
- **Task (30 min):** Evolve the schema
- **Checkpoint:** Old readers still work
- **📝 LinkedIn Post:** "Schemas change, tables survive"

### **Day 5 - Time Travel**
**🎯 Learning Objective:** Query an older version
- **Task (30 min):** Read version 0
- **Checkpoint:** Restored a table

### **Day 6 - Module 1 Project**
**🎯 Learning Objective:** Put it together
- **Project (30 min):** A small customer table with history
- **Checkpoint:** Working project
- **📝 Blog Post:** "My first lakehouse"

## **Module 2: Table Formats (Days 7-12)**

### **Day 7 - Iceberg Basics**
**🎯 Learning Objective:** Meet Iceberg
- **Task (30 min):** Create an Iceberg table
- **Checkpoint:** A table in a catalog

### **Day 8 - Partitioning**
**🎯 Learning Objective:** Hidden partitioning
- **Task (30 min):** Partition by day
- **Checkpoint:** Pruned scans

### **Day 9 - Snapshots**
**🎯 Learning Objective:** Snapshot isolation
- **Task (30 min):** Roll back a snapshot
- **Checkpoint:** Rolled back
- **📝 LinkedIn Post:** "Snapshots are cheap"

### **Day 10 - Compaction**
**🎯 Learning Objective:** Fewer, bigger files
- **Task (30 min):** Compact small files
- **Checkpoint:** Faster reads

### **Day 11 - Streaming Writes**
**🎯 Learning Objective:** Append from a stream
- **Task (30 min):** Stream into a table
- **Checkpoint:** Exactly-once appends

### **Day 12 - Module 2 Project**
**🎯 Learning Objective:** Compare the formats
- **Project (30 min):** Same data, two formats
- **Checkpoint:** A written comparison
- **📝 Blog Post:** "Delta or Iceberg?"

## 📊 **Cycle Assessment**

### **Technical Skills Acquired:**
- [ ] Delta table basics
- [ ] Time travel queries

### **Content Created:**
- [ ] 3 LinkedIn posts published
- [ ] 2 blog posts written

**🎯 Success Criteria:** Can build a small lakehouse
"#;

// ── The script ───────────────────────────────────────────────────────────────────────────────────
//
// Schedule: Mon–Fri 09:00 UTC from Mon 2026-12-07; grace 6 h. The admin makes Thu 17 Dec a holiday
// and pauses from Fri 18 Dec 16:00 to Tue 22 Dec 12:00 (so Mon 21 and Tue 22 09:00 are not posted).
//
//  day  posted (09:00 UTC)  window closes (next post + 6 h)
//   1   Mon 07 Dec          Tue 08 Dec 15:00
//   2   Tue 08 Dec          Wed 09 Dec 15:00
//   3   Wed 09 Dec          Thu 10 Dec 15:00
//   4   Thu 10 Dec          Fri 11 Dec 15:00
//   5   Fri 11 Dec          Mon 14 Dec 15:00   (the weekend is not a lesson day)
//   6   Mon 14 Dec          Tue 15 Dec 15:00
//   7   Tue 15 Dec          Wed 16 Dec 15:00
//   8   Wed 16 Dec          Fri 18 Dec 15:00   (Thu 17 is a holiday)
//   9   Fri 18 Dec          Wed 23 Dec 15:00   (open while paused; Mon 21 / Tue 22 are paused)
//  10   Wed 23 Dec          Thu 24 Dec 15:00
//  11   Thu 24 Dec          Fri 25 Dec 15:00
//  12   Fri 25 Dec          Sat 26 Dec 15:00   (the last lesson: posted + 1 day + grace)
//
// Habits:
//  alice — ✅ on every post at 10:00. Day 2: the reaction is replayed. Day 3: she removes her ✅
//          at 10:05 and reacts again at 10:10.
//  bob   — `/checkpoint` at 20:00. Day 4: `/checkpoint day:4` at Fri 11 Dec 15:00, the very moment
//          the window closes (late). Day 6: checks, undoes with `/checkpoint day:6 undo`, checks
//          again. Day 9: checks on Tue 22 Dec 10:00, during the pause. Day 10: `/checkpoint
//          day:10` on Thu 24 Dec 16:00, after its window closed (late, covered by a freeze).
//  carol — ✅ at 12:00. Day 4 at Fri 11 Dec 14:59 (a minute before its window closes); day 5 on
//          Mon 14 Dec 14:00 (across the weekend); misses days 8 and 11.
//  dave  — presses Done at 11:00 on days 1–3, opts out of the leaderboard, then drops out.

const ADMIN: &str = "coach";

/// The dates that get a lesson, in day order (see the table above).
const LESSON_DATES: [&str; 12] = [
    "2026-12-07",
    "2026-12-08",
    "2026-12-09",
    "2026-12-10",
    "2026-12-11",
    "2026-12-14",
    "2026-12-15",
    "2026-12-16",
    "2026-12-18",
    "2026-12-23",
    "2026-12-24",
    "2026-12-25",
];

/// After the last window closed (Sat 26 Dec 15:00) and the cohort completed.
const END: &str = "2026-12-26T16:00";

struct Step {
    at: NaiveDateTime,
    who: &'static str,
    line: String,
    tag: Option<&'static str>,
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn step(when: &str, who: &'static str, line: &str) -> Step {
    Step { at: at(when), who, line: line.to_string(), tag: None }
}

impl Step {
    fn tag(self, tag: &'static str) -> Step {
        Step { tag: Some(tag), ..self }
    }
}

/// Everyone's everyday habit; the exceptions are in [`specials`].
fn habits() -> Vec<Step> {
    let mut steps = Vec::new();
    for (i, date) in LESSON_DATES.iter().enumerate() {
        let day = i + 1;
        steps.push(step(&format!("{date}T10:00"), "alice", &format!(":react ✅ day:{day}")));
        if day <= 3 {
            steps.push(step(&format!("{date}T11:00"), "dave", ":press done"));
        }
        if ![4, 5, 8, 11].contains(&day) {
            steps.push(step(&format!("{date}T12:00"), "carol", &format!(":react ✅ day:{day}")));
        }
        if ![4, 9, 10].contains(&day) {
            steps.push(step(&format!("{date}T20:00"), "bob", "/checkpoint"));
        }
    }
    steps
}

fn specials() -> Vec<Step> {
    let setup =
        "/studybot setup curriculum:mini_lakehouse start:2026-12-07 schedule:0 9 * * MON-FRI timezone:UTC";
    let li = "https://www.linkedin.com/posts/alice";
    let mut steps = vec![
        step("2026-12-04T12:00", ADMIN, setup).tag("setup"),
        step("2026-12-04T12:01", ADMIN, "/studybot holiday add 2026-12-17").tag("holiday"),
        step("2026-12-04T12:02", "carol", "/join").tag("join"),
        step("2026-12-04T12:03", "bob", "/checkpoint").tag("too-early"),
        step("2026-12-08T10:01", "alice", ":replay").tag("alice-replay"),
        step("2026-12-08T10:02", "alice", ":press done").tag("alice-press-dup"),
        step("2026-12-09T10:05", "alice", ":unreact ✅ day:3").tag("alice-unreact"),
        step("2026-12-09T10:10", "alice", ":react ✅ day:3").tag("alice-rereact"),
        step("2026-12-09T11:05", "dave", "/leaderboard optout").tag("dave-optout"),
        step("2026-12-09T20:30", "dave", "/leaderboard").tag("board-dave"),
        step("2026-12-09T20:31", "alice", "/leaderboard").tag("board-alice"),
        step("2026-12-10T10:30", "alice", &format!("/posted linkedin {li}-schemas")).tag("posted-default"),
        step("2026-12-10T10:31", "alice", &format!("/posted linkedin {li}-why day:1")).tag("posted-day1"),
        step("2026-12-10T10:32", "alice", &format!("/posted linkedin {li}-again day:4")).tag("posted-dup"),
        step("2026-12-10T10:33", "alice", &format!("/posted linkedin {li}-early day:9")).tag("posted-future"),
        step("2026-12-10T10:34", "alice", "/posted blog https://blog.example.com/a day:2")
            .tag("posted-no-prompt"),
        step("2026-12-10T10:40", "alice", "/assess 1.1").tag("assess"),
        step("2026-12-10T10:41", "alice", "/assess").tag("assess-list"),
        step("2026-12-11T14:59", "carol", ":react ✅ day:4").tag("carol-last-minute"),
        step("2026-12-11T15:00", "bob", "/checkpoint day:4").tag("bob-late"),
        step("2026-12-14T14:00", "carol", ":react ✅ day:5").tag("carol-after-weekend"),
        step("2026-12-14T20:01", "bob", ":react ✅ day:6").tag("bob-react-dup"),
        step("2026-12-14T20:02", "bob", ":unreact ✅ day:6").tag("bob-unreact"),
        step("2026-12-14T20:03", "bob", "/checkpoint day:6 undo").tag("bob-undo"),
        step("2026-12-14T20:03", "bob", ":replay").tag("bob-undo-replay"),
        step("2026-12-14T20:04", "bob", "/checkpoint day:6").tag("bob-recheck"),
        step("2026-12-14T20:05", "bob", ":replay").tag("bob-recheck-replay"),
        step("2026-12-14T20:06", "bob", "/studybot pause").tag("bob-pause"),
        step("2026-12-14T20:07", "bob", "/checkpoint day:7").tag("bob-early"),
        step("2026-12-14T20:08", "bob", "/checkpoint day:99").tag("bob-outside"),
        step("2026-12-18T16:00", ADMIN, "/studybot pause").tag("pause"),
        step("2026-12-21T12:00", "bob", "/progress").tag("bob-progress-paused"),
        step("2026-12-21T12:01", "bob", "/streak").tag("bob-streak-paused"),
        step("2026-12-22T10:00", "bob", "/checkpoint day:9").tag("bob-day9-paused"),
        step("2026-12-22T12:00", ADMIN, "/studybot resume").tag("resume"),
        step("2026-12-24T16:00", "bob", "/checkpoint day:10").tag("bob-late-covered"),
        step("2026-12-26T16:05", "dave", "/leaderboard").tag("board-final-dave"),
    ];
    for (who, tag) in [
        ("alice", "progress-alice"),
        ("bob", "progress-bob"),
        ("carol", "progress-carol"),
        ("dave", "progress-dave"),
    ] {
        steps.push(step("2026-12-26T16:01", who, "/progress").tag(tag));
    }
    steps
}

/// Habits and specials in time order; steps at the same minute keep their listed order.
fn script() -> VecDeque<Step> {
    let mut steps = specials();
    steps.extend(habits());
    steps.sort_by_key(|s| s.at);
    steps.into()
}

// ── Harness: a console whose output we can read as it grows ─────────────────────────────────────

/// The console's writer, shared so a test can read what one line printed.
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);

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
    fn len(&self) -> usize {
        self.0.lock().expect("screen lock").len()
    }

    fn since(&self, mark: usize) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("screen lock")[mark..]).into_owned()
    }
}

struct Chat {
    console: Console<Screen>,
    screen: Screen,
}

impl Chat {
    fn new(store: Store, catalog: Catalog, start: &str) -> Chat {
        let screen = Screen::default();
        let console = Console::new(Coach::new(store, catalog), at(start).and_utc(), screen.clone());
        Chat { console, screen }
    }

    fn store(&self) -> &Store {
        self.console.coach().store()
    }

    async fn advance_to(&mut self, until: NaiveDateTime) {
        if until.and_utc() > self.console.now() {
            self.console.line(&format!(":advance-to {}", until.format("%Y-%m-%dT%H:%M"))).await.unwrap();
        }
    }

    /// Types `line` as `who` (the admin keeps admin rights) and returns what that line printed.
    async fn act(&mut self, who: &str, line: &str) -> String {
        let switch = if who == ADMIN { ":admin" } else { ":as" };
        self.console.line(&format!("{switch} {who}")).await.unwrap();
        let mark = self.screen.len();
        self.console.line(line).await.unwrap();
        self.screen.since(mark)
    }

    async fn cohort_id(&self) -> i64 {
        let cohort = self.store().find_cohort_by_channel(Platform::Console, "study").await.unwrap();
        cohort.expect("the channel has a cohort").id
    }

    async fn member_id(&self, who: &str) -> i64 {
        let member = self.store().find_member(Platform::Console, who).await.unwrap();
        member.unwrap_or_else(|| panic!("{who} is a member")).id
    }

    async fn stats(&self, who: &str) -> MemberStats {
        let (cohort, member) = (self.cohort_id().await, self.member_id(who).await);
        let stats = self.store().get_member_stats(cohort, member).await.unwrap();
        stats.unwrap_or_else(|| panic!("{who} has stats"))
    }

    async fn checkpoint_source(&self, who: &str, day: u32) -> Option<CheckpointSource> {
        let (cohort, member) = (self.cohort_id().await, self.member_id(who).await);
        let day = studybot::domain::DayNumber::try_from(day).unwrap();
        self.store().get_checkpoint(cohort, member, day).await.unwrap().map(|c| c.source)
    }

    /// (day, when it went out) of every lesson posted so far, from the console's own record.
    fn lesson_posts(log: &[Delivered]) -> Vec<(u32, String)> {
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
struct Cycle {
    chat: Chat,
    steps: VecDeque<Step>,
    replies: HashMap<&'static str, String>,
}

impl Cycle {
    fn new(fx: &Fixture) -> Cycle {
        let mut catalog = Catalog::default();
        catalog.add(MINI_ID, MINI, None).expect("the mini curriculum loads");
        Cycle {
            chat: Chat::new(fx.store.clone(), catalog, "2026-12-04T12:00"),
            steps: script(),
            replies: HashMap::new(),
        }
    }

    /// Runs every step up to and including `until`, then leaves the clock at `until`.
    async fn play_until(&mut self, until: &str) {
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

    fn reply(&self, tag: &str) -> &str {
        self.replies.get(tag).unwrap_or_else(|| panic!("step `{tag}` has not been played"))
    }

    fn assert_reply(&self, tag: &str, wanted: &str) {
        let reply = self.reply(tag);
        assert!(reply.contains(wanted), "`{tag}` replied:\n{reply}\nwanted:\n{wanted}");
    }

    fn assert_silent(&self, tag: &str) {
        assert_eq!(self.reply(tag), "", "`{tag}` should change nothing and say nothing");
    }
}

/// The counters of `member_stats` that the rules decide.
#[derive(Debug, PartialEq, Eq)]
struct Tally {
    on_time: i64,
    late: i64,
    missed: i64,
    current: i64,
    best: i64,
    held: i64,
    used: i64,
    points: i64,
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
fn board(text: &str) -> (Vec<String>, Option<String>) {
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
fn strip(progress: &str) -> &str {
    let line = progress
        .lines()
        .find(|l| l.contains("(✅ on time"))
        .unwrap_or_else(|| panic!("no strip in:\n{progress}"));
    line.split_whitespace().next().unwrap_or_default()
}

fn direct_texts(log: &[Delivered]) -> Vec<(String, String, String)> {
    log.iter()
        .filter_map(|d| match &d.to {
            Target::Direct { user_id, .. } => {
                Some((user_id.clone(), d.at.format("%a %d %H:%M").to_string(), render(&d.message)))
            }
            _ => None,
        })
        .collect()
}

// ── Tests over the small curriculum ──────────────────────────────────────────────────────────────

/// Before the first lesson, a `/checkpoint` is refused. Mid-cycle a member may not pause the cohort,
/// nor check a day that isn't posted yet or isn't in the curriculum; none of it changes anything.
async fn refusals_change_nothing(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-04T12:03").await;
    cycle.assert_reply(
        "setup",
        "✅ This channel now runs **Days 1-12: Mini Lakehouse** (`mini_lakehouse`), from day 1, starting 2026-12-07",
    );
    cycle.assert_reply(
        "setup",
        "  • day 1 — Mon 7 Dec 09:00 UTC\n  • day 2 — Tue 8 Dec 09:00 UTC\n  • day 3 — Wed 9 Dec 09:00 UTC",
    );
    cycle.assert_reply("holiday", "📅 2026-12-17 is now a holiday. Next post: day 1 on Mon 7 Dec 09:00 UTC.");
    cycle.assert_reply("join", "👋 Welcome to Days 1-12: Mini Lakehouse, carol!");
    cycle.assert_reply("join", "Next lesson: day 1 on Mon 7 Dec 09:00 UTC.");
    cycle.assert_reply(
        "too-early",
        "No lesson has been posted yet. The first, day 1, comes on Mon 7 Dec 09:00 UTC.",
    );
    let cohort = cycle.chat.cohort_id().await;
    assert!(cycle.chat.store().list_cohort_checkpoints(cohort).await.unwrap().is_empty());

    cycle.play_until("2026-12-14T20:08").await;
    cycle.assert_reply(
        "bob-pause",
        "Sorry, `/studybot pause` is for the cohort's admins. Ask an admin of this channel; `/help` lists the commands you can use.",
    );
    let state = cycle.chat.store().get_cohort(cohort).await.unwrap().unwrap().state;
    assert_eq!(state, CohortState::Active);
    assert!(cycle.chat.store().list_pauses(cohort).await.unwrap().is_empty(), "no pause was recorded");
    cycle.assert_reply("bob-early", "Day 7 isn't posted yet; it's due Tue 15 Dec 09:00 UTC.");
    cycle.assert_reply("bob-outside", "Day 99 is not in this curriculum (days 1-12).");
    assert_eq!(cycle.chat.checkpoint_source("bob", 7).await, None);
    assert_eq!(cycle.chat.checkpoint_source("bob", 99).await, None);

    // The refused pause paused nothing: day 7 goes out on Tuesday as scheduled.
    cycle.play_until("2026-12-15T09:30").await;
    let posts: Vec<u32> = cycle.chat.console.posts().iter().map(|p| p.day.get()).collect();
    assert_eq!(posts, (1..=7).collect::<Vec<u32>>());
}

/// Removing ✅ undoes a reaction's checkpoint but not a command's; `/checkpoint day:N undo` undoes
/// a command's. A replayed event is deduplicated: no reply, no change — unlike a fresh duplicate,
/// which is answered "already checked".
async fn reaction_and_command_undo_and_replays_count_once(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-08T10:02").await;
    cycle.assert_silent("alice-replay");
    cycle.assert_reply("alice-press-dup", "Day 2 was already checked (Tue 8 Dec 10:00 UTC).");
    // Days 1 and 2 on time: 2 × 10 = 20 points; the replay did not add a third.
    let alice = cycle.chat.stats("alice").await;
    assert_eq!((alice.on_time, alice.current_streak, alice.points), (2, 2, 20));
    assert_eq!(cycle.chat.checkpoint_source("alice", 2).await, Some(CheckpointSource::Reaction));

    // Day 3: ✅ at 10:00 (streak 3, 30 points), removed at 10:05 (day 3 open again: streak 2,
    // 20 points; best is recomputed from the checkpoints that remain, so it is 2 too), given again
    // at 10:10 (streak 3, 30 points).
    cycle.play_until("2026-12-09T10:05").await;
    cycle.assert_reply("alice-unreact", "↩️ Day 3 is no longer checked. 🔥 Streak: 2 (best 2).");
    assert_eq!(cycle.chat.checkpoint_source("alice", 3).await, None);
    let alice = cycle.chat.stats("alice").await;
    assert_eq!((alice.on_time, alice.current_streak, alice.points), (2, 2, 20));
    cycle.play_until("2026-12-09T10:10").await;
    cycle.assert_reply("alice-rereact", "✅ Day 3 done — on time. 🔥 Streak: 3 (best 3) · 30 points.");
    assert_eq!(cycle.chat.checkpoint_source("alice", 3).await, Some(CheckpointSource::Reaction));
    // Dave's Done presses on days 1–3 are button checkpoints.
    cycle.play_until("2026-12-09T11:00").await;
    assert_eq!(cycle.chat.checkpoint_source("dave", 3).await, Some(CheckpointSource::Button));
    assert_eq!(cycle.chat.stats("dave").await.on_time, 3);

    // Bob, Mon 14 Dec: `/checkpoint` (day 6) at 20:00. So far: days 1–3 on time, day 4 late
    // (streak reset), day 5 on time → streak 1; day 6 makes 2. Points 5 × 10 + 5 = 55.
    cycle.play_until("2026-12-14T20:05").await;
    cycle.assert_reply("bob-react-dup", "Day 6 was already checked (Mon 14 Dec 20:00 UTC).");
    cycle.assert_silent("bob-unreact");
    cycle.assert_reply("bob-undo", "↩️ Day 6 is no longer checked. 🔥 Streak: 1 (best 3).");
    cycle.assert_silent("bob-undo-replay");
    cycle.assert_reply("bob-recheck", "✅ Day 6 done — on time. 🔥 Streak: 2 (best 3) · 55 points.");
    cycle.assert_silent("bob-recheck-replay");
    assert_eq!(cycle.chat.checkpoint_source("bob", 6).await, Some(CheckpointSource::Command));
    let bob = cycle.chat.stats("bob").await;
    assert_eq!((bob.on_time, bob.late, bob.current_streak, bob.best_streak, bob.points), (5, 1, 2, 3, 55));
    let cohort = cycle.chat.cohort_id().await;
    let bob_id = cycle.chat.member_id("bob").await;
    let bobs = cycle.chat.store().list_member_checkpoints(cohort, bob_id).await.unwrap();
    assert_eq!(bobs.iter().map(|c| c.day).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6], "one row per day");
}

/// After day 3 everyone visible has 30 points: all share rank 1, listed by who got there first
/// (alice re-reacted at 10:10, carol at 12:00, bob at 20:00). Dave opted out: he is not listed
/// but sees his own rank, marked hidden. At the end ranks differ and dave is 4th.
async fn leaderboard_ties_share_a_rank_and_opt_out_hides(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-09T20:31").await;
    cycle.assert_reply("dave-optout", "🙈 You're hidden from leaderboards.");
    let tied = vec!["1 alice 30", "1 carol 30", "1 bob 30"];
    let (rows, footer) = board(cycle.reply("board-dave"));
    assert_eq!(rows, tied);
    assert_eq!(footer.as_deref(), Some("You: #1 with 30 points (hidden from others)"));
    let (rows, footer) = board(cycle.reply("board-alice"));
    assert_eq!(rows, tied);
    assert_eq!(footer.as_deref(), Some("You: #1 with 30 points"));

    // Final points (see `cycle_totals_match_the_hand_computation`): alice 145, bob 135, carol 125,
    // dave 30 — dave would be 4th among the visible.
    cycle.play_until(END).await;
    cycle.play_until("2026-12-26T16:05").await;
    let (rows, footer) = board(cycle.reply("board-final-dave"));
    assert_eq!(rows, vec!["1 alice 145", "2 bob 135", "3 carol 125"]);
    assert_eq!(footer.as_deref(), Some("You: #4 with 30 points (hidden from others)"));
}

/// The holiday and the pause take dates out of the sequence: days keep their order, move to the
/// next lesson date, and nothing is missed meanwhile. A check during the pause is on time.
async fn holiday_and_pause_move_posts_without_breaking_streaks(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-18T16:00").await;
    cycle.assert_reply(
        "pause",
        "⏸️ Paused. No lessons are posted and no streak breaks until `/studybot resume`.",
    );
    let cohort = cycle.chat.cohort_id().await;
    let state = cycle.chat.store().get_cohort(cohort).await.unwrap().unwrap().state;
    assert_eq!(state, CohortState::Paused);

    // Mon 21 Dec, paused. Bob: days 1–3 on time, 4 late, 5–8 on time (his 7th on-time lesson,
    // day 8, earned a freeze), day 9 unchecked but its window is open → ⏳, not ⬜.
    // Streak 4 (days 5–8), best 4, lessons done 8; stored points 7 × 10 + 5 = 75.
    cycle.play_until("2026-12-21T12:01").await;
    cycle.assert_reply("bob-progress-paused", "📈 bob — Days 1-12: Mini Lakehouse (9 of 12 days posted)");
    assert_eq!(strip(cycle.reply("bob-progress-paused")), "✅✅✅🕒✅✅✅✅⏳");
    cycle.assert_reply("bob-progress-paused", "Done 8 (on time 7, late 1) · missed 0 · open 1");
    cycle.assert_reply("bob-progress-paused", "🔥 Streak 4 (best 4) · ❄ freezes 1 · 75 points");
    cycle.assert_reply("bob-streak-paused", "🔥 bob: streak 4 (best 4) · ❄️ 1 freeze held · 8 lessons done");
    // Alice, after the Monday that would have been day 10 without the pause: nothing missed.
    let alice = cycle.chat.stats("alice").await;
    assert_eq!((alice.on_time, alice.missed, alice.current_streak), (9, 0, 9));

    // Tue 22 Dec 10:00, still paused: without the pause day 9 would have closed Mon 21 15:00 and
    // this would be late; paused, it is on time. Bob: streak 5 (best 5), 8 × 10 + 5 = 85 points.
    cycle.play_until("2026-12-22T12:00").await;
    cycle.assert_reply("bob-day9-paused", "✅ Day 9 done — on time. 🔥 Streak: 5 (best 5) · 85 points.");
    cycle.assert_reply("resume", "▶️ Resumed. Next post: day 10 on Wed 23 Dec 09:00 UTC.");
    assert_eq!(cycle.chat.console.posts().len(), 9, "nothing is posted on Mon 21 or Tue 22 Dec");

    cycle.play_until(END).await;
    let log = cycle.chat.console.take_log();
    let expected: Vec<(u32, String)> = LESSON_DATES
        .iter()
        .enumerate()
        .map(|(i, date)| {
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
            (i as u32 + 1, format!("{} 09:00", date.format("%a %Y-%m-%d")))
        })
        .collect();
    assert_eq!(Chat::lesson_posts(&log), expected);
    let state = cycle.chat.store().get_cohort(cohort).await.unwrap().unwrap().state;
    assert_eq!(state, CohortState::Completed);
}

/// A check at the very instant a window closes is late; a minute before, on time; Friday's
/// window runs over the weekend. Late breaks a streak unless a freeze covers it, and each spent
/// freeze is told once, when the window closes.
async fn late_checks_and_freezes(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-11T15:00").await;
    // Carol, days 1–4 on time: streak 4, 40 points.
    cycle.assert_reply("carol-last-minute", "✅ Day 4 done — on time. 🔥 Streak: 4 (best 4) · 40 points.");
    // Bob, days 1–3 on time, day 4 at 15:00 sharp: late, no freeze → streak 0; 30 + 5 = 35.
    cycle.assert_reply(
        "bob-late",
        "✅ Day 4 done — late (its window closed Fri 11 Dec 15:00 UTC), so it counts for completion but not for \
         your streak. 🔥 Streak: 0 (best 3) · 35 points.",
    );
    let bob = cycle.chat.stats("bob").await;
    assert_eq!((bob.on_time, bob.late, bob.missed, bob.current_streak), (3, 1, 0, 0));

    // Carol's Friday lesson checked on Monday 14:00, before Monday's lesson + 6 h: on time. With
    // day 6 (checked at 12:00) that is days 1–6 on time: streak 6, 60 points.
    cycle.play_until("2026-12-14T14:00").await;
    cycle.assert_reply("carol-after-weekend", "✅ Day 5 done — on time. 🔥 Streak: 6 (best 6) · 60 points.");

    // Bob's day 10 window closed Thu 24 Dec 15:00 with no check: his freeze (earned on his 7th
    // on-time lesson, day 8) is spent there and his streak stays 5. Checked at 16:00: late, +5.
    // 8 on time + 2 late = 80 + 10 = 90 points; best 5.
    cycle.play_until("2026-12-24T16:00").await;
    cycle.assert_reply(
        "bob-late-covered",
        "✅ Day 10 done — late (its window closed Thu 24 Dec 15:00 UTC), so it counts for completion but not for \
         your streak. 🔥 Streak: 5 (best 5) · 90 points.",
    );

    cycle.play_until(END).await;
    // Freezes told once each: carol's for day 8 when its window closed (Fri 18 Dec 15:00, later
    // because of the Thu holiday; her day 9 was already on time → streak 8), bob's for day 10.
    let freeze_notes: Vec<_> = direct_texts(&cycle.chat.console.take_log())
        .into_iter()
        .filter(|(_, _, text)| text.contains("❄️"))
        .collect();
    let note = |day: u32, streak: u32| {
        format!(
            "❄️ A streak freeze covered day {day} in {MINI_TITLE} — your {streak}-day streak is safe. Freezes left: 0."
        )
    };
    assert_eq!(
        freeze_notes,
        vec![
            ("carol".to_string(), "Fri 18 15:00".to_string(), note(8, 8)),
            ("bob".to_string(), "Thu 24 15:00".to_string(), note(10, 5)),
        ]
    );
}

/// The whole cycle, worked out by hand per member (10 per on-time, 5 per late, 25 per 7 days of
/// best streak; a freeze every 7th on-time lesson, at most 2, spent on a missed or late lesson):
///
///  alice: 12 on time. Streak 12, best 12. Freeze earned at her 7th (day 7), never spent → 1.
///         120 + 25 × (12 / 7 = 1) = 145.
///  bob:   1–3 on time (3); 4 late, no freeze → 0; 5–8 on time (4; the 7th on-time, day 8, earns
///         a freeze); 9 on time (5); 10 late, freeze spent, stays 5; 11, 12 → 7. On time 10,
///         late 2, missed 0, best 7, held 0, used 1. 100 + 10 + 25 × 1 = 135.
///  carol: 1–7 on time (7, freeze earned); 8 missed, freeze spent, stays 7; 9, 10 → 9; 11 missed,
///         no freeze → 0; 12 → 1. On time 10, missed 2, best 9, held 0, used 1. 100 + 25 = 125.
///  dave:  1–3 on time, then 4–12 missed (9), no freeze ever. Best 3, current 0. 30.
async fn cycle_totals_match_the_hand_computation(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until(END).await;
    cycle.play_until("2026-12-26T16:05").await;
    let expected = [
        (
            "alice",
            Tally { on_time: 12, late: 0, missed: 0, current: 12, best: 12, held: 1, used: 0, points: 145 },
        ),
        (
            "bob",
            Tally { on_time: 10, late: 2, missed: 0, current: 7, best: 7, held: 0, used: 1, points: 135 },
        ),
        (
            "carol",
            Tally { on_time: 10, late: 0, missed: 2, current: 1, best: 9, held: 0, used: 1, points: 125 },
        ),
        ("dave", Tally { on_time: 3, late: 0, missed: 9, current: 0, best: 3, held: 0, used: 0, points: 30 }),
    ];
    for (who, tally) in expected {
        assert_eq!(Tally::from(&cycle.chat.stats(who).await), tally, "{who}");
    }

    // The same numbers in each member's `/progress`, with the per-day strip.
    let progress = [
        (
            "alice",
            "✅✅✅✅✅✅✅✅✅✅✅✅",
            "Done 12 (on time 12, late 0) · missed 0 · open 0",
            "🔥 Streak 12 (best 12) · ❄ freezes 1 · 145 points",
        ),
        (
            "bob",
            "✅✅✅🕒✅✅✅✅✅🕒✅✅",
            "Done 12 (on time 10, late 2) · missed 0 · open 0",
            "🔥 Streak 7 (best 7) · ❄ freezes 0 · 135 points",
        ),
        (
            "carol",
            "✅✅✅✅✅✅✅❄✅✅⬜✅",
            "Done 10 (on time 10, late 0) · missed 2 · open 0",
            "🔥 Streak 1 (best 9) · ❄ freezes 0 · 125 points",
        ),
        (
            "dave",
            "✅✅✅⬜⬜⬜⬜⬜⬜⬜⬜⬜",
            "Done 3 (on time 3, late 0) · missed 9 · open 0",
            "🔥 Streak 0 (best 3) · ❄ freezes 0 · 30 points",
        ),
    ];
    for (who, strip_wanted, done, streak) in progress {
        let tag = format!("progress-{who}");
        assert_eq!(strip(cycle.reply(&tag)), strip_wanted, "{who}");
        cycle.assert_reply(&tag, &format!("📈 {who} — {MINI_TITLE} (12 of 12 days posted)"));
        cycle.assert_reply(&tag, done);
        cycle.assert_reply(&tag, streak);
    }
    // Carol checked days 1–6 and 7, 9, 10, 12 of module 2.
    cycle.assert_reply(
        "progress-carol",
        "  Module 1: Foundations (Days 1-6) — 6/6\n  Module 2: Table Formats (Days 7-12) — 4/6",
    );

    // Content and the assessment checklist (alice, Thu 10 Dec: day 4 is the latest posted day).
    cycle.assert_reply("posted-default", "📝 Logged your linkedin post for day 4 — 1/3 so far.");
    cycle.assert_reply("posted-day1", "📝 Logged your linkedin post for day 1 — 2/3 so far.");
    cycle.assert_reply("posted-dup", "You already logged a linkedin post for day 4.");
    cycle.assert_reply("posted-future", "Day 9 hasn't been posted yet.");
    cycle.assert_reply("posted-no-prompt", "Day 2 has no blog prompt.");
    cycle.assert_reply("assess", "☑ Ticked 1.1 Delta table basics.");
    cycle.assert_reply("assess-list", "    1.1 ☑ Delta table basics\n    1.2 ☐ Time travel queries");
    // `/progress` counts the checklist instead of repeating it.
    cycle.assert_reply("progress-alice", "Cycle assessment: 1/");
    assert!(!cycle.reply("progress-alice").contains("1.2 ☐"), "{}", cycle.reply("progress-alice"));
    cycle.assert_reply("progress-alice", "Content: LinkedIn 2/3 · blog 0/2");
    cycle.assert_reply("progress-bob", "Content: LinkedIn 0/3 · blog 0/2");

    // The cohort completed once, with the final board in the channel.
    let log = cycle.chat.console.take_log();
    let finals: Vec<String> = log
        .iter()
        .map(|d| render(&d.message))
        .filter(|text| text.starts_with("🎓 That's the whole of"))
        .collect();
    assert_eq!(finals.len(), 1, "{finals:?}");
    assert!(finals[0].contains(&format!("**{MINI_TITLE}**")), "{}", finals[0]);
    assert_eq!(board(&finals[0]).0, vec!["1 alice 145", "2 bob 135", "3 carol 125"]);
}

// ── The shipped curriculum ───────────────────────────────────────────────────────────────────────

/// Days 121–150 on every weekday from Mon 7 Dec 2026 (no holidays: 25 Dec and 1 Jan are posted),
/// the last on Fri 15 Jan 2027. Everyone reacts ✅ an hour after the post, except:
///  ann — never misses. 30 on time, streak 30. Freezes at her 7th, 14th, 21st, 28th on-time
///        lesson, capped at 2 → 2 held. 300 + 25 × (30 / 7 = 4) = 400.
///  ben — misses days 130, 140 and 150. Each run of 9 on-time days earns a freeze (his 7th, 14th,
///        21st on-time lessons: days 127, 135, 143), spent on the miss after it, so his streak
///        never resets: 27 on time, 3 missed, streak 27, best 27, held 0, used 3.
///        270 + 25 × (27 / 7 = 3) = 345.
///  cat — only days 121–127 (freeze on day 127), spent on day 128; 129 resets. 7 on time,
///        23 missed, current 0, best 7, held 0, used 1. 70 + 25 = 95.
async fn shipped_curriculum_cycle(fx: Fixture) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/curriculum/days_121_150_lakehouse_architecture.md");
    let mut catalog = Catalog::default();
    catalog
        .add("lakehouse", &std::fs::read_to_string(path).unwrap(), None)
        .expect("the shipped curriculum loads");
    let mut chat = Chat::new(fx.store.clone(), catalog, "2026-12-06T12:00");
    let setup = chat
        .act(
            ADMIN,
            "/studybot setup curriculum:lakehouse start:2026-12-07 schedule:0 9 * * MON-FRI timezone:UTC",
        )
        .await;
    assert!(setup.contains("from day 121, starting 2026-12-07"), "{setup}");

    let dates = weekdays_from(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), 30);
    assert_eq!(dates.last().map(|d| d.to_string()), Some("2027-01-15".to_string()));
    for (day, date) in (121u32..).zip(&dates) {
        chat.advance_to(date.and_hms_opt(10, 0, 0).unwrap()).await;
        let react = format!(":react ✅ day:{day}");
        chat.act("ann", &react).await;
        if day % 10 != 0 {
            chat.act("ben", &react).await;
        }
        if day <= 127 {
            chat.act("cat", &react).await;
        }
    }
    chat.advance_to(at("2027-01-16T16:00")).await;

    let expected = [
        (
            "ann",
            Tally { on_time: 30, late: 0, missed: 0, current: 30, best: 30, held: 2, used: 0, points: 400 },
        ),
        (
            "ben",
            Tally { on_time: 27, late: 0, missed: 3, current: 27, best: 27, held: 0, used: 3, points: 345 },
        ),
        ("cat", Tally { on_time: 7, late: 0, missed: 23, current: 0, best: 7, held: 0, used: 1, points: 95 }),
    ];
    for (who, tally) in expected {
        assert_eq!(Tally::from(&chat.stats(who).await), tally, "{who}");
    }
    let streak = chat.act("ann", "/streak").await;
    assert!(streak.contains("🔥 ann: streak 30 (best 30) · ❄️ 2 freezes held · 30 lessons done"), "{streak}");
    let progress = chat.act("ben", "/progress").await;
    let nine = "✅".repeat(9);
    assert_eq!(strip(&progress), format!("{nine}❄{nine}❄{nine}❄"));

    let log = chat.console.take_log();
    let posted: Vec<(u32, String)> = Chat::lesson_posts(&log);
    let wanted: Vec<(u32, String)> =
        (121u32..).zip(&dates).map(|(day, d)| (day, format!("{} 09:00", d.format("%a %Y-%m-%d")))).collect();
    assert_eq!(posted, wanted);
    let cohort = chat.store().get_cohort(chat.cohort_id().await).await.unwrap().unwrap();
    assert_eq!(cohort.state, CohortState::Completed);
    let board_text = chat.act("cat", "/leaderboard").await;
    assert_eq!(board(&board_text).0, vec!["1 ann 400", "2 ben 345", "3 cat 95"]);
}

fn weekdays_from(start: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let all = (0u64..).map(|i| start.checked_add_days(Days::new(i)).unwrap());
    all.filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)).take(n).collect()
}

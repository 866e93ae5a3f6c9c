//! The small curriculum (12 days in two modules) and the script its cohort plays, in time order.

use std::collections::VecDeque;

use chrono::NaiveDateTime;

pub(crate) const MINI_ID: &str = "mini_lakehouse";
pub(crate) const MINI_TITLE: &str = "Days 1-12: Mini Lakehouse";

/// 12 days in two modules; LinkedIn prompts on days 1, 4, 9; blog prompts on days 6, 12.
pub(crate) const MINI: &str = r#"# Days 1-12: Mini Lakehouse

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

pub(crate) const ADMIN: &str = "coach";

/// The dates that get a lesson, in day order (see the table above).
pub(crate) const LESSON_DATES: [&str; 12] = [
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
pub(crate) const END: &str = "2026-12-26T16:00";

pub(crate) struct Step {
    pub(crate) at: NaiveDateTime,
    pub(crate) who: &'static str,
    pub(crate) line: String,
    pub(crate) tag: Option<&'static str>,
}

pub(crate) fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub(crate) fn step(when: &str, who: &'static str, line: &str) -> Step {
    Step { at: at(when), who, line: line.to_string(), tag: None }
}

impl Step {
    pub(crate) fn tag(self, tag: &'static str) -> Step {
        Step { tag: Some(tag), ..self }
    }
}

/// Everyone's everyday habit; the exceptions are in [`specials`].
pub(crate) fn habits() -> Vec<Step> {
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

pub(crate) fn specials() -> Vec<Step> {
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
pub(crate) fn script() -> VecDeque<Step> {
    let mut steps = specials();
    steps.extend(habits());
    steps.sort_by_key(|s| s.at);
    steps.into()
}

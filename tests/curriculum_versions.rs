//! A cohort runs on its own stored version of the curriculum, on SQLite and PostgreSQL: the file
//! is truncated, garbled, removed and edited under a running cohort (each time a restart: a new
//! catalog and coach on the same database), and the cohort keeps posting from its version, its
//! history never changes, it never completes, the organizer is told once per file content, and
//! `/studybot curriculum apply` refuses or moves the cohort as docs/curriculum-format.md says.

mod support;

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Block, Catalog, Coach, Target};
use studybot::platform::console::{Console, Delivered, render};
use studybot::platform::discord::commands::Bounds;
use studybot::store::{Checkpoint, CohortState, LessonPost, MemberStats, Platform, Store};
use support::bot::{CURRICULUM, curriculum_dir};
use support::db::Fixture;
use support::fixtures::new_cohort;

backend_tests!(
    a_changed_file_never_rewrites_a_running_cohort,
    a_cohort_from_before_versions_is_bound_to_its_file_once,
    a_version_that_cannot_be_read_leaves_the_cohort_alone,
);

type Screen = Console<Vec<u8>>;

const ID: &str = "lakehouse";
const SETUP: &str =
    "/studybot setup curriculum:lakehouse start:2026-12-07 schedule:0 9 * * MON-FRI timezone:UTC";

fn at(text: &str) -> DateTime<Utc> {
    let t = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap();
    Utc.from_utc_datetime(&t)
}

fn shipped() -> String {
    std::fs::read_to_string(curriculum_dir().join(format!("{CURRICULUM}.md"))).unwrap()
}

/// The folder the bot reads: the shipped curriculum and its quiz bank, as `lakehouse.md`.
fn folder(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("quizzes")).unwrap();
    let bank = curriculum_dir().join("quizzes").join(format!("{CURRICULUM}.md"));
    std::fs::copy(bank, dir.path().join("quizzes").join(format!("{ID}.md"))).unwrap();
    write(dir.path(), text.as_bytes());
    dir
}

fn write(dir: &Path, bytes: &[u8]) {
    std::fs::write(dir.join(format!("{ID}.md")), bytes).unwrap();
}

/// A process start: the folder read afresh, a new coach on the same database, one tick at `now`.
async fn start(store: &Store, dir: &Path, now: &str) -> Screen {
    let coach = Coach::new(store.clone(), Catalog::load_dir(dir).unwrap());
    let mut screen = Console::new(coach, at(now), Vec::new());
    screen.line(":admin organizer").await.unwrap();
    screen.tick().await.unwrap();
    screen
}

async fn say(screen: &mut Screen, lines: &[&str]) -> String {
    for line in lines {
        screen.line(line).await.unwrap();
    }
    let blocks = screen.replies().iter().flat_map(|r| &r.message.blocks);
    let text: Vec<&str> =
        blocks.filter_map(|b| if let Block::Text(t) = b { Some(t.as_str()) } else { None }).collect();
    text.join("\n")
}

/// The drift notices the organizer got since the last call.
fn notices(screen: &mut Screen) -> Vec<String> {
    let log: Vec<Delivered> = screen.take_log();
    let to_organizer =
        |d: &&Delivered| matches!(&d.to, Target::Direct { user_id, .. } if user_id == "organizer");
    log.iter()
        .filter(to_organizer)
        .map(|d| render(&d.message))
        .filter(|t| t.contains("curriculum file"))
        .collect()
}

/// Lesson days posted in what was delivered since the last call (and the titles shown).
fn posted(log: &[Delivered]) -> Vec<(u32, String)> {
    let cards = log.iter().flat_map(|d| &d.message.blocks);
    cards
        .filter_map(|b| {
            if let Block::Lesson(card) = b { Some((card.day.get(), card.title.clone())) } else { None }
        })
        .collect()
}

/// Everything the cohort has recorded: posts, checkpoints and stats.
#[derive(Debug, PartialEq)]
struct History {
    posts: Vec<LessonPost>,
    checkpoints: Vec<Checkpoint>,
    stats: Vec<MemberStats>,
}

async fn history(store: &Store, cohort: i64) -> History {
    History {
        posts: store.list_posts(cohort).await.unwrap(),
        checkpoints: store.list_cohort_checkpoints(cohort).await.unwrap(),
        stats: store.list_member_stats(cohort).await.unwrap(),
    }
}

/// Restarts on the folder as it is now and checks that the start itself changed no history.
async fn restart(store: &Store, dir: &Path, cohort: i64, now: &str) -> Screen {
    let before = history(store, cohort).await;
    let screen = start(store, dir, now).await;
    assert_eq!(history(store, cohort).await, before, "a start at {now} changed the cohort's history");
    screen
}

async fn a_changed_file_never_rewrites_a_running_cohort(fx: Fixture) {
    let store = &fx.store;
    let text = shipped();
    let dir = folder(&text);
    let mut screen = start(store, dir.path(), "2026-12-06T12:00").await;
    assert!(say(&mut screen, &[SETUP]).await.contains("now runs"), "setup");
    let cohort = store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap();
    let original = cohort.curriculum_version.clone().expect("setup binds the cohort to a version");
    for day in ["07", "08", "09", "10", "11"] {
        say(&mut screen, &[&format!(":advance-to 2026-12-{day}T10:00"), ":as alice", ":react ✅ last"]).await;
        if day != "09" {
            say(&mut screen, &[":as bob", ":react ✅ last"]).await;
        }
    }
    say(&mut screen, &[":advance-to 2026-12-11T12:00"]).await;
    assert!(notices(&mut screen).is_empty(), "the file has not changed yet");

    // Day 125: the file is cut to three days. The cohort keeps its 30 days, its history, its state.
    let three = &text[..text.find("### **Day 124").unwrap()];
    write(dir.path(), three.as_bytes());
    let mut screen = restart(store, dir.path(), cohort.id, "2026-12-11T12:00").await;
    let told = notices(&mut screen);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("cohort in #study keeps running on its own version"), "{}", told[0]);
    assert!(told[0].contains("removed: days 124-150"), "{}", told[0]);
    let in_use = screen.coach().curricula_in_use().await.unwrap();
    let bounds = Bounds::from_curricula(in_use.iter().map(AsRef::as_ref));
    assert_eq!(bounds.days, (121, 150), "Discord's day options still reach the cohort's days");
    let shown = say(&mut screen, &["/studybot curriculum"]).await;
    assert!(shown.contains(&format!("version `{}`", &original[..12])), "{shown}");
    assert!(shown.contains("removed: days 124-150"), "{shown}");
    assert!(shown.contains("would be refused: days 124-125 were already posted"), "{shown}");
    let refused = say(&mut screen, &["/studybot curriculum apply"]).await;
    assert!(refused.starts_with("Refused: days 124-125 were already posted"), "{refused}");
    assert!(say(&mut screen, &["/studybot status"]).await.contains("Posted: 5 of 30 days"));
    assert!(
        say(&mut screen, &[":as bob", "/checkpoint day:123"]).await.contains("123"),
        "day 123 is still open"
    );
    say(&mut screen, &[":advance-to 2026-12-14T10:00"]).await;
    assert_eq!(
        posted(&screen.take_log()).first().map(|p| p.0),
        Some(126),
        "day 126 comes from the stored version"
    );

    // A second start on the same file tells nobody again.
    let mut screen = restart(store, dir.path(), cohort.id, "2026-12-14T10:00").await;
    assert!(notices(&mut screen).is_empty(), "told once per file content, across restarts");

    // Garbled into one day, then bytes that are not text: each told once, neither ends the cohort.
    let garbled = format!("{}\u{0}\u{1}�{}", &text[..text.find("- **Resources:**").unwrap()], "ÿ".repeat(40));
    write(dir.path(), garbled.as_bytes());
    let mut screen = restart(store, dir.path(), cohort.id, "2026-12-14T10:00").await;
    let told = notices(&mut screen);
    assert!(told.len() == 1 && told[0].contains("removed: days 122-150"), "{told:?}");
    write(dir.path(), &[0xff, 0xfe, 0x00, b'#']);
    let mut screen = restart(store, dir.path(), cohort.id, "2026-12-14T10:00").await;
    let told = notices(&mut screen);
    assert!(told.len() == 1 && told[0].contains("the file does not load"), "{told:?}");
    say(&mut screen, &[":advance-to 2026-12-15T10:00"]).await;
    assert_eq!(posted(&screen.take_log()).first().map(|p| p.0), Some(127));

    // Cut to module 17, all of it posted: applying it would end the cohort, so it is refused.
    let module = &text[..text.find("## **Module 18").unwrap()];
    write(dir.path(), module.as_bytes());
    let mut screen = restart(store, dir.path(), cohort.id, "2026-12-15T10:00").await;
    let refused = say(&mut screen, &["/studybot curriculum apply"]).await;
    assert!(refused.contains("would end the cohort early"), "{refused}");

    // An edit: day 130 renamed, day 131's checkpoint reworded. Told once; apply moves the cohort.
    let edited =
        text.replace("Day 130 - Iceberg Schema Evolution", "Day 130 - Iceberg Schema Changes").replace(
            "**Checkpoint:** Optimized Iceberg tables with intelligent partitioning",
            "**Checkpoint:** Faster Iceberg tables",
        );
    assert_ne!(edited, text);
    write(dir.path(), edited.as_bytes());
    let mut screen = restart(store, dir.path(), cohort.id, "2026-12-15T10:00").await;
    let told = notices(&mut screen);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("renamed: day 130 “Iceberg Schema Evolution” → “Iceberg Schema Changes”"),
        "{}",
        told[0]
    );
    assert!(told[0].contains("edited: day 131"), "{}", told[0]);
    let shown = say(&mut screen, &["/studybot curriculum"]).await;
    assert!(shown.contains("`/studybot curriculum apply` moves the cohort"), "{shown}");
    let before = history(store, cohort.id).await;
    let applied = say(&mut screen, &["/studybot curriculum apply reason:typos in module 18"]).await;
    assert!(applied.starts_with("✅ This cohort now runs version"), "{applied}");
    assert_eq!(history(store, cohort.id).await, before, "apply rewrites no history");
    let now = store.get_cohort(cohort.id).await.unwrap().unwrap();
    assert_ne!(now.curriculum_version.as_deref(), Some(original.as_str()));
    assert_eq!(now.state, CohortState::Active);
    let audit = store.list_audit(cohort.id).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["cohort.setup", "curriculum.apply"], "{audit:?}");
    let apply = &audit[1];
    assert_eq!((apply.actor.as_str(), apply.reason.as_str()), ("organizer", "typos in module 18"));
    assert!(apply.detail.contains(&original) && apply.detail.contains("edited: day 131"), "{audit:?}");
    assert!(say(&mut screen, &["/studybot curriculum"]).await.contains("up to date"));
    say(&mut screen, &[":advance-to 2026-12-18T10:00"]).await;
    let days = posted(&screen.take_log());
    assert!(days.contains(&(130, "Iceberg Schema Changes".to_string())), "{days:?}");

    // Restored to the original: told once, and still nothing completes or changes by itself.
    write(dir.path(), text.as_bytes());
    let mut screen = restart(store, dir.path(), cohort.id, "2026-12-18T10:00").await;
    assert_eq!(notices(&mut screen).len(), 1);
    let cohort = store.get_cohort(cohort.id).await.unwrap().unwrap();
    assert_eq!((cohort.state, cohort.completed_at), (CohortState::Active, None));
}

/// A cohort set up before migration 0006 has no version: the first load binds it to the file as
/// it is then; while the file is missing it is skipped, neither bound nor completed.
async fn a_cohort_from_before_versions_is_bound_to_its_file_once(fx: Fixture) {
    let store = &fx.store;
    let cohort = store.create_cohort(&new_cohort(Platform::Console, "old")).await.unwrap();
    assert_eq!(cohort.curriculum_version, None);
    let empty = tempfile::tempdir().unwrap();
    let coach = Coach::new(store.clone(), Catalog::load_dir(empty.path()).unwrap());
    assert!(coach.scheduled_cohorts().await.unwrap().is_empty(), "no file: skipped");
    let report = coach
        .tick(&studybot::platform::console::RecordDelivery::open(None, true).unwrap(), at("2026-12-31T12:00"))
        .await;
    assert!(report.unwrap().completed.is_empty());
    let unbound = store.get_cohort(cohort.id).await.unwrap().unwrap();
    assert_eq!((unbound.curriculum_version, unbound.state), (None, CohortState::Active));

    let catalog = Catalog::load_dir(&curriculum_dir()).unwrap();
    let file = catalog.version(CURRICULUM).unwrap();
    let coach = Coach::new(store.clone(), catalog);
    let loaded = coach.scheduled_cohorts().await.unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].version.hash, file.hash);
    let bound = store.get_cohort(cohort.id).await.unwrap().unwrap();
    assert_eq!(bound.curriculum_version.as_deref(), Some(file.hash.as_str()));
    let stored = store.get_curriculum_version(&file.hash).await.unwrap().unwrap();
    assert_eq!((stored.curriculum_id.as_str(), stored.bank_source.is_some()), (CURRICULUM, true));
}

/// A stored version that no longer parses (it should not happen: here a row is forged) makes the
/// coach skip the cohort: no post, no completion, no flag.
async fn a_version_that_cannot_be_read_leaves_the_cohort_alone(fx: Fixture) {
    let store = &fx.store;
    let cohort = store.create_cohort(&new_cohort(Platform::Console, "forged")).await.unwrap();
    let forged = studybot::store::CurriculumVersion {
        hash: "0".repeat(64),
        curriculum_id: CURRICULUM.into(),
        title: "forged".into(),
        source: "# no days at all\n".into(),
        bank_source: None,
        created_at: 0,
    };
    store.put_curriculum_version(&forged).await.unwrap();
    store.bind_cohort_version(cohort.id, &forged.hash).await.unwrap();
    let coach = Coach::new(store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap());
    assert!(coach.scheduled_cohorts().await.unwrap().is_empty(), "skipped");
    let delivery = studybot::platform::console::RecordDelivery::open(None, true).unwrap();
    let report = coach.tick(&delivery, at("2027-02-01T12:00")).await.unwrap();
    assert!(report.posted.is_empty() && report.completed.is_empty() && report.flagged.is_empty());
    let row = store.get_cohort(cohort.id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.completed_at, row.curriculum_version),
        (CohortState::Active, None, Some(forged.hash))
    );
    assert!(store.list_posts(cohort.id).await.unwrap().is_empty());
}

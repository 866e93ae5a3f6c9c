//! Pictures in chat (issue 20 §1), through the console on SQLite and PostgreSQL: `/progress`
//! answers with the member's calendar, `/studybot status` with the cohort grid, the weekly
//! leaderboard post with a bar chart and a finished quiz with the cohort's scores. Every PNG is
//! decoded; the grid's squares are read back and compared with the cohort's record.

mod support;

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::export::record;
use studybot::coach::{Attachment, Catalog, Coach, CohortCtx, Outgoing, charts};
use studybot::pictures::{self, Cell, GridLayout};
use studybot::platform::console::Console;
use support::db::Fixture;
use support::png::Decoded;

backend_tests!(progress_and_status_show_the_data_as_pictures);

const SETUP: &str = "/studybot setup curriculum:days_121_150_lakehouse_architecture start:2026-12-07 schedule:0 9 * * * timezone:UTC";

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap()
}

fn console(fx: &Fixture) -> Console<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("curriculum");
    let files = std::env::temp_dir().join(format!("studybot-pictures-{}", std::process::id()));
    Console::new(Coach::new(fx.store.clone(), Catalog::load_dir(&dir).unwrap()), start(), Vec::new())
        .with_files_dir(files)
}

async fn run(c: &mut Console<Vec<u8>>, lines: &[&str]) {
    for line in lines {
        assert!(c.line(line).await.unwrap(), "{line:?} does not end the console");
    }
}

/// The PNG files among the last line's replies.
fn pictures_in(replies: &[Outgoing]) -> Vec<Attachment> {
    let files = replies.iter().flat_map(|r| r.message.files());
    files.filter(|f| f.content_type == "image/png").cloned().collect()
}

/// Decodes a PNG after checking it is a bounded, drawn picture with alt text.
fn decode(file: &Attachment) -> Decoded {
    let decoded = Decoded::from_png(&file.name, &file.bytes);
    assert!(decoded.width <= pictures::MAX_SIDE && decoded.height <= pictures::MAX_SIDE, "{}", file.name);
    decoded.assert_drawn(&file.name);
    assert!(!file.description.is_empty() && file.description.chars().count() <= 1000, "alt text: {file:?}");
    decoded
}

async fn progress_and_status_show_the_data_as_pictures(fx: Fixture) {
    let mut c = console(&fx);
    #[rustfmt::skip]
    run(&mut c, &[
        ":admin org", SETUP,
        ":advance-to 2026-12-07T10:00",
        ":as ada", "/join", "/checkpoint",
        ":as bo", "/join",
        ":as cy", "/join",
        ":advance-to 2026-12-08T10:00",
        ":as ada", "/checkpoint",
        ":as bo", "/checkpoint", "/checkpoint day:121",
        ":advance-to 2026-12-09T10:00",
        ":as ada", "/checkpoint",
    ])
    .await;

    // /progress: the member's calendar, with alt text that counts what it shows.
    run(&mut c, &[":as ada", "/progress"]).await;
    let calendar = pictures_in(c.replies());
    assert_eq!(calendar.len(), 1, "{:?}", c.replies());
    let pixmap = decode(&calendar[0]);
    assert!(calendar[0].name.starts_with("progress-ada"), "{}", calendar[0].name);
    assert!(calendar[0].description.contains("3 on time"), "{}", calendar[0].description);
    let layout = pictures::CalendarLayout::new(30);
    for (day, cell) in [(0, Cell::OnTime), (1, Cell::OnTime), (2, Cell::OnTime), (3, Cell::Upcoming)] {
        let (x, y) = layout.square(day);
        let centre = (x + layout.cell as i32 / 2, y + layout.cell as i32 / 2);
        assert_eq!(pixmap.at(centre.0, centre.1), pictures::color(cell), "day index {day}");
    }

    // /studybot status: the grid, read back square by square against the cohort's record.
    run(&mut c, &[":as org", "/studybot status"]).await;
    let grids = pictures_in(c.replies());
    assert_eq!(grids.len(), 1, "{:?}", c.replies());
    let pixmap = decode(&grids[0]);
    let cohort = fx.store.list_active_cohorts().await.unwrap().remove(0);
    let ctx = CohortCtx::load(c.coach(), cohort).await.unwrap();
    let mut lines = record(c.coach(), &ctx, c.now()).await.unwrap().lines;
    lines.sort_by(|a, b| {
        (b.lessons_done, b.points).cmp(&(a.lessons_done, a.points)).then(a.member.cmp(&b.member))
    });
    let names: Vec<&str> = lines.iter().map(|l| l.member.as_str()).collect();
    assert_eq!(names, ["ada", "bo", "cy"], "most lessons done first");
    let layout = GridLayout::new(30);
    let mut states = std::collections::BTreeSet::new();
    for (row, line) in lines.iter().enumerate() {
        for day in 0..30 {
            let cell = line.marks.get(day).map_or(Cell::Upcoming, |m| charts::cell(*m));
            let (x, y) = layout.square(row, day);
            let centre = (x + layout.cell as i32 / 2, y + layout.cell as i32 / 2);
            assert_eq!(
                pixmap.at(centre.0, centre.1),
                pictures::color(cell),
                "{} day index {day}",
                line.member
            );
            states.insert(format!("{cell:?}"));
        }
    }
    assert!(states.len() >= 4, "the grid shows several states: {states:?}");
}

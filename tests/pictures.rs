//! Pictures: every PNG decodes to its declared size, is not blank, and shows its data (squares sampled at their centres); paging, bounds, determinism, hostile names.
//!
//! Each picture is also written to `target/pictures/` for people to look at.

mod support;

use std::path::PathBuf;

use studybot::pictures::{
    self, BAR_COLOR, Bars, Calendar, CalendarLayout, Cell, Distribution, GRID_PAGE_ROWS, Grid, GridLayout,
    GridRow, MAX_ALT_CHARS, MAX_SIDE, MINE_COLOR, Module, Picture,
};

use support::png::Decoded;

const WHITE: [u8; 3] = [255, 255, 255];
const WEIRD: [&str; 7] = [
    "😀🎉🔥 emoji only",
    "שלום עולם",
    "مرحبا بالعالم",
    "👩‍👩‍👧‍👦 family ZWJ",
    "a\u{202E}reversed\u{202C}\nnew line\ttab",
    "",
    "e\u{301}\u{301}\u{301} combining",
];

/// Decodes `picture`, checks what every picture must be, and saves it as `target/pictures/{name}.png`.
fn decode(name: &str, picture: &Picture) -> Decoded {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../pictures");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), &picture.png).unwrap();
    let decoded = Decoded::from_png(name, &picture.png);
    assert_eq!((decoded.width, decoded.height), (picture.width, picture.height), "{name}");
    assert!(
        picture.width <= MAX_SIDE && picture.height <= MAX_SIDE,
        "{name}: {}×{}",
        picture.width,
        picture.height
    );
    assert_eq!(decoded.at(0, 0), WHITE, "{name}: white background");
    decoded.assert_drawn(name);
    assert!(
        !picture.alt.is_empty() && picture.alt.chars().count() <= MAX_ALT_CHARS,
        "{name}: {}",
        picture.alt
    );
    assert!(!picture.alt.chars().any(char::is_control), "{name}: control characters in {:?}", picture.alt);
    decoded
}

/// A deterministic spread of states: mostly on time, some of each other state, the future upcoming.
fn state(member: usize, day: usize, today: usize) -> Cell {
    if day > today {
        return Cell::Upcoming;
    }
    if day == today {
        return if member.is_multiple_of(3) { Cell::OnTime } else { Cell::Open };
    }
    match (member * 7 + day * 13 + member * day) % 11 {
        0 | 1 => Cell::Missed,
        2 => Cell::Late,
        3 => Cell::Freeze,
        _ => Cell::OnTime,
    }
}

fn modules() -> Vec<Module> {
    vec![
        Module { name: "Foundations of the lakehouse".into(), first_day: 0 },
        Module { name: "Table formats: Delta, Iceberg, Hudi".into(), first_day: 8 },
        Module { name: "Streaming".into(), first_day: 17 },
        Module { name: "Governance and operations".into(), first_day: 24 },
    ]
}

fn cohort(members: usize, days: usize) -> Grid {
    let rows = (0..members)
        .map(|m| GridRow {
            name: format!("Member {m:03} {}", ["Ada", "Grace", "Linus", "Margaret"][m % 4]),
            cells: (0..days).map(|d| state(m, d, days * 2 / 3)).collect(),
        })
        .collect();
    Grid { title: "Lakehouse Architecture — cohort".into(), days, modules: modules(), rows }
}

fn ada(days: usize) -> Calendar {
    Calendar {
        title: "Ada — Lakehouse Architecture".into(),
        days: (0..days).map(|d| state(1, d, days * 2 / 3)).collect(),
        modules: modules(),
        streak: 5,
        points: 120,
    }
}

fn centre(square: (i32, i32), cell: u32) -> (i32, i32) {
    (square.0 + cell as i32 / 2, square.1 + cell as i32 / 2)
}

#[test]
fn calendar_shows_each_day_in_its_state() {
    let c = ada(30);
    let picture = pictures::calendar(&c);
    let image = decode("calendar-30", &picture);
    let layout = CalendarLayout::new(30);
    let mut seen = [0usize; 6];
    for (day, cell) in c.days.iter().enumerate() {
        let (x, y) = centre(layout.square(day), layout.cell);
        let found = image.at(x, y);
        assert_eq!(found, pictures::color(*cell), "day {day} should be {cell:?}");
        seen[Cell::ALL.iter().position(|s| pictures::color(*s) == found).unwrap()] += 1;
    }
    let expected = Cell::ALL.map(|s| c.days.iter().filter(|d| **d == s).count());
    assert_eq!(seen, expected);
    assert!(
        picture.alt.starts_with("Calendar for Ada — Lakehouse Architecture, 30 days:"),
        "{}",
        picture.alt
    );
    assert!(picture.alt.contains("streak 5 days; 120 points"), "{}", picture.alt);
}

#[test]
fn calendar_long_and_empty_cycles_stay_bounded() {
    for days in [0, 1, 7, 60, 365, 5000] {
        let picture = pictures::calendar(&ada(days));
        let image = decode(&format!("calendar-{days}"), &picture);
        let layout = CalendarLayout::new(days);
        if let Some(last) = layout.shown.checked_sub(1) {
            let (x, y) = centre(layout.square(last), layout.cell);
            assert_eq!(image.at(x, y), pictures::color(ada(days).days[last]), "{days} days");
        }
        assert!(picture.alt.contains(&format!("{days} days")), "{}", picture.alt);
        // No square beyond the data: the rest of the last row is background.
        for slot in layout.shown..layout.shown.div_ceil(layout.columns) * layout.columns {
            let (x, y) = layout.square(slot);
            assert_eq!(image.at(x + 1, y + 1), WHITE, "{days} days, slot {slot}");
            let (x, y) = centre((x, y), layout.cell);
            assert_eq!(image.at(x, y), WHITE, "{days} days, slot {slot}");
        }
    }
}

#[test]
fn grid_shows_every_member_on_every_day() {
    let g = cohort(30, 30);
    let pages = pictures::grid(&g);
    assert_eq!(pages.len(), 1);
    let image = decode("grid-30x30", &pages[0]);
    let layout = GridLayout::new(30);
    for (r, row) in g.rows.iter().enumerate() {
        for (day, cell) in row.cells.iter().enumerate() {
            let (x, y) = centre(layout.square(r, day), layout.cell);
            assert_eq!(image.at(x, y), pictures::color(*cell), "member {r}, day {day}: {cell:?}");
        }
    }
    assert!(pages[0].alt.contains("30 members × 30 days"), "{}", pages[0].alt);
}

#[test]
fn five_hundred_members_make_five_bounded_pages() {
    let g = cohort(500, 30);
    let pages = pictures::grid(&g);
    assert_eq!(pages.len(), 500usize.div_ceil(GRID_PAGE_ROWS));
    assert_eq!(pictures::grid_pages(&g), pages.len());
    assert_eq!(pictures::grid_page(&g, 3).as_ref(), Some(&pages[3]));
    assert_eq!(pictures::grid_page(&g, 5), None);
    let layout = GridLayout::new(30);
    for (p, page) in pages.iter().enumerate() {
        let image = decode(&format!("grid-500-page-{}", p + 1), page);
        assert!(page.alt.contains(&format!("page {} of 5", p + 1)), "{}", page.alt);
        for r in [0, GRID_PAGE_ROWS - 1] {
            let row = &g.rows[p * GRID_PAGE_ROWS + r];
            for (day, cell) in row.cells.iter().enumerate() {
                let (x, y) = centre(layout.square(r, day), layout.cell);
                assert_eq!(image.at(x, y), pictures::color(*cell), "page {p}, row {r}, day {day}");
            }
        }
    }
}

#[test]
fn long_cycles_narrow_the_columns_and_short_rows_are_upcoming() {
    for days in [60, 120, 400, 2000] {
        let mut g = cohort(12, days);
        g.rows[0].cells.truncate(3);
        let pages = pictures::grid(&g);
        let image = decode(&format!("grid-12x{days}"), &pages[0]);
        let layout = GridLayout::new(days);
        assert!(layout.cell >= 5);
        for day in [0, layout.shown_days / 2, layout.shown_days - 1] {
            let (x, y) = centre(layout.square(1, day), layout.cell);
            assert_eq!(image.at(x, y), pictures::color(g.rows[1].cells[day]), "{days} days, day {day}");
        }
        let (x, y) = centre(layout.square(0, layout.shown_days - 1), layout.cell);
        assert_eq!(image.at(x, y), pictures::color(Cell::Upcoming));
    }
}

#[test]
fn bars_draw_values_and_cut_the_rest() {
    let ten: Vec<(String, i64)> = (0..10).map(|i| (format!("Member {i}"), 200 - i * 17)).collect();
    let picture = pictures::bars(&Bars { title: "Weekly points".into(), bars: ten });
    let image = decode("bars-10", &picture);
    assert!(image.count(BAR_COLOR) > 10 * 18 * 20, "bars drawn");
    assert!(picture.alt.contains("Member 0 200; Member 1 183"), "{}", picture.alt);

    let forty: Vec<(String, i64)> = (0..40).map(|i| (format!("Member {i}"), 400 - i * 10)).collect();
    let picture = pictures::bars(&Bars { title: "All-time points".into(), bars: forty });
    let image = decode("bars-40", &picture);
    assert!(picture.height < 25 * 26 + 200);
    assert!(image.count(BAR_COLOR) > 0);
    assert!(picture.alt.contains("40 entries") && picture.alt.ends_with("and 15 more."), "{}", picture.alt);

    let mixed = vec![("up".to_string(), 50), ("down".to_string(), -30), ("extreme".to_string(), i64::MIN)];
    decode("bars-negative", &pictures::bars(&Bars { title: "Corrections".into(), bars: mixed }));
}

#[test]
fn distribution_marks_my_score() {
    let scores: Vec<u32> = (0..40).map(|i| [3, 5, 6, 7, 7, 8, 8, 9, 10, 6][i % 10]).collect();
    let d = Distribution { title: "Module 2 quiz".into(), max_score: 10, scores, mine: Some(8) };
    let picture = pictures::distribution(&d);
    let image = decode("distribution-40", &picture);
    assert!(image.count(MINE_COLOR) > 100, "my bar is drawn");
    assert!(image.count(BAR_COLOR) > 100, "the others are drawn");
    assert!(picture.alt.contains("40 members out of 10: median 7"), "{}", picture.alt);
    assert!(picture.alt.contains("Your score 8"), "{}", picture.alt);

    let not_finished = Distribution { mine: None, ..d.clone() };
    let picture = pictures::distribution(&not_finished);
    assert_eq!(decode("distribution-not-mine", &picture).count(MINE_COLOR), 0);
    assert!(!picture.alt.contains("Your score"));

    let wide = Distribution { max_score: 1000, scores: (0..300).map(|i| i * 7 % 1200).collect(), ..d };
    decode("distribution-wide", &pictures::distribution(&wide));
}

#[test]
fn empty_inputs_draw_a_note() {
    let none = Calendar { title: String::new(), days: vec![], modules: vec![], streak: 0, points: 0 };
    decode("empty-calendar", &pictures::calendar(&none));
    for (name, g) in [
        ("empty-grid", Grid { title: String::new(), days: 0, modules: vec![], rows: vec![] }),
        ("empty-grid-members", Grid { title: "No one".into(), days: 30, modules: modules(), rows: vec![] }),
        ("empty-grid-days", Grid { days: 0, ..cohort(3, 0) }),
    ] {
        let pages = pictures::grid(&g);
        assert_eq!(pages.len(), 1, "{name}");
        decode(name, &pages[0]);
    }
    decode("empty-bars", &pictures::bars(&Bars { title: String::new(), bars: vec![] }));
    let empty = Distribution { title: String::new(), max_score: 0, scores: vec![], mine: None };
    let picture = pictures::distribution(&empty);
    decode("empty-distribution", &picture);
    assert!(picture.alt.contains("no scores yet"), "{}", picture.alt);
}

#[test]
fn same_input_same_bytes() {
    let g = cohort(40, 30);
    assert_eq!(pictures::grid(&g), pictures::grid(&g));
    assert_eq!(pictures::calendar(&ada(30)), pictures::calendar(&ada(30)));
    let b = Bars { title: "Weekly".into(), bars: vec![("Ada".into(), 10), ("Ben".into(), 7)] };
    assert_eq!(pictures::bars(&b), pictures::bars(&b));
    let d = Distribution { title: "Quiz".into(), max_score: 5, scores: vec![1, 2, 2, 5], mine: Some(2) };
    assert_eq!(pictures::distribution(&d), pictures::distribution(&d));
}

#[test]
fn weird_names_never_break_a_picture() {
    let long = "Ω".repeat(100) + &"x".repeat(100);
    let mut names: Vec<String> = WEIRD.iter().map(|s| s.to_string()).collect();
    names.push(long.clone());
    for (i, name) in names.iter().enumerate() {
        let c = Calendar {
            title: name.clone(),
            modules: vec![
                Module { name: name.clone(), first_day: 3 },
                Module { name: long.clone(), first_day: 99 },
            ],
            ..ada(30)
        };
        decode(&format!("weird-calendar-{i}"), &pictures::calendar(&c));
    }
    let mut g = cohort(names.len(), 30);
    g.title = long.clone();
    g.modules.push(Module { name: long.clone(), first_day: 29 });
    for (row, name) in g.rows.iter_mut().zip(&names) {
        row.name = name.clone();
    }
    let pages = pictures::grid(&g);
    let image = decode("weird-grid", &pages[0]);
    let layout = GridLayout::new(30);
    for (r, row) in g.rows.iter().enumerate() {
        let (x, y) = centre(layout.square(r, 0), layout.cell);
        assert_eq!(image.at(x, y), pictures::color(row.cells[0]), "a long name must not cover the squares");
    }
    let bars = Bars { title: long.clone(), bars: names.iter().map(|n| (n.clone(), 5)).collect() };
    decode("weird-bars", &pictures::bars(&bars));
    let many = Bars { title: long.clone(), bars: (0..25).map(|i| (format!("{long}{i}"), i)).collect() };
    let picture = pictures::bars(&many);
    decode("weird-bars-long", &picture);
    assert!(picture.alt.ends_with("more."), "{}", picture.alt);
    let d = Distribution { title: long, max_score: 3, scores: vec![9, 9, 0], mine: Some(99) };
    decode("weird-distribution", &pictures::distribution(&d));
}

#[test]
fn every_state_has_a_distinct_colour_and_the_legend_shows_them() {
    let picture = pictures::calendar(&ada(30));
    let image = decode("legend", &picture);
    for cell in Cell::ALL {
        assert!(image.count(pictures::color(cell)) > 0, "{cell:?} in the legend");
    }
}

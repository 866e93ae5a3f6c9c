//! Pictures benchmark: renders each kind of picture many times and prints milliseconds per image and PNG sizes; asserts nothing about time.
//!
//! `cargo bench --bench pictures`. `STUDYBOT_BENCH_ROUNDS` scales the repetitions (1).

use std::hint::black_box;
use std::time::Instant;

use studybot::pictures::{self, Bars, Calendar, Cell, Distribution, Grid, GridRow, Module, Picture};

fn main() {
    let rounds: usize = std::env::var("STUDYBOT_BENCH_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
    let calendar = Calendar {
        title: "Ada — Lakehouse Architecture".into(),
        days: (0..30).map(|d| state(1, d, 20)).collect(),
        modules: modules(),
        streak: 5,
        points: 120,
    };
    let small = cohort(30, 30);
    let large = cohort(500, 30);
    let bars = Bars {
        title: "Weekly points".into(),
        bars: (0..10).map(|i| (format!("Member {i}"), 200 - i * 17)).collect(),
    };
    let scores = (0..40).map(|i| [3, 5, 6, 7, 7, 8, 8, 9, 10, 6][i % 10]).collect();
    let distribution = Distribution { title: "Module 2 quiz".into(), max_score: 10, scores, mine: Some(8) };

    println!("{:<34} {:>8} {:>10} {:>12} {:>10}", "picture", "images", "ms/image", "px", "PNG KiB");
    measure("calendar, 30 days", 200 * rounds, || vec![pictures::calendar(&calendar)]);
    measure("grid, 30 members × 30 days", 50 * rounds, || pictures::grid(&small));
    measure("grid, 500 members × 30 days", 5 * rounds, || pictures::grid(&large));
    measure("bars, 10", 200 * rounds, || vec![pictures::bars(&bars)]);
    measure("distribution, 40 scores", 200 * rounds, || vec![pictures::distribution(&distribution)]);
}

/// Renders `calls` times and prints the time per image (a grid call makes one image per page).
fn measure(name: &str, calls: usize, render: impl Fn() -> Vec<Picture>) {
    let sample = render();
    let started = Instant::now();
    for _ in 0..calls {
        black_box(render());
    }
    let images = calls * sample.len();
    let ms = started.elapsed().as_secs_f64() * 1000.0 / images as f64;
    let largest = sample.iter().max_by_key(|p| p.width * p.height).map_or((0, 0), |p| (p.width, p.height));
    let kib = sample.iter().map(|p| p.png.len()).sum::<usize>() as f64 / 1024.0 / sample.len() as f64;
    let px = format!("{}×{}", largest.0, largest.1);
    println!("{name:<34} {:>8} {ms:>10.2} {px:>12} {kib:>10.1}", sample.len());
}

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
    [("Foundations", 0), ("Table formats", 8), ("Streaming", 17), ("Governance", 24)]
        .into_iter()
        .map(|(name, first_day)| Module { name: name.into(), first_day })
        .collect()
}

fn cohort(members: usize, days: usize) -> Grid {
    let rows = (0..members)
        .map(|m| GridRow {
            name: format!("Member {m:03}"),
            cells: (0..days).map(|d| state(m, d, 20)).collect(),
        })
        .collect();
    Grid { title: "Lakehouse Architecture — cohort".into(), days, modules: modules(), rows }
}

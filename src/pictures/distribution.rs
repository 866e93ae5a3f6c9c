//! Histogram of quiz scores `0..=max_score`, the asking member's own score marked by colour, hatching and a label.

use super::bars::BAR_COLOR;
use super::canvas::{BODY, Canvas, INK, MARGIN, MUTED, RULE, SMALL, WHITE};
use super::text;
use super::{Distribution, Picture, alt_text, clean, cut_chars};

/// Okabe–Ito orange, hatched and outlined, for the member's own score.
pub const MINE_COLOR: [u8; 3] = [0xE6, 0x9F, 0x00];
/// Scores up to this many get one bar each; a larger range is grouped into [`GROUPS`] bars.
const MAX_SINGLE_BINS: u32 = 61;
const GROUPS: u32 = 50;
const CHART_HEIGHT: i32 = 240;
const AXIS_ROOM: i32 = 44;
const MIN_WIDTH: i32 = 640;
const TOP: i32 = MARGIN + 28 + 22 + 24;

/// Which scores each bar counts.
#[derive(Debug, Clone, Copy)]
struct Bins {
    /// Scores per bar.
    width: u32,
    count: u32,
}

impl Bins {
    fn new(max_score: u32) -> Self {
        let scores = max_score.saturating_add(1);
        if scores <= MAX_SINGLE_BINS {
            return Bins { width: 1, count: scores };
        }
        let width = scores.div_ceil(GROUPS);
        Bins { width, count: scores.div_ceil(width) }
    }

    fn of(&self, score: u32) -> usize {
        ((score / self.width).min(self.count - 1)) as usize
    }

    fn label(&self, bin: u32, max_score: u32) -> String {
        let first = bin.saturating_mul(self.width);
        let last = first.saturating_add(self.width - 1).min(max_score);
        if first == last { first.to_string() } else { format!("{first}–{last}") }
    }
}

/// A histogram of the scores, with `mine` (when given) marked.
pub fn distribution(d: &Distribution) -> Picture {
    let bins = Bins::new(d.max_score);
    let mut counts = vec![0usize; bins.count as usize];
    for score in &d.scores {
        counts[bins.of((*score).min(d.max_score))] += 1;
    }
    let mine = d.mine.map(|m| bins.of(m.min(d.max_score)));
    let pitch = (600 / bins.count as i32).clamp(8, 48);
    let width = (MARGIN + AXIS_ROOM + pitch * bins.count as i32 + MARGIN).max(MIN_WIDTH);
    let height = TOP + CHART_HEIGHT + 40 + MARGIN;
    let mut canvas = Canvas::new(width as u32, height as u32);
    let title = clean(&d.title);
    canvas.title(if title.is_empty() { "Quiz scores" } else { &title });
    canvas.text_fit(
        &summary(d),
        BODY,
        MARGIN as f32,
        (MARGIN + 28) as f32,
        (width - 2 * MARGIN) as f32,
        MUTED,
    );
    let peak = counts.iter().copied().max().unwrap_or(0);
    let step = tick_step(peak);
    draw_axis(&mut canvas, peak, step, width);
    let chart = Chart { left: MARGIN + AXIS_ROOM, pitch, unit: CHART_HEIGHT as f32 / (peak.max(1) as f32) };
    for (bin, count) in counts.iter().enumerate() {
        chart.bar(&mut canvas, bin, *count, mine == Some(bin));
    }
    draw_bin_labels(&mut canvas, &chart, &bins, d.max_score);
    if d.scores.is_empty() {
        canvas.text(
            "No scores yet.",
            BODY,
            (MARGIN + AXIS_ROOM + 8) as f32,
            (TOP + CHART_HEIGHT / 2) as f32,
            INK,
        );
    }
    canvas.finish(alt(d, &title))
}

struct Chart {
    left: i32,
    pitch: i32,
    /// Pixels per member.
    unit: f32,
}

impl Chart {
    fn bar(&self, canvas: &mut Canvas, bin: usize, count: usize, mine: bool) {
        let gap = (self.pitch / 6).max(1);
        let x = self.left + bin as i32 * self.pitch + gap / 2;
        let w = (self.pitch - gap) as u32;
        let h = (count as f32 * self.unit).round() as i32;
        let bottom = TOP + CHART_HEIGHT;
        if mine {
            // Marked by hatching, an outline and a label too, so it stands out without colour.
            let shown = h.max(4);
            canvas.hatched(x, bottom - shown, w, shown as u32, MINE_COLOR, WHITE);
            canvas.frame(x, bottom - shown, w, shown as u32, 2, INK);
            let centre = x as f32 + w as f32 / 2.0;
            let tip = (bottom - shown - 4) as f32;
            canvas.polygon(&[(centre - 6.0, tip - 9.0), (centre + 6.0, tip - 9.0), (centre, tip)], INK);
            canvas.text_centred("you", SMALL, centre, tip - 24.0, INK);
        } else if h > 0 {
            canvas.rect(x, bottom - h, w, h as u32, BAR_COLOR);
        }
        let label = count.to_string();
        if count > 0 && !mine && text::width(&label, SMALL) <= w as f32 + 2.0 {
            canvas.text_centred(&label, SMALL, x as f32 + w as f32 / 2.0, (bottom - h - 14) as f32, INK);
        }
    }

    fn centre(&self, bin: usize) -> f32 {
        (self.left + bin as i32 * self.pitch) as f32 + self.pitch as f32 / 2.0
    }
}

/// The smallest of 1, 2, 5, 10, 20, 50, … that puts at most five ticks up to `peak`.
fn tick_step(peak: usize) -> usize {
    let mut base = 1usize;
    loop {
        for step in [base, base.saturating_mul(2), base.saturating_mul(5)] {
            if peak / step <= 5 {
                return step;
            }
        }
        base = base.saturating_mul(10);
    }
}

fn draw_axis(canvas: &mut Canvas, peak: usize, step: usize, width: i32) {
    let left = MARGIN + AXIS_ROOM;
    let bottom = TOP + CHART_HEIGHT;
    let unit = CHART_HEIGHT as f32 / (peak.max(1) as f32);
    let mut tick = step;
    while tick <= peak {
        let y = bottom - (tick as f32 * unit).round() as i32;
        canvas.rect(left, y, (width - MARGIN - left) as u32, 1, RULE);
        canvas.text_right(&tick.to_string(), SMALL, (left - 6) as f32, (y - 6) as f32, MUTED);
        tick += step;
    }
    canvas.rect(left, bottom, (width - MARGIN - left) as u32, 1, INK);
    canvas.text_right("0", SMALL, (left - 6) as f32, (bottom - 6) as f32, MUTED);
    canvas.text("members", SMALL, MARGIN as f32, (TOP - 18) as f32, MUTED);
}

/// Bin labels under the bars, every few bins so that they never overlap.
fn draw_bin_labels(canvas: &mut Canvas, chart: &Chart, bins: &Bins, max_score: u32) {
    let widest = text::width(&bins.label(bins.count - 1, max_score), SMALL) + 6.0;
    let every = (widest / chart.pitch as f32).ceil().max(1.0) as usize;
    let top = (TOP + CHART_HEIGHT + 6) as f32;
    for bin in (0..bins.count as usize).step_by(every) {
        canvas.text_centred(&bins.label(bin as u32, max_score), SMALL, chart.centre(bin), top, MUTED);
    }
    let note = format!("score (out of {max_score})");
    canvas.text_right(&note, SMALL, (canvas.width() as i32 - MARGIN) as f32, top + 16.0, MUTED);
}

/// Median of the scores (clamped to `max`), as "7" or "7.5".
fn median(scores: &[u32], max: u32) -> Option<String> {
    let mut sorted: Vec<u32> = scores.iter().map(|s| (*s).min(max)).collect();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2].to_string()),
        _ => {
            let sum = u64::from(sorted[n / 2 - 1]) + u64::from(sorted[n / 2]);
            Some(if sum % 2 == 0 { (sum / 2).to_string() } else { format!("{}.5", sum / 2) })
        }
    }
}

fn members(n: usize) -> String {
    if n == 1 { "1 member".to_string() } else { format!("{n} members") }
}

fn summary(d: &Distribution) -> String {
    let mut out = format!("{} · out of {}", members(d.scores.len()), d.max_score);
    if let Some(median) = median(&d.scores, d.max_score) {
        out.push_str(&format!(" · median {median}"));
    }
    if let Some(mine) = d.mine {
        out.push_str(&format!(" · your score {}", mine.min(d.max_score)));
    }
    out
}

fn alt(d: &Distribution, title: &str) -> String {
    let title = if title.is_empty() { "Quiz scores".to_string() } else { cut_chars(title, 200) };
    let Some(median) = median(&d.scores, d.max_score) else {
        return alt_text(&format!("{title}: histogram of scores out of {}; no scores yet.", d.max_score));
    };
    let clamped: Vec<u32> = d.scores.iter().map(|s| (*s).min(d.max_score)).collect();
    let (low, high) =
        (clamped.iter().min().copied().unwrap_or(0), clamped.iter().max().copied().unwrap_or(0));
    let mut out = format!(
        "{title}: histogram of the scores of {} out of {}: median {median}, lowest {low}, highest {high}.",
        members(d.scores.len()),
        d.max_score
    );
    if let Some(mine) = d.mine.map(|m| m.min(d.max_score)) {
        let below = clamped.iter().filter(|s| **s < mine).count();
        out.push_str(&format!(
            " Your score {mine} (marked \"you\") is higher than {below} of {}.",
            members(d.scores.len())
        ));
    }
    alt_text(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_group_wide_ranges() {
        let small = Bins::new(10);
        assert_eq!((small.width, small.count), (1, 11));
        let wide = Bins::new(1000);
        assert!(wide.count <= GROUPS);
        assert_eq!(wide.of(1000), wide.count as usize - 1);
        assert_eq!(Bins::new(u32::MAX).of(u32::MAX), Bins::new(u32::MAX).count as usize - 1);
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[1, 9, 5], 10).as_deref(), Some("5"));
        assert_eq!(median(&[1, 2], 10).as_deref(), Some("1.5"));
        assert_eq!(median(&[], 10), None);
    }

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(tick_step(0), 1);
        assert_eq!(tick_step(5), 1);
        assert_eq!(tick_step(9), 2);
        assert_eq!(tick_step(40), 10);
        assert_eq!(tick_step(400), 100);
    }
}

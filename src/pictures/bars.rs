//! Horizontal bar chart (e.g. a weekly leaderboard): names left, values at the bar ends, at most [`MAX_BARS`] bars.

use super::canvas::{BODY, Canvas, INK, MARGIN, MUTED, RULE};
use super::text::{self, Style};
use super::{Bars, MAX_BARS, Picture, alt_text, clean, cut_chars};

/// Okabe–Ito blue: 5.3:1 against white.
pub const BAR_COLOR: [u8; 3] = [0x00, 0x72, 0xB2];
const NAME_WIDTH: i32 = 200;
const BARS_WIDTH: i32 = 420;
const VALUE_ROOM: i32 = 80;
const PITCH: i32 = 26;
const BAR_HEIGHT: u32 = 18;
const LABEL: Style = Style::regular(13.0);

/// A horizontal bar chart of the first [`MAX_BARS`] entries, in the order given.
pub fn bars(b: &Bars) -> Picture {
    let shown = &b.bars[..b.bars.len().min(MAX_BARS)];
    let more = b.bars.len() - shown.len();
    let width = MARGIN + NAME_WIDTH + BARS_WIDTH + VALUE_ROOM + MARGIN;
    let top = MARGIN + 28 + 12;
    let lines = shown.len().max(1) as i32 + i32::from(more > 0);
    let height = top + lines * PITCH + MARGIN;
    let mut canvas = Canvas::new(width as u32, height as u32);
    let title = clean(&b.title);
    canvas.title(if title.is_empty() { "Points" } else { &title });
    if shown.is_empty() {
        canvas.text("No entries yet.", BODY, MARGIN as f32, top as f32, INK);
    }
    let scale = Scale::new(shown);
    for (i, (name, value)) in shown.iter().enumerate() {
        draw_bar(&mut canvas, &scale, top + i as i32 * PITCH, &clean(name), *value);
    }
    if more > 0 {
        let note = format!("+{more} more");
        canvas.text(&note, BODY, MARGIN as f32, (top + shown.len() as i32 * PITCH + 4) as f32, MUTED);
    }
    if scale.min < 0 {
        let zero = scale.x(0) as i32;
        canvas.rect(zero, top - 4, 1, (shown.len() as i32 * PITCH + 4) as u32, RULE);
    }
    canvas.finish(alt(b, &title, shown, more))
}

/// Maps values onto the bar area; zero sits left unless some value is negative.
struct Scale {
    min: i64,
    max: i64,
}

impl Scale {
    fn new(bars: &[(String, i64)]) -> Self {
        let min = bars.iter().map(|(_, v)| *v).min().unwrap_or(0).min(0);
        let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(0);
        Scale { min, max }
    }

    /// The x of `value`; ratios are computed in f64 so that i64 extremes do not overflow.
    fn x(&self, value: i64) -> f32 {
        let range = (self.max as f64 - self.min as f64).max(1.0);
        let share = (value as f64 - self.min as f64) / range;
        (MARGIN + NAME_WIDTH) as f32 + (share * BARS_WIDTH as f64) as f32
    }
}

fn draw_bar(canvas: &mut Canvas, scale: &Scale, top: i32, name: &str, value: i64) {
    let label_top = top as f32 + (BAR_HEIGHT as f32 - LABEL.size) / 2.0;
    canvas.text_fit(name, LABEL, MARGIN as f32, label_top, (NAME_WIDTH - 12) as f32, INK);
    let (zero, end) = (scale.x(0), scale.x(value));
    let (left, right) = (zero.min(end).round() as i32, zero.max(end).round() as i32);
    // A zero or tiny value still gets a sliver, so every row visibly has a bar.
    let length = (right - left).max(2) as u32;
    canvas.rect(left, top, length, BAR_HEIGHT, BAR_COLOR);
    let label = value.to_string();
    let label_x = (left + length as i32 + 6) as f32;
    let room = (MARGIN + NAME_WIDTH + BARS_WIDTH + VALUE_ROOM) as f32 - label_x;
    if text::width(&label, LABEL) <= room {
        canvas.text(&label, LABEL, label_x, label_top, INK);
    } else {
        canvas.text_fit(&label, LABEL, label_x, label_top, room, INK);
    }
}

fn alt(b: &Bars, title: &str, shown: &[(String, i64)], more: usize) -> String {
    let title = if title.is_empty() { "Points" } else { title };
    if shown.is_empty() {
        return alt_text(&format!("Bar chart, {title}: no entries yet."));
    }
    let mut out = format!("Bar chart, {}: {} entries. ", cut_chars(title, 150), b.bars.len());
    let budget = super::MAX_ALT_CHARS - 60;
    let mut listed = 0;
    for (name, value) in shown {
        let item = format!("{} {value}; ", cut_chars(&clean(name), 40));
        if out.chars().count() + item.chars().count() > budget {
            break;
        }
        out.push_str(&item);
        listed += 1;
    }
    let rest = shown.len() - listed + more;
    let out = out.trim_end().trim_end_matches(';').to_string();
    if rest > 0 { alt_text(&format!("{out}; and {rest} more.")) } else { alt_text(&format!("{out}.")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_handles_extremes_and_negatives() {
        let bars = vec![("a".to_string(), i64::MIN), ("b".to_string(), i64::MAX)];
        let scale = Scale::new(&bars);
        assert!(scale.x(i64::MIN) >= (MARGIN + NAME_WIDTH) as f32);
        assert!(scale.x(i64::MAX) <= (MARGIN + NAME_WIDTH + BARS_WIDTH) as f32 + 0.5);
        let none = Scale::new(&[]);
        assert_eq!(none.x(0), (MARGIN + NAME_WIDTH) as f32);
    }
}

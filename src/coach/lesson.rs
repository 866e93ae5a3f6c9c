//! Lesson posts: the card built from the curriculum, with its Done button.

use super::message::{Block, Button, LessonCard, Message};
use crate::curriculum::Curriculum;
use crate::domain::DayNumber;

/// The Done button's id carries the cohort and day, so a press needs no lookup of the post.
pub fn done_button_id(cohort_id: i64, day: DayNumber) -> String {
    format!("done:{cohort_id}:{day}")
}

/// The nonce a lesson post is sent with (Discord `nonce`, Slack marker): `sb-12-121`. It fits
/// Discord's 25-character limit while the cohort id stays below 10^12.
pub fn post_nonce(cohort_id: i64, day: DayNumber) -> String {
    format!("sb-{cohort_id}-{day}")
}

/// `sb-12-121` → (12, 121).
pub fn parse_post_nonce(nonce: &str) -> Option<(i64, DayNumber)> {
    let (cohort, day) = nonce.strip_prefix("sb-")?.split_once('-')?;
    Some((cohort.parse().ok()?, DayNumber::parse(day).ok()?))
}

/// `done:12:121` → (12, 121).
pub fn parse_done_button(id: &str) -> Option<(i64, DayNumber)> {
    let mut parts = id.strip_prefix("done:")?.split(':');
    let cohort = parts.next()?.parse().ok()?;
    let day = DayNumber::parse(parts.next()?).ok()?;
    parts.next().is_none().then_some((cohort, day))
}

pub fn card(curriculum: &Curriculum, day: DayNumber) -> Option<LessonCard> {
    let (section, lesson) = curriculum.day(day)?;
    let position = section.days.iter().position(|d| d.day == day).map_or(0, |i| i + 1);
    let mut all: Vec<DayNumber> = curriculum.days().map(|d| d.day).collect();
    all.sort_unstable();
    let index = all.iter().position(|d| *d == day).map_or(0, |i| i + 1);
    Some(LessonCard {
        day,
        title: lesson.title.clone(),
        section: section.heading.clone(),
        position: (position, section.days.len()),
        progress: (index, all.len()),
        objective: lesson.objective.clone(),
        work: lesson.work.clone(),
        resources: lesson.resources.clone(),
        python_skill: lesson.python_skill.clone(),
        fields: lesson.fields.clone(),
        checkpoint: lesson.checkpoint.clone(),
        linkedin_post: lesson.linkedin_post.clone(),
        blog_post: lesson.blog_post.clone(),
    })
}

/// The message posted to the channel: the card, how to check in, and the Done button.
pub fn post(curriculum: &Curriculum, cohort_id: i64, day: DayNumber) -> Option<Message> {
    let card = card(curriculum, day)?;
    Some(
        Message::default()
            .with(Block::Lesson(Box::new(card)))
            .with(Block::Text(format!("Done? React ✅, press Done, or type `/checkpoint day:{day}`.")))
            .with(Block::Buttons(vec![Button {
                id: done_button_id(cohort_id, day),
                label: "Done ✅".into(),
            }])),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_button_ids_round_trip_and_reject_junk() {
        let day = DayNumber::new(121).unwrap();
        assert_eq!(parse_done_button(&done_button_id(12, day)), Some((12, day)));
        for junk in ["done:", "done:x:1", "done:1", "done:1:2:3", "undo:1:2", "done:1:0", "done:1:-3", ""] {
            assert_eq!(parse_done_button(junk), None, "{junk}");
        }
    }
}

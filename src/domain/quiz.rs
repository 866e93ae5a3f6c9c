//! Quiz rules: per-attempt shuffling, scoring, the answer time limit and Leitner review boxes.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Points for each question right in the first completed attempt of a quiz (retakes are practice).
pub const POINTS_PER_CORRECT: i64 = 5;

/// Lesson days until a question in box 1, 2, 3 comes back for review.
pub const REVIEW_INTERVALS: [u32; 3] = [1, 3, 7];

/// The order an attempt shows things in: `questions[i]` is the bank index of the i-th question,
/// `options[i][j]` the original index of the j-th option shown for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shuffle {
    pub questions: Vec<usize>,
    pub options: Vec<Vec<usize>>,
}

/// Shuffles question order and each question's options from the attempt's seed, so an attempt
/// shows the same order after a restart and a test can predict it.
pub fn shuffle(seed: u64, option_counts: &[usize]) -> Shuffle {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut questions: Vec<usize> = (0..option_counts.len()).collect();
    questions.shuffle(&mut rng);
    let options = questions
        .iter()
        .map(|q| {
            let mut order: Vec<usize> = (0..option_counts[*q]).collect();
            order.shuffle(&mut rng);
            order
        })
        .collect();
    Shuffle { questions, options }
}

/// A member's answer to one question, in original option indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Chosen(BTreeSet<usize>),
    /// The time limit passed first: counts as wrong.
    TimedOut,
}

/// Right only when exactly the correct options were chosen (for multiple select, all of them and
/// nothing else: partial credit would reward ticking everything).
pub fn is_correct(correct: &BTreeSet<usize>, answer: &Answer) -> bool {
    matches!(answer, Answer::Chosen(chosen) if chosen == correct)
}

/// Whether an answer given at `answered` to a question shown at `asked` beats the limit.
pub fn in_time(asked: DateTime<Utc>, answered: DateTime<Utc>, limit: Duration) -> bool {
    answered >= asked && answered - asked <= limit
}

/// Quiz points of a first attempt with `correct` right answers.
pub fn quiz_points(correct: u32) -> i64 {
    i64::from(correct) * POINTS_PER_CORRECT
}

/// Where a question stands in a member's review: its Leitner box and the lesson count at which it
/// is due (the cohort's number of posted lessons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Review {
    pub leitner_box: u8,
    pub due_lesson: u32,
}

/// The review state after answering, `lessons` being how many lessons have been posted. A wrong
/// answer goes to box 1 (due next lesson day); a right one moves up a box; right in the last box
/// leaves review (`None`). A right answer to a question never missed stays out of review.
pub fn review_after(current: Option<Review>, correct: bool, lessons: u32) -> Option<Review> {
    let leitner_box = match (current, correct) {
        (_, false) => 1,
        (None, true) => return None,
        (Some(r), true) if usize::from(r.leitner_box) >= REVIEW_INTERVALS.len() => return None,
        (Some(r), true) => r.leitner_box + 1,
    };
    let interval = REVIEW_INTERVALS[usize::from(leitner_box) - 1];
    Some(Review { leitner_box, due_lesson: lessons + interval })
}

pub fn is_due(review: &Review, lessons: u32) -> bool {
    lessons >= review.due_lesson
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[usize]) -> BTreeSet<usize> {
        items.iter().copied().collect()
    }

    #[test]
    fn shuffle_is_reproducible_per_seed_and_a_permutation() {
        let counts = [4, 2, 5, 3, 4, 4];
        let a = shuffle(42, &counts);
        assert_eq!(a, shuffle(42, &counts));
        assert_ne!(a, shuffle(43, &counts), "another seed, another order");
        let mut seen = a.questions.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..counts.len()).collect::<Vec<_>>());
        for (i, q) in a.questions.iter().enumerate() {
            let mut options = a.options[i].clone();
            options.sort_unstable();
            assert_eq!(options, (0..counts[*q]).collect::<Vec<_>>());
        }
    }

    #[test]
    fn shuffle_spreads_the_first_option() {
        // Over many seeds the right answer (option 0) is shown first about a quarter of the time.
        let first = (0..4000).filter(|seed| shuffle(*seed, &[4]).options[0][0] == 0).count();
        assert!((800..1200).contains(&first), "{first}");
    }

    #[test]
    fn scoring_table() {
        let cases = [
            (set(&[1]), Answer::Chosen(set(&[1])), true),
            (set(&[1]), Answer::Chosen(set(&[2])), false),
            (set(&[0, 2]), Answer::Chosen(set(&[0, 2])), true),
            (set(&[0, 2]), Answer::Chosen(set(&[0])), false),
            (set(&[0, 2]), Answer::Chosen(set(&[0, 1, 2])), false),
            (set(&[0]), Answer::Chosen(set(&[])), false),
            (set(&[0]), Answer::TimedOut, false),
        ];
        for (correct, answer, want) in cases {
            assert_eq!(is_correct(&correct, &answer), want, "{correct:?} {answer:?}");
        }
        assert_eq!(quiz_points(11), 55);
    }

    #[test]
    fn time_limit_includes_its_last_second() {
        let asked = DateTime::from_timestamp(1_000, 0).unwrap();
        let limit = Duration::seconds(60);
        assert!(in_time(asked, asked + Duration::seconds(60), limit));
        assert!(!in_time(asked, asked + Duration::seconds(61), limit));
        assert!(!in_time(asked, asked - Duration::seconds(1), limit), "an answer before the question");
    }

    #[test]
    fn leitner_boxes_move_up_on_right_and_back_to_one_on_wrong() {
        let missed = review_after(None, false, 10).unwrap();
        assert_eq!(missed, Review { leitner_box: 1, due_lesson: 11 });
        assert!(!is_due(&missed, 10) && is_due(&missed, 11));
        let up = review_after(Some(missed), true, 11).unwrap();
        assert_eq!(up, Review { leitner_box: 2, due_lesson: 14 });
        let top = review_after(Some(up), true, 14).unwrap();
        assert_eq!(top, Review { leitner_box: 3, due_lesson: 21 });
        assert_eq!(review_after(Some(top), true, 21), None, "graduated");
        assert_eq!(review_after(Some(top), false, 21), Some(Review { leitner_box: 1, due_lesson: 22 }));
        assert_eq!(review_after(None, true, 5), None, "never missed, never reviewed");
    }
}

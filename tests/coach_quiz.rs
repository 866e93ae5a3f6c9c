//! A module quiz and a review session end to end through the console, on SQLite and PostgreSQL:
//! the quiz opens when its last day is posted, a timed-out answer counts as wrong, a retake is
//! practice, the counted score lands in member_stats, and missed questions come back for review.

mod support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use studybot::coach::{Block, Button, Catalog, Coach, Message, Target};
use studybot::platform::console::{Console, render};
use studybot::quiz::{Question, QuestionKind, Quiz, QuizBank, QuizKey};
use studybot::store::{Platform, Store};
use support::bot::{CURRICULUM, curriculum_dir};
use support::db::Fixture;

backend_tests!(module_quiz_timeout_retake_and_review);

type Screen = Console<Vec<u8>>;

async fn say(console: &mut Screen, lines: &[&str]) {
    for line in lines {
        console.line(line).await.unwrap();
    }
}

/// The text of the latest reply.
fn reply(console: &Screen) -> String {
    let blocks = console.replies().iter().flat_map(|r| &r.message.blocks);
    blocks
        .filter_map(|b| if let Block::Text(t) = b { Some(t.as_str()) } else { None })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The question on screen and, for each of its options, the letter it is shown under.
fn on_screen<'a>(console: &Screen, quiz: &'a Quiz) -> (&'a Question, Vec<(String, bool)>) {
    shown_in(&reply(console), quiz)
}

/// The question in `text` and, for each of its options, the letter it is shown under.
fn shown_in<'a>(text: &str, quiz: &'a Quiz) -> (&'a Question, Vec<(String, bool)>) {
    let question = quiz.questions.iter().find(|q| text.contains(&q.text)).unwrap_or_else(|| panic!("{text}"));
    let letters = question
        .options
        .iter()
        .map(|o| {
            let line = text.lines().find(|l| l.ends_with(&format!(") {}", o.text))).expect("option shown");
            let letter = line.split("**").nth(1).expect("**X**) form").to_string();
            (letter, o.correct)
        })
        .collect();
    (question, letters)
}

/// Answers the question on screen right or wrong, pressing letters as a member would.
async fn answer(console: &mut Screen, quiz: &Quiz, right: bool) {
    let (question, letters) = on_screen(console, quiz);
    let pick: Vec<&String> = letters.iter().filter(|(_, c)| *c == right).map(|(l, _)| l).collect();
    match question.kind {
        QuestionKind::Multiple => {
            let pick = if right { pick } else { pick.into_iter().take(1).collect() };
            for letter in pick {
                say(console, &[&format!(":press {letter}")]).await;
            }
            say(console, &[":press Submit"]).await;
        }
        _ => say(console, &[&format!(":press {}", pick[0])]).await,
    }
}

async fn quiz_points(store: &Store, member: &str) -> i64 {
    let cohort = store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    let member = store.find_member(Platform::Console, member).await.unwrap().unwrap().id;
    store.get_member_stats(cohort, member).await.unwrap().map_or(0, |s| s.quiz_points)
}

async fn module_quiz_timeout_retake_and_review(fx: Fixture) {
    let catalog = Catalog::load_dir(&curriculum_dir()).unwrap();
    let bank: Arc<QuizBank> = catalog.bank(CURRICULUM).expect("the shipped bank loads");
    let quiz = bank.quiz(QuizKey::Module(17)).unwrap();
    let total = quiz.questions.len();
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let mut console = Console::new(Coach::new(fx.store.clone(), catalog), start, Vec::new());
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-03-02 schedule:\"0 9 * * *\" timezone:UTC"
    );
    say(&mut console, &[":admin organizer", &setup, "/studybot settings quiz:5"]).await;
    assert!(reply(&console).contains("`quiz` must be a whole number from 10 to 600"), "{}", reply(&console));
    say(&mut console, &["/studybot settings quiz:30", ":as alice", ":advance-to 2026-03-07T12:00"]).await;
    say(&mut console, &["/quiz module:17"]).await;
    assert!(reply(&console).contains("opens once day 127 has been posted"), "{}", reply(&console));

    // Day 127 is posted on 03-08: the quiz opens. Alice misses question 2, lets question 5 time
    // out, and gets the rest right.
    say(&mut console, &[":advance-to 2026-03-08T10:00"]).await;
    let announced = console
        .take_log()
        .iter()
        .filter(|d| render(&d.message).contains("**Module 17** quiz is open"))
        .count();
    assert_eq!(announced, 1, "the channel hears once that the quiz opened");
    say(&mut console, &["/quiz module:17"]).await;
    assert!(reply(&console).contains(&format!("question 1 of {total} · 30 s")), "{}", reply(&console));
    let mut earliest = None;
    for n in 1..=total {
        if n == 5 {
            say(&mut console, &[":advance 31s"]).await;
        }
        earliest.get_or_insert_with(|| first_button(&console));
        if n == 5 {
            // Any press after the limit answers the question, as wrong, and shows the next one.
            say(&mut console, &[":press A"]).await;
            assert!(reply(&console).contains("Time was up"), "{}", reply(&console));
        } else {
            answer(&mut console, quiz, n != 2).await;
        }
        if n == 1 {
            // A second press on the first question (a double click) is refused; nothing moves.
            let again = earliest.clone().flatten().expect("question 1 had buttons");
            say(&mut console, &[&format!(":press {again}")]).await;
            assert!(reply(&console).contains("You already answered that question"), "{}", reply(&console));
            // `/quiz` again brings back the question on screen, where the attempt stands.
            say(&mut console, &["/quiz module:17"]).await;
            assert!(reply(&console).contains(&format!("question 2 of {total}")), "{}", reply(&console));
        }
    }
    let result = reply(&console);
    let want =
        format!("🏁 **Module 17**: {}/{total} (it counts: +{} quiz points)", total - 2, (total - 2) * 5);
    assert!(result.contains(&want), "{result}");
    assert_eq!(result.matches("📖 Day").count(), 2, "each missed question links its lesson:\n{result}");
    assert_eq!(quiz_points(&fx.store, "alice").await, i64::try_from((total - 2) * 5).unwrap());

    // Pressing an old button again is refused politely and changes nothing.
    say(&mut console, &[&format!(":press {}", earliest.flatten().unwrap())]).await;
    assert!(reply(&console).contains("attempt is over"), "{}", reply(&console));

    // A perfect retake is practice: the points stay.
    say(&mut console, &["/quiz module:17"]).await;
    for _ in 1..=total {
        answer(&mut console, quiz, true).await;
    }
    assert!(reply(&console).contains(&format!("{total}/{total} (practice")), "{}", reply(&console));
    assert_eq!(quiz_points(&fx.store, "alice").await, i64::try_from((total - 2) * 5).unwrap());
    // This week's quiz board counts the first attempt, finished today; the practice never.
    say(&mut console, &["/leaderboard by:quiz period:week"]).await;
    let board: String = console.replies().iter().map(|r| render(&r.message)).collect();
    assert!(board.contains("Quiz points (last 7 days)"), "{board}");
    assert!(board.contains(&format!("You: #1 with {} quiz points", (total - 2) * 5)), "{board}");

    // The two misses sat in box 1 (due at 8 lessons); the retake moved them to box 2, due 3
    // lesson days later (10 lessons, on 03-11). Nothing is due before.
    // Alice also asks for a warm-up question with each lesson: the first comes with day 130.
    say(&mut console, &["/review on", ":advance-to 2026-03-10T10:00", "/quiz review"]).await;
    assert!(reply(&console).contains("Nothing to review"), "{}", reply(&console));
    assert_eq!(warmups(&mut console).len(), 0);
    say(&mut console, &[":advance-to 2026-03-11T10:00"]).await;
    // One warm-up question, numbered as one, though two are due; answered (wrong), it says how
    // many more wait for `/quiz review` instead of asking the next.
    let warmup = warmups(&mut console);
    assert_eq!(warmup.len(), 1);
    let text = render(&warmup[0]);
    assert!(text.contains("**Warm-up** · ") && !text.contains(" of 2") && !text.contains("due"), "{text}");
    for id in wrong_presses(&warmup[0], &text, quiz) {
        say(&mut console, &[&format!(":press {id}")]).await;
    }
    let after = reply(&console);
    assert!(after.contains("back to box 1"), "{after}");
    assert!(after.contains("That was today's warm-up. 1 more question is due"), "{after}");
    say(&mut console, &["/quiz review"]).await;
    assert!(reply(&console).contains("**Review** · 1 due · "), "{}", reply(&console));
    answer(&mut console, quiz, true).await;
    assert!(reply(&console).contains("moves up a box") && reply(&console).contains("Nothing to review"));

    // An attempt left open expires after a day: its buttons no longer answer.
    say(&mut console, &["/quiz module:17"]).await;
    let open = first_button(&console).expect("a question with buttons");
    say(&mut console, &[":advance 2d", &format!(":press {open}")]).await;
    let out = String::from_utf8_lossy(console.output_mut()).to_string();
    assert!(
        reply(&console).contains("attempt is over"),
        "{}\n{}",
        reply(&console),
        &out[out.len().saturating_sub(3000)..]
    );

    // All wrong: the result is one message per page, and More ▶ turns to the next page.
    say(&mut console, &["/quiz module:17"]).await;
    for _ in 1..=total {
        answer(&mut console, quiz, false).await;
    }
    let first = reply(&console);
    assert!(first.contains(&format!("🏁 **Module 17**: 0/{total} (practice")), "{first}");
    assert!(first.contains("What you missed (1–"), "{first}");
    let more = button(&console, "More ▶").unwrap_or_else(|| panic!("no More button under:\n{first}"));
    say(&mut console, &[&format!(":press {more}")]).await;
    let second = reply(&console);
    assert!(second.starts_with(&format!("🏁 **Module 17**: 0/{total}")), "{second}");
    assert!(
        !second.contains("What you missed (1–") && second.contains(&format!(" of {total}):")),
        "{second}"
    );
    assert!(button(&console, "◀ Back").is_some(), "{second}");
}

/// The id of the button labelled `label` in the latest reply.
fn button(console: &Screen, label: &str) -> Option<String> {
    let blocks = console.replies().iter().flat_map(|r| &r.message.blocks);
    let mut buttons = blocks.flat_map(|b| if let Block::Buttons(b) = b { b.as_slice() } else { &[] });
    buttons.find(|b| b.label == label).map(|b| b.id.clone())
}

/// The id of the first button in the latest reply.
fn first_button(console: &Screen) -> Option<String> {
    console.replies().iter().flat_map(|r| &r.message.blocks).find_map(|b| match b {
        Block::Buttons(buttons) => Some(buttons[0].id.clone()),
        _ => None,
    })
}

/// Warm-up review questions sent as direct messages since the last call.
fn warmups(console: &mut Screen) -> Vec<Message> {
    let log = console.take_log();
    log.into_iter()
        .filter(|d| matches!(d.to, Target::Direct { .. }) && render(&d.message).contains("Warm-up"))
        .map(|d| d.message)
        .collect()
}

/// The button ids that answer the question of `message` (shown as `text`) wrong.
fn wrong_presses(message: &Message, text: &str, quiz: &Quiz) -> Vec<String> {
    let (question, letters) = shown_in(text, quiz);
    let buttons: Vec<&Button> = message
        .blocks
        .iter()
        .flat_map(|b| if let Block::Buttons(buttons) = b { buttons.as_slice() } else { &[] })
        .collect();
    let id = |label: &str| buttons.iter().find(|b| b.label == label).expect("a button per letter").id.clone();
    let wrong = letters.iter().find(|(_, correct)| !correct).expect("a wrong option");
    let mut ids = vec![id(&wrong.0)];
    if question.kind == QuestionKind::Multiple {
        ids.push(id("Submit"));
    }
    ids
}

//! Lessons the platform refused are not lost: `/studybot resume` posts the current one again
//! (once, with its nonce, through the scheduler's own claim), `status` tells posted, pending and
//! failed apart, and the organizer's message names the channel. Coach level, on both backends.

mod support;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{
    Block, Catalog, ChannelRef, Coach, CohortCtx, Delivery, Fence, Message, Outgoing, Target,
};
use studybot::scheduler::lease::{SCHEDULER, Taken, acquire_lease};
use studybot::scheduler::pacing::Limits;
use studybot::store::{Claim, CohortState, NewLessonPost, PostState, Store};
use support::bot::{CURRICULUM, admin_does, curriculum_dir};
use support::db::Fixture;
use support::fixtures::day;
use support::limited::LimitedFake;

backend_tests!(
    a_refused_lesson_is_posted_once_after_the_organizer_resumes,
    the_current_leader_takes_a_reopened_post_as_its_own_at_once,
    with_latest_only_the_current_lesson_is_posted_again,
    with_all_every_failed_lesson_within_the_lateness_is_posted_again,
    the_current_lesson_is_posted_again_however_late_under_every_policy,
    a_refused_lesson_found_on_the_platform_is_recorded_not_sent_again,
    only_a_failed_row_reopens_and_a_failed_day_is_never_claimed_again,
);

/// Day 121's instant: 2026-03-02 09:00 Berlin; day 122 a day later.
fn lesson(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap() + chrono::Duration::days(day - 121)
}

fn hours(h: i64) -> chrono::Duration {
    chrono::Duration::hours(h)
}

fn console(channel: &str) -> ChannelRef {
    ChannelRef { platform: "console".into(), workspace: String::new(), channel: channel.into() }
}

/// A cohort in `channel` with daily lessons at 09:00 Berlin from day 121, and `settings` if any.
async fn cohort(fx: &Fixture, channel: &str, settings: &str) -> (Coach, i64) {
    let coach = Coach::new(fx.store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap());
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-03-02 schedule:\"0 9 * * *\" timezone:Europe/Berlin"
    );
    let before = lesson(121) - chrono::Duration::days(1);
    say(&coach, channel, &setup, before).await;
    if !settings.is_empty() {
        let reply = say(&coach, channel, &format!("/studybot settings {settings}"), before).await;
        assert!(reply.contains("catch-up"), "{reply}");
    }
    let cohort = fx.store.find_cohort_by_channel(studybot::store::Platform::Console, channel).await;
    (coach, cohort.unwrap().unwrap().id)
}

/// What the organizer reads back from a command.
async fn say(coach: &Coach, channel: &str, text: &str, at: DateTime<Utc>) -> String {
    texts(&admin_does(coach, channel, text, at).await)
}

fn texts(out: &[Outgoing]) -> String {
    let blocks = out.iter().flat_map(|o| &o.message.blocks);
    blocks
        .filter_map(|b| if let Block::Text(t) = b { Some(t.as_str()) } else { None })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a permanent refusal of `day` left behind: its row `failed` and the cohort flagged.
async fn refused(store: &Store, cohort: i64, day: u32, generation: i64) {
    let new = NewLessonPost {
        cohort_id: cohort,
        day: support::fixtures::day(day),
        local_date: lesson(day.into()).format("%Y-%m-%d").to_string(),
        due_at: lesson(day.into()).timestamp(),
        nonce: format!("sb-{cohort}-{day}"),
        claimed_by: "pid-earlier".into(),
        claimed_at: lesson(day.into()).timestamp(),
        generation,
    };
    let Claim::Claimed(post) = store.claim_post(&new).await.unwrap() else { panic!("claim day {day}") };
    assert!(store.close_post(post.id, generation, PostState::Failed, "unknown channel").await.unwrap());
    let at = lesson(day.into()).timestamp();
    store.set_cohort_state(cohort, CohortState::Flagged, Some("refused"), at).await.unwrap();
}

fn nonces(fake: &LimitedFake) -> Vec<String> {
    fake.posts().into_iter().map(|p| p.nonce).collect()
}

async fn state_of(store: &Store, cohort: i64, day: u32) -> PostState {
    store.list_posts(cohort).await.unwrap().into_iter().find(|p| p.day == day).expect("a row").state
}

async fn a_refused_lesson_is_posted_once_after_the_organizer_resumes(fx: Fixture) {
    let (coach, cohort) = cohort(&fx, "study", "").await;
    let fake = LimitedFake::new(Limits::none());
    fake.fail_permanently(&console("study"));
    assert_eq!(coach.tick(&fake, lesson(121)).await.unwrap().flagged, vec![cohort]);
    let dm = fake.texts_to(&Target::Direct { platform: "console".into(), user_id: "organizer".into() });
    assert!(dm.len() == 1 && dm[0].contains("day 121") && dm[0].contains(" in #study:"), "{dm:?}");

    let status = say(&coach, "study", "/studybot status", lesson(121) + hours(1)).await;
    assert!(status.contains("Posted: 0 of 30 days · pending: 0 · failed: 1 · abandoned: 0"), "{status}");
    assert!(status.contains("Failed: day 121 (unknown channel study)"), "{status}");

    fake.heal(&console("study"));
    coach.tick(&fake, lesson(121) + hours(2)).await.unwrap();
    assert!(fake.posts().is_empty(), "nothing is posted while the cohort is flagged");
    let reply = say(&coach, "study", "/studybot resume", lesson(121) + hours(3)).await;
    assert!(reply.contains("back on. Day 121 is posted again now."), "{reply}");
    let row = fx.store.list_posts(cohort).await.unwrap().remove(0);
    assert_eq!(
        (row.state, row.generation, row.retry_at),
        (PostState::Claimed, 0, None),
        "no lease: generation 0"
    );
    assert_eq!(row.reopened_at, Some((lesson(121) + hours(3)).timestamp()));
    assert_eq!(row.last_error.as_deref(), Some("unknown channel study"));
    let audit = fx.store.list_audit(cohort).await.unwrap();
    let resumed = audit.iter().find(|a| a.action == "cohort.resume").expect("the resume is audited");
    assert!(resumed.detail.contains("posted again: day 121"), "{resumed:?}");
    let status = say(&coach, "study", "/studybot status", lesson(121) + hours(3)).await;
    assert!(status.contains("Posted: 0 of 30 days · pending: 1 · failed: 0"), "{status}");
    assert!(status.contains("Pending: day 121 (re-opened by `/studybot resume`"), "{status}");

    for _ in 0..3 {
        coach.tick(&fake, lesson(121) + hours(3)).await.unwrap();
    }
    assert_eq!(nonces(&fake), [format!("sb-{cohort}-121")], "posted exactly once, with its nonce");
    let row = fx.store.list_posts(cohort).await.unwrap().remove(0);
    assert_eq!(
        (row.state, row.platform_message_id.as_deref(), row.last_error),
        (PostState::Sent, Some("f1"), None)
    );
    let status = say(&coach, "study", "/studybot status", lesson(121) + hours(4)).await;
    assert!(status.contains("Posted: 1 of 30 days · pending: 0 · failed: 0 · abandoned: 0"), "{status}");
    assert!(!status.contains("Failed:") && !status.contains("Pending:"), "{status}");
}

/// The scheduler's fence of lease `generation`: valid for an hour, adopting no older claim yet.
fn leader_fence(generation: i64) -> Fence {
    let now = Instant::now();
    Fence::new(
        generation,
        now + Duration::from_secs(3600),
        now + Duration::from_secs(3600),
        Duration::from_secs(5),
    )
}

async fn the_current_leader_takes_a_reopened_post_as_its_own_at_once(fx: Fixture) {
    let (coach, cohort) = cohort(&fx, "study", "").await;
    let mut conn = fx.store.acquire().await.unwrap();
    let Taken::Held(lease) = acquire_lease(&mut conn, SCHEDULER, "leader", 3_600_000, false).await.unwrap()
    else {
        panic!("lease")
    };
    drop(conn);
    let fake = LimitedFake::new(Limits::none());
    fake.fail_permanently(&console("study"));
    let fence = leader_fence(lease.generation);
    let load = || async {
        CohortCtx::load(&coach, fx.store.get_cohort(cohort).await.unwrap().unwrap()).await.unwrap()
    };
    let report = coach.tick_cohort(&load().await, &fake, &fence, lesson(121)).await.unwrap();
    assert_eq!(report.flagged, vec![cohort]);

    fake.heal(&console("study"));
    say(&coach, "study", "/studybot resume", lesson(121) + hours(1)).await;
    let row = fx.store.list_posts(cohort).await.unwrap().remove(0);
    assert_eq!(
        (row.state, row.generation),
        (PostState::Claimed, lease.generation),
        "the leader's generation"
    );
    // The fence adopts no older claim for an hour: the row is posted now because it is its own.
    let report = coach.tick_cohort(&load().await, &fake, &fence, lesson(121) + hours(1)).await.unwrap();
    assert_eq!((report.posted, report.wake_real), (vec![(cohort, day(121))], None));
    assert_eq!(nonces(&fake), [format!("sb-{cohort}-121")]);
}

async fn with_latest_only_the_current_lesson_is_posted_again(fx: Fixture) {
    let (coach, cohort) = cohort(&fx, "study", "").await;
    refused(&fx.store, cohort, 121, 0).await;
    refused(&fx.store, cohort, 122, 0).await;
    let reply = say(&coach, "study", "/studybot resume", lesson(122) + hours(2)).await;
    assert!(reply.contains("Day 122 is posted again now. Day 121 stays failed"), "{reply}");
    let fake = LimitedFake::new(Limits::none());
    coach.tick(&fake, lesson(122) + hours(2)).await.unwrap();
    assert_eq!(nonces(&fake), [format!("sb-{cohort}-122")]);
    assert_eq!(state_of(&fx.store, cohort, 121).await, PostState::Failed, "day 121 stays failed");
    let status = say(&coach, "study", "/studybot status", lesson(122) + hours(3)).await;
    assert!(status.contains("Posted: 1 of 30 days · pending: 0 · failed: 1"), "{status}");
    assert!(status.contains("Failed: day 121 (unknown channel)"), "{status}");
}

async fn with_all_every_failed_lesson_within_the_lateness_is_posted_again(fx: Fixture) {
    let (coach, cohort) = cohort(&fx, "study", "catchup:all lateness:30").await;
    refused(&fx.store, cohort, 121, 0).await;
    refused(&fx.store, cohort, 122, 0).await;
    // Day 121 is 26 h late, within the 30 h allowed.
    let reply = say(&coach, "study", "/studybot resume", lesson(122) + hours(2)).await;
    assert!(reply.contains("Days 121, 122 are posted again now."), "{reply}");
    let fake = LimitedFake::new(Limits::none());
    coach.tick(&fake, lesson(122) + hours(2)).await.unwrap();
    assert_eq!(nonces(&fake), [format!("sb-{cohort}-121"), format!("sb-{cohort}-122")], "oldest first");
}

async fn the_current_lesson_is_posted_again_however_late_under_every_policy(fx: Fixture) {
    // 20 h after day 121 (12 h allowed), 4 h before day 122: still the current lesson.
    let late = lesson(121) + hours(20);
    for policy in ["latest", "all", "none"] {
        let channel = format!("study-{policy}");
        let (coach, cohort) = cohort(&fx, &channel, &format!("catchup:{policy} lateness:12")).await;
        refused(&fx.store, cohort, 121, 0).await;
        let reply = say(&coach, &channel, "/studybot resume", late).await;
        assert!(reply.contains("Day 121 is posted again now."), "{policy}: {reply}");
        let fake = LimitedFake::new(Limits::none());
        coach.tick(&fake, late).await.unwrap();
        assert_eq!(nonces(&fake), [format!("sb-{cohort}-121")], "{policy}: not abandoned as too late");
        assert_eq!(state_of(&fx.store, cohort, 121).await, PostState::Sent, "{policy}");
    }
}

async fn a_refused_lesson_found_on_the_platform_is_recorded_not_sent_again(fx: Fixture) {
    let (coach, cohort) = cohort(&fx, "study", "").await;
    refused(&fx.store, cohort, 121, 0).await;
    // The platform had the post after all (its answer was lost, or came wrong).
    let fake = LimitedFake::new(Limits::none());
    let nonce = format!("sb-{cohort}-121");
    let id =
        fake.post(&console("study"), &Message::text("day 121"), &nonce, Fence::unfenced()).await.unwrap();
    say(&coach, "study", "/studybot resume", lesson(121) + hours(1)).await;
    let report = coach.tick(&fake, lesson(121) + hours(1)).await.unwrap();
    assert_eq!((report.recovered, report.posted.len(), nonces(&fake)), (1, 0, vec![nonce]));
    assert_eq!(fake.marks(), [(console("study"), id)], "and it gets the bot's ✅");
}

async fn only_a_failed_row_reopens_and_a_failed_day_is_never_claimed_again(fx: Fixture) {
    let (_coach, cohort) = cohort(&fx, "study", "").await;
    let store = &fx.store;
    refused(store, cohort, 121, 0).await;
    // A failed day keeps its row: no second claim can post it some other way.
    let again = NewLessonPost {
        cohort_id: cohort,
        day: day(121),
        local_date: "2026-03-02".into(),
        due_at: lesson(121).timestamp(),
        nonce: format!("sb-{cohort}-121-again"),
        claimed_by: "pid-other".into(),
        claimed_at: lesson(121).timestamp(),
        generation: 0,
    };
    assert!(
        matches!(store.claim_post(&again).await.unwrap(), Claim::Closed(p) if p.state == PostState::Failed)
    );
    // An expired lease is nobody's: the row goes to generation 0, for whoever leads next.
    let mut conn = store.acquire().await.unwrap();
    let Taken::Held(_) = acquire_lease(&mut conn, SCHEDULER, "gone", 0, false).await.unwrap() else {
        panic!()
    };
    drop(conn);
    let now = lesson(121).timestamp() + 60;
    let reopened = store.reopen_post(cohort, day(121), now).await.unwrap().expect("failed → claimed");
    assert_eq!(
        (reopened.state, reopened.generation, reopened.reopened_at),
        (PostState::Claimed, 0, Some(now))
    );
    assert_eq!(store.reopen_post(cohort, day(121), now).await.unwrap(), None, "a claimed row is left alone");
    store.complete_post(reopened.id, 0, "m1", now).await.unwrap();
    assert_eq!(store.reopen_post(cohort, day(121), now).await.unwrap(), None, "a sent row is left alone");
    assert_eq!(store.reopen_post(cohort, day(122), now).await.unwrap(), None, "no row, nothing to re-open");
}

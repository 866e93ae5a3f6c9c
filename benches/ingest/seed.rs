//! Seeding for the ingest benchmark: Slack cohorts with today's lesson post sent, members spread over them, and optionally a stored history of other members' check-ins — multi-row inserts in one transaction.

use std::collections::HashMap;
use std::time::Instant;

use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use studybot::coach::{Catalog, Coach};
use studybot::domain::DayNumber;
use studybot::store::{NewCohort, Platform, Store};

use super::Shape;
use super::fake_slack::{BOT_TOKEN, FakeSlack, SlackUser};

/// Rows per INSERT statement.
const BATCH: usize = 1000;
/// Days in the shipped curriculum (121–150): the most check-ins one member can have in a cohort.
const CYCLE: usize = 30;

/// What the driver needs from the seed: the channels (cohort `i` is `channels[i]`) and the driven
/// members (member `j` belongs to cohort `j % cohorts`).
pub struct Seeded {
    pub channels: Vec<String>,
    /// Today's lesson post in each channel (its ts), what a ✅ is added to.
    pub posts: Vec<String>,
    pub members: Vec<SlackUser>,
    pub secs: f64,
}

pub async fn seed(url: &str, fake: &FakeSlack, shape: &Shape) -> Seeded {
    let started = Instant::now();
    let store = Store::open(url).await.expect("open and migrate the bench database");
    let channels: Vec<String> = (0..shape.cohorts).map(|n| fake.channel(&format!("study-{n}"))).collect();
    let mut cohorts = Vec::new();
    for channel in &channels {
        let new = cohort(&fake.team_id(), channel, &shape.start_date());
        cohorts.push(store.create_cohort(&new).await.expect("create a bench cohort").id);
    }
    let posts = post_lessons(fake, &channels, shape).await;
    let members: Vec<SlackUser> = (0..shape.members)
        .map(|j| SlackUser::new(&format!("U0M{j:07}"), &format!("Member {j}"), false))
        .collect();
    let mut tx = store.pool().begin().await.expect("begin the seed transaction");
    let now = shape.due_at();
    let sent = posts.iter().zip(&cohorts).map(|(ts, c)| {
        let (day, date) = (shape.today_day(), shape.today());
        format!("({c}, {day}, '{date}', {now}, 'sent', 'bench-{c}-{day}', 'bench-seed', {now}, 1, '{ts}', {now}, 0)")
    });
    let head = "INSERT INTO lesson_posts (cohort_id, day, local_date, due_at, state, nonce, claimed_by, \
                claimed_at, attempts, platform_message_id, sent_at, generation)";
    insert(&mut tx, head, sent).await;
    // Members who drive the bot, then the stored history's members (30 check-ins each).
    let filler = shape.stored.div_ceil(CYCLE);
    let users = members.iter().map(|m| m.id.clone()).chain((0..filler).map(|k| format!("U0F{k:07}")));
    let rows = users.map(|u| format!("('slack', '{u}', 'Name {u}', {now})"));
    insert(&mut tx, "INSERT INTO members (platform, user_id, display_name, created_at)", rows).await;
    let ids = member_ids(&mut tx).await;
    let driven = (0..shape.members).map(|j| (cohorts[j % cohorts.len()], ids[&members[j].id], 0));
    let stored = (0..filler).map(|k| {
        let done = CYCLE.min(shape.stored - k * CYCLE);
        (cohorts[k % cohorts.len()], ids[&format!("U0F{k:07}")], done)
    });
    let enrolled: Vec<(i64, i64, usize)> = driven.chain(stored).collect();
    let rows = enrolled.iter().map(|(c, m, _)| format!("({c}, {m}, {now})"));
    insert(&mut tx, "INSERT INTO cohort_members (cohort_id, member_id, joined_at)", rows).await;
    let rows =
        enrolled.iter().map(|(c, m, n)| format!("({c}, {m}, {n}, {n}, {n}, {n}, {}, {now}, {now})", 10 * n));
    let head = "INSERT INTO member_stats (cohort_id, member_id, lessons_done, on_time, current_streak, \
                best_streak, points, reached_at, updated_at)";
    insert(&mut tx, head, rows).await;
    history(&mut tx, &enrolled[shape.members..], now).await;
    tx.commit().await.expect("commit the seed");
    // Cohorts made through the store are bound to their curriculum version at their first load,
    // as after an upgrade; a cohort set up by `/studybot setup` is bound at once. Bind them now,
    // so the load measures steady-state check-ins rather than 200 first binds racing the scheduler.
    let curricula = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum");
    let coach = Coach::new(store.clone(), Catalog::load_dir(&curricula).expect("load the curricula"));
    let bound = coach.scheduled_cohorts().await.expect("bind the bench cohorts");
    assert_eq!(bound.len(), cohorts.len(), "every bench cohort loads");
    store.close().await;
    Seeded { channels, posts, members, secs: started.elapsed().as_secs_f64() }
}

/// The stored check-ins: member `(cohort, member, n)` has days 121..121+n, each with its dedupe
/// key in `processed_events` (received within the last three days, inside the retention window).
async fn history(tx: &mut Transaction<'static, Any>, stored: &[(i64, i64, usize)], now: i64) {
    let each = || stored.iter().flat_map(|&(c, m, n)| (0..n).map(move |d| (c, m, 121 + d)));
    let at = |m: i64, d: usize| now - (m * 7 + d as i64 * 61) % 259_200;
    let rows =
        each().map(|(c, m, d)| format!("({c}, {m}, {d}, 'reaction', {}, 1, 'bench:{c}:{m}:{d}')", at(m, d)));
    let head = "INSERT INTO checkpoints (cohort_id, member_id, day, source, checked_at, on_time, dedupe_key)";
    insert(tx, head, rows).await;
    let rows = each().map(|(c, m, d)| format!("('bench:{c}:{m}:{d}', 'checkpoint', {})", at(m, d)));
    insert(tx, "INSERT INTO processed_events (dedupe_key, kind, received_at)", rows).await;
}

/// `head VALUES row, row, …` in statements of [`BATCH`] rows.
async fn insert(tx: &mut Transaction<'static, Any>, head: &str, rows: impl Iterator<Item = String>) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        batch.extend(rows.by_ref().take(BATCH));
        let sql = format!("{head} VALUES {}", batch.join(", "));
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **tx).await.unwrap_or_else(|e| panic!("{head}: {e}"));
        batch.clear();
    }
}

async fn member_ids(tx: &mut Transaction<'static, Any>) -> HashMap<String, i64> {
    let rows =
        sqlx::query("SELECT id, user_id FROM members").fetch_all(&mut **tx).await.expect("read members");
    rows.iter().map(|r| (r.get::<String, _>(1), r.get::<i64, _>(0))).collect()
}

/// Today's lesson, posted through the fake's Web API so reactions.get at startup finds it: its ts.
async fn post_lessons(fake: &FakeSlack, channels: &[String], shape: &Shape) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for channel in channels {
        let text = format!("Day {} — today's lesson (seeded by the bench)", shape.today_day());
        let answer: serde_json::Value = client
            .post(format!("{}chat.postMessage", fake.api_url()))
            .bearer_auth(BOT_TOKEN)
            .json(&serde_json::json!({"channel": channel, "text": text}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("chat.postMessage on the fake")
            .json()
            .await
            .expect("chat.postMessage answer");
        out.push(answer["ts"].as_str().expect("a ts from chat.postMessage").to_string());
    }
    out
}

fn cohort(team: &str, channel: &str, start: &str) -> NewCohort {
    NewCohort {
        platform: Platform::Slack,
        workspace_id: team.to_string(),
        channel_id: channel.to_string(),
        curriculum_id: "days_121_150_lakehouse_architecture".into(),
        start_date: start.into(),
        first_day: DayNumber::try_from(121_u32).unwrap(),
        schedule: "0 0 9 * * *".into(),
        timezone: "UTC".into(),
        catch_up: "latest".into(),
        max_lateness_secs: 43_200,
        quiz_seconds: 60,
        grace_secs: None,
        reminder_hours: None,
        leaderboard_schedule: None,
        created_by: "U0ORGANIZER".into(),
        created_at: 0,
    }
}

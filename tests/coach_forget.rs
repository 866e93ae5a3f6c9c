//! A member's data deleted (`/forget`, in one cycle or everywhere) and a member leaving (`/leave`),
//! on the console, on SQLite and PostgreSQL: no row of theirs is left in any table, and everyone
//! else's record and points are as they were.

mod support;

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Catalog, Coach};
use studybot::platform::console::Console;
use studybot::store::{Backend, MemberStats, Platform, Store};
use support::bot::{CURRICULUM, curriculum_dir};
use support::db::Fixture;

backend_tests!(
    forgetting_in_a_cycle_leaves_no_row_and_others_unchanged,
    forgetting_everywhere_removes_the_member_and_their_user_id,
    leaving_stops_messages_and_keeps_history,
);

async fn play(c: &mut Console<Vec<u8>>, lines: &[&str]) -> String {
    for line in lines {
        c.line(line).await.unwrap();
    }
    String::from_utf8(std::mem::take(c.output_mut())).unwrap()
}

/// A week of the shipped curriculum in `study`: ada, bo and cy check in, ada logs a post and
/// takes the first question of the module 17 quiz.
async fn week(store: &Store) -> Console<Vec<u8>> {
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
    let catalog = Catalog::load_dir(&curriculum_dir()).unwrap();
    let mut c = Console::new(Coach::new(store.clone(), catalog), start, Vec::new());
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-12-07 schedule:\"0 9 * * *\" timezone:UTC"
    );
    #[rustfmt::skip]
    play(&mut c, &[
        ":admin org", &setup,
        ":advance-to 2026-12-07T10:00",
        ":as ada", "/join", "/checkpoint", "/remind on", ":as bo", "/checkpoint", ":as cy", "/checkpoint",
        ":advance-to 2026-12-08T10:00", ":as ada", "/checkpoint", ":react ✅ last", ":as cy", "/checkpoint",
        ":advance-to 2026-12-09T10:00", ":as ada", "/checkpoint", "/posted linkedin https://example.com/p/1",
        ":as bo", "/checkpoint",
        ":advance-to 2026-12-14T10:00", ":as ada", "/quiz module:17", ":press A",
    ])
    .await;
    c
}

async fn member_id(store: &Store, who: &str) -> Option<i64> {
    store.find_member(Platform::Console, who).await.unwrap().map(|m| m.id)
}

async fn stats(store: &Store, cohort: i64, who: &str) -> MemberStats {
    let id = member_id(store, who).await.unwrap();
    store.get_member_stats(cohort, id).await.unwrap().unwrap()
}

/// Every table with a `member_id` column, from the database's own catalog.
async fn member_tables(fx: &Fixture) -> Vec<String> {
    let sql = match fx.backend {
        Backend::Sqlite => {
            "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name = 'member_id' ORDER BY 1"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.columns \
             WHERE column_name = 'member_id' AND table_schema = current_schema() ORDER BY 1"
        }
    };
    sqlx::query_scalar(sql).fetch_all(fx.store.pool()).await.unwrap()
}

async fn rows_of(fx: &Fixture, table: &str, member: i64) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table} WHERE member_id = $1"));
    sqlx::query_scalar(sql).bind(member).fetch_one(fx.store.pool()).await.unwrap()
}

async fn count(fx: &Fixture, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(fx.store.pool()).await.unwrap()
}

async fn forgetting_in_a_cycle_leaves_no_row_and_others_unchanged(fx: Fixture) {
    let store = &fx.store;
    let mut c = week(store).await;
    let cohort = store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    let ada = member_id(store, "ada").await.unwrap();
    let (bo, cy) = (stats(store, cohort, "bo").await, stats(store, cohort, "cy").await);
    let tables = member_tables(&fx).await;
    assert!(tables.len() >= 8, "{tables:?}");
    let mut had = 0;
    for table in &tables {
        had += rows_of(&fx, table, ada).await;
    }
    assert!(had >= 7, "ada has rows to lose: {had}");
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT dedupe_key FROM checkpoints WHERE member_id = $1 AND dedupe_key IS NOT NULL",
    )
    .bind(ada)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(keys.len(), 3, "her check-ins' event keys are kept until she asks");

    let out = play(&mut c, &[":as ada", "/forget"]).await;
    assert!(out.contains("Delete everything the bot keeps about you in **Days 121-150"), "{out}");
    let out = play(&mut c, &[":as bo", &format!(":press forget:{cohort}:here")]).await;
    assert!(
        out.contains("🗑 Deleted in this cycle: 2 check-ins, 0 quiz attempts"),
        "a press deletes the presser's own: {out}"
    );
    assert_eq!(member_id(store, "bo").await, None, "bo pressed it, bo's data went");
    let out = play(&mut c, &[":as ada", "/forget", ":press Delete my data"]).await;
    assert!(out.contains("🗑 Deleted in this cycle: 3 check-ins, 1 quiz attempt"), "{out}");

    for table in &tables {
        assert_eq!(rows_of(&fx, table, ada).await, 0, "{table} still has a row of ada's");
    }
    assert_eq!(member_id(store, "ada").await, None, "in no other cohort: the member row goes too");
    assert_eq!(count(&fx, "SELECT COUNT(*) FROM quiz_answers").await, 0, "her answers went with the attempt");
    for key in &keys {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processed_events WHERE dedupe_key = $1")
            .bind(key)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(left, 0, "{key}");
    }
    // Everyone else's record is as it was; only ranks moved.
    assert_eq!(stats(store, cohort, "cy").await, cy);
    assert_eq!(bo.lessons_done, 2);
    let out = play(&mut c, &[":as cy", "/leaderboard"]).await;
    assert!(out.contains("You: #1 with 20 points") && !out.contains("ada"), "{out}");
    // The deletions are recorded with counts and nothing about who.
    let record: (i64, i64) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT), CAST(SUM(checkpoints) AS BIGINT) FROM deletions")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(record, (2, 5));
    let out = play(&mut c, &[":admin org", "/studybot status"]).await;
    assert!(out.contains("Deleted on request: the data of 2 members (5 check-ins)"), "{out}");
    // The counts above it are of those who stay, as the database has them.
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cohort_members WHERE cohort_id = $1")
        .bind(cohort)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let checks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkpoints WHERE cohort_id = $1")
        .bind(cohort)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(members > 0 && checks > 0, "{members} members, {checks} checks");
    assert!(out.contains(&format!("Members: {members} · completion:")), "{members} members: {out}");
    assert!(out.contains(&format!("({checks} checkpoints of ")), "{checks} checkpoints: {out}");
}

async fn forgetting_everywhere_removes_the_member_and_their_user_id(fx: Fixture) {
    let store = &fx.store;
    let mut c = week(store).await;
    // Ada runs a cohort of her own in another channel: she is its organizer and in its audit.
    let setup = format!("/studybot setup curriculum:{CURRICULUM} start:2026-12-15 timezone:UTC");
    let out =
        play(&mut c, &[":channel lab", ":admin ada", &setup, "/studybot holiday add 2026-12-24", "/join"])
            .await;
    assert!(out.contains("now runs"), "{out}");
    let ada = member_id(store, "ada").await.unwrap();
    let audited = "SELECT COUNT(*) FROM audit WHERE actor = 'ada'";
    let before = count(&fx, audited).await;

    let out = play(&mut c, &[":as ada", "/forget everywhere"]).await;
    assert!(out.contains("in every cohort on console, and your name"), "{out}");
    let out = play(&mut c, &[":press Delete my data"]).await;
    assert!(out.contains("🗑 Deleted on console: 3 check-ins, 1 quiz attempt"), "{out}");

    assert_eq!(member_id(store, "ada").await, None);
    for table in member_tables(&fx).await {
        assert_eq!(rows_of(&fx, &table, ada).await, 0, "{table}");
    }
    let named = "SELECT COUNT(*) FROM cohorts WHERE created_by = 'ada'";
    assert_eq!(count(&fx, named).await, 0, "no cohort names her as its organizer");
    assert_eq!(count(&fx, audited).await, 0, "audit entries stay, by someone forgotten ({before} were hers)");
    assert!(before > 0, "her setup and holiday were audited");
    let forgets =
        "SELECT COUNT(*) FROM audit WHERE action = 'member.forget' AND actor = 'a forgotten member'";
    assert_eq!(count(&fx, forgets).await, 1, "the deletion itself is audited, without who");
    assert_eq!(count(&fx, "SELECT COUNT(*) FROM deletions WHERE cohort_id IS NULL").await, 1);
    assert_eq!(count(&fx, "SELECT COUNT(*) FROM cohorts").await, 2, "her cohort runs on for the others");
}

async fn leaving_stops_messages_and_keeps_history(fx: Fixture) {
    let store = &fx.store;
    let mut c = week(store).await;
    let cohort = store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    let before = stats(store, cohort, "ada").await;
    let out = play(&mut c, &[":as ada", "/leave"]).await;
    assert!(out.contains("You've left **Days 121-150"), "{out}");
    let ada = member_id(store, "ada").await.unwrap();
    let membership = store.get_cohort_member(cohort, ada).await.unwrap().unwrap();
    assert!(membership.left && !membership.remind && !membership.review_warmup, "{membership:?}");
    assert_eq!(stats(store, cohort, "ada").await, before, "history stays");
    let out = play(&mut c, &[":as cy", "/leave", "/join"]).await;
    assert!(out.contains("Welcome to"), "{out}");
    let cy = member_id(store, "cy").await.unwrap();
    assert!(!store.get_cohort_member(cohort, cy).await.unwrap().unwrap().left, "back after /join");
    // Finished now, with the next cycle: ada, who left, is not carried; the others are.
    let next = format!("/studybot next curriculum:{CURRICULUM}");
    let out =
        play(&mut c, &[":admin org", &next, "/studybot finish", &format!(":press finish:{cohort}")]).await;
    assert!(out.contains("Cycle 2 of this channel: 2 members carried over"), "bo and cy: {out}");
    let cycle2 = store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    assert!(store.get_cohort_member(cycle2, ada).await.unwrap().is_none());
    let out = play(&mut c, &[":as nobody", "/leave"]).await;
    assert!(out.contains("You're not in this cohort"), "{out}");
}

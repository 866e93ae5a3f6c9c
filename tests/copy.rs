//! `studybot copy` from a SQLite database that a scripted cohort filled into a fresh PostgreSQL
//! database, and back: every table verified, a second copy refused without --force, the bot's
//! answers the same on both databases, and a target that refuses a table's rows named in the
//! error. Skipped (saying so) when STUDYBOT_TEST_POSTGRES_URL is unset.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Catalog, Coach};
use studybot::platform::console::Console;
use studybot::store::Store;
use support::bot::{CURRICULUM, curriculum_dir};
use support::cli::{stderr, stdout, studybot_async};
use support::db::TestDb;

/// Runs console lines; a line the console itself refuses (a button that is not on screen) is
/// part of the script's story, not a failure.
async fn play(c: &mut Console<Vec<u8>>, lines: &[&str]) -> String {
    for line in lines {
        let _ = c.line(line).await;
    }
    String::from_utf8(std::mem::take(c.output_mut())).unwrap()
}

fn console(store: &Store, at: DateTime<Utc>) -> Console<Vec<u8>> {
    Console::new(Coach::new(store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap()), at, Vec::new())
}

/// A week of a cohort: three members, check-ins, a holiday, a pause and resume, a quiz begun.
async fn scripted_cohort(url: &str) {
    let store = Store::open(url).await.unwrap();
    let mut c = console(&store, Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap());
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-12-07 schedule:\"0 9 * * *\" timezone:UTC"
    );
    let next = format!("/studybot next curriculum:{CURRICULUM}");
    #[rustfmt::skip]
    play(&mut c, &[
        ":admin org", &setup, "/studybot holiday action:add date:2026-12-24",
        ":advance-to 2026-12-07T10:00",
        ":as ada", "/join", "/checkpoint", ":as bo", "/join", "/checkpoint", ":as cy", "/join",
        ":advance-to 2026-12-08T10:00", ":as ada", "/checkpoint", ":as cy", "/checkpoint",
        ":advance-to 2026-12-09T10:00", ":as ada", "/checkpoint", ":as bo", "/checkpoint day:122",
        ":admin org", "/studybot pause",
        ":advance-to 2026-12-10T08:00", ":admin org", "/studybot resume",
        ":advance-to 2026-12-11T10:00", ":as ada", "/checkpoint", ":as bo", "/posted linkedin https://example.com/p/1",
        ":advance-to 2026-12-14T10:00", ":as ada", "/checkpoint", ":as cy", "/checkpoint",
        ":as ada", "/quiz module:17", ":press A",
        // The channel's next cycle: queued, begun when the first is finished, and one more queued.
        ":admin org", &next, "/studybot finish", ":press finish:1",
        ":advance-to 2026-12-15T10:00", ":as ada", "/checkpoint", ":admin org", &next,
    ])
    .await;
    store.close().await;
}

/// What the bot answers on the database at `url`, at `at`: progress, leaderboard, streak, status.
async fn answers(url: &str, at: DateTime<Utc>) -> String {
    let store = Store::connect(url).await.unwrap();
    let mut c = console(&store, at);
    #[rustfmt::skip]
    let out = play(&mut c, &[
        ":as ada", "/progress", "/leaderboard", "/streak", "/progress cycle:1", "/leaderboard scope:journey",
        ":as cy", "/progress", "/leaderboard by:lessons period:week",
        ":admin org", "/studybot status",
    ])
    .await;
    store.close().await;
    out
}

/// table → (rows, sha256 prefix) from a copy's report.
fn report(out: &str) -> BTreeMap<String, (u64, String)> {
    out.lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            match cols[..] {
                [table, source, target, sum, "ok"] if source == target => {
                    Some((table.to_owned(), (source.parse().ok()?, sum.to_owned())))
                }
                _ => None,
            }
        })
        .collect()
}

async fn scalar(url: &str, sql: &'static str) -> Vec<(i64, i64)> {
    let store = Store::connect(url).await.unwrap();
    let rows = sqlx::query_as(sql).fetch_all(store.pool()).await.unwrap();
    store.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_cohort_moves_to_postgres_and_the_bot_answers_the_same() {
    let Some(pg) = TestDb::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("bot.db").display());
    scripted_cohort(&sqlite).await;

    let out = studybot_async(dir.path(), &["copy", "--from", &sqlite, "--to", pg.url()], &[]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    eprintln!("{text}");
    let there = report(&text);
    let tables = [
        "cohorts",
        "members",
        "checkpoints",
        "cohort_changes",
        "schedule_epoch",
        "quiz_attempts",
        "queued_cycles",
    ];
    for table in tables {
        assert!(
            there.get(table).is_some_and(|(rows, _)| *rows > 0),
            "{table} is copied and verified:\n{text}"
        );
    }
    assert!(!text.contains("MISMATCH") && !there.contains_key("_sqlx_migrations"), "{text}");
    let epochs = "SELECT cohort_id, epoch FROM cohort_changes UNION ALL SELECT 0, epoch FROM schedule_epoch ORDER BY 1";
    assert_eq!(
        scalar(pg.url(), epochs).await,
        scalar(&sqlite, epochs).await,
        "the triggers' tables as in the source"
    );

    let again = studybot_async(dir.path(), &["copy", "--from", &sqlite, "--to", pg.url()], &[]).await;
    assert_eq!(again.status.code(), Some(1));
    let err = stderr(&again);
    assert!(err.contains("the target database is not empty") && err.contains("--force"), "{err}");

    let at = Utc.with_ymd_and_hms(2026, 12, 15, 12, 0, 0).unwrap();
    let on_pg = answers(pg.url(), at).await;
    assert_eq!(on_pg, answers(&sqlite, at).await);
    let parts = [
        "📈 ada",
        "🏆 Leaderboard",
        "cycle 1, finished: 8 of 30",
        "Journey leaderboard",
        "cycle 2 of this channel",
        "⏭ Queued next",
        "Posted: 1 of 30 days",
    ];
    for part in parts {
        assert!(on_pg.contains(part), "{part:?} in\n{on_pg}");
    }

    // And back into a fresh SQLite file: the same rows, checksum for checksum (the answers above
    // wrote to both databases alike).
    let back = format!("sqlite://{}", dir.path().join("back.db").display());
    let out = studybot_async(dir.path(), &["copy", "--from", pg.url(), "--to", &back], &[]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let home =
        studybot_async(dir.path(), &["copy", "--from", &sqlite, "--to", pg.url(), "--force"], &[]).await;
    assert!(home.status.success(), "{}", stderr(&home));
    assert_eq!(report(&stdout(&out)).len(), report(&stdout(&home)).len());
    let sums = |o: &std::process::Output| report(&stdout(o)).into_values().collect::<Vec<_>>();
    assert_eq!(sums(&out), sums(&home), "PostgreSQL → SQLite carried what SQLite → PostgreSQL did");
    pg.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_refuses_a_table_is_named_and_a_forced_copy_recovers() {
    let Some(pg) = TestDb::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("bot.db").display());
    scripted_cohort(&sqlite).await;
    let target = Store::open(pg.url()).await.unwrap();
    sqlx::raw_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'the disk is full (a test)'; END $$; \
         CREATE TRIGGER refuse BEFORE INSERT ON checkpoints FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .execute(target.pool())
    .await
    .unwrap();

    let out = studybot_async(dir.path(), &["copy", "--from", &sqlite, "--to", pg.url()], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("copying table checkpoints failed") && err.contains("--force"), "{err}");
    assert!(err.contains("the disk is full (a test)") && !err.contains("panicked"), "{err}");

    sqlx::raw_sql("DROP TRIGGER refuse ON checkpoints").execute(target.pool()).await.unwrap();
    target.close().await;
    let out = studybot_async(dir.path(), &["copy", "--from", &sqlite, "--to", pg.url()], &[]).await;
    assert_eq!(out.status.code(), Some(1), "the half-filled target is not empty");
    let out =
        studybot_async(dir.path(), &["copy", "--from", &sqlite, "--to", pg.url(), "--force"], &[]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(!stdout(&out).contains("MISMATCH"));
    pg.cleanup().await;
}

#[tokio::test]
async fn copy_refuses_a_missing_source_and_a_source_that_is_not_studybots() {
    let dir = tempfile::tempdir().unwrap();
    let to = format!("sqlite://{}", dir.path().join("to.db").display());
    let missing = format!("sqlite://{}", dir.path().join("nope.db").display());
    let out = studybot_async(dir.path(), &["copy", "--from", &missing, "--to", &to], &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nope.db does not exist"), "{}", stderr(&out));
    assert!(!Path::new(&dir.path().join("nope.db")).exists());

    let blank = dir.path().join("blank.db");
    sqlx::raw_sql("CREATE TABLE t (x INTEGER)")
        .execute(Store::connect(&format!("sqlite://{}", blank.display())).await.unwrap().pool())
        .await
        .unwrap();
    let from = format!("sqlite://{}", blank.display());
    let out = studybot_async(dir.path(), &["copy", "--from", &from, "--to", &to], &[]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no studybot schema"), "{}", stderr(&out));
}

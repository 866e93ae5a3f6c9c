//! `studybot backup` and `studybot restore` on SQLite, through the binary: a backup taken while
//! another connection writes is whole; a restore puts a backup back and keeps the database it
//! replaced; and each refusal (an existing file, a file that is not SQLite, a backup from a newer
//! studybot, a database in use, PostgreSQL) says why, naming the file.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use studybot::store::{SchemaHistory, Store, inspect};
use support::cli::{stderr, stdout, studybot, studybot_async};

const URL_VAR: &str = "STUDYBOT_DATABASE__URL";

fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

async fn add_member(store: &Store, user: &str) {
    sqlx::query("INSERT INTO members (platform, user_id, created_at) VALUES ('console', $1, 0)")
        .bind(user)
        .execute(store.pool())
        .await
        .expect("insert a member");
}

/// (id, user_id) of every member of the database at `path`, by id.
async fn members(path: &Path) -> Vec<(i64, String)> {
    let store = Store::connect(&url_of(path)).await.expect("open the database");
    let rows = sqlx::query_as("SELECT id, user_id FROM members ORDER BY id")
        .fetch_all(store.pool())
        .await
        .expect("read members");
    store.close().await;
    rows
}

async fn database_with(path: &Path, users: &[&str]) {
    let store = Store::open(&url_of(path)).await.expect("create the database");
    for user in users {
        add_member(&store, user).await;
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_another_connection_writes_is_whole_and_refuses_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_of(&dir.path().join("bot.db"));
    let store = Store::open(&url).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (store, stop) = (store.clone(), stop.clone());
        async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                add_member(&store, &format!("user-{n}")).await;
                n += 1;
            }
            n
        }
    });
    let count = || async { members(&dir.path().join("bot.db")).await.len() };
    while count().await < 50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = count().await;
    let out = studybot_async(dir.path(), &["backup", "backup.db"], &[(URL_VAR, &url)]).await;
    let during = count().await;
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    store.close().await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(during > before, "the writer went on during the backup ({before} → {during} rows)");
    assert!(stdout(&out).contains("to backup.db") && stdout(&out).contains("current"), "{}", stdout(&out));

    let file = dir.path().join("backup.db");
    let info = inspect(&file).await.expect("the backup passes integrity_check");
    assert!(matches!(info.history, SchemaHistory::Current { .. }), "{:?}", info.history);
    let saved = members(&file).await;
    assert!(saved.len() >= before && saved.len() <= written, "{} rows of {before}..{written}", saved.len());
    let ids: Vec<i64> = saved.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>(), "one snapshot: the first N commits");

    let bytes = std::fs::read(&file).unwrap();
    let again = studybot(dir.path(), &["backup", "backup.db"], &[(URL_VAR, &url)]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("backup.db already exists; pass --force"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the existing file is untouched");
    let forced = studybot(dir.path(), &["backup", "backup.db", "--force"], &[(URL_VAR, &url)]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(members(&file).await.len(), written);
}

#[tokio::test]
async fn a_restore_puts_the_backup_back_and_keeps_the_database_it_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let url = url_of(&db);
    database_with(&db, &["ana", "bo", "cy"]).await;
    let out = studybot(dir.path(), &["backup", "monday.db"], &[(URL_VAR, &url)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let store = Store::open(&url).await.unwrap();
    sqlx::query("DELETE FROM members WHERE user_id = 'cy'").execute(store.pool()).await.unwrap();
    add_member(&store, "dee").await;
    store.close().await;

    let out = studybot(dir.path(), &["restore", "monday.db"], &[(URL_VAR, &url)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("bot.db.before-restore"), "{}", stdout(&out));
    let names = |rows: Vec<(i64, String)>| rows.into_iter().map(|(_, u)| u).collect::<Vec<_>>();
    assert_eq!(names(members(&db).await), ["ana", "bo", "cy"]);
    assert_eq!(names(members(&dir.path().join("bot.db.before-restore")).await), ["ana", "bo", "dee"]);
    // The restored database is a working one: new rows get new ids.
    let store = Store::open(&url).await.unwrap();
    add_member(&store, "eve").await;
    store.close().await;
    assert_eq!(members(&db).await.last(), Some(&(4, "eve".to_owned())));

    let again = studybot(dir.path(), &["restore", "monday.db"], &[(URL_VAR, &url)]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("bot.db.before-restore is left from an earlier restore"),
        "{}",
        stderr(&again)
    );
}

#[tokio::test]
async fn a_restore_refuses_a_file_that_is_not_sqlite_and_a_backup_from_a_newer_studybot() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let url = url_of(&db);
    database_with(&db, &["ana"]).await;
    std::fs::write(dir.path().join("notes.txt"), "not a database\n".repeat(300)).unwrap();
    let out = studybot(dir.path(), &["restore", "notes.txt"], &[(URL_VAR, &url)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("notes.txt is not a SQLite database"), "{}", stderr(&out));

    let out = studybot(dir.path(), &["backup", "future.db"], &[(URL_VAR, &url)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let future = Store::connect(&url_of(&dir.path().join("future.db"))).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, X'00', 0)",
    )
    .execute(future.pool())
    .await
    .unwrap();
    future.close().await;
    let out = studybot(dir.path(), &["restore", "future.db"], &[(URL_VAR, &url)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("future.db cannot be restored") && err.contains("from a newer studybot"), "{err}");

    assert_eq!(members(&db).await, [(1, "ana".to_owned())], "the database is untouched");
    assert!(!dir.path().join("bot.db.before-restore").exists());
}

#[tokio::test]
async fn a_restore_refuses_while_the_bot_runs_on_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let url = url_of(&db);
    database_with(&db, &["ana"]).await;
    let out = studybot(dir.path(), &["backup", "b.db"], &[(URL_VAR, &url)]);
    assert!(out.status.success(), "{}", stderr(&out));
    // What `studybot run` holds on a SQLite database while it runs.
    let running = studybot::store::lease::lock_instance(&url).unwrap().expect("the lock is free");
    let out = studybot(dir.path(), &["restore", "b.db"], &[(URL_VAR, &url)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot restore while the database is in use"), "{}", stderr(&out));
    drop(running);
    let out = studybot(dir.path(), &["restore", "b.db"], &[(URL_VAR, &url)]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_postgres_backup_is_pg_dumps_job_and_the_command_is_printed_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://bot:hunter2@db.invalid:5432/studybot";
    let out = studybot(dir.path(), &["backup", "nightly.dump"], &[(URL_VAR, url)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "pg_dump --format=custom --file=nightly.dump --dbname=postgres://bot@db.invalid:5432/studybot"
        ),
        "{err}"
    );
    assert!(!err.contains("hunter2") && !dir.path().join("nightly.dump").exists(), "{err}");
}

#[test]
fn backup_restore_and_copy_each_explain_themselves() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, words) in
        [("backup", "VACUUM INTO"), ("restore", "before-restore"), ("copy", "foreign-key order")]
    {
        let out = studybot(dir.path(), &[sub, "--help"], &[]);
        assert!(out.status.success(), "{sub}: {}", stderr(&out));
        assert!(stdout(&out).contains(words), "{sub} --help lacks {words:?}:\n{}", stdout(&out));
    }
}

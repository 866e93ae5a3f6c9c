//! SQLite-only and backend-free store tests: pragmas on every connection, the process's write
//! transactions taking turns, in-memory URLs, connection errors.

use sqlx::Row;
use studybot::store::{Backend, Platform, Store, StoreError};

use crate::support::db::TestDb;
use crate::support::fixtures::*;

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode_with_pragmas_on_every_connection() {
    let db = TestDb::sqlite();
    let path = db.url().trim_start_matches("sqlite://").to_owned();
    assert!(!std::path::Path::new(&path).exists());
    let store = Store::open(db.url()).await.unwrap();
    assert!(std::path::Path::new(&path).exists(), "database file created");
    assert_eq!(store.backend(), Backend::Sqlite);

    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(store.acquire().await.unwrap());
    }
    // And the batched writer's own connection.
    conns.push(store.write_pool().acquire().await.unwrap());
    for conn in &mut conns {
        let row = sqlx::query(
            "SELECT journal_mode, foreign_keys, synchronous, timeout \
             FROM pragma_journal_mode(), pragma_foreign_keys(), pragma_synchronous(), \
             pragma_busy_timeout()",
        )
        .fetch_one(&mut **conn)
        .await
        .unwrap();
        assert_eq!(row.get::<String, _>("journal_mode"), "wal");
        assert_eq!(row.get::<i64, _>("foreign_keys"), 1);
        assert_eq!(row.get::<i64, _>("synchronous"), 2, "FULL: an acknowledged write survives a power loss");
        assert!(row.get::<i64, _>("timeout") >= 1000);
    }
    drop(conns);
    store.close().await;
}

/// SQLite write transactions of one process take turns: while one is open the others wait (here
/// longer than SQLite's sleep-and-retry would keep any order) and then begin one after another,
/// none failing — in the order they asked, except that the batched writer's (0 and 3) pass the
/// others' but the first in line (1).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_write_transactions_take_turns_the_writers_first() {
    let db = TestDb::sqlite();
    let store = Store::open(db.url()).await.unwrap();
    let first = store.begin().await.unwrap();
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut waiting = Vec::new();
    for i in 0..6 {
        let (store, order) = (store.clone(), order.clone());
        waiting.push(tokio::spawn(async move {
            let tx = if i % 3 == 0 { store.begin_batch().await } else { store.begin().await };
            let tx = tx.unwrap_or_else(|e| panic!("transaction {i}: {e:?}"));
            order.lock().unwrap().push(i);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            tx.commit().await.unwrap();
        }));
        // Each asks after the one before it.
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(order.lock().unwrap().is_empty(), "none begins while another is open");
    first.commit().await.unwrap();
    for task in waiting {
        tokio::time::timeout(std::time::Duration::from_secs(10), task).await.unwrap().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 3, 2, 4, 5]);
    store.close().await;
}

/// A single-statement write (`acquire_write`, and the store's wrappers of such writes) takes its
/// turn in line like a transaction: asked for while a transaction is open and before another
/// transaction, it writes first. Outside the line it would sleep in SQLite's retry and find the
/// lock taken again by the later transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_single_statement_writes_take_their_turn_in_line() {
    let db = TestDb::sqlite();
    let store = Store::open(db.url()).await.unwrap();
    let cohort = store.create_cohort(&new_cohort(Platform::Console, "c")).await.unwrap().id;
    let first = store.begin().await.unwrap();
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let single = {
        let (store, order) = (store.clone(), order.clone());
        tokio::spawn(async move {
            let mut conn = store.acquire_write().await.unwrap();
            assert!(studybot::store::claim_job(&mut conn, "weekly:1", 1, 2).await.unwrap());
            order.lock().unwrap().push("single");
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    // An admin change through the store's own single-statement wrappers waits in line too.
    let admin = {
        let (store, order) = (store.clone(), order.clone());
        tokio::spawn(async move {
            assert!(store.add_holiday(cohort, "2026-12-08").await.unwrap());
            order.lock().unwrap().push("holiday");
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let later = {
        let (store, order) = (store.clone(), order.clone());
        tokio::spawn(async move {
            let tx = store.begin().await.unwrap();
            order.lock().unwrap().push("transaction");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            tx.commit().await.unwrap();
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(order.lock().unwrap().is_empty(), "nothing writes while the first transaction is open");
    first.commit().await.unwrap();
    for task in [single, admin, later] {
        tokio::time::timeout(std::time::Duration::from_secs(10), task).await.unwrap().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), ["single", "holiday", "transaction"]);
    store.close().await;
}

#[tokio::test]
async fn sqlite_memory_url_keeps_one_database() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    store.create_cohort(&new_cohort(Platform::Console, "c")).await.unwrap();
    // Would fail if a second pooled connection opened its own empty in-memory database.
    let found = store.find_cohort_by_channel(Platform::Console, "c").await.unwrap();
    assert!(found.is_some());
    store.close().await;
}

#[tokio::test]
async fn connect_errors_never_show_the_password() {
    let err = Store::connect("postgres://studybot:hunter2@127.0.0.1:1/studybot").await.unwrap_err();
    let shown = format!("{err} | {err:?}");
    let chain = format!("{shown} | {:#}", anyhow::Error::from(err));
    assert!(chain.contains("***"), "{chain}");
    assert!(!chain.contains("hunter2"), "{chain}");

    let err = Store::connect("mysql://root:hunter2@localhost/db").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::UnsupportedUrl { .. }));
    assert!(text.contains("sqlite:") && text.contains("postgres://"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

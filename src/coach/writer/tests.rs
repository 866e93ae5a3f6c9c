use futures_util::future::join_all;
use sqlx::Row;

use super::*;
use crate::coach::UserError;
use crate::faults::ErrorClass;

async fn store(dir: &tempfile::TempDir) -> Store {
    let store = Store::open(&format!("sqlite://{}", dir.path().join("w.db").display())).await.unwrap();
    let tables = [
        "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
        "CREATE TABLE item (key TEXT PRIMARY KEY, \
         parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
    ];
    for sql in tables {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    store
}

/// Inserts `key` unless it is there; says whether it was new.
async fn insert(tx: &mut Tx, key: &str, parent: Option<i64>) -> CoachResult<bool> {
    let done = sqlx::query("INSERT INTO item (key, parent) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(key.to_owned())
        .bind(parent)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from)?;
    Ok(done.rows_affected() == 1)
}

fn insert_key(key: String) -> impl for<'a> FnOnce(&'a mut Tx) -> BoxFuture<'a, CoachResult<bool>> + Send {
    move |tx| Box::pin(async move { insert(tx, &key, None).await })
}

async fn keys(store: &Store) -> Vec<String> {
    let rows = sqlx::query("SELECT key FROM item ORDER BY key").fetch_all(store.pool()).await.unwrap();
    rows.iter().map(|r| r.get::<String, _>("key")).collect()
}

#[tokio::test]
async fn concurrent_writes_share_transactions_and_every_one_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let writer = Writer::new(store.clone());
    let writes = (0..600).map(|i| writer.write(format!("k{i:03}"), insert_key(format!("k{i:03}"))));
    let results = join_all(writes).await;
    assert!(
        results.iter().all(|r| matches!(r, Ok(true))),
        "{:?}",
        results.iter().find(|r| !matches!(r, Ok(true)))
    );
    assert_eq!(keys(&store).await.len(), 600);
    let stats = writer.stats();
    assert_eq!(stats.writes, 600);
    assert!(stats.batches <= 600 / 50, "600 queued writes took {} transactions", stats.batches);
}

/// Scheduler ticks or readers holding every shared connection do not hold up a member's write:
/// the writer has a connection of its own.
#[tokio::test]
async fn writes_commit_while_every_shared_connection_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let mut held = Vec::new();
    for _ in 0..store.pool().options().get_max_connections() {
        held.push(store.acquire().await.unwrap());
    }
    let writer = Writer::new(store.clone());
    let write = writer.write("a".into(), insert_key("a".into()));
    let written = tokio::time::timeout(std::time::Duration::from_secs(5), write).await;
    assert!(matches!(written, Ok(Ok(true))), "{written:?}");
    drop(held);
    assert_eq!(keys(&store).await, ["a"]);
}

#[tokio::test]
async fn a_write_that_fails_is_rolled_back_alone_and_a_duplicate_in_the_batch_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let writer = Writer::new(store.clone());
    let (a, b, again, c) = tokio::join!(
        writer.write("a".into(), insert_key("a".into())),
        writer.write("b".into(), |tx| Box::pin(async move {
            insert(tx, "b", None).await?;
            Err::<bool, _>(UserError("refused after writing".into()).into())
        })),
        writer.write("a".into(), insert_key("a".into())),
        writer.write("c".into(), insert_key("c".into())),
    );
    assert!(matches!(a, Ok(true)) && matches!(c, Ok(true)), "{a:?} {c:?}");
    assert!(matches!(again, Ok(false)), "the second write of `a` sees the first, uncommitted: {again:?}");
    assert!(matches!(b, Err(CoachError::User(_))), "{b:?}");
    assert_eq!(keys(&store).await, ["a", "c"], "the failed write's row is rolled back, no one else's");
    assert_eq!(writer.stats().batches, 1);
}

/// A deferred foreign key is checked at COMMIT: the batch's commit fails, and every write in it
/// hears the cause — none is told it is stored, and none is.
#[tokio::test]
async fn a_failed_commit_is_told_to_every_write_in_the_batch_with_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let writer = Writer::new(store.clone());
    let (a, orphan, c) = tokio::join!(
        writer.write("a".into(), insert_key("a".into())),
        writer.write("b".into(), |tx| Box::pin(async move { insert(tx, "orphan", Some(42)).await })),
        writer.write("c".into(), insert_key("c".into()))
    );
    for result in [a, orphan, c] {
        let Err(CoachError::Store(error @ StoreError::Shared(_))) = result else {
            panic!("a write of a batch whose commit failed: {result:?}")
        };
        assert_eq!(ErrorClass::of(&error), ErrorClass::Constraint, "{error:?}");
    }
    assert!(keys(&store).await.is_empty());
    // The writer goes on with the next batch.
    assert!(matches!(writer.write("d".into(), insert_key("d".into())).await, Ok(true)));
    assert_eq!(keys(&store).await, ["d"]);
}

#[tokio::test]
async fn a_transaction_that_cannot_begin_fails_every_write_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let writer = Writer::new(store.clone());
    store.close().await;
    let results = join_all((0..5).map(|i| writer.write(format!("k{i}"), insert_key(format!("k{i}"))))).await;
    for result in results {
        assert!(matches!(result, Err(CoachError::Store(StoreError::Shared(_)))), "{result:?}");
    }
}

/// A full disk makes SQLite roll back the whole transaction, savepoints and all: every write of
/// the batch is told the disk is full (not "no such savepoint"), and none is stored.
#[tokio::test]
async fn a_full_disk_in_one_write_is_the_cause_every_write_of_its_batch_hears() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let writer = Writer::new(store.clone());
    let (a, full, c) = tokio::join!(
        writer.write("a".into(), insert_key("a".into())),
        writer.write("b".into(), |tx| Box::pin(async move {
            let pages: i64 = sqlx::query_scalar("SELECT page_count FROM pragma_page_count()")
                .fetch_one(&mut **tx)
                .await
                .map_err(StoreError::from)?;
            sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {pages}")))
                .execute(&mut **tx)
                .await
                .map_err(StoreError::from)?;
            sqlx::query("INSERT INTO item (key) VALUES (hex(randomblob(1000000)))")
                .execute(&mut **tx)
                .await
                .map_err(StoreError::from)?;
            Ok(true)
        })),
        writer.write("c".into(), insert_key("c".into())),
    );
    for result in [a, full, c] {
        let Err(CoachError::Store(error)) = result else { panic!("a write of a lost batch: {result:?}") };
        assert_eq!(ErrorClass::of(&error), ErrorClass::DiskFull, "{error:?}");
    }
    assert!(keys(&store).await.is_empty());
}

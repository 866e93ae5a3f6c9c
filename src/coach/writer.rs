//! Group commit: members' writes from concurrent events gathered into one transaction per batch,
//! each answered only after that transaction has committed.
//!
//! A lesson lands in many channels at once and the check-ins follow within the same minute. One
//! transaction per event makes every check-in wait for its own commit (an fsync on SQLite with
//! `synchronous = FULL`, a WAL flush on PostgreSQL) and, on SQLite, for the one write lock. Here
//! one task takes whatever writes are queued when it is free, up to [`MAX_BATCH`], runs each
//! inside its own savepoint of a single transaction, commits once, and only then hands each
//! caller its result. A small batch waits a moment for more ([`LINGER`]); under load the queue
//! fills while the previous batch commits and nothing waits. Check-ins, the bulk of a burst,
//! are not run one by one: those next to each other in a batch are written together in a few
//! multi-row statements ([`checkins`]), in one savepoint.
//!
//! Batches run on connections of their own ([`Store::begin_batch`]), so readers and scheduler
//! ticks holding the shared pool never hold up a check-in. SQLite has one write lock, so one task
//! writes; PostgreSQL takes one task per writer connection ([`Store::write_connections`]): while
//! one commits, the next gathers and runs its batch. A batch first takes an advisory lock per key
//! (the member a write is about), so a batch about a member another batch in flight is writing
//! waits for it and then sees its rows; taken first and in one order, they cannot deadlock.
//! The writing tasks run on a thread and runtime of their own: in the shared runtime each of a
//! batch's dozen statements would wait behind the requests in its queue to resume (measured on
//! SQLite through Slack HTTP on two cores: 45–60 % more check-ins per second on their own thread,
//! docs/scaling.md).
//!
//! A write that fails (a refused statement, a user error) is rolled back to its savepoint and
//! told so; the others in its batch go on. When the batch's own commit fails, every write in it
//! is told, with the same cause, so nobody hears "done" for something that was not stored.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use super::checkins::{self, CheckIn, Recorded};
use super::error::{CoachError, CoachResult};
use crate::store::{self, Backend, Store, StoreError, Tx};

/// The most writes one transaction takes: enough to amortize the commit over a burst, few enough
/// that a batch's locks are short.
pub const MAX_BATCH: usize = 256;

/// A batch smaller than this waits up to [`LINGER`] for more writes before it begins: writes
/// that trickle in (a check-in a millisecond) then share a commit instead of each paying for its
/// own, for a wait far inside any platform's window. Under a burst the queue holds more than
/// this when the writer comes back for it, and nothing waits.
const LINGER_BELOW: usize = 16;

/// See [`LINGER_BELOW`].
const LINGER: std::time::Duration = std::time::Duration::from_millis(2);

/// Writes queued beyond this wait for room: backpressure rather than unbounded memory.
const QUEUE: usize = 4 * MAX_BATCH;

/// A write's result, its type erased so writes of any kind share a batch.
type Erased = CoachResult<Box<dyn Any + Send>>;

/// A write's statements, run in the batch's transaction.
type Work = Box<dyn for<'a> FnOnce(&'a mut Tx) -> BoxFuture<'a, Erased> + Send>;

/// What a queued write does.
enum Task {
    /// Its own statements, in its own savepoint.
    Work(Work),
    /// A check-in: the check-ins next to each other in a batch are written together
    /// ([`checkins::write_all`]), in one savepoint.
    CheckIn(Box<CheckIn>),
}

/// One queued write: what it does, and where its result goes once the commit is known.
struct Job {
    /// What the write is about (e.g. a member in a cohort): a batch runs its writes in key order.
    key: String,
    task: Task,
    reply: oneshot::Sender<Erased>,
}

/// Writes run as one: a write of its own, or a run of check-ins; each with its caller's reply.
enum Unit {
    Work(Work, oneshot::Sender<Erased>),
    CheckIns(Vec<CheckIn>, Vec<oneshot::Sender<Erased>>),
}

impl Unit {
    fn replies(self) -> Vec<oneshot::Sender<Erased>> {
        match self {
            Unit::Work(_, reply) => vec![reply],
            Unit::CheckIns(_, replies) => replies,
        }
    }
}

/// How many transactions the writer committed (or tried to), and how many writes they held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub batches: u64,
    pub writes: u64,
}

#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    writes: AtomicU64,
}

/// The queue into the writing task; one per coach.
pub struct Writer {
    store: Store,
    counters: Arc<Counters>,
    /// Started on first use, on a thread of its own; started again if it ended.
    queue: Mutex<Option<mpsc::Sender<Job>>>,
}

impl Writer {
    pub fn new(store: Store) -> Writer {
        Writer { store, counters: Arc::default(), queue: Mutex::new(None) }
    }

    pub fn stats(&self) -> WriterStats {
        WriterStats {
            batches: self.counters.batches.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
        }
    }

    /// Runs `work` in a batch's transaction and returns its result once that transaction has
    /// committed. `work` must only run statements: it holds up every write in its batch. `key`
    /// names the rows it locks first (the member it is about), for the order within a batch.
    pub async fn write<T, F>(&self, key: String, work: F) -> CoachResult<T>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Tx) -> BoxFuture<'a, CoachResult<T>> + Send + 'static,
    {
        let work: Work = Box::new(move |tx| {
            Box::pin(async move { work(tx).await.map(|value| Box::new(value) as Box<dyn Any + Send>) })
        });
        self.submit(key, Task::Work(work)).await
    }

    /// Stores a check-in with the others of its batch; what it wrote, once committed.
    pub async fn check_in(&self, key: String, item: CheckIn) -> CoachResult<Recorded> {
        self.submit(key, Task::CheckIn(Box::new(item))).await
    }

    async fn submit<T: 'static>(&self, key: String, task: Task) -> CoachResult<T> {
        let (reply, answer) = oneshot::channel();
        self.enqueue(Job { key, task, reply }).await?;
        let value = answer.await.map_err(|_| stopped())??;
        value.downcast::<T>().map(|value| *value).map_err(|_| stopped())
    }

    async fn enqueue(&self, mut job: Job) -> CoachResult<()> {
        for _ in 0..2 {
            let sender = self.sender();
            match sender.send(job).await {
                Ok(()) => return Ok(()),
                // The writer ended (its thread panicked, or it ran on a runtime now gone): start again.
                Err(mpsc::error::SendError(back)) => {
                    job = back;
                    let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                    if queue.as_ref().is_some_and(|q| q.same_channel(&sender)) {
                        *queue = None;
                    }
                }
            }
        }
        Err(stopped())
    }

    fn sender(&self) -> mpsc::Sender<Job> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue
            .get_or_insert_with(|| {
                let (sender, receiver) = mpsc::channel(QUEUE);
                start(&self.store, &self.counters, Arc::new(tokio::sync::Mutex::new(receiver)));
                sender
            })
            .clone()
    }
}

fn stopped() -> CoachError {
    CoachError::Other(anyhow::anyhow!("the writer stopped before this write was committed"))
}

/// The receiving end of the queue, shared by the writing tasks.
type Queue = Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>;

/// Starts the writing tasks on a thread and runtime of their own, so that between its statements
/// a batch does not wait in the shared runtime's queue behind the requests it is to answer (under
/// a burst, a batch makes a dozen round trips to the database, each one a wake-up). Where no
/// thread can be had, they run on the caller's runtime.
fn start(store: &Store, counters: &Arc<Counters>, queue: Queue) {
    let own = tokio::runtime::Builder::new_current_thread().enable_all().build().and_then(|runtime| {
        let (store, counters, queue) = (store.clone(), Arc::clone(counters), Arc::clone(&queue));
        std::thread::Builder::new()
            .name("studybot-writer".into())
            .spawn(move || runtime.block_on(writers(store, counters, queue)))
    });
    if let Err(e) = own {
        tracing::warn!(error = %e, "no thread of its own for the writer: it runs on the shared runtime");
        tokio::spawn(writers(store.clone(), Arc::clone(counters), queue));
    }
}

/// One writing task per writer connection, until every sender is gone; then the writer's idle
/// connections are closed: they were opened on this runtime, which ends with it.
async fn writers(store: Store, counters: Arc<Counters>, queue: Queue) {
    let tasks = (0..store.write_connections()).map(|_| run(&store, &counters, &queue));
    futures_util::future::join_all(tasks).await;
    store.close_idle_batch_connections().await;
}

/// A writing task: takes what is queued (one task at a time gathers), writes it as one batch,
/// and so on until every sender is gone.
async fn run(store: &Store, counters: &Counters, queue: &Queue) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while gather(&mut *queue.lock().await, &mut batch).await > 0 {
        counters.batches.fetch_add(1, Ordering::Relaxed);
        counters.writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
        crate::ops::metrics::writer_batch(batch.len());
        commit_batch(store, std::mem::take(&mut batch)).await;
    }
}

/// Takes what is queued into `batch`, waiting for the first write; a batch of fewer than
/// [`LINGER_BELOW`] then waits up to [`LINGER`] for more. Returns 0 once every sender is gone.
async fn gather(receiver: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>) -> usize {
    if receiver.recv_many(batch, MAX_BATCH).await == 0 {
        return 0;
    }
    let deadline = tokio::time::Instant::now() + LINGER;
    while batch.len() < LINGER_BELOW {
        match tokio::time::timeout_at(deadline, receiver.recv_many(batch, MAX_BATCH - batch.len())).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    batch.len()
}

/// One transaction for `jobs`, each write (or run of check-ins) in its own savepoint; then every
/// caller gets its result, or the cause the transaction failed.
#[tracing::instrument(skip_all, fields(writes = jobs.len()))]
async fn commit_batch(store: &Store, mut jobs: Vec<Job>) {
    // Stable: two writes about one member keep their arrival order.
    jobs.sort_by(|a, b| a.key.cmp(&b.key));
    let mut done: Vec<(Erased, oneshot::Sender<Erased>)> = Vec::with_capacity(jobs.len());
    // Batches run side by side on PostgreSQL: one about the same member waits for this one.
    let locks: Option<Vec<String>> =
        (store.backend() == Backend::Postgres).then(|| jobs.iter().map(|job| job.key.clone()).collect());
    let mut units = units(jobs).into_iter();
    let mut tx = match store.begin_batch().await {
        Ok(tx) => tx,
        Err(e) => return fail(done, units.collect(), e),
    };
    if let Some(keys) = locks {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        if let Err(e) = store::batch::lock_keys(&mut tx, &keys).await {
            let _ = tx.rollback().await;
            return fail(done, units.collect(), e);
        }
    }
    // A lone write needs no savepoint: its failure rolls back the whole transaction.
    let savepoints = units.len() > 1;
    while let Some(unit) = units.next() {
        if savepoints && let Err(e) = tx.savepoint().await {
            // Never started: they are told the cause like the ones that ran.
            done.extend(
                unit.replies().into_iter().map(|reply| (Ok(Box::new(()) as Box<dyn Any + Send>), reply)),
            );
            return fail(done, units.collect(), e);
        }
        let failed = run_unit(&mut tx, unit, &mut done).await;
        if !savepoints && failed {
            let _ = tx.rollback().await;
            return answer(done);
        }
        if savepoints && let Err(e) = tx.end_savepoint(!failed).await {
            let cause = if failed { lost_by(&mut done).unwrap_or(e) } else { e };
            return fail(done, units.collect(), cause);
        }
    }
    match tx.commit().await {
        Ok(()) => answer(done),
        Err(e) => fail(done, Vec::new(), e),
    }
}

/// The batch's writes as units: check-ins next to each other go together.
fn units(jobs: Vec<Job>) -> Vec<Unit> {
    let mut units = Vec::new();
    for Job { task, reply, .. } in jobs {
        match (task, units.last_mut()) {
            (Task::CheckIn(item), Some(Unit::CheckIns(items, replies))) => {
                items.push(*item);
                replies.push(reply);
            }
            (Task::CheckIn(item), _) => units.push(Unit::CheckIns(vec![*item], vec![reply])),
            (Task::Work(work), _) => units.push(Unit::Work(work, reply)),
        }
    }
    units
}

/// Runs one unit, its results pushed to `done`; whether it failed (its savepoint is rolled back).
/// A run of check-ins that fails as a whole tells each of them the cause.
async fn run_unit(tx: &mut Tx, unit: Unit, done: &mut Vec<(Erased, oneshot::Sender<Erased>)>) -> bool {
    match unit {
        Unit::Work(work, reply) => {
            let result = work(tx).await;
            let failed = result.is_err();
            done.push((result, reply));
            failed
        }
        Unit::CheckIns(items, replies) => match checkins::write_all(tx, &items).await {
            Ok(results) => {
                let boxed = results.into_iter().map(|r| r.map(|r| Box::new(r) as Box<dyn Any + Send>));
                done.extend(boxed.zip(replies));
                false
            }
            Err(e) => match <[_; 1]>::try_from(replies) {
                Ok([reply]) => {
                    done.push((Err(CoachError::Store(e)), reply));
                    true
                }
                Err(replies) => {
                    let shared = Arc::new(e);
                    let lost =
                        |reply| (Err(CoachError::Store(StoreError::Shared(Arc::clone(&shared)))), reply);
                    done.extend(replies.into_iter().map(lost));
                    true
                }
            },
        },
    }
}

/// The database error of the write that just failed, taken out of its result (which `fail` then
/// fills with the shared cause). Some errors end the whole transaction, not just the statement
/// (SQLite rolls back on a full disk, PostgreSQL loses its session), so its savepoint is gone:
/// that error, not "no such savepoint", is why every write of the batch failed.
fn lost_by(done: &mut [(Erased, oneshot::Sender<Erased>)]) -> Option<StoreError> {
    let (result, _) = done.last_mut()?;
    match std::mem::replace(result, Ok(Box::new(()))) {
        Err(CoachError::Store(cause)) => Some(cause),
        other => {
            *result = other;
            None
        }
    }
}

/// The batch committed (or its only write failed and was rolled back): each gets its result.
fn answer(done: Vec<(Erased, oneshot::Sender<Erased>)>) {
    for (result, reply) in done {
        let _ = reply.send(result);
    }
}

/// The batch's transaction failed: writes that ran, and writes never started, are all told the
/// cause, shared. A write that had failed by itself keeps its own error.
fn fail(done: Vec<(Erased, oneshot::Sender<Erased>)>, rest: Vec<Unit>, error: StoreError) {
    // A cause already shared (a run of check-ins' own) is not wrapped twice.
    let shared = match error {
        StoreError::Shared(shared) => shared,
        error => Arc::new(error),
    };
    tracing::debug!(error = %shared, writes = done.len() + rest.len(), "a batch of writes failed");
    let lost = || Err(CoachError::Store(StoreError::Shared(Arc::clone(&shared))));
    for (result, reply) in done {
        let _ = reply.send(if result.is_ok() { lost() } else { result });
    }
    for reply in rest.into_iter().flat_map(Unit::replies) {
        let _ = reply.send(lost());
    }
}

#[cfg(test)]
mod tests;

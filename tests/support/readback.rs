//! What a bot under test stored, read back from its database while it runs: the channel's
//! cohort, its checkpoints, whether a post's message id is recorded; and waiting on its log.

use std::time::Duration;

use studybot::coach::{Actor, Catalog, ChannelRef, Coach, Inbound, InboundKind};
use studybot::store::{Checkpoint, Platform, Store};

use super::bot::{CURRICULUM, curriculum_dir};

/// How long any one step may take before the test fails instead of hanging.
pub const STEP: Duration = Duration::from_secs(20);

/// One channel's cohort in a bot's database.
pub struct Readback {
    pub url: String,
    pub platform: Platform,
    pub channel: String,
}

impl Readback {
    pub async fn store(&self) -> Store {
        Store::open(&self.url).await.unwrap()
    }

    pub async fn cohort_id(&self) -> i64 {
        let store = self.store().await;
        let cohort = store.find_cohort_by_channel(self.platform, &self.channel).await.unwrap();
        store.close().await;
        cohort.expect("a cohort in the channel").id
    }

    /// Sets the cohort up as `organizer` through the coach itself at virtual instant `at`, before
    /// the bot runs (a setup in the past, so a test can start with lessons already due).
    pub async fn setup_at(&self, workspace: &str, organizer: &str, at: &str, start: &str) {
        let store = self.store().await;
        let coach = Coach::new(store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap());
        let text = format!(
            "/studybot setup curriculum:{CURRICULUM} start:{start} schedule:\"0 9 * * *\" timezone:UTC"
        );
        let inbound = Inbound {
            channel: ChannelRef {
                platform: self.platform.as_str().into(),
                workspace: workspace.into(),
                channel: self.channel.clone(),
            },
            actor: Actor { user_id: organizer.into(), name: "Olivia".into(), is_admin: true },
            dedupe_key: "test-setup".into(),
            kind: InboundKind::Text(text),
        };
        let replies = coach.try_handle(&inbound, at.parse().unwrap()).await;
        let replies = replies.unwrap_or_else(|e| panic!("the setup was refused: {e:?}"));
        assert!(format!("{replies:?}").contains("day 121"), "{replies:?}");
        store.close().await;
    }

    /// (member's platform user id, day, source) of each checkpoint of the channel's cohort.
    pub async fn checkpoints(&self) -> Vec<(String, u32, String)> {
        let cohort = self.cohort_id().await;
        let store = self.store().await;
        let members = store.list_cohort_member_profiles(cohort).await.unwrap();
        let list: Vec<Checkpoint> = store.list_cohort_checkpoints(cohort).await.unwrap();
        store.close().await;
        let name =
            |id| members.iter().find(|(_, m)| m.id == id).map(|(_, m)| m.user_id.clone()).unwrap_or_default();
        list.into_iter().map(|c| (name(c.member_id), c.day.get(), c.source.as_str().to_string())).collect()
    }

    /// Waits until the checkpoints satisfy `done`; fails with them and `log()` after [`STEP`].
    pub async fn wait_checkpoints(
        &self,
        what: &str,
        log: impl Fn() -> String,
        done: impl Fn(&[(String, u32, String)]) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let now = self.checkpoints().await;
            if done(&now) {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "{what}: {now:?}\n{}", log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until some active cohort's post is recorded with `message_id`: a member reacts to a
    /// post they can see, which is some time after the bot confirmed it.
    pub async fn wait_confirmed(&self, message_id: &str, log: impl Fn() -> String) {
        let deadline = tokio::time::Instant::now() + STEP;
        while !self.confirmed(message_id).await {
            assert!(tokio::time::Instant::now() < deadline, "post {message_id} never confirmed:\n{}", log());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The message id recorded for the first cohort's post of `day`, once there is one.
    pub async fn wait_post_id(&self, day: u32, log: impl Fn() -> String) -> String {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let store = self.store().await;
            let cohort = store.list_active_cohorts().await.unwrap()[0].id;
            let posts = store.list_posts(cohort).await.unwrap();
            store.close().await;
            if let Some(id) = posts.into_iter().find(|p| p.day == day).and_then(|p| p.platform_message_id) {
                return id;
            }
            assert!(tokio::time::Instant::now() < deadline, "no message id for day {day}:\n{}", log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn confirmed(&self, message_id: &str) -> bool {
        let store = self.store().await;
        let mut confirmed = false;
        for cohort in store.list_active_cohorts().await.unwrap() {
            let posts = store.list_posts(cohort.id).await.unwrap();
            confirmed |= posts.iter().any(|p| p.platform_message_id.as_deref() == Some(message_id));
        }
        store.close().await;
        confirmed
    }
}

/// Waits for the `n`th line of `log()` containing `needle`; fails with the log after [`STEP`].
pub async fn wait_log_count(log: impl Fn() -> String, needle: &str, n: usize) {
    let seen = || log().lines().filter(|l| l.contains(needle)).count() >= n;
    let deadline = tokio::time::Instant::now() + STEP;
    while !seen() {
        assert!(tokio::time::Instant::now() < deadline, "no `{needle}` ×{n} in the log:\n{}", log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Holds SQLite's write lock, as a long transaction of another writer would.
pub async fn lock_database(url: &str) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
    conn
}

/// Sets the post of `day` back to claimed, as if the process died between the platform accepting
/// it and the outbox recording it.
pub async fn forget_post_confirmation(url: &str, day: i64) {
    let mut conn = lock_database(url).await;
    let forget = format!(
        "UPDATE lesson_posts SET state = 'claimed', platform_message_id = NULL, sent_at = NULL WHERE day = {day}"
    );
    sqlx::query(sqlx::AssertSqlSafe(forget)).execute(&mut conn).await.unwrap();
    sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
}

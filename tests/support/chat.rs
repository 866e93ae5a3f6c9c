//! The console on a test database with small curricula written for the test, typed into as the
//! admin (alice) or as any member; each call returns what it printed.

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Catalog, Coach};
use studybot::platform::console::Console;
use studybot::store::{MemberStats, Platform, Store};

use super::cycles::write_cycle;

pub struct Chat {
    pub console: Console<Vec<u8>>,
    _dir: tempfile::TempDir,
}

impl Chat {
    /// The console on `store` at `start` (UTC `YYYY-MM-DDTHH:MM`), with one curriculum per
    /// (id, days, title), each a file `id.md` written by [`write_cycle`].
    pub fn new(store: &Store, curricula: &[(&str, (u32, u32), &str)], start: &str) -> Chat {
        let dir = tempfile::tempdir().unwrap();
        for (id, days, title) in curricula {
            write_cycle(dir.path(), &format!("{id}.md"), *days, title);
        }
        let catalog = Catalog::load_dir(dir.path()).unwrap();
        let start: DateTime<Utc> =
            Utc.from_utc_datetime(&chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%dT%H:%M").unwrap());
        Chat { console: Console::new(Coach::new(store.clone(), catalog), start, Vec::new()), _dir: dir }
    }

    pub fn store(&self) -> &Store {
        self.console.coach().store()
    }

    /// Runs `lines` and returns what they printed.
    pub async fn run(&mut self, lines: &[&str]) -> String {
        for line in lines {
            self.console.line(line).await.unwrap();
        }
        String::from_utf8(std::mem::take(self.console.output_mut())).unwrap()
    }

    pub async fn admin(&mut self, line: &str) -> String {
        self.run(&[":admin alice", line]).await
    }

    pub async fn as_member(&mut self, who: &str, line: &str) -> String {
        self.run(&[&format!(":as {who}"), line]).await
    }

    pub async fn advance_to(&mut self, at: &str) -> String {
        self.run(&[&format!(":advance-to {at}")]).await
    }

    /// The channel `study`'s current cohort.
    pub async fn cohort(&self) -> i64 {
        self.store().find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id
    }

    /// `who`'s summary in `cohort`.
    pub async fn stats_in(&self, cohort: i64, who: &str) -> MemberStats {
        let member = self.store().find_member(Platform::Console, who).await.unwrap().unwrap();
        self.store().get_member_stats(cohort, member.id).await.unwrap().unwrap()
    }
}

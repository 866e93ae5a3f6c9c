//! Curriculum versions: a curriculum and its quiz bank as one immutable value named by the hash of
//! their sources, the cache of parsed versions, and which version a cohort runs on.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::Coach;
use super::error::CoachResult;
use crate::curriculum::{self, Curriculum};
use crate::faults::chain;
use crate::quiz::{self, QuizBank};
use crate::store::{Cohort, CohortState, CurriculumVersion};

/// A curriculum as a cohort runs it. Two values with the same hash have the same sources.
#[derive(Debug)]
pub struct Version {
    pub hash: String,
    pub curriculum_id: String,
    pub curriculum: Arc<Curriculum>,
    pub bank: Option<Arc<QuizBank>>,
    source: String,
    bank_source: Option<String>,
}

/// The SHA-256 (hex) of a curriculum source and its bank source. Each part is length-prefixed,
/// so no split of the same bytes between the two gives the same hash.
pub fn content_hash(source: &[u8], bank: Option<&[u8]>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"studybot curriculum version 1\n");
    hasher.update((source.len() as u64).to_be_bytes());
    hasher.update(source);
    match bank {
        Some(bank) => {
            hasher.update(b"bank");
            hasher.update((bank.len() as u64).to_be_bytes());
            hasher.update(bank);
        }
        None => hasher.update(b"no bank"),
    }
    hex::encode(hasher.finalize())
}

impl Version {
    /// A version from sources already parsed (the catalog reads and checks them first).
    pub fn new(
        curriculum_id: &str,
        source: String,
        curriculum: Curriculum,
        bank: Option<(String, QuizBank)>,
    ) -> Version {
        let hash = content_hash(source.as_bytes(), bank.as_ref().map(|(s, _)| s.as_bytes()));
        let (bank_source, bank) = match bank {
            Some((text, bank)) => (Some(text), Some(Arc::new(bank))),
            None => (None, None),
        };
        Version {
            hash,
            curriculum_id: curriculum_id.to_string(),
            curriculum: Arc::new(curriculum),
            bank,
            source,
            bank_source,
        }
    }

    /// Parses a stored version. Its curriculum was valid when stored, so errors now mean a parser
    /// changed or the row was edited by hand: the caller leaves the cohort alone. A bank that no
    /// longer parses is left out (lessons still run), as a broken bank file is.
    pub fn from_row(row: CurriculumVersion) -> anyhow::Result<Version> {
        let checked = curriculum::check(row.source.as_bytes());
        if checked.has_errors() {
            let errors: Vec<String> = checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("line {}: {}", d.line, d.message))
                .collect();
            anyhow::bail!(
                "stored curriculum version {} does not parse: {}",
                short(&row.hash),
                errors.join("; ")
            );
        }
        let bank = row.bank_source.as_deref().and_then(|text| {
            let parsed = quiz::check(text.as_bytes(), &checked.curriculum);
            if parsed.has_errors() {
                tracing::warn!(
                    version = short(&row.hash),
                    "the stored quiz bank does not parse; quizzes are off"
                );
                return None;
            }
            Some(Arc::new(parsed.bank))
        });
        Ok(Version {
            hash: row.hash,
            curriculum_id: row.curriculum_id,
            curriculum: Arc::new(checked.curriculum),
            bank,
            source: row.source,
            bank_source: row.bank_source,
        })
    }

    /// The row that stores this version.
    pub fn row(&self, created_at: i64) -> CurriculumVersion {
        CurriculumVersion {
            hash: self.hash.clone(),
            curriculum_id: self.curriculum_id.clone(),
            title: self.curriculum.title.clone(),
            source: self.source.clone(),
            bank_source: self.bank_source.clone(),
            created_at,
        }
    }

    pub fn bank_source(&self) -> Option<&str> {
        self.bank_source.as_deref()
    }

    /// The first 12 hex digits: enough to tell versions apart in a message.
    pub fn short(&self) -> &str {
        short(&self.hash)
    }

    /// `days 121-150, 30 lessons`.
    pub fn extent(&self) -> String {
        let c = &self.curriculum;
        format!("days {}, {} lessons", c.days_label(), c.days().count())
    }
}

pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// What a coach remembers about versions in this process: parsed versions by hash (so the
/// scheduler never parses per tick), and the drifts already told.
#[derive(Default)]
pub(super) struct Versions {
    parsed: Mutex<HashMap<String, Arc<Version>>>,
    told: Mutex<HashSet<(i64, String)>>,
}

impl Versions {
    pub fn remember(&self, version: Arc<Version>) {
        self.parsed.lock().expect("versions lock").insert(version.hash.clone(), version);
    }

    fn get(&self, hash: &str) -> Option<Arc<Version>> {
        self.parsed.lock().expect("versions lock").get(hash).cloned()
    }

    /// Whether the drift `key` of a cohort was told in this process.
    pub fn was_told(&self, cohort: i64, key: &str) -> bool {
        self.told.lock().expect("versions lock").contains(&(cohort, key.to_string()))
    }

    pub fn mark_told(&self, cohort: i64, key: &str) {
        self.told.lock().expect("versions lock").insert((cohort, key.to_string()));
    }
}

impl Coach {
    /// The version a cohort runs on. A cohort set up before versions existed is bound, once, to
    /// the curriculum file as it is now; one whose file is missing or broken then stays unbound
    /// (and unscheduled) until the file loads.
    pub(super) async fn cohort_version(&self, cohort: &Cohort) -> CoachResult<Arc<Version>> {
        let hash = match &cohort.curriculum_version {
            Some(hash) => hash.clone(),
            None => self.bind_to_file(cohort).await?,
        };
        self.stored_version(&hash).await
    }

    /// A stored version by hash, parsed once per process.
    pub(super) async fn stored_version(&self, hash: &str) -> CoachResult<Arc<Version>> {
        if let Some(version) = self.versions.get(hash) {
            return Ok(version);
        }
        let row = self.store.get_curriculum_version(hash).await?;
        let row = row.with_context(|| format!("curriculum version {} is not stored", short(hash)))?;
        let version = Arc::new(Version::from_row(row)?);
        self.versions.remember(Arc::clone(&version));
        Ok(version)
    }

    /// Every curriculum the bot may be asked about: the files on disk, and the versions that
    /// cohorts not yet completed run on (a file may have lost days they still have). A version
    /// that cannot be read is logged and left out.
    pub async fn curricula_in_use(&self) -> CoachResult<Vec<Arc<Curriculum>>> {
        let mut out: Vec<Arc<Curriculum>> =
            self.catalog.versions().map(|v| Arc::clone(&v.curriculum)).collect();
        let running = [CohortState::Active, CohortState::Paused, CohortState::Flagged];
        let hashes: HashSet<String> = self
            .store
            .list_cohorts(&running)
            .await?
            .into_iter()
            .filter_map(|c| c.curriculum_version)
            .collect();
        for hash in hashes {
            match self.stored_version(&hash).await {
                Ok(version) => out.push(Arc::clone(&version.curriculum)),
                Err(e) => {
                    tracing::warn!(error = %chain(&e), version = short(&hash), "curriculum version not read")
                }
            }
        }
        Ok(out)
    }

    async fn bind_to_file(&self, cohort: &Cohort) -> CoachResult<String> {
        let Some(version) = self.catalog.version(&cohort.curriculum_id) else {
            user_error!(
                "This cohort's curriculum `{}` is not loaded (is its file still in the curriculum folder?).",
                cohort.curriculum_id
            );
        };
        let mut tx = self.store.begin().await?;
        crate::store::put_curriculum_version(&mut tx, &version.row(cohort.updated_at)).await?;
        let bound = crate::store::bind_cohort_version(&mut tx, cohort.id, &version.hash).await?;
        tx.commit().await?;
        tracing::info!(
            cohort = cohort.id,
            curriculum = %cohort.curriculum_id,
            version = short(&bound),
            "cohort bound to its curriculum file as it is now (set up before curriculum versions)"
        );
        Ok(bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_names_both_sources() {
        let a = content_hash(b"# T", None);
        assert_eq!(a.len(), 64);
        assert_eq!(a, content_hash(b"# T", None));
        assert_ne!(a, content_hash(b"# T", Some(b"")));
        assert_ne!(content_hash(b"ab", Some(b"c")), content_hash(b"a", Some(b"bc")));
        assert_ne!(a, content_hash(b"# T\n", None));
    }
}

//! The curricula a bot can run: every `*.md` in the curriculum folder, known by its file name,
//! each with its quiz bank from `quizzes/<same name>` when there is one.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::curriculum::{self, Curriculum};
use crate::quiz::{self, QuizBank};

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<String, Arc<Curriculum>>,
    banks: BTreeMap<String, Arc<QuizBank>>,
}

impl Catalog {
    /// Loads the folder. A file with errors is left out and logged with its `FILE:LINE` errors,
    /// so one broken draft does not stop the bot from running the others.
    pub fn load_dir(dir: &Path) -> anyhow::Result<Catalog> {
        let read =
            std::fs::read_dir(dir).with_context(|| format!("reading curriculum folder {}", dir.display()))?;
        let mut catalog = Catalog::default();
        let mut paths: Vec<_> = read.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.extension().is_some_and(|x| x == "md")) {
            let Some(id) = curriculum::id_from_path(&path) else { continue };
            match curriculum::load(&path) {
                Ok(checked) => {
                    catalog.load_bank(&id, &path, &checked.curriculum);
                    catalog.insert(id, checked.curriculum);
                }
                Err(err) => tracing::warn!(error = %err, "curriculum left out"),
            }
        }
        Ok(catalog)
    }

    /// A bank with errors is left out (logged with its `FILE:LINE` errors): lessons still run.
    fn load_bank(&mut self, id: &str, curriculum_path: &Path, curriculum: &Curriculum) {
        let bank_path = quiz::bank_path_for(curriculum_path);
        if !bank_path.exists() {
            return;
        }
        match quiz::load(&bank_path, curriculum) {
            Ok(bank) => self.insert_bank(id.to_string(), bank),
            Err(err) => tracing::warn!(error = %err, "quiz bank left out"),
        }
    }

    pub fn insert_bank(&mut self, id: String, bank: QuizBank) {
        self.banks.insert(id, Arc::new(bank));
    }

    /// The quiz bank of curriculum `id`, if it has one.
    pub fn bank(&self, id: &str) -> Option<Arc<QuizBank>> {
        self.banks.get(id).cloned()
    }

    pub fn insert(&mut self, id: String, curriculum: Curriculum) {
        self.entries.insert(id, Arc::new(curriculum));
    }

    pub fn get(&self, id: &str) -> Option<Arc<Curriculum>> {
        self.entries.get(id).cloned()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Curriculum)> {
        self.entries.iter().map(|(id, c)| (id.as_str(), c.as_ref()))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

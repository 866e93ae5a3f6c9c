//! The curricula a bot can set up: every `*.md` in the curriculum folder, known by its file name,
//! each with its quiz bank from `quizzes/<same name>` when there is one — and, for cohorts that
//! already run a stored version, what "the file on disk" is now.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use super::version::{Version, content_hash};
use crate::curriculum::{self, Curriculum, LoadError};
use crate::faults::chain;
use crate::quiz::{self, QuizBank};

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<String, Arc<Version>>,
    /// Files in the folder that did not load, with why: a cohort on such a curriculum keeps its
    /// stored version, and its organizer is told the file is broken.
    broken: BTreeMap<String, Broken>,
}

/// A curriculum file that is there but cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// Hash of the file's bytes (as [`content_hash`] without a bank), so a notice is given once
    /// per broken content.
    pub hash: String,
    /// The first error, `line N: …`.
    pub reason: String,
}

/// What the curriculum folder holds for one curriculum id now.
#[derive(Debug, Clone)]
pub enum OnDisk<'a> {
    Loaded(Arc<Version>),
    Broken(&'a Broken),
    Missing,
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
            match read_curriculum(&path) {
                Ok((source, curriculum)) => {
                    let bank = read_bank(&path, &curriculum);
                    catalog.entries.insert(id.clone(), Arc::new(Version::new(&id, source, curriculum, bank)));
                }
                Err((bytes, err)) => {
                    tracing::warn!(error = %chain(&err), "curriculum left out");
                    catalog
                        .broken
                        .insert(id, Broken { hash: content_hash(&bytes, None), reason: first_error(&err) });
                }
            }
        }
        Ok(catalog)
    }

    /// One curriculum file with its quiz bank from `quizzes/<same name>` beside it, if there is one
    /// (the demo, `console --curriculum`).
    pub fn load_file(path: &Path) -> Result<Catalog, LoadError> {
        let id = curriculum::id_from_path(path).unwrap_or_else(|| "curriculum".into());
        let (source, curriculum) = read_curriculum(path).map_err(|(_, e)| e)?;
        let bank = read_bank(path, &curriculum);
        let mut catalog = Catalog::default();
        catalog.entries.insert(id.clone(), Arc::new(Version::new(&id, source, curriculum, bank)));
        Ok(catalog)
    }

    /// Takes in every curriculum of `other` (the curriculum folder over the built-in one, the
    /// demo's second cycle); one with the same id replaces this catalog's, and so does a broken
    /// file: the curriculum of that id is the broken file now.
    pub fn merge(&mut self, other: Catalog) {
        for id in other.broken.keys() {
            self.entries.remove(id);
        }
        for id in other.entries.keys() {
            self.broken.remove(id);
        }
        self.entries.extend(other.entries);
        self.broken.extend(other.broken);
    }

    /// Adds a curriculum from its source text (tests): refused with its errors, as a file would be.
    pub fn add(&mut self, id: &str, source: &str, bank_source: Option<&str>) -> anyhow::Result<Arc<Version>> {
        let checked = curriculum::check(source.as_bytes());
        anyhow::ensure!(!checked.has_errors(), "curriculum `{id}` has errors: {:?}", checked.diagnostics);
        let bank = match bank_source {
            Some(text) => {
                let bank = quiz::check(text.as_bytes(), &checked.curriculum);
                anyhow::ensure!(!bank.has_errors(), "quiz bank of `{id}` has errors: {:?}", bank.diagnostics);
                Some((text.to_string(), bank.bank))
            }
            None => None,
        };
        let version = Arc::new(Version::new(id, source.to_string(), checked.curriculum, bank));
        self.entries.insert(id.to_string(), Arc::clone(&version));
        Ok(version)
    }

    /// The quiz bank of curriculum `id` as the file has it, if it has one.
    pub fn bank(&self, id: &str) -> Option<Arc<QuizBank>> {
        self.entries.get(id).and_then(|v| v.bank.clone())
    }

    /// The curriculum `id` as the file has it now.
    pub fn get(&self, id: &str) -> Option<Arc<Curriculum>> {
        self.entries.get(id).map(|v| Arc::clone(&v.curriculum))
    }

    /// The file's version of curriculum `id`: what a new cohort is set up on.
    pub fn version(&self, id: &str) -> Option<Arc<Version>> {
        self.entries.get(id).cloned()
    }

    pub fn on_disk(&self, id: &str) -> OnDisk<'_> {
        match (self.entries.get(id), self.broken.get(id)) {
            (Some(version), _) => OnDisk::Loaded(Arc::clone(version)),
            (None, Some(broken)) => OnDisk::Broken(broken),
            (None, None) => OnDisk::Missing,
        }
    }

    pub fn versions(&self) -> impl Iterator<Item = &Arc<Version>> {
        self.entries.values()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Curriculum)> {
        self.entries.iter().map(|(id, v)| (id.as_str(), v.curriculum.as_ref()))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

type Unreadable = (Vec<u8>, LoadError);

/// The file's text and its curriculum; on failure, the bytes read (for the broken file's hash)
/// and why. Warnings that it looks cut short are logged: the operator should know.
fn read_curriculum(path: &Path) -> Result<(String, Curriculum), Unreadable> {
    // Bounded like every curriculum read: a device or an oversized file is refused, not read.
    let bytes = crate::files::read_bounded(path)
        .map_err(|source| (Vec::new(), LoadError::Io { path: path.into(), cause: source }))?;
    let checked = curriculum::check(&bytes);
    if checked.has_errors() {
        return Err((bytes, LoadError::Invalid { path: path.into(), diagnostics: checked.diagnostics }));
    }
    let file = path.display().to_string();
    for warning in checked.warnings().filter(|_| checked.cut_short > 0) {
        tracing::warn!("{}", warning.located(&file));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let err = LoadError::Io { path: path.into(), cause: std::io::Error::other(e.utf8_error()) };
        (e.into_bytes(), err)
    })?;
    Ok((text, checked.curriculum))
}

/// A bank with errors is left out (logged with its `FILE:LINE` errors): lessons still run. The
/// file is read once, so the text stored with a version is the text that was checked.
fn read_bank(curriculum_path: &Path, curriculum: &Curriculum) -> Option<(String, QuizBank)> {
    let path = quiz::bank_path_for(curriculum_path);
    if !path.exists() {
        return None;
    }
    let bytes = match crate::files::read_bounded(&path) {
        Ok(bytes) => bytes,
        Err(source) => {
            tracing::warn!(error = %quiz::LoadError::Io { path, cause: source }, "quiz bank left out");
            return None;
        }
    };
    let checked = quiz::check(&bytes, curriculum);
    if checked.has_errors() {
        let err = quiz::LoadError::Invalid { path, diagnostics: checked.diagnostics };
        tracing::warn!(error = %chain(&err), "quiz bank left out");
        return None;
    }
    let file = path.display().to_string();
    for w in checked.warnings() {
        tracing::warn!("{}", w.located(&file));
    }
    // Checked text is UTF-8.
    Some((String::from_utf8(bytes).ok()?, checked.bank))
}

fn first_error(err: &LoadError) -> String {
    match err {
        LoadError::Io { cause, .. } => format!("cannot read it: {cause}"),
        LoadError::Invalid { diagnostics, .. } => diagnostics
            .iter()
            .find(|d| d.is_error())
            .map_or_else(|| "it has errors".into(), |d| format!("line {}: {}", d.line, d.message)),
    }
}

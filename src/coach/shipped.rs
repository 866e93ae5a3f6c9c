//! The curriculum and quiz bank that ship inside the binary, so `studybot demo`, `console` and
//! `run` work from any directory and after `cargo install`.

use std::path::{Path, PathBuf};

use super::Catalog;

/// The shipped curriculum's id (its file name without `.md`).
pub const ID: &str = "days_121_150_lakehouse_architecture";
const CURRICULUM: &str = include_str!("../../curriculum/days_121_150_lakehouse_architecture.md");
const QUIZ_BANK: &str = include_str!("../../curriculum/quizzes/days_121_150_lakehouse_architecture.md");

/// The shipped curriculum with its quiz bank.
pub fn catalog() -> anyhow::Result<Catalog> {
    let mut catalog = Catalog::default();
    catalog.add(ID, CURRICULUM, Some(QUIZ_BANK))?;
    Ok(catalog)
}

/// Where the shipped curriculum lies in a checkout: `curriculum/<id>.md`.
pub fn default_path() -> PathBuf {
    Path::new(crate::config::DEFAULT_CURRICULUM_DIR).join(format!("{ID}.md"))
}

/// The curricula of `dir`; when the default folder `curriculum` is not there (the binary runs
/// outside its checkout), the shipped one. A folder the operator named must exist.
pub fn load(dir: &Path) -> anyhow::Result<Catalog> {
    if dir == Path::new(crate::config::DEFAULT_CURRICULUM_DIR) && !dir.exists() {
        tracing::info!("no curriculum folder here: running the curriculum built into the binary");
        return catalog();
    }
    Catalog::load_dir(dir)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_curriculum_and_bank_load_from_the_binary() {
        let catalog = super::catalog().unwrap();
        assert_eq!(catalog.get(super::ID).unwrap().first_day().map(u32::from), Some(121));
        assert!(catalog.bank(super::ID).is_some_and(|b| !b.quizzes.is_empty()));
    }
}

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

/// The shipped curriculum, and the curricula of `dir` on top: a file there adds a curriculum, and
/// one named like the shipped one (`<ID>.md`) replaces it — broken or not, so its organizer is
/// told. The default folder `curriculum` may be absent (the binary runs outside its checkout); a
/// folder the operator named must exist.
pub fn load(dir: &Path) -> anyhow::Result<Catalog> {
    let mut built_in = catalog()?;
    if dir == Path::new(crate::config::DEFAULT_CURRICULUM_DIR) && !dir.exists() {
        tracing::info!("no curriculum folder here: running the curriculum built into the binary");
        return Ok(built_in);
    }
    built_in.merge(Catalog::load_dir(dir)?);
    Ok(built_in)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-day curriculum titled `title`, numbered from `day`.
    fn write(dir: &Path, file: &str, day: u32, title: &str) {
        let text = format!(
            "# Days {day}-{day}: {title}\n\n## **Module 1: {title} (Days {day}-{day})**\n\n\
             ### **Day {day} - Lesson**\n**🎯 Learning Objective:** Learn\n- **Task (30 min):** Do\n\
             - **Checkpoint:** Done\n"
        );
        std::fs::write(dir.join(file), text).unwrap();
    }

    #[test]
    fn a_folder_adds_curricula_to_the_built_in_one_and_a_same_named_file_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let ids = |c: &Catalog| c.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>();
        let empty = load(dir.path()).unwrap();
        assert_eq!(ids(&empty), [ID], "an empty folder still has the built-in curriculum");
        write(dir.path(), "alpha.md", 1, "Alpha");
        let added = load(dir.path()).unwrap();
        assert_eq!(ids(&added), ["alpha", ID]);
        assert!(added.bank(ID).is_some(), "the built-in one keeps its quiz bank");
        write(dir.path(), &format!("{ID}.md"), 121, "Our own");
        let replaced = load(dir.path()).unwrap();
        assert_eq!(replaced.get(ID).unwrap().title, "Days 121-121: Our own");
        assert!(replaced.bank(ID).is_none(), "the folder's file, with the folder's (absent) bank");
        std::fs::write(dir.path().join(format!("{ID}.md")), "not a curriculum").unwrap();
        let broken = load(dir.path()).unwrap();
        assert!(matches!(broken.on_disk(ID), super::super::catalog::OnDisk::Broken(_)), "told, not hidden");
        assert!(load(&dir.path().join("missing")).is_err(), "a folder the operator named must exist");
    }

    #[test]
    fn the_shipped_curriculum_and_bank_load_from_the_binary() {
        let catalog = super::catalog().unwrap();
        assert_eq!(catalog.get(super::ID).unwrap().first_day().map(u32::from), Some(121));
        assert!(catalog.bank(super::ID).is_some_and(|b| !b.quizzes.is_empty()));
    }
}

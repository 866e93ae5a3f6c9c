//! `studybot quiz check`: the quiz author's tool for validating quiz banks against their curriculum.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::curriculum::{self, Curriculum};
use crate::quiz::{self, Quiz};

#[derive(Debug, Subcommand)]
pub enum QuizCommand {
    /// Validate quiz banks and print one line per quiz
    ///
    /// Each bank is checked against its curriculum: `<dir>/quizzes/X.md` against `<dir>/X.md`,
    /// unless --curriculum names it. Errors name FILE:LINE and say how to fix them. Exits 0 when
    /// every bank is valid (warnings allowed), 1 otherwise.
    Check {
        /// Markdown quiz bank files
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The curriculum the banks belong to (default: found next to each bank)
        #[arg(long, value_name = "FILE")]
        curriculum: Option<PathBuf>,
    },
}

pub fn run(cmd: QuizCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        QuizCommand::Check { files, curriculum } => Ok(check(&files, curriculum.as_deref())),
    }
}

fn check(files: &[PathBuf], curriculum: Option<&Path>) -> ExitCode {
    let mut all_valid = true;
    for file in files {
        all_valid &= check_one(file, curriculum);
    }
    if all_valid { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Checks one bank, printing its findings; returns whether it is valid.
fn check_one(file: &Path, curriculum: Option<&Path>) -> bool {
    let name = file.display().to_string();
    let curriculum = match find_curriculum(file, curriculum).and_then(|path| load_curriculum(&path)) {
        Ok(c) => c,
        Err(why) => {
            eprintln!("{name}: error: {why}");
            return false;
        }
    };
    let checked = match crate::files::read_bounded(file) {
        Ok(bytes) => quiz::check(&bytes, &curriculum),
        Err(e) => {
            eprintln!("{name}: error: cannot read the file: {e}");
            return false;
        }
    };
    for d in &checked.diagnostics {
        eprintln!("{}", d.located(&name));
    }
    if checked.has_errors() {
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        println!("{name}: INVALID ({errors} errors)");
        return false;
    }
    for quiz in &checked.bank.quizzes {
        println!("{name}: {}", summary(quiz));
    }
    true
}

/// `Module 17 (days 121-127, opens after day 127): 12 questions`
fn summary(quiz: &Quiz) -> String {
    let days = match quiz.covers {
        (a, b) if a == b => format!("day {a}"),
        (a, b) => format!("days {a}-{b}"),
    };
    let count = quiz.questions.len();
    let noun = if count == 1 { "question" } else { "questions" };
    format!("{} ({days}, opens after day {}): {count} {noun}", quiz.key, quiz.opens_after)
}

fn find_curriculum(bank: &Path, given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let Some(path) = quiz::curriculum_path_for(bank) else {
        return Err(
            "cannot tell which curriculum this bank belongs to: a bank at <dir>/quizzes/X.md is checked \
             against <dir>/X.md; name it with --curriculum FILE"
                .to_string(),
        );
    };
    if !path.is_file() {
        return Err(format!(
            "its curriculum {} does not exist; name the curriculum with --curriculum FILE",
            path.display()
        ));
    }
    Ok(path)
}

fn load_curriculum(path: &Path) -> Result<Curriculum, String> {
    match curriculum::load(path) {
        Ok(checked) => Ok(checked.curriculum),
        Err(e) => Err(format!("the curriculum cannot be used: {e}")),
    }
}

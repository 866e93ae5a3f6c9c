//! `studybot curriculum check | export | show`: the organizer's tools for curriculum files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::curriculum::journey::{self, Span};
use crate::curriculum::{self, Checked};
use crate::domain::DayNumber;

#[derive(Debug, Subcommand)]
pub enum CurriculumCommand {
    /// Validate curriculum files and print a one-line summary of each
    ///
    /// Errors and warnings name FILE:LINE and say how to fix them. A file that looks cut short (a
    /// declared day range it does not fill, a last day that stops early) is summarised as
    /// "LOOKS CUT SHORT" instead of "ok". A directory stands for the `.md` files in it. Files
    /// checked together are one journey: a warning names two whose day ranges overlap, and the
    /// summary says which one a file continues. Exits 0 when every file is valid (warnings
    /// allowed), 1 otherwise.
    Check {
        /// Markdown curriculum files, or directories of them
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print the parsed curriculum as JSON (schema in docs/curriculum-format.md)
    Export {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Show one lesson as a member will read it
    Show {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The curriculum day number, e.g. 121
        #[arg(long, value_parser = |text: &str| DayNumber::parse(text).map_err(|e| e.to_string()))]
        day: DayNumber,
    },
}

pub fn run(cmd: CurriculumCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CurriculumCommand::Check { files } => Ok(check(&files)),
        CurriculumCommand::Export { file } => {
            let checked = load(&file)?;
            let json = serde_json::to_string_pretty(&checked.curriculum)?;
            print_stdout(&format!("{json}\n"))
        }
        CurriculumCommand::Show { file, day } => {
            let checked = load(&file)?;
            let c = &checked.curriculum;
            let Some(card) = crate::coach::lesson::card(c, day) else {
                bail!("day {day} is not in {} (it has days {})", file.display(), c.days_label());
            };
            // The same rendering as the console platform: the lesson as a member reads it.
            print_stdout(&format!("{}\n", crate::platform::console::render_lesson(&card)))
        }
    }
}

fn check(args: &[PathBuf]) -> ExitCode {
    let mut all_valid = true;
    let mut checked_files = Vec::new();
    for file in expand(args, &mut all_valid) {
        let name = file.display().to_string();
        let checked = match crate::files::read_bounded(&file) {
            Ok(bytes) => curriculum::check(&bytes),
            Err(e) => {
                eprintln!("{name}: error: cannot read the file: {e}");
                all_valid = false;
                continue;
            }
        };
        for d in &checked.diagnostics {
            eprintln!("{}", d.located(&name));
        }
        all_valid &= !checked.has_errors();
        checked_files.push((name, checked));
    }
    let spans: Vec<Span> =
        checked_files.iter().filter_map(|(name, c)| Span::of(name, &c.curriculum)).collect();
    for (a, b) in journey::overlaps(&spans) {
        eprintln!(
            "{}: warning: days {}-{} overlap days {}-{} of {}; cycles of one journey number their days one after another",
            b.name, b.first, b.last, a.first, a.last, a.name
        );
    }
    for (name, checked) in &checked_files {
        let after = Span::of(name, &checked.curriculum)
            .and_then(|span| {
                journey::continues(&spans, &span).map(|before| format!(" · continues {}", before.name))
            })
            .unwrap_or_default();
        println!("{}{after}", summary(name, checked));
    }
    if all_valid { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The files to check: each argument, or the `.md` files of a directory, by name. A directory
/// without any is an error, said once.
fn expand(args: &[PathBuf], all_valid: &mut bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for arg in args {
        if !arg.is_dir() {
            files.push(arg.clone());
            continue;
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(arg)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "md"))
            .collect();
        if found.is_empty() {
            eprintln!("{}: error: a directory without curriculum files (*.md)", arg.display());
            *all_valid = false;
        }
        found.sort();
        files.extend(found);
    }
    files
}

fn summary(name: &str, checked: &Checked) -> String {
    let c = &checked.curriculum;
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = checked.warnings().count();
    // A file cut short parses and loads, which is exactly why it must not read as "ok".
    let verdict = match (errors, checked.cut_short) {
        (0, 0) => "ok".to_string(),
        (0, _) => "LOOKS CUT SHORT (see the warnings)".to_string(),
        _ => format!("INVALID ({errors} errors)"),
    };
    format!(
        "{name}: {verdict} — {} days, {} sections, {} resources, {warnings} warnings",
        c.days().count(),
        c.sections.len(),
        c.resource_count(),
    )
}

/// A closed pipe (`studybot curriculum export f.md | head`) is the reader's choice, not a failure.
pub(super) fn print_stdout(text: &str) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Loads a file for export or show: warnings go to stderr, errors stop the command.
fn load(file: &Path) -> anyhow::Result<Checked> {
    let checked = curriculum::load(file).with_context(|| format!("loading {}", file.display()))?;
    let name = file.display().to_string();
    for w in checked.warnings() {
        eprintln!("{}", w.located(&name));
    }
    Ok(checked)
}

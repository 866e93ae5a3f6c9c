//! The `studybot` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = studybot::cli::Cli::parse();
    studybot::cli::run(cli)
}

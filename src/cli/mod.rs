//! Command-line interface: argument parsing and the subcommands.

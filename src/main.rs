//! The `proxylint` command: wires argument parsing, file discovery, the checks and the
//! report together. Exit codes: 0 clean, 1 findings at or above `--fail-level`, 2 a usage
//! error or a file that could not be read.

mod add_ignore;
mod cli;
mod config;
mod discover;
mod inputs;
mod options;
mod run;
mod selection;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match run::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("proxylint: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

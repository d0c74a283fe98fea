//! Command-line parsing shared by the examples: `--flag value` pairs, switches, `-h`/`--help`,
//! and errors that name the flag and say what was wrong. Hand-written so that the examples need
//! no argument-parsing crate; `tests/examples_cli.rs` checks it with every example's parser.

// Each example (and the test) uses the parts it needs.
#![allow(dead_code)]

use std::fmt::Display;
use std::process::ExitCode;
use std::str::FromStr;

/// What a command line asks for: the help text, or a run with these options.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed<T> {
    /// `-h` or `--help` was given: print the usage text and exit successfully.
    Help,
    /// Run with these options.
    Run(T),
}

/// The arguments after the program name, read one at a time.
#[derive(Debug)]
pub(crate) struct Args<'a> {
    rest: std::slice::Iter<'a, String>,
}

impl<'a> Args<'a> {
    pub(crate) fn new(args: &'a [String]) -> Self {
        Self { rest: args.iter() }
    }

    /// The next argument, if any.
    pub(crate) fn next_arg(&mut self) -> Option<&'a str> {
        self.rest.next().map(String::as_str)
    }

    /// The value following `flag` (an argument starting with `--` is the next flag, not a
    /// value).
    pub(crate) fn value(&mut self, flag: &str) -> Result<&'a str, String> {
        match self.next_arg() {
            Some(next) if next.starts_with("--") => {
                Err(format!("{flag}: missing value (found {next})"))
            }
            Some(value) => Ok(value),
            None => Err(format!("{flag}: missing value")),
        }
    }
}

/// Whether `arg` asks for the help text.
pub(crate) fn is_help(arg: &str) -> bool {
    arg == "-h" || arg == "--help"
}

/// The error for an argument no example flag matches.
pub(crate) fn unknown(arg: &str) -> String {
    format!("unknown argument {arg}")
}

/// A whole number from `min` to `max` (inclusive).
pub(crate) fn whole<T>(flag: &str, value: &str, min: T, max: T) -> Result<T, String>
where
    T: FromStr + PartialOrd + Display,
{
    match value.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!(
            "{flag}: expected a whole number from {min} to {max}, got {value}"
        )),
    }
}

/// A probability: a number from 0 to 1 (inclusive).
pub(crate) fn probability(flag: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "{flag}: expected a probability between 0 and 1, got {value}"
        )),
    }
}

/// The options to run with, or the exit code after printing the help text (to stdout, exit 0)
/// or the error (to stderr, exit 2).
pub(crate) fn options_or_exit<T>(
    usage: &str,
    parsed: Result<Parsed<T>, String>,
) -> Result<T, ExitCode> {
    match parsed {
        Ok(Parsed::Run(options)) => Ok(options),
        Ok(Parsed::Help) => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}\n(run with --help for usage)");
            Err(ExitCode::from(2))
        }
    }
}

/// The program's arguments, without its name (bytes that are not UTF-8 become U+FFFD, which no
/// flag or value accepts).
pub(crate) fn env_args() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

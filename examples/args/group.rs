//! The group example's command line (`examples/group.rs`).

use crate::cli::{Args, Parsed, is_help, unknown};

/// `--help` for the group example.
pub(crate) const USAGE: &str = "\
A closed group (03 id) from start to finish, with the crate's config and envelope functions:
an admin creates the group, adds three members and distributes generation 0 of the group key;
every member recovers the key and reads the group's name and member list; the admin removes
one member and rekeys; the others move to generation 1 and read a new message, the removed
member reads neither the new info nor the message.

Usage: cargo run --example group

Options:
  -h, --help      print this help

Exit status: 0 on success, 1 if a step does not behave as described, 2 for a bad command line.
";

/// Reads the arguments after the program name: none but `--help`.
pub(crate) fn parse(args: &[String]) -> Result<Parsed<()>, String> {
    let mut args = Args::new(args);
    match args.next_arg() {
        None => Ok(Parsed::Run(())),
        Some(arg) if is_help(arg) => Ok(Parsed::Help),
        Some(arg) => Err(unknown(arg)),
    }
}

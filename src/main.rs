//! The `pandaops` binary: parses the command line and hands over to the library.

use clap::Parser;

fn main() {
    let cli = pandaops::cli::Cli::parse();
    let status = match pandaops::cli::main(cli) {
        Ok(status) => status,
        Err(error) => {
            pandaops::term::restore();
            eprintln!("pandaops: {}", describe(&error));
            1
        }
    };
    std::process::exit(status);
}

/// The error and its causes on one line, leaving out a cause whose text the message already
/// holds (many of our errors name their cause in their own message).
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

//! The `pandaops` binary: parses the command line and hands over to the library.

use clap::Parser;

fn main() {
    let cli = pandaops::cli::Cli::parse();
    let status = match pandaops::cli::main(cli) {
        Ok(status) => status,
        Err(error) => {
            pandaops::term::restore();
            eprintln!("pandaops: {error:#}");
            1
        }
    };
    std::process::exit(status);
}

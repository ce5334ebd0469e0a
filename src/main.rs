//! The `opsbook` command line: parses arguments, runs one command, prints the error chain
//! once and maps the outcome to an exit code (0 ok, 1 content problems, 2 usage or
//! configuration problems, 101 when opsbook itself crashed).

mod cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    opsbook::crash::install_hook();
    let cli = cmd::Cli::parse();
    cmd::init_logging(cli.quiet, cli.verbose);
    match cmd::run(cli) {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            cmd::Outcome::Usage.into()
        }
    }
}

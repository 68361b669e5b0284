//! `coproduce`: one binary, many doors. Every subcommand parses its input,
//! calls core and store, and reports in one clear sentence when it cannot.

mod admin;
mod audit;
mod cli;
mod demo;
mod export;
mod progress;
mod serve;
mod settings;
mod skills;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match settings::Settings::resolve(&cli) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    if let Err(e) = settings::init_logging(&settings) {
        return fail(&e);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&anyhow::anyhow!("could not start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Serve(_) => serve::run(&settings).await,
            Command::Demo(args) => demo::run(&settings, args).await,
            Command::Migrate => serve::migrate(&settings).await,
            Command::Admin(admin) => admin::run(&settings, admin).await,
            Command::Audit(audit) => audit::run(&settings, audit).await,
            Command::Export(args) => export::run(&settings, args).await,
            Command::Skills(command) => skills::run(&settings, command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Prints the error as one sentence (its causes after a colon) and fails.
fn fail(e: &anyhow::Error) -> ExitCode {
    let mut message = e.to_string();
    for cause in e.chain().skip(1) {
        message.push_str(": ");
        message.push_str(&cause.to_string());
    }
    eprintln!("coproduce: {message}");
    ExitCode::FAILURE
}

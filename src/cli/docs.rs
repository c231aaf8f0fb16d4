//! Shell completions and man pages, generated from the command-line definition itself.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Exit};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `mapcheck.1` and one page per command (`mapcheck-diff.1`, ...) into this directory.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run_completions(args: &CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "mapcheck", out);
    Ok(Exit::Clean)
}

pub fn run_man(args: &ManArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let cmd = Cli::command();
    match &args.dir {
        None => clap_mangen::Man::new(cmd).render(out)?,
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir).with_context(|| format!("writing man pages into {}", dir.display()))?;
            writeln!(out, "wrote man pages into {}", dir.display())?;
        }
    }
    Ok(Exit::Clean)
}

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Exit, LoadArgs};
use crate::finding::Severity;
use crate::load::load_paths;
use crate::report::{OutputFormat, Style, Summary, render_json, render_text};

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Contract files or directories (directories are walked recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

pub fn run(args: &LintArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let loaded = load_paths(&args.paths, &args.load.options())?;
    let summary = Summary::of(&loaded.findings, loaded.contracts.len(), loaded.unusable.len());
    match args.format {
        OutputFormat::Text => render_text(&loaded.findings, &summary, Style { color }, out)?,
        OutputFormat::Json => render_json(&loaded.findings, &summary, out)?,
    }
    if !loaded.unusable.is_empty() {
        return Ok(Exit::Error);
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| loaded.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { Exit::Findings } else { Exit::Clean })
}

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, LoadArgs, ReportArgs};
use crate::load::load_paths;
use crate::report::Summary;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Contract files or directories (directories are walked recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(args: &LintArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let loaded = load_paths(&args.paths, &args.load.options())?;
    let summary = Summary::of(&loaded.findings, loaded.contracts.len(), loaded.unusable.len());
    let files: Vec<String> = loaded.contracts.iter().flat_map(|c| c.files.iter().cloned()).collect();
    args.report
        .write("lint", &loaded.findings, &summary, &files, color, out)?;
    if !loaded.unusable.is_empty() {
        return Ok(Exit::Error);
    }
    Ok(args.report.exit(&loaded.findings))
}

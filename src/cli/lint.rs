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
    let crate::workspace::Workspace { config, today } = crate::workspace::Workspace::discover(crate::config::today())?;
    let loaded = load_paths(&args.paths, &args.load.options())?;
    let mut findings = loaded.findings;
    let suppressed = crate::suppress::apply(&mut findings, &config, &[], &today);
    let summary = Summary::of(&findings, loaded.contracts.len(), loaded.unusable.len()).with_suppressed(suppressed);
    let files: Vec<String> = loaded.contracts.iter().flat_map(|c| c.files.iter().cloned()).collect();
    args.report.write("lint", &findings, &summary, &files, color, out)?;
    if !loaded.unusable.is_empty() {
        return Ok(Exit::Error);
    }
    Ok(args.report.exit(&findings))
}

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, LoadArgs, ReportArgs};
use crate::compare::contracts::{Mode, diff};
use crate::load::load_paths;
use crate::report::Summary;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old contract (file or directory).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The new contract (file or directory).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Compatibility mode for data schemas: backward (new readers read old data), forward, full, none.
    #[arg(long, value_enum, default_value_t = Mode::Backward)]
    pub mode: Mode,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(args: &DiffArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let opts = args.load.options();
    let old = load_paths(std::slice::from_ref(&args.old), &opts)?;
    let new = load_paths(std::slice::from_ref(&args.new), &opts)?;
    let unusable: Vec<&String> = old.unusable.iter().chain(&new.unusable).collect();
    if !unusable.is_empty() {
        for f in old
            .findings
            .iter()
            .chain(&new.findings)
            .filter(|f| f.severity == crate::finding::Severity::Error)
        {
            let at = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
            eprintln!("error: {at}: {}", f.message);
        }
        return Ok(Exit::Error);
    }
    let findings = diff(&old.contracts, &new.contracts, args.mode);
    let summary = Summary::of(&findings, new.contracts.len().max(old.contracts.len()), 0);
    let mut files: Vec<String> = new.contracts.iter().flat_map(|c| c.files.iter().cloned()).collect();
    files.sort();
    files.dedup();
    args.report.write("diff", &findings, &summary, &files, color, out)?;
    Ok(args.report.exit(&findings))
}

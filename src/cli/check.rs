//! `mapcheck check`: the pre-merge gate run from `mapcheck.toml`; `mapcheck baseline`: record
//! today's findings so that `check` fails only on new ones; `mapcheck init`: scaffold a workspace.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::{Exit, FailOn, LoadArgs, ReportArgs};
pub use crate::check::Part;
use crate::check::{Checked, DEFAULT_BASELINE, Halt, Output, Parts, Rendering, apply_baseline, write_baseline};
use crate::report::OutputFormat;
use crate::workspace::Workspace;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Compare contracts with this git ref (default: the merge base of HEAD with the default branch).
    #[arg(long, value_name = "GIT-REF")]
    pub against: Option<String>,
    /// Baseline file: findings it records are left out (default: .mapcheck/baseline.json, when it exists).
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub baseline: Option<PathBuf>,
    /// Report every finding, recorded in the baseline or not.
    #[arg(long)]
    pub no_baseline: bool,
    /// Also write the report in FORMAT, to FILE (repeatable): the checks run once and each
    /// format is rendered from the same findings. Without `=FILE` the format goes to stdout
    /// instead of `--format`'s (at most one may). Example: `--output github --output
    /// sarif=mapcheck.sarif --output markdown=summary.md`.
    #[arg(long, value_name = "FORMAT[=FILE]", value_parser = Output::parse)]
    pub output: Vec<Output>,
    /// Leave these parts out (comma-separated): contracts (lint and breaking changes), mappings,
    /// samples (drift), crosswalk.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "PART,...",
        conflicts_with = "only"
    )]
    pub skip: Vec<Part>,
    /// Run only these parts (comma-separated; the names `--skip` takes).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PART,...")]
    pub only: Vec<Part>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Compare contracts with this git ref (default: as `check` does).
    #[arg(long, value_name = "GIT-REF")]
    pub against: Option<String>,
    /// Where to write the baseline.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct ReportCommandArgs {
    /// Write the HTML report to this file.
    #[arg(long, value_name = "FILE")]
    pub html: PathBuf,
    /// Compare contracts with this git ref (default: as `check` does).
    #[arg(long, value_name = "GIT-REF")]
    pub against: Option<String>,
    /// Baseline file, as for `check`.
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub baseline: Option<PathBuf>,
    /// Show every finding, recorded in the baseline or not.
    #[arg(long)]
    pub no_baseline: bool,
    /// Findings at or above this severity make the page say "fails" and the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory to set up.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

/// Runs the gate from mapcheck.toml's directory; a halt is printed and is `None` (exit code 2).
fn collect(against: Option<&str>, load: &LoadArgs, html: bool, parts: Parts) -> anyhow::Result<Option<Checked>> {
    let ws = Workspace::enter(crate::config::today())?;
    match crate::check::run(&ws, against, &load.options(), html, parts)? {
        Ok(checked) => Ok(Some(checked)),
        Err(Halt::Contracts(u)) => {
            super::diff::print_unusable(&u);
            Ok(None)
        }
        Err(Halt::Samples(stop)) => {
            super::drift::stopped(stop)?;
            Ok(None)
        }
    }
}

/// The exit code of a report of these findings: 2 when a contract could not be loaded, else 1 at
/// or above `--fail-on`.
fn exit_of(checked: &Checked, fail_on: FailOn) -> Exit {
    if checked.unusable > 0 {
        return Exit::Error;
    }
    fail_on.exit(&checked.findings)
}

pub fn run_check(args: &CheckArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    // Paths on the command line (--baseline, --output's files) are relative to where mapcheck
    // was started; the check runs from mapcheck.toml's directory.
    let baseline = args.baseline.as_ref().map(|p| crate::load::absolute(p));
    let outputs: Vec<Output> = args
        .output
        .iter()
        .map(|o| Output {
            format: o.format,
            file: o.file.as_ref().map(|f| crate::load::absolute(f)),
        })
        .collect();
    if outputs.iter().filter(|o| o.file.is_none()).count() > 1 {
        anyhow::bail!("--output: at most one format can go to stdout; give the others a file (FORMAT=FILE)");
    }
    let html = args.report.format == OutputFormat::Html || outputs.iter().any(|o| o.format == OutputFormat::Html);
    let parts = Parts::of(&args.skip, &args.only);
    let Some(mut checked) = collect(args.against.as_deref(), &args.load, html, parts)? else {
        return Ok(Exit::Error);
    };
    apply_baseline(&mut checked, baseline.as_deref(), args.no_baseline)?;
    let summary = checked.summary();
    let how = Rendering {
        fail_on: args.report.fail_on.threshold(),
        context: args.report.context,
    };
    let stdout_format = outputs
        .iter()
        .find(|o| o.file.is_none())
        .map_or(args.report.format, |o| o.format);
    checked.render(stdout_format, &summary, how, color, out)?;
    // In GitHub Actions, the job summary gets the markdown report too.
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty());
    checked.write_files(&outputs, &summary, how, step_summary.as_deref().map(Path::new))?;
    Ok(exit_of(&checked, args.report.fail_on))
}

/// `mapcheck report --html FILE`: what `check` reports, as one self-contained page.
pub fn run_report(args: &ReportCommandArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let target = crate::load::absolute(&args.html);
    let baseline = args.baseline.as_ref().map(|p| crate::load::absolute(p));
    let Some(mut checked) = collect(args.against.as_deref(), &args.load, true, Parts::ALL)? else {
        return Ok(Exit::Error);
    };
    apply_baseline(&mut checked, baseline.as_deref(), args.no_baseline)?;
    let summary = checked.summary();
    let how = Rendering {
        fail_on: args.fail_on.threshold(),
        context: 2,
    };
    let mut page = Vec::new();
    checked.render(OutputFormat::Html, &summary, how, false, &mut page)?;
    std::fs::write(&target, page).with_context(|| format!("writing {}", target.display()))?;
    writeln!(out, "wrote {} ({})", args.html.display(), summary.line())?;
    // The exit code says what the page says, as `check`'s does.
    Ok(exit_of(&checked, args.fail_on))
}

pub fn run_baseline(args: &BaselineArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let output = args.output.as_ref().map(|p| crate::load::absolute(p));
    let Some(checked) = collect(args.against.as_deref(), &args.load, false, Parts::ALL)? else {
        return Ok(Exit::Error);
    };
    let path = output.unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE));
    let count = write_baseline(&checked, &path)?;
    writeln!(
        out,
        "recorded {count} finding{} in {}; `mapcheck check` now fails only on new ones",
        if count == 1 { "" } else { "s" },
        path.display()
    )?;
    Ok(Exit::Clean)
}

pub fn run_init(args: &InitArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    crate::init::scaffold(&args.dir, out)?;
    Ok(Exit::Clean)
}

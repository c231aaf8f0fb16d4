//! `mapcheck check`: the pre-merge gate run from `mapcheck.toml`; `mapcheck baseline`: record
//! today's findings so that `check` fails only on new ones; `mapcheck init`: scaffold a workspace.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::{Exit, FailOn, LoadArgs, ReportArgs};
pub use crate::check::Part;
use crate::check::{Checked, DEFAULT_BASELINE, Halt, Parts, apply_baseline, write_baseline};
use crate::report::{OutputFormat, Summary};
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
    #[arg(long, value_name = "FORMAT[=FILE]", value_parser = parse_output)]
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

/// One `--output FORMAT[=FILE]`.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: OutputFormat,
    /// `None`: stdout.
    pub file: Option<PathBuf>,
}

fn parse_output(value: &str) -> Result<Output, String> {
    use clap::ValueEnum;
    let (name, file) = match value.split_once('=') {
        Some((name, file)) if !file.is_empty() => (name, Some(PathBuf::from(file))),
        Some((_, _)) => return Err(format!("`{value}`: the file after `=` is empty")),
        None => (value, None),
    };
    let format = OutputFormat::from_str(name, true).map_err(|_| {
        let known: Vec<String> = OutputFormat::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!("unknown format `{name}` (one of: {})", known.join(", "))
    })?;
    Ok(Output { format, file })
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
fn exit_of(checked: &Checked, report: &ReportArgs) -> Exit {
    if checked.unusable > 0 {
        return Exit::Error;
    }
    report.exit(&checked.findings)
}

/// Writes what `check` found; the HTML page gets the lineage and coverage sections too.
fn write_checked(
    report: &ReportArgs,
    checked: &Checked,
    summary: &Summary,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let cx = crate::report::ReportContext {
        command: "check",
        files: &checked.files,
        fail_on: report.fail_on.threshold(),
        color,
        aliases: &checked.aliases,
        sections: &checked.sections,
        context: report.context,
    };
    crate::report::render(report.format, &checked.findings, summary, &cx, out)
}

pub fn run_check(args: &CheckArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    // Paths on the command line are relative to where mapcheck was started.
    let baseline = args.baseline.as_ref().map(|p| crate::load::absolute(p));
    // Files named by --output are relative to where mapcheck was started, too.
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
    let summary =
        Summary::of(&checked.findings, checked.contracts, checked.unusable).with_suppressed(checked.suppressed);
    let stdout_format = outputs
        .iter()
        .find(|o| o.file.is_none())
        .map_or(args.report.format, |o| o.format);
    let on_stdout = ReportArgs {
        format: stdout_format,
        fail_on: args.report.fail_on,
        context: args.report.context,
    };
    write_checked(&on_stdout, &checked, &summary, color, out)?;
    for o in outputs.iter().filter(|o| o.file.is_some()) {
        let path = o.file.as_ref().expect("filtered");
        let report = ReportArgs {
            format: o.format,
            fail_on: args.report.fail_on,
            context: args.report.context,
        };
        let mut bytes = Vec::new();
        write_checked(&report, &checked, &summary, false, &mut bytes)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    // In GitHub Actions, the job summary gets the markdown report too.
    if let Some(step_summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty()) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&step_summary)
            .with_context(|| format!("GITHUB_STEP_SUMMARY ({})", Path::new(&step_summary).display()))?;
        let markdown = ReportArgs {
            format: OutputFormat::Markdown,
            fail_on: args.report.fail_on,
            context: args.report.context,
        };
        markdown.write_with_sources(
            "check",
            &checked.findings,
            &summary,
            &checked.files,
            &checked.aliases,
            false,
            &mut file,
        )?;
    }
    Ok(exit_of(&checked, &args.report))
}

/// `mapcheck report --html FILE`: what `check` reports, as one self-contained page.
pub fn run_report(args: &ReportCommandArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let target = crate::load::absolute(&args.html);
    let baseline = args.baseline.as_ref().map(|p| crate::load::absolute(p));
    let Some(mut checked) = collect(args.against.as_deref(), &args.load, true, Parts::ALL)? else {
        return Ok(Exit::Error);
    };
    apply_baseline(&mut checked, baseline.as_deref(), args.no_baseline)?;
    let summary =
        Summary::of(&checked.findings, checked.contracts, checked.unusable).with_suppressed(checked.suppressed);
    let mut page = Vec::new();
    let report = ReportArgs {
        format: OutputFormat::Html,
        fail_on: args.fail_on,
        context: 2,
    };
    write_checked(&report, &checked, &summary, false, &mut page)?;
    std::fs::write(&target, page).with_context(|| format!("writing {}", target.display()))?;
    writeln!(out, "wrote {} ({})", args.html.display(), summary.line())?;
    // The exit code says what the page says, as `check`'s does.
    Ok(exit_of(&checked, &report))
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

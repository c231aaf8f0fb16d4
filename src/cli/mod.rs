//! The command line: clap definitions and dispatch. Each command's logic lives in the library.

mod changelog;
mod check;
#[cfg(feature = "crosswalk")]
mod crosswalk;
mod diff;
mod docs;
mod drift;
mod infer;
mod inspect;
mod lint;
mod map;
mod rules;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::finding::{Finding, Severity};
use crate::load::LoadOptions;
use crate::model::Format;
use crate::report::{OutputFormat, ReportContext, Summary, render};

/// Exit codes, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing at or above the failure threshold.
    Clean = 0,
    /// Findings at or above `--fail-on`.
    Findings = 1,
    /// Bad usage or unusable input (missing file, unparseable contract).
    Error = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "mapcheck",
    version,
    about = "Schema and data-mapping governance for OpenAPI, Avro, Protobuf and JSON Schema contracts",
    long_about = "mapcheck loads OpenAPI (3.0/3.1), Avro, Protobuf (.proto, no protoc needed) and JSON Schema \
contracts into one model, and checks them: lint problems, breaking changes between versions, drift of \
sample data, field mappings into the canonical model, and the health of crosswalk ID tables, one by \
one or all at once as a pre-merge gate (`mapcheck check`).",
    after_help = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unusable input.\n\n\
Examples:\n  mapcheck inspect contracts/\n  mapcheck lint contracts/ --format json",
    arg_required_else_help = true
)]
pub struct Cli {
    /// When to colour output: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Print nothing on stderr but errors (no notes such as which git ref `check` compares with).
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print what each step did and how long it took, on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

pub use crate::progress::{detail, note};

/// Prints findings that stop a command (a contract or mapping that cannot be used) on stderr.
pub fn print_errors(errors: &[Finding]) {
    for f in errors {
        let at = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
        eprintln!("error: {at}: {}", f.message);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every named type and field with its path, type, constraints and file:line:col.
    #[command(after_help = "Examples:\n  mapcheck inspect contracts/crm/accounts.openapi.yaml\n  \
mapcheck inspect contracts/ --format json | jq '.contracts[].types[].fields[].path'\n  \
mapcheck inspect schemas/event.json --as avro")]
    Inspect(inspect::InspectArgs),
    /// Parse and validate contracts: unresolved refs, duplicate operationIds, bad defaults, compile errors.
    #[command(
        after_help = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 a file could not be loaded.\n\n\
Examples:\n  mapcheck lint contracts/\n  mapcheck lint api.yaml --fail-on warning\n  \
mapcheck lint protos/ -I third_party/ --format json"
    )]
    Lint(lint::LintArgs),
    /// Report what changed between two versions of a contract, and what breaks whom.
    #[command(
        after_help = "Exit codes: 0 nothing at or above --fail-on, 1 breaking changes, 2 a file could not be loaded.\n\n\
Examples:\n  mapcheck diff old/accounts.yaml contracts/crm/accounts.openapi.yaml\n  \
mapcheck diff v1.avsc v2.avsc --mode full\n  mapcheck diff old-protos/ protos/ --format json"
    )]
    Diff(diff::DiffArgs),
    /// Every change between two versions, breaking or not, grouped by contract and operation or type: release notes.
    #[command(
        after_help = "Exit codes: 0 listed (breaking changes do not fail it; `diff` and `check` gate), 2 a file could not be loaded.\n\n\
Examples:\n  mapcheck changelog --against latest-tag > CHANGES.md\n  \
mapcheck changelog old/accounts.yaml contracts/crm/accounts.openapi.yaml --format json"
    )]
    Changelog(changelog::ChangelogArgs),
    /// Field mappings into the canonical model: `map validate`, `impact`, `run`, `lineage`, `draft`.
    Map(map::MapArgs),
    /// The pre-merge gate: lint every contract and report what changed since the base branch, from mapcheck.toml.
    #[command(
        after_help = "Without --against, compares with the merge base of HEAD and the default branch (origin/HEAD, \
origin/main, origin/master, main or master) and says which it used. Findings recorded in the baseline \
(.mapcheck/baseline.json, or --baseline) are left out and counted. When GITHUB_STEP_SUMMARY is set, the \
markdown report is appended to it.\n\n\
Exit codes: 0 nothing new at or above --fail-on, 1 findings, 2 a file could not be loaded or bad usage.\n\n\
Examples:\n  mapcheck check\n  mapcheck check --against origin/main --format sarif > mapcheck.sarif\n  \
mapcheck check --no-baseline --fail-on warning"
    )]
    Check(check::CheckArgs),
    /// Record the fingerprints of today's findings, so that `check` fails only on new ones.
    #[command(
        after_help = "Examples:\n  mapcheck baseline\n  mapcheck baseline --against origin/main -o .mapcheck/baseline.json"
    )]
    Baseline(check::BaselineArgs),
    /// Write what `check` finds as one self-contained HTML page (no network): summary, chart, filterable table.
    #[command(
        after_help = "Examples:\n  mapcheck report --html mapcheck-report.html\n  mapcheck report --html out.html --against origin/main --no-baseline"
    )]
    Report(check::ReportCommandArgs),
    /// Scaffold mapcheck.toml, contracts/, mappings/ and a CI workflow; never overwrites a file.
    #[command(after_help = "Examples:\n  mapcheck init\n  mapcheck init path/to/repo")]
    Init(check::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(
        after_help = "Examples:\n  mapcheck completions bash > ~/.local/share/bash-completion/completions/mapcheck\n  \
mapcheck completions zsh > \"${fpath[1]}/_mapcheck\"\n  mapcheck completions fish > ~/.config/fish/completions/mapcheck.fish"
    )]
    Completions(docs::CompletionsArgs),
    /// Print the man page (roff) on stdout, or write one page per command into a directory.
    #[command(after_help = "Examples:\n  mapcheck man | man -l -\n  mapcheck man --dir /usr/local/share/man/man1")]
    Man(docs::ManArgs),
    /// Check sample records (NDJSON, JSON, CSV; gzip or zstd) against a contract type: undeclared
    /// and missing fields, nulls, types, enum values, formats and constraints.
    #[command(
        after_help = "Exit codes: 0 nothing at or above --fail-on, 1 drift, 2 a file could not be read or more than --max-errors malformed records.\n\n\
Examples:\n  mapcheck drift --contract contracts/crm/accounts.openapi.yaml --type Account exports/accounts.ndjson.gz\n  \
mapcheck drift --contract customer.avsc samples/ --max-rate 0.01 --format markdown"
    )]
    Drift(drift::DriftArgs),
    /// Write a contract draft (JSON Schema, Avro or OpenAPI) that describes sample records.
    #[command(
        after_help = "Exit codes: 0 a draft was written, 2 a file could not be read or more than --max-errors malformed records.\n\n\
Examples:\n  mapcheck infer exports/accounts.ndjson --to jsonschema > account.schema.json\n  \
mapcheck infer samples/*.csv.gz --to avro --required-threshold 0.99 -o customer.avsc"
    )]
    Infer(infer::InferArgs),
    /// List every rule mapcheck can report, with its category and default severity.
    #[command(after_help = "Examples:\n  mapcheck rules\n  mapcheck rules --format json | jq -r '.[].id'")]
    Rules(rules::RulesArgs),
    /// Explain one rule: what it detects, why it matters, and an example.
    #[command(after_help = "Examples:\n  mapcheck explain field-removed\n  mapcheck explain enum-value-added")]
    Explain(rules::ExplainArgs),
    /// Crosswalk ID tables in DuckDB: load, resolve, history, merge, check, report, export.
    #[cfg(feature = "crosswalk")]
    #[command(after_help = "Examples:\n  mapcheck crosswalk init\n  \
mapcheck crosswalk load crm-accounts.csv --system crm --entity customer\n  \
mapcheck crosswalk resolve --system crm 001xx\n  mapcheck crosswalk check --format json")]
    Crosswalk(crosswalk::CrosswalkArgs),
}

/// How findings are written and when they fail the run (`lint`, `diff`, `drift`).
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Lines of source either side of a change, shown as a unified diff of old and new (text and
    /// markdown).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub context: usize,
}

impl ReportArgs {
    /// Writes the report. `files` are the contract files checked; `command` names the report.
    pub fn write(
        &self,
        command: &str,
        findings: &[Finding],
        summary: &Summary,
        files: &[String],
        color: bool,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        self.write_with_sources(command, findings, summary, files, &[], color, out)
    }

    /// [`ReportArgs::write`] for findings in files shown under another name (`main:contracts/...`):
    /// `aliases` maps each shown prefix to the directory the files are in.
    #[allow(clippy::too_many_arguments)]
    pub fn write_with_sources(
        &self,
        command: &str,
        findings: &[Finding],
        summary: &Summary,
        files: &[String],
        aliases: &[(String, PathBuf)],
        color: bool,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let cx = ReportContext {
            command,
            files,
            fail_on: self.fail_on.threshold(),
            color,
            aliases,
            sections: &[],
            context: self.context,
        };
        render(self.format, findings, summary, &cx, out)
    }

    /// 1 when a finding is at or above `--fail-on`, else 0.
    pub fn exit(&self, findings: &[Finding]) -> Exit {
        self.fail_on.exit(findings)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// 1 when a finding is at or above this threshold, else 0.
    pub fn exit(self, findings: &[Finding]) -> Exit {
        let failing = self
            .threshold()
            .is_some_and(|t| findings.iter().any(|f| f.severity >= t));
        if failing { Exit::Findings } else { Exit::Clean }
    }

    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// Options every command that reads contracts shares.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Read every file as this format instead of detecting it from extension and content.
    #[arg(long = "as", value_enum, value_name = "FORMAT")]
    pub as_format: Option<FormatArg>,
    /// Local `$ref`s may not leave this directory (default: nearest ancestor with mapcheck.toml or .git).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Add a Protobuf import path (repeatable). Import roots are also discovered from imports.
    #[arg(short = 'I', long = "proto-path", value_name = "DIR")]
    pub proto_paths: Vec<PathBuf>,
}

impl LoadArgs {
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            format: self.as_format.map(Format::from),
            root: self.root.clone(),
            proto_paths: self.proto_paths.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Openapi,
    Avro,
    Protobuf,
    Jsonschema,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Openapi => Format::Openapi,
            FormatArg::Avro => Format::Avro,
            FormatArg::Protobuf => Format::Protobuf,
            FormatArg::Jsonschema => Format::Jsonschema,
        }
    }
}

/// Parses the command line, runs the command, and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { Exit::Error } else { Exit::Clean };
            let _ = e.print();
            return code.into();
        }
    };
    let color = cli.color.enabled();
    crate::progress::set(cli.quiet, cli.verbose);
    let stdout = std::io::stdout();
    // Block-buffered: stdout is line-buffered, and JSON reports are millions of lines.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = match &cli.command {
        Command::Inspect(args) => inspect::run(args, &mut out),
        Command::Lint(args) => lint::run(args, color, &mut out),
        Command::Diff(args) => diff::run(args, color, &mut out),
        Command::Check(args) => check::run_check(args, color, &mut out),
        Command::Map(args) => map::run(args, color, &mut out),
        Command::Baseline(args) => check::run_baseline(args, &mut out),
        Command::Init(args) => check::run_init(args, &mut out),
        Command::Report(args) => check::run_report(args, &mut out),
        Command::Changelog(args) => changelog::run(args, &mut out),
        Command::Completions(args) => docs::run_completions(args, &mut out),
        Command::Man(args) => docs::run_man(args, &mut out),
        Command::Drift(args) => drift::run(args, color, &mut out),
        Command::Infer(args) => infer::run(args, &mut out),
        Command::Rules(args) => rules::run_rules(args, &mut out),
        Command::Explain(args) => rules::run_explain(args, &mut out),
        #[cfg(feature = "crosswalk")]
        Command::Crosswalk(args) => crosswalk::run(args, color, &mut out),
    };
    let result = result.and_then(|code| out.flush().map(|_| code).map_err(Into::into));
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            // A closed pipe (`mapcheck inspect | head`) is not an error.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return Exit::Clean.into();
            }
            eprintln!("error: {e:#}");
            Exit::Error.into()
        }
    }
}

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, LoadArgs, ReportArgs};
use crate::compare::mode::Mode;
use crate::compare::protobuf::Level;
use crate::diff::{DiffRequest, Unusable, Version, compare_against, diff_versions};
use crate::finding::{Finding, Severity};
use crate::report::Summary;
use crate::suppress::Suppressed;
use crate::workspace::Workspace;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD NEW (files or directories). With a `*-transitive` mode, every earlier version and then
    /// the new one: V1 V2 ... NEW. With --against, the working-tree paths to compare (default: .).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Compare the working tree with this git ref (a branch, tag, `HEAD~3`, `origin/main`).
    #[arg(long, value_name = "GIT-REF")]
    pub against: Option<String>,
    /// Compatibility mode for data schemas: backward (new readers read old data), forward, full,
    /// none, or backward-transitive, forward-transitive, full-transitive (against every earlier
    /// version given, not only the latest). Default: the contract set's `mode` in mapcheck.toml,
    /// else backward.
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// How strictly Protobuf changes are judged, as buf's breaking categories do: wire (binary
    /// encoding), wire-json (binary and JSON), package (generated code per package) or file
    /// (generated code per file). Default: the contract set's `proto_level`, else file.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub proto_level: Option<Level>,
    /// How undeclared object properties are read when JSON Schema and OpenAPI schemas are compared:
    /// exact (JSON Schema's meaning: an object without `additionalProperties: false` accepts any
    /// undeclared property, so declaring one with a type narrows it) or declared (an API's
    /// convention: documents carry only declared properties). Default: the contract set's
    /// `content_model`, else `[jsonschema] content_model` for JSON Schema files, else exact for
    /// JSON Schema and declared for OpenAPI.
    #[arg(long, value_enum, value_name = "READING")]
    pub content_model: Option<crate::compare::subschema::Reading>,
    /// Show only the changes that break someone (errors and warnings); leave out the info ones.
    #[arg(long)]
    pub breaking_only: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// What `diff`'s arguments ask the library for.
fn request(args: &DiffArgs, today: &str) -> DiffRequest {
    DiffRequest {
        paths: args.paths.clone(),
        mode: args.mode,
        proto_level: args.proto_level,
        content_model: args.content_model,
        load: args.load.options(),
        today: today.to_string(),
    }
}

/// Prints the load errors of a version that could not be loaded: exit code 2.
pub fn print_unusable(u: &Unusable) -> Exit {
    for (at, message) in &u.errors {
        eprintln!("error: {at}: {message}");
    }
    Exit::Error
}

pub fn run(args: &DiffArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let ws = Workspace::discover(crate::config::today())?;
    match &args.against {
        Some(reference) => run_against(args, &ws, reference, color, out),
        None => run_versions(args, &ws, color, out),
    }
}

fn run_versions(args: &DiffArgs, ws: &Workspace, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let v = match diff_versions(&request(args, &ws.today), &ws.config)? {
        Ok(v) => v,
        Err(u) => return Ok(print_unusable(&u)),
    };
    let (newest, earlier) = v.split();
    let exit = write(args, &v.findings, v.suppressed, &earlier, newest, &[], color, out);
    // The process ends after one diff: freeing every parsed tree one by one would only cost time.
    std::mem::forget(v);
    exit
}

#[allow(clippy::too_many_arguments)]
fn write(
    args: &DiffArgs,
    findings: &[Finding],
    suppressed: Suppressed,
    earlier: &[&Version],
    newest: &Version,
    aliases: &[(String, PathBuf)],
    color: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let breaking: Vec<Finding>;
    let findings = if args.breaking_only {
        breaking = findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .cloned()
            .collect();
        &breaking[..]
    } else {
        findings
    };
    let mut files: Vec<String> = newest
        .loaded
        .contracts
        .iter()
        .flat_map(|c| c.files.iter().cloned())
        .collect();
    files.sort();
    files.dedup();
    let old_count = earlier.iter().map(|v| v.loaded.contracts.len()).max().unwrap_or(0);
    let summary = Summary::of(findings, newest.loaded.contracts.len().max(old_count), 0).with_suppressed(suppressed);
    args.report
        .write_with_sources("diff", findings, &summary, &files, aliases, color, out)?;
    Ok(args.report.exit(findings))
}

fn run_against(
    args: &DiffArgs,
    ws: &Workspace,
    reference: &str,
    color: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    match compare_against(&request(args, &ws.today), &ws.config, reference)? {
        Err(u) => Ok(print_unusable(&u)),
        Ok(a) => {
            let old: Vec<&Version> = a.old.iter().collect();
            let exit = write(args, &a.findings, a.suppressed, &old, &a.newest, &a.aliases, color, out);
            std::mem::forget(a);
            exit
        }
    }
}

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, LoadArgs, ReportArgs};
use crate::compare::mode::Mode;
use crate::compare::protobuf::Level;
use crate::diff::{DiffRequest, Unusable};
use crate::finding::{Finding, Severity};
use crate::report::Summary;
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
    let d = match crate::diff::run(&request(args, &ws.today), &ws.config, args.against.as_deref())? {
        Ok(d) => d,
        Err(u) => return Ok(print_unusable(&u)),
    };
    let breaking: Vec<Finding>;
    let findings = if args.breaking_only {
        breaking = d
            .findings()
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .cloned()
            .collect();
        &breaking[..]
    } else {
        d.findings()
    };
    let summary = Summary::of(findings, d.contracts(), 0).with_suppressed(d.suppressed());
    args.report
        .write_with_sources("diff", findings, &summary, &d.files(), d.aliases(), color, out)?;
    let exit = args.report.exit(findings);
    // The process ends after one diff: freeing every parsed tree one by one would only cost time.
    std::mem::forget(d);
    Ok(exit)
}

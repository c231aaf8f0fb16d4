//! `mapcheck changelog`: every change between two versions, breaking or not, grouped by contract
//! and by operation or type, as release notes (markdown) or JSON ([`crate::changelog`]). It runs
//! the same comparison as `diff`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::diff::print_unusable;
use super::{Exit, LoadArgs};
use crate::changelog::{group, write_markdown};
use crate::compare::mode::Mode;
use crate::compare::protobuf::Level;
use crate::diff::DiffRequest;

#[derive(Debug, Args)]
pub struct ChangelogArgs {
    /// OLD NEW (files or directories); with --against, the working-tree paths (default: .).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// List what changed since this git ref (a branch, tag, `latest-tag`, `HEAD~3`).
    #[arg(long, value_name = "GIT-REF")]
    pub against: Option<String>,
    /// Compatibility mode that judges which changes break (as for `diff`).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Protobuf strictness (as for `diff`).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub proto_level: Option<Level>,
    /// How undeclared object properties are read (as for `diff`).
    #[arg(long, value_enum, value_name = "READING")]
    pub content_model: Option<crate::compare::subschema::Reading>,
    /// markdown (release notes) or json.
    #[arg(long, value_enum, default_value_t = ChangelogFormat::Markdown)]
    pub format: ChangelogFormat,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChangelogFormat {
    Markdown,
    Json,
}

pub fn run(args: &ChangelogArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let crate::workspace::Workspace { config, today } = crate::workspace::Workspace::discover(crate::config::today())?;
    let req = DiffRequest {
        paths: args.paths.clone(),
        mode: args.mode,
        proto_level: args.proto_level,
        content_model: args.content_model,
        load: args.load.options(),
        today,
    };
    let d = match crate::diff::run(&req, &config, args.against.as_deref())? {
        Ok(d) => d,
        Err(u) => return Ok(print_unusable(&u)),
    };
    let contracts = group(d.findings());
    // The process ends next: freeing every parsed tree one by one would only cost time.
    std::mem::forget(d);
    match args.format {
        ChangelogFormat::Json => {
            let total: usize = contracts.iter().flat_map(|c| &c.groups).map(|g| g.changes.len()).sum();
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({ "schema_version": 1, "changes": total, "contracts": contracts }),
            )?;
            writeln!(out)?;
        }
        ChangelogFormat::Markdown => write_markdown(&contracts, out)?,
    }
    Ok(Exit::Clean)
}

//! `mapcheck crosswalk ...`: the ID tables in the DuckDB store.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::{Exit, ReportArgs};
use crate::crosswalk::bar::Bar;
use crate::crosswalk::export::{ExportFormat, ExportRequest};
use crate::crosswalk::input::InputFormat;
use crate::crosswalk::load::LoadRequest;
use crate::crosswalk::report::ReportFormat;
use crate::crosswalk::store::Store;
use crate::crosswalk::{check, export, history, load, merge, report, resolve};
use crate::report::Summary;

#[derive(Debug, Args)]
pub struct CrosswalkArgs {
    /// The store: a DuckDB file. Default: `[crosswalk] db` in mapcheck.toml, else
    /// .mapcheck/crosswalk.duckdb beside mapcheck.toml (or in the current directory).
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: CrosswalkCommand,
}

#[derive(Debug, Subcommand)]
pub enum CrosswalkCommand {
    /// Create the store, or upgrade an older one to this version's schema.
    #[command(after_help = "Examples:\n  mapcheck crosswalk init\n  mapcheck crosswalk init --db state/ids.duckdb")]
    Init,
    /// Load links of one system and entity from a CSV, NDJSON or Parquet file, in one transaction.
    #[command(
        after_help = "Exit codes: 0 loaded (or nothing to change), 2 malformed rows, unreadable file, or the store is in use.\n\n\
Examples:\n  mapcheck crosswalk load crm-accounts.csv --system crm --entity customer\n  \
mapcheck crosswalk load erp.parquet --system erp --entity customer --source-column KUNNR --canonical-column customer_uuid\n  \
mapcheck crosswalk load new-ids.ndjson --system billing --entity customer --mint uuid --dry-run\n  \
mapcheck crosswalk load crm.csv --system crm --entity customer --reject-file rejected.csv"
    )]
    Load(LoadCmd),
    /// Resolve source ids of a system to canonical ids (following merges), now or as of a time.
    #[command(
        after_help = "Exit codes: 0 every id resolved to exactly one canonical id, 1 some did not, 2 error.\n\n\
Examples:\n  mapcheck crosswalk resolve --system crm 001xx 002yy\n  \
mapcheck crosswalk resolve --system erp --file ids.txt --as-of 2026-01-31 --format csv"
    )]
    Resolve(ResolveCmd),
    /// Every link an id ever had (as source id or canonical id), and its merges.
    #[command(
        after_help = "Examples:\n  mapcheck crosswalk history 001xx\n  mapcheck crosswalk history 7f3c0e4a --format json"
    )]
    History(HistoryCmd),
    /// Merge canonical id FROM into INTO: links move to INTO, a redirect FROM -> INTO is kept.
    #[command(after_help = "Cycles are refused. Examples:\n  mapcheck crosswalk merge 7f3c0e4a 91b2d4c8")]
    Merge(MergeCmd),
    /// Check the store: conflicts, one-to-one violations, merge redirects, orphans, coverage.
    #[command(
        after_help = "Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 error.\n\n\
Examples:\n  mapcheck crosswalk check\n  mapcheck crosswalk check --format sarif --fail-on warning"
    )]
    Check(CheckCmd),
    /// Coverage, conflicts, orphans and recent changes as Markdown, HTML (one page), JSON or CSV.
    #[command(
        after_help = "Examples:\n  mapcheck crosswalk report --format html > crosswalk.html\n  mapcheck crosswalk report --format markdown"
    )]
    Report(ReportCmd),
    /// Write the current links (or every link ever, with --history) as CSV or Parquet.
    #[command(
        after_help = "Examples:\n  mapcheck crosswalk export --format parquet --output links.parquet\n  \
mapcheck crosswalk export --format csv --history --system crm > crm-history.csv"
    )]
    Export(ExportCmd),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mint {
    /// A random (version 4) UUID.
    Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Plain {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct LoadCmd {
    /// The file: .csv (or .tsv), .ndjson/.jsonl, or .parquet.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The source system the ids come from (`crm`, `erp`).
    #[arg(long)]
    pub system: String,
    /// The entity they identify (`customer`, `product`).
    #[arg(long)]
    pub entity: String,
    /// The feed within the system. Loads replace links of their own feed only; two feeds that
    /// disagree about a source id are a conflict.
    #[arg(long, default_value = "default")]
    pub feed: String,
    /// The column (or NDJSON field) with the source id.
    #[arg(long, default_value = "source_id", value_name = "NAME")]
    pub source_column: String,
    /// The column (or NDJSON field) with the canonical id.
    #[arg(long, default_value = "canonical_id", value_name = "NAME")]
    pub canonical_column: String,
    /// The file's format, when its extension does not say.
    #[arg(long = "input-format", value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
    /// Mint canonical ids for source ids that have none (in the file or the store).
    #[arg(long, value_enum, value_name = "KIND")]
    pub mint: Option<Mint>,
    /// Show what would change and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The longest row read (bytes, or with a unit: `64MiB`); a longer NDJSON line is a malformed
    /// row, a longer CSV record refuses the file. Never held in memory whole.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = crate::samples::read::parse_size)]
    pub max_record_bytes: u64,
    /// Write malformed rows to this CSV file and load the rest (default: refuse the whole file).
    #[arg(long, value_name = "PATH")]
    pub reject_file: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Plain::Text)]
    pub format: Plain,
}

#[derive(Debug, Args)]
pub struct ResolveCmd {
    /// The system the ids belong to.
    #[arg(long)]
    pub system: String,
    /// Only links of this entity (default: every entity).
    #[arg(long)]
    pub entity: Option<String>,
    /// Source ids.
    #[arg(value_name = "ID", required_unless_present = "file", conflicts_with = "file")]
    pub ids: Vec<String>,
    /// Read ids from this file, one per line (`-`: standard input).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Resolve as of this UTC time (`2026-11-26`, `2026-11-26T14:30:00Z`) instead of now.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    #[arg(long, value_enum, default_value_t = resolve::ResolveFormat::Text)]
    pub format: resolve::ResolveFormat,
}

#[derive(Debug, Args)]
pub struct HistoryCmd {
    /// A source id or canonical id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Only links of this system.
    #[arg(long)]
    pub system: Option<String>,
    #[arg(long, value_enum, default_value_t = Plain::Text)]
    pub format: Plain,
}

#[derive(Debug, Args)]
pub struct MergeCmd {
    /// The canonical id that goes away.
    #[arg(value_name = "CANONICAL_FROM")]
    pub from: String,
    /// The canonical id that survives.
    #[arg(value_name = "CANONICAL_INTO")]
    pub into: String,
    #[arg(long, value_enum, default_value_t = Plain::Text)]
    pub format: Plain,
}

#[derive(Debug, Args)]
pub struct CheckCmd {
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ReportCmd {
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExportCmd {
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Every link ever (closed ones too), not only the active ones.
    #[arg(long)]
    pub history: bool,
    /// Only links of this system.
    #[arg(long)]
    pub system: Option<String>,
    /// Only links of this entity.
    #[arg(long)]
    pub entity: Option<String>,
    /// The file to write (required for Parquet; CSV goes to standard output without it).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &CrosswalkArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let crate::workspace::Workspace { config, today } = crate::workspace::Workspace::discover(crate::config::today())?;
    let db = args.db.clone().unwrap_or_else(|| config.crosswalk_db());
    match &args.command {
        CrosswalkCommand::Init => Store::init(&db)?.write_text(&db, out)?,
        CrosswalkCommand::Load(cmd) => {
            let format = InputFormat::of(&cmd.file, cmd.input_format)?;
            let req = LoadRequest {
                file: &cmd.file,
                format,
                system: &cmd.system,
                entity: &cmd.entity,
                feed: &cmd.feed,
                source_column: &cmd.source_column,
                canonical_column: &cmd.canonical_column,
                mint: cmd.mint.is_some(),
                dry_run: cmd.dry_run,
                reject_file: cmd.reject_file.as_deref(),
                max_row_bytes: cmd.max_record_bytes,
            };
            let outcome = load::run(&db, &req, &mut Bar::for_file(&cmd.file, format))?;
            match cmd.format {
                Plain::Json => writeln!(out, "{}", serde_json::to_string_pretty(&outcome)?)?,
                Plain::Text => {
                    let shown = crate::load::display_path(&cmd.file);
                    let what = format!("{}/{} ({}) from {shown}", cmd.system, cmd.entity, cmd.feed);
                    outcome.write_text(&what, cmd.reject_file.as_deref(), out)?
                }
            }
        }
        CrosswalkCommand::Resolve(cmd) => {
            let ids = match &cmd.file {
                None => cmd.ids.clone(),
                Some(path) => resolve::read_ids(path)?,
            };
            let resolved = resolve::run(&db, &cmd.system, cmd.entity.as_deref(), ids, cmd.as_of.as_deref())?;
            resolve::write(&resolved, cmd.format, out)?;
            let note = resolve::shortfall(&resolved, &cmd.system);
            // The process ends next: freeing a million results one by one would only cost time.
            std::mem::forget(resolved);
            if let Some(note) = note {
                eprintln!("{note}");
                return Ok(Exit::Findings);
            }
        }
        CrosswalkCommand::History(cmd) => {
            let h = history::run(&db, &cmd.id, cmd.system.as_deref())?;
            match cmd.format {
                Plain::Json => writeln!(out, "{}", serde_json::to_string_pretty(&h)?)?,
                Plain::Text if h.links.is_empty() && h.redirects.is_empty() => {
                    writeln!(out, "no links ever mentioned '{}'", h.id)?;
                    return Ok(Exit::Findings);
                }
                Plain::Text => h.write_text(out)?,
            }
        }
        CrosswalkCommand::Merge(cmd) => {
            let o = merge::run(&db, &cmd.from, &cmd.into)?;
            match cmd.format {
                Plain::Json => writeln!(out, "{}", serde_json::to_string_pretty(&o)?)?,
                Plain::Text => o.write_text(out)?,
            }
        }
        CrosswalkCommand::Check(cmd) => {
            let (_, mut findings) = check::run(&db, &config.crosswalk)?;
            let suppressed = crate::suppress::apply(&mut findings, &config, &[], &today);
            let mut summary = Summary::of(&findings, 1, 0).with_suppressed(suppressed);
            summary.unit = Some("crosswalk store");
            let files = vec![crate::load::display_path(&db)];
            cmd.report
                .write("crosswalk check", &findings, &summary, &files, color, out)?;
            return Ok(cmd.report.exit(&findings));
        }
        CrosswalkCommand::Report(cmd) => {
            let r = report::build(&db, &config.crosswalk)?;
            match &cmd.output {
                None => report::render(&r, cmd.format, out)?,
                Some(path) => crate::write::whole(path, |file| {
                    let mut w = std::io::BufWriter::new(file);
                    report::render(&r, cmd.format, &mut w)?;
                    let shown = crate::load::display_path(path);
                    w.flush().with_context(|| format!("{shown}: cannot write"))
                })?,
            }
        }
        CrosswalkCommand::Export(cmd) => {
            let req = ExportRequest {
                format: cmd.format,
                history: cmd.history,
                system: cmd.system.as_deref(),
                entity: cmd.entity.as_deref(),
            };
            let rows = export::run(&db, &req, cmd.output.as_deref(), out)?;
            if let Some(path) = &cmd.output {
                eprintln!("wrote {rows} links to {}", crate::load::display_path(path));
            }
        }
    }
    Ok(Exit::Clean)
}

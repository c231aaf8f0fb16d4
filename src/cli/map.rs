//! `mapcheck map validate` and `mapcheck map lineage`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::{Exit, LoadArgs, ReportArgs};
use crate::config::Config;
use crate::mapping::batch::{Keep, RunRequest};
use crate::mapping::files::{Read, crosswalk_findings};
use crate::mapping::{Contracts, lineage, validate};
use crate::workspace::{Workspace, mapping_root};

use crate::report::Summary;

#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(subcommand)]
    pub command: MapCommand,
}

#[derive(Debug, Subcommand)]
pub enum MapCommand {
    /// Check mappings against their source contracts and the pinned canonical version.
    #[command(
        after_help = "Without MAPPING, every mappings/*.yaml of the workspace (the directory of mapcheck.toml).\n\n\
Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 bad usage.\n\n\
Examples:\n  mapcheck map validate\n  mapcheck map validate mappings/crm-account-to-customer.yaml --format json"
    )]
    Validate(ValidateArgs),
    /// Which mapping lines the contract changes since a git ref break, and which they touch.
    #[command(
        after_help = "Without --against, compares with the merge base of HEAD and the default branch, as `check` does.\n\n\
Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 bad usage or no ref to compare with.\n\n\
Examples:\n  mapcheck map impact --against origin/main\n  mapcheck map impact --format markdown > impact.md"
    )]
    Impact(ImpactArgs),
    /// Apply a mapping to source samples (NDJSON): canonical records out, each validated against the canonical schema.
    #[command(
        after_help = "Records go to --out (or stdout, with the report on stderr). `crosswalk:` rules look ids up \
in the crosswalk store's active links (after merge redirects); an id without a link is an orphan and one \
with two active canonical ids a conflict, both reported and never invented.\n\n\
Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 bad usage or an invalid mapping.\n\n\
Examples:\n  mapcheck map run mappings/crm-account-to-customer.yaml samples/accounts.ndjson --out customers.ndjson\n  \
mapcheck map run mappings/erp-customer-to-customer.yaml erp.ndjson --out /dev/null --format json"
    )]
    Run(RunArgs),
    /// For each canonical field: which source fields of which systems feed it, and how.
    #[command(
        after_help = "Examples:\n  mapcheck map lineage\n  mapcheck map lineage --format json | jq '.[].fields[] | select(.sources == [])'\n  mapcheck map lineage --format html > lineage.html"
    )]
    Lineage(LineageArgs),
    /// Draft a mapping file: each canonical field paired with its most likely source field.
    #[command(
        after_help = "Pairs fields by normalised names (case, separators, abbreviations and synonyms such as Id/identifier or PostalCode/zip), types and formats, and with --samples by the values seen (enum values are paired into an `enum:` map). Each rule says its confidence and the runner-up; required canonical fields without a likely source are `# TODO` comments. Only fields the source contract has are named.\n\n\
Exit codes: 0 written, 2 bad usage (a contract, type or version that is not there).\n\n\
Examples:\n  mapcheck map draft --source contracts/crm/accounts.openapi.yaml --type Account --target customer@1 \
-o mappings/crm-account-to-customer.yaml\n  mapcheck map draft --source contracts/shop/orders.schema.json --type ShopOrder \
--target order@v1 --samples samples/orders.ndjson"
    )]
    Draft(DraftArgs),
}

#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The source contract (relative to the workspace root).
    #[arg(long, value_name = "CONTRACT")]
    pub source: String,
    /// The source type in it (`Account`, `erp.customers.v1.Customer`).
    #[arg(long = "type", value_name = "NAME")]
    pub type_name: String,
    /// The canonical entity and version: `customer@1` (or `customer@v1`).
    #[arg(long, value_name = "ENTITY@VERSION")]
    pub target: String,
    /// Source records (NDJSON, JSON, CSV, Parquet) whose values help pair fields and enum values.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub samples: Vec<PathBuf>,
    /// Write the draft here instead of stdout (an existing file is not overwritten).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Mapping files (default: mappings/*.yaml).
    #[arg(value_name = "MAPPING")]
    pub mappings: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct ImpactArgs {
    /// Mapping files (default: mappings/*.yaml).
    #[arg(value_name = "MAPPING")]
    pub mappings: Vec<PathBuf>,
    /// The git ref the contracts are compared with (default: the merge base with the default branch).
    #[arg(long, value_name = "GIT-REF")]
    pub against: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The mapping to apply.
    #[arg(value_name = "MAPPING")]
    pub mapping: PathBuf,
    /// Source records: NDJSON files (one JSON object per line), JSON arrays, CSV, Parquet, Avro
    /// data files or binary Protobuf (with --proto-type); text formats optionally .gz or .zst.
    #[arg(value_name = "SAMPLE", required = true)]
    pub samples: Vec<PathBuf>,
    /// How source records wrap the rows to map: `debezium` change events (the `after` row of
    /// creates, snapshot reads and updates is mapped; deletes and tombstones are counted and
    /// skipped) or `kafka-connect` `{schema, payload}` records (the payload is mapped).
    #[arg(long, value_enum, value_name = "KIND", default_value = "none")]
    pub envelope: crate::samples::envelope::Envelope,
    #[command(flatten)]
    pub proto: super::drift::ProtoArgs,
    /// Write the canonical records (NDJSON) here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The crosswalk store for `crosswalk:` lookups (default: `[crosswalk] db` of mapcheck.toml,
    /// else .mapcheck/crosswalk.duckdb).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Dead-letter file (NDJSON): every record that fails (a transform error, an orphan id, a
    /// canonical record the schema rejects) as one line with its source file and line, the source
    /// record unchanged, the canonical record as built and every error. Such a file can be given
    /// back as a SAMPLE after a fix: its source records are mapped again.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Also write records that fail to --out (by default only records that pass are written).
    #[arg(long)]
    pub keep_invalid: bool,
    /// Drop duplicate source records: records with the same value at this source path (dotted,
    /// `customer.id`) across all inputs are one record; the others are skipped and counted.
    /// Memory: one 128-bit hash per distinct key.
    #[arg(long, value_name = "PATH")]
    pub dedupe_key: Option<String>,
    /// Which duplicate is mapped: the first in input order, or the last (the latest version of
    /// the record).
    #[arg(long, value_enum, default_value_t = Keep::First, requires = "dedupe_key")]
    pub keep: Keep,
    /// The largest source record read (bytes, or with a unit: `64MiB`); a longer line is a
    /// malformed record, skipped without being held in memory.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = crate::samples::read::parse_size)]
    pub max_record_bytes: u64,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct LineageArgs {
    /// Mapping files (default: mappings/*.yaml).
    #[arg(value_name = "MAPPING")]
    pub mappings: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = LineageFormat::Markdown)]
    pub format: LineageFormat,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LineageFormat {
    Markdown,
    Json,
    /// One self-contained page: the lineage matrix.
    Html,
}

pub fn run(args: &MapArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    match &args.command {
        MapCommand::Validate(a) => run_validate(a, color, out),
        MapCommand::Impact(a) => run_impact(a, color, out),
        MapCommand::Run(a) => run_run(a, color, out),
        MapCommand::Lineage(a) => run_lineage(a, out),
        MapCommand::Draft(a) => run_draft(a, out),
    }
}

fn run_draft(args: &DraftArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let root = mapping_root()?;
    let (entity, version) = crate::mapping::draft::parse_target(&args.target)?;
    let seen = if args.samples.is_empty() {
        Default::default()
    } else {
        let files = super::drift::sample_files(&args.samples)?;
        match crate::samples::scan(&files, None, crate::samples::ScanOptions::default()) {
            Ok(scan) => crate::mapping::draft::seen_values(&scan.observed),
            Err(e) => return super::drift::scan_failed(e),
        }
    };
    let mut contracts = Contracts::new(&root, args.load.options());
    let text = crate::mapping::draft_mapping(&mut contracts, &args.source, &args.type_name, entity, version, &seen)
        .map_err(|e| anyhow::anyhow!(e))?;
    match &args.output {
        Some(path) => {
            crate::write::new_file(path, text.as_bytes()).with_context(|| {
                format!(
                    "{}: cannot create (an existing file is not overwritten)",
                    path.display()
                )
            })?;
            super::note(format!("map draft: written to {}", path.display()));
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Exit::Clean)
}

fn run_validate(args: &ValidateArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let Workspace { config, today } = Workspace::discover(crate::config::today())?;
    let read = Read::of(mapping_root()?, &args.mappings)?;
    let mut findings = read.problems.clone();
    let mut contracts = Contracts::new(&read.root, args.load.options());
    findings.extend(validate(&read.mappings, &mut contracts));
    findings.extend(crosswalk_findings(&config.crosswalk_db(), &read.mappings));
    // Snippets quote the mapping files, which are shown relative to the workspace root.
    write_mapping_report(
        "map validate",
        &args.report,
        findings,
        &config,
        &today,
        &read,
        color,
        out,
    )
}

/// Writes a report on mapping files: findings normalized and suppressed as mapcheck.toml says,
/// snippets quoting the mapping files.
#[allow(clippy::too_many_arguments)]
fn write_mapping_report(
    command: &str,
    report: &ReportArgs,
    mut findings: Vec<crate::finding::Finding>,
    config: &Config,
    today: &str,
    read: &Read,
    color: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    crate::finding::normalize(&mut findings);
    let suppressed = crate::suppress::apply(&mut findings, config, &[], today);
    let summary = Summary {
        contracts: read.shown.len(),
        unit: Some("mapping file"),
        ..Summary::of(&findings, 0, 0).with_suppressed(suppressed)
    };
    report.write_with_sources(command, &findings, &summary, &read.shown, &read.aliases(), color, out)?;
    Ok(report.exit(&findings))
}

fn run_impact(args: &ImpactArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let Workspace { config, today } = Workspace::discover(crate::config::today())?;
    let read = Read::of(mapping_root()?, &args.mappings)?;
    let (reference, described) = match &args.against {
        Some(r) => (r.clone(), r.clone()),
        None => match crate::git::default_base() {
            crate::git::Base::Found {
                reference, described, ..
            } => (reference, described),
            _ => anyhow::bail!("map impact needs a git ref to compare with: pass --against <GIT-REF>"),
        },
    };
    super::note(format_args!("map impact: comparing contracts with {described}"));
    let snapshot = crate::git::snapshot(&reference)?;
    let mut before = Contracts::at_snapshot(&snapshot, &read.root, &args.load.options())
        .ok_or_else(|| anyhow::anyhow!("{}: outside the git repository", read.root.display()))?;
    let mut now = Contracts::new(&read.root, args.load.options());
    let mut findings = read.problems.clone();
    findings.extend(crate::mapping::impact(&read.mappings, &mut before, &mut now, &today));
    write_mapping_report("map impact", &args.report, findings, &config, &today, &read, color, out)
}

fn run_run(args: &RunArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    for s in &args.samples {
        if !s.is_file() {
            anyhow::bail!("{}: no such file", s.display());
        }
    }
    let req = RunRequest {
        root: mapping_root()?,
        mapping: &args.mapping,
        samples: &args.samples,
        envelope: args.envelope,
        proto: args.proto.spec(),
        out: args.out.as_deref(),
        db: args.db.as_deref(),
        configured_db: &|| Ok(Config::discover()?.crosswalk_db()),
        rejects: args.rejects.as_deref(),
        keep_invalid: args.keep_invalid,
        dedupe_key: args.dedupe_key.as_deref(),
        keep: args.keep,
        max_record_bytes: args.max_record_bytes,
        load: args.load.options(),
    };
    let ran = match crate::mapping::batch::run(&req, out)? {
        Ok(ran) => ran,
        Err(invalid) => {
            super::print_errors(&invalid);
            anyhow::bail!(
                "{}: the mapping does not validate; fix it first (mapcheck map validate)",
                args.mapping.display()
            );
        }
    };
    let summary = Summary {
        contracts: 1,
        unit: Some("mapping"),
        ..Summary::of(&ran.findings, 1, 0)
    };
    let files_shown = [ran.mapping_file];
    if args.out.is_some() {
        super::note(ran.summary_line);
        args.report
            .write("map run", &ran.findings, &summary, &files_shown, color, out)?;
    } else {
        // Records went to stdout: the report goes to stderr.
        let mut err = std::io::stderr().lock();
        args.report
            .write("map run", &ran.findings, &summary, &files_shown, false, &mut err)?;
        super::note(ran.summary_line);
    }
    Ok(args.report.exit(&ran.findings))
}

fn run_lineage(args: &LineageArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let read = Read::of(mapping_root()?, &args.mappings)?;
    for p in &read.problems {
        if let Some(l) = &p.location {
            eprintln!("warning: {l}: {}", p.message);
        }
    }
    let mut contracts = Contracts::new(&read.root, args.load.options());
    let lineages = lineage(&read.mappings, &mut contracts);
    match args.format {
        LineageFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &lineages)?;
            writeln!(out)?;
        }
        LineageFormat::Markdown => crate::report::markdown::lineage(&lineages, out)?,
        LineageFormat::Html => out.write_all(crate::report::html::lineage_page(&lineages).as_bytes())?,
    }
    Ok(Exit::Clean)
}

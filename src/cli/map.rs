//! `mapcheck map validate` and `mapcheck map lineage`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::{Exit, LoadArgs, ReportArgs};
use crate::config::Config;
use crate::mapping::spec::Mapping;
use crate::mapping::{Lineage, Workspace, lineage, validate};

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
    let (entity, version) = args
        .target
        .split_once('@')
        .and_then(|(e, v)| Some((e, v.trim_start_matches('v').parse::<u32>().ok()?)))
        .filter(|(e, _)| !e.is_empty())
        .ok_or_else(|| anyhow::anyhow!("--target {}: expected ENTITY@VERSION, like customer@1", args.target))?;
    let seen = if args.samples.is_empty() {
        Default::default()
    } else {
        let files = super::drift::sample_files(&args.samples)?;
        match crate::samples::scan(&files, None, crate::samples::ScanOptions::default()) {
            Ok(scan) => crate::mapping::draft::seen_values(&scan.observed),
            Err(e) => return super::drift::scan_failed(e),
        }
    };
    let mut opts = args.load.options();
    opts.root.get_or_insert_with(|| root.clone());
    let mut ws = Workspace::new(&root, opts);
    let text = crate::mapping::draft_mapping(&mut ws, &args.source, &args.type_name, entity, version, &seen)
        .map_err(|e| anyhow::anyhow!(e))?;
    match &args.output {
        Some(path) => {
            use std::io::Write as _;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .with_context(|| {
                    format!(
                        "{}: cannot create (an existing file is not overwritten)",
                        path.display()
                    )
                })?;
            file.write_all(text.as_bytes())?;
            super::note(format!("map draft: written to {}", path.display()));
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Exit::Clean)
}

/// The workspace root (mapcheck.toml's directory, else the current one) and the mapping files.
/// The directory mapping paths are relative to: mapcheck.toml's, else the current one.
fn mapping_root() -> anyhow::Result<PathBuf> {
    let config = Config::discover()?;
    match config.path {
        Some(_) => Ok(config.dir),
        None => std::env::current_dir().context("the current directory"),
    }
}

pub(super) fn mapping_files(given: &[PathBuf]) -> anyhow::Result<(PathBuf, Vec<PathBuf>, Vec<String>)> {
    let root = mapping_root()?;
    let files: Vec<PathBuf> = if given.is_empty() {
        let dir = root.join("mappings");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        found.sort();
        // Found by listing the folder, not named by anyone: a link out of the workspace is refused
        // rather than read (its text would end up in parse errors).
        for p in &found {
            if let Err(outside) = crate::load::inside_root(&crate::load::absolute(&root), &crate::load::absolute(p)) {
                anyhow::bail!(
                    "{}: {}; it is not read",
                    crate::load::display_path(p),
                    outside.describe(&crate::load::absolute(&root))
                );
            }
        }
        found
    } else {
        for p in given {
            if !p.is_file() {
                anyhow::bail!("{}: no such file", p.display());
            }
        }
        given.iter().map(|p| crate::load::absolute(p)).collect()
    };
    // Shown relative to the workspace root, as contracts are.
    let shown = files
        .iter()
        .map(|p| {
            let abs = crate::load::absolute(p);
            abs.strip_prefix(crate::load::absolute(&root))
                .map(|r| r.display().to_string())
                .unwrap_or_else(|_| p.display().to_string())
        })
        .collect();
    Ok((root, files, shown))
}

pub(super) fn read_mappings(
    files: &[PathBuf],
    shown: &[String],
) -> anyhow::Result<(Vec<Mapping>, Vec<crate::finding::Finding>)> {
    let mut mappings = Vec::new();
    let mut problems = Vec::new();
    for (path, name) in files.iter().zip(shown) {
        let text = std::fs::read_to_string(path).with_context(|| format!("{name}: cannot read"))?;
        let (m, p) = crate::mapping::spec::parse(name, &text);
        mappings.extend(m);
        problems.extend(p);
    }
    Ok((mappings, problems))
}

fn run_validate(args: &ValidateArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let config = Config::discover()?;
    let (root, files, shown) = mapping_files(&args.mappings)?;
    let (mappings, mut findings) = read_mappings(&files, &shown)?;
    let mut opts = args.load.options();
    opts.root.get_or_insert_with(|| root.clone());
    let mut ws = Workspace::new(&root, opts);
    findings.extend(validate(&mappings, &mut ws));
    findings.extend(crosswalk_findings(&config, &mappings));
    crate::finding::normalize(&mut findings);
    let suppressed = crate::suppress::apply(&mut findings, &config, &[], &crate::config::today());
    let summary = Summary::of(&findings, 0, 0).with_suppressed(suppressed);
    let summary = Summary {
        contracts: shown.len(),
        unit: Some("mapping file"),
        ..summary
    };
    // Snippets quote the mapping files, which are shown relative to the workspace root.
    let aliases: Vec<(String, PathBuf)> = shown.iter().zip(&files).map(|(s, f)| (s.clone(), f.clone())).collect();
    args.report
        .write_with_sources("map validate", &findings, &summary, &shown, &aliases, color, out)?;
    Ok(args.report.exit(&findings))
}

fn run_impact(args: &ImpactArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let config = Config::discover()?;
    let (root, files, shown) = mapping_files(&args.mappings)?;
    let (mappings, mut findings) = read_mappings(&files, &shown)?;
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
    let old_root = snapshot
        .path_for(&root)
        .ok_or_else(|| anyhow::anyhow!("{}: outside the git repository", root.display()))?;
    let mut new_opts = args.load.options();
    new_opts.root.get_or_insert_with(|| root.clone());
    let mut old_opts = args.load.options();
    old_opts.root = Some(old_root.clone());
    old_opts.proto_paths = old_opts
        .proto_paths
        .iter()
        .filter_map(|p| snapshot.path_for(p))
        .collect();
    let mut old_ws = Workspace::new(&old_root, old_opts);
    let mut new_ws = Workspace::new(&root, new_opts);
    findings.extend(crate::mapping::impact(
        &mappings,
        &mut old_ws,
        &mut new_ws,
        &crate::config::today(),
    ));
    crate::finding::normalize(&mut findings);
    let suppressed = crate::suppress::apply(&mut findings, &config, &[], &crate::config::today());
    let summary = Summary {
        contracts: shown.len(),
        unit: Some("mapping file"),
        ..Summary::of(&findings, 0, 0).with_suppressed(suppressed)
    };
    let aliases: Vec<(String, PathBuf)> = shown.iter().zip(&files).map(|(s, f)| (s.clone(), f.clone())).collect();
    args.report
        .write_with_sources("map impact", &findings, &summary, &shown, &aliases, color, out)?;
    Ok(args.report.exit(&findings))
}

fn run_run(args: &RunArgs, color: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    use crate::finding::Finding;
    use crate::mapping::rules::{
        MAP_RUN_INVALID_RECORD, MAP_RUN_MALFORMED_RECORD, MAP_RUN_ORPHAN_ID, MAP_RUN_TRANSFORM_FAILED,
    };
    use crate::model::{Location, Pos};

    for s in &args.samples {
        if !s.is_file() {
            anyhow::bail!("{}: no such file", s.display());
        }
    }
    let started = std::time::Instant::now();
    let (root, files, shown) = mapping_files(std::slice::from_ref(&args.mapping))?;
    let (mappings, problems) = read_mappings(&files, &shown)?;
    let mut opts = args.load.options();
    opts.root.get_or_insert_with(|| root.clone());
    let mut ws = Workspace::new(&root, opts);
    let mut invalid: Vec<_> = problems;
    invalid.extend(
        validate(&mappings, &mut ws)
            .into_iter()
            .filter(|f| f.severity == crate::finding::Severity::Error),
    );
    super::detail(started, "map run: mapping validated");
    let Some(mapping) = mappings.first().filter(|_| invalid.is_empty()) else {
        for f in &invalid {
            let at = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
            eprintln!("error: {at}: {}", f.message);
        }
        anyhow::bail!(
            "{}: the mapping does not validate; fix it first (mapcheck map validate)",
            args.mapping.display()
        );
    };
    // The canonical schema the records must satisfy (JSON-Schema-shaped canonical versions).
    let canonical = ws
        .canonical_versions(&mapping.target.entity)
        .get(&mapping.target.version)
        .cloned()
        .unwrap_or_default();
    let canonical_path = root.join(&canonical);
    let schema = crate::load::read_json_document(&canonical_path, &canonical)?;
    // Records are validated for which keywords fail (no copy of a record per error); the exact
    // validator words the first message of each kind.
    fn compile<F: ::jsonschema::json::Json>(
        schema: &serde_json::Value,
        shown: &str,
    ) -> anyhow::Result<::jsonschema::Validator<F>> {
        // Formats are assertions here, as drift checks them: a canonical `uuid` that is not one
        // fails the record.
        ::jsonschema::options_for::<F>()
            .should_validate_formats(true)
            .build(schema)
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))
    }
    let validator = Validators {
        keywords: compile(&schema, &canonical)?,
        exact: compile(&schema, &canonical)?,
    };

    // Never write over an input (replaying a rejects file into itself would empty it first).
    for written in [&args.out, &args.rejects].into_iter().flatten() {
        let target = std::fs::canonicalize(written).ok();
        if target.is_some() && args.samples.iter().any(|s| std::fs::canonicalize(s).ok() == target) {
            anyhow::bail!("{}: is also an input; write to another file", written.display());
        }
    }
    let mut rejects_file = match &args.rejects {
        Some(path) => Some(std::io::BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => None,
    };
    let mut sink: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock())),
    };
    let started = std::time::Instant::now();
    let crosswalks = Crosswalks::open(mapping, args.db.as_deref())?;
    super::detail(started, "map run: crosswalk links read");
    let proto = match args.proto.spec() {
        Some(spec) => Some(
            spec.resolve(&root.join(&mapping.source.contract), &args.load.options().proto_paths)
                .map_err(|e| anyhow::anyhow!("--proto-type: {e}"))?,
        ),
        None => None,
    };
    let input = Input {
        max_record: args.max_record_bytes,
        envelope: args.envelope,
        proto: proto.as_ref(),
    };
    let dedupe_path: Vec<&str> = args
        .dedupe_key
        .as_deref()
        .map(|k| k.split('.').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let winners = match &args.dedupe_key {
        Some(_) => {
            let started = std::time::Instant::now();
            let w = dedupe_winners(&args.samples, &dedupe_path, args.keep, &input)?;
            super::detail(started, format_args!("map run: {} distinct keys", w.len()));
            Some(w)
        }
        None => None,
    };
    let started = std::time::Instant::now();
    let tally = run_batches(
        &args.samples,
        mapping,
        &validator,
        &crosswalks,
        &input,
        Sinks {
            out: &mut sink,
            rejects: rejects_file.as_mut().map(|f| f as &mut dyn Write),
            keep_invalid: args.keep_invalid,
            dedupe: winners.as_ref().map(|w| (dedupe_path.as_slice(), w)),
        },
    )?;
    crosswalks.leave();
    sink.flush()?;
    drop(sink);
    if let Some(mut f) = rejects_file {
        f.flush()?;
    }
    let Tally {
        records,
        written,
        rejected,
        skipped,
        deletes,
        transform,
        orphans,
        invalid_records,
        malformed,
    } = tally;
    super::detail(started, format_args!("map run: {records} records"));
    let sample_file = crate::load::display_path(&args.samples[0]);
    let mut findings = Vec::new();
    for (rule, problems, one, many) in [
        (
            &MAP_RUN_INVALID_RECORD,
            &invalid_records,
            "canonical record fails",
            "canonical records fail",
        ),
        (
            &MAP_RUN_TRANSFORM_FAILED,
            &transform,
            "record: rule failed,",
            "records: rule failed,",
        ),
        (&MAP_RUN_ORPHAN_ID, &orphans, "record:", "records:"),
        (&MAP_RUN_MALFORMED_RECORD, &malformed, "line is", "lines are"),
    ] {
        for (kind, p) in &problems.by_kind {
            let what = if p.count == 1 { one } else { many };
            let first = p.places.first().cloned().unwrap_or_default();
            let (file, line) = first.rsplit_once(':').unwrap_or((&sample_file, "0"));
            let rate = if records > 0 {
                p.count as f64 * 100.0 / records as f64
            } else {
                0.0
            };
            let message = format!(
                "{} {what} {kind}: {} ({rate:.1}% of {records}; first at {})",
                p.count,
                p.example,
                p.places.join(", ")
            );
            let location = Location::new(file.to_string(), "", Pos::new(line.parse().unwrap_or(0), 1));
            findings.push(Finding::new(rule, message, location).with_path(format!("{}: {kind}", mapping.name)));
        }
    }
    crate::finding::normalize(&mut findings);
    let summary = crate::report::Summary {
        contracts: 1,
        unit: Some("mapping"),
        ..crate::report::Summary::of(&findings, 1, 0)
    };
    let files_shown = vec![shown[0].clone()];
    let malformed_lines: u64 = malformed.by_kind.values().map(|p| p.count).sum();
    let note = format!(
        "map run: {records} source records: {written} canonical records written, {rejected} rejected{}{}{}{}",
        match &args.rejects {
            Some(path) if rejected > 0 => format!(" (to {})", path.display()),
            _ if rejected > 0 && !args.keep_invalid => " (not written; --rejects FILE keeps them)".to_string(),
            _ => String::new(),
        },
        if args.dedupe_key.is_some() {
            format!(", {skipped} duplicates skipped")
        } else {
            String::new()
        },
        if args.envelope != crate::samples::envelope::Envelope::None {
            format!(", {deletes} deletes and tombstones skipped")
        } else {
            String::new()
        },
        if malformed_lines > 0 {
            format!(", {malformed_lines} lines skipped as malformed")
        } else {
            String::new()
        }
    );
    match &args.out {
        Some(_) => {
            super::note(note);
            args.report
                .write("map run", &findings, &summary, &files_shown, color, out)?;
        }
        None => {
            // Records went to stdout: the report goes to stderr.
            let mut err = std::io::stderr().lock();
            args.report
                .write("map run", &findings, &summary, &files_shown, false, &mut err)?;
            super::note(note);
        }
    }
    Ok(args.report.exit(&findings))
}

/// `mapping-unknown-crosswalk` findings: `crosswalk:` lookups of pairs the configured crosswalk
/// store has never linked. Nothing when there is no store (or no crosswalk feature).
pub(super) fn crosswalk_findings(config: &Config, mappings: &[Mapping]) -> Vec<crate::finding::Finding> {
    use crate::mapping::spec::Transform;
    let uses = mappings.iter().any(|m| {
        m.rules
            .iter()
            .any(|r| matches!(r.transform, Transform::Crosswalk { .. }))
    });
    if !uses {
        return Vec::new();
    }
    #[cfg(feature = "crosswalk")]
    {
        use crate::crosswalk::store::{Access, Store};
        let db = config.crosswalk_db();
        if !db.exists() {
            return Vec::new();
        }
        let shown = crate::load::display_path(&db);
        let known = Store::open(&db, Access::Read)
            .map_err(anyhow::Error::from)
            .and_then(|store| crate::crosswalk::resolve::known_pairs(&store));
        match known {
            Ok(known) => crate::mapping::check_crosswalks(mappings, &known, &shown),
            Err(e) => {
                super::note(format!("warning: crosswalk lookups not checked against {shown}: {e:#}"));
                Vec::new()
            }
        }
    }
    #[cfg(not(feature = "crosswalk"))]
    {
        let _ = config;
        Vec::new()
    }
}

/// The active links of every (system, entity) a mapping looks ids up in, read once before the
/// run so that each record's lookup is a hash probe.
#[derive(Default)]
struct Crosswalks {
    #[cfg(feature = "crosswalk")]
    tables: std::collections::HashMap<String, std::collections::HashMap<String, crate::crosswalk::resolve::LinkTable>>,
}

impl Crosswalks {
    /// Reads the links `mapping` needs. Without a store (none given and none at the configured
    /// place) every looked-up id is an orphan, which the report says.
    fn open(mapping: &Mapping, db: Option<&Path>) -> anyhow::Result<Crosswalks> {
        use crate::mapping::spec::Transform;
        let pairs: std::collections::BTreeSet<(&str, &str)> = mapping
            .rules
            .iter()
            .filter_map(|r| match &r.transform {
                Transform::Crosswalk { system, entity } => Some((system.as_str(), entity.as_str())),
                _ => None,
            })
            .collect();
        if pairs.is_empty() {
            return Ok(Crosswalks::default());
        }
        Crosswalks::read(&pairs, db)
    }

    #[cfg(feature = "crosswalk")]
    fn read(pairs: &std::collections::BTreeSet<(&str, &str)>, db: Option<&Path>) -> anyhow::Result<Crosswalks> {
        use crate::crosswalk::store::{Access, Store};
        use crate::load::display_path as shown;
        let path = match db {
            Some(p) => p.to_path_buf(),
            None => {
                let configured = Config::discover()?.crosswalk_db();
                if !configured.exists() {
                    super::note(format!(
                        "map run: no crosswalk store at {}: every crosswalk id is reported as an orphan \
                         (load links with `mapcheck crosswalk load`, or give --db)",
                        shown(&configured)
                    ));
                    return Ok(Crosswalks::default());
                }
                configured
            }
        };
        let store = Store::open(&path, Access::Read)?;
        let mut tables: std::collections::HashMap<String, std::collections::HashMap<_, _>> = Default::default();
        for (system, entity) in pairs {
            let table = crate::crosswalk::resolve::active_links(&store, system, entity)?;
            if table.is_empty() {
                super::note(format!(
                    "map run: {} has no active {system}/{entity} links",
                    shown(&path)
                ));
            }
            tables
                .entry(system.to_string())
                .or_default()
                .insert(entity.to_string(), table);
        }
        Ok(Crosswalks { tables })
    }

    #[cfg(not(feature = "crosswalk"))]
    fn read(_: &std::collections::BTreeSet<(&str, &str)>, db: Option<&Path>) -> anyhow::Result<Crosswalks> {
        if let Some(db) = db {
            anyhow::bail!(
                "--db {}: this mapcheck was built without the crosswalk store (feature `crosswalk`)",
                db.display()
            );
        }
        super::note("map run: built without the crosswalk store: every crosswalk id is reported as an orphan");
        Ok(Crosswalks::default())
    }

    /// The process ends soon after the run: a million boxed ids take a tenth of a second to free,
    /// so the links are left to the end of the process.
    fn leave(self) {
        #[cfg(feature = "crosswalk")]
        std::mem::forget(self.tables);
    }

    fn lookup(&self, system: &str, entity: &str, id: &str) -> Result<String, crate::mapping::run::Miss> {
        use crate::mapping::run::Miss;
        #[cfg(feature = "crosswalk")]
        if let Some(table) = self.tables.get(system).and_then(|t| t.get(entity)) {
            use crate::crosswalk::resolve::Lookup;
            return match table.get(id) {
                Lookup::Found(c) => Ok(c.to_string()),
                Lookup::Unlinked => Err(Miss::Unlinked),
                Lookup::Conflict => Err(Miss::Conflict),
            };
        }
        let _ = (system, entity, id);
        Err(Miss::Unlinked)
    }
}

/// What a run (or one batch of it) counted.
#[derive(Default)]
struct Tally {
    records: u64,
    written: u64,
    /// Records that failed (written to --rejects when given).
    rejected: u64,
    /// Duplicates dropped by --dedupe-key.
    skipped: u64,
    /// Events with no row to map (Debezium deletes and tombstones, under --envelope).
    deletes: u64,
    transform: crate::mapping::run::Problems,
    orphans: crate::mapping::run::Problems,
    invalid_records: crate::mapping::run::Problems,
    malformed: crate::mapping::run::Problems,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.records += o.records;
        self.written += o.written;
        self.rejected += o.rejected;
        self.skipped += o.skipped;
        self.deletes += o.deletes;
        self.transform.merge(o.transform);
        self.orphans.merge(o.orphans);
        self.invalid_records.merge(o.invalid_records);
        self.malformed.merge(o.malformed);
    }
}

/// Lines of one sample file, with their numbers.
/// A run of whole lines of one sample file, and the number of its first line.
/// Which of duplicate records `map run --dedupe-key` maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Keep {
    First,
    Last,
}

/// For `--dedupe-key`: per key hash, the record that is mapped, as (input index, line).
type Winners = std::collections::HashMap<u128, (u32, u64)>;

/// A record's key for `--dedupe-key`: a 128-bit hash of the JSON of the value at `path`
/// (`None` when the record has no value there: it is never a duplicate).
fn dedupe_hash(record: &crate::json::Tree, path: &[&str]) -> Option<u128> {
    use std::hash::{Hash, Hasher};
    let mut v = record;
    for key in path {
        v = v.get(key)?;
    }
    if v.is_null() {
        return None;
    }
    let mut text = Vec::new();
    v.write_json(&mut text);
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        text.hash(&mut h);
        h.finish()
    };
    Some((u128::from(half(0)) << 64) | u128::from(half(1)))
}

/// First pass of `--dedupe-key`: which occurrence of each key is mapped. Chunks are read on every
/// core; their answers merge by input order, so the result does not depend on timing.
fn dedupe_winners(samples: &[PathBuf], path: &[&str], keep: Keep, input: &Input) -> anyhow::Result<Winners> {
    use rayon::prelude::*;
    let better = |keep: Keep, new: (u32, u64), old: (u32, u64)| match keep {
        Keep::First => new < old,
        Keep::Last => new > old,
    };
    let offer = |map: &mut Winners, h: u128, at: (u32, u64)| {
        map.entry(h)
            .and_modify(|w| {
                if better(keep, at, *w) {
                    *w = at;
                }
            })
            .or_insert(at);
    };
    let merge = |mut a: Winners, b: Winners| {
        for (h, at) in b {
            offer(&mut a, h, at);
        }
        a
    };
    let mut winners = Winners::new();
    for (n, sample) in samples.iter().enumerate() {
        // Batches stream through (never the whole file at once); each fills its own map.
        let part = line_batches(sample, input)?
            .par_bridge()
            .map(|chunk| -> std::io::Result<Winners> {
                let mut chunk = chunk?;
                let mut part = Winners::new();
                let mut events = crate::samples::envelope::Events::default();
                crate::samples::read::ndjson_chunk(
                    &mut chunk,
                    input.max_record,
                    &mut |record, line| {
                        let Ok(Some(row)) = source_row(record, input.envelope, line, &mut events) else {
                            return;
                        };
                        if let Some(h) = dedupe_hash(&row, path) {
                            offer(&mut part, h, (n as u32, line));
                        }
                    },
                    &mut |_| {},
                );
                Ok(part)
            })
            .try_reduce(Winners::new, |a, b| Ok(merge(a, b)))
            .with_context(|| format!("{}: read failed", sample.display()))?;
        winners = merge(winners, part);
    }
    Ok(winners)
}

/// How `map run` reads its inputs.
struct Input<'p> {
    max_record: u64,
    envelope: crate::samples::envelope::Envelope,
    proto: Option<&'p crate::samples::protobuf::ProtoSamples>,
}

/// The source row a record holds: the record itself, the source record of a line of a rejects
/// file (replayed), or under an envelope the row as it stands after the event (`None` for a
/// delete or a tombstone). `Err` says why the record is malformed.
fn source_row<'a>(
    record: crate::json::View<'_, 'a>,
    envelope: crate::samples::envelope::Envelope,
    line: u64,
    events: &mut crate::samples::envelope::Events,
) -> Result<Option<crate::json::Tree<'a>>, String> {
    use crate::samples::envelope::{self, Envelope};
    if envelope == Envelope::None {
        if !record.is_object() {
            return Err("a JSON value that is not an object".into());
        }
        let tree = record.to_tree();
        return Ok(Some(match crate::mapping::run::replayed(&tree) {
            Some(source) => source.clone(),
            None => tree,
        }));
    }
    // A line of a rejects file holds a row already.
    if record.is_object() {
        let tree = record.to_tree();
        if let Some(source) = crate::mapping::run::replayed(&tree) {
            return Ok(Some(source.clone()));
        }
    }
    let at = crate::samples::observe::Loc { file: 0, line };
    let unwrapped = envelope::unwrap(envelope, record, at, events)?;
    match unwrapped.current {
        Some(row) if row.is_object() => Ok(Some(row.to_tree())),
        Some(_) => Err(format!("the {} row is not an object", envelope.name())),
        None => Ok(None),
    }
}

/// Batches of NDJSON lines from one sample file of any layout: NDJSON as it is read; other
/// layouts record by record, each written as a line that keeps its own line, row or record number
/// (read on a thread of their own, a few batches ahead).
fn line_batches(
    sample: &Path,
    input: &Input,
) -> anyhow::Result<Box<dyn Iterator<Item = std::io::Result<crate::samples::read::Chunk>> + Send>> {
    use crate::samples::read::{self, Chunk, Layout};
    let shown = crate::load::display_path(sample);
    let opened = read::open(sample, &shown)?;
    if opened.layout == Layout::Ndjson {
        return Ok(Box::new(read::Chunks::new(
            opened.reader,
            BATCH_BYTES,
            input.max_record,
        )));
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Chunk>>(4);
    let path = sample.to_path_buf();
    let proto = input.proto.cloned();
    let max_record = input.max_record;
    std::thread::Builder::new()
        .name("map-run-reader".into())
        .spawn(move || {
            let chunk = std::cell::RefCell::new(Chunk::default());
            let open = std::cell::Cell::new(true);
            let read = crate::samples::each_record(
                &path,
                &shown,
                opened,
                max_record,
                proto.as_ref(),
                &mut |value, n| {
                    let mut c = chunk.borrow_mut();
                    if c.numbers.is_empty() {
                        c.first_line = n;
                    }
                    if serde_json::to_writer(&mut c.bytes, &value).is_err() {
                        c.bytes.extend_from_slice(b"null");
                    }
                    c.bytes.push(b'\n');
                    c.numbers.push(n);
                    if c.bytes.len() >= BATCH_BYTES {
                        open.set(tx.send(Ok(std::mem::take(&mut *c))).is_ok());
                    }
                    open.get()
                },
                &mut |m| {
                    chunk.borrow_mut().malformed.push(m);
                    open.get()
                },
            );
            let chunk = chunk.into_inner();
            if open.get() && (!chunk.bytes.is_empty() || !chunk.malformed.is_empty()) {
                let _ = tx.send(Ok(chunk));
            }
            if let Err(e) = read {
                let _ = tx.send(Err(std::io::Error::other(format!("{shown}: {e}"))));
            }
        })
        .context("cannot start a reader thread")?;
    Ok(Box::new(rx.into_iter()))
}

struct Batch {
    index: usize,
    /// Which input, by position.
    input: u32,
    file: std::sync::Arc<str>,
    chunk: crate::samples::read::Chunk,
}

/// Bytes per batch (whole lines): about 1,000 records of a few hundred bytes.
const BATCH_BYTES: usize = 1 << 19;

/// Reads the samples in batches, maps and validates them on every core, and writes the canonical
/// records in input order.
/// Where `map run` writes: canonical records, and the records that fail.
struct Sinks<'s> {
    out: &'s mut dyn Write,
    rejects: Option<&'s mut dyn Write>,
    keep_invalid: bool,
    /// `--dedupe-key`: the key's path and which record of each key is mapped.
    dedupe: Option<(&'s [&'s str], &'s Winners)>,
}

fn run_batches(
    samples: &[PathBuf],
    mapping: &Mapping,
    validator: &Validators,
    crosswalks: &Crosswalks,
    input: &Input,
    sinks: Sinks,
) -> anyhow::Result<Tally> {
    let max_record = input.max_record;
    let envelope = input.envelope;
    use std::sync::{Arc, Mutex, mpsc};
    let Sinks {
        out: sink,
        rejects: mut rejects_sink,
        keep_invalid,
        dedupe,
    } = sinks;
    let with_rejects = rejects_sink.is_some();

    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    std::thread::scope(|scope| -> anyhow::Result<Tally> {
        let (work_tx, work_rx) = mpsc::sync_channel::<Batch>(workers * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<(usize, Vec<u8>, Vec<u8>, Tally)>();
        for _ in 0..workers {
            let (work_rx, done_tx) = (Arc::clone(&work_rx), done_tx.clone());
            scope.spawn(move || {
                let mut lookup = |s: &str, e: &str, id: &str| crosswalks.lookup(s, e, id);
                let plan = crate::mapping::run::Plan::new(mapping);
                let mut failures = Vec::new();
                let mut seen: Vec<(bool, String)> = Vec::new();
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(batch)) = next else { break };
                    let mut out = Vec::with_capacity(batch.chunk.bytes.len() + batch.chunk.bytes.len() / 2);
                    let mut rejected = Vec::new();
                    let mut t = Tally::default();
                    let file = &batch.file;
                    let input = batch.input;
                    let mut chunk = batch.chunk;
                    // Records of another layout, written as lines: their damage is not JSON's.
                    let converted = !chunk.numbers.is_empty() || !chunk.malformed.is_empty();
                    let mut events = crate::samples::envelope::Events::default();
                    let mut malformed = crate::mapping::run::Problems::default();
                    crate::samples::read::ndjson_chunk(
                        &mut chunk,
                        max_record,
                        &mut |record, line_no| {
                            t.records += 1;
                            let at = || format!("{file}:{line_no}");
                            // A line of a rejects file: its source record is mapped again.
                            let tree = match source_row(record, envelope, line_no, &mut events) {
                                Ok(Some(row)) => row,
                                Ok(None) => {
                                    t.deletes += 1;
                                    return;
                                }
                                Err(why) => {
                                    let kind = if envelope == crate::samples::envelope::Envelope::None {
                                        "not a JSON object".to_string()
                                    } else {
                                        format!("not a {} event", envelope.name())
                                    };
                                    t.malformed.add(&kind, at, || why);
                                    return;
                                }
                            };
                            let record = &tree;
                            if let Some((path, winners)) = dedupe
                                && let Some(h) = dedupe_hash(record, path)
                                && winners.get(&h) != Some(&(input, line_no))
                            {
                                t.skipped += 1;
                                return;
                            }
                            failures.clear();
                            let canonical = crate::mapping::run::apply(&plan, record, &mut lookup, &mut failures);
                            let valid = validator.keywords.is_valid(&canonical);
                            let failed = !failures.is_empty() || !valid;
                            // Only a record that failed is written out again, to the rejects file.
                            let mut reject = (with_rejects && failed).then(|| {
                                crate::mapping::run::Reject::new(file, line_no, record, &canonical, &failures)
                            });
                            // Counts are of records: a kind is counted once per record, however
                            // often the record shows it (each element of an array, say).
                            seen.clear();
                            for (target, why) in failures.drain(..) {
                                let orphan = crate::mapping::run::is_orphan(&why);
                                let kind = format!("`{target}`");
                                if seen.contains(&(orphan, kind.clone())) {
                                    continue;
                                }
                                let bucket = if orphan { &mut t.orphans } else { &mut t.transform };
                                bucket.add(&kind, at, || why.clone());
                                seen.push((orphan, kind));
                            }
                            if !valid {
                                for e in validator.keywords.iter_errors(&canonical) {
                                    let kind = crate::mapping::run::failure_kind(&e);
                                    if seen.iter().any(|(_, k)| *k == kind) {
                                        continue;
                                    }
                                    t.invalid_records.add(&kind, at, || validator.message(&canonical, &e));
                                    seen.push((false, kind));
                                }
                                if let Some(reject) = &mut reject {
                                    // The exact validator words each error of this record.
                                    for e in validator.exact.iter_errors(&canonical) {
                                        reject.invalid(&e);
                                    }
                                }
                            }
                            if failed {
                                t.rejected += 1;
                                if let Some(reject) = reject {
                                    reject.write(&mut rejected);
                                }
                            }
                            if !failed || keep_invalid {
                                plan.write(&canonical, &mut out);
                                out.push(b'\n');
                                t.written += 1;
                            }
                        },
                        &mut |m| {
                            let kind = if crate::samples::read::is_too_long(&m) {
                                "too long"
                            } else if converted {
                                "unreadable"
                            } else {
                                "not JSON"
                            };
                            malformed.add(kind, || format!("{file}:{}", m.line), || m.message)
                        },
                    );
                    // Malformed lines are records read too.
                    t.records += malformed.by_kind.values().map(|p| p.count).sum::<u64>();
                    t.malformed.merge(malformed);
                    if done_tx.send((batch.index, out, rejected, t)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // The reader: runs of whole lines in batches; a closed channel means the workers are gone.
        // Every input is opened first, so one that cannot be read stops the run before any output.
        let mut batches = Vec::with_capacity(samples.len());
        for sample in samples {
            batches.push(Some(line_batches(sample, input)?));
        }
        let reader = scope.spawn(move || -> anyhow::Result<()> {
            let mut index = 0;
            for (position, sample) in samples.iter().enumerate() {
                let file: Arc<str> = crate::load::display_path(sample).into();
                for chunk in batches[position].take().into_iter().flatten() {
                    let chunk = chunk.with_context(|| format!("{}: read failed", sample.display()))?;
                    let batch = Batch {
                        index,
                        input: position as u32,
                        file: Arc::clone(&file),
                        chunk,
                    };
                    index += 1;
                    if work_tx.send(batch).is_err() {
                        return Ok(());
                    }
                }
            }
            Ok(())
        });
        // This thread writes: batches come back in any order and go out in input order.
        let mut pending = std::collections::BTreeMap::new();
        let (mut next, mut total) = (0usize, Tally::default());
        let mut write_error = None;
        for (index, bytes, rejected, t) in done_rx {
            pending.insert(index, (bytes, rejected, t));
            while let Some((bytes, rejected, t)) = pending.remove(&next) {
                if write_error.is_none()
                    && let Err(e) = sink.write_all(&bytes)
                {
                    write_error = Some(e);
                }
                if write_error.is_none()
                    && let Some(r) = rejects_sink.as_mut()
                    && let Err(e) = r.write_all(&rejected)
                {
                    write_error = Some(e);
                }
                total.merge(t);
                next += 1;
            }
        }
        reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        if let Some(e) = write_error {
            return Err(e.into());
        }
        Ok(total)
    })
}

/// The canonical schema, compiled for counting failures and for wording them.
struct Validators {
    keywords: ::jsonschema::Validator<crate::json::TreeKeywords>,
    exact: ::jsonschema::Validator<crate::json::Trees>,
}

impl Validators {
    /// The exact message of a failure `keywords` found.
    fn message(&self, record: &crate::json::Tree, failure: &::jsonschema::ValidationError) -> String {
        let kind = crate::mapping::run::failure_kind(failure);
        let same = |e: &::jsonschema::ValidationError| {
            e.schema_path() == failure.schema_path()
                && e.instance_path() == failure.instance_path()
                && crate::mapping::run::failure_kind(e) == kind
        };
        let exact = self.exact.iter_errors(record).find(same);
        short(&exact.as_ref().unwrap_or(failure).to_string())
    }
}

/// A validation message, cut to a readable length (they quote whole values).
fn short(message: &str) -> String {
    let mut s: String = message.chars().take(120).collect();
    if s.len() < message.len() {
        s.push('…');
    }
    s
}

fn run_lineage(args: &LineageArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let (root, files, shown) = mapping_files(&args.mappings)?;
    let (mappings, problems) = read_mappings(&files, &shown)?;
    for p in &problems {
        if let Some(l) = &p.location {
            eprintln!("warning: {l}: {}", p.message);
        }
    }
    let mut opts = args.load.options();
    opts.root.get_or_insert_with(|| root.clone());
    let mut ws = Workspace::new(&root, opts);
    let lineages = lineage(&mappings, &mut ws);
    match args.format {
        LineageFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &lineages)?;
            writeln!(out)?;
        }
        LineageFormat::Markdown => write_markdown(&lineages, out)?,
        LineageFormat::Html => out.write_all(crate::report::html::lineage_page(&lineages).as_bytes())?,
    }
    Ok(Exit::Clean)
}

fn write_markdown(lineages: &[Lineage], out: &mut dyn Write) -> std::io::Result<()> {
    if lineages.is_empty() {
        return writeln!(out, "No mapping targets a canonical entity version that exists.");
    }
    // Names come from users' files: no control characters or line breaks reach the page raw.
    let p = |s: &str| crate::report::printable(s).into_owned();
    for l in lineages {
        writeln!(out, "## {} v{} (`{}`)\n", p(&l.entity), l.version, p(&l.file))?;
        writeln!(out, "| canonical field | required | fed by |")?;
        writeln!(out, "|---|---|---|")?;
        let mut unfilled = Vec::new();
        for f in &l.fields {
            let fed = if f.through_fields {
                "(through its fields)".to_string()
            } else if f.sources.is_empty() {
                unfilled.push(f.path.as_str());
                "—".to_string()
            } else {
                f.sources
                    .iter()
                    .map(|s| {
                        let from = if s.from.is_empty() {
                            String::new()
                        } else {
                            format!(" `{}`", p(&s.from.join("`, `")))
                        };
                        format!("{}{from} ({})", p(&s.system), p(&s.transform))
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            writeln!(
                out,
                "| `{}` | {} | {fed} |",
                p(&f.path),
                if f.required { "yes" } else { "" }
            )?;
        }
        writeln!(out)?;
        if !unfilled.is_empty() {
            writeln!(
                out,
                "No source fills: {}.\n",
                unfilled
                    .iter()
                    .map(|u| format!("`{}`", p(u)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    Ok(())
}

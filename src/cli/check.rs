//! `mapcheck check`: the pre-merge gate run from `mapcheck.toml`; `mapcheck baseline`: record
//! today's findings so that `check` fails only on new ones; `mapcheck init`: scaffold a workspace.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};

use super::{Exit, FailOn, LoadArgs, ReportArgs};
use crate::config::Config;
use crate::finding::Finding;
use crate::load::load_paths;
use crate::report::{OutputFormat, Summary};
use crate::samples::freshness::Freshness;
use crate::suppress::Suppressed;

/// Where the baseline lives unless `--baseline` says otherwise (relative to mapcheck.toml).
const DEFAULT_BASELINE: &str = ".mapcheck/baseline.json";

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

/// A part of what `check` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// Lint every contract and diff it against the ref.
    Contracts,
    /// Validate the mappings and their impact.
    Mappings,
    /// Drift of each `[[samples]]` entry.
    Samples,
    /// The crosswalk store's checks.
    Crosswalk,
}

/// Which parts a run of `check` covers.
#[derive(Debug, Clone, Copy)]
struct Parts {
    contracts: bool,
    mappings: bool,
    samples: bool,
    crosswalk: bool,
}

impl Parts {
    const ALL: Parts = Parts {
        contracts: true,
        mappings: true,
        samples: true,
        crosswalk: true,
    };

    fn of(skip: &[Part], only: &[Part]) -> Parts {
        let on = |p: Part| {
            if only.is_empty() {
                !skip.contains(&p)
            } else {
                only.contains(&p)
            }
        };
        Parts {
            contracts: on(Part::Contracts),
            mappings: on(Part::Mappings),
            samples: on(Part::Samples),
            crosswalk: on(Part::Crosswalk),
        }
    }
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

/// The baseline format written. Version 1 fingerprints hashed the message too; its entries are
/// matched by rule, file and path instead.
const BASELINE_VERSION: u32 = 2;

/// A baseline file: the fingerprints of the findings a team accepted on a given day.
#[derive(Debug, Serialize, Deserialize)]
struct Baseline {
    schema_version: u32,
    findings: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct BaselineEntry {
    fingerprint: String,
    rule: String,
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<String>,
}

/// Everything `check` found, before the baseline.
struct Checked {
    findings: Vec<Finding>,
    suppressed: Suppressed,
    files: Vec<String>,
    contracts: usize,
    unusable: usize,
    aliases: Vec<(String, PathBuf)>,
    /// (title, HTML) sections for the HTML page: mapping lineage, crosswalk coverage.
    sections: Vec<(String, String)>,
    /// Keeps the ref's files on disk while the report quotes them.
    _against: Option<crate::diff::Against>,
}

impl Checked {
    /// The exit code of a report of these findings: 2 when a contract could not be loaded, else
    /// 1 at or above `--fail-on`.
    fn exit(&self, report: &ReportArgs) -> Exit {
        if self.unusable > 0 {
            return Exit::Error;
        }
        report.exit(&self.findings)
    }
}

/// The directories a check covers: the literal directory part of every contract set's globs
/// (`contracts/erp/**/*.proto` -> `contracts/erp`), else `contracts/` when it exists, else `.`.
fn scope(config: &Config) -> Vec<PathBuf> {
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for set in &config.contracts {
        for glob in &set.paths {
            let literal: Vec<&str> = glob
                .split('/')
                .take_while(|part| !part.contains(['*', '?', '[', '{']))
                .collect();
            let mut dir = PathBuf::from(literal.join("/"));
            if dir.as_os_str().is_empty() {
                dir = PathBuf::from(".");
            } else if !dir.is_dir() && dir.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
                // A glob naming one file: its directory.
                dir = dir.parent().map(Path::to_path_buf).unwrap_or_default();
            }
            if dir.exists() {
                dirs.insert(dir);
            }
        }
    }
    // Nested directories are covered by their parents.
    let all: Vec<PathBuf> = dirs.iter().cloned().collect();
    dirs.retain(|d| !all.iter().any(|p| p != d && (p == Path::new(".") || d.starts_with(p))));
    if dirs.is_empty() {
        dirs.insert(if Path::new("contracts").is_dir() {
            PathBuf::from("contracts")
        } else {
            PathBuf::from(".")
        });
    }
    dirs.into_iter().collect()
}

/// Runs from the directory of mapcheck.toml, so globs, paths and baselines mean the same from
/// anywhere in the repository.
fn enter_workspace() -> anyhow::Result<Config> {
    let config = Config::discover()?;
    if config.path.is_some() {
        std::env::set_current_dir(&config.dir).with_context(|| format!("entering {}", config.dir.display()))?;
    }
    Ok(config)
}

/// `html`: also prepare the HTML page's extra sections (mapping lineage, crosswalk coverage).
fn collect(
    config: &Config,
    against: Option<&str>,
    load: &LoadArgs,
    html: bool,
    parts: Parts,
) -> anyhow::Result<Option<Checked>> {
    let paths = scope(config);
    if parts.contracts {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        super::note(format_args!("check: contracts under {}", shown.join(", ")));
    }
    let started = std::time::Instant::now();
    // Lint: every contract in scope.
    let loaded = if parts.contracts {
        load_paths(&paths, &load.options())?
    } else {
        crate::load::Loaded::default()
    };
    let mut findings = loaded.findings;
    let mut suppressed = crate::suppress::apply(&mut findings, config, &[], &crate::config::today());
    let mut files: Vec<String> = loaded.contracts.iter().flat_map(|c| c.files.iter().cloned()).collect();
    let unusable = loaded.unusable.len();
    // Diff: against the ref given, else the merge base with the default branch.
    let reference = match against {
        Some(r) => Some((r.to_string(), r.to_string())),
        None if !parts.contracts && !parts.mappings => None,
        None => match crate::git::default_base() {
            crate::git::Base::Found {
                reference,
                described,
                is_head,
            } => {
                if is_head && crate::git::working_tree_clean() {
                    findings.push(Finding::unlocated(
                        &crate::git::NOTHING_COMPARED,
                        format!(
                            "`check` compares with {described}, which is HEAD itself, and nothing is uncommitted: \
                             nothing was compared; pass --against with the ref to compare with"
                        ),
                    ));
                }
                Some((reference, described))
            }
            crate::git::Base::NoRepository => {
                super::note(
                    "check: not in a git repository: contracts linted, breaking changes not checked; pass --against in one",
                );
                None
            }
            crate::git::Base::Missing { shallow } => {
                let why = if shallow {
                    "this is a shallow clone without the default branch"
                } else {
                    "none of origin/HEAD, origin/main, origin/master, main, master is here"
                };
                let fix = "fetch the branch (actions/checkout: `fetch-depth: 0`; or `git fetch origin main \
                           --depth=50`) or pass --against <GIT-REF>";
                if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
                    anyhow::bail!(
                        "no git ref to compare with ({why}): breaking changes cannot be checked, and a gate that \
                         checks nothing must not pass; {fix}"
                    );
                }
                findings.push(Finding::unlocated(
                    &crate::git::BASE_REF_MISSING,
                    format!("no git ref to compare with ({why}): breaking changes were not checked; {fix}"),
                ));
                None
            }
        },
    };
    let mut against_result = None;
    match reference {
        // Mappings still measure their impact since the ref: it is compared when they run.
        _ if !parts.contracts && !parts.mappings => {}
        None => {}
        Some((reference, described)) if unusable == 0 => {
            super::detail(
                started,
                format_args!("check: linted {} contracts", loaded.contracts.len()),
            );
            super::note(format_args!("check: comparing with {described}"));
            let started = std::time::Instant::now();
            let req = crate::diff::DiffRequest {
                paths: paths.clone(),
                load: load.options(),
                today: crate::config::today(),
                ..Default::default()
            };
            let a = match crate::diff::compare_against(&req, config, &reference)? {
                Ok(a) => a,
                Err(u) => {
                    super::diff::print_unusable(&u);
                    return Ok(None);
                }
            };
            super::detail(started, format_args!("check: {} changes found", a.findings.len()));
            if parts.contracts {
                findings.extend(a.findings.iter().cloned());
                suppressed = suppressed.plus(a.suppressed);
            }
            against_result = Some(a);
        }
        Some(_) => {}
    }
    // More for the HTML page: the lineage matrix and crosswalk coverage.
    let mut sections = Vec::new();
    // Mappings: validated against today's contracts, and their impact since the ref.
    let (root, mapping_files, shown) = super::map::mapping_files(&[])?;
    if parts.mappings && !mapping_files.is_empty() {
        let started = std::time::Instant::now();
        let (mappings, problems) = super::map::read_mappings(&mapping_files, &shown)?;
        let mut mapping_findings = problems;
        let mut opts = load.options();
        opts.root.get_or_insert_with(|| root.clone());
        let mut now = crate::mapping::Workspace::new(&root, opts.clone());
        mapping_findings.extend(crate::mapping::validate(&mappings, &mut now));
        mapping_findings.extend(super::map::crosswalk_findings(config, &mappings));
        if html {
            sections.push((
                "Mapping lineage".to_string(),
                crate::report::html::lineage_matrix(&crate::mapping::lineage(&mappings, &mut now)),
            ));
        }
        if let Some(a) = &against_result
            && let Some(old_root) = a._snapshot.path_for(&root)
        {
            let mut old_opts = opts.clone();
            old_opts.root = Some(old_root.clone());
            old_opts.proto_paths = opts
                .proto_paths
                .iter()
                .filter_map(|p| a._snapshot.path_for(p))
                .collect();
            let mut before = crate::mapping::Workspace::new(&old_root, old_opts);
            mapping_findings.extend(crate::mapping::impact(
                &mappings,
                &mut before,
                &mut now,
                &crate::config::today(),
            ));
        }
        mapping_findings.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        mapping_findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        suppressed = suppressed.plus(crate::suppress::apply(
            &mut mapping_findings,
            config,
            &[],
            &crate::config::today(),
        ));
        super::detail(started, format_args!("check: {} mappings checked", mappings.len()));
        findings.extend(mapping_findings);
        files.extend(shown);
    }
    // Drift: each `[[samples]]` entry against its contract.
    for set in config.samples.iter().filter(|_| parts.samples) {
        let started = std::time::Instant::now();
        let sample_files = set
            .files(&config.dir)
            .map_err(|e| anyhow::anyhow!("mapcheck.toml: {e}"))?;
        let run = super::drift::drift(
            &set.contract,
            set.type_name.as_deref(),
            &sample_files,
            super::drift::Limits {
                max_errors: set.max_errors,
                max_rate: set.max_rate,
                validate: false,
                max_record_bytes: set.max_record_bytes,
                freshness: set.freshness.as_ref().map(|(field, max_age_ms)| Freshness {
                    field: field.clone(),
                    max_age_ms: *max_age_ms,
                    now_ms: crate::samples::freshness::now_ms(),
                }),
                envelope: set.envelope,
                proto: set.proto.clone(),
            },
            &load.options(),
        )?;
        let mut run = match run {
            Ok(run) => run,
            Err(stop) => {
                super::drift::stopped(stop)?;
                return Ok(None);
            }
        };
        suppressed = suppressed.plus(crate::suppress::apply(
            &mut run.findings,
            config,
            &[],
            &crate::config::today(),
        ));
        super::detail(
            started,
            format_args!("check: {}: drift of {} sample files", set.label, sample_files.len()),
        );
        findings.extend(run.findings);
        files.extend(run.files);
    }
    // Crosswalk: when mapcheck.toml has a `[crosswalk]` table and the store is there. A fresh
    // clone has no store (it is a local DuckDB file): the checks are skipped with a note, unless
    // `required = true` makes that an error.
    let store_missing = !config.crosswalk_db().exists() && !config.crosswalk.required;
    if parts.crosswalk && config.crosswalk_configured && store_missing {
        super::note(format_args!(
            "check: no crosswalk store at {}: crosswalk checks skipped (`mapcheck crosswalk init` creates it; \
             `[crosswalk] required = true` makes a missing store an error)",
            crate::load::display_path(&config.crosswalk_db())
        ));
    } else if parts.crosswalk && config.crosswalk_configured {
        let started = std::time::Instant::now();
        let (mut crosswalk, store, coverage) = crosswalk_findings(config)?;
        if html {
            sections.push((format!("Crosswalk coverage ({store})"), coverage));
        }
        suppressed = suppressed.plus(crate::suppress::apply(
            &mut crosswalk,
            config,
            &[],
            &crate::config::today(),
        ));
        super::detail(started, format_args!("check: crosswalk store {store} checked"));
        findings.extend(crosswalk);
        files.push(store);
    }
    crate::finding::normalize(&mut findings);
    files.sort();
    files.dedup();
    let aliases = against_result.as_ref().map(|a| a.aliases.clone()).unwrap_or_default();
    Ok(Some(Checked {
        findings,
        suppressed,
        files,
        contracts: loaded.contracts.len(),
        unusable,
        aliases,
        sections,
        _against: against_result,
    }))
}

/// The crosswalk checks of `mapcheck crosswalk check`, and the store as reports show it.
#[cfg(feature = "crosswalk")]
fn crosswalk_findings(config: &Config) -> anyhow::Result<(Vec<Finding>, String, String)> {
    let db = config.crosswalk_db();
    let shown = crate::load::display_path(&db);
    if !db.exists() {
        anyhow::bail!(
            "mapcheck.toml has a [crosswalk] table but there is no crosswalk store at {shown}: \
             create it with `mapcheck crosswalk init` (or remove the table)"
        );
    }
    let (health, findings) = crate::crosswalk::check::run(&db, &config.crosswalk)?;
    let coverage = crate::crosswalk::report::coverage_html(&health.coverage);
    Ok((findings, shown, coverage))
}

#[cfg(not(feature = "crosswalk"))]
fn crosswalk_findings(_: &Config) -> anyhow::Result<(Vec<Finding>, String, String)> {
    anyhow::bail!(
        "mapcheck.toml has a [crosswalk] table, but this mapcheck was built without the crosswalk store \
         (feature `crosswalk`)"
    )
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

/// What a baseline accepts: fingerprints (version 2), and (rule, file, path) of version 1 entries,
/// whose fingerprints hashed the wording of messages as it was then.
#[derive(Debug, Default)]
struct Accepted {
    fingerprints: BTreeSet<String>,
    by_place: BTreeSet<(String, String, String)>,
}

impl Accepted {
    fn contains(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&f.fingerprint)
            || (!self.by_place.is_empty() && {
                let file = f.location.as_ref().map(|l| l.file.to_string()).unwrap_or_default();
                self.by_place.contains(&(f.rule.to_string(), file, f.path.clone()))
            })
    }
}

fn read_baseline(path: &Path) -> anyhow::Result<Accepted> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("{}: cannot read the baseline", path.display()))?;
    let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a mapcheck baseline: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    let mut accepted = Accepted::default();
    match baseline.schema_version {
        1 => {
            for e in baseline.findings {
                accepted.by_place.insert((e.rule, e.file.unwrap_or_default(), e.path));
            }
        }
        BASELINE_VERSION => accepted
            .fingerprints
            .extend(baseline.findings.into_iter().map(|e| e.fingerprint)),
        other => anyhow::bail!(
            "{}: baseline schema_version {other} is not one this mapcheck reads (1 or {BASELINE_VERSION}); \
             re-create it with `mapcheck baseline`",
            path.display(),
        ),
    }
    Ok(accepted)
}

/// Leaves out the findings the baseline records (`--baseline`, else the default file if present).
fn apply_baseline(checked: &mut Checked, baseline: Option<&Path>, no_baseline: bool) -> anyhow::Result<()> {
    let path = match (baseline, no_baseline) {
        (_, true) => None,
        (Some(p), _) => Some(p.to_path_buf()),
        (None, _) => Some(PathBuf::from(DEFAULT_BASELINE)).filter(|p| p.is_file()),
    };
    if let Some(path) = &path {
        let known = read_baseline(path)?;
        let before = checked.findings.len();
        checked.findings.retain(|f| !known.contains(f));
        checked.suppressed.baselined = before - checked.findings.len();
    }
    Ok(())
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
    let config = enter_workspace()?;
    let html = args.report.format == OutputFormat::Html || outputs.iter().any(|o| o.format == OutputFormat::Html);
    let parts = Parts::of(&args.skip, &args.only);
    let Some(mut checked) = collect(&config, args.against.as_deref(), &args.load, html, parts)? else {
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
    Ok(checked.exit(&args.report))
}

/// `mapcheck report --html FILE`: what `check` reports, as one self-contained page.
pub fn run_report(args: &ReportCommandArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let target = crate::load::absolute(&args.html);
    let baseline = args.baseline.as_ref().map(|p| crate::load::absolute(p));
    let config = enter_workspace()?;
    let Some(mut checked) = collect(&config, args.against.as_deref(), &args.load, true, Parts::ALL)? else {
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
    Ok(checked.exit(&report))
}

pub fn run_baseline(args: &BaselineArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let output = args.output.as_ref().map(|p| crate::load::absolute(p));
    let config = enter_workspace()?;
    let Some(checked) = collect(&config, args.against.as_deref(), &args.load, false, Parts::ALL)? else {
        return Ok(Exit::Error);
    };
    let path = output.unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE));
    let mut entries: Vec<BaselineEntry> = checked
        .findings
        .iter()
        .map(|f| BaselineEntry {
            fingerprint: f.fingerprint.clone(),
            rule: f.rule.to_string(),
            path: f.path.clone(),
            file: f.location.as_ref().map(|l| l.file.to_string()),
        })
        .collect();
    entries
        .sort_by(|a, b| (&a.file, &a.rule, &a.path, &a.fingerprint).cmp(&(&b.file, &b.rule, &b.path, &b.fingerprint)));
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let count = entries.len();
    let text = serde_json::to_string_pretty(&Baseline {
        schema_version: BASELINE_VERSION,
        findings: entries,
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // Written beside the target and renamed over it: an interrupted run leaves the old baseline.
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n").with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    writeln!(
        out,
        "recorded {count} finding{} in {}; `mapcheck check` now fails only on new ones",
        if count == 1 { "" } else { "s" },
        path.display()
    )?;
    Ok(Exit::Clean)
}

/// What `init` writes, relative to the directory: path and contents.
const SCAFFOLD: &[(&str, &str)] = &[
    ("mapcheck.toml", include_str!("../../templates/mapcheck.toml")),
    (
        "contracts/README.md",
        include_str!("../../templates/contracts-README.md"),
    ),
    ("mappings/README.md", include_str!("../../templates/mappings-README.md")),
    (
        ".github/workflows/mapcheck.yml",
        include_str!("../../templates/github-workflow.yml"),
    ),
];

/// The `proto_paths` line `init` writes when the directory already holds `.proto` files: the
/// include roots their imports call for, else the directories that hold them. Without it, each
/// version of a tree derives its roots from its own imports (docs/protobuf-compatibility.md).
fn proto_paths_line(dir: &Path) -> Option<String> {
    let files = crate::load::prune::proto_files(dir)?;
    if files.is_empty() {
        return None;
    }
    let mut roots = crate::load::prune::import_roots_of(&files);
    if roots.is_empty() {
        roots = files
            .keys()
            .map(|rel| rel.rsplit_once('/').map_or("", |(d, _)| d).to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
    }
    let quoted: Vec<String> = roots
        .iter()
        .map(|r| format!("{:?}", if r.is_empty() { "." } else { r.as_str() }))
        .collect();
    Some(format!(
        "proto_paths = [{}]  # Protobuf import roots, found from the .proto files here",
        quoted.join(", ")
    ))
}

pub fn run_init(args: &InitArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let proto_paths = proto_paths_line(&args.dir);
    for (rel, contents) in SCAFFOLD {
        let contents = match (*rel, &proto_paths) {
            ("mapcheck.toml", Some(line)) => std::borrow::Cow::Owned(
                contents.replace("# proto_paths = [\"third_party/protos\"] # Protobuf import paths", line),
            ),
            // The workflow installs the version that wrote it.
            (".github/workflows/mapcheck.yml", _) => {
                std::borrow::Cow::Owned(contents.replace("MAPCHECK_VERSION", env!("CARGO_PKG_VERSION")))
            }
            _ => std::borrow::Cow::Borrowed(*contents),
        };
        let path = args.dir.join(rel);
        if path.exists() {
            writeln!(out, "kept     {} (exists)", path.display())?;
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        // `create_new`: never overwrite, even if the file appeared since the check above.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        file.write_all(contents.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        writeln!(out, "created  {}", path.display())?;
    }
    // The crosswalk store is a local database; the baseline beside it is committed.
    let gitignore = args.dir.join(".gitignore");
    let existing = std::fs::read_to_string(&gitignore).unwrap_or_default();
    const STORE: &str = ".mapcheck/*.duckdb*";
    if !existing.lines().any(|l| l.trim() == STORE) {
        let mut text = existing.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("# mapcheck: the crosswalk store is local (.mapcheck/baseline.json is committed)\n");
        text.push_str(STORE);
        text.push('\n');
        std::fs::write(&gitignore, text).with_context(|| format!("writing {}", gitignore.display()))?;
        let verb = if existing.is_empty() { "created " } else { "updated " };
        writeln!(
            out,
            "{verb} {} (ignores the crosswalk store {STORE}; .mapcheck/baseline.json stays committed)",
            gitignore.display()
        )?;
    }
    writeln!(
        out,
        "next: put contracts under contracts/, adjust mapcheck.toml, then run `mapcheck check`"
    )?;
    Ok(Exit::Clean)
}

//! The pre-merge gate (`mapcheck check`, `baseline`, `report`): every contract in scope linted and
//! diffed against a git ref, mappings validated with their impact, samples checked for drift, the
//! crosswalk store checked; one list of findings, suppressed as configured, less the baseline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::finding::Finding;
use crate::load::{LoadOptions, load_paths};
use crate::samples::freshness::Freshness;
use crate::suppress::Suppressed;
use crate::workspace::Workspace;

/// Where the baseline lives unless `--baseline` says otherwise (relative to mapcheck.toml).
pub const DEFAULT_BASELINE: &str = ".mapcheck/baseline.json";

/// Why a check stopped without a report (exit code 2).
#[derive(Debug)]
pub enum Halt {
    /// A version of the contracts could not be loaded.
    Contracts(crate::diff::Unusable),
    /// A drift run stopped.
    Samples(crate::samples::run::Stop),
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
pub struct Parts {
    pub contracts: bool,
    pub mappings: bool,
    pub samples: bool,
    pub crosswalk: bool,
}

impl Parts {
    pub const ALL: Parts = Parts {
        contracts: true,
        mappings: true,
        samples: true,
        crosswalk: true,
    };

    pub fn of(skip: &[Part], only: &[Part]) -> Parts {
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
pub struct Checked {
    pub findings: Vec<Finding>,
    pub suppressed: Suppressed,
    pub files: Vec<String>,
    pub contracts: usize,
    pub unusable: usize,
    pub aliases: Vec<(String, PathBuf)>,
    /// (title, HTML) sections for the HTML page: mapping lineage, crosswalk coverage.
    pub sections: Vec<(String, String)>,
    /// Keeps the ref's files on disk while the report quotes them.
    pub against: Option<crate::diff::Against>,
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

/// Runs the gate: lint every contract in scope, diff it against `against` (else the merge base
/// with the default branch), validate the mappings and their impact, check each `[[samples]]`
/// entry for drift and the crosswalk store's health, as `parts` selects. `html`: also prepare the
/// HTML page's extra sections (mapping lineage, crosswalk coverage).
pub fn run(
    ws: &Workspace,
    against: Option<&str>,
    load: &LoadOptions,
    html: bool,
    parts: Parts,
) -> anyhow::Result<Result<Checked, Halt>> {
    let config = &ws.config;
    let paths = scope(config);
    if parts.contracts {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        crate::progress::note(format_args!("check: contracts under {}", shown.join(", ")));
    }
    let started = std::time::Instant::now();
    // Lint: every contract in scope.
    let mut loaded = if parts.contracts {
        load_paths(&paths, load)?
    } else {
        crate::load::Loaded::default()
    };
    let mut findings = std::mem::take(&mut loaded.findings);
    let mut suppressed = crate::suppress::apply(&mut findings, config, &[], &ws.today);
    let mut files: Vec<String> = loaded.contracts.iter().flat_map(|c| c.files.iter().cloned()).collect();
    let unusable = loaded.unusable.len();
    let contracts = loaded.contracts.len();
    // What was linted is the working tree the diff compares: it is not loaded again. (Its
    // findings are the lint's, taken above; the diff reads a version's findings only when
    // something in it is unusable, and then check compares nothing.)
    let mut linted = parts.contracts.then_some(loaded);
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
                crate::progress::note(
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
            crate::progress::detail(started, format_args!("check: linted {contracts} contracts"));
            crate::progress::note(format_args!("check: comparing with {described}"));
            let started = std::time::Instant::now();
            let req = crate::diff::DiffRequest {
                paths: paths.clone(),
                load: load.clone(),
                today: ws.today.clone(),
                ..Default::default()
            };
            let a = match crate::diff::compare_against_loaded(&req, config, &reference, linted.take())? {
                Ok(a) => a,
                Err(u) => return Ok(Err(Halt::Contracts(u))),
            };
            crate::progress::detail(started, format_args!("check: {} changes found", a.findings.len()));
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
    // The working tree's contracts, as the diff (or else the lint) loaded them, for the mappings
    // and the drift of `[[samples]]` entries: not read again.
    let mapping_root = crate::workspace::mapping_root()?;
    let mut now = crate::mapping::Contracts::new(&mapping_root, load.clone());
    match (&mut against_result, linted) {
        (Some(a), _) => now.seed(std::mem::take(&mut a.newest.loaded.contracts), load.root.as_deref()),
        (None, Some(linted)) if unusable == 0 => now.seed(linted.contracts, load.root.as_deref()),
        _ => {}
    }
    // Mappings: validated against today's contracts, and their impact since the ref.
    let (root, mapping_files, shown) = crate::mapping::files::mapping_files(mapping_root, &[])?;
    if parts.mappings && !mapping_files.is_empty() {
        let started = std::time::Instant::now();
        let read = crate::mapping::files::Read::files(root, mapping_files, shown)?;
        let mut mapping_findings = read.problems;
        mapping_findings.extend(crate::mapping::validate(&read.mappings, &mut now));
        mapping_findings.extend(crate::mapping::files::crosswalk_findings(
            &config.crosswalk_db(),
            &read.mappings,
        ));
        if html {
            sections.push((
                "Mapping lineage".to_string(),
                crate::report::html::lineage_matrix(&crate::mapping::lineage(&read.mappings, &mut now)),
            ));
        }
        if let Some(a) = &against_result
            && let Some(mut before) = crate::mapping::Contracts::at_snapshot(&a._snapshot, &read.root, load)
        {
            mapping_findings.extend(crate::mapping::impact(&read.mappings, &mut before, &mut now, &ws.today));
        }
        mapping_findings.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        mapping_findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        suppressed = suppressed.plus(crate::suppress::apply(&mut mapping_findings, config, &[], &ws.today));
        crate::progress::detail(started, format_args!("check: {} mappings checked", read.mappings.len()));
        findings.extend(mapping_findings);
        files.extend(read.shown);
    }
    // Drift: each `[[samples]]` entry against its contract.
    for set in config.samples.iter().filter(|_| parts.samples) {
        let started = std::time::Instant::now();
        let sample_files = set
            .files(&config.dir)
            .map_err(|e| anyhow::anyhow!("mapcheck.toml: {e}"))?;
        let run = crate::samples::run::drift(
            &set.contract,
            set.type_name.as_deref(),
            &sample_files,
            crate::samples::run::Limits {
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
            load,
            now.seeded_file(&set.contract),
        )?;
        let mut run = match run {
            Ok(run) => run,
            Err(stop) => return Ok(Err(Halt::Samples(stop))),
        };
        suppressed = suppressed.plus(crate::suppress::apply(&mut run.findings, config, &[], &ws.today));
        crate::progress::detail(
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
        crate::progress::note(format_args!(
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
        suppressed = suppressed.plus(crate::suppress::apply(&mut crosswalk, config, &[], &ws.today));
        crate::progress::detail(started, format_args!("check: crosswalk store {store} checked"));
        findings.extend(crosswalk);
        files.push(store);
    }
    crate::finding::normalize(&mut findings);
    files.sort();
    files.dedup();
    let aliases = against_result.as_ref().map(|a| a.aliases.clone()).unwrap_or_default();
    Ok(Ok(Checked {
        findings,
        suppressed,
        files,
        contracts,
        unusable,
        aliases,
        sections,
        against: against_result,
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
pub fn apply_baseline(checked: &mut Checked, baseline: Option<&Path>, no_baseline: bool) -> anyhow::Result<()> {
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

/// Writes the fingerprints of `checked`'s findings to `path` as a baseline (beside it first, then
/// renamed over it: an interrupted run leaves the old baseline); returns how many it recorded.
pub fn write_baseline(checked: &Checked, path: &Path) -> anyhow::Result<usize> {
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
    crate::write::whole(path, |mut file| {
        use std::io::Write;
        file.write_all((text + "\n").as_bytes())
            .with_context(|| format!("writing {}", path.display()))
    })?;
    Ok(count)
}

/// One `--output FORMAT[=FILE]`: a report format and where it goes.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: crate::report::OutputFormat,
    /// `None`: stdout.
    pub file: Option<PathBuf>,
}

impl Output {
    /// Parses `FORMAT` or `FORMAT=FILE`.
    pub fn parse(value: &str) -> Result<Output, String> {
        use crate::report::OutputFormat;
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
}

/// How a check's report is written: `fail_on` (the threshold it names) and lines of `context`.
#[derive(Debug, Clone, Copy)]
pub struct Rendering {
    pub fail_on: Option<crate::finding::Severity>,
    pub context: usize,
}

impl Checked {
    /// The report's summary line and counts.
    pub fn summary(&self) -> crate::report::Summary {
        crate::report::Summary::of(&self.findings, self.contracts, self.unusable).with_suppressed(self.suppressed)
    }

    /// Writes the report in `format`; the HTML page gets the lineage and coverage sections too.
    pub fn render(
        &self,
        format: crate::report::OutputFormat,
        summary: &crate::report::Summary,
        how: Rendering,
        color: bool,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let cx = crate::report::ReportContext {
            command: "check",
            files: &self.files,
            fail_on: how.fail_on,
            color,
            aliases: &self.aliases,
            sections: &self.sections,
            context: how.context,
        };
        crate::report::render(format, &self.findings, summary, &cx, out)
    }

    /// Writes the report to each `--output` that names a file (creating its directory), and
    /// appends the Markdown report to `step_summary` (GitHub Actions' `GITHUB_STEP_SUMMARY`).
    pub fn write_files(
        &self,
        outputs: &[Output],
        summary: &crate::report::Summary,
        how: Rendering,
        step_summary: Option<&Path>,
    ) -> anyhow::Result<()> {
        for o in outputs {
            let Some(path) = &o.file else { continue };
            let mut bytes = Vec::new();
            self.render(o.format, summary, how, false, &mut bytes)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        if let Some(step_summary) = step_summary {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(step_summary)
                .with_context(|| format!("GITHUB_STEP_SUMMARY ({})", step_summary.display()))?;
            self.render(crate::report::OutputFormat::Markdown, summary, how, false, &mut file)?;
        }
        Ok(())
    }
}

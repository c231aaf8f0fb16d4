//! Diffing versions of a workspace's contracts, as `diff` and `check` run it: versions loaded
//! (side by side, skipping `.proto` files that cannot differ), each contract set of mapcheck.toml
//! compared under its own mode, Protobuf level and content model (with buf.yaml's rules), against
//! paths given or a git ref, and the findings suppressed as mapcheck.toml and inline comments say.

use std::path::{Path, PathBuf};

use crate::bufyaml::BufBreaking;
use crate::compare::contracts::{DiffOptions, Side, diff_sides_with};
use crate::compare::mode::Mode;
use crate::compare::openapi::OpenapiOptions;
use crate::compare::protobuf::buf_rules::Gate;
use crate::compare::protobuf::{Level, Policy, ProtoOptions};
use crate::config::{BufYaml, Config, ContractSet};
use crate::finding::{Finding, Severity, normalize};
use crate::load::protobuf::Neighbour;
use crate::load::prune::{Unchanged, unchanged_protos};
use crate::load::{LoadOptions, Loaded, display_path, load_paths_among};
use crate::model::Contract;
use crate::suppress::{Renamed, Suppressed};

/// What to diff, and how.
#[derive(Debug, Clone, Default)]
pub struct DiffRequest {
    /// OLD NEW (or every version, for a transitive mode); with a ref, the working-tree paths
    /// (default `.`).
    pub paths: Vec<PathBuf>,
    /// The mode (else the contract set's, else backward).
    pub mode: Option<Mode>,
    /// The Protobuf level (else the set's, else buf.yaml's rules, else file).
    pub proto_level: Option<Level>,
    /// How undeclared properties are read (else the set's, else `[jsonschema]`'s, else per format).
    pub content_model: Option<crate::compare::subschema::Reading>,
    pub load: LoadOptions,
    /// Today's date (`YYYY-MM-DD`): sunset dates and ignores' `until` are judged against it.
    pub today: String,
}

/// A version that could not be loaded: its errors, (place, message).
#[derive(Debug)]
pub struct Unusable {
    pub errors: Vec<(String, String)>,
}

/// Two or more versions given as paths (`diff OLD NEW`, or every version for a transitive mode),
/// compared: the newest with the one before it, or with every earlier one.
pub struct Versions {
    pub findings: Vec<Finding>,
    pub suppressed: Suppressed,
    /// Each distinct path, loaded once.
    pub loaded: Vec<Version>,
    /// For each path compared, in order, its index in `loaded`.
    pub order: Vec<usize>,
}

impl Versions {
    /// The newest version and the earlier ones it was compared with.
    pub fn split(&self) -> (&Version, Vec<&Version>) {
        let mut all: Vec<&Version> = self.order.iter().map(|&i| &self.loaded[i]).collect();
        let newest = all.pop().expect("at least two versions");
        (newest, all)
    }
}

/// Compares the versions `req.paths` names (at least two).
pub fn diff_versions(req: &DiffRequest, config: &Config) -> anyhow::Result<Result<Versions, Unusable>> {
    if req.paths.len() < 2 {
        anyhow::bail!(
            "diff needs OLD and NEW (files or directories), or --against <git-ref>; see mapcheck diff --help"
        );
    }
    let opts = with_set_import_paths(req.load.clone(), config);
    // A non-transitive mode compares the newest version with the one before it only.
    let any_transitive = req.mode.map_or_else(
        || {
            config
                .contracts
                .iter()
                .any(|s| s.mode.as_deref().is_some_and(|m| m.ends_with("-transitive")))
        },
        Mode::is_transitive,
    );
    let first = if any_transitive { 0 } else { req.paths.len() - 2 };
    // Two directories: identical .proto files whose imports are identical too cannot differ.
    let unchanged = match &req.paths[first..] {
        [old, new] if old.is_dir() && new.is_dir() => unchanged_protos(old, new),
        _ => None,
    };
    // The versions are independent: load them side by side. A path given twice (`diff X X`, a
    // version repeated in a transitive list) is loaded once: its contracts are the same.
    let started = std::time::Instant::now();
    let paths = &req.paths[first..];
    let slot: Vec<usize> = (0..paths.len())
        .map(|i| (0..i).find(|&j| same_file(&paths[j], &paths[i])).unwrap_or(i))
        .collect();
    let mut side_opts = vec![opts.clone(); paths.len()];
    share_proto_roots(paths, &mut side_opts);
    let loaded = std::thread::scope(|scope| {
        let loads: Vec<_> = paths
            .iter()
            .enumerate()
            .filter(|(i, _)| slot[*i] == *i)
            .map(|(i, p)| {
                let (opts, unchanged) = (&side_opts[i], &unchanged);
                scope.spawn(move || match unchanged {
                    Some(u) => load_version_among(p, opts, if i == 0 { &u.old } else { &u.new }),
                    None => load_version(p, opts),
                })
            })
            .collect();
        loads
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    let unique: Vec<usize> = (0..paths.len()).filter(|i| slot[*i] == *i).collect();
    let order: Vec<usize> = slot
        .iter()
        .map(|s| unique.iter().position(|u| u == s).expect("every slot is loaded"))
        .collect();
    let versions: Vec<&Version> = order.iter().map(|&i| &loaded[i]).collect();
    crate::progress::detail(started, format_args!("loaded {} versions", loaded.len()));
    if let Some(u) = unusable(&versions, &|s: &str| s.to_string()) {
        return Ok(Err(u));
    }
    let started = std::time::Instant::now();
    let (newest, earlier) = versions.split_last().expect("at least two versions");
    let newest_path = paths.last().expect("at least two versions").as_path();
    let buf = buf_yaml_for(config, newest_path, newest)?;
    let buf = buf.as_ref().map(|b| (b, newest_path));
    let mut findings = Vec::new();
    for (k, old) in earlier.iter().enumerate() {
        let latest = k + 1 == earlier.len();
        let u = unchanged.as_ref();
        let same = |f: &str| f.to_string();
        findings.extend(compare(old, newest, req, config, &same, latest, u, buf));
    }
    crate::progress::detail(started, format_args!("compared: {} findings", findings.len()));
    normalize(&mut findings);
    let suppressed = crate::suppress::apply(&mut findings, config, &[], &req.today);
    Ok(Ok(Versions {
        findings,
        suppressed,
        loaded,
        order,
    }))
}

/// One version of the contracts, loaded.
pub struct Version {
    pub loaded: Loaded,
    /// The display path of the directory or file given (pairs file-identified contracts).
    pub base: String,
}

fn load_version(path: &Path, opts: &LoadOptions) -> anyhow::Result<Version> {
    load_version_among(path, opts, &[])
}

/// Loads a version without the `.proto` files that cannot differ from the other version's.
fn load_version_among(path: &Path, opts: &LoadOptions, unloaded: &[Neighbour]) -> anyhow::Result<Version> {
    let loaded = load_paths_among(std::slice::from_ref(&path.to_path_buf()), opts, unloaded)?;
    Ok(Version {
        loaded,
        base: base_of(path),
    })
}

fn base_of(path: &Path) -> String {
    let display = display_path(path);
    if path.is_dir() {
        if display.is_empty() { ".".into() } else { display }
    } else {
        display
            .rsplit_once('/')
            .map(|(dir, _)| dir.to_string())
            .unwrap_or_default()
    }
}

/// The load errors of versions that could not be loaded, if any was. `rename` rewrites the paths
/// in their places and messages (a git snapshot's directory -> `ref:`).
fn unusable(versions: &[&Version], rename: &dyn Fn(&str) -> String) -> Option<Unusable> {
    if versions.iter().all(|v| v.loaded.unusable.is_empty()) {
        return None;
    }
    let errors = versions
        .iter()
        .flat_map(|v| v.loaded.findings.iter().filter(|f| f.severity == Severity::Error))
        .map(|f| {
            let at = f.location.as_ref().map(|l| rename(&l.to_string())).unwrap_or_default();
            (at, rename(&f.message))
        })
        .collect();
    Some(Unusable { errors })
}

/// Adds to each of `opts` (the load options of `paths`, in order), when the paths are all
/// directories, the Protobuf include roots any of them calls for (found from imports), at the same
/// place in each. A load derives roots from its own imports only; without this, a file that starts
/// importing a new neighbour (`import "warehouse/parcel.proto"`) would be named
/// `warehouse/shipment.proto` on one side and `shipment.proto` on the other, and show as removed
/// and added. A directory given twice is scanned once.
fn share_proto_roots(paths: &[PathBuf], opts: &mut [LoadOptions]) {
    if paths.len() < 2 || !paths.iter().all(|p| p.is_dir()) {
        return;
    }
    let roots: std::collections::BTreeSet<String> = paths
        .iter()
        .enumerate()
        .filter(|(i, p)| !paths[..*i].iter().any(|q| same_file(q, p)))
        .flat_map(|(_, p)| crate::load::prune::proto_import_roots(p))
        .collect();
    for (dir, o) in paths.iter().zip(opts.iter_mut()) {
        for rel in &roots {
            let root = if rel.is_empty() { dir.clone() } else { dir.join(rel) };
            if root.is_dir() && !o.proto_paths.contains(&root) {
                o.proto_paths.push(root);
            }
        }
    }
}

/// Whether two command-line paths name the same file or directory.
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
}

fn side(v: &Version) -> Side<'_> {
    Side {
        contracts: &v.loaded.contracts,
        base: &v.base,
    }
}

/// The import paths of every contract set of mapcheck.toml join the command line's.
fn with_set_import_paths(mut opts: LoadOptions, config: &Config) -> LoadOptions {
    for set in &config.contracts {
        for p in &set.proto_paths {
            if !opts.proto_paths.contains(p) && p.is_dir() {
                opts.proto_paths.push(p.clone());
            }
        }
    }
    opts
}

/// The buf.yaml whose `breaking` section applies when `new` (a path of the newer version, in
/// the working tree) has Protobuf contracts: `[protobuf] buf_yaml`, else the nearest one at or
/// above `new`. What it says that mapcheck does not apply is noted on stderr.
fn buf_yaml_for(config: &Config, new: &Path, version: &Version) -> anyhow::Result<Option<BufBreaking>> {
    if !version
        .loaded
        .contracts
        .iter()
        .any(|c| c.format == crate::model::Format::Protobuf)
    {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let found = match &config.protobuf.buf_yaml {
        BufYaml::Off => None,
        BufYaml::File(file) => {
            Some(crate::bufyaml::read(file, Some(new)).map_err(|e| anyhow::anyhow!("[protobuf] buf_yaml: {e}"))?)
        }
        BufYaml::Nearest => crate::bufyaml::discover(new)?,
    };
    if let Some(b) = &found {
        crate::progress::detail(started, format_args!("Protobuf rules from {}", display_path(&b.file)));
        for note in &b.unsupported {
            eprintln!("note: {note}");
        }
    }
    Ok(found)
}

/// Which Protobuf rules apply to a contract set: those of `--proto-level`, else of the set's
/// `proto_level`, else those the buf.yaml's `use` and `except` select, else the file level. A
/// buf.yaml's ignores apply whatever the level; `buf` comes with the path compared, which its
/// ignored paths are made relative to.
fn options_for(
    req: &DiffRequest,
    config: &Config,
    set: Option<&ContractSet>,
    unchanged: Option<&Unchanged>,
    buf: Option<(&BufBreaking, &Path)>,
) -> DiffOptions {
    let level = req.proto_level.or_else(|| {
        set.and_then(|s| s.proto_level.as_deref())
            .and_then(|l| <Level as clap::ValueEnum>::from_str(l, false).ok())
    });
    let gate = match (level, buf) {
        (Some(level), _) => Gate::Level(level),
        (None, Some((b, _))) => Gate::Rules(b.selection.clone()),
        (None, None) => Gate::default(),
    };
    let mut policies = vec![Policy {
        gate,
        ignores: buf.map(|(b, compared)| b.ignores_for(compared)).unwrap_or_default(),
    }];
    // A buf.yaml's local policies add their rules, unless a level replaced the selection.
    if let (None, Some((b, compared))) = (level, buf) {
        policies.extend(b.policies_for(compared).into_iter().map(|(selection, ignores)| Policy {
            gate: Gate::Rules(selection),
            ignores,
        }));
    }
    if config.protobuf.ignore_unstable_packages || set.is_some_and(|s| s.ignore_unstable_packages) {
        for p in &mut policies {
            p.ignores.unstable_packages = true;
        }
    }
    DiffOptions {
        proto: ProtoOptions {
            policies,
            unchanged_packages: unchanged.map(|u| u.packages.clone()).unwrap_or_default(),
            unchanged_files: unchanged.map_or(0, |u| u.new.len()),
        },
        openapi: match &config.relaxed_stability {
            Some(levels) => OpenapiOptions {
                relaxed_stability: levels.clone(),
            },
            None => OpenapiOptions::default(),
        },
        jsonschema_reading: req
            .content_model
            .or_else(|| set.and_then(|s| s.content_model))
            .or(config.jsonschema.content_model),
        openapi_reading: req.content_model.or_else(|| set.and_then(|s| s.content_model)),
        today: req.today.clone(),
    }
}

/// The mode a contract set is compared under: `--mode`, else the set's, else backward.
fn mode_for(req: &DiffRequest, set: Option<&ContractSet>) -> Mode {
    req.mode
        .or_else(|| {
            set.and_then(|s| s.mode.as_deref())
                .and_then(|m| <Mode as clap::ValueEnum>::from_str(m, false).ok())
        })
        .unwrap_or(Mode::Backward)
}

/// Compares two versions, each contract set of mapcheck.toml under its own settings (contracts
/// in no set: the command line's, else the defaults). `working` maps a shown file name to its
/// working-tree path (for matching set globs); `latest` says whether `old` is the version right
/// before `new` (non-transitive modes compare only that one).
#[allow(clippy::too_many_arguments)]
fn compare(
    old: &Version,
    new: &Version,
    req: &DiffRequest,
    config: &Config,
    working: &dyn Fn(&str) -> String,
    latest: bool,
    unchanged: Option<&Unchanged>,
    buf: Option<(&BufBreaking, &Path)>,
) -> Vec<Finding> {
    if config.contracts.is_empty() {
        let mode = mode_for(req, None);
        if !latest && !mode.is_transitive() {
            return Vec::new();
        }
        return diff_sides_with(
            side(old),
            side(new),
            mode,
            &options_for(req, config, None, unchanged, buf),
        );
    }
    let set_of = |c: &Contract| -> Option<usize> {
        let file = c.files.first()?;
        let relative = config.relative(&working(file));
        config.contracts.iter().position(|s| s.matches(&relative))
    };
    let mut groups: Vec<Option<usize>> = old
        .loaded
        .contracts
        .iter()
        .chain(&new.loaded.contracts)
        .map(set_of)
        .collect();
    groups.sort();
    groups.dedup();
    let mut findings = Vec::new();
    for group in groups {
        let set = group.and_then(|i| config.contracts.get(i));
        let mode = mode_for(req, set);
        if !latest && !mode.is_transitive() {
            continue;
        }
        let pick = |v: &Version| -> Vec<Contract> {
            v.loaded
                .contracts
                .iter()
                .filter(|c| set_of(c) == group)
                .cloned()
                .collect()
        };
        let (o, n) = (pick(old), pick(new));
        findings.extend(diff_sides_with(
            Side {
                contracts: &o,
                base: &old.base,
            },
            Side {
                contracts: &n,
                base: &new.base,
            },
            mode,
            &options_for(req, config, set, unchanged, buf),
        ));
    }
    findings
}

/// A diff: versions given as paths, or the working tree against a git ref.
pub enum Diffed {
    Versions(Versions),
    Against(Against),
}

/// Compares the versions `req.paths` names or, with `against`, the working tree with that ref.
pub fn run(req: &DiffRequest, config: &Config, against: Option<&str>) -> anyhow::Result<Result<Diffed, Unusable>> {
    Ok(match against {
        Some(reference) => compare_against(req, config, reference)?.map(Diffed::Against),
        None => diff_versions(req, config)?.map(Diffed::Versions),
    })
}

impl Diffed {
    pub fn findings(&self) -> &[Finding] {
        match self {
            Diffed::Versions(v) => &v.findings,
            Diffed::Against(a) => &a.findings,
        }
    }

    pub fn suppressed(&self) -> Suppressed {
        match self {
            Diffed::Versions(v) => v.suppressed,
            Diffed::Against(a) => a.suppressed,
        }
    }

    /// `ref:` -> where the ref's files are, for quoting them (none for paths).
    pub fn aliases(&self) -> &[(String, PathBuf)] {
        match self {
            Diffed::Versions(_) => &[],
            Diffed::Against(a) => &a.aliases,
        }
    }

    /// The newest version and the earlier ones it was compared with.
    fn split(&self) -> (&Version, Vec<&Version>) {
        match self {
            Diffed::Versions(v) => v.split(),
            Diffed::Against(a) => (&a.newest, a.old.iter().collect()),
        }
    }

    /// The newest version's contract files, sorted, each once: what the report says it checked.
    pub fn files(&self) -> Vec<String> {
        let (newest, _) = self.split();
        let mut files: Vec<String> = newest
            .loaded
            .contracts
            .iter()
            .flat_map(|c| c.files.iter().cloned())
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// How many contracts the report counts: the most any version compared has.
    pub fn contracts(&self) -> usize {
        let (newest, earlier) = self.split();
        let old = earlier.iter().map(|v| v.loaded.contracts.len()).max().unwrap_or(0);
        newest.loaded.contracts.len().max(old)
    }
}

/// The working tree compared with a git ref.
pub struct Against {
    pub findings: Vec<Finding>,
    pub suppressed: Suppressed,
    pub old: Vec<Version>,
    pub newest: Version,
    /// `ref:` -> where the ref's files are, for quoting them.
    pub aliases: Vec<(String, PathBuf)>,
    /// Keeps the ref's files on disk while a report quotes them.
    pub _snapshot: crate::git::Snapshot,
}

/// Compares `req.paths` (default `.`) in the working tree with the same paths at `reference`;
/// [`Unusable`] when a version could not be loaded.
pub fn compare_against(
    req: &DiffRequest,
    config: &Config,
    reference: &str,
) -> anyhow::Result<Result<Against, Unusable>> {
    compare_against_loaded(req, config, reference, None)
}

/// [`compare_against`], given the working tree's contracts when the caller has loaded them
/// already (`check` lints them first): `working` is what loading `req.paths` with `req.load`
/// gave. They are used in place of a second load when that load would give the same: one path,
/// nothing unusable, and no Protobuf (whose loads depend on import roots shared with the ref's
/// side and skip files that cannot differ).
pub fn compare_against_loaded(
    req: &DiffRequest,
    config: &Config,
    reference: &str,
    working: Option<Loaded>,
) -> anyhow::Result<Result<Against, Unusable>> {
    if req.mode.is_some_and(Mode::is_transitive) {
        anyhow::bail!("--against compares two versions; a transitive mode needs every version as a path");
    }
    let snapshot = crate::git::snapshot(reference)?;
    let (real_prefix, shown_prefix) = snapshot.display_prefix();
    // The snapshot's directory is a temporary one: every mention of it is shown as `ref:`, so
    // that a message is the same from run to run.
    let rename = |s: &str| -> String { s.replace(&real_prefix, &shown_prefix) };
    let paths: Vec<PathBuf> = if req.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        req.paths.clone()
    };
    let opts = with_set_import_paths(req.load.clone(), config);
    // The old side's root and import paths are the same places in the snapshot.
    let old_opts = LoadOptions {
        format: opts.format,
        root: Some(match &opts.root {
            Some(r) => snapshot.path_for(r).unwrap_or_else(|| snapshot.dir().to_path_buf()),
            None => snapshot.dir().to_path_buf(),
        }),
        proto_paths: opts.proto_paths.iter().filter_map(|p| snapshot.path_for(p)).collect(),
    };
    let mut working = working.filter(|w| {
        paths.len() == 1
            && w.unusable.is_empty()
            && !w.contracts.iter().any(|c| c.format == crate::model::Format::Protobuf)
    });
    let mut findings = Vec::new();
    let mut newest_all = Vec::new();
    let mut old_all = Vec::new();
    for path in &paths {
        if !path.exists() {
            anyhow::bail!("{}: no such file or directory", path.display());
        }
        let old_path = snapshot.path_for(path).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: outside the git repository at {}",
                path.display(),
                snapshot.toplevel.display()
            )
        })?;
        // Two directories: identical .proto files whose imports are identical too cannot differ.
        let unchanged = if path.is_dir() && old_path.is_dir() {
            unchanged_protos(&old_path, path)
        } else {
            None
        };
        let mut sides = [old_opts.clone(), opts.clone()];
        share_proto_roots(&[old_path.clone(), path.clone()], &mut sides);
        let [old_opts, opts] = &sides;
        let (old, new) = std::thread::scope(|scope| {
            let preloaded = working.take();
            let new = scope.spawn(|| match (preloaded, &unchanged) {
                (Some(loaded), _) => Ok(Version {
                    loaded,
                    base: base_of(path),
                }),
                (None, Some(u)) => load_version_among(path, opts, &u.new),
                (None, None) => load_version(path, opts),
            });
            // A path that did not exist at the ref: everything under it is added.
            let old = if !old_path.exists() {
                Ok(Version {
                    loaded: Loaded::default(),
                    base: base_of(&old_path),
                })
            } else {
                match &unchanged {
                    Some(u) => load_version_among(&old_path, old_opts, &u.old),
                    None => load_version(&old_path, old_opts),
                }
            };
            let new = new.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (old, new)
        });
        let (old, new) = (old?, new?);
        if let Some(u) = unusable(&[&old, &new], &rename) {
            return Ok(Err(u));
        }
        let working = |file: &str| -> String {
            match snapshot.path_for_shown(file) {
                Some(p) => p.display().to_string(),
                None => file.to_string(),
            }
        };
        let buf = buf_yaml_for(config, path, &new)?;
        let buf = buf.as_ref().map(|b| (b, path.as_path()));
        findings.extend(compare(
            &old,
            &new,
            req,
            config,
            &working,
            true,
            unchanged.as_ref(),
            buf,
        ));
        newest_all.push(new);
        old_all.push(old);
    }
    for f in &mut findings {
        f.message = rename(&f.message);
        f.rename_files(|file| {
            file.strip_prefix(&real_prefix)
                .map(|rest| format!("{shown_prefix}{rest}"))
        });
    }
    normalize(&mut findings);
    let renamed = [Renamed {
        prefix: shown_prefix.clone(),
        dir: snapshot.dir().to_path_buf(),
        working: snapshot.toplevel.clone(),
    }];
    let suppressed = crate::suppress::apply(&mut findings, config, &renamed, &req.today);
    let newest = Version {
        loaded: Loaded {
            contracts: newest_all.into_iter().flat_map(|v| v.loaded.contracts).collect(),
            ..Loaded::default()
        },
        base: String::new(),
    };
    let aliases = vec![(shown_prefix, snapshot.dir().to_path_buf())];
    Ok(Ok(Against {
        findings,
        suppressed,
        old: old_all,
        newest,
        aliases,
        _snapshot: snapshot,
    }))
}

//! Field mappings from source contracts into the versioned canonical model: the file format
//! ([`spec`]), path resolution in the model ([`resolve`]), validation (`mapcheck map validate`)
//! and lineage (`mapcheck map lineage`).

pub mod batch;
pub mod draft;
pub mod files;
pub mod resolve;
pub mod rules;
pub mod run;
pub mod spec;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::compare::TypeIndex;
use crate::finding::{Finding, RuleMeta};
use crate::load::{LoadOptions, load_paths};
use crate::model::{Contract, Location, Pos, Type};
use resolve::{Kind, Resolved, field_paths, resolve};
use rules::*;
use spec::{Mapping, Rule, Transform};

pub use crate::model::canonical::CANONICAL_DIR;

/// Contracts read for mappings, each file loaded once.
pub struct Contracts {
    root: PathBuf,
    opts: LoadOptions,
    loaded: HashMap<PathBuf, Option<Vec<Contract>>>,
    /// Contracts another step of the run loaded already, by absolute file ([`Contracts::seed`]).
    seeded: HashMap<PathBuf, Vec<Contract>>,
    /// Seeded files a mapping has used since: absolute file -> its key in `loaded`.
    taken: HashMap<PathBuf, PathBuf>,
}

impl Contracts {
    /// `root`: the directory mapping paths are relative to (where mapcheck.toml is), and where
    /// `$ref`s may lead unless `opts` says otherwise.
    pub fn new(root: &Path, mut opts: LoadOptions) -> Self {
        opts.root.get_or_insert_with(|| root.to_path_buf());
        Contracts {
            root: root.to_path_buf(),
            opts,
            loaded: HashMap::new(),
            seeded: HashMap::new(),
            taken: HashMap::new(),
        }
    }

    /// Takes contracts another step of the same run loaded from the working tree (`check` diffs
    /// it before validating mappings; `explicit_root`: the `--root` that load had), so that their
    /// files are not read again. Taken only where a load of the file alone gives the same: not
    /// Protobuf (a `.proto` file is loaded with its directory), and under the same root for
    /// `$ref`s. The load must have had nothing unusable (a file that refers to a broken one is
    /// unusable when loaded alone).
    pub fn seed(&mut self, contracts: Vec<Contract>, explicit_root: Option<&Path>) {
        let ours = self.opts.root.as_deref().map(crate::load::absolute);
        for c in contracts {
            let Some(file) = c.files.first().map(|f| crate::load::absolute(Path::new(f))) else {
                continue;
            };
            if c.format == crate::model::Format::Protobuf
                || Some(crate::load::workspace_root(&file, explicit_root)) != ours
            {
                continue;
            }
            self.seeded.entry(file).or_default().push(c);
        }
    }

    /// A copy of the contracts of `file` when they were seeded (used by a mapping since or not),
    /// for another step that would load that file alone with the seeding load's `--root`
    /// (`check`'s drift of a `[[samples]]` entry); `None`: that step loads it itself.
    pub fn seeded_file(&self, file: &Path) -> Option<Vec<Contract>> {
        let file = crate::load::absolute(file);
        match self.seeded.get(&file) {
            Some(contracts) => Some(contracts.clone()),
            None => self.loaded.get(self.taken.get(&file)?)?.clone(),
        }
    }

    /// The same contracts as they are in a git snapshot: `root` and the import paths moved into
    /// it. `None` when `root` is outside the snapshot's repository.
    pub fn at_snapshot(snapshot: &crate::git::Snapshot, root: &Path, opts: &LoadOptions) -> Option<Self> {
        let old_root = snapshot.path_for(root)?;
        let opts = LoadOptions {
            root: Some(old_root.clone()),
            proto_paths: opts.proto_paths.iter().filter_map(|p| snapshot.path_for(p)).collect(),
            ..opts.clone()
        };
        Some(Contracts::new(&old_root, opts))
    }

    fn contracts(&mut self, rel: &str) -> Option<&[Contract]> {
        let path = self.root.join(rel);
        let opts = &self.opts;
        let seeded = &mut self.seeded;
        let taken = &mut self.taken;
        self.loaded
            .entry(path.clone())
            .or_insert_with(|| {
                if !path.is_file() || outside(&self.root, &path).is_some() {
                    return None;
                }
                let file = crate::load::absolute(&path);
                if let Some(contracts) = seeded.remove(&file) {
                    taken.insert(file, path.clone());
                    return Some(contracts);
                }
                // A .proto file's types refer to its imports: load its directory's files too.
                let is_proto = path.extension().is_some_and(|e| e == "proto");
                let load = match path.parent() {
                    Some(dir) if is_proto => dir.to_path_buf(),
                    _ => path.clone(),
                };
                let loaded = load_paths(std::slice::from_ref(&load), opts).ok()?;
                loaded.unusable.is_empty().then_some(loaded.contracts)
            })
            .as_deref()
    }

    /// Whether a path a mapping names leads out of the root (as written or through a symbolic
    /// link): such a file is never read.
    pub fn outside(&self, rel: &str) -> Option<crate::load::Outside> {
        outside(&self.root, &self.root.join(rel))
    }

    /// The root directory paths are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The versions present for a canonical entity (`v1.schema.json` -> 1), with their files.
    pub fn canonical_versions(&self, entity: &str) -> BTreeMap<u32, String> {
        let dir = self.root.join(CANONICAL_DIR).join(entity);
        let mut out = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(n) = crate::model::canonical::version_of(&name) {
                out.insert(n, format!("{CANONICAL_DIR}/{entity}/{name}"));
            }
        }
        out
    }
}

/// `mapcheck map draft`: a mapping of type `ty` of the contract `source` into canonical `entity`
/// version `version`, as YAML for a person to edit (see [`draft`]).
pub fn draft_mapping(
    ws: &mut Contracts,
    source: &str,
    ty: &str,
    entity: &str,
    version: u32,
    seen: &BTreeMap<String, Vec<String>>,
) -> Result<String, String> {
    if let Some(outside) = ws.outside(source) {
        return Err(format!(
            "{source}: {}",
            outside.describe(&crate::load::absolute(&ws.root))
        ));
    }
    let versions = ws.canonical_versions(entity);
    let Some(target_file) = versions.get(&version).cloned() else {
        let have: Vec<String> = versions.keys().map(|v| format!("v{v}")).collect();
        return Err(format!(
            "no canonical version {entity} v{version} under {CANONICAL_DIR}/{entity}/ (there: {})",
            if have.is_empty() {
                "none".to_string()
            } else {
                have.join(", ")
            }
        ));
    };
    ws.contracts(source);
    ws.contracts(&target_file);
    let ws = &*ws;
    let sources =
        loaded(ws, source).ok_or_else(|| format!("{source}: cannot be loaded (run `mapcheck lint` on it)"))?;
    let source_ty = find_type(sources, ty).ok_or_else(|| {
        let names: Vec<&str> = sources
            .iter()
            .flat_map(|c| c.types.values().map(|t| t.name.as_str()))
            .take(12)
            .collect();
        format!("{source} has no type `{ty}` (it has {})", names.join(", "))
    })?;
    let targets = loaded(ws, &target_file).ok_or_else(|| format!("{target_file}: cannot be loaded"))?;
    let target_ty = canonical_type(targets, entity).ok_or_else(|| format!("{target_file}: no type for `{entity}`"))?;
    let (source_index, target_index) = (TypeIndex::new(sources), TypeIndex::new(targets));
    Ok(draft::draft(&draft::Request {
        source_contract: source,
        source_name: ty,
        source: source_ty,
        source_index: &source_index,
        entity,
        version,
        target: target_ty,
        target_index: &target_index,
        seen,
    }))
}

/// The named type `name` (short name, id, or the end of a pointer), or a contract's root.
fn find_type<'a>(contracts: &'a [Contract], name: &str) -> Option<&'a Type> {
    contracts.iter().find_map(|c| {
        c.types
            .values()
            .find(|t| t.name == name || t.id == name || t.id.ends_with(&format!("/{name}")))
            .map(|t| &t.ty)
            .or_else(|| c.root.as_ref().filter(|_| c.name == name))
    })
}

/// The canonical entity's type in its contract: the root, else the only or same-named type.
fn canonical_type<'a>(contracts: &'a [Contract], entity: &str) -> Option<&'a Type> {
    contracts.iter().find_map(|c| {
        c.root.as_ref().or_else(|| {
            c.types
                .values()
                .find(|t| t.name.eq_ignore_ascii_case(entity))
                .or_else(|| (c.types.len() == 1).then(|| c.types.values().next()).flatten())
                .map(|t| &t.ty)
        })
    })
}

/// Everything a mapping resolves to, for validation and lineage.
pub struct Bound<'a> {
    pub mapping: &'a Mapping,
    pub source_index: TypeIndex<'a>,
    pub source: &'a Type,
    pub target_index: TypeIndex<'a>,
    pub target: &'a Type,
    pub target_file: String,
}

struct Checker<'m> {
    mapping: &'m Mapping,
    findings: Vec<Finding>,
}

impl Checker<'_> {
    fn report(&mut self, rule: &'static RuleMeta, pos: Pos, pointer: &str, element: &str, message: String) {
        let location = Location::new(self.mapping.file.as_str(), pointer, pos);
        let path = format!("{}: {element}", self.mapping.name);
        self.findings
            .push(Finding::new(rule, message, location).with_path(path));
    }
}

/// Validates each mapping; contracts are read through `ws`.
pub fn validate(mappings: &[Mapping], ws: &mut Contracts) -> Vec<Finding> {
    // Load every contract first, so the borrows below are shared.
    for m in mappings {
        ws.contracts(&m.source.contract);
        if let Some(file) = ws.canonical_versions(&m.target.entity).get(&m.target.version).cloned() {
            ws.contracts(&file);
        }
    }
    let ws = &*ws;
    let mut findings = Vec::new();
    for m in mappings {
        let mut c = Checker {
            mapping: m,
            findings: Vec::new(),
        };
        if let Some(bound) = bind(m, ws, &mut c) {
            check_rules(&bound, &mut c);
            check_required(&bound, &mut c);
        }
        findings.extend(c.findings);
    }
    crate::finding::normalize(&mut findings);
    findings
}

/// `crosswalk:` lookups of (system, entity) pairs the crosswalk store `store` (as shown) has no
/// links for; `known` is every pair the store has ever linked.
pub fn check_crosswalks(
    mappings: &[Mapping],
    known: &std::collections::BTreeSet<(String, String)>,
    store: &str,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for m in mappings {
        let mut c = Checker {
            mapping: m,
            findings: Vec::new(),
        };
        for (i, rule) in m.rules.iter().enumerate() {
            let Transform::Crosswalk { system, entity } = &rule.transform else {
                continue;
            };
            if known.contains(&(system.clone(), entity.clone())) {
                continue;
            }
            let listed: Vec<String> = known.iter().map(|(s, e)| format!("{s}/{e}")).collect();
            let has = if listed.is_empty() {
                "no links at all".to_string()
            } else {
                format!("links for {}", listed.join(", "))
            };
            c.report(
                &rules::MAPPING_UNKNOWN_CROSSWALK,
                rule.pos,
                &format!("/rules/{i}"),
                &rule.target,
                format!("crosswalk `{system}/{entity}` is not in the crosswalk store {store}, which has {has}"),
            );
        }
        findings.extend(c.findings);
    }
    findings
}

fn outside(root: &Path, path: &Path) -> Option<crate::load::Outside> {
    crate::load::inside_root(&crate::load::absolute(root), &crate::load::absolute(path)).err()
}

fn loaded<'w>(ws: &'w Contracts, rel: &str) -> Option<&'w [Contract]> {
    ws.loaded.get(&ws.root.join(rel)).and_then(|c| c.as_deref())
}

/// Finds the source type and the canonical version a mapping names, reporting what is missing.
fn bind<'w>(m: &'w Mapping, ws: &'w Contracts, c: &mut Checker) -> Option<Bound<'w>> {
    let Some(sources) = loaded(ws, &m.source.contract) else {
        if let Some(outside) = ws.outside(&m.source.contract) {
            c.report(
                &crate::load::lint::REF_OUTSIDE_ROOT,
                m.source.pos,
                "/source",
                "source",
                format!(
                    "source contract `{}` names {}; it is not read",
                    m.source.contract,
                    outside.describe(&crate::load::absolute(&ws.root))
                ),
            );
            return None;
        }
        let why = if ws.root.join(&m.source.contract).is_file() {
            "cannot be loaded (run `mapcheck lint` on it)"
        } else {
            "does not exist"
        };
        c.report(
            &MAPPING_SOURCE_MISSING,
            m.source.pos,
            "/source",
            "source",
            format!("source contract `{}` {why}", m.source.contract),
        );
        return None;
    };
    let Some(source) = find_type(sources, &m.source.ty) else {
        let names: Vec<&str> = sources
            .iter()
            .flat_map(|c| c.types.values().map(|t| t.name.as_str()))
            .take(12)
            .collect();
        c.report(
            &MAPPING_SOURCE_MISSING,
            m.source.pos,
            "/source",
            "source",
            format!(
                "`{}` has no type `{}` (it has {})",
                m.source.contract,
                m.source.ty,
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        );
        return None;
    };
    let versions = ws.canonical_versions(&m.target.entity);
    let Some(target_file) = versions.get(&m.target.version) else {
        let message = if versions.is_empty() {
            format!(
                "canonical entity `{}` does not exist (no versions under {CANONICAL_DIR}/{}/)",
                m.target.entity, m.target.entity
            )
        } else {
            format!(
                "canonical `{}` has no version {} (it has {})",
                m.target.entity,
                m.target.version,
                versions.keys().map(|v| format!("v{v}")).collect::<Vec<_>>().join(", ")
            )
        };
        c.report(&MAPPING_TARGET_MISSING, m.target.pos, "/target", "target", message);
        return None;
    };
    if let Some((newest, _)) = versions.last_key_value()
        && *newest > m.target.version
    {
        c.report(
            &MAPPING_OUTDATED_CANONICAL,
            m.target.pos,
            "/target",
            "target",
            format!(
                "pinned to canonical `{}` v{} while v{newest} exists",
                m.target.entity, m.target.version
            ),
        );
    }
    let Some(targets) = loaded(ws, target_file) else {
        c.report(
            &MAPPING_TARGET_MISSING,
            m.target.pos,
            "/target",
            "target",
            format!("canonical `{target_file}` cannot be loaded (run `mapcheck lint` on it)"),
        );
        return None;
    };
    let Some(target) = canonical_type(targets, &m.target.entity) else {
        c.report(
            &MAPPING_TARGET_MISSING,
            m.target.pos,
            "/target",
            "target",
            format!("`{target_file}` declares no type for `{}`", m.target.entity),
        );
        return None;
    };
    Some(Bound {
        mapping: m,
        source_index: TypeIndex::new(sources),
        source,
        target_index: TypeIndex::new(targets),
        target,
        target_file: target_file.clone(),
    })
}

fn check_rules(b: &Bound, c: &mut Checker) {
    let mut written: HashMap<&str, usize> = HashMap::new();
    for (i, rule) in b.mapping.rules.iter().enumerate() {
        let pointer = format!("/rules/{i}");
        if let Some(first) = written.insert(rule.target.as_str(), i) {
            c.report(
                &MAPPING_TARGET_TWICE,
                rule.pos,
                &pointer,
                &rule.target,
                format!(
                    "`{}` is already written by rule {}; the later rule overwrites it",
                    rule.target,
                    first + 1
                ),
            );
        }
        let target = match resolve(b.target, &b.target_index, &rule.target) {
            Ok(t) => t,
            Err(why) => {
                c.report(
                    &MAPPING_TARGET_MISSING,
                    rule.pos,
                    &pointer,
                    &rule.target,
                    format!(
                        "canonical `{}` v{}: {why} (target `{}`)",
                        b.mapping.target.entity, b.mapping.target.version, rule.target
                    ),
                );
                continue;
            }
        };
        let mut sources = Vec::new();
        for (path, pos) in &rule.from {
            match resolve(b.source, &b.source_index, path) {
                Ok(s) => {
                    if s.deprecated {
                        c.report(
                            &MAPPING_DEPRECATED_SOURCE,
                            *pos,
                            &pointer,
                            &rule.target,
                            format!("source `{path}` is deprecated in `{}`", b.mapping.source.contract),
                        );
                    }
                    sources.push((path.as_str(), *pos, s));
                }
                Err(why) => c.report(
                    &MAPPING_SOURCE_MISSING,
                    *pos,
                    &pointer,
                    &rule.target,
                    format!(
                        "`{}` {}: {why} (from `{path}`)",
                        b.mapping.source.contract, b.mapping.source.ty
                    ),
                ),
            }
        }
        if sources.len() != rule.from.len() {
            continue;
        }
        check_types(rule, &sources, &target, c, &pointer);
        // A source that may be missing, into a field every record must have.
        let required = target.field.is_some() && target.required;
        if required && rule.default.is_none() && !matches!(rule.transform, Transform::Constant(_)) {
            for (path, pos, s) in &sources {
                if s.nullable || s.optional {
                    let what = match (s.nullable, s.optional) {
                        (true, true) => "may be null or absent",
                        (true, false) => "may be null",
                        _ => "may be absent",
                    };
                    c.report(
                        &MAPPING_NULLABLE_INTO_REQUIRED,
                        *pos,
                        &pointer,
                        &rule.target,
                        format!(
                            "source `{path}` {what}, but canonical `{}` is required and the rule has no `default`",
                            rule.target
                        ),
                    );
                }
            }
        }
    }
}

fn check_types(rule: &Rule, sources: &[(&str, Pos, Resolved)], target: &Resolved, c: &mut Checker, pointer: &str) {
    let tk = Kind::of(target.ty);
    let t_array = rule.target.ends_with("[]") || tk == Kind::Array;
    let mismatch = |c: &mut Checker, message: String| {
        c.report(&MAPPING_TYPE_MISMATCH, rule.pos, pointer, &rule.target, message);
    };
    let lossy = |c: &mut Checker, message: String| {
        c.report(&MAPPING_LOSSY_CAST, rule.pos, pointer, &rule.target, message);
    };
    match &rule.transform {
        Transform::Constant(v) => {
            let ok = match (&tk, v) {
                (Kind::Str(_), serde_json::Value::String(_)) => true,
                (Kind::Enum(values), serde_json::Value::String(s)) => {
                    if !values.contains(s) {
                        c.report(
                            &MAPPING_ENUM_NOT_TOTAL,
                            rule.pos,
                            pointer,
                            &rule.target,
                            format!(
                                "constant `{s}` is not a value of canonical `{}` ({})",
                                rule.target,
                                values.join(", ")
                            ),
                        );
                    }
                    true
                }
                (Kind::Int, serde_json::Value::Number(n)) => n.is_i64() || n.is_u64(),
                (Kind::Num, serde_json::Value::Number(_)) | (Kind::Bool, serde_json::Value::Bool(_)) => true,
                (Kind::Any, _) | (_, serde_json::Value::Null) => true,
                (Kind::Array, serde_json::Value::Array(_)) | (Kind::Object, serde_json::Value::Object(_)) => true,
                _ => false,
            };
            if !ok {
                mismatch(
                    c,
                    format!("constant {v} does not fit canonical `{}` ({})", rule.target, tk.name()),
                );
            }
        }
        Transform::Concat { .. } => {
            for (path, _, s) in sources {
                if !Kind::of(s.ty).is_scalar() {
                    c.report(
                        &MAPPING_SHAPE_MISMATCH,
                        rule.pos,
                        pointer,
                        &rule.target,
                        format!("`concat` joins values, but `{path}` is {}", Kind::of(s.ty).name()),
                    );
                }
            }
            if !matches!(tk, Kind::Str(_) | Kind::Any) {
                mismatch(
                    c,
                    format!(
                        "`concat` makes a string, but canonical `{}` is {}",
                        rule.target,
                        tk.name()
                    ),
                );
            }
        }
        Transform::Split { .. } => {
            let (path, _, s) = &sources[0];
            if !matches!(Kind::of(s.ty), Kind::Str(_) | Kind::Any) {
                mismatch(
                    c,
                    format!("`split` needs a string, but `{path}` is {}", Kind::of(s.ty).name()),
                );
            }
            if !t_array {
                c.report(
                    &MAPPING_SHAPE_MISMATCH,
                    rule.pos,
                    pointer,
                    &rule.target,
                    format!(
                        "`split` makes an array, but canonical `{}` is {}",
                        rule.target,
                        tk.name()
                    ),
                );
            }
        }
        Transform::EnumMap(entries) => {
            let (path, _, s) = &sources[0];
            if let Kind::Enum(values) = Kind::of(s.ty) {
                let missing: Vec<&String> = values
                    .iter()
                    .filter(|v| !entries.iter().any(|(k, _, _)| k == *v))
                    .collect();
                if !missing.is_empty() && rule.default.is_none() {
                    c.report(
                        &MAPPING_ENUM_NOT_TOTAL,
                        rule.pos,
                        pointer,
                        &rule.target,
                        format!(
                            "source `{path}` values {} have no entry in the enum map (and the rule has no `default`)",
                            missing.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
            if let Kind::Enum(values) = &tk {
                for (from, to, pos) in entries {
                    if !values.contains(to) {
                        c.report(
                            &MAPPING_ENUM_NOT_TOTAL,
                            *pos,
                            pointer,
                            &rule.target,
                            format!(
                                "`{from}` maps to `{to}`, which canonical `{}` does not have ({})",
                                rule.target,
                                values.join(", ")
                            ),
                        );
                    }
                }
            } else if !matches!(tk, Kind::Str(_) | Kind::Any) {
                mismatch(
                    c,
                    format!(
                        "an enum map makes strings, but canonical `{}` is {}",
                        rule.target,
                        tk.name()
                    ),
                );
            }
        }
        Transform::Cast(to) => {
            let (path, _, s) = &sources[0];
            let sk = Kind::of(s.ty);
            let fits = matches!(
                (to.as_str(), &tk),
                ("string", Kind::Str(_) | Kind::Enum(_))
                    | ("integer", Kind::Int | Kind::Num)
                    | ("number", Kind::Num)
                    | ("boolean", Kind::Bool)
                    | (_, Kind::Any)
            );
            if !fits {
                mismatch(
                    c,
                    format!("cast to {to}, but canonical `{}` is {}", rule.target, tk.name()),
                );
            }
            match (&sk, to.as_str()) {
                (Kind::Num, "integer") => lossy(c, format!("`{path}` is a number: casting to integer drops fractions")),
                (Kind::Str(_), "integer" | "number" | "boolean") => lossy(
                    c,
                    format!("`{path}` is a string: the cast to {to} fails for text that is not one"),
                ),
                _ => {}
            }
            if let (Kind::Enum(values), "string") = (&tk, to.as_str()) {
                lossy(
                    c,
                    format!(
                        "a string cast into enum `{}` ({}) without an `enum` map fails for other values",
                        rule.target,
                        values.join(", ")
                    ),
                );
            }
        }
        Transform::Convert(format) => {
            let (path, _, s) = &sources[0];
            if !matches!(Kind::of(s.ty), Kind::Str(_) | Kind::Enum(_) | Kind::Any) {
                mismatch(
                    c,
                    format!(
                        "`convert: {format}` reads a string, but `{path}` is {}",
                        Kind::of(s.ty).name()
                    ),
                );
            }
            if !matches!(tk, Kind::Str(_) | Kind::Any) {
                mismatch(
                    c,
                    format!(
                        "`convert: {format}` makes a string, but canonical `{}` is {}",
                        rule.target,
                        tk.name()
                    ),
                );
            }
        }
        Transform::Crosswalk { .. } => {
            let (path, _, s) = &sources[0];
            if !Kind::of(s.ty).is_scalar() {
                mismatch(
                    c,
                    format!("a crosswalk looks up an id, but `{path}` is {}", Kind::of(s.ty).name()),
                );
            }
            if !matches!(tk, Kind::Str(_) | Kind::Any) {
                mismatch(
                    c,
                    format!(
                        "a crosswalk gives a canonical id (a string), but `{}` is {}",
                        rule.target,
                        tk.name()
                    ),
                );
            }
        }
        Transform::Copy => {
            let Some((path, _, s)) = sources.first() else { return };
            let sk = Kind::of(s.ty);
            let s_array = path.ends_with("[]") || sk == Kind::Array;
            if s_array != t_array {
                c.report(
                    &MAPPING_SHAPE_MISMATCH,
                    rule.pos,
                    pointer,
                    &rule.target,
                    format!(
                        "`{path}` is {} but canonical `{}` is {}",
                        sk.name(),
                        rule.target,
                        tk.name()
                    ),
                );
                return;
            }
            match (&sk, &tk) {
                (_, Kind::Any) | (Kind::Any, _) => {}
                (Kind::Int, Kind::Num) | (Kind::Enum(_), Kind::Str(None)) | (Kind::Str(Some(_)), Kind::Str(None)) => {}
                (Kind::Str(a), Kind::Str(b)) if a == b => {}
                (Kind::Str(None), Kind::Str(Some(f))) => lossy(
                    c,
                    format!(
                        "`{path}` is a free string copied into `{}` ({f}) without `convert: {f}`",
                        rule.target
                    ),
                ),
                (Kind::Num, Kind::Int) => lossy(
                    c,
                    format!(
                        "`{path}` is a number copied into integer `{}`: fractions are lost",
                        rule.target
                    ),
                ),
                (Kind::Str(_), Kind::Enum(values)) => lossy(
                    c,
                    format!(
                        "`{path}` is a free string copied into enum `{}` ({}) without an `enum` map",
                        rule.target,
                        values.join(", ")
                    ),
                ),
                (Kind::Enum(from), Kind::Enum(to)) => {
                    let missing: Vec<&String> = from.iter().filter(|v| !to.contains(v)).collect();
                    if !missing.is_empty() {
                        c.report(
                            &MAPPING_ENUM_NOT_TOTAL,
                            rule.pos,
                            pointer,
                            &rule.target,
                            format!(
                                "source `{path}` values {} are not values of canonical `{}`; add an `enum` map",
                                missing.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                                rule.target
                            ),
                        );
                    }
                }
                (a, b) if a == b => {}
                (Kind::Object, Kind::Object) | (Kind::Array, Kind::Array) => {}
                (a, b) if !a.is_scalar() || !b.is_scalar() => c.report(
                    &MAPPING_SHAPE_MISMATCH,
                    rule.pos,
                    pointer,
                    &rule.target,
                    format!(
                        "`{path}` is {} but canonical `{}` is {}",
                        a.name(),
                        rule.target,
                        b.name()
                    ),
                ),
                (a, b) => mismatch(
                    c,
                    format!(
                        "`{path}` is {} but canonical `{}` is {}; add `cast` or `convert`",
                        a.name(),
                        rule.target,
                        b.name()
                    ),
                ),
            }
        }
    }
}

/// Required canonical fields no rule fills: at the top level, and inside every object a rule
/// writes into.
fn check_required(b: &Bound, c: &mut Checker) {
    let targets: Vec<&str> = b.mapping.rules.iter().map(|r| r.target.as_str()).collect();
    let covered = |path: &str| {
        targets.iter().any(|t| {
            *t == path
                || t.strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with("[]"))
        })
    };
    for (path, field) in field_paths(b.target, &b.target_index) {
        if !field.required || covered(&path) || field.ty.default.is_some() {
            continue;
        }
        // Nested fields matter only inside objects the mapping writes.
        let parent = path.rsplit_once('.').map(|(p, _)| p.trim_end_matches("[]"));
        if parent.is_some_and(|p| !covered(p)) {
            continue;
        }
        c.report(
            &MAPPING_REQUIRED_UNFILLED,
            b.mapping.target.pos,
            "/target",
            &path,
            format!(
                "canonical `{}` v{} requires `{path}`, but no rule fills it and it has no default",
                b.mapping.target.entity, b.mapping.target.version
            ),
        );
    }
}

/// Lineage: for each field of a canonical entity version, what feeds it.
#[derive(Debug, Serialize)]
pub struct Lineage {
    pub entity: String,
    pub version: u32,
    pub file: String,
    pub fields: Vec<LineageField>,
}

#[derive(Debug, Serialize)]
pub struct LineageField {
    pub path: String,
    pub required: bool,
    pub sources: Vec<LineageSource>,
    /// No rule writes the field itself, but rules write fields inside it (`billing_address` through
    /// `billing_address.city`): it is filled, through its fields.
    pub through_fields: bool,
}

impl LineageField {
    /// Whether nothing fills the field, neither a rule of its own nor rules of its fields.
    pub fn unfilled(&self) -> bool {
        self.sources.is_empty() && !self.through_fields
    }
}

#[derive(Debug, Serialize)]
pub struct LineageSource {
    pub mapping: String,
    pub system: String,
    pub from: Vec<String>,
    pub transform: String,
    /// `mappings/x.yaml:12:13`
    pub at: String,
}

/// The lineage of every canonical entity version some mapping targets (and of no others).
pub fn lineage(mappings: &[Mapping], ws: &mut Contracts) -> Vec<Lineage> {
    let mut targets: BTreeMap<(String, u32), String> = BTreeMap::new();
    for m in mappings {
        if let Some(file) = ws.canonical_versions(&m.target.entity).get(&m.target.version) {
            targets.insert((m.target.entity.clone(), m.target.version), file.clone());
            ws.contracts(file);
        }
    }
    let ws = &*ws;
    let mut out = Vec::new();
    for ((entity, version), file) in targets {
        let Some(contracts) = loaded(ws, &file) else { continue };
        let Some(ty) = canonical_type(contracts, &entity) else {
            continue;
        };
        let index = TypeIndex::new(contracts);
        let mut fields: Vec<LineageField> = field_paths(ty, &index)
            .into_iter()
            .map(|(path, f)| LineageField {
                path,
                required: f.required,
                sources: Vec::new(),
                through_fields: false,
            })
            .collect();
        for m in mappings
            .iter()
            .filter(|m| m.target.entity == entity && m.target.version == version)
        {
            for rule in &m.rules {
                let path = rule.target.trim_end_matches("[]");
                let source = LineageSource {
                    mapping: m.name.clone(),
                    system: m.source.system.clone().unwrap_or_else(|| m.name.clone()),
                    from: rule.from.iter().map(|(p, _)| p.clone()).collect(),
                    transform: rule.transform.describe(),
                    at: format!("{}:{}:{}", m.file, rule.pos.line, rule.pos.col),
                };
                match fields.iter_mut().find(|f| f.path == path) {
                    Some(f) => f.sources.push(source),
                    None => fields.push(LineageField {
                        path: path.to_string(),
                        required: false,
                        sources: vec![source],
                        through_fields: false,
                    }),
                }
            }
        }
        let filled: Vec<String> = fields
            .iter()
            .filter(|f| !f.sources.is_empty())
            .map(|f| f.path.clone())
            .collect();
        for f in &mut fields {
            f.through_fields = f.sources.is_empty()
                && filled.iter().any(|p| {
                    p.strip_prefix(f.path.as_str())
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with("[]"))
                });
        }
        out.push(Lineage {
            entity,
            version,
            file,
            fields,
        });
    }
    out
}

/// `mapcheck map impact`: the mapping rules that contract changes since a git ref break or touch.
/// `old` reads the contracts as they were at the ref; `new` as they are.
pub fn impact(mappings: &[Mapping], old: &mut Contracts, new: &mut Contracts, today: &str) -> Vec<Finding> {
    use crate::compare::{Comparer, Variance};
    for m in mappings {
        for ws in [&mut *old, &mut *new] {
            ws.contracts(&m.source.contract);
            if let Some(file) = ws.canonical_versions(&m.target.entity).get(&m.target.version).cloned() {
                ws.contracts(&file);
            }
        }
    }
    let (old, new) = (&*old, &*new);
    let mut findings = Vec::new();
    for m in mappings {
        // How the rules validate now: a changed rule with an error there is broken.
        let mut now = Checker {
            mapping: m,
            findings: Vec::new(),
        };
        let Some(after) = bind(m, new, &mut now) else {
            findings.extend(now.findings);
            continue;
        };
        check_rules(&after, &mut now);
        let mut quiet = Checker {
            mapping: m,
            findings: Vec::new(),
        };
        // A mapping (or contract) that did not exist at the ref: nothing changed under it.
        let Some(before) = bind(m, old, &mut quiet) else {
            continue;
        };
        let mut out = Checker {
            mapping: m,
            findings: Vec::new(),
        };
        for (i, rule) in m.rules.iter().enumerate() {
            let pointer = format!("/rules/{i}");
            let mut changes: Vec<(String, bool)> = Vec::new();
            let mut compare = |old_root: &Type,
                               old_index: &TypeIndex,
                               new_root: &Type,
                               new_index: &TypeIndex,
                               path: &str,
                               what: &str,
                               variance: Variance| {
                let (Ok(a), b) = (resolve(old_root, old_index, path), resolve(new_root, new_index, path)) else {
                    return;
                };
                let Ok(b) = b else {
                    changes.push((format!("{what} `{path}` was removed"), true));
                    return;
                };
                let mut c = Comparer::new(old_index.clone(), new_index.clone(), today);
                c.report_safe = true;
                c.compare(a.ty, b.ty, variance, path, 0);
                if a.nullable != b.nullable || a.optional != b.optional {
                    let breaking = match variance {
                        Variance::Produces => (b.nullable && !a.nullable) || (b.optional && !a.optional),
                        Variance::Accepts => (a.nullable && !b.nullable) || (a.optional && !b.optional),
                    };
                    changes.push((format!("{what} `{path}` changed presence or nullability"), breaking));
                }
                for f in c.findings {
                    let breaking = f.severity != crate::finding::Severity::Info;
                    changes.push((format!("{what}: {}", f.message), breaking));
                }
            };
            for (path, _) in &rule.from {
                compare(
                    before.source,
                    &before.source_index,
                    after.source,
                    &after.source_index,
                    path,
                    "source",
                    Variance::Produces,
                );
            }
            compare(
                before.target,
                &before.target_index,
                after.target,
                &after.target_index,
                &rule.target,
                "canonical",
                Variance::Accepts,
            );
            if changes.is_empty() {
                continue;
            }
            changes.sort();
            changes.dedup();
            let summary: Vec<&str> = changes.iter().map(|(m, _)| m.as_str()).take(4).collect();
            let more = changes.len().saturating_sub(4);
            let summary = if more > 0 {
                format!("{} (and {more} more)", summary.join("; "))
            } else {
                summary.join("; ")
            };
            let broken: Vec<&Finding> = now
                .findings
                .iter()
                .filter(|f| f.severity == crate::finding::Severity::Error)
                .filter(|f| f.location.as_ref().is_some_and(|l| l.pointer == pointer))
                .collect();
            if let Some(first) = broken.first() {
                out.report(
                    &MAPPING_BROKEN_BY_CHANGE,
                    rule.pos,
                    &pointer,
                    &rule.target,
                    format!(
                        "the rule for `{}` breaks: {summary}; now: {}",
                        rule.target, first.message
                    ),
                );
            } else {
                let breaking = changes.iter().any(|(_, b)| *b);
                out.report(
                    &MAPPING_AFFECTED_BY_CHANGE,
                    rule.pos,
                    &pointer,
                    &rule.target,
                    format!("the rule for `{}` still validates, but {summary}", rule.target),
                );
                if !breaking && let Some(f) = out.findings.last_mut() {
                    f.severity = crate::finding::Severity::Info;
                }
            }
        }
        // Problems that are not tied to one rule (a required field no longer filled, ...).
        out.findings.extend(now.findings.into_iter().filter(|f| {
            f.severity == crate::finding::Severity::Error
                && f.location.as_ref().is_some_and(|l| !l.pointer.starts_with("/rules/"))
        }));
        findings.extend(out.findings);
    }
    crate::finding::normalize(&mut findings);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_contracts_serve_later_steps_before_and_after_a_mapping_uses_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mapcheck.toml"), "").unwrap();
        std::fs::create_dir(dir.path().join("contracts")).unwrap();
        let file = dir.path().join("contracts/a.schema.json");
        std::fs::write(
            &file,
            r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"id":{"type":"string"}}}"#,
        )
        .unwrap();
        let alone = load_paths(std::slice::from_ref(&file), &LoadOptions::default()).unwrap();
        assert_eq!(alone.contracts.len(), 1);

        let mut pool = Contracts::new(dir.path(), LoadOptions::default());
        assert!(pool.seeded_file(&file).is_none(), "nothing seeded yet");
        pool.seed(alone.contracts.clone(), None);
        assert_eq!(pool.seeded_file(&file).as_deref(), Some(&alone.contracts[..]));
        assert_eq!(pool.contracts("contracts/a.schema.json"), Some(&alone.contracts[..]));
        assert_eq!(
            pool.seeded_file(&file).as_deref(),
            Some(&alone.contracts[..]),
            "still there once used"
        );

        // Seeded under another root (where a load of the file alone would differ): not taken.
        let mut other = Contracts::new(&dir.path().join("contracts"), LoadOptions::default());
        other.seed(alone.contracts, None);
        assert!(other.seeded_file(&file).is_none());
    }
}

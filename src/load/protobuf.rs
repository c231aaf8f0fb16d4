//! Protobuf: `.proto` files compiled with protox, and binary `FileDescriptorSet`s.
//!
//! No `protoc` and no `buf.yaml` are needed. Include roots are found from the files themselves:
//! the `-I` paths, plus, for every import that those do not resolve, the nearest ancestor directory
//! of the importing file that contains the imported path; a file under no root at all gets its own
//! directory. Each file is then compiled under the name other files import it by (or, when nothing
//! imports it, relative to the outermost root containing it), so that `contracts/erp/a.proto`
//! importing `erp/common.proto` sees `erp/common.proto` exactly once and nothing is defined twice.
//! The well-known `google/protobuf/*.proto` files come built in.
//!
//! Every file is opened separately, so one broken file costs only itself (and the files that import
//! it). Each file that compiles becomes one [`Contract`] holding its messages and enums, nested ones
//! included, keyed by fully-qualified name without the leading dot, and its services.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use miette::Diagnostic;
use prost::Message as _;
use prost_reflect::{
    Cardinality, DescriptorPool, DynamicMessage, EnumDescriptor, ExtensionDescriptor, FieldDescriptor, FileDescriptor,
    Kind, MessageDescriptor, ServiceDescriptor, Value,
};
use prost_types::source_code_info::Location as SourceLocation;
use prost_types::{FileDescriptorProto, SourceCodeInfo};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver, IncludeFileResolver};
use serde_json::Value as Json;

use crate::finding::{Finding, RuleMeta, lint, normalize};
use crate::model::{
    Contract, EnumValue, Field, Format, JsonMap, Location, NamedType, ObjectType, Pos, Primitive, ProtoExtension,
    ProtoField, ProtoFile, ProtoMessage, Rpc, Service, Type, TypeKind, TypeOrigin,
};

/// Extension key on a type mapped from a well-known message: the message's full name
/// (`google.protobuf.Timestamp`), so the original declaration is never lost.
pub const EXT_PROTO_TYPE: &str = "proto.type";

/// The well-known files protox provides without any include path.
const WELL_KNOWN_FILES: [&str; 12] = [
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
    "google/protobuf/compiler/plugin.proto",
];

/// What loading a set of `.proto` files produced.
#[derive(Debug, Default)]
pub struct ProtoLoad {
    /// One contract per file that compiled.
    pub contracts: Vec<Contract>,
    /// Compile and parse errors, sorted.
    pub findings: Vec<Finding>,
    /// Display paths of the files that did not compile.
    pub unusable: Vec<String>,
}

/// A `.proto` file named on the command line (or found by walking a directory).
#[derive(Debug)]
struct Source {
    /// Absolute, normalised.
    path: PathBuf,
    display: String,
    text: Arc<str>,
    imports: Vec<String>,
    /// The parsed file without its source info, until the compiler takes it.
    parsed: Option<FileDescriptorProto>,
    /// Where the declarations are (messages, fields, enums, values, services, methods).
    declarations: Vec<Declaration>,
    /// The edition an editions file declares (its text is then the proto2 rewrite).
    edition: Option<String>,
}

/// Files compiled together: one compiler, one include path.
#[derive(Debug)]
struct Unit {
    /// Include roots in lookup order.
    roots: Vec<PathBuf>,
    /// (file name, index into the sources).
    members: Vec<(String, usize)>,
    /// Whether imports of the well-known files get the built-in copies even when a root has its own.
    /// Copies on disk may be newer than the compiler understands (Google's current descriptor.proto
    /// is), and they define the same types anyway.
    well_known_first: bool,
    /// The workspace root: an import found under an include root inside it must really be inside
    /// it (no symbolic link leading out).
    workspace: Option<PathBuf>,
}

/// Compiles `.proto` files: one contract per file that compiles, a finding per file that does not.
pub fn load_files(files: &[PathBuf], extra_includes: &[PathBuf]) -> ProtoLoad {
    load_files_among(files, &[], extra_includes, None)
}

/// A `.proto` file of the same tree that is not loaded, with the imports it declares: it still
/// decides include roots and file names as it would if it were loaded (see [`load_files_among`]).
#[derive(Debug, Clone)]
pub struct Neighbour {
    pub path: PathBuf,
    pub imports: Vec<String>,
}

/// Like [`load_files`], for some of the files of a tree: `neighbours` are the others. Include roots
/// and file names come out as if every file were loaded, so that contracts of a partial load pair
/// with those of a full one; the neighbours themselves are compiled only as imports.
///
/// `workspace` is the root no import may leave through a symbolic link (default: the first file's
/// workspace root).
pub fn load_files_among(
    files: &[PathBuf],
    neighbours: &[Neighbour],
    extra_includes: &[PathBuf],
    workspace: Option<&Path>,
) -> ProtoLoad {
    load_keeping(files, neighbours, extra_includes, workspace, None)
}

/// The message `name` (a fully-qualified name, `shop.v1.Order`, or a name unique among the files'
/// messages) of `.proto` files compiled as [`load_files`] compiles them: what binary Protobuf data
/// is decoded with.
pub fn message_descriptor(
    files: &[PathBuf],
    extra_includes: &[PathBuf],
    name: &str,
) -> Result<MessageDescriptor, String> {
    let mut pools = Vec::new();
    let out = load_keeping(files, &[], extra_includes, None, Some(&mut pools));
    if let Some(f) = out
        .findings
        .iter()
        .find(|f| f.severity == crate::finding::Severity::Error)
    {
        let at = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
        return Err(format!("{at}: {}", f.message));
    }
    let wanted = name.trim_start_matches('.');
    let mut found: Vec<MessageDescriptor> = Vec::new();
    for pool in &pools {
        if let Some(m) = pool.get_message_by_name(wanted) {
            return Ok(m);
        }
        found.extend(
            pool.all_messages()
                .filter(|m| m.name() == wanted || m.full_name().ends_with(&format!(".{wanted}"))),
        );
    }
    found.sort_by(|a, b| a.full_name().cmp(b.full_name()));
    found.dedup_by(|a, b| a.full_name() == b.full_name());
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("no message `{name}` in the contract")),
        _ => Err(format!(
            "`{name}` names {} messages ({}); give the fully-qualified name",
            found.len(),
            found.iter().map(|m| m.full_name()).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn load_keeping(
    files: &[PathBuf],
    neighbours: &[Neighbour],
    extra_includes: &[PathBuf],
    workspace: Option<&Path>,
    mut keep: Option<&mut Vec<DescriptorPool>>,
) -> ProtoLoad {
    let mut out = ProtoLoad::default();
    let mut sources = read_sources(files, &mut out);
    let neighbours: Vec<(PathBuf, &[String])> = neighbours
        .iter()
        .map(|n| (super::absolute(&n.path), n.imports.as_slice()))
        .collect();
    let known: Vec<(&Path, &[String])> = sources
        .iter()
        .map(|s| (s.path.as_path(), s.imports.as_slice()))
        .chain(neighbours.iter().map(|(p, i)| (p.as_path(), *i)))
        .collect();
    let roots = IncludeRoots::discover(&known, extra_includes);
    let workspace = files.first().map(|f| super::workspace_root(f, workspace));
    for mut unit in roots.units(&sources, &known, &mut out) {
        unit.workspace = workspace.clone();
        compile_unit(&unit, &mut sources, &mut out, keep.as_deref_mut());
    }
    drop_in_background(sources);
    normalize(&mut out.findings);
    out.unusable.sort();
    out.unusable.dedup();
    out
}

/// Frees a large structure on another thread. Compiling thousands of files leaves millions of small
/// allocations behind, and freeing them takes seconds that nobody needs to wait for.
fn drop_in_background<T: Send + 'static>(value: T) {
    // If no thread can be started, the closure and with it the value are dropped right here.
    let _ = std::thread::Builder::new()
        .name("proto-drop".into())
        .spawn(move || drop(value));
}

/// `f` over every item, on all cores; results in the order of the items.
pub(super) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    // Items are taken in turn from one counter, so each result's position must be remembered.
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else { break };
            done.push((index, f(item)));
        }
        done
    };
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        // The current thread works too, so every item is done even if no thread can be started.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut results = work();
        for helper in helpers {
            match helper.join() {
                Ok(done) => results.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (index, result) in results {
            if let Some(slot) = slots.get_mut(index) {
                *slot = Some(result);
            }
        }
    });
    slots.into_iter().flatten().collect()
}

/// Reads and parses every file; unreadable or unparsable files become findings and are not compiled.
///
/// The source info is set aside here, keeping only the declarations' locations: the compiler gets
/// the file without it. (prost-reflect rewrites source-info paths once per option over all of a
/// file's locations, which takes seconds on a file like Google's 4 MB `compute.proto`.)
fn read_sources(files: &[PathBuf], out: &mut ProtoLoad) -> Vec<Source> {
    let mut seen = HashSet::new();
    let files: Vec<(&PathBuf, PathBuf)> = files
        .iter()
        .map(|f| (f, super::absolute(f)))
        .filter(|(_, path)| seen.insert(path.clone()))
        .collect();
    let read = parallel_map(&files, |(file, path)| read_source(file, path.clone()));
    let mut sources = Vec::with_capacity(read.len());
    for result in read {
        match result {
            Ok(source) => sources.push(source),
            Err(finding) => {
                if let Some(location) = &finding.location {
                    out.unusable.push(location.file.to_string());
                }
                out.findings.push(*finding);
            }
        }
    }
    sources
}

fn read_source(file: &Path, path: PathBuf) -> Result<Source, Box<Finding>> {
    let display = super::display_path(file);
    let text = super::read_text(&path).map_err(|message| {
        Box::new(Finding::new(
            &lint::PARSE_ERROR,
            message,
            Location::new(display.clone(), "", Pos::new(1, 1)),
        ))
    })?;
    // Editions files go through the proto2 compiler, rewritten with their positions kept.
    let (edition, text) = match super::editions::as_proto2(&text) {
        Some((edition, rewritten)) => (Some(edition), rewritten),
        None => (None, text),
    };
    let parsed =
        File::from_source(&display, &text).map_err(|err| Box::new(error_finding(&err, &display, Some(&text))))?;
    let mut parsed = FileDescriptorProto::from(parsed);
    let declarations = parsed
        .source_code_info
        .take()
        .map(|info| declarations_only(&info))
        .unwrap_or_default();
    let imports = parsed.dependency.clone();
    Ok(Source {
        path,
        display,
        text: Arc::from(text),
        imports,
        parsed: Some(parsed),
        declarations,
        edition,
    })
}

/// What a contract needs of a declaration's source info: where it starts and its comment. (Source
/// info as prost keeps it costs some 300 bytes per declaration; Google's protos have a million.)
#[derive(Debug)]
struct Declaration {
    /// The source-info path: (field number, index) pairs from the file down.
    path: Box<[i32]>,
    pos: Option<Pos>,
    /// The comment before the declaration, else the one after it on the same line.
    comment: Option<Box<str>>,
}

/// The declarations of a file's source info: their paths are (field number, index) pairs, so of even
/// length. Names, types, numbers and options have odd-length paths.
fn declarations_only(info: &SourceCodeInfo) -> Vec<Declaration> {
    info.location
        .iter()
        .filter(|l| l.path.len() >= 2 && l.path.len() % 2 == 0)
        .map(|l| Declaration {
            path: l.path.clone().into_boxed_slice(),
            pos: span_start(l),
            comment: comment_text(l),
        })
        .collect()
}

/// A declaration's comment with the comment markers' indentation removed.
fn comment_text(location: &SourceLocation) -> Option<Box<str>> {
    let text = location
        .leading_comments
        .as_deref()
        .or(location.trailing_comments.as_deref())?;
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect();
    let text = lines.join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.into())
}

/// The include roots of one load, in three groups that are searched in this order.
#[derive(Debug, Default)]
struct IncludeRoots {
    /// `-I` paths, as given.
    explicit: Vec<PathBuf>,
    /// Ancestors that resolve an import, outermost first.
    derived: Vec<PathBuf>,
    /// Directories of files under no other root.
    own: Vec<PathBuf>,
}

impl IncludeRoots {
    /// `files` are every file of the load (path and imports), whether compiled or not.
    fn discover(files: &[(&Path, &[String])], extra_includes: &[PathBuf]) -> Self {
        let mut roots = IncludeRoots::default();
        for include in extra_includes {
            let include = super::absolute(include);
            if !roots.explicit.contains(&include) {
                roots.explicit.push(include);
            }
        }

        // An import once resolved stays resolved: roots are only ever added.
        let mut resolved: HashSet<&str> = HashSet::new();
        for (path, imports) in files {
            for import in *imports {
                if import.starts_with("google/protobuf/") || resolved.contains(import.as_str()) {
                    continue;
                }
                let Some(relative) = plain_relative(import) else {
                    continue;
                };
                if roots
                    .explicit
                    .iter()
                    .chain(&roots.derived)
                    .any(|r| r.join(relative).is_file())
                {
                    resolved.insert(import);
                    continue;
                }
                let ancestor = path
                    .parent()
                    .and_then(|dir| dir.ancestors().find(|a| a.join(relative).is_file()));
                if let Some(ancestor) = ancestor {
                    roots.derived.push(ancestor.to_path_buf());
                    resolved.insert(import);
                }
            }
        }
        roots.derived.sort_by_key(|r| r.components().count());

        for (path, _) in files {
            if !roots.all().any(|r| path.starts_with(r))
                && let Some(dir) = path.parent()
            {
                roots.own.push(dir.to_path_buf());
            }
        }
        roots
    }

    fn all(&self) -> impl Iterator<Item = &PathBuf> {
        self.explicit.iter().chain(&self.derived).chain(&self.own)
    }

    /// Splits the files into compilation units. Normally there is one. A file whose name is already
    /// taken by another file (`old/x.proto` and `new/x.proto`, each its own root) gets a unit of its
    /// own that searches its root first; copies of the well-known files (`google/protobuf/any.proto`)
    /// that were asked for share a unit where they are read from disk.
    fn units(&self, sources: &[Source], files: &[(&Path, &[String])], out: &mut ProtoLoad) -> Vec<Unit> {
        let chain: Vec<PathBuf> = self.all().cloned().collect();
        let requested: HashMap<&Path, usize> = sources.iter().enumerate().map(|(i, s)| (s.path.as_path(), i)).collect();

        // The name a file is imported by wins: it is the name protox will give it anyway.
        let mut imported_as: HashMap<usize, &str> = HashMap::new();
        let mut looked_up: HashSet<&str> = HashSet::new();
        for (_, imports) in files {
            for import in *imports {
                if !looked_up.insert(import) {
                    continue;
                }
                if let Some(found) = lookup(&chain, import)
                    && let Some(&index) = requested.get(found.as_path())
                {
                    imported_as.entry(index).or_insert(import);
                }
            }
        }

        let mut main = Unit {
            roots: chain.clone(),
            members: Vec::new(),
            well_known_first: true,
            workspace: None,
        };
        let mut well_known = Unit {
            roots: chain.clone(),
            members: Vec::new(),
            well_known_first: false,
            workspace: None,
        };
        let mut taken: HashSet<String> = HashSet::new();
        let mut extra = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            let name = match imported_as.get(&index) {
                Some(name) => Some((*name).to_string()),
                None => self.name_under_root(&source.path).map(|(name, _)| name),
            };
            let Some(name) = name else {
                out.findings.push(Finding::new(
                    &lint::PROTO_COMPILE_ERROR,
                    "the file's path is not valid UTF-8, so it cannot be given a Protobuf file name",
                    Location::new(source.display.clone(), "", Pos::default()),
                ));
                out.unusable.push(source.display.clone());
                continue;
            };
            if lookup(&chain, &name).is_some_and(|p| p == source.path) && taken.insert(name.clone()) {
                if WELL_KNOWN_FILES.contains(&name.as_str()) {
                    well_known.members.push((name, index));
                } else {
                    main.members.push((name, index));
                }
                continue;
            }
            // Another file has this name first: compile this one with its own root searched first.
            // (A file named by an import always resolves to itself, so it never gets here.)
            if let Some((name, root)) = self.name_under_root(&source.path) {
                let mut roots = vec![root.clone()];
                roots.extend(chain.iter().filter(|r| **r != root).cloned());
                extra.push(Unit {
                    roots,
                    members: vec![(name, index)],
                    well_known_first: true,
                    workspace: None,
                });
            }
        }
        let mut units = vec![main];
        units.extend(extra);
        if !well_known.members.is_empty() {
            units.push(well_known);
        }
        units
    }

    /// The file's name relative to the outermost `-I` or import-derived root containing it, else
    /// relative to the outermost root of any kind. Also returns that root.
    fn name_under_root(&self, path: &Path) -> Option<(String, PathBuf)> {
        let outermost = |roots: &mut dyn Iterator<Item = &PathBuf>| {
            roots
                .filter(|r| path.starts_with(r))
                .min_by_key(|r| r.components().count())
                .cloned()
        };
        let root =
            outermost(&mut self.explicit.iter().chain(&self.derived)).or_else(|| outermost(&mut self.own.iter()))?;
        let name = file_name_of(path.strip_prefix(&root).ok()?)?;
        Some((name, root))
    }
}

/// The first root under which `name` exists, as protox would search them.
fn lookup(roots: &[PathBuf], name: &str) -> Option<PathBuf> {
    let relative = plain_relative(name)?;
    roots.iter().map(|r| r.join(relative)).find(|p| p.is_file())
}

/// `name` as a relative path, if it is one made only of plain components (so joining it to a root
/// can never leave the root).
fn plain_relative(name: &str) -> Option<&Path> {
    let path = Path::new(name);
    let plain = !name.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    plain.then_some(path)
}

/// A relative path as a Protobuf file name (`erp/common.proto`).
fn file_name_of(relative: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Serves the files being compiled from memory: first as already parsed (without source info), and
/// when asked again, which happens only after an error, parsed anew in full so the error can say
/// where it is.
struct SourceCache {
    parsed: RefCell<HashMap<String, FileDescriptorProto>>,
    texts: Arc<HashMap<String, Arc<str>>>,
}

impl FileResolver for SourceCache {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        if let Some(parsed) = self.parsed.borrow_mut().remove(name) {
            return Ok(File::from_file_descriptor_proto(parsed));
        }
        match self.texts.get(name) {
            Some(text) => File::from_source(name, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// An include root inside the workspace: a file found under it is read only if it really is inside
/// the workspace, so a symbolic link cannot make an import read a file outside the checkout.
struct InsideWorkspace {
    include: PathBuf,
    workspace: PathBuf,
}

impl FileResolver for InsideWorkspace {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        let path = self.include.join(name);
        if let Err(outside) = super::inside_root(&self.workspace, &path) {
            return Err(protox::Error::new(format!(
                "import \"{name}\": {} is {}; it is not read",
                super::display_path(&path),
                outside.describe(&self.workspace)
            )));
        }
        IncludeFileResolver::new(self.include.clone()).open_file(name)
    }
}

fn compile_unit(unit: &Unit, sources: &mut [Source], out: &mut ProtoLoad, keep: Option<&mut Vec<DescriptorPool>>) {
    let mut parsed = HashMap::new();
    let mut texts = HashMap::new();
    for (name, index) in &unit.members {
        if let Some(source) = sources.get_mut(*index) {
            if let Some(mut descriptor) = source.parsed.take() {
                descriptor.name = Some(name.clone());
                parsed.insert(name.clone(), descriptor);
            }
            texts.insert(name.clone(), Arc::clone(&source.text));
        }
    }
    let texts = Arc::new(texts);
    let (pool, compiled) = compile_members(unit, sources, &texts, parsed, out);
    // Past compiling, nothing needs the members' text: free it before the contracts are built.
    drop(texts);
    for (_, index) in &unit.members {
        if let Some(source) = sources.get_mut(*index) {
            source.text = Arc::from("");
        }
    }
    // (name, source, its declarations: each is taken once, by the thread building the contract)
    let mut taken = Vec::with_capacity(compiled.len());
    for (name, index) in compiled {
        if let Some(source) = sources.get_mut(index) {
            taken.push((name, index, Mutex::new(std::mem::take(&mut source.declarations))));
        }
    }
    let sources: &[Source] = sources;
    let compiled: Vec<(String, &Source, Mutex<Vec<Declaration>>)> = taken
        .into_iter()
        .filter_map(|(name, index, declarations)| Some((name, sources.get(index)?, declarations)))
        .collect();
    let contracts = parallel_map(&compiled, |(name, source, declarations)| {
        let file = pool.get_file_by_name(name)?;
        let declarations = std::mem::take(&mut *declarations.lock().unwrap_or_else(|e| e.into_inner()));
        let mut contract = build_contract(&file, &source.display, declarations, true);
        if let Some(edition) = &source.edition {
            apply_edition(&mut contract, edition);
        }
        Some(contract)
    });
    out.contracts.extend(contracts.into_iter().flatten());
    match keep {
        Some(pools) => pools.push(pool),
        None => drop_in_background(pool),
    }
}

/// Compiles a unit's members in one compiler: the pool and the (file name, source index) of each
/// member that compiled, errors to `out`.
fn compile_members(
    unit: &Unit,
    sources: &[Source],
    texts: &Arc<HashMap<String, Arc<str>>>,
    parsed: HashMap<String, FileDescriptorProto>,
    out: &mut ProtoLoad,
) -> (DescriptorPool, Vec<(String, usize)>) {
    let by_name: HashMap<&str, &Source> = unit
        .members
        .iter()
        .filter_map(|(name, i)| Some((name.as_str(), sources.get(*i)?)))
        .collect();
    let mut compiler = unit_compiler(unit, parsed, Arc::clone(texts), false);

    let mut compiled = Vec::new();
    // Files known not to compile: a file importing one is not tried again (which would parse the
    // broken import once more for every file that imports it).
    let mut failed_names: HashSet<String> = HashSet::new();
    for (name, index) in &unit.members {
        let Some(source) = sources.get(*index) else { continue };
        if let Some(import) = source.imports.iter().find(|i| failed_names.contains(i.as_str())) {
            out.findings.push(Finding::new(
                &lint::PROTO_COMPILE_ERROR,
                format!("not compiled: the imported file '{import}' has errors"),
                Location::new(source.display.clone(), "", Pos::default()),
            ));
            out.unusable.push(source.display.clone());
            failed_names.insert(name.clone());
            continue;
        }
        let mut result = compiler.open_file(name).map(|_| ());
        if let Err(err) = &result
            && !err.is_parse()
            && !has_position(err)
        {
            // Compiled without source info, the error has no position. Compiling the file again in
            // a compiler of its own, from source, finds it; failing in the shared compiler again
            // would cost another rollback of a pool of possibly thousands of files. Should that not
            // give the same error, the shared compiler tries again (the failed file is now parsed in
            // full there too).
            result = match locate_error(unit, texts, name, err) {
                Some(located) => Err(located),
                None => compiler.open_file(name).map(|_| ()),
            };
        }
        match result {
            Ok(()) => compiled.push((name.clone(), *index)),
            Err(err) => {
                let failed = err.file().unwrap_or(name);
                failed_names.insert(name.clone());
                failed_names.insert(failed.to_string());
                if failed == name {
                    out.findings
                        .push(error_finding(&err, &source.display, Some(&source.text)));
                } else {
                    // The error is in a file this one imports: report it there, and say why this one
                    // is missing.
                    let (display, text) = match by_name.get(failed) {
                        Some(s) => (s.display.clone(), Some(s.text.to_string())),
                        None => match lookup(&unit.roots, failed) {
                            Some(path)
                                if unit
                                    .workspace
                                    .as_ref()
                                    .is_none_or(|w| super::inside_root(w, &path).is_ok()) =>
                            {
                                (super::display_path(&path), super::read_text(&path).ok())
                            }
                            Some(path) => (super::display_path(&path), None),
                            None => (failed.to_string(), None),
                        },
                    };
                    out.findings.push(error_finding(&err, &display, text.as_deref()));
                    out.findings.push(Finding::new(
                        &lint::PROTO_COMPILE_ERROR,
                        format!("not compiled: the imported file '{failed}' has errors"),
                        Location::new(source.display.clone(), "", Pos::default()),
                    ));
                }
                out.unusable.push(source.display.clone());
            }
        }
    }

    (compiler.descriptor_pool(), compiled)
}

/// A compiler for one unit: the well-known files (when they come first), the files being compiled
/// (`parsed` ahead of `texts`), the include roots. Contracts take their positions from the
/// declarations kept aside, so the pool needs source info only to place errors (`source_info`).
fn unit_compiler(
    unit: &Unit,
    parsed: HashMap<String, FileDescriptorProto>,
    texts: Arc<HashMap<String, Arc<str>>>,
    source_info: bool,
) -> protox::Compiler {
    let mut resolver = ChainFileResolver::new();
    if unit.well_known_first {
        resolver.add(GoogleFileResolver::new());
    }
    resolver.add(SourceCache {
        parsed: RefCell::new(parsed),
        texts,
    });
    for root in &unit.roots {
        match &unit.workspace {
            // Roots outside the workspace are `-I` paths the command line gave: trusted as they are.
            Some(workspace) if super::inside_root(workspace, root).is_ok() => resolver.add(InsideWorkspace {
                include: root.clone(),
                workspace: workspace.clone(),
            }),
            _ => resolver.add(IncludeFileResolver::new(root.clone())),
        }
    }
    if !unit.well_known_first {
        resolver.add(GoogleFileResolver::new());
    }
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_source_info(source_info).include_imports(true);
    compiler
}

fn has_position(err: &protox::Error) -> bool {
    err.labels().is_some_and(|mut labels| labels.next().is_some())
}

/// Compiles `name` from source in a fresh compiler, to learn where `first` is. A name defined twice
/// needs the file that defined it first, which the message names. `None` unless that reproduces
/// `first` with a position.
fn locate_error(
    unit: &Unit,
    texts: &Arc<HashMap<String, Arc<str>>>,
    name: &str,
    first: &protox::Error,
) -> Option<protox::Error> {
    let message = first.to_string();
    let mut compiler = unit_compiler(unit, HashMap::new(), Arc::clone(texts), true);
    if let Some((_, rest)) = message.split_once("is already defined in file '")
        && let Some(other) = rest.strip_suffix('\'')
    {
        let _ = compiler.open_file(other);
    }
    let err = compiler.open_file(name).err()?;
    (err.to_string() == message && has_position(&err)).then_some(err)
}

/// A compile or parse error as a finding at the line and column the compiler points at.
fn error_finding(err: &protox::Error, display: &str, text: Option<&str>) -> Finding {
    let pos = error_pos(err, text);
    let location = Location::new(display, "", pos);
    if err.is_parse() && text.is_some_and(declares_edition) {
        return Finding::new(
            &lint::PROTO_COMPILE_ERROR,
            "Protobuf Editions files (`edition = \"...\"`) cannot be compiled yet; only proto2 and proto3 are supported",
            location,
        )
        .with_help("use `syntax = \"proto3\"` (or proto2), or check a descriptor set produced by protoc instead");
    }
    let mut message = err.to_string();
    // The parser words an import it refuses as "invalid group name" (its help says what it means).
    if message == "invalid group name"
        && err
            .help()
            .is_some_and(|h| h.to_string().starts_with("imports may not contain"))
    {
        let import = text
            .and_then(|t| t.lines().nth(pos.line.saturating_sub(1) as usize))
            .and_then(|line| line.split('"').nth(1))
            .map(|name| format!(" \"{name}\""))
            .unwrap_or_default();
        message = format!(
            "import{import}: an import names a file relative to an include root, so it may not contain `..` or `.`, \
             backslashes or repeated slashes, or start with `/`"
        );
        return Finding::new(&lint::PARSE_ERROR, message, location).with_help(
            "import the file by its path under an include root (`import \"erp/common.proto\";`), and add that root to \
             `proto_paths` in mapcheck.toml (or pass it with -I) if it is not found",
        );
    }
    let rule: &'static RuleMeta = if err.is_parse() {
        &lint::PARSE_ERROR
    } else if message.contains("is defined twice") || message.contains("is already defined in file") {
        &lint::DUPLICATE_TYPE
    } else {
        &lint::PROTO_COMPILE_ERROR
    };
    let mut finding = Finding::new(rule, message, location);
    if let Some(help) = err.help() {
        finding = finding.with_help(help.to_string());
    } else if err.is_file_not_found() {
        finding = finding.with_help("pass the directory the import is relative to with -I");
    }
    finding
}

/// Where a diagnostic points: its main label, as a 1-based line and a character column.
fn error_pos(diagnostic: &dyn Diagnostic, text: Option<&str>) -> Pos {
    let Some(labels) = diagnostic.labels() else {
        return Pos::default();
    };
    let labels: Vec<_> = labels.collect();
    // Some errors point at two places (where a name was first defined, and where again); the label of
    // the one at fault says so.
    let primary = labels
        .iter()
        .find(|l| {
            matches!(
                l.label(),
                Some("found here" | "defined again here" | "…and again here" | "imported here")
            )
        })
        .or_else(|| labels.first());
    let Some(span) = primary else { return Pos::default() };
    match text {
        Some(text) => pos_at(text, span.offset()),
        None => diagnostic
            .source_code()
            .and_then(|code| code.read_span(span.inner(), 0, 0).ok())
            .map(|c| Pos::new(to_u32(c.line()).saturating_add(1), to_u32(c.column()).saturating_add(1)))
            .unwrap_or_default(),
    }
}

/// The 1-based line and column (in characters) of a byte offset.
fn pos_at(text: &str, offset: usize) -> Pos {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    Pos::new(to_u32(line), to_u32(col))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether the first statement of a file is `edition = "..."`.
fn declares_edition(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    rest.strip_prefix("edition")
        .is_some_and(|r| r.trim_start().starts_with('='))
}

/// Reads a binary `FileDescriptorSet` (`protoc --descriptor_set_out`, `buf build -o`): one contract per
/// file in the set. Well-known `google/protobuf` files pulled in by `--include_imports` are not
/// contracts of their own, and may also be left out of the set.
pub fn load_descriptor_set(display: &str, bytes: &[u8]) -> Result<(Vec<Contract>, Vec<Finding>), Box<Finding>> {
    let invalid = |message: String| {
        Box::new(Finding::new(
            &lint::PARSE_ERROR,
            message,
            Location::new(display, "", Pos::default()),
        ))
    };
    let set = prost_types::FileDescriptorSet::decode(bytes)
        .map_err(|e| invalid(format!("not a valid FileDescriptorSet: {e}")))?;
    // prost-reflect 0.16 panics on a syntax it does not know, so those never reach it.
    for file in &set.file {
        match file.syntax.as_deref() {
            None | Some("proto2" | "proto3") => {}
            Some("editions") => {
                return Err(invalid(format!(
                    "'{}' uses Protobuf Editions, which cannot be read yet; only proto2 and proto3 are supported",
                    file.name()
                )));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "not a valid FileDescriptorSet: '{}' has unknown syntax '{other}'",
                    file.name()
                )));
            }
        }
    }

    let mut pool = DescriptorPool::new();
    let missing = missing_well_known(&set);
    if !missing.is_empty() {
        pool.add_file_descriptor_protos(missing)
            .map_err(|e| invalid(format!("not a valid FileDescriptorSet: {e}")))?;
    }
    pool.decode_file_descriptor_set(bytes)
        .map_err(|e| invalid(format!("not a valid FileDescriptorSet: {e}")))?;

    let mut contracts = Vec::with_capacity(set.file.len());
    for file in &set.file {
        let name = file.name();
        if WELL_KNOWN_FILES.contains(&name) {
            continue;
        }
        if let Some(file) = pool.get_file_by_name(name) {
            let declarations = file
                .file_descriptor_proto()
                .source_code_info
                .as_ref()
                .map(declarations_only)
                .unwrap_or_default();
            contracts.push(build_contract(&file, display, declarations, false));
        }
    }
    Ok((contracts, Vec::new()))
}

/// The well-known files the set imports without containing them, with their own imports.
fn missing_well_known(set: &prost_types::FileDescriptorSet) -> Vec<FileDescriptorProto> {
    let present: HashSet<&str> = set.file.iter().map(|f| f.name()).collect();
    let global = DescriptorPool::global();
    let mut wanted: Vec<String> = set
        .file
        .iter()
        .flat_map(|f| &f.dependency)
        .filter(|d| !present.contains(d.as_str()) && WELL_KNOWN_FILES.contains(&d.as_str()))
        .cloned()
        .collect();
    let mut added = HashSet::new();
    let mut out = Vec::new();
    while let Some(name) = wanted.pop() {
        if present.contains(name.as_str()) || !added.insert(name.clone()) {
            continue;
        }
        if let Some(file) = global.get_file_by_name(&name) {
            wanted.extend(file.file_descriptor_proto().dependency.iter().cloned());
            out.push(file.file_descriptor_proto().clone());
        }
    }
    out
}

/// What every declaration of one file shares.
struct FileContext<'a> {
    name: &'a str,
    display: Arc<str>,
    package: &'a str,
    syntax: &'a str,
    /// Whether source positions point into `display` (not so for a descriptor set).
    lines: bool,
    /// Declarations by path: where each starts, and the index of its comment in `comments`.
    spans: SpanMap<'a>,
    /// Comments are moved into the contract, not copied: Google's protos have 28 MB of them.
    comments: RefCell<Vec<Option<Box<str>>>>,
}

/// Source-info locations by path. Paths are a few small integers: SipHash is needlessly slow here.
type SpanMap<'a> = HashMap<&'a [i32], (Option<Pos>, usize), BuildHasherDefault<PathHasher>>;

#[derive(Default)]
struct PathHasher(u64);

impl Hasher for PathHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FileContext<'_> {
    fn location(&self, path: &[i32], pointer: &str) -> Location {
        let pos = if self.lines {
            self.spans.get(path).and_then(|(pos, _)| *pos)
        } else {
            None
        };
        Location::new(Arc::clone(&self.display), pointer, pos.unwrap_or_default())
    }

    /// The comment before a declaration, else the one after it on the same line.
    fn comment(&self, path: &[i32]) -> Option<String> {
        let (_, index) = self.spans.get(path)?;
        self.comments.borrow_mut().get_mut(*index)?.take().map(String::from)
    }
}

/// `span` is `[start_line, start_col, end_line, end_col]` or `[start_line, start_col, end_col]`, 0-based.
fn span_start(location: &SourceLocation) -> Option<Pos> {
    let line = u32::try_from(*location.span.first()?).ok()?;
    let col = u32::try_from(*location.span.get(1)?).ok()?;
    Some(Pos::new(line.saturating_add(1), col.saturating_add(1)))
}

/// One file as a contract. `declarations` says where its declarations are; `lines` says whether
/// their positions are in `display`.
fn build_contract(file: &FileDescriptor, display: &str, declarations: Vec<Declaration>, lines: bool) -> Contract {
    let proto = file.file_descriptor_proto();
    let syntax = match proto.syntax.as_deref() {
        None | Some("") => "proto2",
        Some(s) => s,
    };
    let (paths, comments): (Vec<_>, Vec<_>) = declarations.into_iter().map(|d| ((d.path, d.pos), d.comment)).unzip();
    let spans: SpanMap = paths
        .iter()
        .enumerate()
        .map(|(i, (path, pos))| (&**path, (*pos, i)))
        .collect();
    let ctx = FileContext {
        name: file.name(),
        display: Arc::from(display),
        package: file.package_name(),
        syntax,
        lines,
        spans,
        comments: RefCell::new(comments),
    };

    let mut contract = Contract::new(file.name(), Format::Protobuf, display);
    contract.format_version = Some(syntax.to_string());
    if !ctx.package.is_empty() {
        contract.packages.push(ctx.package.to_string());
    }
    let options = if proto.options.is_some() {
        options_json(&file.options())
    } else {
        JsonMap::new()
    };
    contract.proto_files.insert(
        file.name().to_string(),
        ProtoFile {
            syntax: syntax.to_string(),
            package: ctx.package.to_string(),
            imports: proto.dependency.clone(),
            options,
            extensions: Vec::new(),
        },
    );
    let mut extensions: Vec<ProtoExtension> = file.extensions().map(|e| extension(&ctx, &e)).collect();
    for message in file.messages() {
        add_message(&ctx, &message, &mut contract.types);
        nested_extensions(&ctx, &message, &mut extensions);
    }
    if let Some(facts) = contract.proto_files.get_mut(file.name()) {
        facts.extensions = extensions;
    }
    for enum_ in file.enums() {
        add_enum(&ctx, &enum_, &mut contract.types);
    }
    if lines {
        contract
            .types
            .sort_by(|_, a, _, b| a.location.pos().cmp(&b.location.pos()));
    }
    contract.services = file.services().map(|s| service(&ctx, &s)).collect();
    contract
}

/// Marks a contract compiled from an editions file as such, and applies `features.field_presence`
/// (file default, field override) to field labels: IMPLICIT fields have no presence, LEGACY_REQUIRED
/// ones are required.
fn apply_edition(contract: &mut Contract, edition: &str) {
    let syntax = "editions".to_string();
    contract.format_version = Some(format!("editions {edition}"));
    let mut file_default = None;
    for file in contract.proto_files.values_mut() {
        file.syntax.clone_from(&syntax);
        file_default = presence_feature(&file.options);
    }
    for t in contract.types.values_mut() {
        if let Some(p) = &mut t.proto {
            p.syntax.clone_from(&syntax);
        }
        let crate::model::TypeKind::Object(obj) = &mut t.ty.kind else {
            continue;
        };
        for field in &mut obj.fields {
            let Some(proto) = &mut field.proto else { continue };
            if proto.label != "optional" || proto.oneof.is_some() {
                continue;
            }
            match presence_feature(&proto.options).or(file_default.clone()).as_deref() {
                Some("IMPLICIT") => proto.label = "singular".into(),
                Some("LEGACY_REQUIRED") => {
                    proto.label = "required".into();
                    field.required = true;
                }
                _ => {}
            }
        }
    }
}

fn presence_feature(options: &JsonMap) -> Option<String> {
    options
        .get("features")?
        .get("field_presence")?
        .as_str()
        .map(str::to_string)
}

fn proto_message(ctx: &FileContext, options: JsonMap) -> ProtoMessage {
    ProtoMessage {
        file: ctx.name.to_string(),
        package: ctx.package.to_string(),
        options,
        syntax: ctx.syntax.to_string(),
        ..ProtoMessage::default()
    }
}

fn namespace(ctx: &FileContext) -> Option<String> {
    (!ctx.package.is_empty()).then(|| ctx.package.to_string())
}

fn add_message(ctx: &FileContext, message: &MessageDescriptor, types: &mut IndexMap<String, NamedType>) {
    // Map entries are not types of their own: their field is a `map<K, V>`.
    if message.is_map_entry() {
        return;
    }
    let full_name = message.full_name();
    let location = ctx.location(message.path(), full_name);
    let raw = message.descriptor_proto();
    let fields = message.fields().map(|f| field(ctx, &f)).collect();
    let mut ty = Type::new(TypeKind::Object(Box::new(ObjectType::new(fields))), location.clone());
    ty.description = ctx.comment(message.path());
    ty.deprecated = raw.options.as_ref().and_then(|o| o.deprecated).unwrap_or(false);

    let options = if raw.options.is_some() {
        options_json(&message.options())
    } else {
        JsonMap::new()
    };
    let mut proto = proto_message(ctx, options);
    proto.reserved_ranges = message
        .reserved_ranges()
        .map(|r| (to_i32(r.start), to_i32(r.end.saturating_sub(1))))
        .collect();
    proto.reserved_names = message.reserved_names().map(str::to_string).collect();
    proto.extension_ranges = message
        .extension_ranges()
        .map(|r| (to_i32(r.start), to_i32(r.end.saturating_sub(1))))
        .collect();
    proto.oneofs = message
        .oneofs()
        .filter(|o| !o.is_synthetic())
        .map(|o| o.name().to_string())
        .collect();

    types.insert(
        full_name.to_string(),
        NamedType {
            id: full_name.to_string(),
            name: message.name().to_string(),
            namespace: namespace(ctx),
            origin: TypeOrigin::Message,
            ty,
            aliases: Vec::new(),
            proto: Some(proto),
            enum_default: None,
            location,
        },
    );
    for child in message.child_messages() {
        add_message(ctx, &child, types);
    }
    for child in message.child_enums() {
        add_enum(ctx, &child, types);
    }
}

/// Extensions declared inside a message and the messages nested in it.
fn nested_extensions(ctx: &FileContext, message: &MessageDescriptor, out: &mut Vec<ProtoExtension>) {
    out.extend(message.child_extensions().map(|e| extension(ctx, &e)));
    for child in message.child_messages() {
        nested_extensions(ctx, &child, out);
    }
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn add_enum(ctx: &FileContext, enum_: &EnumDescriptor, types: &mut IndexMap<String, NamedType>) {
    let full_name = enum_.full_name();
    let location = ctx.location(enum_.path(), full_name);
    let values = enum_
        .values()
        .map(|v| EnumValue {
            name: v.name().to_string(),
            number: Some(v.number()),
            deprecated: v
                .enum_value_descriptor_proto()
                .options
                .as_ref()
                .and_then(|o| o.deprecated)
                .unwrap_or(false),
            description: ctx.comment(v.path()),
            location: ctx.location(v.path(), &format!("{full_name}.{}", v.name())),
        })
        .collect();
    let raw = enum_.enum_descriptor_proto();
    let mut ty = Type::new(TypeKind::Enum { values }, location.clone());
    ty.description = ctx.comment(enum_.path());
    ty.deprecated = raw.options.as_ref().and_then(|o| o.deprecated).unwrap_or(false);

    let options = if raw.options.is_some() {
        options_json(&enum_.options())
    } else {
        JsonMap::new()
    };
    let mut proto = proto_message(ctx, options);
    proto.reserved_ranges = enum_.reserved_ranges().map(|r| (*r.start(), *r.end())).collect();
    proto.reserved_names = enum_.reserved_names().map(str::to_string).collect();
    proto.allow_alias = raw.options.as_ref().and_then(|o| o.allow_alias).unwrap_or(false);

    types.insert(
        full_name.to_string(),
        NamedType {
            id: full_name.to_string(),
            name: enum_.name().to_string(),
            namespace: namespace(ctx),
            origin: TypeOrigin::Enum,
            ty,
            aliases: Vec::new(),
            proto: Some(proto),
            enum_default: None,
            location,
        },
    );
}

/// What the model needs of a field or an extension: prost-reflect has a type for each, with the
/// same methods.
trait FieldLike {
    fn name(&self) -> &str;
    fn full_name(&self) -> &str;
    fn path(&self) -> &[i32];
    fn raw(&self) -> &prost_types::FieldDescriptorProto;
    fn kind(&self) -> Kind;
    fn cardinality(&self) -> Cardinality;
    fn supports_presence(&self) -> bool;
    fn is_map(&self) -> bool;
    fn is_list(&self) -> bool;
    fn is_group(&self) -> bool;
    fn json_name(&self) -> &str;
    fn number(&self) -> u32;
    fn options(&self) -> DynamicMessage;
    fn default_value(&self) -> Value;
    /// The (non-synthetic) oneof the field belongs to.
    fn oneof(&self) -> Option<String>;
}

macro_rules! field_like {
    ($ty:ty, $oneof:expr) => {
        impl FieldLike for $ty {
            fn name(&self) -> &str {
                <$ty>::name(self)
            }
            fn full_name(&self) -> &str {
                <$ty>::full_name(self)
            }
            fn path(&self) -> &[i32] {
                <$ty>::path(self)
            }
            fn raw(&self) -> &prost_types::FieldDescriptorProto {
                <$ty>::field_descriptor_proto(self)
            }
            fn kind(&self) -> Kind {
                <$ty>::kind(self)
            }
            fn cardinality(&self) -> Cardinality {
                <$ty>::cardinality(self)
            }
            fn supports_presence(&self) -> bool {
                <$ty>::supports_presence(self)
            }
            fn is_map(&self) -> bool {
                <$ty>::is_map(self)
            }
            fn is_list(&self) -> bool {
                <$ty>::is_list(self)
            }
            fn is_group(&self) -> bool {
                <$ty>::is_group(self)
            }
            fn json_name(&self) -> &str {
                <$ty>::json_name(self)
            }
            fn number(&self) -> u32 {
                <$ty>::number(self)
            }
            fn options(&self) -> DynamicMessage {
                <$ty>::options(self)
            }
            fn default_value(&self) -> Value {
                <$ty>::default_value(self)
            }
            fn oneof(&self) -> Option<String> {
                let oneof: fn(&$ty) -> Option<String> = $oneof;
                oneof(self)
            }
        }
    };
}

field_like!(FieldDescriptor, |f| f
    .containing_oneof()
    .filter(|o| !o.is_synthetic())
    .map(|o| o.name().to_string()));
field_like!(ExtensionDescriptor, |_| None);

fn field(ctx: &FileContext, field: &impl FieldLike) -> Field {
    let location = ctx.location(field.path(), field.full_name());
    let raw = field.raw();
    let map_entry = match field.kind() {
        Kind::Message(entry) if field.is_map() => entry.get_field(1).zip(entry.get_field(2)),
        _ => None,
    };
    let enum_type = match &map_entry {
        Some((_, value)) => value.kind().as_enum().is_some(),
        None => field.kind().as_enum().is_some(),
    };
    let (mut ty, proto_type) = match map_entry {
        Some((key, value)) => {
            let (key, key_type) = element_type(&key.kind(), &location);
            let (value, value_type) = element_type(&value.kind(), &location);
            let kind = TypeKind::Map {
                key: Box::new(key),
                value: Box::new(value),
            };
            (
                Type::new(kind, location.clone()),
                format!("map<{key_type}, {value_type}>"),
            )
        }
        None => {
            let (element, proto_type) = element_type(&field.kind(), &location);
            if field.cardinality() == Cardinality::Repeated {
                let kind = TypeKind::Array {
                    items: Box::new(element),
                    prefix_items: Vec::new(),
                };
                (Type::new(kind, location.clone()), proto_type)
            } else {
                (element, proto_type)
            }
        }
    };
    ty.description = ctx.comment(field.path());
    ty.deprecated = raw.options.as_ref().and_then(|o| o.deprecated).unwrap_or(false);
    if raw.default_value.is_some() {
        ty.default = Some(Box::new(value_json(&field.default_value(), &field.kind())));
    }

    let label = match field.cardinality() {
        Cardinality::Repeated => "repeated",
        Cardinality::Required => "required",
        Cardinality::Optional if field.supports_presence() => "optional",
        Cardinality::Optional => "singular",
    };
    let options = if raw.options.is_some() {
        options_json(&field.options())
    } else {
        JsonMap::new()
    };
    Field {
        name: field.name().to_string(),
        ty,
        required: field.cardinality() == Cardinality::Required,
        aliases: Vec::new(),
        proto: Some(ProtoField {
            number: to_i32(field.number()),
            json_name: field.json_name().to_string(),
            label: label.to_string(),
            proto_type,
            oneof: field.oneof(),
            packed: is_packed(ctx, field),
            group: field.is_group(),
            enum_type,
            options,
        }),
        avro_order: None,
        location,
    }
}

fn extension(ctx: &FileContext, extension: &ExtensionDescriptor) -> ProtoExtension {
    ProtoExtension {
        full_name: extension.full_name().to_string(),
        extendee: extension.containing_message().full_name().to_string(),
        field: field(ctx, extension),
    }
}

/// Whether a repeated scalar is written packed: `[packed = ...]` if given, else the syntax's default.
/// (prost-reflect's own `is_packed` is computed before options written in source are interpreted.)
fn is_packed(ctx: &FileContext, field: &impl FieldLike) -> bool {
    let packable = !matches!(field.kind(), Kind::String | Kind::Bytes | Kind::Message(_));
    let explicit = field.raw().options.as_ref().and_then(|o| o.packed);
    field.is_list() && packable && explicit.unwrap_or(ctx.syntax == "proto3")
}

/// The model type of one value of a field, and the type as protobuf spells it.
fn element_type(kind: &Kind, location: &Location) -> (Type, String) {
    let primitive = |p: Primitive, keyword: &str| (Type::primitive(p, location.clone()), keyword.to_string());
    match kind {
        Kind::Double => primitive(Primitive::Double, "double"),
        Kind::Float => primitive(Primitive::Float, "float"),
        Kind::Int32 => primitive(Primitive::Int32, "int32"),
        Kind::Sint32 => primitive(Primitive::Int32, "sint32"),
        Kind::Sfixed32 => primitive(Primitive::Int32, "sfixed32"),
        Kind::Int64 => primitive(Primitive::Int64, "int64"),
        Kind::Sint64 => primitive(Primitive::Int64, "sint64"),
        Kind::Sfixed64 => primitive(Primitive::Int64, "sfixed64"),
        Kind::Uint32 => primitive(Primitive::Uint32, "uint32"),
        Kind::Fixed32 => primitive(Primitive::Uint32, "fixed32"),
        Kind::Uint64 => primitive(Primitive::Uint64, "uint64"),
        Kind::Fixed64 => primitive(Primitive::Uint64, "fixed64"),
        Kind::Bool => primitive(Primitive::Bool, "bool"),
        Kind::String => primitive(Primitive::String, "string"),
        Kind::Bytes => primitive(Primitive::Bytes, "bytes"),
        Kind::Message(message) => {
            let name = message.full_name();
            let ty = well_known(name, location).unwrap_or_else(|| Type::reference(name, location.clone()));
            (ty, format!(".{name}"))
        }
        Kind::Enum(enum_) => (
            Type::reference(enum_.full_name(), location.clone()),
            format!(".{}", enum_.full_name()),
        ),
    }
}

/// Well-known messages that stand for a shared primitive. `Empty`, `Any` and `FieldMask` stay
/// references: they have no primitive counterpart.
fn well_known(name: &str, location: &Location) -> Option<Type> {
    let primitive = |p| Type::primitive(p, location.clone());
    let wrapper = |p| {
        let mut t = Type::primitive(p, location.clone());
        t.nullable = true;
        t
    };
    let any = || Type::new(TypeKind::Any, location.clone());
    let mut ty = match name {
        "google.protobuf.Timestamp" => primitive(Primitive::Timestamp),
        "google.protobuf.Duration" => primitive(Primitive::Duration),
        "google.protobuf.DoubleValue" => wrapper(Primitive::Double),
        "google.protobuf.FloatValue" => wrapper(Primitive::Float),
        "google.protobuf.Int64Value" => wrapper(Primitive::Int64),
        "google.protobuf.UInt64Value" => wrapper(Primitive::Uint64),
        "google.protobuf.Int32Value" => wrapper(Primitive::Int32),
        "google.protobuf.UInt32Value" => wrapper(Primitive::Uint32),
        "google.protobuf.BoolValue" => wrapper(Primitive::Bool),
        "google.protobuf.StringValue" => wrapper(Primitive::String),
        "google.protobuf.BytesValue" => wrapper(Primitive::Bytes),
        "google.protobuf.Struct" => Type::new(
            TypeKind::Map {
                key: Box::new(primitive(Primitive::String)),
                value: Box::new(any()),
            },
            location.clone(),
        ),
        "google.protobuf.Value" => any(),
        "google.protobuf.ListValue" => Type::new(
            TypeKind::Array {
                items: Box::new(any()),
                prefix_items: Vec::new(),
            },
            location.clone(),
        ),
        _ => return None,
    };
    ty.extensions
        .insert(EXT_PROTO_TYPE.to_string(), Json::String(name.to_string()));
    Some(ty)
}

fn service(ctx: &FileContext, service: &ServiceDescriptor) -> Service {
    let raw = service.service_descriptor_proto();
    let rpcs = service
        .methods()
        .map(|m| {
            let raw = m.method_descriptor_proto();
            Rpc {
                name: m.name().to_string(),
                input: m.input().full_name().to_string(),
                output: m.output().full_name().to_string(),
                client_streaming: m.is_client_streaming(),
                server_streaming: m.is_server_streaming(),
                deprecated: raw.options.as_ref().and_then(|o| o.deprecated).unwrap_or(false),
                options: if raw.options.is_some() {
                    options_json(&m.options())
                } else {
                    JsonMap::new()
                },
                location: ctx.location(m.path(), m.full_name()),
            }
        })
        .collect();
    Service {
        name: service.full_name().to_string(),
        file: ctx.name.to_string(),
        rpcs,
        options: if raw.options.is_some() {
            options_json(&service.options())
        } else {
            JsonMap::new()
        },
        location: ctx.location(service.path(), service.full_name()),
    }
}

/// Options as JSON: standard options by field name (`deprecated`, `packed`), custom options by the
/// extension's full name (`acme.pii`). Enum values are names, bytes are base64.
/// Options by name, sorted, in no more memory than they need (Google's protos have a million).
fn options_json(options: &DynamicMessage) -> JsonMap {
    let mut map: JsonMap = message_entries(options).collect();
    map.sort_unstable_keys();
    map.shrink_to_fit();
    map
}

fn message_entries(message: &DynamicMessage) -> impl Iterator<Item = (String, Json)> + '_ {
    let fields = message
        .fields()
        .map(|(f, v)| (f.name().to_string(), value_json(v, &f.kind())));
    let extensions = message
        .extensions()
        .map(|(e, v)| (e.full_name().to_string(), value_json(v, &e.kind())));
    fields.chain(extensions)
}

fn value_json(value: &Value, kind: &Kind) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I32(n) => Json::from(*n),
        Value::I64(n) => Json::from(*n),
        Value::U32(n) => Json::from(*n),
        Value::U64(n) => Json::from(*n),
        // Through the shortest decimal, so `0.1f` reads 0.1 and not 0.10000000149011612.
        Value::F32(f) => float_json(f.to_string().parse().unwrap_or(f64::from(*f))),
        Value::F64(f) => float_json(*f),
        Value::String(s) => Json::String(s.clone()),
        Value::Bytes(b) => Json::String(base64(b)),
        Value::EnumNumber(n) => match kind.as_enum().and_then(|e| e.get_value(*n)) {
            Some(v) => Json::String(v.name().to_string()),
            None => Json::from(*n),
        },
        Value::Message(m) => Json::Object(message_entries(m).collect()),
        Value::List(items) => Json::Array(items.iter().map(|v| value_json(v, kind)).collect()),
        Value::Map(entries) => {
            let value_kind = kind.as_message().and_then(|entry| entry.get_field(2)).map(|f| f.kind());
            let mut entries: Vec<(String, Json)> = entries
                .iter()
                .map(|(key, value)| {
                    let key = match key {
                        prost_reflect::MapKey::Bool(b) => b.to_string(),
                        prost_reflect::MapKey::I32(n) => n.to_string(),
                        prost_reflect::MapKey::I64(n) => n.to_string(),
                        prost_reflect::MapKey::U32(n) => n.to_string(),
                        prost_reflect::MapKey::U64(n) => n.to_string(),
                        prost_reflect::MapKey::String(s) => s.clone(),
                    };
                    let value = match &value_kind {
                        Some(k) => value_json(value, k),
                        None => value_json(value, kind),
                    };
                    (key, value)
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
    }
}

/// A float as JSON; the values JSON has no number for are spelled as in proto3 JSON.
fn float_json(f: f64) -> Json {
    match serde_json::Number::from_f64(f) {
        Some(n) => Json::Number(n),
        None if f.is_nan() => Json::String("NaN".into()),
        None if f > 0.0 => Json::String("Infinity".into()),
        None => Json::String("-Infinity".into()),
    }
}

/// Standard base64 with padding, as proto3 JSON writes `bytes`.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes files (relative path, content) under a fresh temporary directory.
    fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (rel, content) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
            paths.push(path);
        }
        (dir, paths)
    }

    fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, ProtoLoad) {
        let (dir, paths) = workspace(files);
        let out = load_files(&paths, &[]);
        (dir, out)
    }

    fn contract<'a>(out: &'a ProtoLoad, name: &str) -> &'a Contract {
        out.contracts.iter().find(|c| c.name == name).unwrap_or_else(|| {
            panic!(
                "no contract {name}; have {:?}; findings {:#?}",
                names(out),
                out.findings
            )
        })
    }

    fn names(out: &ProtoLoad) -> Vec<&str> {
        out.contracts.iter().map(|c| c.name.as_str()).collect()
    }

    fn fields(contract: &Contract, ty: &str) -> Vec<Field> {
        match &contract.types[ty].ty.kind {
            TypeKind::Object(o) => o.fields.clone(),
            other => panic!("{ty} is not an object: {other:?}"),
        }
    }

    fn field_of(contract: &Contract, ty: &str, name: &str) -> Field {
        fields(contract, ty).into_iter().find(|f| f.name == name).unwrap()
    }

    fn proto(field: &Field) -> &ProtoField {
        field.proto.as_ref().unwrap()
    }

    fn assert_clean(out: &ProtoLoad) {
        assert!(out.findings.is_empty(), "unexpected findings: {:#?}", out.findings);
        assert!(out.unusable.is_empty(), "unexpected unusable: {:?}", out.unusable);
    }

    const COMMON: &str = r#"syntax = "proto3";
package erp.customers.v1;
// An amount of money.
message Money {
  string currency_code = 1;
  int64 units = 2;
}
"#;

    const SERVICE: &str = r#"syntax = "proto3";
package erp.customers.v1;
import "erp/common.proto";
message Customer {
  Money credit_limit = 1;
}
"#;

    #[test]
    fn discovers_the_include_root_from_an_import_in_a_nested_directory() {
        let (_dir, out) = load(&[
            ("repo/contracts/erp/common.proto", COMMON),
            ("repo/contracts/erp/customer_service.proto", SERVICE),
        ]);
        assert_clean(&out);
        assert_eq!(names(&out), ["erp/common.proto", "erp/customer_service.proto"]);
        let service = contract(&out, "erp/customer_service.proto");
        assert_eq!(
            service.proto_files["erp/customer_service.proto"].imports,
            ["erp/common.proto"]
        );
        let money = field_of(service, "erp.customers.v1.Customer", "credit_limit");
        assert_eq!(
            money.ty.kind,
            TypeKind::Ref {
                target: "erp.customers.v1.Money".into()
            }
        );
        assert_eq!(proto(&money).proto_type, ".erp.customers.v1.Money");
        let common = contract(&out, "erp/common.proto");
        assert_eq!(
            common.types["erp.customers.v1.Money"].ty.description.as_deref(),
            Some("An amount of money.")
        );
    }

    #[test]
    fn the_importing_file_alone_finds_its_import() {
        let (_dir, paths) = workspace(&[
            ("repo/contracts/erp/common.proto", COMMON),
            ("repo/contracts/erp/customer_service.proto", SERVICE),
        ]);
        let out = load_files(&paths[1..], &[]);
        assert_clean(&out);
        assert_eq!(names(&out), ["erp/customer_service.proto"]);
    }

    #[test]
    fn a_file_listed_first_is_still_named_as_it_is_imported() {
        let (_dir, paths) = workspace(&[
            ("x/erp/common.proto", COMMON),
            ("x/erp/customer_service.proto", SERVICE),
            (
                "x/erp/v2/other.proto",
                "syntax = \"proto3\";\npackage other;\nmessage O { int32 a = 1; }\n",
            ),
        ]);
        let out = load_files(&paths, &[]);
        assert_clean(&out);
        assert_eq!(
            names(&out),
            ["erp/common.proto", "erp/customer_service.proto", "erp/v2/other.proto"]
        );
    }

    #[test]
    fn explicit_include_paths_are_used() {
        let (dir, paths) = workspace(&[
            (
                "vendor/acme/money.proto",
                "syntax = \"proto3\";\npackage acme;\nmessage Money { int64 units = 1; }\n",
            ),
            (
                "api/order.proto",
                "syntax = \"proto3\";\nimport \"acme/money.proto\";\nmessage Order { acme.Money total = 1; }\n",
            ),
        ]);
        let out = load_files(&paths[1..], &[dir.path().join("vendor")]);
        assert_clean(&out);
        let order = contract(&out, "order.proto");
        assert_eq!(
            field_of(order, "Order", "total").ty.kind,
            TypeKind::Ref {
                target: "acme.Money".into()
            }
        );
        assert!(order.packages.is_empty());
    }

    #[test]
    fn well_known_types_map_to_shared_primitives() {
        let (_dir, out) = load(&[(
            "wkt.proto",
            r#"syntax = "proto3";
package demo;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/any.proto";
import "google/protobuf/field_mask.proto";
message All {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Duration took = 2;
  google.protobuf.Int64Value parent = 3;
  google.protobuf.StringValue label = 4;
  google.protobuf.Struct attrs = 5;
  google.protobuf.Value anything = 6;
  google.protobuf.ListValue list = 7;
  google.protobuf.Empty nothing = 8;
  google.protobuf.Any packed = 9;
  google.protobuf.FieldMask mask = 10;
  repeated google.protobuf.Timestamp history = 11;
  google.protobuf.BoolValue flag = 12;
}
"#,
        )]);
        assert_clean(&out);
        assert_eq!(names(&out), ["wkt.proto"], "well-known imports are not contracts");
        let c = contract(&out, "wkt.proto");
        let f = |n: &str| field_of(c, "demo.All", n);
        let prim = |p| TypeKind::Primitive { primitive: p };

        let at = f("at");
        assert_eq!(at.ty.kind, prim(Primitive::Timestamp));
        assert_eq!(at.ty.extensions[EXT_PROTO_TYPE], "google.protobuf.Timestamp");
        assert!(!at.ty.nullable);
        assert_eq!(proto(&at).proto_type, ".google.protobuf.Timestamp");
        assert_eq!(f("took").ty.kind, prim(Primitive::Duration));

        let parent = f("parent");
        assert_eq!(parent.ty.kind, prim(Primitive::Int64));
        assert!(parent.ty.nullable);
        assert_eq!(parent.ty.extensions[EXT_PROTO_TYPE], "google.protobuf.Int64Value");
        assert_eq!(f("label").ty.summary(), "string?");
        assert_eq!(f("flag").ty.summary(), "bool?");

        assert_eq!(f("attrs").ty.summary(), "map<string,any>");
        assert_eq!(f("anything").ty.kind, TypeKind::Any);
        assert_eq!(f("list").ty.summary(), "array<any>");
        assert_eq!(
            f("nothing").ty.kind,
            TypeKind::Ref {
                target: "google.protobuf.Empty".into()
            }
        );
        assert_eq!(
            f("packed").ty.kind,
            TypeKind::Ref {
                target: "google.protobuf.Any".into()
            }
        );
        assert_eq!(
            f("mask").ty.kind,
            TypeKind::Ref {
                target: "google.protobuf.FieldMask".into()
            }
        );
        assert_eq!(f("history").ty.summary(), "array<timestamp>");
        assert_eq!(proto(&f("history")).label, "repeated");
    }

    #[test]
    fn proto2_required_fields_and_defaults() {
        let (_dir, out) = load(&[(
            "legacy.proto",
            r#"syntax = "proto2";
package legacy;
enum Level { LOW = 1; HIGH = 2; }
message Order {
  required int64 id = 1;
  optional int32 quantity = 2 [default = 7];
  optional string note = 3 [default = "none"];
  optional Level level = 4 [default = HIGH];
  optional double ratio = 5 [default = inf];
  optional bool rush = 6 [default = true];
  repeated int32 codes = 7 [packed = true];
  optional uint32 plain = 8;
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "legacy.proto");
        assert_eq!(c.format_version.as_deref(), Some("proto2"));
        let f = |n: &str| field_of(c, "legacy.Order", n);
        let id = f("id");
        assert!(id.required);
        assert_eq!(proto(&id).label, "required");
        assert_eq!(proto(&id).proto_type, "int64");
        let quantity = f("quantity");
        assert!(!quantity.required);
        assert_eq!(proto(&quantity).label, "optional");
        assert_eq!(quantity.ty.default.as_deref(), Some(&serde_json::json!(7)));
        assert_eq!(f("note").ty.default.as_deref(), Some(&serde_json::json!("none")));
        assert_eq!(f("level").ty.default.as_deref(), Some(&serde_json::json!("HIGH")));
        assert_eq!(f("ratio").ty.default.as_deref(), Some(&serde_json::json!("Infinity")));
        assert_eq!(f("rush").ty.default.as_deref(), Some(&serde_json::json!(true)));
        assert_eq!(f("plain").ty.default, None);
        let codes = f("codes");
        assert!(proto(&codes).packed, "explicitly packed");
        assert_eq!(codes.ty.summary(), "array<int32>");
        assert_eq!(c.types["legacy.Order"].proto.as_ref().unwrap().syntax, "proto2");
    }

    #[test]
    fn proto3_presence_and_oneofs() {
        let (_dir, out) = load(&[(
            "p3.proto",
            r#"syntax = "proto3";
package p3;
message Contact {
  string name = 1;
  optional string nickname = 2;
  oneof channel {
    string email = 3;
    string phone = 4;
  }
  Contact referrer = 5;
  int32 age = 6 [deprecated = true, json_name = "years"];
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "p3.proto");
        assert_eq!(c.format_version.as_deref(), Some("proto3"));
        let f = |n: &str| field_of(c, "p3.Contact", n);
        assert_eq!(proto(&f("name")).label, "singular");
        let nickname = f("nickname");
        assert_eq!(proto(&nickname).label, "optional");
        assert_eq!(
            proto(&nickname).oneof,
            None,
            "a proto3 optional's synthetic oneof is not a oneof"
        );
        let email = f("email");
        assert_eq!(proto(&email).oneof.as_deref(), Some("channel"));
        assert!(!email.required);
        assert!(!email.ty.nullable);
        assert_eq!(proto(&f("referrer")).label, "optional");
        let age = f("age");
        assert!(age.ty.deprecated);
        assert_eq!(proto(&age).json_name, "years");
        assert_eq!(proto(&age).options["deprecated"], true);
        assert_eq!(proto(&f("name")).json_name, "name");
        let message = c.types["p3.Contact"].proto.as_ref().unwrap();
        assert_eq!(message.oneofs, ["channel"]);
    }

    #[test]
    fn proto3_repeated_scalars_are_packed_unless_said_otherwise() {
        let (_dir, out) = load(&[(
            "packed.proto",
            "syntax = \"proto3\";\nenum E { E_0 = 0; }\nmessage P {\n  repeated int32 a = 1;\n  repeated int32 b = 2 [packed = false];\n  repeated string c = 3;\n  repeated E d = 4;\n  int32 e = 5;\n}\n",
        )]);
        assert_clean(&out);
        let c = contract(&out, "packed.proto");
        let packed: Vec<bool> = fields(c, "P").iter().map(|f| proto(f).packed).collect();
        assert_eq!(packed, [true, false, false, true, false]);
    }

    #[test]
    fn map_fields_are_maps_and_entries_are_not_types() {
        let (_dir, out) = load(&[(
            "maps.proto",
            r#"syntax = "proto3";
package maps;
message Item { string sku = 1; }
message Cart {
  map<string, int64> counts = 1;
  map<int32, Item> items = 2;
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "maps.proto");
        assert_eq!(c.types.keys().collect::<Vec<_>>(), ["maps.Item", "maps.Cart"]);
        let counts = field_of(c, "maps.Cart", "counts");
        assert_eq!(counts.ty.summary(), "map<string,int64>");
        assert_eq!(proto(&counts).proto_type, "map<string, int64>");
        assert_eq!(proto(&counts).label, "repeated");
        let items = field_of(c, "maps.Cart", "items");
        assert_eq!(items.ty.summary(), "map<int32,maps.Item>");
        assert_eq!(proto(&items).proto_type, "map<int32, .maps.Item>");
    }

    #[test]
    fn reserved_ranges_are_inclusive_and_names_kept() {
        let (_dir, out) = load(&[(
            "reserved.proto",
            r#"syntax = "proto3";
package r;
message M {
  reserved 2, 15, 9 to 11, 40 to max;
  reserved "foo", "bar";
  int32 a = 1;
}
enum E {
  E_UNSPECIFIED = 0;
  reserved 3, 5 to 7;
  reserved "OLD";
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "reserved.proto");
        let m = c.types["r.M"].proto.as_ref().unwrap();
        assert_eq!(m.reserved_ranges, [(2, 2), (15, 15), (9, 11), (40, 536_870_911)]);
        assert_eq!(m.reserved_names, ["foo", "bar"]);
        let e = c.types["r.E"].proto.as_ref().unwrap();
        assert_eq!(e.reserved_ranges, [(3, 3), (5, 7)]);
        assert_eq!(e.reserved_names, ["OLD"]);
    }

    #[test]
    fn nested_declarations_are_named_types_with_locations() {
        let (dir, out) = load(&[(
            "nested.proto",
            r#"syntax = "proto3";
package shop.v1;

message Outer {
  message Inner {
    message Deep { bool ok = 1; }
    Deep deep = 1;
  }
  enum Kind {
    KIND_UNSPECIFIED = 0;
    // The big one.
    KIND_BIG = 1 [deprecated = true];
  }
  Inner inner = 1;
  Kind kind = 2;
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "nested.proto");
        assert_eq!(
            c.types.keys().collect::<Vec<_>>(),
            [
                "shop.v1.Outer",
                "shop.v1.Outer.Inner",
                "shop.v1.Outer.Inner.Deep",
                "shop.v1.Outer.Kind"
            ]
        );
        let deep = &c.types["shop.v1.Outer.Inner.Deep"];
        assert_eq!(deep.name, "Deep");
        assert_eq!(deep.namespace.as_deref(), Some("shop.v1"));
        assert_eq!(deep.origin, TypeOrigin::Message);
        assert_eq!((deep.location.line, deep.location.col), (6, 5));
        assert_eq!(deep.location.pointer, "shop.v1.Outer.Inner.Deep");
        let inner = field_of(c, "shop.v1.Outer", "inner");
        assert_eq!(
            inner.ty.kind,
            TypeKind::Ref {
                target: "shop.v1.Outer.Inner".into()
            }
        );
        assert_eq!(inner.location.pointer, "shop.v1.Outer.inner");
        assert_eq!((inner.location.line, inner.location.col), (14, 3));
        assert_eq!(
            &*inner.location.file,
            super::super::display_path(&dir.path().join("nested.proto"))
        );

        let kind = &c.types["shop.v1.Outer.Kind"];
        assert_eq!(kind.origin, TypeOrigin::Enum);
        let TypeKind::Enum { values } = &kind.ty.kind else {
            panic!("not an enum")
        };
        assert_eq!(values.len(), 2);
        assert_eq!(values[1].name, "KIND_BIG");
        assert_eq!(values[1].number, Some(1));
        assert!(values[1].deprecated);
        assert_eq!(values[1].description.as_deref(), Some("The big one."));
        assert_eq!(values[1].location.pointer, "shop.v1.Outer.Kind.KIND_BIG");
        assert_eq!(values[1].location.line, 12);
    }

    #[test]
    fn services_with_streaming_and_options() {
        let (_dir, out) = load(&[(
            "svc.proto",
            r#"syntax = "proto3";
package svc.v1;
import "google/protobuf/empty.proto";
message Req { string id = 1; }
message Resp { string id = 1; }
service Things {
  option deprecated = true;
  rpc Get(Req) returns (Resp) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Upload(stream Req) returns (Resp);
  rpc Watch(Req) returns (stream Resp) { option deprecated = true; }
  rpc Chat(stream Req) returns (stream Resp);
  rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty);
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "svc.proto");
        assert_eq!(c.services.len(), 1);
        let s = &c.services[0];
        assert_eq!(s.name, "svc.v1.Things");
        assert_eq!(s.file, "svc.proto");
        assert_eq!(s.options["deprecated"], true);
        assert_eq!(s.location.line, 6);
        let rpc = |n: &str| s.rpcs.iter().find(|r| r.name == n).unwrap();
        let get = rpc("Get");
        assert_eq!((get.input.as_str(), get.output.as_str()), ("svc.v1.Req", "svc.v1.Resp"));
        assert!(!get.client_streaming && !get.server_streaming);
        assert_eq!(get.options["idempotency_level"], "NO_SIDE_EFFECTS");
        assert_eq!(get.location.pointer, "svc.v1.Things.Get");
        assert_eq!(get.location.line, 8);
        assert!(rpc("Upload").client_streaming && !rpc("Upload").server_streaming);
        assert!(!rpc("Watch").client_streaming && rpc("Watch").server_streaming);
        assert!(rpc("Watch").deprecated);
        assert!(rpc("Chat").client_streaming && rpc("Chat").server_streaming);
        assert_eq!(rpc("Ping").input, "google.protobuf.Empty");
    }

    #[test]
    fn custom_options_are_readable_by_full_name() {
        let (_dir, out) = load(&[
            (
                "protos/acme/options.proto",
                r#"syntax = "proto3";
package acme;
import "google/protobuf/descriptor.proto";
message Owner { string team = 1; repeated string emails = 2; }
extend google.protobuf.FieldOptions {
  bool pii = 50001;
  string classification = 50002;
}
extend google.protobuf.MessageOptions {
  Owner owner = 50003;
}
extend google.protobuf.FileOptions {
  int32 tier = 50004;
}
"#,
            ),
            (
                "protos/crm/person.proto",
                r#"syntax = "proto3";
package crm;
import "acme/options.proto";
option (acme.tier) = 2;
option java_package = "com.example.crm";
message Person {
  option (acme.owner) = { team: "crm" emails: ["a@example.com", "b@example.com"] };
  string email = 1 [(acme.pii) = true, (acme.classification) = "confidential"];
  string name = 2;
}
"#,
            ),
        ]);
        assert_clean(&out);
        let c = contract(&out, "crm/person.proto");
        let email = field_of(c, "crm.Person", "email");
        assert_eq!(proto(&email).options["acme.pii"], true);
        assert_eq!(proto(&email).options["acme.classification"], "confidential");
        assert!(proto(&field_of(c, "crm.Person", "name")).options.is_empty());
        let person = c.types["crm.Person"].proto.as_ref().unwrap();
        assert_eq!(
            person.options["acme.owner"],
            serde_json::json!({"team": "crm", "emails": ["a@example.com", "b@example.com"]})
        );
        let file = &c.proto_files["crm/person.proto"];
        assert_eq!(file.options["acme.tier"], 2);
        assert_eq!(file.options["java_package"], "com.example.crm");
        // The file defining the options is a contract too, with its message.
        assert!(contract(&out, "acme/options.proto").types.contains_key("acme.Owner"));
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let (dir, out) = load(&[(
            "bad.proto",
            "syntax = \"proto3\";\n\nmessage Broken {\n  int32 x = ;\n}\n",
        )]);
        assert!(out.contracts.is_empty());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.rule, lint::PARSE_ERROR.id);
        let location = f.location.as_ref().unwrap();
        assert_eq!(
            &*location.file,
            super::super::display_path(&dir.path().join("bad.proto"))
        );
        assert_eq!((location.line, location.col), (4, 13));
        assert!(f.message.contains("expected"), "{}", f.message);
        assert_eq!(out.unusable, [location.file.to_string()]);
    }

    #[test]
    fn columns_count_characters() {
        let (_dir, out) = load(&[("u.proto", "syntax = \"proto3\";\n// héllo wörld\nmessage Ü {}\n")]);
        let f = &out.findings[0];
        let location = f.location.as_ref().unwrap();
        assert_eq!((location.line, location.col), (3, 9), "{f:#?}");
    }

    #[test]
    fn unknown_type_is_a_compile_error_at_the_reference() {
        let (_dir, out) = load(&[(
            "unknown.proto",
            "syntax = \"proto3\";\npackage u;\nmessage A {\n  string ok = 1;\n  Missing gone = 2;\n}\n",
        )]);
        assert!(out.contracts.is_empty());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.rule, lint::PROTO_COMPILE_ERROR.id);
        assert!(f.message.contains("Missing"), "{}", f.message);
        let location = f.location.as_ref().unwrap();
        assert_eq!((location.line, location.col), (5, 3));
    }

    #[test]
    fn missing_import_points_at_the_import() {
        let (_dir, out) = load(&[(
            "needs.proto",
            "syntax = \"proto3\";\npackage n;\nimport \"google/protobuf/empty.proto\";\nimport \"vendor/nowhere.proto\";\nmessage A {}\n",
        )]);
        assert!(out.contracts.is_empty());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.rule, lint::PROTO_COMPILE_ERROR.id);
        assert!(f.message.contains("vendor/nowhere.proto"), "{}", f.message);
        let location = f.location.as_ref().unwrap();
        assert_eq!((location.line, location.col), (4, 1));
        assert!(f.help.is_some());
        assert_eq!(out.unusable.len(), 1);
    }

    #[test]
    fn one_bad_file_does_not_stop_the_others() {
        let (_dir, out) = load(&[
            ("a_bad.proto", "syntax = \"proto3\";\nmessage Bad { Nope n = 1; }\n"),
            ("b_good.proto", "syntax = \"proto3\";\nmessage Good { int32 n = 1; }\n"),
            ("c_broken.proto", "syntax = \"proto3\";\nmessage {\n"),
            (
                "d_good.proto",
                "syntax = \"proto3\";\nimport \"b_good.proto\";\nmessage AlsoGood { Good g = 1; }\n",
            ),
        ]);
        assert_eq!(names(&out), ["b_good.proto", "d_good.proto"]);
        assert_eq!(out.unusable.len(), 2);
        assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
    }

    #[test]
    fn a_file_importing_a_broken_file_is_reported_too() {
        let (_dir, out) = load(&[
            (
                "lib/base.proto",
                "syntax = \"proto3\";\npackage base;\nmessage B { Unknown u = 1; }\n",
            ),
            (
                "lib/user.proto",
                "syntax = \"proto3\";\npackage user;\nimport \"base.proto\";\nmessage U { base.B b = 1; }\n",
            ),
        ]);
        assert!(out.contracts.is_empty());
        assert_eq!(out.unusable.len(), 2);
        let messages: Vec<&str> = out.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("'base.proto' has errors")),
            "{messages:?}"
        );
        let unknown = out.findings.iter().find(|f| f.message.contains("Unknown")).unwrap();
        let location = unknown.location.as_ref().unwrap();
        assert!(location.file.ends_with("lib/base.proto"), "{location:?}");
        assert_eq!((location.line, location.col), (3, 13));
    }

    #[test]
    fn an_error_in_an_import_outside_the_requested_files_points_into_it() {
        let (dir, paths) = workspace(&[
            (
                "vendor/dep.proto",
                "syntax = \"proto3\";\npackage dep;\n\nmessage D { Nowhere n = 1; }\n",
            ),
            (
                "api/use.proto",
                "syntax = \"proto3\";\nimport \"dep.proto\";\nmessage U { dep.D d = 1; }\n",
            ),
        ]);
        let out = load_files(&paths[1..], &[dir.path().join("vendor")]);
        assert!(out.contracts.is_empty());
        let nowhere = out.findings.iter().find(|f| f.message.contains("Nowhere")).unwrap();
        let location = nowhere.location.as_ref().unwrap();
        assert!(location.file.ends_with("vendor/dep.proto"), "{location:?}");
        assert_eq!((location.line, location.col), (4, 13));
        assert_eq!(out.unusable.len(), 1);
        assert!(out.unusable[0].ends_with("api/use.proto"));
    }

    #[test]
    fn newer_well_known_copies_on_disk_do_not_break_imports() {
        // Google's current descriptor.proto uses syntax protox cannot parse yet; files importing it
        // must still compile against the built-in copy.
        let (_dir, out) = load(&[
            (
                "protos/google/protobuf/descriptor.proto",
                "syntax = \"proto2\";\nmessage FieldOptions {\n  extensions 1000 [declaration = {}];\n}\n",
            ),
            (
                "protos/acme/opts.proto",
                "syntax = \"proto3\";\npackage acme;\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FieldOptions { bool pii = 50001; }\n",
            ),
            (
                "protos/acme/user.proto",
                "syntax = \"proto3\";\npackage acme;\nimport \"acme/opts.proto\";\nmessage User { string email = 1 [(acme.pii) = true]; }\n",
            ),
        ]);
        assert_eq!(
            names(&out),
            ["acme/opts.proto", "acme/user.proto"],
            "{:#?}",
            out.findings
        );
        assert_eq!(
            proto(&field_of(contract(&out, "acme/user.proto"), "acme.User", "email")).options["acme.pii"],
            true
        );
        // The broken copy itself was asked for, so it is reported.
        assert_eq!(out.unusable.len(), 1);
        assert!(out.unusable[0].ends_with("google/protobuf/descriptor.proto"));
    }

    #[test]
    fn the_same_type_in_two_files_is_a_duplicate() {
        let (_dir, out) = load(&[
            (
                "one.proto",
                "syntax = \"proto3\";\npackage dup;\nmessage Same { int32 a = 1; }\n",
            ),
            (
                "two.proto",
                "syntax = \"proto3\";\npackage dup;\nmessage Same { int32 b = 1; }\n",
            ),
        ]);
        assert_eq!(names(&out), ["one.proto"]);
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.rule, lint::DUPLICATE_TYPE.id);
        assert!(f.message.contains("dup.Same"), "{}", f.message);
        assert_eq!(f.location.as_ref().unwrap().line, 3);
    }

    #[test]
    fn files_with_the_same_name_in_different_roots_both_load() {
        let (_dir, out) = load(&[
            (
                "old/api.proto",
                "syntax = \"proto3\";\npackage api;\nmessage A { int32 a = 1; }\n",
            ),
            (
                "new/api.proto",
                "syntax = \"proto3\";\npackage api;\nmessage A { int64 a = 1; }\n",
            ),
        ]);
        assert_clean(&out);
        assert_eq!(names(&out), ["api.proto", "api.proto"]);
        let kinds: Vec<String> = out
            .contracts
            .iter()
            .map(|c| field_of(c, "api.A", "a").ty.summary())
            .collect();
        assert_eq!(kinds, ["int32", "int64"]);
    }

    #[test]
    fn editions_files_compile_with_presence_from_features() {
        let (_dir, out) = load(&[(
            "ed.proto",
            "// Editions.\nedition = \"2023\";\npackage ed;\noption features.field_presence = IMPLICIT;\n\
message M {\n  int32 a = 1;\n  string b = 2 [features.field_presence = EXPLICIT];\n  int32 c = 3 [features.field_presence = LEGACY_REQUIRED];\n}\n",
        )]);
        assert_clean(&out);
        let c = &out.contracts[0];
        assert_eq!(c.format_version.as_deref(), Some("editions 2023"));
        let label = |name: &str| field_of(c, "ed.M", name).proto.as_ref().unwrap().label.clone();
        assert_eq!(label("a"), "singular");
        assert_eq!(label("b"), "optional");
        assert_eq!(label("c"), "required");
        assert!(field_of(c, "ed.M", "c").required);
        assert_eq!(field_of(c, "ed.M", "b").location.line, 7);
    }

    #[test]
    fn editions_syntax_errors_keep_their_positions() {
        let (_dir, out) = load(&[("ed.proto", "edition = \"2023\";\nmessage M {\n  int32 a = ;\n}\n")]);
        assert!(out.contracts.is_empty());
        assert_eq!(
            out.findings[0].location.as_ref().unwrap().line,
            3,
            "{:#?}",
            out.findings
        );
    }

    #[test]
    fn import_cycles_are_reported_not_followed() {
        let (_dir, out) = load(&[
            (
                "cyc/a.proto",
                "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A {}\n",
            ),
            (
                "cyc/b.proto",
                "syntax = \"proto3\";\nimport \"a.proto\";\nmessage B {}\n",
            ),
            ("cyc/ok.proto", "syntax = \"proto3\";\nmessage Ok {}\n"),
        ]);
        assert_eq!(names(&out), ["ok.proto"]);
        assert_eq!(out.unusable.len(), 2);
        assert!(
            out.findings.iter().any(|f| f.message.contains("cycle")),
            "{:#?}",
            out.findings
        );
    }

    #[test]
    fn the_same_file_given_twice_loads_once() {
        let (_dir, paths) = workspace(&[("a.proto", "syntax = \"proto3\";\nmessage A {}\n")]);
        let out = load_files(&[paths[0].clone(), paths[0].clone()], &[]);
        assert_clean(&out);
        assert_eq!(out.contracts.len(), 1);
    }

    #[test]
    fn unreadable_file_is_a_parse_error() {
        let (dir, mut paths) = workspace(&[("ok.proto", "syntax = \"proto3\";\nmessage A {}\n")]);
        std::fs::write(dir.path().join("latin1.proto"), b"// caf\xe9\nmessage B {}\n").unwrap();
        paths.push(dir.path().join("latin1.proto"));
        paths.push(dir.path().join("gone.proto"));
        let out = load_files(&paths, &[]);
        assert_eq!(names(&out), ["ok.proto"]);
        assert_eq!(out.unusable.len(), 2);
        assert!(out.findings.iter().all(|f| f.rule == lint::PARSE_ERROR.id));
    }

    #[test]
    fn descriptor_set_round_trip() {
        let (dir, _paths) = workspace(&[("erp/common.proto", COMMON), ("erp/customer_service.proto", SERVICE)]);
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(true).include_source_info(true);
        compiler.open_file("erp/customer_service.proto").unwrap();
        let bytes = compiler.encode_file_descriptor_set();

        let (contracts, findings) = load_descriptor_set("set.binpb", &bytes).unwrap();
        assert!(findings.is_empty());
        let names: Vec<&str> = contracts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["erp/common.proto", "erp/customer_service.proto"]);
        let service = &contracts[1];
        assert_eq!(service.files, ["set.binpb"]);
        let customer = &service.types["erp.customers.v1.Customer"];
        assert_eq!(&*customer.location.file, "set.binpb");
        assert_eq!(customer.location.line, 0);
        assert_eq!(customer.location.to_string(), "set.binpb");
        let TypeKind::Object(o) = &customer.ty.kind else {
            panic!()
        };
        assert_eq!(
            o.fields[0].ty.kind,
            TypeKind::Ref {
                target: "erp.customers.v1.Money".into()
            }
        );
        assert_eq!(
            contracts[0].types["erp.customers.v1.Money"].ty.description.as_deref(),
            Some("An amount of money.")
        );
    }

    #[test]
    fn descriptor_set_keeps_custom_options() {
        let (dir, _paths) = workspace(&[
            (
                "acme/opts.proto",
                "syntax = \"proto3\";\npackage acme;\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FieldOptions { string owner = 50001; }\n",
            ),
            (
                "acme/user.proto",
                "syntax = \"proto3\";\npackage acme;\nimport \"acme/opts.proto\";\nmessage User { string email = 1 [(acme.owner) = \"crm\"]; }\n",
            ),
        ]);
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(true);
        compiler.open_file("acme/user.proto").unwrap();
        let (contracts, _) = load_descriptor_set("user.pb", &compiler.encode_file_descriptor_set()).unwrap();
        let names: Vec<&str> = contracts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["acme/opts.proto", "acme/user.proto"],
            "descriptor.proto is not a contract"
        );
        let email = field_of(&contracts[1], "acme.User", "email");
        assert_eq!(proto(&email).options["acme.owner"], "crm");
    }

    #[test]
    fn descriptor_set_with_editions_says_so() {
        let file = prost_types::FileDescriptorProto {
            name: Some("ed.proto".into()),
            syntax: Some("editions".into()),
            ..Default::default()
        };
        let bytes = prost_types::FileDescriptorSet { file: vec![file] }.encode_to_vec();
        let err = load_descriptor_set("ed.pb", &bytes).unwrap_err();
        assert!(err.message.contains("Editions"), "{}", err.message);
    }

    #[test]
    fn descriptor_set_without_its_well_known_imports_still_loads() {
        let (dir, _paths) = workspace(&[(
            "t.proto",
            "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\nmessage T { google.protobuf.Timestamp at = 1; }\n",
        )]);
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(false);
        compiler.open_file("t.proto").unwrap();
        let bytes = compiler.encode_file_descriptor_set();
        let (contracts, _) = load_descriptor_set("t.pb", &bytes).unwrap();
        assert_eq!(contracts.len(), 1);
        let TypeKind::Object(o) = &contracts[0].types["T"].ty.kind else {
            panic!()
        };
        assert_eq!(
            o.fields[0].ty.kind,
            TypeKind::Primitive {
                primitive: Primitive::Timestamp
            }
        );
    }

    #[test]
    fn invalid_descriptor_set_is_a_parse_error() {
        let err = load_descriptor_set("junk.pb", b"\xff\xff\xff\xff not protobuf").unwrap_err();
        assert_eq!(err.rule, lint::PARSE_ERROR.id);
        assert!(
            err.message.starts_with("not a valid FileDescriptorSet"),
            "{}",
            err.message
        );
        assert_eq!(&*err.location.as_ref().unwrap().file, "junk.pb");

        // Well-formed bytes, but a file whose import is missing from the set.
        let file = prost_types::FileDescriptorProto {
            name: Some("a.proto".into()),
            dependency: vec!["missing.proto".into()],
            ..Default::default()
        };
        let bytes = prost_types::FileDescriptorSet { file: vec![file] }.encode_to_vec();
        let err = load_descriptor_set("dangling.pb", &bytes).unwrap_err();
        assert!(err.message.contains("missing.proto"), "{}", err.message);
    }

    #[test]
    fn corrupted_descriptor_sets_never_panic() {
        let (dir, _paths) = workspace(&[(
            "x/all.proto",
            "syntax = \"proto2\";\npackage x;\nimport \"google/protobuf/timestamp.proto\";\nenum E { A = 1; B = 2; }\nmessage M {\n  optional E e = 1 [default = B, deprecated = true];\n  map<string, M> m = 2;\n  repeated int32 r = 3 [packed = true];\n  oneof o { string s = 4; }\n  optional google.protobuf.Timestamp t = 5;\n  reserved 10 to 20;\n  extensions 100 to 200;\n}\nextend M { optional int32 ext = 100; }\nservice S { rpc Call(M) returns (stream M); }\n",
        )]);
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(false).include_source_info(false);
        compiler.open_file("x/all.proto").unwrap();
        let bytes = compiler.encode_file_descriptor_set();
        assert!(load_descriptor_set("ok.pb", &bytes).is_ok());
        // Every byte replaced by a few values, and every prefix: each either loads or is a finding.
        for i in 0..bytes.len() {
            for value in [0x00, 0x01, 0x7f, 0x80, 0xff, bytes[i] ^ 0x08] {
                let mut mutated = bytes.clone();
                mutated[i] = value;
                let _ = load_descriptor_set("mutated.pb", &mutated);
            }
            let _ = load_descriptor_set("truncated.pb", &bytes[..i]);
        }
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn edition_detection_skips_comments() {
        assert!(declares_edition("/* x */ // y\n edition = \"2023\";"));
        assert!(!declares_edition("syntax = \"proto3\";"));
        assert!(!declares_edition("message editions {}"));
    }
}

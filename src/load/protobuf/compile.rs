//! Compiling units of `.proto` files with protox, and its errors as findings at their file, line
//! and column.

use super::*;
use rayon::prelude::*;

pub(super) fn compile_unit(
    unit: &Unit,
    sources: &mut [Source],
    out: &mut ProtoLoad,
    keep: Option<&mut Vec<DescriptorPool>>,
) {
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
    let contracts: Vec<_> = compiled
        .par_iter()
        .map(|(name, source, declarations)| {
            let file = pool.get_file_by_name(name)?;
            let declarations = std::mem::take(&mut *declarations.lock().unwrap_or_else(|e| e.into_inner()));
            let mut contract = build_contract(&file, &source.display, declarations, true);
            if let Some(edition) = &source.edition {
                apply_edition(&mut contract, edition);
            }
            Some(contract)
        })
        .collect();
    out.contracts.extend(contracts.into_iter().flatten());
    match keep {
        Some(pools) => pools.push(pool),
        None => drop_in_background(pool),
    }
}

/// Compiles a unit's members in one compiler: the pool and the (file name, source index) of each
/// member that compiled, errors to `out`.
pub(super) fn compile_members(
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
                                    .is_none_or(|w| crate::load::inside_root(w, &path).is_ok()) =>
                            {
                                (crate::load::display_path(&path), crate::load::read_text(&path).ok())
                            }
                            Some(path) => (crate::load::display_path(&path), None),
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
pub(super) fn unit_compiler(
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
            Some(workspace) if crate::load::inside_root(workspace, root).is_ok() => resolver.add(InsideWorkspace {
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

pub(super) fn has_position(err: &protox::Error) -> bool {
    err.labels().is_some_and(|mut labels| labels.next().is_some())
}

/// Compiles `name` from source in a fresh compiler, to learn where `first` is. A name defined twice
/// needs the file that defined it first, which the message names. `None` unless that reproduces
/// `first` with a position.
pub(super) fn locate_error(
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
pub(super) fn error_finding(err: &protox::Error, display: &str, text: Option<&str>) -> Finding {
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
pub(super) fn error_pos(diagnostic: &dyn Diagnostic, text: Option<&str>) -> Pos {
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
pub(super) fn pos_at(text: &str, offset: usize) -> Pos {
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

pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether the first statement of a file is `edition = "..."`.
pub(super) fn declares_edition(text: &str) -> bool {
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

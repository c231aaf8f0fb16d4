//! Reading `.proto` sources: the files asked for, their declarations' positions and comments, the
//! include roots imports are looked up under, and the resolvers the compiler reads through.

use super::*;
use rayon::prelude::*;

/// Reads and parses every file; unreadable or unparsable files become findings and are not compiled.
///
/// The source info is set aside here, keeping only the declarations' locations: the compiler gets
/// the file without it. (prost-reflect rewrites source-info paths once per option over all of a
/// file's locations, which takes seconds on a file like Google's 4 MB `compute.proto`.)
pub(super) fn read_sources(files: &[PathBuf], out: &mut ProtoLoad) -> Vec<Source> {
    let mut seen = HashSet::new();
    let files: Vec<(&PathBuf, PathBuf)> = files
        .iter()
        .map(|f| (f, crate::load::absolute(f)))
        .filter(|(_, path)| seen.insert(path.clone()))
        .collect();
    let read: Vec<_> = files
        .par_iter()
        .map(|(file, path)| read_source(file, path.clone()))
        .collect();
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

pub(super) fn read_source(file: &Path, path: PathBuf) -> Result<Source, Box<Finding>> {
    let display = crate::load::display_path(file);
    let text = crate::load::read_text(&path).map_err(|message| {
        Box::new(Finding::new(
            &lint::PARSE_ERROR,
            message,
            Location::new(display.clone(), "", Pos::new(1, 1)),
        ))
    })?;
    // Editions files go through the proto2 compiler, rewritten with their positions kept.
    let (edition, text) = match crate::load::editions::as_proto2(&text) {
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
pub(super) struct Declaration {
    /// The source-info path: (field number, index) pairs from the file down.
    pub(super) path: Box<[i32]>,
    pub(super) pos: Option<Pos>,
    /// The comment before the declaration, else the one after it on the same line.
    pub(super) comment: Option<Box<str>>,
}

/// The declarations of a file's source info: their paths are (field number, index) pairs, so of even
/// length. Names, types, numbers and options have odd-length paths.
pub(super) fn declarations_only(info: &SourceCodeInfo) -> Vec<Declaration> {
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
pub(super) fn comment_text(location: &SourceLocation) -> Option<Box<str>> {
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
pub(super) struct IncludeRoots {
    /// `-I` paths, as given.
    pub(super) explicit: Vec<PathBuf>,
    /// Ancestors that resolve an import, outermost first.
    pub(super) derived: Vec<PathBuf>,
    /// Directories of files under no other root.
    pub(super) own: Vec<PathBuf>,
}

impl IncludeRoots {
    /// `files` are every file of the load (path and imports), whether compiled or not.
    pub(super) fn discover(files: &[(&Path, &[String])], extra_includes: &[PathBuf]) -> Self {
        let mut roots = IncludeRoots::default();
        for include in extra_includes {
            let include = crate::load::absolute(include);
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

    pub(super) fn all(&self) -> impl Iterator<Item = &PathBuf> {
        self.explicit.iter().chain(&self.derived).chain(&self.own)
    }

    /// Splits the files into compilation units. Normally there is one. A file whose name is already
    /// taken by another file (`old/x.proto` and `new/x.proto`, each its own root) gets a unit of its
    /// own that searches its root first; copies of the well-known files (`google/protobuf/any.proto`)
    /// that were asked for share a unit where they are read from disk.
    pub(super) fn units(&self, sources: &[Source], files: &[(&Path, &[String])], out: &mut ProtoLoad) -> Vec<Unit> {
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
    pub(super) fn name_under_root(&self, path: &Path) -> Option<(String, PathBuf)> {
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
pub(super) fn lookup(roots: &[PathBuf], name: &str) -> Option<PathBuf> {
    let relative = plain_relative(name)?;
    roots.iter().map(|r| r.join(relative)).find(|p| p.is_file())
}

/// `name` as a relative path, if it is one made only of plain components (so joining it to a root
/// can never leave the root).
pub(super) fn plain_relative(name: &str) -> Option<&Path> {
    let path = Path::new(name);
    let plain = !name.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    plain.then_some(path)
}

/// A relative path as a Protobuf file name (`erp/common.proto`).
pub(super) fn file_name_of(relative: &Path) -> Option<String> {
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
pub(super) struct SourceCache {
    pub(super) parsed: RefCell<HashMap<String, FileDescriptorProto>>,
    pub(super) texts: Arc<HashMap<String, Arc<str>>>,
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
pub(super) struct InsideWorkspace {
    pub(super) include: PathBuf,
    pub(super) workspace: PathBuf,
}

impl FileResolver for InsideWorkspace {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        let path = self.include.join(name);
        if let Err(outside) = crate::load::inside_root(&self.workspace, &path) {
            return Err(protox::Error::new(format!(
                "import \"{name}\": {} is {}; it is not read",
                crate::load::display_path(&path),
                outside.describe(&self.workspace)
            )));
        }
        IncludeFileResolver::new(self.include.clone()).open_file(name)
    }
}

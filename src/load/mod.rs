//! Loaders: files in, [`Contract`]s and lint [`Finding`]s out. Nothing else parses contract formats.

pub mod avro;
mod docs;
mod editions;
pub mod jsonschema;
pub mod lint;
pub mod openapi;
pub mod protobuf;
pub mod prune;
mod schema;
pub mod tree;

use std::path::{Path, PathBuf};

use crate::finding::{Finding, normalize};
use crate::model::{Contract, Format, Location, Pos};

pub use docs::SourceFile;

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Read every file as this format instead of detecting it (`--as`).
    pub format: Option<Format>,
    /// Local `$ref`s may not leave this directory. Default: the nearest ancestor holding
    /// `mapcheck.toml` or `.git`, else the current directory.
    pub root: Option<PathBuf>,
    /// Extra Protobuf import paths (`-I`).
    pub proto_paths: Vec<PathBuf>,
}

/// What a load produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub contracts: Vec<Contract>,
    /// Lint findings, sorted.
    pub findings: Vec<Finding>,
    /// Files that could not be loaded at all (they have a `parse-error` finding).
    pub unusable: Vec<String>,
}

/// A problem with the command line itself: a path that does not exist, a file of no known format.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{0}: no such file or directory")]
    NotFound(String),
    #[error("{path}: cannot tell which contract format this is ({reason}); pass --as openapi|avro|protobuf|jsonschema")]
    UnknownFormat { path: String, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What a file looks like before it is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Proto,
    DescriptorSet,
    Avro,
    /// JSON or YAML: OpenAPI, JSON Schema or Avro, decided from content.
    Document,
}

fn kind_from_extension(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let ext = name.rsplit('.').next()?;
    match ext {
        "proto" => Some(FileKind::Proto),
        "pb" | "binpb" | "desc" | "protoset" => Some(FileKind::DescriptorSet),
        "avsc" | "avpr" => Some(FileKind::Avro),
        "json" | "yaml" | "yml" => Some(FileKind::Document),
        _ => None,
    }
}

/// Whether a file's extension is one mapcheck reads (`.proto`, `.avsc`, `.json`, `.yaml`, ...).
pub fn is_contract_file(path: &Path) -> bool {
    kind_from_extension(path).is_some()
}

/// Directories a walk never enters.
fn skip_dir(name: &str) -> bool {
    name.starts_with('.') || matches!(name, "node_modules" | "target")
}

/// Collects the files named on the command line: files as given, directories walked (sorted).
fn collect(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push((p.clone(), true));
        } else if p.is_dir() {
            let walker = walkdir::WalkDir::new(p)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !(e.file_type().is_dir() && skip_dir(&e.file_name().to_string_lossy()))
                });
            for entry in walker {
                let entry = entry.map_err(|e| InputError::Io {
                    path: display_path(p),
                    source: e.into(),
                })?;
                if entry.file_type().is_file() && kind_from_extension(entry.path()).is_some() {
                    out.push((entry.into_path(), false));
                }
            }
        } else {
            return Err(InputError::NotFound(display_path(p)));
        }
    }
    Ok(out)
}

/// Shows a path relative to the current directory when it is under it.
pub fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else if let Some(c) = &cwd {
        c.join(p)
    } else {
        p.to_path_buf()
    };
    let abs = normalize_path(&abs);
    if let Some(c) = cwd.map(|c| normalize_path(&c))
        && let Ok(rel) = abs.strip_prefix(&c)
    {
        return rel.to_string_lossy().replace('\\', "/");
    }
    p.to_string_lossy().replace('\\', "/")
}

/// Removes `.` and `..` components without touching the file system.
pub fn normalize_path(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The workspace root for a file: `--root`, else the nearest ancestor with `mapcheck.toml` or `.git`,
/// else the current directory when it contains the file, else the file's directory.
pub fn workspace_root(file: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(r) = explicit {
        return absolute(r);
    }
    let abs = absolute(file);
    let mut dir = abs.parent();
    while let Some(d) = dir {
        if d.join("mapcheck.toml").is_file() || d.join(".git").exists() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    if let Ok(cwd) = std::env::current_dir()
        && abs.starts_with(&cwd)
    {
        return cwd;
    }
    abs.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Why a file that another file names may not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outside {
    /// The path itself leaves the root (`../x.json`, an absolute path elsewhere).
    Path,
    /// The path is inside, but a symbolic link on the way leads out: where it really is.
    Link(PathBuf),
}

impl Outside {
    /// How to say it after "names `x`" in a message.
    pub fn describe(&self, root: &Path) -> String {
        match self {
            Outside::Path => format!("which leaves the workspace root {}", root.display()),
            Outside::Link(target) => format!(
                "a symbolic link to {}, outside the workspace root {}",
                target.display(),
                root.display()
            ),
        }
    }
}

/// Checks that `path` (absolute) stays inside the workspace `root`: first as written, then, when
/// the file exists, with every symbolic link on the way resolved, against the root's own resolved
/// path. Files named by other files (`$ref`s, imports, a mapping's source contract, paths in
/// mapcheck.toml) go through here before they are read, so a pull request cannot make the gate
/// read a file outside the checkout through a link it adds.
pub fn inside_root(root: &Path, path: &Path) -> Result<(), Outside> {
    let root = normalize_path(root);
    let path = normalize_path(path);
    if !path.starts_with(&root) {
        return Err(Outside::Path);
    }
    let Ok(real) = std::fs::canonicalize(&path) else {
        // Nothing there (or unreadable): reading it fails on its own, with its own message.
        return Ok(());
    };
    let real_root = std::fs::canonicalize(&root).unwrap_or(root);
    if real.starts_with(&real_root) {
        Ok(())
    } else {
        Err(Outside::Link(real))
    }
}

pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        normalize_path(p)
    } else {
        normalize_path(&std::env::current_dir().unwrap_or_default().join(p))
    }
}

/// Decides the format of a parsed JSON/YAML document from its content.
fn detect_document(node: &tree::Node, path: &Path) -> Result<Format, String> {
    if node.get("openapi").is_some() {
        return Ok(Format::Openapi);
    }
    if node.get("swagger").is_some() {
        return Err("Swagger 2.0 is not supported; convert it to OpenAPI 3 first".into());
    }
    if node.get("protocol").is_some() && node.get("messages").is_some() {
        return Ok(Format::Avro);
    }
    if node.get("$schema").is_some() || node.get("$defs").is_some() || node.get("definitions").is_some() {
        return Ok(Format::Jsonschema);
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".schema.json") || name.ends_with(".schema.yaml") || name.ends_with(".schema.yml") {
        return Ok(Format::Jsonschema);
    }
    let avro_type = |n: &tree::Node| {
        matches!(
            n.get("type").and_then(|t| t.as_str()),
            Some("record" | "enum" | "fixed" | "error")
        ) && n.get("name").is_some()
    };
    if avro_type(node) || node.as_seq().is_some_and(|s| !s.is_empty() && s.iter().all(avro_type)) {
        return Ok(Format::Avro);
    }
    if node.get("properties").is_some()
        || node.get("type").is_some()
        || node.get("allOf").is_some()
        || node.get("oneOf").is_some()
        || node.get("anyOf").is_some()
    {
        return Ok(Format::Jsonschema);
    }
    Err("no `openapi`, `$schema`, Avro `type`/`name` or JSON Schema keywords at the top level".into())
}

/// Loads every contract under `paths`.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Result<Loaded, InputError> {
    load_paths_among(paths, opts, &[])
}

/// Loads every contract under `paths` except the `.proto` files in `unloaded`, which still name
/// the loaded ones as a full load would (see [`prune`]).
pub fn load_paths_among(
    paths: &[PathBuf],
    opts: &LoadOptions,
    unloaded: &[protobuf::Neighbour],
) -> Result<Loaded, InputError> {
    let mut files = collect(paths)?;
    if !unloaded.is_empty() {
        let skip: std::collections::HashSet<PathBuf> = unloaded.iter().map(|n| absolute(&n.path)).collect();
        files.retain(|(path, _)| !skip.contains(&absolute(path)));
    }
    let mut loaded = Loaded::default();
    let mut protos: Vec<PathBuf> = Vec::new();
    let mut avro_docs: Vec<(SourceFile, tree::Node)> = Vec::new();
    let mut documents: Vec<(SourceFile, tree::Node, Format)> = Vec::new();

    for (path, explicit) in files {
        let kind = match opts.format {
            Some(Format::Protobuf) if kind_from_extension(&path) != Some(FileKind::DescriptorSet) => FileKind::Proto,
            Some(Format::Avro) => FileKind::Avro,
            _ => match kind_from_extension(&path) {
                Some(k) => k,
                None if opts.format.is_some() => FileKind::Document,
                None => {
                    return Err(InputError::UnknownFormat {
                        path: display_path(&path),
                        reason: "unknown file extension".into(),
                    });
                }
            },
        };
        match kind {
            FileKind::Proto => protos.push(path),
            FileKind::DescriptorSet => match std::fs::read(&path) {
                Ok(bytes) => {
                    let display = display_path(&path);
                    match protobuf::load_descriptor_set(&display, &bytes) {
                        Ok((contracts, findings)) => {
                            loaded.contracts.extend(contracts);
                            loaded.findings.extend(findings);
                        }
                        Err(f) => {
                            loaded.findings.push(*f);
                            loaded.unusable.push(display);
                        }
                    }
                }
                Err(e) => {
                    return Err(InputError::Io {
                        path: display_path(&path),
                        source: e,
                    });
                }
            },
            FileKind::Avro | FileKind::Document => {
                let source = SourceFile::new(&path);
                let text = match read_text(&path) {
                    Ok(t) => t,
                    Err(e) => {
                        loaded.findings.push(parse_error(&source, Pos::new(1, 1), &e));
                        loaded.unusable.push(source.display.clone());
                        continue;
                    }
                };
                let is_json = path.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("avsc") || e.eq_ignore_ascii_case("avpr")
                });
                let node = match tree::parse_auto(&text, is_json) {
                    Ok(n) => n,
                    Err(e) => {
                        loaded.findings.push(parse_error(&source, e.pos, &e.message));
                        loaded.unusable.push(source.display.clone());
                        continue;
                    }
                };
                let format = if kind == FileKind::Avro {
                    Format::Avro
                } else if let Some(f) = opts.format {
                    f
                } else {
                    match detect_document(&node, &path) {
                        Ok(f) => f,
                        Err(_) if !explicit => continue,
                        Err(reason) => {
                            return Err(InputError::UnknownFormat {
                                path: source.display.clone(),
                                reason,
                            });
                        }
                    }
                };
                if format == Format::Avro {
                    avro_docs.push((source, node));
                } else {
                    documents.push((source, node, format));
                }
            }
        }
    }

    for (source, node, format) in documents {
        let root = workspace_root(&source.path, opts.root.as_deref());
        let (contract, findings) = match format {
            Format::Openapi => openapi::load(&source, node, &root),
            _ => jsonschema::load(&source, node, &root),
        };
        loaded.contracts.push(contract);
        loaded.findings.extend(findings);
    }
    if !avro_docs.is_empty() {
        let (contracts, findings) = avro::load_set(avro_docs);
        loaded.contracts.extend(contracts);
        loaded.findings.extend(findings);
    }
    if !protos.is_empty() {
        let out = protobuf::load_files_among(&protos, unloaded, &opts.proto_paths, opts.root.as_deref());
        loaded.contracts.extend(out.contracts);
        loaded.findings.extend(out.findings);
        loaded.unusable.extend(out.unusable);
    }
    normalize(&mut loaded.findings);
    loaded.unusable.sort();
    loaded.unusable.dedup();
    Ok(loaded)
}

/// Reads a file as UTF-8 text, with a message fit for a finding on failure.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read file: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("file is not valid UTF-8 (byte {})", e.utf8_error().valid_up_to()))
}

pub fn parse_error(source: &SourceFile, pos: Pos, message: &str) -> Finding {
    Finding::new(
        &lint::PARSE_ERROR,
        message,
        Location::new(source.display.clone(), "", pos),
    )
}

/// A JSON or YAML document read as JSON (for the `jsonschema` validator); `shown` names the file
/// in errors.
pub fn read_json_document(path: &std::path::Path, shown: &str) -> anyhow::Result<serde_json::Value> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path).with_context(|| format!("{shown}: cannot read"))?;
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    Ok(tree::parse_auto(&text, json)
        .map_err(|e| anyhow::anyhow!("{shown}:{e}"))?
        .to_json())
}

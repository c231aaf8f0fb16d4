//! `mapcheck init`: what a new workspace starts with (mapcheck.toml, READMEs for contracts and
//! mappings, a CI workflow) and the `.gitignore` line that keeps the local crosswalk store out of git.

use std::borrow::Cow;
use std::path::Path;

/// What `init` writes, relative to the directory: path and contents.
const SCAFFOLD: &[(&str, &str)] = &[
    ("mapcheck.toml", include_str!("../templates/mapcheck.toml")),
    ("contracts/README.md", include_str!("../templates/contracts-README.md")),
    ("mappings/README.md", include_str!("../templates/mappings-README.md")),
    (
        ".github/workflows/mapcheck.yml",
        include_str!("../templates/github-workflow.yml"),
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

/// The files `init` writes into `dir`: (path relative to it, contents). mapcheck.toml gets a
/// `proto_paths` line when `dir` already holds `.proto` files; the workflow installs this version.
fn files(dir: &Path) -> Vec<(&'static str, Cow<'static, str>)> {
    let proto_paths = proto_paths_line(dir);
    SCAFFOLD
        .iter()
        .map(|(rel, contents)| {
            let contents = match (*rel, &proto_paths) {
                ("mapcheck.toml", Some(line)) => Cow::Owned(
                    contents.replace("# proto_paths = [\"third_party/protos\"] # Protobuf import paths", line),
                ),
                // The workflow installs the version that wrote it.
                (".github/workflows/mapcheck.yml", _) => {
                    Cow::Owned(contents.replace("MAPCHECK_VERSION", env!("CARGO_PKG_VERSION")))
                }
                _ => Cow::Borrowed(*contents),
            };
            (*rel, contents)
        })
        .collect()
}

/// The `.gitignore` pattern of the crosswalk store (a local database; the baseline beside it is
/// committed).
const STORE_PATTERN: &str = ".mapcheck/*.duckdb*";

/// `existing` (a `.gitignore`'s text) with the store's pattern added, or `None` when it has it.
fn gitignore_with_store(existing: &str) -> Option<String> {
    if existing.lines().any(|l| l.trim() == STORE_PATTERN) {
        return None;
    }
    let mut text = existing.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# mapcheck: the crosswalk store is local (.mapcheck/baseline.json is committed)\n");
    text.push_str(STORE_PATTERN);
    text.push('\n');
    Some(text)
}

/// Sets up `dir`: creates each of [`files`] that is missing (never overwriting one) and adds the
/// crosswalk store to .gitignore, saying on `out` what it created and what it kept.
pub fn scaffold(dir: &Path, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    use anyhow::Context;
    for (rel, contents) in files(dir) {
        let path = dir.join(rel);
        if path.exists() {
            writeln!(out, "kept     {} (exists)", path.display())?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        crate::write::new_file(&path, contents.as_bytes()).with_context(|| format!("creating {}", path.display()))?;
        writeln!(out, "created  {}", path.display())?;
    }
    let gitignore = dir.join(".gitignore");
    let existing = std::fs::read_to_string(&gitignore).unwrap_or_default();
    if let Some(text) = gitignore_with_store(&existing) {
        std::fs::write(&gitignore, text).with_context(|| format!("writing {}", gitignore.display()))?;
        let verb = if existing.is_empty() { "created " } else { "updated " };
        writeln!(
            out,
            "{verb} {} (ignores the crosswalk store {}; .mapcheck/baseline.json stays committed)",
            gitignore.display(),
            STORE_PATTERN
        )?;
    }
    writeln!(
        out,
        "next: put contracts under contracts/, adjust mapcheck.toml, then run `mapcheck check`"
    )?;
    Ok(())
}

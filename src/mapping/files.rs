//! Finding and reading a workspace's mapping files, and checking their crosswalk lookups against
//! the store.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Mapping;

/// The mapping files: those given, else every `.yaml` under `<root>/mappings/`, with how they are
/// shown (relative to the workspace root `root`).
pub fn mapping_files(root: PathBuf, given: &[PathBuf]) -> anyhow::Result<(PathBuf, Vec<PathBuf>, Vec<String>)> {
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

/// A workspace's mapping files, read.
pub struct Read {
    /// The workspace root mapping paths are relative to.
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    /// How each file is shown (relative to the root).
    pub shown: Vec<String>,
    pub mappings: Vec<Mapping>,
    /// What reading them found (parse errors, unknown keys).
    pub problems: Vec<crate::finding::Finding>,
}

impl Read {
    /// The mapping files `given`, else every one under `<root>/mappings/`, read.
    pub fn of(root: PathBuf, given: &[PathBuf]) -> anyhow::Result<Read> {
        let (root, files, shown) = mapping_files(root, given)?;
        Read::files(root, files, shown)
    }

    /// The mapping files [`mapping_files`] found, read.
    pub fn files(root: PathBuf, files: Vec<PathBuf>, shown: Vec<String>) -> anyhow::Result<Read> {
        let (mappings, problems) = read_mappings(&files, &shown)?;
        Ok(Read {
            root,
            files,
            shown,
            mappings,
            problems,
        })
    }

    /// Each shown name with its file, for reports quoting the mapping files.
    pub fn aliases(&self) -> Vec<(String, PathBuf)> {
        self.shown.iter().cloned().zip(self.files.iter().cloned()).collect()
    }
}

pub fn read_mappings(
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

/// `mapping-unknown-crosswalk` findings: `crosswalk:` lookups of pairs the configured crosswalk
/// store has never linked. Nothing when there is no store (or no crosswalk feature).
pub fn crosswalk_findings(db: &Path, mappings: &[Mapping]) -> Vec<crate::finding::Finding> {
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
        if !db.exists() {
            return Vec::new();
        }
        let shown = crate::load::display_path(db);
        let known = Store::open(db, Access::Read)
            .map_err(anyhow::Error::from)
            .and_then(|store| crate::crosswalk::resolve::known_pairs(&store));
        match known {
            Ok(known) => crate::mapping::check_crosswalks(mappings, &known, &shown),
            Err(e) => {
                crate::progress::note(format!("warning: crosswalk lookups not checked against {shown}: {e:#}"));
                Vec::new()
            }
        }
    }
    #[cfg(not(feature = "crosswalk"))]
    {
        let _ = db;
        Vec::new()
    }
}

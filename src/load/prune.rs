//! Which `.proto` files of two versions of a directory can differ at all.
//!
//! Between two releases of a large tree most files are byte-identical (google-proto-files 5.0.3 to
//! 6.0.1: thousands of files, a few hundred changed). A file that is identical on both sides and
//! whose whole import closure is identical too compiles to the same declarations on both sides, so
//! comparing it can find nothing: it need not be loaded at all. Only its package matters (a package
//! is deleted only when no file declares it any more) and its imports (which decide, as for a full
//! load, the names the loaded files get).
//!
//! Files that can differ are loaded with what they import, so that the types their fields name are
//! known on both sides. Imports are read with a light scan, not a parse, and an import matches
//! every file whose path ends with it: a scan that sees too much only loads more, never less.

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::protobuf::Neighbour;

/// The `.proto` files left out of a comparison of two directories.
#[derive(Debug, Default)]
pub struct Unchanged {
    /// Left out of the old side, with their imports.
    pub old: Vec<Neighbour>,
    /// Left out of the new side (the same files, in the new directory).
    pub new: Vec<Neighbour>,
    /// The packages those files declare.
    pub packages: BTreeSet<String>,
}

/// One file as the scan sees it.
struct Scanned {
    imports: Vec<String>,
    package: String,
}

/// A path relative to both directories, as each side has it.
struct Compared {
    rel: String,
    old: Option<Scanned>,
    new: Option<Scanned>,
    identical: bool,
}

/// Finds the `.proto` files under `old_dir` and `new_dir` that cannot differ. `None` when either
/// cannot be read (the caller then loads everything).
pub fn unchanged_protos(old_dir: &Path, new_dir: &Path) -> Option<Unchanged> {
    let old_files = proto_files(old_dir)?;
    let new_files = proto_files(new_dir)?;
    let rels: Vec<&String> = old_files
        .keys()
        .chain(new_files.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Each file is read once per side; identical files are scanned once.
    let compared: Vec<_> = rels
        .par_iter()
        .map(|rel| {
            let read = |files: &BTreeMap<String, PathBuf>| files.get(*rel).map(std::fs::read).transpose();
            let (a, b) = (read(&old_files).ok()?, read(&new_files).ok()?);
            let identical = matches!((&a, &b), (Some(x), Some(y)) if x == y);
            let new = b.as_deref().map(scan);
            let old = if identical { None } else { a.as_deref().map(scan) };
            Some(Compared {
                rel: (*rel).clone(),
                old,
                new,
                identical,
            })
        })
        .collect();
    let compared: Vec<Compared> = compared.into_iter().collect::<Option<_>>()?;
    let old: HashMap<&str, &Scanned> = compared
        .iter()
        .filter_map(|c| {
            let side = if c.identical { c.new.as_ref() } else { c.old.as_ref() };
            Some((c.rel.as_str(), side?))
        })
        .collect();
    let new: HashMap<&str, &Scanned> = compared
        .iter()
        .filter_map(|c| Some((c.rel.as_str(), c.new.as_ref()?)))
        .collect();

    // Files that differ, or exist on one side only.
    let mut dirty: HashSet<&str> = compared
        .iter()
        .filter(|c| !c.identical)
        .map(|c| c.rel.as_str())
        .collect();

    // Imports resolve to every file whose path ends with the imported name.
    let mut by_suffix: HashMap<&str, Vec<&str>> = HashMap::new();
    for rel in old.keys().chain(new.keys()) {
        let mut rest: &str = rel;
        loop {
            by_suffix.entry(rest).or_default().push(rel);
            match rest.split_once('/') {
                Some((_, tail)) => rest = tail,
                None => break,
            }
        }
    }
    let mut importers: HashMap<&str, Vec<&str>> = HashMap::new();
    for (rel, s) in old.iter().chain(new.iter()) {
        for import in &s.imports {
            for target in by_suffix.get(import.as_str()).into_iter().flatten() {
                importers.entry(target).or_default().push(rel);
            }
        }
    }
    // A file importing (directly or not) a file that can differ can differ too.
    let mut queue: Vec<&str> = dirty.iter().copied().collect();
    while let Some(rel) = queue.pop() {
        for importer in importers.get(rel).into_iter().flatten() {
            if dirty.insert(importer) {
                queue.push(importer);
            }
        }
    }

    // What a file that can differ imports is loaded too, unchanged or not: comparing a field
    // needs the enum or message its type names (an enum moved into the message keeps its values).
    let mut needed: HashSet<&str> = dirty.clone();
    for rel in &dirty {
        for s in [old.get(*rel), new.get(*rel)].into_iter().flatten() {
            for import in &s.imports {
                needed.extend(by_suffix.get(import.as_str()).into_iter().flatten().copied());
            }
        }
    }

    let mut unchanged = Unchanged::default();
    for c in compared
        .iter()
        .filter(|c| c.identical && !needed.contains(c.rel.as_str()))
    {
        let (Some(s), Some(old_path), Some(new_path)) = (&c.new, old_files.get(&c.rel), new_files.get(&c.rel)) else {
            continue;
        };
        unchanged.packages.insert(s.package.clone());
        unchanged.old.push(Neighbour {
            path: old_path.clone(),
            imports: s.imports.clone(),
        });
        unchanged.new.push(Neighbour {
            path: new_path.clone(),
            imports: s.imports.clone(),
        });
    }
    Some(unchanged)
}

/// The include roots the `.proto` files under `dir` call for, relative to `dir` (`/`-separated,
/// `""` for `dir` itself): for each import, the nearest ancestor of the importing file under
/// which the imported name is a file of the tree. A load derives the same roots; passing the
/// roots one version calls for to the other version too gives every file the same name on both
/// sides (a file that starts importing a new neighbour must not change its own name).
pub fn proto_import_roots(dir: &Path) -> Vec<String> {
    proto_files(dir).map_or_else(Vec::new, |files| import_roots_of(&files))
}

/// [`proto_import_roots`] of the files [`proto_files`] found.
pub(crate) fn import_roots_of(files: &BTreeMap<String, PathBuf>) -> Vec<String> {
    let mut roots: BTreeSet<String> = BTreeSet::new();
    for (rel, path) in files {
        let Ok(bytes) = std::fs::read(path) else { continue };
        for import in scan(&bytes).imports {
            if import.starts_with("google/protobuf/") {
                continue;
            }
            let mut ancestor = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
            loop {
                let candidate = if ancestor.is_empty() {
                    import.clone()
                } else {
                    format!("{ancestor}/{import}")
                };
                if files.contains_key(&candidate) {
                    roots.insert(ancestor.to_string());
                    break;
                }
                match ancestor.rsplit_once('/') {
                    Some((up, _)) => ancestor = up,
                    None if !ancestor.is_empty() => ancestor = "",
                    None => break,
                }
            }
        }
    }
    roots.into_iter().collect()
}

/// Every `.proto` file under `dir`, by path relative to it, walked as a load walks it.
pub(crate) fn proto_files(dir: &Path) -> Option<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    let walker = walkdir::WalkDir::new(dir).into_iter().filter_entry(|e| {
        e.depth() == 0 || !(e.file_type().is_dir() && super::skip_dir(&e.file_name().to_string_lossy()))
    });
    for entry in walker {
        let entry = entry.ok()?;
        let is_proto = entry
            .path()
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("proto"));
        if entry.file_type().is_file() && is_proto {
            let rel = entry.path().strip_prefix(dir).ok()?;
            let rel: Vec<&str> = rel
                .components()
                .map(|c| c.as_os_str().to_str())
                .collect::<Option<_>>()?;
            out.insert(rel.join("/"), entry.into_path());
        }
    }
    Some(out)
}

/// The imports and the package a file declares.
fn scan(bytes: &[u8]) -> Scanned {
    let text = String::from_utf8_lossy(bytes);
    let mut imports = Vec::new();
    let mut package = String::new();
    for line in text.lines() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("import") {
            let rest = rest.trim_start();
            let rest = rest
                .strip_prefix("public")
                .or_else(|| rest.strip_prefix("weak"))
                .unwrap_or(rest)
                .trim_start();
            if let Some(name) = rest
                .strip_prefix('"')
                .or_else(|| rest.strip_prefix('\''))
                .and_then(|r| r.split(['"', '\'']).next())
            {
                imports.push(name.to_string());
            }
        } else if package.is_empty()
            && let Some(rest) = line.strip_prefix("package")
            && rest.starts_with(|c: char| c.is_whitespace())
        {
            package = rest.trim().trim_end_matches(';').trim().to_string();
        }
    }
    Scanned { imports, package }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn names(list: &[Neighbour], root: &Path) -> Vec<String> {
        let mut out: Vec<String> = list
            .iter()
            .map(|n| n.path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn import_roots_are_the_ancestors_that_resolve_imports() {
        let dir = tree(&[
            (
                "contracts/warehouse/shipment.proto",
                "import \"warehouse/parcel.proto\";\n",
            ),
            (
                "contracts/warehouse/parcel.proto",
                "import \"google/protobuf/timestamp.proto\";\n",
            ),
            ("other/a.proto", "import \"b.proto\";\n"),
            ("other/b.proto", ""),
        ]);
        assert_eq!(proto_import_roots(dir.path()), vec!["contracts", "other"]);
    }

    #[test]
    fn identical_files_with_identical_imports_are_left_out() {
        let common = "syntax = \"proto3\";\npackage a.v1;\nmessage M { string s = 1; }\n";
        let user = "syntax = \"proto3\";\npackage b.v1;\nimport \"a/common.proto\";\nmessage U { a.v1.M m = 1; }\n";
        let lone = "syntax = \"proto3\";\npackage c.v1;\nmessage L {}\n";
        let old = tree(&[
            ("a/common.proto", common),
            ("b/user.proto", user),
            ("c/lone.proto", lone),
        ]);
        let changed = common.replace("string s = 1", "int64 s = 1");
        let new = tree(&[
            ("a/common.proto", &changed),
            ("b/user.proto", user),
            ("c/lone.proto", lone),
        ]);
        let u = unchanged_protos(old.path(), new.path()).unwrap();
        // user.proto is identical but imports a changed file: it must be loaded.
        assert_eq!(names(&u.new, new.path()), ["c/lone.proto"]);
        let user_changed = user.replace("m = 1", "m = 2");
        let new = tree(&[
            ("a/common.proto", common),
            ("b/user.proto", &user_changed),
            ("c/lone.proto", lone),
        ]);
        let u = unchanged_protos(old.path(), new.path()).unwrap();
        // common.proto is unchanged, but user.proto's fields name its types: it is loaded too.
        assert_eq!(names(&u.new, new.path()), ["c/lone.proto"]);
        assert_eq!(names(&u.old, old.path()), ["c/lone.proto"]);
        assert_eq!(u.packages.iter().collect::<Vec<_>>(), ["c.v1"]);
    }

    #[test]
    fn files_on_one_side_only_are_loaded() {
        let a = "syntax = \"proto3\";\npackage a;\nmessage A {}\n";
        let old = tree(&[("a.proto", a), ("gone.proto", a)]);
        let new = tree(&[("a.proto", a), ("added.proto", a)]);
        let u = unchanged_protos(old.path(), new.path()).unwrap();
        assert_eq!(names(&u.new, new.path()), ["a.proto"]);
    }

    #[test]
    fn the_scan_reads_imports_and_package() {
        let s = scan(b"// c\nsyntax = \"proto3\";\npackage x.y;\nimport public \"p.proto\";\nimport 'q.proto';\n");
        assert_eq!(s.package, "x.y");
        assert_eq!(s.imports, ["p.proto", "q.proto"]);
        assert!(unchanged_protos(Path::new("/no/such/dir"), Path::new("/no/such/dir")).is_none());
    }
}

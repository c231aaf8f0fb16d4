//! The `breaking` section of a `buf.yaml` (v1beta1, v1 or v2), so that a team moving from
//! `buf breaking` keeps its configuration: `use` and `except` select buf's rules (categories or
//! rule ids), `ignore` and `ignore_only` leave files out, `ignore_unstable_packages` leaves out
//! packages such as `acme.v1alpha1`.
//!
//! Paths in `ignore` and `ignore_only` are relative to the module root in v1 (the buf.yaml's
//! directory) and to the buf.yaml's directory in v2, where they start with the module's `path`;
//! both become import names (`acme/v1/orders.proto`), which is how mapcheck names `.proto` files.

use std::path::{Path, PathBuf};

use crate::compare::protobuf::ProtoIgnores;
use crate::compare::protobuf::buf_rules::Selection;
use crate::load::tree::{Node, parse_yaml};

/// The file name looked for.
pub const FILE_NAME: &str = "buf.yaml";

/// What a buf.yaml says about breaking changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufBreaking {
    /// The buf.yaml it was read from.
    pub file: PathBuf,
    /// The rules `use` (default `FILE`) minus `except` select.
    pub selection: Selection,
    pub ignores: ProtoIgnores,
    /// Local policies (v2 `policies`): each one's rules, with the ignores its entry gives. A
    /// change is reported when the file's own section or any policy reports it.
    pub policies: Vec<(Selection, ProtoIgnores)>,
    /// Parts of the file mapcheck does not apply, for a note (plugins and remote policies: they
    /// run in buf only).
    pub unsupported: Vec<String>,
}

impl BufBreaking {
    /// The ignores with paths relative to `compared` (the directory, or a file's directory, being
    /// compared) instead of to the buf.yaml's directory: that is how mapcheck's file names start.
    pub fn ignores_for(&self, compared: &Path) -> ProtoIgnores {
        self.rebase(&self.ignores, compared)
    }

    /// The local policies, their ignores relative to `compared` (see [`Self::ignores_for`]).
    pub fn policies_for(&self, compared: &Path) -> Vec<(Selection, ProtoIgnores)> {
        self.policies
            .iter()
            .map(|(selection, ignores)| (selection.clone(), self.rebase(ignores, compared)))
            .collect()
    }

    fn rebase(&self, ignores: &ProtoIgnores, compared: &Path) -> ProtoIgnores {
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let dir = canon(self.file.parent().unwrap_or(Path::new(".")));
        let compared = canon(compared);
        let compared = if compared.is_file() {
            compared.parent().map(Path::to_path_buf).unwrap_or(compared)
        } else {
            compared
        };
        let slash = |p: &Path| p.to_string_lossy().replace('\\', "/");
        // Entries relative to the buf.yaml's directory, seen from `compared`.
        let rebase = |entry: &String| -> Option<String> {
            if let Ok(inner) = compared.strip_prefix(&dir) {
                let inner = slash(inner);
                if inner.is_empty() {
                    return Some(entry.clone());
                }
                if *entry == inner || entry.is_empty() {
                    return Some(String::new());
                }
                return entry
                    .strip_prefix(&inner)
                    .and_then(|r| r.strip_prefix('/'))
                    .map(str::to_string);
            }
            if let Ok(outer) = dir.strip_prefix(&compared) {
                let outer = slash(outer);
                return Some(if entry.is_empty() {
                    outer
                } else {
                    format!("{outer}/{entry}")
                });
            }
            None
        };
        let rebase_all = |entries: &[String]| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for e in entries {
                if let Some(r) = rebase(e)
                    && !out.contains(&r)
                {
                    out.push(r);
                }
            }
            out
        };
        ProtoIgnores {
            paths: rebase_all(&ignores.paths),
            only: ignores
                .only
                .iter()
                .map(|(rule, paths)| (rule.clone(), rebase_all(paths)))
                .collect(),
            unstable_packages: ignores.unstable_packages,
        }
    }
}

/// The nearest buf.yaml at `start` (a file or directory) or in a directory above it, up to the
/// git working tree's top (or the file system's root outside one).
pub fn discover(start: &Path) -> anyhow::Result<Option<BufBreaking>> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return read(&candidate, Some(&start)).map(Some);
        }
        if d.join(".git").exists() {
            break;
        }
        dir = d.parent();
    }
    Ok(None)
}

/// Reads a buf.yaml. `start`, the place being compared, picks the module of a v2 workspace
/// whose own `breaking` section applies.
pub fn read(path: &Path, start: Option<&Path>) -> anyhow::Result<BufBreaking> {
    let (shown, doc) = load(path)?;
    let file = Located { shown: &shown };
    // An empty buf.yaml is a v1beta1 module with the defaults.
    if !doc.is_null() && doc.as_map().is_none() {
        return Err(file.at(&doc, format!("expected a mapping, found {}", doc.kind_name())));
    }
    let mut out = BufBreaking {
        file: path.to_path_buf(),
        selection: Selection::default(),
        ignores: ProtoIgnores::default(),
        policies: Vec::new(),
        unsupported: Vec::new(),
    };
    let version = version_of(&doc, &file)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let section: Option<&Node> = match version {
        "v1beta1" | "v1" => doc.get("breaking"),
        _ => {
            let mut section = doc.get("breaking");
            if let Some(list) = doc.get("modules") {
                let list = list
                    .as_seq()
                    .ok_or_else(|| file.at(list, "`modules` must be a list".into()))?;
                for module in list {
                    let p = module
                        .get("path")
                        .and_then(Node::as_str)
                        .ok_or_else(|| file.at(module, "a module needs a `path`".into()))?;
                    let p = p.trim_end_matches('/').trim_start_matches("./").to_string();
                    // The module being compared uses its own section, if it has one.
                    let holds_start = start.is_some_and(|s| {
                        let root = std::fs::canonicalize(dir.join(&p)).unwrap_or_else(|_| dir.join(&p));
                        s.starts_with(&root)
                    });
                    if holds_start && let Some(own) = module.get("breaking") {
                        section = Some(own);
                    }
                }
            }
            section
        }
    };
    out.selection = file.rules(section, &doc)?;
    out.ignores = file.ignores(section)?;
    if version == "v2"
        && let Some(list) = doc.get("policies")
    {
        let list = list
            .as_seq()
            .ok_or_else(|| file.at(list, "`policies` must be a list".into()))?;
        for entry in list {
            let name = entry
                .get("policy")
                .and_then(Node::as_str)
                .ok_or_else(|| file.at(entry, "a policy needs a `policy`".into()))?;
            let policy_path = dir.join(name);
            if !policy_path.is_file() {
                out.unsupported.push(format!(
                    "{shown}:{}: policy `{name}` is not applied: only local policy files are read (a remote one is buf's to fetch)",
                    entry.pos.line
                ));
                continue;
            }
            let (policy_shown, policy_doc) = load(&policy_path)?;
            let policy_file = Located { shown: &policy_shown };
            version_of(&policy_doc, &policy_file)?;
            if policy_doc.key_pos("plugins").is_some() {
                out.unsupported.push(format!(
                    "{policy_shown}: the rules of its `plugins` are not applied (plugins run in buf); its built-in rules are"
                ));
            }
            // The policy's rules and its `ignore_unstable_packages`; the paths its entry in
            // buf.yaml leaves out.
            let breaking = policy_doc.get("breaking");
            let selection = policy_file.rules(breaking, &policy_doc)?;
            let mut ignores = file.ignores(Some(entry))?;
            ignores.unstable_packages = policy_file.ignores(breaking)?.unstable_packages;
            out.policies.push((selection, ignores));
        }
    }
    Ok(out)
}

/// A YAML file's display name and document; errors name the file (and line and column).
fn load(path: &Path) -> anyhow::Result<(String, Node)> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let doc = parse_yaml(&text).map_err(|e| anyhow::anyhow!("{shown}:{e}"))?;
    Ok((shown, doc))
}

fn version_of<'d>(doc: &'d Node, file: &Located) -> anyhow::Result<&'d str> {
    let version = match doc.get("version") {
        None => "v1beta1",
        Some(v) => v
            .as_str()
            .ok_or_else(|| file.at(v, "`version` must be v1beta1, v1 or v2".into()))?,
    };
    match version {
        "v1beta1" | "v1" | "v2" => Ok(version),
        other => {
            let v = doc.get("version").unwrap_or(doc);
            Err(file.at(v, format!("unknown version `{other}`: expected v1beta1, v1 or v2")))
        }
    }
}

/// A file being read, for messages that name it with a line and column.
struct Located<'s> {
    shown: &'s str,
}

impl Located<'_> {
    fn at(&self, node: &Node, message: String) -> anyhow::Error {
        anyhow::anyhow!("{}:{}:{}: {message}", self.shown, node.pos.line, node.pos.col)
    }

    /// A mapping that may be absent or empty.
    fn mapping<'n>(&self, node: Option<&'n Node>) -> anyhow::Result<Option<&'n Node>> {
        match node {
            Some(n) if !n.is_null() && n.as_map().is_none() => Err(self.at(n, "`breaking` must be a mapping".into())),
            other => Ok(other),
        }
    }

    /// A list of strings under `key` (empty when absent).
    fn words(&self, section: Option<&Node>, key: &str) -> anyhow::Result<Vec<String>> {
        let Some(node) = section.and_then(|s| s.get(key)).filter(|n| !n.is_null()) else {
            return Ok(Vec::new());
        };
        let list = node
            .as_seq()
            .ok_or_else(|| self.at(node, format!("`{key}` must be a list")))?;
        list.iter()
            .map(|n| {
                n.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.at(n, format!("`{key}` entries must be strings")))
            })
            .collect()
    }

    /// A boolean under `key` (false when absent).
    fn flag(&self, section: Option<&Node>, key: &str) -> anyhow::Result<bool> {
        match section.and_then(|s| s.get(key)) {
            None => Ok(false),
            Some(n) => n
                .as_bool()
                .ok_or_else(|| self.at(n, format!("`{key}` must be true or false"))),
        }
    }

    /// The rules a `breaking` section selects: `use` (default FILE) minus `except`, none with
    /// `disable_builtin`.
    fn rules(&self, section: Option<&Node>, doc: &Node) -> anyhow::Result<Selection> {
        let section = self.mapping(section)?;
        let mut use_ = self.words(section, "use")?;
        if use_.is_empty() {
            use_.push("FILE".into());
        }
        let except = self.words(section, "except")?;
        let selection = Selection::new(&use_, &except).map_err(|e| {
            // Point at the word that is wrong.
            let node = ["use", "except"]
                .into_iter()
                .filter_map(|k| section.and_then(|s| s.get(k)).and_then(Node::as_seq))
                .flatten()
                .find(|n| n.as_str().is_some_and(|w| e.contains(&format!("`{w}`"))))
                .unwrap_or(doc);
            self.at(node, e)
        })?;
        Ok(if self.flag(section, "disable_builtin")? {
            Selection::default()
        } else {
            selection
        })
    }

    /// What a `breaking` section (or a policy's entry) leaves out: `ignore`, `ignore_only` and
    /// `ignore_unstable_packages`. Paths stay relative to the buf.yaml's directory: in v1 that is
    /// the module root; in v2 they start with the module's path already.
    fn ignores(&self, section: Option<&Node>) -> anyhow::Result<ProtoIgnores> {
        let section = self.mapping(section)?;
        let clean = |p: &str| -> String {
            let p = p.trim_start_matches("./").trim_end_matches('/');
            if p == "." { String::new() } else { p.to_string() }
        };
        let mut only = Vec::new();
        if let Some(n) = section.and_then(|s| s.get("ignore_only")).filter(|n| !n.is_null()) {
            let map = n
                .as_map()
                .ok_or_else(|| self.at(n, "`ignore_only` must map rule ids to paths".into()))?;
            for (key, entry) in map {
                if crate::compare::protobuf::buf_rules::Category::parse(key).is_none()
                    && !crate::compare::protobuf::buf_rules::is_buf_rule(key)
                {
                    return Err(self.at(&entry.value, format!("`{key}` is not a buf breaking rule or category")));
                }
                let list = entry
                    .value
                    .as_seq()
                    .ok_or_else(|| self.at(&entry.value, format!("`ignore_only.{key}` must be a list of paths")))?;
                let paths = list
                    .iter()
                    .map(|p| {
                        p.as_str()
                            .map(clean)
                            .ok_or_else(|| self.at(p, "paths must be strings".into()))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                only.push((key.clone(), paths));
            }
        }
        Ok(ProtoIgnores {
            paths: self.words(section, "ignore")?.iter().map(|p| clean(p)).collect(),
            only,
            unstable_packages: self.flag(section, "ignore_unstable_packages")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn v1_section() {
        let (_d, path) = write(
            "version: v1\nbreaking:\n  use: [WIRE_JSON]\n  except: [FIELD_SAME_NAME]\n  ignore: [foo/bar.proto, baz]\n  ignore_only:\n    FIELD_SAME_JSON_NAME: [a/b]\n  ignore_unstable_packages: true\n",
        );
        let b = read(&path, None).unwrap();
        assert!(b.selection.rules.contains("FIELD_SAME_JSON_NAME"));
        assert!(!b.selection.rules.contains("FIELD_SAME_NAME"));
        assert_eq!(b.ignores.paths, ["foo/bar.proto", "baz"]);
        assert_eq!(
            b.ignores.only,
            [("FIELD_SAME_JSON_NAME".to_string(), vec!["a/b".to_string()])]
        );
        assert!(b.ignores.unstable_packages);
    }

    #[test]
    fn v2_paths_lose_the_module_path_and_defaults_are_file() {
        let (_d, path) = write("version: v2\nmodules:\n  - path: proto\nbreaking:\n  ignore: [proto/foo, proto]\n");
        let b = read(&path, None).unwrap();
        assert_eq!(b.ignores.paths, ["proto/foo", "proto"]);
        let proto = path.parent().unwrap().join("proto");
        std::fs::create_dir(&proto).unwrap();
        assert_eq!(b.ignores_for(&proto).paths, ["foo", ""]);
        assert_eq!(b.ignores_for(path.parent().unwrap()).paths, ["proto/foo", "proto"]);
        assert!(b.selection.rules.contains("FILE_NO_DELETE"));
        assert!(!b.selection.rules.contains("PACKAGE_NO_DELETE"));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let (_d, path) = write("version: v1\nbreaking:\n  use:\n    - FIEL\n");
        let e = read(&path, None).unwrap_err().to_string();
        assert!(
            e.ends_with("buf.yaml:4:7: `FIEL` is not a buf breaking rule or category"),
            "{e}"
        );
        let (_d, path) = write("version: v3\n");
        let e = read(&path, None).unwrap_err().to_string();
        assert!(e.contains("buf.yaml:1:10: unknown version `v3`"), "{e}");
        let (_d, path) = write("version: v1\nbreaking:\n  ignore_unstable_packages: yes please\n");
        let e = read(&path, None).unwrap_err().to_string();
        assert!(e.contains("must be true or false"), "{e}");
    }
}

//! Applies what teams decided about findings: severity overrides and `off` from `mapcheck.toml`,
//! its `[[ignore]]` entries (with expiry), and ignores written in the contracts themselves:
//!
//! - OpenAPI and JSON Schema: `x-mapcheck-ignore: [rule-id, ...]` on a node covers findings at that
//!   node and below it;
//! - Avro: a `"mapcheck.ignore": [...]` property, likewise;
//! - Protobuf: a `// mapcheck:ignore rule-id[, rule-id]` comment on the declaration's line or in
//!   the comment block right above it.
//!
//! A finding of a change is covered when either its new or its old location is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Config;
use crate::finding::Finding;
use crate::load::tree::Node;
use crate::model::{Location, pointer_segments};
use crate::source::{FileLines, SourceFiles};

/// What suppression did, for the summary.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Suppressed {
    /// Dropped by an `[[ignore]]` entry of mapcheck.toml.
    pub ignored: usize,
    /// Dropped by an ignore inside a contract.
    pub inline: usize,
    /// Dropped because their rule is `off`.
    pub off: usize,
    /// Kept because the ignore that covered them has expired.
    pub expired: usize,
    /// Left out by `mapcheck check` because the baseline file records them.
    pub baselined: usize,
}

impl Suppressed {
    /// Both counts together (a report made of several parts).
    pub fn plus(self, o: Suppressed) -> Suppressed {
        Suppressed {
            ignored: self.ignored + o.ignored,
            inline: self.inline + o.inline,
            off: self.off + o.off,
            expired: self.expired + o.expired,
            baselined: self.baselined + o.baselined,
        }
    }
}

/// The contents of the files findings point at, read and parsed once each.
struct Files<'a> {
    sources: SourceFiles<'a>,
    trees: HashMap<String, Option<Node>>,
}

impl Files<'_> {
    fn tree(&mut self, file: &str) -> Option<&Node> {
        if !self.trees.contains_key(file) {
            let parsed = self.sources.get(file).and_then(|lines| {
                let text = lines.text();
                // Most files carry no inline ignore: don't parse those a second time.
                if !text.contains("mapcheck-ignore") && !text.contains("mapcheck.ignore") {
                    return None;
                }
                let json = Path::new(file)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "json" | "avsc" | "avpr"));
                crate::load::tree::parse_auto(text, json).ok()
            });
            self.trees.insert(file.to_string(), parsed);
        }
        self.trees.get(file)?.as_ref()
    }

    /// Whether an ignore written in the contract covers `rule` at `loc`.
    fn inline_ignore(&mut self, rule: &str, loc: &Location) -> bool {
        let is_proto = Path::new(&*loc.file).extension().is_some_and(|e| e == "proto");
        if is_proto {
            return loc.line > 0
                && self
                    .sources
                    .get(&loc.file)
                    .is_some_and(|lines| proto_ignores(lines, loc.line, rule));
        }
        let Some(segments) = pointer_segments(&loc.pointer) else {
            return false;
        };
        let Some(root) = self.tree(&loc.file) else { return false };
        let mut node = root;
        if node_ignores(node, rule) {
            return true;
        }
        for segment in &segments {
            let next = match (node.as_map(), node.as_seq()) {
                (Some(map), _) => map.get(segment.as_str()).map(|e| &e.value),
                (_, Some(items)) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            let Some(next) = next else { break };
            node = next;
            if node_ignores(node, rule) {
                return true;
            }
        }
        false
    }
}

/// An `x-mapcheck-ignore` / `mapcheck.ignore` list (or single string) on a node naming `rule`.
fn node_ignores(node: &Node, rule: &str) -> bool {
    ["x-mapcheck-ignore", "mapcheck.ignore"].iter().any(|key| {
        node.get(key).is_some_and(|v| match (v.as_str(), v.as_seq()) {
            (Some(s), _) => names(s, rule),
            (_, Some(items)) => items.iter().filter_map(Node::as_str).any(|s| names(s, rule)),
            _ => false,
        })
    })
}

fn names(list: &str, rule: &str) -> bool {
    list.split([',', ' ']).map(str::trim).any(|id| id == rule || id == "*")
}

/// A `// mapcheck:ignore ...` comment on line `line` (1-based) or in the comments right above it.
fn proto_ignores(lines: &FileLines, line: u32, rule: &str) -> bool {
    let index = line as usize - 1;
    let directive = |text: &str| -> bool {
        text.find("mapcheck:ignore")
            .is_some_and(|at| names(text[at + "mapcheck:ignore".len()..].trim(), rule))
    };
    if lines
        .line(index)
        .is_some_and(|l| l.find("//").is_some_and(|c| directive(&l[c..])))
    {
        return true;
    }
    for l in (0..index.min(lines.len())).rev().filter_map(|i| lines.line(i)) {
        let t = l.trim_start();
        if !(t.starts_with("//") || t.starts_with("/*") || t.starts_with('*')) {
            break;
        }
        if directive(t) {
            return true;
        }
    }
    false
}

/// Files shown under another name (`main:contracts/a.yaml`, read from git).
#[derive(Debug, Clone)]
pub struct Renamed {
    /// The shown prefix (`main:`).
    pub prefix: String,
    /// Where the files are.
    pub dir: PathBuf,
    /// Where they would be in the working tree (what `mapcheck.toml` globs are relative to).
    pub working: PathBuf,
}

/// Applies `config` and inline ignores to `findings`.
pub fn apply(findings: &mut Vec<Finding>, config: &Config, renamed: &[Renamed], today: &str) -> Suppressed {
    let aliases: Vec<(String, PathBuf)> = renamed.iter().map(|r| (r.prefix.clone(), r.dir.clone())).collect();
    let aliases = aliases.as_slice();
    let config_path = |file: &str| -> String {
        match renamed
            .iter()
            .find_map(|r| file.strip_prefix(r.prefix.as_str()).map(|rest| r.working.join(rest)))
        {
            Some(working) => config.relative(&working.to_string_lossy()),
            None => config.relative(file),
        }
    };
    let mut files = Files {
        sources: SourceFiles::with_aliases(aliases),
        trees: HashMap::new(),
    };
    let mut stats = Suppressed::default();
    findings.retain_mut(|f| {
        if let Some(level) = config.rules.get(f.rule) {
            match level {
                None => {
                    stats.off += 1;
                    return false;
                }
                // Only findings at the rule's default severity: a change judged safe stays info.
                Some(s) => {
                    if crate::rules::find(f.rule).is_some_and(|r| r.severity == f.severity) {
                        f.severity = *s;
                    }
                }
            }
        }
        let inline = [f.location.as_ref(), f.old_location.as_ref()]
            .into_iter()
            .flatten()
            .any(|loc| files.inline_ignore(f.rule, loc));
        if inline {
            stats.inline += 1;
            return false;
        }
        let file = f.location.as_ref().map(|l| config_path(&l.file)).unwrap_or_default();
        if let Some(ig) = config.ignores.iter().find(|ig| ig.covers(f.rule, &file, &f.path)) {
            if ig.expired(today) {
                stats.expired += 1;
                let note = format!(
                    "the ignore in mapcheck.toml ([[ignore]] #{}: \"{}\") expired on {}",
                    ig.index,
                    ig.reason,
                    ig.until.as_deref().unwrap_or("?")
                );
                f.help = Some(match f.help.take() {
                    Some(h) => format!("{note}; {h}"),
                    None => note,
                });
                return true;
            }
            stats.ignored += 1;
            return false;
        }
        true
    });
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto_comments_above_or_beside_a_declaration() {
        let lines = FileLines::new(
            [
                "message A {",
                "  // The id.",
                "  // mapcheck:ignore proto-field-removed, field-removed",
                "  string id = 1;",
                "  int32 n = 2; // mapcheck:ignore type-changed",
                "",
                "  int32 m = 3;",
                "}",
            ]
            .join("\n"),
        );
        assert!(proto_ignores(&lines, 4, "field-removed"));
        assert!(!proto_ignores(&lines, 4, "type-changed"));
        assert!(proto_ignores(&lines, 5, "type-changed"));
        assert!(!proto_ignores(&lines, 7, "type-changed"));
    }
}

//! The shape docs/architecture.md promises, checked on the source: no import cycles between
//! modules (files) nor between the top-level modules, and no source file over 1,200 lines
//! outside its tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::*;

/// Module path (`compare::protobuf::index`) -> source text without its tests and comments.
fn modules() -> BTreeMap<String, String> {
    let src = repo().join("src");
    let mut out = BTreeMap::new();
    for entry in walkdir(&src) {
        let rel = entry.strip_prefix(&src).unwrap().with_extension("");
        let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        if parts == ["main"] || parts == ["lib"] {
            continue;
        }
        let text = std::fs::read_to_string(&entry).unwrap();
        let code = text.split("\n#[cfg(test)]").next().unwrap_or("");
        let code: String = code
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        out.insert(parts.join("::"), code);
    }
    out
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files.extend(walkdir(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        }
    }
    files
}

/// The modules a module's code names (`crate::a::b`, `super::c`), as the longest module path.
fn edges(mods: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (m, code) in mods {
        let mut to = BTreeSet::new();
        let parent: Vec<&str> = m.split("::").collect();
        let parent = parent[..parent.len() - 1].join("::");
        let mut add = |path: &str| {
            let parts: Vec<&str> = path.split("::").collect();
            for k in (1..=parts.len()).rev() {
                let candidate = parts[..k].join("::");
                if mods.contains_key(&candidate) {
                    // A child naming its parent is the tree, not a cycle.
                    if candidate != *m && !m.starts_with(&format!("{candidate}::")) {
                        to.insert(candidate);
                    }
                    break;
                }
            }
        };
        for (prefix, base) in [("crate::", String::new()), ("super::", parent.clone())] {
            for (i, _) in code.match_indices(prefix) {
                if i > 0 && code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let rest: String = code[i + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == ':')
                    .collect();
                let rest = rest.trim_end_matches(':');
                if rest.is_empty() {
                    continue;
                }
                let path = if base.is_empty() {
                    rest.to_string()
                } else {
                    format!("{base}::{rest}")
                };
                add(&path);
            }
        }
        out.insert(m.clone(), to);
    }
    out
}

/// A cycle in `graph`, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for next in graph.get(n).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == next).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(next.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if !state.contains_key(n.as_str())
            && let Some(c) = visit(n, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_import_cycles_between_modules() {
    let mods = modules();
    assert!(mods.contains_key("compare::protobuf::index"), "{:?}", mods.keys());
    let graph = edges(&mods);
    assert!(
        graph["check"].contains("diff") && graph["diff"].contains("compare::contracts"),
        "the graph misses edges it should see"
    );
    if let Some(c) = cycle(&graph) {
        panic!("modules import each other: {}", c.join(" -> "));
    }
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, to) in &graph {
        let head = m.split("::").next().unwrap().to_string();
        let entry = top.entry(head.clone()).or_default();
        entry.extend(
            to.iter()
                .map(|t| t.split("::").next().unwrap().to_string())
                .filter(|t| *t != head),
        );
    }
    if let Some(c) = cycle(&top) {
        panic!("top-level modules import each other: {}", c.join(" -> "));
    }
}

#[test]
fn no_source_file_over_1200_lines_outside_its_tests() {
    let src = repo().join("src");
    let long: Vec<String> = walkdir(&src)
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let code = text.split("\n#[cfg(test)]").next().unwrap_or("");
            let n = code.lines().count();
            (n > 1200).then(|| format!("{} ({n} lines)", p.strip_prefix(repo()).unwrap().display()))
        })
        .collect();
    assert!(long.is_empty(), "split these along their sections: {long:?}");
}

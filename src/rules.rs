//! The rule registry: every rule mapcheck can report, with its category, default severity and the
//! words `mapcheck rules`, `mapcheck explain`, SARIF output and `docs/rules/` show.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::finding::{RuleMeta, Severity};
use crate::load::lint;

/// A group of rules that one kind of check reports.
#[derive(Debug)]
pub struct Category {
    pub name: &'static str,
    pub summary: &'static str,
    pub rules: &'static [&'static RuleMeta],
}

/// Every category, in the order they are listed.
pub fn categories() -> [Category; 9] {
    [
        Category {
            name: "lint",
            summary: "Problems inside one contract, found while loading it (`mapcheck lint`).",
            rules: lint::ALL,
        },
        Category {
            name: "compatibility",
            summary: "Changes between two versions of a contract, judged by who they break (`mapcheck diff`).",
            rules: crate::compare::concepts::ALL,
        },
        Category {
            name: "openapi",
            summary: "What only OpenAPI's surface has: parameters, request bodies, responses, security, callbacks, with the deprecation (`x-sunset`) and maturity (`x-stability-level`) policies (`mapcheck diff`).",
            rules: crate::compare::openapi::ALL,
        },
        Category {
            name: "avro",
            summary: "What only Avro's schema resolution has: names, aliases, defaults, fixed sizes, logical types (`mapcheck diff`).",
            rules: crate::compare::avro::ALL,
        },
        Category {
            name: "protobuf",
            summary: "Protobuf-only changes (`mapcheck diff`), judged at `--proto-level` wire, wire-json, package or file as buf's breaking categories are.",
            rules: crate::compare::protobuf::ALL,
        },
        Category {
            name: "mapping",
            summary: "Field mappings into the canonical model (`mapcheck map validate`): what they read, write and how.",
            rules: crate::mapping::rules::ALL,
        },
        Category {
            name: "crosswalk",
            summary: "The health of the crosswalk ID tables in the DuckDB store: conflicts, one-to-one violations, merge redirects, orphans, coverage (`mapcheck crosswalk check`).",
            rules: crate::crosswalk::rules::ALL,
        },
        Category {
            name: "check",
            summary: "What the pre-merge gate itself could not do: no ref to compare with, or a ref that compares nothing (`mapcheck check`).",
            rules: crate::git::ALL,
        },
        Category {
            name: "drift",
            summary: "Sample records that do not match their contract: undeclared or missing fields, nulls, types, enum values, formats, constraints; and records older than the freshness limit (`mapcheck drift`).",
            rules: crate::samples::drift::ALL,
        },
    ]
}

/// A rule with its category.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub explanation: &'static str,
}

/// Every rule, by category then in declaration order: built once, on first use.
static INDEX: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    categories()
        .iter()
        .flat_map(|c| {
            c.rules.iter().map(|r| Rule {
                id: r.id,
                category: c.name,
                severity: r.severity,
                summary: r.summary,
                explanation: r.explanation,
            })
        })
        .collect()
});

/// Rule id -> position in [`INDEX`].
static BY_ID: LazyLock<HashMap<&'static str, usize>> =
    LazyLock::new(|| INDEX.iter().enumerate().map(|(i, r)| (r.id, i)).collect());

/// Every rule, by category then in declaration order.
pub fn all() -> Vec<Rule> {
    INDEX.clone()
}

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<Rule> {
    BY_ID.get(id).map(|&i| INDEX[i])
}

/// Rule ids close to `id` (for "did you mean"): same words, or a small edit away.
pub fn similar(id: &str) -> Vec<&'static str> {
    let words: Vec<&str> = id.split('-').filter(|w| w.len() > 2).collect();
    // Closest first: fewest edits, then most words in common.
    let mut scored: Vec<(usize, usize, &'static str)> = INDEX
        .iter()
        .map(|r| {
            let shared = words.iter().filter(|w| r.id.split('-').any(|x| x == **w)).count();
            (crate::suggest::edit_distance(r.id, id), words.len() - shared, r.id)
        })
        .filter(|(distance, missing, _)| *distance <= 3 || *missing < words.len())
        .collect();
    scored.sort_by_key(|(distance, missing, _)| (*missing, *distance));
    scored.into_iter().map(|(_, _, id)| id).take(5).collect()
}

/// A rule shown at work: the two versions of one of its fixtures and what `mapcheck diff`
/// reports for them. Generated from `tests/fixtures/rules/` into `src/rules/examples.json` (by
/// `MAPCHECK_BLESS=1 cargo test --test it rules_docs`) and shown by `explain` and the rule pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// The fixture directory (`tests/fixtures/rules/<id>/<case>`).
    pub fixture: String,
    /// The old and new versions' files, (path in the fixture, text): `old.schema.json`, or
    /// `old/billing.proto` when a version is a directory.
    pub files: Vec<(String, String)>,
    /// The command, as run in the fixture's directory.
    pub command: String,
    /// What it printed (the text format).
    pub output: String,
}

/// Examples by rule id.
pub type Examples = BTreeMap<String, Example>;

static EXAMPLES: LazyLock<Examples> =
    LazyLock::new(|| serde_json::from_str(include_str!("rules/examples.json")).unwrap_or_default());

/// The examples built into mapcheck.
pub fn examples() -> &'static Examples {
    &EXAMPLES
}

/// `mapcheck explain`: the rule in full, as text, with its example when it has one.
pub fn explain_text(rule: &Rule) -> String {
    let mut text = format!(
        "{id} ({category}, default severity: {severity})\n\n{summary}\n\n{explanation}\n",
        id = rule.id,
        category = rule.category,
        severity = rule.severity,
        summary = rule.summary,
        explanation = wrap(rule.explanation, 100),
    );
    if let Some(e) = examples().get(rule.id) {
        let _ = write!(text, "\nExample ({}):\n", e.fixture);
        for (name, body) in &e.files {
            let _ = write!(text, "\n--- {name}\n{}", with_newline(body));
        }
        let _ = write!(text, "\n$ {}\n{}", e.command, with_newline(&e.output));
    }
    text
}

fn with_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// The Markdown fence language of a contract file.
fn fence(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json" | "avsc" | "avpr") => "json",
        Some("yaml" | "yml") => "yaml",
        Some("proto") => "proto",
        _ => "text",
    }
}

/// The `## Example` section of a rule page.
fn example_markdown(e: &Example) -> String {
    let mut md = format!("\n## Example\n\nFrom [`{0}`](../../{0}):\n", e.fixture);
    for (name, body) in &e.files {
        let _ = write!(md, "\n`{name}`:\n\n```{}\n{}```\n", fence(name), with_newline(body));
    }
    let _ = write!(
        md,
        "\n`{}` reports:\n\n```text\n{}```\n",
        e.command,
        with_newline(&e.output)
    );
    md
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.chars().count() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.chars().count();
    }
    out
}

/// `mapcheck rules`: one line per rule, grouped by category.
pub fn list_text() -> String {
    let mut out = String::new();
    for c in categories() {
        let _ = writeln!(out, "{} — {}", c.name, c.summary);
        let width = c.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for r in c.rules {
            let _ = writeln!(out, "  {:width$}  {:7}  {}", r.id, r.severity.as_str(), r.summary);
        }
        out.push('\n');
    }
    out.push_str("Run `mapcheck explain <rule-id>` for the full explanation.\n");
    out
}

/// The pages of `docs/rules/`: an index and one page per rule, generated from this registry
/// (a test fails when the files on disk differ).
pub fn doc_pages() -> Vec<(String, String)> {
    doc_pages_with(examples())
}

/// The pages of `docs/rules/`, with these examples.
pub fn doc_pages_with(examples: &Examples) -> Vec<(String, String)> {
    let mut pages = Vec::new();
    let mut index = String::from(
        "# Rules\n\n<!-- Generated from the rule registry (src/rules.rs and the rule sets it lists). \
Do not edit: run `MAPCHECK_BLESS=1 cargo test --test it rules_docs` after changing a rule. -->\n\n\
Every finding names one of these rules. Severities are defaults; `mapcheck explain <rule-id>` prints a \
rule's page in the terminal.\n",
    );
    for c in categories() {
        let _ = write!(
            index,
            "\n## {}\n\n{}\n\n| Rule | Severity | Summary |\n|---|---|---|\n",
            c.name, c.summary
        );
        for r in c.rules {
            let _ = writeln!(
                index,
                "| [`{id}`]({id}.md) | {} | {} |",
                r.severity,
                escape_cell(r.summary),
                id = r.id
            );
            let page = format!(
                "# `{id}`\n\n<!-- Generated from the rule registry. Do not edit. -->\n\n\
- Category: {category}\n- Default severity: {severity}\n\n{summary}\n\n{explanation}\n",
                id = r.id,
                category = c.name,
                severity = r.severity,
                summary = r.summary,
                explanation = r.explanation,
            );
            let page = match examples.get(r.id) {
                Some(e) => page + &example_markdown(e),
                None => page,
            };
            pages.push((format!("{}.md", r.id), page));
        }
    }
    pages.insert(0, ("README.md".to_string(), index));
    pages
}

fn escape_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_across_categories_and_kebab_case() {
        let rules = all();
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
        assert!(
            ids.iter().all(|id| id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')),
            "{ids:?}"
        );
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "a rule id is declared twice");
    }

    #[test]
    fn every_rule_is_explained() {
        for r in all() {
            assert!(r.summary.ends_with('.'), "{}: summary should be a sentence", r.id);
            assert!(r.explanation.len() > 40, "{}: explanation too short", r.id);
        }
    }

    #[test]
    fn similar_ids_are_suggested() {
        assert!(similar("field-remove").contains(&"field-removed"));
        assert!(similar("enum-removed").contains(&"enum-value-removed"));
        assert_eq!(crate::suggest::edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("aaa bbb ccc", 7), "aaa bbb\nccc");
    }
}

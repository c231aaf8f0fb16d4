//! SARIF 2.1.0: every rule of the registry with its help text, every finding as a result with its
//! location, the old location as a related one, and a stable partial fingerprint.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::finding::{Finding, Severity};
use crate::model::Location;
use crate::rules;

/// `aliases`: files shown under a git ref (`main:contracts/a.yaml`, see [`super::split_ref`]).
pub fn render(findings: &[Finding], aliases: &[(String, std::path::PathBuf)], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(findings, aliases))?;
    writeln!(out)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The whole SARIF log.
pub fn document(findings: &[Finding], aliases: &[(String, std::path::PathBuf)]) -> Value {
    let all = rules::all();
    let rule_objects: Vec<Value> = all
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.explanation },
                "help": {
                    "text": format!("{}\n\n{}\n\nRun `mapcheck explain {}` for this text in a terminal.", r.summary, r.explanation, r.id),
                    "markdown": format!("**{}**\n\n{}", r.summary, r.explanation),
                },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "tags": [r.category] },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": { "text": f.message },
                "partialFingerprints": { "mapcheck/v1": f.fingerprint },
            });
            if let Some(index) = all.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = json!(index);
            }
            let mut location = json!({});
            if let Some(loc) = &f.location {
                location = json!({ "physicalLocation": physical(loc) });
            }
            if !f.path.is_empty() {
                location["logicalLocations"] = json!([{ "fullyQualifiedName": f.path }]);
            }
            if location.as_object().is_some_and(|o| !o.is_empty()) {
                result["locations"] = json!([location]);
            }
            if let Some(old) = &f.old_location
                && Some(old) != f.location.as_ref()
            {
                // An old file shown under a git ref is the repository path as of that ref.
                let (old, text) = match super::split_ref(aliases, &old.file) {
                    Some((reference, rest)) => (
                        Location {
                            file: rest.into(),
                            ..old.clone()
                        },
                        format!("before the change (in `{reference}`)"),
                    ),
                    None => (old.clone(), "before the change".to_string()),
                };
                result["relatedLocations"] = json!([{
                    "id": 1,
                    "physicalLocation": physical(&old),
                    "message": { "text": text },
                }]);
            }
            if let Some(direction) = f.direction {
                result["properties"] = json!({ "direction": direction });
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mapcheck",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rule_objects,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn physical(loc: &Location) -> Value {
    let mut p = json!({ "artifactLocation": { "uri": uri(&loc.file) } });
    if loc.line > 0 {
        p["region"] = json!({ "startLine": loc.line, "startColumn": loc.col.max(1) });
    }
    p
}

/// A relative URI reference for a display path: forward slashes, and everything outside RFC 3986's
/// unreserved characters percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("contracts/crm/a b.yaml"), "contracts/crm/a%20b.yaml");
        assert_eq!(uri("dir\\x#1.proto"), "dir/x%231.proto");
        assert_eq!(uri("é.avsc"), "%C3%A9.avsc");
    }
}

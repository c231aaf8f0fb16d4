//! Per-record validation with the `jsonschema` crate (`mapcheck drift --validate`): every record is
//! checked against the contract's JSON Schema, and violations are grouped by the schema keyword
//! that failed (its keyword location), with a count and the first records.
//!
//! This is the validator's view, record by record, beside drift's own per-path statistics: it
//! covers every keyword the crate implements (`if`/`then`, `dependentRequired`, `oneOf`, ...),
//! validating the parsed records as they are (see [`Trees`]).

use std::collections::BTreeMap;

use super::observe::{EXAMPLES, Loc};
use crate::json::{Tree, Trees};

/// Violations of one schema keyword.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Violation {
    pub count: u64,
    /// The earliest records (smallest location first): where, the instance path, the message.
    pub first: Vec<(Loc, String, String)>,
}

/// Violations by keyword location (`/properties/status/enum`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Violations {
    /// Records with at least one violation.
    pub records: u64,
    pub by_keyword: BTreeMap<String, Violation>,
}

/// Messages quote whole values: cut them to a readable length.
fn short(message: &str) -> String {
    let mut s: String = message.chars().take(160).collect();
    if s.len() < message.len() {
        s.push('…');
    }
    s
}

impl Violations {
    /// Validates one record and records what fails.
    pub fn check(&mut self, validator: &jsonschema::Validator<Trees>, record: &Tree, at: Loc) {
        if validator.is_valid(record) {
            return;
        }
        self.records += 1;
        for e in validator.iter_errors(record) {
            let v = self.by_keyword.entry(e.schema_path().to_string()).or_default();
            v.count += 1;
            if v.first.len() < EXAMPLES || v.first.last().is_some_and(|(l, _, _)| at < *l) {
                let i = v.first.partition_point(|(l, _, _)| *l <= at);
                v.first
                    .insert(i, (at, e.instance_path().to_string(), short(&e.to_string())));
                v.first.truncate(EXAMPLES);
            }
        }
    }

    /// Adds what another part of the scan found (in any order: the result is the same).
    pub fn merge(&mut self, other: Violations) {
        self.records += other.records;
        for (k, o) in other.by_keyword {
            let v = self.by_keyword.entry(k).or_default();
            v.count += o.count;
            v.first.extend(o.first);
            v.first.sort();
            v.first.truncate(EXAMPLES);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_group_by_keyword_and_merge_in_any_order() {
        let schema = serde_json::json!({
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "integer"}, "status": {"enum": ["a", "b"]}}
        });
        let validator = jsonschema::options_for::<Trees>().build(&schema).unwrap();
        let records: Vec<serde_json::Value> = (0..20)
            .map(|i| match i % 4 {
                0 => serde_json::json!({"id": i, "status": "c"}),
                1 => serde_json::json!({"status": "a"}),
                _ => serde_json::json!({"id": i}),
            })
            .collect();
        let scan = |order: &mut dyn Iterator<Item = usize>| {
            let mut parts = vec![Violations::default(), Violations::default()];
            for i in order {
                let at = Loc {
                    file: 0,
                    line: i as u64 + 1,
                };
                parts[i % 2].check(&validator, &Tree::from_value(&records[i]), at);
            }
            let mut all = Violations::default();
            for p in parts {
                all.merge(p);
            }
            all
        };
        let forward = scan(&mut (0..20));
        let backward = scan(&mut (0..20).rev());
        assert_eq!(forward, backward);
        assert_eq!(forward.records, 10);
        let keywords: Vec<&str> = forward.by_keyword.keys().map(String::as_str).collect();
        assert_eq!(keywords, ["/properties/status/enum", "/required"]);
        let e = &forward.by_keyword["/properties/status/enum"];
        assert_eq!(e.count, 5);
        assert_eq!(e.first[0].0.line, 1);
        assert_eq!(e.first[0].1, "/status");
    }
}

//! The one result type every check produces.

use std::fmt;

use serde::Serialize;

use crate::model::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found by a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable rule id (`unresolved-ref`).
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where to look (for a comparison: the new side).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// For a comparison: the old side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_location: Option<Location>,
    /// For a comparison: which side the change was judged for (`accepts` or `produces`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    /// The model path the finding concerns (`#/components/schemas/Account`, `erp.customers.v1.Customer`).
    pub path: String,
    /// Stable across reformatting and rewording: derived from rule, file, path and the values the
    /// message names (see [`identity`]), never from line numbers or wording.
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, message: impl Into<String>, location: Location) -> Self {
        let path = location.pointer.clone();
        let mut f = Finding {
            rule: rule.id,
            severity: rule.severity,
            message: message.into(),
            fingerprint: String::new(),
            location: Some(location),
            old_location: None,
            direction: None,
            path,
            help: None,
        };
        f.fingerprint = f.compute_fingerprint();
        f
    }

    /// A finding about the run rather than a place in a file (no ref to compare with).
    pub fn unlocated(rule: &'static RuleMeta, message: impl Into<String>) -> Self {
        let mut f = Finding {
            rule: rule.id,
            severity: rule.severity,
            message: message.into(),
            fingerprint: String::new(),
            location: None,
            old_location: None,
            direction: None,
            path: String::new(),
            help: None,
        };
        f.fingerprint = f.compute_fingerprint();
        f
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Uses a model path other than the location's pointer (recomputes the fingerprint).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self.fingerprint = self.compute_fingerprint();
        self
    }

    /// Renames the files the finding points at (`rename` returns `None` to keep a name), and its
    /// message's mentions of them; the fingerprint follows.
    pub fn rename_files(&mut self, rename: impl Fn(&str) -> Option<String>) {
        for loc in [self.location.as_mut(), self.old_location.as_mut()]
            .into_iter()
            .flatten()
        {
            if let Some(name) = rename(&loc.file) {
                loc.file = name.into();
            }
        }
        self.fingerprint = self.compute_fingerprint();
    }

    fn compute_fingerprint(&self) -> String {
        let file = self.location.as_ref().map(|l| &*l.file).unwrap_or("");
        let mut h = Fnv64::default();
        for part in [self.rule, file, self.path.as_str()] {
            h.write(part.as_bytes());
            h.write(&[0]);
        }
        for value in identity(&self.message) {
            h.write(value.as_bytes());
            h.write(&[1]);
        }
        format!("{:016x}", h.0)
    }

    /// Sort key: file, line, column, rule, message.
    pub fn sort_key(&self) -> (String, u32, u32, &'static str, String) {
        match &self.location {
            Some(l) => (l.file.to_string(), l.line, l.col, self.rule, self.message.clone()),
            None => (String::new(), 0, 0, self.rule, self.message.clone()),
        }
    }
}

/// What tells a finding apart from another of the same rule at the same path: the values its
/// message names, never its wording. Those are the `code spans` (names, enum values, types as
/// written) and the numbers outside them (sizes, field numbers, status codes). Rewording a message
/// keeps them, so baselines and dashboards keep tracking the finding.
pub fn identity(message: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = message;
    while !rest.is_empty() {
        let (plain, quoted) = match rest.split_once('`') {
            Some((plain, after)) => match after.split_once('`') {
                Some((quoted, after)) => {
                    rest = after;
                    (plain, Some(quoted))
                }
                None => {
                    rest = "";
                    (plain, Some(after))
                }
            },
            None => {
                let plain = rest;
                rest = "";
                (plain, None)
            }
        };
        out.extend(
            plain
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map(|t| t.trim_matches('.'))
                .filter(|t| !t.is_empty() && t.bytes().any(|b| b.is_ascii_digit())),
        );
        out.extend(quoted);
    }
    out
}

/// Sorts findings deterministically and drops exact duplicates. Findings of one rule at one path
/// whose messages differ but name the same values would share a fingerprint: those get the whole
/// message hashed in too, so a baseline never hides one for the other.
pub fn normalize(findings: &mut Vec<Finding>) {
    findings.sort_by_key(|f| f.sort_key());
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.location == b.location && a.message == b.message);
    let mut by_fingerprint: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut clashing: std::collections::HashSet<String> = std::collections::HashSet::new();
    for f in findings.iter() {
        match by_fingerprint.get(f.fingerprint.as_str()) {
            Some(message) if *message != f.message => {
                clashing.insert(f.fingerprint.clone());
            }
            Some(_) => {}
            None => {
                by_fingerprint.insert(&f.fingerprint, &f.message);
            }
        }
    }
    for f in findings.iter_mut().filter(|f| clashing.contains(&f.fingerprint)) {
        let mut h = Fnv64::default();
        h.write(f.fingerprint.as_bytes());
        h.write(f.message.as_bytes());
        f.fingerprint = format!("{:016x}", h.0);
    }
}

/// FNV-1a: a tiny hash whose output never changes between releases (unlike std's hasher).
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// What a rule is: id, default severity, and the words `mapcheck explain` prints.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub explanation: &'static str,
}

/// Declares rule statics and an `ALL` slice listing them, from `NAME = "id", Severity, summary, explanation;` lines.
macro_rules! rule_set {
    ($($name:ident = $id:literal, $sev:ident, $summary:literal, $expl:literal;)*) => {
        $(pub static $name: $crate::finding::RuleMeta = $crate::finding::RuleMeta {
            id: $id,
            severity: $crate::finding::Severity::$sev,
            summary: $summary,
            explanation: $expl,
        };)*
        /// Every rule of this set, for the registry.
        pub static ALL: &[&$crate::finding::RuleMeta] = &[$(&$name),*];
    };
}
pub(crate) use rule_set;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::lint;
    use crate::model::{Location, Pos};

    #[test]
    fn fingerprints_follow_the_values_a_message_names_not_its_wording() {
        let at = || Location::new("a.yaml", "/p", Pos::new(3, 4));
        let f = |m: &str| Finding::new(&lint::UNRESOLVED_REF, m, at()).fingerprint;
        assert_eq!(
            identity("enum value `PENDING` removed from `status` (was 3 of 4)"),
            ["PENDING", "status", "3", "4"]
        );
        assert_eq!(
            f("enum value `PENDING` was removed"),
            f("the enum lost its value `PENDING`: consumers break")
        );
        assert_ne!(
            f("enum value `PENDING` was removed"),
            f("enum value `ACTIVE` was removed")
        );
        assert_ne!(f("maxLength 10 -> 5"), f("maxLength 10 -> 4"));
        assert_eq!(identity("an `unclosed span"), ["unclosed span"]);
        assert_eq!(identity("version 1.2.3."), ["1.2.3"]);
        // Same values, other words, same rule and path: told apart by their messages.
        let mut two = vec![
            Finding::new(&lint::UNRESOLVED_REF, "`x` is gone", at()),
            Finding::new(&lint::UNRESOLVED_REF, "`x` is not there", at()),
        ];
        normalize(&mut two);
        assert_eq!(two.len(), 2);
        assert_ne!(two[0].fingerprint, two[1].fingerprint);
    }

    #[test]
    fn fingerprints_ignore_line_numbers() {
        let a = Finding::new(
            &lint::UNRESOLVED_REF,
            "x",
            Location::new("a.yaml", "/p", Pos::new(3, 4)),
        );
        let b = Finding::new(
            &lint::UNRESOLVED_REF,
            "x",
            Location::new("a.yaml", "/p", Pos::new(30, 1)),
        );
        assert_eq!(a.fingerprint, b.fingerprint);
        let c = Finding::new(
            &lint::UNRESOLVED_REF,
            "x",
            Location::new("b.yaml", "/p", Pos::new(3, 4)),
        );
        assert_ne!(a.fingerprint, c.fingerprint);
    }

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = lint::ALL.iter().map(|r| r.id).collect();
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), lint::ALL.len());
    }
}

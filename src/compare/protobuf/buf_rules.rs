//! buf's breaking rules and categories, as `buf config ls-breaking-rules` (buf 1.75.0) lists them,
//! and which of them a Protobuf comparison applies.
//!
//! Every Protobuf check in [`super::protobuf`] names the buf rules its change violates; a change is
//! reported when the [`Gate`] enables one of them. A `--proto-level` enables the rules of one
//! category; a `buf.yaml` `breaking` section enables the rules its `use` and `except` select
//! (see [`crate::bufyaml`]).

use std::collections::BTreeSet;

use super::Level;
use crate::compare::concepts;
use crate::finding::RuleMeta;

/// A buf breaking category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Wire,
    WireJson,
    Package,
    File,
    /// Confluent Schema Registry's Protobuf compatibility.
    Csr,
}

use Category::{Csr, File, Package, Wire, WireJson};

impl Category {
    pub fn parse(name: &str) -> Option<Category> {
        Some(match name {
            "WIRE" => Wire,
            "WIRE_JSON" => WireJson,
            "PACKAGE" => Package,
            "FILE" => File,
            "CSR" => Csr,
            _ => return None,
        })
    }

    fn of_level(level: Level) -> Category {
        match level {
            Level::Wire => Wire,
            Level::WireJson => WireJson,
            Level::Package => Package,
            Level::File => File,
        }
    }
}

/// Checks mapcheck makes that buf does not (or no longer does), with the categories they belong
/// to. They cannot be named in a `buf.yaml`; a rule selection enables them through the categories
/// its `use` names.
pub const HTTP_BINDING: &str = "HTTP_BINDING_SAME";
pub const MESSAGE_SET_WIRE_FORMAT: &str = "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT";

/// Every buf breaking rule with its categories, then mapcheck's own.
const RULES: &[(&str, &[Category])] = &[
    ("EXTENSION_NO_DELETE", &[File]),
    ("SERVICE_NO_DELETE", &[File]),
    ("ENUM_NO_DELETE", &[Csr, File]),
    ("FILE_NO_DELETE", &[Csr, File]),
    ("MESSAGE_NO_DELETE", &[Csr, File]),
    ("ENUM_SAME_TYPE", &[File, Package]),
    ("FIELD_SAME_CARDINALITY", &[File, Package]),
    ("FIELD_SAME_CPP_STRING_TYPE", &[File, Package]),
    ("FIELD_SAME_JAVA_UTF8_VALIDATION", &[File, Package]),
    ("FIELD_SAME_JSTYPE", &[File, Package]),
    ("FIELD_SAME_UTF8_VALIDATION", &[File, Package]),
    ("FILE_SAME_CC_ENABLE_ARENAS", &[File, Package]),
    ("FILE_SAME_CC_GENERIC_SERVICES", &[File, Package]),
    ("FILE_SAME_CSHARP_NAMESPACE", &[File, Package]),
    ("FILE_SAME_GO_PACKAGE", &[File, Package]),
    ("FILE_SAME_JAVA_GENERIC_SERVICES", &[File, Package]),
    ("FILE_SAME_JAVA_MULTIPLE_FILES", &[File, Package]),
    ("FILE_SAME_JAVA_OUTER_CLASSNAME", &[File, Package]),
    ("FILE_SAME_JAVA_PACKAGE", &[File, Package]),
    ("FILE_SAME_OBJC_CLASS_PREFIX", &[File, Package]),
    ("FILE_SAME_OPTIMIZE_FOR", &[File, Package]),
    ("FILE_SAME_PHP_CLASS_PREFIX", &[File, Package]),
    ("FILE_SAME_PHP_METADATA_NAMESPACE", &[File, Package]),
    ("FILE_SAME_PHP_NAMESPACE", &[File, Package]),
    ("FILE_SAME_PY_GENERIC_SERVICES", &[File, Package]),
    ("FILE_SAME_RUBY_PACKAGE", &[File, Package]),
    ("FILE_SAME_SWIFT_PREFIX", &[File, Package]),
    ("RPC_NO_DELETE", &[File, Package]),
    ("ENUM_VALUE_NO_DELETE", &[Csr, File, Package]),
    ("EXTENSION_MESSAGE_NO_DELETE", &[Csr, File, Package]),
    ("FIELD_NO_DELETE", &[Csr, File, Package]),
    ("FIELD_SAME_TYPE", &[Csr, File, Package]),
    ("FILE_SAME_SYNTAX", &[Csr, File, Package]),
    ("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR", &[Csr, File, Package]),
    ("ONEOF_NO_DELETE", &[Csr, File, Package]),
    ("ENUM_SAME_JSON_FORMAT", &[Csr, File, Package, WireJson]),
    ("ENUM_VALUE_SAME_NAME", &[Csr, File, Package, WireJson]),
    ("FIELD_SAME_JSON_NAME", &[Csr, File, Package, WireJson]),
    ("FIELD_SAME_NAME", &[Csr, File, Package, WireJson]),
    ("MESSAGE_SAME_JSON_FORMAT", &[Csr, File, Package, WireJson]),
    ("FIELD_SAME_DEFAULT", &[Csr, File, Package, WireJson, Wire]),
    ("FIELD_SAME_ONEOF", &[Csr, File, Package, WireJson, Wire]),
    ("FILE_SAME_PACKAGE", &[Csr, File, Package, WireJson, Wire]),
    ("MESSAGE_SAME_REQUIRED_FIELDS", &[Csr, File, Package, WireJson, Wire]),
    ("RESERVED_ENUM_NO_DELETE", &[Csr, File, Package, WireJson, Wire]),
    ("RESERVED_MESSAGE_NO_DELETE", &[Csr, File, Package, WireJson, Wire]),
    ("RPC_SAME_CLIENT_STREAMING", &[Csr, File, Package, WireJson, Wire]),
    ("RPC_SAME_IDEMPOTENCY_LEVEL", &[Csr, File, Package, WireJson, Wire]),
    ("RPC_SAME_REQUEST_TYPE", &[Csr, File, Package, WireJson, Wire]),
    ("RPC_SAME_RESPONSE_TYPE", &[Csr, File, Package, WireJson, Wire]),
    ("RPC_SAME_SERVER_STREAMING", &[Csr, File, Package, WireJson, Wire]),
    ("PACKAGE_ENUM_NO_DELETE", &[Package]),
    ("PACKAGE_EXTENSION_NO_DELETE", &[Package]),
    ("PACKAGE_MESSAGE_NO_DELETE", &[Package]),
    ("PACKAGE_NO_DELETE", &[Package]),
    ("PACKAGE_SERVICE_NO_DELETE", &[Package]),
    ("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", &[Csr, WireJson]),
    ("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", &[Csr, WireJson]),
    ("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", &[Csr, WireJson]),
    ("FIELD_WIRE_JSON_COMPATIBLE_TYPE", &[Csr, WireJson]),
    ("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", &[Csr, WireJson, Wire]),
    ("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", &[Csr, WireJson, Wire]),
    ("FIELD_WIRE_COMPATIBLE_CARDINALITY", &[Wire]),
    ("FIELD_WIRE_COMPATIBLE_TYPE", &[Wire]),
    // mapcheck's own.
    (HTTP_BINDING, &[File]),
    (MESSAGE_SET_WIRE_FORMAT, &[File, Package, WireJson, Wire]),
];

/// How many entries of [`RULES`] are buf's (the rest are mapcheck's own).
const BUF_RULES: usize = RULES.len() - 2;

/// Each rule a Protobuf comparison reports, with the buf rules (and mapcheck's own checks) its
/// findings stand for. A finding names those its change violates: a deleted field whose number is
/// reserved violates FIELD_NO_DELETE but not FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED. A rule is
/// reported at a level when one of its buf rules is in that level's category ([`levels_of`]);
/// its explanation says so in words, which a test holds to this table.
pub static REPORTED: &[(&RuleMeta, &[&str])] = &[
    (&concepts::CONTRACT_REMOVED, &["FILE_NO_DELETE"]),
    (&super::PACKAGE_REMOVED, &["PACKAGE_NO_DELETE"]),
    (
        &super::DECLARATION_MOVED,
        &[
            "MESSAGE_NO_DELETE",
            "ENUM_NO_DELETE",
            "SERVICE_NO_DELETE",
            "EXTENSION_NO_DELETE",
        ],
    ),
    (
        &concepts::TYPE_REMOVED,
        &[
            "MESSAGE_NO_DELETE",
            "ENUM_NO_DELETE",
            "PACKAGE_MESSAGE_NO_DELETE",
            "PACKAGE_ENUM_NO_DELETE",
        ],
    ),
    (
        &super::SERVICE_REMOVED,
        &["SERVICE_NO_DELETE", "PACKAGE_SERVICE_NO_DELETE"],
    ),
    (
        &super::EXTENSION_REMOVED,
        &["EXTENSION_NO_DELETE", "PACKAGE_EXTENSION_NO_DELETE"],
    ),
    (&super::RPC_REMOVED, &["RPC_NO_DELETE"]),
    (&super::ONEOF_REMOVED, &["ONEOF_NO_DELETE"]),
    (&super::EXTENSION_RANGE_REMOVED, &["EXTENSION_MESSAGE_NO_DELETE"]),
    (
        &super::RESERVED_REMOVED,
        &["RESERVED_ENUM_NO_DELETE", "RESERVED_MESSAGE_NO_DELETE"],
    ),
    (&super::FIELD_REMOVED, &super::index::FIELD_DELETION),
    (&super::FIELD_NUMBER_CHANGED, &super::index::FIELD_DELETION),
    (
        &super::FIELD_WIRE_TYPE_CHANGED,
        &[
            "FIELD_WIRE_COMPATIBLE_TYPE",
            "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
            "FIELD_SAME_TYPE",
        ],
    ),
    (
        &super::FIELD_JSON_TYPE_CHANGED,
        &["FIELD_WIRE_JSON_COMPATIBLE_TYPE", "FIELD_SAME_TYPE"],
    ),
    (&super::FIELD_TYPE_CHANGED, &["FIELD_SAME_TYPE"]),
    (
        &super::FIELD_CARDINALITY_CHANGED,
        &[
            "FIELD_WIRE_COMPATIBLE_CARDINALITY",
            "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
            "FIELD_SAME_CARDINALITY",
        ],
    ),
    (&super::FIELD_PRESENCE_CHANGED, &["FIELD_SAME_CARDINALITY"]),
    (&super::FIELD_RENAMED, &["FIELD_SAME_NAME"]),
    (&super::FIELD_JSON_NAME_CHANGED, &["FIELD_SAME_JSON_NAME"]),
    (&super::FIELD_ONEOF_CHANGED, &["FIELD_SAME_ONEOF"]),
    (&concepts::DEFAULT_CHANGED, &["FIELD_SAME_DEFAULT"]),
    (&super::FIELD_CTYPE_CHANGED, &["FIELD_SAME_CPP_STRING_TYPE"]),
    (&super::FIELD_JSTYPE_CHANGED, &["FIELD_SAME_JSTYPE"]),
    (
        &super::FIELD_UTF8_VALIDATION_CHANGED,
        &["FIELD_SAME_UTF8_VALIDATION", "FIELD_SAME_JAVA_UTF8_VALIDATION"],
    ),
    (&super::REQUIRED_FIELDS_CHANGED, &["MESSAGE_SAME_REQUIRED_FIELDS"]),
    (&concepts::ENUM_VALUE_REMOVED, &super::index::ENUM_VALUE_DELETION),
    (&super::ENUM_VALUE_RENAMED, &["ENUM_VALUE_SAME_NAME"]),
    (&super::ENUM_TYPE_CHANGED, &["ENUM_SAME_TYPE"]),
    (
        &super::JSON_FORMAT_CHANGED,
        &["ENUM_SAME_JSON_FORMAT", "MESSAGE_SAME_JSON_FORMAT"],
    ),
    (
        &super::DESCRIPTOR_ACCESSOR_REMOVED,
        &["MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR"],
    ),
    (&super::MESSAGE_SET_WIRE_FORMAT_CHANGED, &[MESSAGE_SET_WIRE_FORMAT]),
    (&super::RPC_REQUEST_TYPE_CHANGED, &["RPC_SAME_REQUEST_TYPE"]),
    (&super::RPC_RESPONSE_TYPE_CHANGED, &["RPC_SAME_RESPONSE_TYPE"]),
    (
        &super::RPC_STREAMING_CHANGED,
        &["RPC_SAME_CLIENT_STREAMING", "RPC_SAME_SERVER_STREAMING"],
    ),
    (&super::RPC_IDEMPOTENCY_CHANGED, &["RPC_SAME_IDEMPOTENCY_LEVEL"]),
    (&super::HTTP_BINDING_CHANGED, &[HTTP_BINDING]),
    (&super::FILE_PACKAGE_CHANGED, &["FILE_SAME_PACKAGE"]),
    (&super::FILE_SYNTAX_CHANGED, &["FILE_SAME_SYNTAX"]),
    (
        &super::FILE_OPTION_CHANGED,
        &[
            "FILE_SAME_JAVA_PACKAGE",
            "FILE_SAME_JAVA_OUTER_CLASSNAME",
            "FILE_SAME_JAVA_MULTIPLE_FILES",
            "FILE_SAME_JAVA_GENERIC_SERVICES",
            "FILE_SAME_GO_PACKAGE",
            "FILE_SAME_CC_ENABLE_ARENAS",
            "FILE_SAME_CC_GENERIC_SERVICES",
            "FILE_SAME_CSHARP_NAMESPACE",
            "FILE_SAME_OBJC_CLASS_PREFIX",
            "FILE_SAME_OPTIMIZE_FOR",
            "FILE_SAME_PHP_CLASS_PREFIX",
            "FILE_SAME_PHP_METADATA_NAMESPACE",
            "FILE_SAME_PHP_NAMESPACE",
            "FILE_SAME_PY_GENERIC_SERVICES",
            "FILE_SAME_RUBY_PACKAGE",
            "FILE_SAME_SWIFT_PREFIX",
        ],
    ),
];

/// The buf rules a Protobuf rule's findings stand for ([`REPORTED`]); empty for another rule.
pub fn buf_rules_of(rule: &RuleMeta) -> &'static [&'static str] {
    REPORTED
        .iter()
        .find(|(r, _)| r.id == rule.id)
        .map_or(&[], |(_, rules)| rules)
}

/// The levels at which a Protobuf rule is reported: those whose category holds one of its buf
/// rules.
pub fn levels_of(rule: &RuleMeta) -> Vec<Level> {
    [Level::Wire, Level::WireJson, Level::Package, Level::File]
        .into_iter()
        .filter(|l| {
            let category = Category::of_level(*l);
            buf_rules_of(rule).iter().any(|r| categories(r).contains(&category))
        })
        .collect()
}

/// The categories of a rule id (empty for an unknown id).
pub fn categories(id: &str) -> &'static [Category] {
    RULES.iter().find(|(r, _)| *r == id).map_or(&[], |(_, c)| c)
}

/// Whether `id` is one of buf's breaking rule ids.
pub fn is_buf_rule(id: &str) -> bool {
    RULES[..BUF_RULES].iter().any(|(r, _)| *r == id)
}

/// buf's rule ids in a category.
pub fn rules_of(category: Category) -> impl Iterator<Item = &'static str> {
    RULES[..BUF_RULES]
        .iter()
        .filter(move |(_, c)| c.contains(&category))
        .map(|(r, _)| *r)
}

/// The rules a `buf.yaml` selects: `use` minus `except`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub rules: BTreeSet<&'static str>,
    /// The categories `use` names (and `except` does not): they decide mapcheck's own checks.
    pub categories: BTreeSet<Category>,
}

impl Selection {
    /// `use` and `except` as a buf.yaml writes them: category names or rule ids. `Err` names the
    /// first word that is neither.
    pub fn new(use_: &[String], except: &[String]) -> Result<Selection, String> {
        let mut selection = Selection::default();
        for word in use_ {
            match Category::parse(word) {
                Some(c) => {
                    selection.categories.insert(c);
                    selection.rules.extend(rules_of(c));
                }
                None => {
                    selection.rules.insert(known(word)?);
                }
            }
        }
        for word in except {
            match Category::parse(word) {
                Some(c) => {
                    selection.categories.remove(&c);
                    for r in rules_of(c) {
                        selection.rules.remove(r);
                    }
                }
                None => {
                    selection.rules.remove(known(word)?);
                }
            }
        }
        Ok(selection)
    }
}

fn known(word: &str) -> Result<&'static str, String> {
    RULES[..BUF_RULES]
        .iter()
        .find(|(r, _)| *r == word)
        .map(|(r, _)| *r)
        .ok_or_else(|| format!("`{word}` is not a buf breaking rule or category"))
}

/// Which rules a comparison applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// The rules of one category (`--proto-level`).
    Level(Level),
    /// The rules a buf.yaml selects.
    Rules(Selection),
}

impl Default for Gate {
    fn default() -> Self {
        Gate::Level(Level::default())
    }
}

impl Gate {
    /// Whether the gate applies the rule `id`.
    pub fn enables(&self, id: &str) -> bool {
        match self {
            Gate::Level(level) => categories(id).contains(&Category::of_level(*level)),
            Gate::Rules(selection) => {
                if is_buf_rule(id) {
                    selection.rules.contains(id)
                } else {
                    categories(id).iter().any(|c| selection.categories.contains(c))
                }
            }
        }
    }

    /// Whether the gate applies any of `ids`.
    pub fn any(&self, ids: &[&str]) -> bool {
        ids.iter().any(|id| self.enables(id))
    }
}

/// Whether a package is unstable in buf's sense (`ignore_unstable_packages`): its last component
/// is a version with an alpha, beta or test suffix (`v1alpha1`, `v2beta`, `v1p1beta1`, `v1test`,
/// `v1test_foo`).
pub fn unstable_package(package: &str) -> bool {
    let last = package.rsplit('.').next().unwrap_or("");
    let Some(rest) = last.strip_prefix('v') else {
        return false;
    };
    let digits = |s: &str| -> usize { s.bytes().take_while(u8::is_ascii_digit).count() };
    let n = digits(rest);
    if n == 0 || rest.starts_with('0') {
        return false;
    }
    let mut rest = &rest[n..];
    if let Some(test) = rest.strip_prefix("test") {
        return test.is_empty() || test.starts_with('_') || test.bytes().all(|b| b.is_ascii_alphanumeric());
    }
    // An optional patch part: `p1`.
    if let Some(p) = rest.strip_prefix('p') {
        let m = digits(p);
        if m == 0 {
            return false;
        }
        rest = &p[m..];
    }
    let Some(tail) = rest.strip_prefix("alpha").or_else(|| rest.strip_prefix("beta")) else {
        return false;
    };
    tail.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_buf_rule_is_reported_by_a_rule_and_every_named_rule_exists() {
        let named: BTreeSet<&str> = REPORTED.iter().flat_map(|(_, rules)| rules.iter().copied()).collect();
        for (id, _) in RULES {
            assert!(named.contains(id), "no mapcheck rule reports {id}");
        }
        for id in &named {
            assert!(!categories(id).is_empty(), "{id} is not a buf rule");
        }
        for (rule, _) in REPORTED {
            assert!(
                crate::rules::find(rule.id).is_some(),
                "{} is not in the rule index",
                rule.id
            );
        }
    }

    /// The levels a rule's explanation names (`Levels: wire-json, package, file (buf ...)`) are
    /// those its buf rules' categories give.
    #[test]
    fn explanations_name_the_levels_the_table_gives() {
        let mut checked = 0;
        for (rule, _) in REPORTED {
            let text = rule.explanation;
            let Some(at) = text
                .find("Level: ")
                .or_else(|| text.find("Levels: "))
                .or_else(|| text.find("Every level"))
            else {
                continue;
            };
            // The sentence, without its parenthesised buf rule names and what follows a `;`.
            let mut sentence = String::new();
            let mut depth = 0;
            for c in text[at..].chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ';' if depth == 0 => break,
                    _ if depth == 0 => sentence.push(c),
                    _ => {}
                }
            }
            let named: Vec<Level> = if sentence.to_lowercase().contains("every level") {
                vec![Level::Wire, Level::WireJson, Level::Package, Level::File]
            } else {
                let words: Vec<&str> = sentence
                    .split(|c: char| !(c.is_ascii_lowercase() || c == '-'))
                    .collect();
                [
                    ("wire", Level::Wire),
                    ("wire-json", Level::WireJson),
                    ("package", Level::Package),
                    ("file", Level::File),
                ]
                .into_iter()
                .filter(|(w, _)| words.contains(w))
                .map(|(_, l)| l)
                .collect()
            };
            assert_eq!(named, levels_of(rule), "{}: {text}", rule.id);
            checked += 1;
        }
        assert!(checked >= 30, "only {checked} explanations name their levels");
    }

    #[test]
    fn levels_are_categories() {
        let file = Gate::Level(Level::File);
        assert!(file.enables("MESSAGE_NO_DELETE"));
        assert!(!file.enables("PACKAGE_MESSAGE_NO_DELETE"));
        assert!(file.enables(HTTP_BINDING));
        let wire = Gate::Level(Level::Wire);
        assert!(wire.enables("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"));
        assert!(!wire.enables("FIELD_NO_DELETE_UNLESS_NAME_RESERVED"));
        assert!(!wire.enables(HTTP_BINDING));
        assert!(wire.enables(MESSAGE_SET_WIRE_FORMAT));
    }

    #[test]
    fn selections_use_and_except() {
        let s = Selection::new(&["WIRE_JSON".into()], &["FIELD_SAME_NAME".into()]).unwrap();
        let gate = Gate::Rules(s);
        assert!(gate.enables("FIELD_SAME_JSON_NAME"));
        assert!(!gate.enables("FIELD_SAME_NAME"));
        assert!(!gate.enables("FIELD_SAME_TYPE"));
        assert!(gate.enables(MESSAGE_SET_WIRE_FORMAT));
        assert!(!gate.enables(HTTP_BINDING));
        let only = Gate::Rules(Selection::new(&["ENUM_NO_DELETE".into()], &[]).unwrap());
        assert!(only.enables("ENUM_NO_DELETE"));
        assert!(!only.enables("MESSAGE_NO_DELETE"));
        assert!(!only.enables(HTTP_BINDING));
        let e = Selection::new(&["FILE".into(), "FIELD_NO_DELTE".into()], &[]).unwrap_err();
        assert!(e.contains("`FIELD_NO_DELTE` is not a buf breaking rule"), "{e}");
        assert_eq!(rules_of(Category::Wire).count(), 15);
    }

    #[test]
    fn unstable_packages_as_buf_names_them() {
        for p in [
            "a.v1alpha1",
            "a.v1beta",
            "a.b.v2beta3",
            "v1alpha",
            "a.v1p1beta1",
            "a.v1test",
            "a.v1test_foo",
            "a.v1testfoo",
        ] {
            assert!(unstable_package(p), "{p}");
        }
        for p in [
            "a.v1",
            "a",
            "",
            "a.v1alpha1.b",
            "a.alpha",
            "a.v1gamma",
            "a.v0alpha",
            "a.valpha1",
            "a.v1p1",
            "a.v1alphax",
        ] {
            assert!(!unstable_package(p), "{p}");
        }
    }
}

//! Protobuf breaking changes, judged at the strictness levels buf made familiar.
//!
//! A Protobuf change breaks different people depending on what they share: the binary encoding
//! ([`Level::Wire`]), the binary and the JSON encodings ([`Level::WireJson`]), or the generated code
//! ([`Level::Package`], where code is generated per package, and [`Level::File`], where each file
//! becomes its own module or class, the default). Every check here knows at which levels its change
//! breaks someone; the comparison reports a change only when the chosen level is one of them.
//!
//! Declarations pair by fully-qualified name, fields by number, enum values by number and RPCs by
//! name, whichever file they live in: a message moved to another file is the same message, and
//! only the `file` level (whose generated code moves with it) calls that a break. Deletions are
//! judged per file at `file` level and per package at `package` level.
//!
//! Each check follows one of buf's breaking rules (named in the rule's explanation and in
//! `docs/protobuf-compatibility.md`), so a team moving from `buf breaking` keeps the same gate.

pub mod buf_rules;
mod enums;
mod fields;
mod files;
mod index;
mod messages;
mod services;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value as Json;

use crate::finding::{Finding, RuleMeta};
use crate::model::{
    Contract, EnumValue, Field, Format, JsonMap, Location, NamedType, Pos, ProtoExtension, ProtoFile, Rpc, Service,
    TypeKind, TypeOrigin,
};
use buf_rules::Gate;
use index::*;

crate::finding::rule_set! {
    PACKAGE_REMOVED = "proto-package-removed", Error,
        "Every file of a Protobuf package was removed or moved to another package.",
        "Code generated per package (Go, Java with `java_multiple_files`) has nothing left to import: every user of the package stops compiling. Example: the only file declaring `package acme.billing.v1;` was deleted. Level: package (buf PACKAGE_NO_DELETE); at file level the same change is reported per file.";
    DECLARATION_MOVED = "proto-declaration-moved", Error,
        "A message, enum, service or extension moved to another file.",
        "The fully-qualified name is unchanged, so the wire and JSON encodings are too, but languages that generate one module per file (Python, C++ headers, Java outer classes) now find the type in another module: imports break. Example: `message Money` moved from `orders.proto` to `common.proto`. Level: file (buf MESSAGE_NO_DELETE, ENUM_NO_DELETE, SERVICE_NO_DELETE, EXTENSION_NO_DELETE).";
    SERVICE_REMOVED = "proto-service-removed", Error,
        "A service was removed.",
        "Clients calling any of its RPCs get UNIMPLEMENTED, and generated client stubs disappear. Example: `service Billing` was deleted from `billing.proto`. Levels: file (buf SERVICE_NO_DELETE), package (PACKAGE_SERVICE_NO_DELETE).";
    RPC_REMOVED = "proto-rpc-removed", Error,
        "An RPC was removed from a service.",
        "Clients still calling it get UNIMPLEMENTED, and code calling the generated stub method no longer compiles. Example: `rpc DeleteOrder` was removed from `service Orders`. Levels: file, package (buf RPC_NO_DELETE).";
    EXTENSION_REMOVED = "proto-extension-removed", Error,
        "An extension was removed.",
        "Code reading or setting the extension through its generated accessor no longer compiles, and custom options declared with it can no longer be parsed. Example: `extend google.protobuf.FieldOptions { bool pii = 50001; }` was deleted. Levels: file (buf EXTENSION_NO_DELETE), package (PACKAGE_EXTENSION_NO_DELETE).";
    ONEOF_REMOVED = "proto-oneof-removed", Error,
        "A oneof was removed from a message.",
        "Generated code exposes a oneof as a case enum and accessors; code using them no longer compiles. Example: `oneof payment { ... }` disappeared from `message Order`. Levels: file, package (buf ONEOF_NO_DELETE).";
    EXTENSION_RANGE_REMOVED = "proto-extension-range-removed", Error,
        "Numbers were removed from a message's extension ranges.",
        "Extensions declared elsewhere with those numbers no longer compile against the message. Example: `extensions 100 to 199;` became `extensions 100 to 149;`. Levels: file, package (buf EXTENSION_MESSAGE_NO_DELETE).";
    RESERVED_REMOVED = "proto-reserved-removed", Error,
        "A reserved field number, range or name was removed from a message or enum.",
        "Reservations keep deleted numbers and names from being reused; without them a new field can take an old number and old data decodes as the wrong field. Example: `reserved 4, 9 to 11;` became `reserved 4;`. Every level (buf RESERVED_MESSAGE_NO_DELETE, RESERVED_ENUM_NO_DELETE).";
    FIELD_REMOVED = "proto-field-removed", Error,
        "A field was removed from a message.",
        "At wire level a removal is safe only when the number is reserved, since a later field reusing it would misread old data; JSON also needs the name reserved, since JSON carries names. Generated code loses the accessor whatever is reserved. Example: `string fax = 14;` deleted without `reserved 14;`. Levels: wire (buf FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED), wire-json (also FIELD_NO_DELETE_UNLESS_NAME_RESERVED), package and file (FIELD_NO_DELETE).";
    FIELD_NUMBER_CHANGED = "proto-field-number-changed", Error,
        "A field kept its name but got another number.",
        "The number is the field's identity on the wire: old data carries the value under the old number, which new readers skip or read as another field. Example: `string email = 3;` became `string email = 7;`. Judged like a removal of the old number (buf FIELD_NO_DELETE and its UNLESS_NUMBER_RESERVED / UNLESS_NAME_RESERVED variants).";
    FIELD_WIRE_TYPE_CHANGED = "proto-field-wire-type-changed", Error,
        "A field's type changed to one with another binary encoding.",
        "Old bytes decode as garbage or fail to parse. Wire-compatible groups are int32/uint32/int64/uint64/bool, sint32/sint64, fixed32/sfixed32, fixed64/sfixed64, and string to bytes; a change of message or enum type is reported too, since nothing proves the two compatible. Example: `int64 id = 1;` became `string id = 1;`. Every level (buf FIELD_WIRE_COMPATIBLE_TYPE, FIELD_WIRE_JSON_COMPATIBLE_TYPE, FIELD_SAME_TYPE).";
    FIELD_JSON_TYPE_CHANGED = "proto-field-json-type-changed", Error,
        "A field's type changed to one that is wire-compatible but written differently in JSON.",
        "The binary encoding survives, but JSON does not: int64 is a string in JSON and int32 a number, bytes are base64. Example: `int32 count = 2;` became `int64 count = 2;`. Levels: wire-json, package, file (buf FIELD_WIRE_JSON_COMPATIBLE_TYPE, FIELD_SAME_TYPE).";
    FIELD_TYPE_CHANGED = "proto-field-type-changed", Error,
        "A field's declared type changed without changing its wire or JSON encoding.",
        "Data still decodes, but generated code changes its accessor types (`int32` to `uint32`, `fixed32` to `sfixed32`, an enum to a compatible copy of it): callers stop compiling. Levels: package, file (buf FIELD_SAME_TYPE).";
    FIELD_CARDINALITY_CHANGED = "proto-field-cardinality-changed", Error,
        "A field changed between singular, required, repeated and map.",
        "Readers of the old shape misread or reject the new one: a repeated value read as singular keeps only the last element, a required field now missing fails to parse. Maps and repeated fields share the wire format but not JSON. Example: `string tag = 4;` became `repeated string tag = 4;`. Levels: every level for singular/required/repeated, wire-json and up for repeated/map (buf FIELD_WIRE_COMPATIBLE_CARDINALITY, FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY, FIELD_SAME_CARDINALITY).";
    FIELD_PRESENCE_CHANGED = "proto-field-presence-changed", Error,
        "A field changed between explicit presence (`optional`, has-methods) and implicit presence.",
        "The encoding is the same, but generated code gains or loses `has_x()` and nullable accessors, and an explicitly set zero is no longer told apart from unset. Example: `int32 retries = 5;` became `optional int32 retries = 5;`. Levels: package, file (buf FIELD_SAME_CARDINALITY).";
    FIELD_RENAMED = "proto-field-renamed", Error,
        "A field kept its number but changed its name.",
        "Binary data is unaffected, but JSON and text format carry names, and generated accessors are named after the field. Example: `string mail = 3;` became `string email = 3;`. Levels: wire-json, package, file (buf FIELD_SAME_NAME).";
    FIELD_JSON_NAME_CHANGED = "proto-field-json-name-changed", Error,
        "A field's JSON name changed.",
        "JSON readers look the value up under the old name and miss it. The JSON name is the lowerCamelCase field name unless `json_name` sets it. Example: `[json_name = \"mail\"]` became `[json_name = \"email\"]`. Levels: wire-json, package, file (buf FIELD_SAME_JSON_NAME).";
    FIELD_ONEOF_CHANGED = "proto-field-oneof-changed", Error,
        "A field moved into, out of, or between oneofs.",
        "Setting a member of a oneof clears the others: data written under one layout loses values when read under the other. Example: `string email = 3;` moved into `oneof contact`. Every level (buf FIELD_SAME_ONEOF).";
    FIELD_CTYPE_CHANGED = "proto-field-ctype-changed", Error,
        "A string or bytes field changed its C++ string type (`ctype`, `(pb.cpp).string_type`).",
        "Generated C++ accessors change type (`std::string` to `absl::Cord`), and callers stop compiling. Moving from STRING_PIECE to STRING is allowed. Levels: package, file (buf FIELD_SAME_CPP_STRING_TYPE).";
    FIELD_JSTYPE_CHANGED = "proto-field-jstype-changed", Error,
        "A 64-bit integer field changed its `jstype`.",
        "Generated JavaScript represents the value as a string or as a number depending on `jstype`: code reading it breaks. Example: `int64 id = 1 [jstype = JS_STRING];` lost its option. Levels: package, file (buf FIELD_SAME_JSTYPE).";
    FIELD_UTF8_VALIDATION_CHANGED = "proto-field-utf8-validation-changed", Error,
        "A string field changed whether its UTF-8 is validated (editions `utf8_validation`, Java `java_string_check_utf8`, or a syntax change).",
        "Parsers that validate reject data that parsers that do not validate accepted, so a message valid for one side fails to parse on the other. Example: `syntax = \"proto2\"` (no validation) became `proto3` (validated). Levels: package, file (buf FIELD_SAME_UTF8_VALIDATION, FIELD_SAME_JAVA_UTF8_VALIDATION).";
    REQUIRED_FIELDS_CHANGED = "proto-required-fields-changed", Error,
        "A required field was added to or removed from a message.",
        "A required field must be present on both sides: a reader that requires a field the writer does not know rejects every message. Example: `required string id = 1;` added to a proto2 message. Every level (buf MESSAGE_SAME_REQUIRED_FIELDS).";
    ENUM_VALUE_RENAMED = "proto-enum-value-renamed", Error,
        "An enum number got another name.",
        "The binary encoding carries numbers, but JSON and text format carry names: readers of the old name reject the new one. Example: `STATUS_OK = 1;` became `STATUS_SUCCESS = 1;`. Levels: wire-json, package, file (buf ENUM_VALUE_SAME_NAME).";
    ENUM_TYPE_CHANGED = "proto-enum-type-changed", Error,
        "An enum changed between open and closed.",
        "Closed enums (proto2, or editions `enum_type = CLOSED`) put unknown values into unknown fields; open enums keep them in the field. Code that checks for unknown values behaves differently. Example: an enum moved from a proto2 file to proto3. Levels: package, file (buf ENUM_SAME_TYPE).";
    JSON_FORMAT_CHANGED = "proto-json-format-changed", Error,
        "A message or enum no longer fully supports JSON (editions `json_format`).",
        "With `json_format = LEGACY_BEST_EFFORT` the JSON mapping is no longer guaranteed to be valid, so JSON users can break. Levels: wire-json, package, file (buf MESSAGE_SAME_JSON_FORMAT, ENUM_SAME_JSON_FORMAT).";
    DESCRIPTOR_ACCESSOR_REMOVED = "proto-descriptor-accessor-removed", Error,
        "A message set `no_standard_descriptor_accessor = true`.",
        "Generated code no longer has the standard `descriptor()` accessor, and callers stop compiling. Levels: package, file (buf MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR).";
    MESSAGE_SET_WIRE_FORMAT_CHANGED = "proto-message-set-wire-format-changed", Error,
        "A message changed its `message_set_wire_format` option.",
        "A message set is encoded as groups of type id and message, not as ordinary fields: the two encodings cannot read each other. Every level (buf's retired MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT; current buf no longer checks it).";
    RPC_REQUEST_TYPE_CHANGED = "proto-rpc-request-type-changed", Error,
        "An RPC's request message type changed.",
        "Clients keep sending the old message; the server decodes it as the new one. Example: `rpc Get(GetRequest)` became `rpc Get(FetchRequest)`. Every level (buf RPC_SAME_REQUEST_TYPE).";
    RPC_RESPONSE_TYPE_CHANGED = "proto-rpc-response-type-changed", Error,
        "An RPC's response message type changed.",
        "Clients decode the new response as the old message. Every level (buf RPC_SAME_RESPONSE_TYPE).";
    RPC_STREAMING_CHANGED = "proto-rpc-streaming-changed", Error,
        "An RPC changed between unary and streaming on the client or server side.",
        "The call shape on the wire changes: old clients and servers cannot talk to new ones. Example: `returns (Order)` became `returns (stream Order)`. Every level (buf RPC_SAME_CLIENT_STREAMING, RPC_SAME_SERVER_STREAMING).";
    RPC_IDEMPOTENCY_CHANGED = "proto-rpc-idempotency-changed", Error,
        "An RPC's `idempotency_level` changed.",
        "Clients, proxies and gRPC-Web use it to decide whether a call may be retried or sent as HTTP GET: changing it changes how calls reach the server. Every level (buf RPC_SAME_IDEMPOTENCY_LEVEL).";
    HTTP_BINDING_CHANGED = "proto-http-binding-changed", Error,
        "A REST route of an RPC (`google.api.http`) was removed or changed.",
        "HTTP/JSON clients going through a gateway or transcoder call the route, not the RPC: a changed verb, path or body mapping makes their requests fail with 404 or lose fields. Example: `get: \"/v1/orders/{id}\"` became `get: \"/v1/orders/{order_id}\"`. Level: file (beyond buf, which does not check HTTP annotations).";
    FILE_PACKAGE_CHANGED = "proto-file-package-changed", Error,
        "A file's package changed.",
        "Every fully-qualified name in the file changes: type URLs in `Any`, gRPC method paths (`/acme.v1.Orders/Get`) and generated import paths all move. Example: `package acme.v1;` became `package acme.v2;`. Every level (buf FILE_SAME_PACKAGE).";
    FILE_SYNTAX_CHANGED = "proto-file-syntax-changed", Error,
        "A file's syntax changed (proto2, proto3, editions).",
        "Syntax decides field presence, enum openness, UTF-8 validation and defaults, so generated code changes. Example: `syntax = \"proto2\";` became `syntax = \"proto3\";`. Levels: package, file (buf FILE_SAME_SYNTAX).";
    FILE_OPTION_CHANGED = "proto-file-option-changed", Error,
        "A file option that shapes generated code changed (`go_package`, `java_package`, `java_multiple_files`, `csharp_namespace`, `optimize_for`, ...).",
        "Generated code moves to another package, namespace or class, or changes its API: every importer breaks. Example: `option go_package = \"acme/v1;acmev1\";` became `\"acme/api/v1;acmev1\"`. Levels: package, file (buf FILE_SAME_GO_PACKAGE, FILE_SAME_JAVA_PACKAGE and the other FILE_SAME_* option rules).";
}

/// How strictly Protobuf changes are judged: the levels buf's breaking categories defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Level {
    /// Changes that break the binary encoding (buf WIRE).
    Wire,
    /// Changes that break the binary or the JSON encoding (buf WIRE_JSON).
    WireJson,
    /// Changes that break code generated per package (buf PACKAGE).
    Package,
    /// Changes that break code generated per file (buf FILE): the default.
    #[default]
    File,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Wire => "wire",
            Level::WireJson => "wire-json",
            Level::Package => "package",
            Level::File => "file",
        }
    }
}

/// One set of rules, with the files and packages it does not report on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Which rules apply: the rules of a `--proto-level`, or those a buf.yaml selects.
    pub gate: Gate,
    /// A buf.yaml's `ignore`, `ignore_only` and `ignore_unstable_packages`.
    pub ignores: ProtoIgnores,
}

/// What the Protobuf comparison needs beyond the contracts.
#[derive(Debug, Clone)]
pub struct ProtoOptions {
    /// The rule sets that apply: a change any of them reports is reported. The first is the
    /// `--proto-level` or the buf.yaml's own section; a buf.yaml's local policies follow.
    pub policies: Vec<Policy>,
    /// Packages declared by `.proto` files left out of both sides because they are identical
    /// there (see [`crate::load::prune`]): they still count as present when judging package
    /// deletions.
    pub unchanged_packages: BTreeSet<String>,
    /// How many files were left out that way.
    pub unchanged_files: usize,
}

impl Default for ProtoOptions {
    /// The file level, nothing left out.
    fn default() -> Self {
        ProtoOptions {
            policies: vec![Policy::default()],
            unchanged_packages: BTreeSet::new(),
            unchanged_files: 0,
        }
    }
}

/// What a Protobuf comparison leaves out, by file (import names, `acme/v1/orders.proto`) and
/// package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtoIgnores {
    /// Files and directories (import names or their leading directories) no rule reports on.
    pub paths: Vec<String>,
    /// A rule id or category name, with the files and directories it does not report on.
    pub only: Vec<(String, Vec<String>)>,
    /// Leave out packages whose last component is `v1alpha1`, `v2beta`, `v1test`, ...
    pub unstable_packages: bool,
}

/// Whether the import name `file` is `path` or lies under the directory `path`.
fn under(file: &str, path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path.is_empty() || path == "." || file == path || file.strip_prefix(path).is_some_and(|rest| rest.starts_with('/'))
}

impl ProtoIgnores {
    /// Whether a change violating `rules` (those the gate enables) in `file` of `package` is left
    /// out.
    fn skips(&self, rules: &[&str], file: &str, package: &str) -> bool {
        if self.unstable_packages && buf_rules::unstable_package(package) {
            return true;
        }
        if self.paths.iter().any(|p| under(file, p)) {
            return true;
        }
        !rules.is_empty()
            && rules.iter().all(|rule| {
                self.only.iter().any(|(key, paths)| {
                    let applies = key == rule
                        || buf_rules::Category::parse(key).is_some_and(|c| buf_rules::categories(rule).contains(&c));
                    applies && paths.iter().any(|p| under(file, p))
                })
            })
    }
}

/// Compares the Protobuf contracts of two versions under `opts.policies`.
/// `bases` are the directories the two sides were read from (display paths, empty for none):
/// ignored paths are relative to them.
pub fn diff<'a>(
    old: impl IntoIterator<Item = &'a Contract>,
    new: impl IntoIterator<Item = &'a Contract>,
    opts: &ProtoOptions,
    bases: [&str; 2],
) -> Vec<Finding> {
    let old: Vec<&Contract> = old.into_iter().filter(|c| c.format == Format::Protobuf).collect();
    let new: Vec<&Contract> = new.into_iter().filter(|c| c.format == Format::Protobuf).collect();
    // One file on each side: they are the pair whatever their names (`diff a.proto b.proto`).
    let rename = match (old.as_slice(), new.as_slice()) {
        ([o], [n]) if o.name != n.name && opts.unchanged_files == 0 => Some((n.name.as_str(), o.name.as_str())),
        _ => None,
    };
    let old_side = Index::new(&old, None);
    let new_side = Index::new(&new, rename);
    let mut run = Run {
        old: &old_side,
        new: &new_side,
        policies: &opts.policies,
        bases,
        unchanged_packages: &opts.unchanged_packages,
        findings: Vec::new(),
    };
    run.files();
    run.packages();
    run.messages();
    run.extensions();
    run.enums();
    run.services();
    run.findings
}

// ---------------------------------------------------------------------------------------------
// The checks: one run over both sides' indexes. Its methods live beside the declarations they
// check (files, messages, fields, enums, services).

struct Run<'r, 'a> {
    old: &'r Index<'a>,
    new: &'r Index<'a>,
    policies: &'r [Policy],
    /// The directories the old and new sides were read from (display paths).
    bases: [&'r str; 2],
    unchanged_packages: &'r BTreeSet<String>,
    findings: Vec<Finding>,
}

fn option_text(value: Option<&Json>, default: &str) -> String {
    match value {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
        None => default.to_string(),
    }
}

impl<'a> Run<'_, 'a> {
    /// Whether a policy applies one of `rules`.
    fn any_gate(&self, rules: &[&str]) -> bool {
        self.policies.iter().any(|p| p.gate.any(rules))
    }

    /// Where a change is, for the ignores: the file's path under the directory its side was read
    /// from (else its import name), and its package.
    fn place(&self, old: Option<&Location>, new: &Location) -> (Option<String>, &'a str) {
        let file = self
            .new
            .file_at(new)
            .or_else(|| self.old.file_at(new))
            .or_else(|| old.and_then(|o| self.old.file_at(o)));
        let under_base = |at: &Location| {
            self.bases.iter().find_map(|base| {
                let base = base.trim_end_matches('/');
                if base.is_empty() || base == "." {
                    let relative = !at.file.starts_with('/') && !at.file.starts_with("../");
                    return relative.then(|| at.file.to_string());
                }
                at.file.strip_prefix(base)?.strip_prefix('/').map(str::to_string)
            })
        };
        let shown = under_base(new).or_else(|| file.map(|f| f.name.to_string()));
        (shown, file.map_or("", |f| f.facts.package.as_str()))
    }

    /// Records a change that violates the buf rules `rules`, if a policy applies one of them and
    /// does not leave out the file it is in.
    // Every call needs what broke (rule, buf rules), where (path, both locations) and why (message).
    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        rule: &'static RuleMeta,
        rules: &[&'static str],
        path: &str,
        message: String,
        old: Option<&Location>,
        new: &Location,
    ) {
        debug_assert!(
            rules.iter().all(|r| buf_rules::buf_rules_of(rule).contains(r)),
            "{} is reported under {rules:?}, which buf_rules::REPORTED does not give it",
            rule.id
        );
        if !self.any_gate(rules) {
            return;
        }
        // Where the change is matters only to a policy that leaves something out.
        if self.policies.iter().any(|p| p.ignores != ProtoIgnores::default()) {
            let (shown, package) = self.place(old, new);
            let reported = self.policies.iter().any(|p| {
                let enabled: Vec<&str> = rules.iter().copied().filter(|r| p.gate.enables(r)).collect();
                !enabled.is_empty()
                    && !shown
                        .as_deref()
                        .is_some_and(|shown| p.ignores.skips(&enabled, shown, package))
            });
            if !reported {
                return;
            }
        }
        let mut f = Finding::new(rule, message, new.clone()).with_path(path);
        f.old_location = old.cloned();
        self.findings.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_entries_are_named_as_protoc_names_them() {
        assert_eq!(map_entry_name("labels"), "LabelsEntry");
        assert_eq!(map_entry_name("foo_bar_2"), "FooBar2Entry");
        assert_eq!(map_entry_name("_x"), "XEntry");
    }

    #[test]
    fn uncovered_ranges_are_what_the_new_ranges_miss() {
        assert_eq!(uncovered(&[(1, 10)], &[(1, 3), (5, 10)]), vec![(4, 4)]);
        assert_eq!(uncovered(&[(1, 10)], &[(0, 20)]), vec![]);
        assert_eq!(uncovered(&[(5, 5), (7, 9)], &[]), vec![(5, 5), (7, 9)]);
        assert_eq!(uncovered(&[(1, 10)], &[(3, 4), (8, 8)]), vec![(1, 2), (5, 7), (9, 10)]);
        assert_eq!(uncovered(&[(1, i32::MAX)], &[(1, i32::MAX)]), vec![]);
    }

    #[test]
    fn wire_groups_follow_the_protobuf_guide() {
        let k = |s| Kind::Scalar(s);
        assert_eq!(k("int32").wire_group(), k("bool").wire_group());
        assert_eq!(k("sint32").wire_group(), k("sint64").wire_group());
        assert_ne!(k("int32").wire_group(), k("sint32").wire_group());
        assert_eq!(k("fixed32").wire_group(), k("sfixed32").wire_group());
        assert_ne!(k("int32").wire_json_group(), k("int64").wire_json_group());
        assert_eq!(k("int64").wire_json_group(), k("uint64").wire_json_group());
    }

    #[test]
    fn defaults_compare_by_value() {
        let n = |v: Json, kind| DefaultValue::of_scalar(kind, Some(&v));
        assert!(n(Json::from(1), "int32").same(&n(Json::from(1), "int64")));
        assert!(n(Json::Bool(true), "bool").same(&n(Json::from(1), "int32")));
        assert!(!n(Json::from(2), "int32").same(&n(Json::from(1), "int32")));
        assert!(DefaultValue::of_scalar("string", None).is_zero());
        assert_eq!(base64_decode("aGk=").as_deref(), Some("hi"));
        assert!(n(Json::String("NaN".into()), "double").same(&n(Json::String("NaN".into()), "float")));
    }
}

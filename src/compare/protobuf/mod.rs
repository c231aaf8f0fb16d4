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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value as Json;

use crate::finding::{Finding, RuleMeta};
use crate::model::{
    Contract, EnumValue, Field, Format, JsonMap, Location, NamedType, Pos, ProtoExtension, ProtoFile, Rpc, Service,
    TypeKind, TypeOrigin,
};
use buf_rules::Gate;

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
// One side, indexed by name.

/// A field's type as its encoding sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Scalar(&'static str),
    Enum(String),
    Message(String),
    /// A group, or a message field with editions `message_encoding = DELIMITED`.
    Group(String),
}

impl Kind {
    fn name(&self) -> &str {
        match self {
            Kind::Scalar(s) => s,
            Kind::Enum(_) => "enum",
            Kind::Message(_) => "message",
            Kind::Group(_) => "group",
        }
    }

    fn type_name(&self) -> Option<&str> {
        match self {
            Kind::Scalar(_) => None,
            Kind::Enum(n) | Kind::Message(n) | Kind::Group(n) => Some(n),
        }
    }

    fn describe(&self) -> String {
        match self.type_name() {
            Some(n) => format!("{} {n}", self.name()),
            None => self.name().to_string(),
        }
    }

    /// Groups of kinds whose binary encodings can read each other.
    fn wire_group(&self) -> u8 {
        match self {
            Kind::Scalar("int32" | "int64" | "uint32" | "uint64" | "bool") => 1,
            Kind::Scalar("sint32" | "sint64") => 2,
            Kind::Scalar("string") => 3,
            Kind::Scalar("bytes") => 4,
            Kind::Scalar("fixed32" | "sfixed32") => 5,
            Kind::Scalar("fixed64" | "sfixed64") => 6,
            Kind::Scalar("double") => 7,
            Kind::Scalar("float") => 8,
            Kind::Group(_) => 9,
            Kind::Message(_) => 10,
            Kind::Enum(_) => 11,
            Kind::Scalar(_) => 0,
        }
    }

    /// Groups of kinds whose binary and JSON encodings can both read each other.
    fn wire_json_group(&self) -> u8 {
        match self {
            Kind::Scalar("int32" | "uint32") => 1,
            Kind::Scalar("int64" | "uint64") => 2,
            Kind::Scalar("fixed32" | "sfixed32") => 3,
            Kind::Scalar("fixed64" | "sfixed64") => 4,
            Kind::Scalar("bool") => 5,
            Kind::Scalar("sint32") => 6,
            Kind::Scalar("sint64") => 7,
            Kind::Scalar("string") => 8,
            Kind::Scalar("bytes") => 9,
            Kind::Scalar("double") => 10,
            Kind::Scalar("float") => 11,
            Kind::Group(_) => 12,
            Kind::Message(_) => 13,
            Kind::Enum(_) => 14,
            Kind::Scalar(_) => 0,
        }
    }

    fn is_64_bit_integer(&self) -> bool {
        matches!(
            self,
            Kind::Scalar("int64" | "sint64" | "uint64" | "fixed64" | "sfixed64")
        )
    }
}

const SCALARS: [&str; 15] = [
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32",
    "sfixed64", "bool", "string", "bytes",
];

/// Whether a field holds one value (with or without presence), must hold one, or holds many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cardinality {
    Explicit,
    Implicit,
    Required,
    Repeated,
    Map,
}

impl Cardinality {
    fn as_str(self) -> &'static str {
        match self {
            Cardinality::Explicit => "optional with explicit presence",
            Cardinality::Implicit => "optional with implicit presence",
            Cardinality::Required => "required",
            Cardinality::Repeated => "repeated",
            Cardinality::Map => "map",
        }
    }

    fn wire_group(self) -> u8 {
        match self {
            Cardinality::Explicit | Cardinality::Implicit => 1,
            Cardinality::Required => 2,
            Cardinality::Repeated | Cardinality::Map => 3,
        }
    }

    fn wire_json_group(self) -> u8 {
        match self {
            Cardinality::Map => 4,
            c => c.wire_group(),
        }
    }
}

/// A field (or an extension, or a synthesized map-entry field) as the checks see it.
#[derive(Debug)]
struct FieldView<'a> {
    /// The short name; an extension's full name.
    name: &'a str,
    number: i32,
    json_name: &'a str,
    kind: Kind,
    cardinality: Cardinality,
    oneof: Option<&'a str>,
    default: Option<&'a Json>,
    options: Option<&'a JsonMap>,
    location: &'a Location,
    extension: bool,
    map_entry: bool,
}

/// A message: declared, or the entry message protoc generates for a map field.
#[derive(Debug)]
struct MessageView<'a> {
    file: usize,
    /// Fully-qualified name.
    name: String,
    declared: Option<&'a NamedType>,
    fields: Vec<FieldView<'a>>,
    location: &'a Location,
}

impl MessageView<'_> {
    fn options(&self) -> Option<&JsonMap> {
        self.declared.and_then(|t| t.proto.as_ref()).map(|p| &p.options)
    }
}

#[derive(Debug)]
struct EnumView<'a> {
    file: usize,
    declared: &'a NamedType,
    values: &'a [EnumValue],
}

#[derive(Debug)]
struct FileView<'a> {
    /// The file's import name (`acme/v1/orders.proto`).
    name: &'a str,
    facts: &'a ProtoFile,
    /// `2023` for an editions file.
    edition: Option<&'a str>,
    location: Location,
}

impl FileView<'_> {
    fn option(&self, name: &str) -> Option<&Json> {
        self.facts.options.get(name)
    }

    fn editions(&self) -> bool {
        self.facts.syntax == "editions"
    }
}

/// One side's Protobuf declarations by fully-qualified name.
struct Index<'a> {
    files: Vec<FileView<'a>>,
    by_file_name: HashMap<&'a str, usize>,
    messages: BTreeMap<String, MessageView<'a>>,
    enums: BTreeMap<&'a str, EnumView<'a>>,
    services: BTreeMap<&'a str, (usize, &'a Service)>,
    extensions: BTreeMap<&'a str, (usize, &'a ProtoExtension)>,
    /// Package name to the files declaring it.
    packages: BTreeMap<&'a str, Vec<usize>>,
    /// Each file's declarations: (kind, name relative to the package, full name).
    declarations: Vec<Vec<(DeclKind, String, String)>>,
}

impl<'a> Index<'a> {
    /// `rename` gives one file the name of its counterpart on the other side.
    fn new(contracts: &[&'a Contract], rename: Option<(&'a str, &'a str)>) -> Self {
        let mut index = Index {
            files: Vec::new(),
            by_file_name: HashMap::new(),
            messages: BTreeMap::new(),
            enums: BTreeMap::new(),
            services: BTreeMap::new(),
            extensions: BTreeMap::new(),
            packages: BTreeMap::new(),
            declarations: Vec::new(),
        };
        for contract in contracts {
            for (name, facts) in &contract.proto_files {
                let display = contract.files.first().map(String::as_str).unwrap_or(name);
                let name = match rename {
                    Some((from, to)) if from == name => to,
                    _ => name.as_str(),
                };
                if index.by_file_name.contains_key(name) {
                    continue;
                }
                let file = index.files.len();
                index.by_file_name.insert(name, file);
                index.packages.entry(facts.package.as_str()).or_default().push(file);
                let edition = contract
                    .format_version
                    .as_deref()
                    .and_then(|v| v.strip_prefix("editions "));
                index.files.push(FileView {
                    name,
                    facts,
                    edition,
                    location: Location::new(display, "", Pos::default()),
                });
                for service in &contract.services {
                    index.services.entry(service.name.as_str()).or_insert((file, service));
                }
                for extension in &facts.extensions {
                    index
                        .extensions
                        .entry(extension.full_name.as_str())
                        .or_insert((file, extension));
                }
                for ty in contract.types.values() {
                    match (&ty.origin, &ty.ty.kind) {
                        (TypeOrigin::Enum, TypeKind::Enum { values }) => {
                            index.enums.entry(ty.id.as_str()).or_insert(EnumView {
                                file,
                                declared: ty,
                                values,
                            });
                        }
                        (TypeOrigin::Message, TypeKind::Object(_)) => {}
                        _ => {}
                    }
                }
            }
        }
        // Messages need every enum of the side known (field kinds, defaults).
        for contract in contracts {
            let Some(file) = contract
                .proto_files
                .keys()
                .next()
                .and_then(|n| {
                    let n = match rename {
                        Some((from, to)) if from == n => to,
                        _ => n.as_str(),
                    };
                    index.by_file_name.get(n)
                })
                .copied()
            else {
                continue;
            };
            for ty in contract.types.values() {
                if let (TypeOrigin::Message, TypeKind::Object(object)) = (&ty.origin, &ty.ty.kind) {
                    if index.messages.contains_key(&ty.id) {
                        continue;
                    }
                    let mut fields = Vec::with_capacity(object.fields.len());
                    for f in &object.fields {
                        if let Some(view) = index.field_view(file, f, false) {
                            if view.cardinality == Cardinality::Map {
                                let entry = index.map_entry(file, &ty.id, f);
                                index.messages.entry(entry.name.clone()).or_insert(entry);
                            }
                            fields.push(view);
                        }
                    }
                    index.messages.insert(
                        ty.id.clone(),
                        MessageView {
                            file,
                            name: ty.id.clone(),
                            declared: Some(ty),
                            fields,
                            location: &ty.location,
                        },
                    );
                }
            }
        }
        index.index_declarations();
        index
    }

    fn field_view(&self, file: usize, field: &'a Field, extension: bool) -> Option<FieldView<'a>> {
        let proto = field.proto.as_ref()?;
        let map = proto.proto_type.starts_with("map<");
        let cardinality = match proto.label.as_str() {
            "repeated" if map => Cardinality::Map,
            "repeated" => Cardinality::Repeated,
            "required" => Cardinality::Required,
            "singular" => Cardinality::Implicit,
            _ => Cardinality::Explicit,
        };
        let kind = if map {
            // The entry message protoc generates: `labels` holds `LabelsEntry`.
            let parent = field.location.pointer.rsplit_once('.').map_or("", |(p, _)| p);
            Kind::Message(format!("{parent}.{}", map_entry_name(&field.name)))
        } else {
            self.kind_of(file, &proto.proto_type, proto.enum_type, proto.group, &proto.options)
        };
        Some(FieldView {
            name: &field.name,
            number: proto.number,
            json_name: &proto.json_name,
            kind,
            cardinality,
            oneof: proto.oneof.as_deref(),
            default: field.ty.default.as_deref(),
            options: Some(&proto.options),
            location: &field.location,
            extension,
            map_entry: false,
        })
    }

    fn kind_of(&self, file: usize, proto_type: &str, is_enum: bool, group: bool, options: &JsonMap) -> Kind {
        if let Some(scalar) = SCALARS.iter().find(|s| **s == proto_type) {
            return Kind::Scalar(scalar);
        }
        let name = proto_type.trim_start_matches('.').to_string();
        if is_enum || self.enums.contains_key(name.as_str()) {
            Kind::Enum(name)
        } else if group || self.delimited(file, options) {
            Kind::Group(name)
        } else {
            Kind::Message(name)
        }
    }

    /// Editions `message_encoding = DELIMITED` on the field or as the file's default.
    fn delimited(&self, file: usize, options: &JsonMap) -> bool {
        let Some(f) = self.files.get(file) else { return false };
        if !f.editions() {
            return false;
        }
        let feature = |o: &JsonMap| {
            o.get("features")
                .and_then(|x| x.get("message_encoding"))
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        feature(options)
            .or_else(|| feature(&f.facts.options))
            .is_some_and(|v| v == "DELIMITED")
    }

    /// The entry message of a map field, with its `key` (1) and `value` (2) fields.
    fn map_entry(&self, file: usize, message: &str, field: &'a Field) -> MessageView<'a> {
        let proto_type = field.proto.as_ref().map(|p| p.proto_type.as_str()).unwrap_or("");
        let inner = proto_type
            .strip_prefix("map<")
            .and_then(|s| s.strip_suffix('>'))
            .unwrap_or("");
        let (key, value) = inner.split_once(',').unwrap_or((inner, ""));
        let value_is_enum = field.proto.as_ref().is_some_and(|p| p.enum_type);
        let no_options = None;
        let entry_field = |name: &'static str, number: i32, kind: Kind| FieldView {
            name,
            number,
            json_name: name,
            kind,
            cardinality: Cardinality::Explicit,
            oneof: None,
            default: None,
            options: no_options,
            location: &field.location,
            extension: false,
            map_entry: true,
        };
        let empty = JsonMap::new();
        MessageView {
            file,
            name: format!("{message}.{}", map_entry_name(&field.name)),
            declared: None,
            fields: vec![
                entry_field("key", 1, self.kind_of(file, key.trim(), false, false, &empty)),
                entry_field(
                    "value",
                    2,
                    self.kind_of(file, value.trim(), value_is_enum, false, &empty),
                ),
            ],
            location: &field.location,
        }
    }

    fn file(&self, index: usize) -> Option<&FileView<'a>> {
        self.files.get(index)
    }

    fn file_named(&self, name: &str) -> Option<&FileView<'a>> {
        self.by_file_name.get(name).and_then(|i| self.files.get(*i))
    }

    /// The file a location is in: the one whose import name ends the location's path (the
    /// longest, should two).
    fn file_at(&self, at: &Location) -> Option<&FileView<'a>> {
        let path = at.file.replace('\\', "/");
        self.files
            .iter()
            .filter(|f| path == f.name || path.strip_suffix(f.name).is_some_and(|rest| rest.ends_with('/')))
            .max_by_key(|f| f.name.len())
    }

    /// A declaration's name relative to its file's package.
    fn nested_name<'n>(&self, file: usize, full_name: &'n str) -> &'n str {
        let package = self.file(file).map_or("", |f| f.facts.package.as_str());
        if package.is_empty() {
            full_name
        } else {
            full_name
                .strip_prefix(package)
                .and_then(|r| r.strip_prefix('.'))
                .unwrap_or(full_name)
        }
    }

    /// Every declaration of a file that buf pairs by nested name: (kind, nested name, full name).
    fn declarations_of(&self, file: usize) -> &[(DeclKind, String, String)] {
        self.declarations.get(file).map_or(&[], Vec::as_slice)
    }

    /// Fills [`Index::declarations`], once every declaration is indexed.
    fn index_declarations(&mut self) {
        let mut by_file: Vec<Vec<(DeclKind, String, String)>> = vec![Vec::new(); self.files.len()];
        let mut add = |file: usize, kind: DeclKind, full: &str| {
            if let Some(list) = by_file.get_mut(file) {
                list.push((kind, self.nested_name(file, full).to_string(), full.to_string()));
            }
        };
        for m in self.messages.values() {
            add(m.file, DeclKind::Message, &m.name);
        }
        for (name, e) in &self.enums {
            add(e.file, DeclKind::Enum, name);
        }
        for (name, (f, _)) in &self.services {
            add(*f, DeclKind::Service, name);
        }
        for (name, (f, _)) in &self.extensions {
            add(*f, DeclKind::Extension, name);
        }
        self.declarations = by_file;
    }

    fn declares(&self, kind: DeclKind, full_name: &str) -> Option<usize> {
        match kind {
            DeclKind::Message => self.messages.get(full_name).map(|m| m.file),
            DeclKind::Enum => self.enums.get(full_name).map(|e| e.file),
            DeclKind::Service => self.services.get(full_name).map(|(f, _)| *f),
            DeclKind::Extension => self.extensions.get(full_name).map(|(f, _)| *f),
        }
    }

    fn location_of(&self, kind: DeclKind, full_name: &str) -> Option<&Location> {
        match kind {
            DeclKind::Message => self.messages.get(full_name).map(|m| m.location),
            DeclKind::Enum => self.enums.get(full_name).map(|e| &e.declared.location),
            DeclKind::Service => self.services.get(full_name).map(|(_, s)| &s.location),
            DeclKind::Extension => self.extensions.get(full_name).map(|(_, e)| &e.field.location),
        }
    }

    /// Where a deleted declaration is reported on this side: its closest enclosing message that
    /// is still in `file`, else the file.
    fn anchor(&self, file: usize, full_name: &str) -> Location {
        let mut scope = full_name;
        while let Some((parent, _)) = scope.rsplit_once('.') {
            if let Some(m) = self.messages.get(parent)
                && m.file == file
                && m.declared.is_some()
            {
                return m.location.clone();
            }
            scope = parent;
        }
        self.file(file).map(|f| f.location.clone()).unwrap_or_default()
    }

    /// Resolves an editions feature for a declaration: its own options, the messages enclosing it
    /// (innermost first), then the file. `None` when nothing sets it.
    fn feature(&self, file: usize, scope: &str, own: Option<&JsonMap>, name: &str) -> Option<String> {
        self.feature_at(file, scope, own, &[name])
    }

    /// A field's UTF-8 validation: `VERIFY` or `NONE`.
    fn utf8_validation(&self, file: usize, message: &str, field: &FieldView) -> String {
        let Some(f) = self.file(file) else {
            return "NONE".into();
        };
        match f.facts.syntax.as_str() {
            "proto3" => "VERIFY".into(),
            "editions" => self
                .feature(
                    file,
                    &format!("{message}.{}", field.name),
                    field.options,
                    "utf8_validation",
                )
                .unwrap_or_else(|| "VERIFY".into()),
            _ => "NONE".into(),
        }
    }

    /// What Java checks for a string field: the standard validation, or VERIFY when
    /// `java_string_check_utf8` (or editions `(pb.java).utf8_validation`) asks for it.
    fn java_utf8_validation(&self, file: usize, message: &str, field: &FieldView) -> String {
        let standard = self.utf8_validation(file, message, field);
        let Some(f) = self.file(file) else { return standard };
        let check = f.option("java_string_check_utf8");
        if !f.editions() || check.is_some() {
            return if check.and_then(Json::as_bool) == Some(true) {
                "VERIFY".into()
            } else {
                standard
            };
        }
        let java = self.feature_ext(
            file,
            &format!("{message}.{}", field.name),
            field.options,
            "pb.java",
            "utf8_validation",
        );
        if java.as_deref() == Some("VERIFY") {
            "VERIFY".into()
        } else {
            standard
        }
    }

    /// Like [`Index::feature`] for a feature of a language extension (`pb.cpp`, `pb.java`).
    fn feature_ext(&self, file: usize, scope: &str, own: Option<&JsonMap>, ext: &str, name: &str) -> Option<String> {
        self.feature_at(file, scope, own, &[ext, name])
    }

    /// The feature at `path` under `features` (`["field_presence"]`, `["pb.java", "utf8_validation"]`),
    /// looked up on the declaration, its enclosing messages (innermost first), then the file.
    fn feature_at(&self, file: usize, scope: &str, own: Option<&JsonMap>, path: &[&str]) -> Option<String> {
        let get = |o: &JsonMap| {
            let mut v = o.get("features")?;
            for key in path {
                v = v.get(key)?;
            }
            v.as_str().map(str::to_string)
        };
        if let Some(v) = own.and_then(get) {
            return Some(v);
        }
        let mut s = scope;
        while let Some((parent, _)) = s.rsplit_once('.') {
            if let Some(v) = self.messages.get(parent).and_then(|m| m.options()).and_then(get) {
                return Some(v);
            }
            s = parent;
        }
        self.file(file).and_then(|f| get(&f.facts.options))
    }

    /// The C++ string type of a string or bytes field, and whether it is the legacy STRING_PIECE.
    fn cpp_string_type(&self, file: usize, message: &str, field: &FieldView) -> (String, bool) {
        let ctype = field.options.and_then(|o| o.get("ctype")).and_then(Json::as_str);
        let editions = self.file(file).is_some_and(|f| f.editions());
        let edition = self.file(file).and_then(|f| f.edition).unwrap_or("");
        if edition < "2024" || !editions {
            match ctype {
                Some("CORD") => return ("CORD".into(), false),
                Some("STRING_PIECE") => return ("STRING".into(), true),
                Some("STRING") => return ("STRING".into(), false),
                _ if !editions => return ("STRING".into(), false),
                _ => {}
            }
        }
        let feature = self.feature_ext(
            file,
            &format!("{message}.{}", field.name),
            field.options,
            "pb.cpp",
            "string_type",
        );
        let default = if edition >= "2024" { "VIEW" } else { "STRING" };
        (feature.unwrap_or_else(|| default.into()), false)
    }

    /// Whether an enum is closed: proto2, or editions `enum_type = CLOSED`.
    fn enum_closed(&self, name: &str, e: &EnumView) -> bool {
        let Some(f) = self.file(e.file) else { return false };
        match f.facts.syntax.as_str() {
            "proto3" => false,
            "editions" => {
                let own = e.declared.proto.as_ref().map(|p| &p.options);
                self.feature(e.file, name, own, "enum_type").as_deref() == Some("CLOSED")
            }
            _ => true,
        }
    }

    /// `ALLOW` or `LEGACY_BEST_EFFORT` for a message or enum.
    fn json_format(&self, file: usize, name: &str, own: Option<&JsonMap>) -> String {
        let Some(f) = self.file(file) else {
            return "ALLOW".into();
        };
        match f.facts.syntax.as_str() {
            "proto3" => "ALLOW".into(),
            "editions" => self
                .feature(file, name, own, "json_format")
                .unwrap_or_else(|| "ALLOW".into()),
            _ => "LEGACY_BEST_EFFORT".into(),
        }
    }

    /// The default a field reads as when unset, comparable across types; `None` when it cannot have
    /// one (repeated, maps, messages) or it is unknown (an enum defined in a file not loaded).
    fn default_of(&self, field: &FieldView) -> Option<DefaultValue> {
        if matches!(field.cardinality, Cardinality::Repeated | Cardinality::Map) {
            return None;
        }
        match &field.kind {
            Kind::Message(_) | Kind::Group(_) => None,
            Kind::Enum(name) => {
                let e = self.enums.get(name.as_str())?;
                let number = match field.default.and_then(Json::as_str) {
                    Some(value) => e.values.iter().find(|v| v.name == value)?.number?,
                    None => e.values.first()?.number?,
                };
                Some(DefaultValue::Number(f64::from(number), number.to_string()))
            }
            Kind::Scalar(s) => Some(DefaultValue::of_scalar(s, field.default)),
        }
    }
}

/// A default value as buf compares them: strings and bytes by content, everything else as a number.
#[derive(Debug, Clone, PartialEq)]
enum DefaultValue {
    Text(String),
    /// The value, and how to show it.
    Number(f64, String),
    NaN,
}

impl DefaultValue {
    fn of_scalar(kind: &str, value: Option<&Json>) -> DefaultValue {
        match kind {
            "string" | "bytes" => {
                let text = match value {
                    Some(Json::String(s)) if kind == "bytes" => base64_decode(s).unwrap_or_else(|| s.clone()),
                    Some(Json::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                DefaultValue::Text(text)
            }
            _ => match value {
                None => DefaultValue::Number(0.0, "0".into()),
                Some(Json::Bool(b)) => DefaultValue::Number(if *b { 1.0 } else { 0.0 }, b.to_string()),
                Some(Json::Number(n)) => {
                    // Integers beyond 2^53 keep their digits for display and compare exactly
                    // through their text when both sides are integers.
                    let f = n.as_f64().unwrap_or(0.0);
                    if kind == "float" {
                        // A float default widened to f64 is not exactly the f64 of its text.
                        DefaultValue::Number(f64::from(f as f32), n.to_string())
                    } else {
                        DefaultValue::Number(f, n.to_string())
                    }
                }
                Some(Json::String(s)) => match s.as_str() {
                    "NaN" => DefaultValue::NaN,
                    "Infinity" => DefaultValue::Number(f64::INFINITY, s.clone()),
                    "-Infinity" => DefaultValue::Number(f64::NEG_INFINITY, s.clone()),
                    _ => DefaultValue::Text(s.clone()),
                },
                Some(other) => DefaultValue::Text(other.to_string()),
            },
        }
    }

    fn is_zero(&self) -> bool {
        match self {
            DefaultValue::Text(s) => s.is_empty(),
            DefaultValue::Number(n, _) => *n == 0.0 && n.is_sign_positive(),
            DefaultValue::NaN => false,
        }
    }

    fn same(&self, other: &DefaultValue) -> bool {
        match (self, other) {
            (DefaultValue::Text(a), DefaultValue::Text(b)) => a == b,
            (DefaultValue::NaN, DefaultValue::NaN) => true,
            (DefaultValue::Number(a, ta), DefaultValue::Number(b, tb)) => {
                if a.abs() >= 9.0e15 && ta.parse::<i128>().is_ok() && tb.parse::<i128>().is_ok() {
                    ta.parse::<i128>().ok() == tb.parse::<i128>().ok()
                } else {
                    a == b
                }
            }
            _ => false,
        }
    }

    fn show(&self) -> String {
        match self {
            DefaultValue::Text(s) => format!("{s:?}"),
            DefaultValue::Number(_, text) => text.clone(),
            DefaultValue::NaN => "nan".into(),
        }
    }
}

/// Standard base64 (as the model writes `bytes` defaults) back to text; `None` if it is not base64.
fn base64_decode(s: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The entry message protoc generates for a map field: `labels` → `LabelsEntry`.
fn map_entry_name(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 5);
    let mut upper = true;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out.push_str("Entry");
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DeclKind {
    Message,
    Enum,
    Service,
    Extension,
}

impl DeclKind {
    fn as_str(self) -> &'static str {
        match self {
            DeclKind::Message => "message",
            DeclKind::Enum => "enum",
            DeclKind::Service => "service",
            DeclKind::Extension => "extension",
        }
    }

    const ALL: [DeclKind; 4] = [
        DeclKind::Message,
        DeclKind::Enum,
        DeclKind::Service,
        DeclKind::Extension,
    ];

    /// The buf rule against deleting this kind of declaration from a file.
    fn removed_in_file(self) -> &'static str {
        match self {
            DeclKind::Message => "MESSAGE_NO_DELETE",
            DeclKind::Enum => "ENUM_NO_DELETE",
            DeclKind::Service => "SERVICE_NO_DELETE",
            DeclKind::Extension => "EXTENSION_NO_DELETE",
        }
    }

    /// The buf rule against deleting this kind of declaration from a package.
    fn removed_in_package(self) -> &'static str {
        match self {
            DeclKind::Message => "PACKAGE_MESSAGE_NO_DELETE",
            DeclKind::Enum => "PACKAGE_ENUM_NO_DELETE",
            DeclKind::Service => "PACKAGE_SERVICE_NO_DELETE",
            DeclKind::Extension => "PACKAGE_EXTENSION_NO_DELETE",
        }
    }

    fn removed_rule(self) -> &'static RuleMeta {
        match self {
            DeclKind::Message | DeclKind::Enum => &super::concepts::TYPE_REMOVED,
            DeclKind::Service => &SERVICE_REMOVED,
            DeclKind::Extension => &EXTENSION_REMOVED,
        }
    }
}

/// The buf rules against deleting a field.
const FIELD_DELETION: [&str; 3] = [
    "FIELD_NO_DELETE",
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
];
/// The buf rules against deleting an enum value.
const ENUM_VALUE_DELETION: [&str; 3] = [
    "ENUM_VALUE_NO_DELETE",
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
];

/// The buf rules a deleted field or enum value violates (`ids`: [`FIELD_DELETION`] or
/// [`ENUM_VALUE_DELETION`]): always `*_NO_DELETE`; `*_UNLESS_NUMBER_RESERVED` and
/// `*_UNLESS_NAME_RESERVED` unless that is reserved.
fn deletion_rules(
    [all, number, name]: [&'static str; 3],
    number_reserved: bool,
    name_reserved: bool,
) -> Vec<&'static str> {
    let mut rules = vec![all];
    if !number_reserved {
        rules.push(number);
    }
    if !name_reserved {
        rules.push(name);
    }
    rules
}

/// Whether `number` lies in one of the inclusive `ranges`.
fn reserved(number: i32, ranges: &[(i32, i32)]) -> bool {
    ranges.iter().any(|(a, b)| (*a..=*b).contains(&number))
}

/// The parts of the inclusive `old` ranges that `new` ranges do not cover.
fn uncovered(old: &[(i32, i32)], new: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut covered: Vec<(i64, i64)> = new.iter().map(|(a, b)| (i64::from(*a), i64::from(*b))).collect();
    covered.sort_unstable();
    let mut missing = Vec::new();
    for (a, b) in old {
        let (mut start, end) = (i64::from(*a), i64::from(*b));
        for (c, d) in &covered {
            if *d < start {
                continue;
            }
            if *c > end {
                break;
            }
            if *c > start {
                missing.push((start, c - 1));
            }
            start = start.max(d + 1);
            if start > end {
                break;
            }
        }
        if start <= end {
            missing.push((start, end));
        }
    }
    missing
        .into_iter()
        .filter_map(|(a, b)| Some((i32::try_from(a).ok()?, i32::try_from(b).ok()?)))
        .collect()
}

fn show_ranges(ranges: &[(i32, i32)]) -> String {
    let parts: Vec<String> = ranges
        .iter()
        .map(|(a, b)| if a == b { a.to_string() } else { format!("{a} to {b}") })
        .collect();
    parts.join(", ")
}

fn short(full_name: &str) -> &str {
    full_name.rsplit('.').next().unwrap_or(full_name)
}

// ---------------------------------------------------------------------------------------------
// The checks.

struct Run<'r, 'a> {
    old: &'r Index<'a>,
    new: &'r Index<'a>,
    policies: &'r [Policy],
    /// The directories the old and new sides were read from (display paths).
    bases: [&'r str; 2],
    unchanged_packages: &'r BTreeSet<String>,
    findings: Vec<Finding>,
}

/// Standard file options that shape generated code, with their defaults and
/// the buf rule that keeps each.
const FILE_OPTIONS: [(&str, &str, &str); 16] = [
    ("java_package", "", "FILE_SAME_JAVA_PACKAGE"),
    ("java_outer_classname", "", "FILE_SAME_JAVA_OUTER_CLASSNAME"),
    ("java_multiple_files", "false", "FILE_SAME_JAVA_MULTIPLE_FILES"),
    ("java_generic_services", "false", "FILE_SAME_JAVA_GENERIC_SERVICES"),
    ("go_package", "", "FILE_SAME_GO_PACKAGE"),
    ("cc_generic_services", "false", "FILE_SAME_CC_GENERIC_SERVICES"),
    ("cc_enable_arenas", "true", "FILE_SAME_CC_ENABLE_ARENAS"),
    ("py_generic_services", "false", "FILE_SAME_PY_GENERIC_SERVICES"),
    ("csharp_namespace", "", "FILE_SAME_CSHARP_NAMESPACE"),
    ("objc_class_prefix", "", "FILE_SAME_OBJC_CLASS_PREFIX"),
    ("php_class_prefix", "", "FILE_SAME_PHP_CLASS_PREFIX"),
    ("php_namespace", "", "FILE_SAME_PHP_NAMESPACE"),
    ("php_metadata_namespace", "", "FILE_SAME_PHP_METADATA_NAMESPACE"),
    ("ruby_package", "", "FILE_SAME_RUBY_PACKAGE"),
    ("swift_prefix", "", "FILE_SAME_SWIFT_PREFIX"),
    ("optimize_for", "SPEED", "FILE_SAME_OPTIMIZE_FOR"),
];

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

    fn files(&mut self) {
        let (old, new) = (self.old, self.new);
        for of in &old.files {
            let Some(nf) = new.file_named(of.name) else {
                self.report(
                    &super::concepts::CONTRACT_REMOVED,
                    &["FILE_NO_DELETE"],
                    of.name,
                    format!(
                        "file `{}` was removed: code generated from it no longer exists",
                        of.name
                    ),
                    Some(&of.location),
                    &of.location,
                );
                continue;
            };
            let (op, np) = (&of.facts.package, &nf.facts.package);
            if op != np {
                self.report(
                    &FILE_PACKAGE_CHANGED,
                    &["FILE_SAME_PACKAGE"],
                    of.name,
                    format!(
                        "package of `{}` changed from `{op}` to `{np}`: every type and method in it has a new full name",
                        nf.name
                    ),
                    Some(&of.location),
                    &nf.location,
                );
            }
            let (os, ns) = (&of.facts.syntax, &nf.facts.syntax);
            if os != ns {
                self.report(
                    &FILE_SYNTAX_CHANGED,
                    &["FILE_SAME_SYNTAX"],
                    of.name,
                    format!("syntax of `{}` changed from {os} to {ns}", nf.name),
                    Some(&of.location),
                    &nf.location,
                );
            }
            for (option, default, buf_rule) in FILE_OPTIONS {
                let (a, b) = (
                    option_text(of.option(option), default),
                    option_text(nf.option(option), default),
                );
                if a != b {
                    self.report(
                        &FILE_OPTION_CHANGED,
                        &[buf_rule],
                        of.name,
                        format!(
                            "option `{option}` of `{}` changed from {a:?} to {b:?}: generated code moves or changes",
                            nf.name
                        ),
                        Some(&of.location),
                        &nf.location,
                    );
                }
            }
            if self.any_gate(&DeclKind::ALL.map(DeclKind::removed_in_file)) {
                self.file_declarations(of, nf);
            }
        }
        // New files are not breaking; say so, as for every other format.
        for nf in &new.files {
            if old.file_named(nf.name).is_none() {
                let mut f = Finding::new(
                    &super::concepts::CONTRACT_ADDED,
                    format!("file `{}` was added", nf.name),
                    nf.location.clone(),
                )
                .with_path(nf.name);
                f.direction = None;
                self.findings.push(f);
            }
        }
    }

    /// File level: every declaration of a file must still be declared in that file.
    fn file_declarations(&mut self, of: &FileView<'a>, nf: &FileView<'a>) {
        let (old, new) = (self.old, self.new);
        let (Some(oi), Some(ni)) = (old.by_file_name.get(of.name), new.by_file_name.get(nf.name)) else {
            return;
        };
        let present: BTreeSet<(DeclKind, &str)> = new
            .declarations_of(*ni)
            .iter()
            .map(|(k, nested, _)| (*k, nested.as_str()))
            .collect();
        for (kind, nested, full) in old.declarations_of(*oi) {
            let (kind, full) = (*kind, full.as_str());
            if present.contains(&(kind, nested.as_str())) {
                continue;
            }
            let at = new.anchor(*ni, full);
            let was = old.location_of(kind, full);
            match new.declares(kind, full).and_then(|f| new.file(f)) {
                Some(elsewhere) => self.report(
                    &DECLARATION_MOVED,
                    &[kind.removed_in_file()],
                    full,
                    format!(
                        "{} `{full}` moved from `{}` to `{}`: code generated per file finds it in another module",
                        kind.as_str(),
                        of.name,
                        elsewhere.name
                    ),
                    was,
                    &at,
                ),
                None => {
                    let what = if full.ends_with("Entry")
                        && kind == DeclKind::Message
                        && old.messages.get(full).is_some_and(|m| m.declared.is_none())
                    {
                        "map entry message"
                    } else {
                        kind.as_str()
                    };
                    self.report(
                        kind.removed_rule(),
                        &[kind.removed_in_file()],
                        full,
                        format!("{what} `{full}` was removed from `{}`", nf.name),
                        was,
                        &at,
                    )
                }
            }
        }
    }

    /// Package level: packages, and every declaration of a package that is still there.
    fn packages(&mut self) {
        let package_rules = DeclKind::ALL.map(DeclKind::removed_in_package);
        if !self.any_gate(&["PACKAGE_NO_DELETE"]) && !self.any_gate(&package_rules) {
            return;
        }
        let (old, new) = (self.old, self.new);
        // Which kinds of declaration each package still has on the new side.
        let mut kinds_left: BTreeSet<(&str, DeclKind)> = BTreeSet::new();
        for (package, files) in &new.packages {
            for file in files {
                for (kind, _, _) in new.declarations_of(*file) {
                    kinds_left.insert((package, *kind));
                }
            }
        }
        for (package, files) in &old.packages {
            let Some(first) = files.iter().filter_map(|f| old.file(*f)).min_by_key(|f| f.name) else {
                continue;
            };
            if !new.packages.contains_key(package) && !self.unchanged_packages.contains(*package) {
                let shown = if package.is_empty() { "(no package)" } else { package };
                self.report(
                    &PACKAGE_REMOVED,
                    &["PACKAGE_NO_DELETE"],
                    package,
                    format!("package `{shown}` was removed: no file declares it any more"),
                    Some(&first.location),
                    &first.location,
                );
                continue;
            }
            let mut removed: Vec<(DeclKind, String, usize)> = Vec::new();
            for file in files {
                for (kind, _, full) in old.declarations_of(*file) {
                    if new.declares(*kind, full).is_none() {
                        removed.push((*kind, full.clone(), *file));
                    }
                }
            }
            for (kind, full, file) in removed {
                let old_file = old.file(file).map_or("", |f| f.name);
                let at = match new.file_named(old_file) {
                    Some(nf) => new.anchor(new.by_file_name.get(nf.name).copied().unwrap_or(usize::MAX), &full),
                    None => old.location_of(kind, &full).cloned().unwrap_or_default(),
                };
                let last = if kinds_left.contains(&(*package, kind)) {
                    String::new()
                } else {
                    format!(" (it has no {} left)", kind.as_str())
                };
                self.report(
                    kind.removed_rule(),
                    &[kind.removed_in_package()],
                    &full,
                    format!("{} `{full}` was removed from package `{package}`{last}", kind.as_str()),
                    old.location_of(kind, &full),
                    &at,
                );
            }
        }
    }

    fn messages(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, om) in &old.messages {
            if let Some(nm) = new.messages.get(name) {
                self.message(om, nm);
            }
        }
    }

    fn message(&mut self, om: &MessageView<'a>, nm: &MessageView<'a>) {
        let name = om.name.as_str();
        let (old, new) = (self.old, self.new);
        let (op, np) = (
            om.declared.and_then(|t| t.proto.as_ref()),
            nm.declared.and_then(|t| t.proto.as_ref()),
        );
        let empty = Default::default();
        let (op, np) = (op.unwrap_or(&empty), np.unwrap_or(&empty));

        // Fields by number.
        let new_by_number: HashMap<i32, &FieldView> = nm.fields.iter().map(|f| (f.number, f)).collect();
        for of in &om.fields {
            match new_by_number.get(&of.number) {
                Some(nf) => self.field(name, om.file, nm.file, of, nf),
                None => {
                    let number_reserved = reserved(of.number, &np.reserved_ranges);
                    let name_reserved = np.reserved_names.iter().any(|n| n == of.name);
                    let rules = deletion_rules(FIELD_DELETION, number_reserved, name_reserved);
                    let path = format!("{name}.{}", of.name);
                    let renumbered = nm.fields.iter().find(|f| f.name == of.name);
                    let (rule, message) = match renumbered {
                        Some(f) => (
                            &FIELD_NUMBER_CHANGED,
                            format!(
                                "field `{path}` changed number from {} to {}: old data carries it under {}",
                                of.number, f.number, of.number
                            ),
                        ),
                        None => {
                            let unreserved = match (number_reserved, name_reserved) {
                                (false, false) => " without reserving its number or name",
                                (false, true) => " without reserving its number",
                                (true, false) => " without reserving its name",
                                (true, true) => "",
                            };
                            (
                                &FIELD_REMOVED,
                                format!("field `{path}` (number {}) was removed{unreserved}", of.number),
                            )
                        }
                    };
                    self.report(rule, &rules, &path, message, Some(of.location), nm.location);
                }
            }
        }

        // Required fields must match exactly.
        let required = |m: &MessageView<'a>| -> BTreeMap<i32, &'a Location> {
            m.fields
                .iter()
                .filter(|f| f.cardinality == Cardinality::Required)
                .map(|f| (f.number, f.location))
                .collect()
        };
        let (or, nr) = (required(om), required(nm));
        for (number, at) in &or {
            if !nr.contains_key(number) {
                self.report(
                    &REQUIRED_FIELDS_CHANGED,
                    &["MESSAGE_SAME_REQUIRED_FIELDS"],
                    name,
                    format!("required field {number} of `{name}` was removed or made optional: readers that require it reject new messages"),
                    Some(at),
                    nm.location,
                );
            }
        }
        for (number, at) in &nr {
            if !or.contains_key(number) {
                self.report(
                    &REQUIRED_FIELDS_CHANGED,
                    &["MESSAGE_SAME_REQUIRED_FIELDS"],
                    name,
                    format!("required field {number} was added to `{name}`: messages from old writers lack it"),
                    None,
                    at,
                );
            }
        }

        // Oneofs by name.
        for oneof in &op.oneofs {
            if !np.oneofs.contains(oneof) {
                self.report(
                    &ONEOF_REMOVED,
                    &["ONEOF_NO_DELETE"],
                    &format!("{name}.{oneof}"),
                    format!("oneof `{oneof}` was removed from `{name}`"),
                    Some(om.location),
                    nm.location,
                );
            }
        }

        // Reserved numbers and names, and extension ranges.
        let gone = uncovered(&op.reserved_ranges, &np.reserved_ranges);
        if !gone.is_empty() {
            self.report(
                &RESERVED_REMOVED,
                &["RESERVED_MESSAGE_NO_DELETE"],
                name,
                format!(
                    "reserved numbers {} of `{name}` are no longer reserved",
                    show_ranges(&gone)
                ),
                Some(om.location),
                nm.location,
            );
        }
        for reserved_name in op.reserved_names.iter().filter(|n| !np.reserved_names.contains(n)) {
            self.report(
                &RESERVED_REMOVED,
                &["RESERVED_MESSAGE_NO_DELETE"],
                name,
                format!("reserved name `{reserved_name}` of `{name}` is no longer reserved"),
                Some(om.location),
                nm.location,
            );
        }
        let gone = uncovered(&op.extension_ranges, &np.extension_ranges);
        if !gone.is_empty() {
            self.report(
                &EXTENSION_RANGE_REMOVED,
                &["EXTENSION_MESSAGE_NO_DELETE"],
                name,
                format!(
                    "extension numbers {} of `{name}` are no longer extensible",
                    show_ranges(&gone)
                ),
                Some(om.location),
                nm.location,
            );
        }

        // Message options.
        let flag = |o: &JsonMap, k: &str| o.get(k).and_then(Json::as_bool).unwrap_or(false);
        if !flag(&op.options, "no_standard_descriptor_accessor") && flag(&np.options, "no_standard_descriptor_accessor")
        {
            self.report(
                &DESCRIPTOR_ACCESSOR_REMOVED,
                &["MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR"],
                name,
                format!("`{name}` set no_standard_descriptor_accessor: its generated descriptor() accessor is gone"),
                Some(om.location),
                nm.location,
            );
        }
        let (a, b) = (
            flag(&op.options, "message_set_wire_format"),
            flag(&np.options, "message_set_wire_format"),
        );
        if a != b {
            self.report(
                &MESSAGE_SET_WIRE_FORMAT_CHANGED,
                &[buf_rules::MESSAGE_SET_WIRE_FORMAT],
                name,
                format!("message_set_wire_format of `{name}` changed from {a} to {b}"),
                Some(om.location),
                nm.location,
            );
        }
        if om.declared.is_some() && nm.declared.is_some() {
            let (a, b) = (
                old.json_format(om.file, name, om.options()),
                new.json_format(nm.file, name, nm.options()),
            );
            if a == "ALLOW" && b != "ALLOW" {
                self.report(
                    &JSON_FORMAT_CHANGED,
                    &["MESSAGE_SAME_JSON_FORMAT"],
                    name,
                    format!("JSON support of message `{name}` changed from {a} to {b}"),
                    Some(om.location),
                    nm.location,
                );
            }
        }
    }

    /// Checks one field (or extension) against its counterpart of the same number.
    fn field(&mut self, message: &str, old_file: usize, new_file: usize, of: &FieldView, nf: &FieldView) {
        let (old, new) = (self.old, self.new);
        let path = if nf.extension {
            nf.name.to_string()
        } else {
            format!("{message}.{}", nf.name)
        };
        let (ol, nl) = (Some(of.location), nf.location);

        // Type.
        if let Some((rule, rules, why)) = type_change(old, new, &of.kind, &nf.kind) {
            self.report(
                rule,
                rules,
                &path,
                format!(
                    "field `{path}` changed type from {} to {}{why}",
                    of.kind.describe(),
                    nf.kind.describe()
                ),
                ol,
                nl,
            );
        }

        // Cardinality and presence (map entries are generated: their presence means nothing).
        if !(of.map_entry && nf.map_entry) && of.cardinality != nf.cardinality {
            let (rule, rules): (_, &[&str]) = if of.cardinality.wire_group() != nf.cardinality.wire_group() {
                (
                    &FIELD_CARDINALITY_CHANGED,
                    &[
                        "FIELD_WIRE_COMPATIBLE_CARDINALITY",
                        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
                        "FIELD_SAME_CARDINALITY",
                    ],
                )
            } else if of.cardinality.wire_json_group() != nf.cardinality.wire_json_group() {
                (
                    &FIELD_CARDINALITY_CHANGED,
                    &["FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", "FIELD_SAME_CARDINALITY"],
                )
            } else {
                (&FIELD_PRESENCE_CHANGED, &["FIELD_SAME_CARDINALITY"])
            };
            self.report(
                rule,
                rules,
                &path,
                format!(
                    "field `{path}` changed from {} to {}",
                    of.cardinality.as_str(),
                    nf.cardinality.as_str()
                ),
                ol,
                nl,
            );
        }

        if of.name != nf.name {
            let was = if of.extension {
                of.name.to_string()
            } else {
                format!("{message}.{}", of.name)
            };
            self.report(
                &FIELD_RENAMED,
                &["FIELD_SAME_NAME"],
                &path,
                format!("field {} `{was}` was renamed to `{path}`", nf.number),
                ol,
                nl,
            );
        }
        if !of.extension && of.json_name != nf.json_name {
            self.report(
                &FIELD_JSON_NAME_CHANGED,
                &["FIELD_SAME_JSON_NAME"],
                &path,
                format!(
                    "JSON name of `{path}` changed from `{}` to `{}`",
                    of.json_name, nf.json_name
                ),
                ol,
                nl,
            );
        }
        if !of.extension && of.oneof != nf.oneof {
            let show = |o: Option<&str>| o.map_or("no oneof".to_string(), |o| format!("oneof `{o}`"));
            self.report(
                &FIELD_ONEOF_CHANGED,
                &["FIELD_SAME_ONEOF"],
                &path,
                format!("field `{path}` moved from {} to {}", show(of.oneof), show(nf.oneof)),
                ol,
                nl,
            );
        }

        // Defaults.
        if let (Some(a), Some(b)) = (old.default_of(of), new.default_of(nf))
            && !(a.is_zero() && b.is_zero())
            && !a.same(&b)
        {
            self.report(
                &super::concepts::DEFAULT_CHANGED,
                &["FIELD_SAME_DEFAULT"],
                &path,
                format!(
                    "default of `{path}` changed from {} to {}: unset fields read differently",
                    a.show(),
                    b.show()
                ),
                ol,
                nl,
            );
            if let Some(last) = self.findings.last_mut()
                && last.rule == super::concepts::DEFAULT_CHANGED.id
            {
                last.severity = crate::finding::Severity::Error;
            }
        }

        // Options and features that change generated code.
        if of.kind.is_64_bit_integer() && nf.kind.is_64_bit_integer() {
            let js = |f: &FieldView| {
                f.options
                    .and_then(|o| o.get("jstype"))
                    .and_then(Json::as_str)
                    .unwrap_or("JS_NORMAL")
                    .to_string()
            };
            let (a, b) = (js(of), js(nf));
            if a != b {
                self.report(
                    &FIELD_JSTYPE_CHANGED,
                    &["FIELD_SAME_JSTYPE"],
                    &path,
                    format!("jstype of `{path}` changed from {a} to {b}"),
                    ol,
                    nl,
                );
            }
        }
        let stringy = |k: &Kind| matches!(k, Kind::Scalar("string" | "bytes"));
        if stringy(&of.kind) && stringy(&nf.kind) && !(of.map_entry && nf.map_entry) {
            let (a, a_piece) = old.cpp_string_type(old_file, message, of);
            let (b, b_piece) = new.cpp_string_type(new_file, message, nf);
            let piece_to_string = a_piece && b == "STRING" && !b_piece;
            if (a != b || a_piece != b_piece) && !piece_to_string {
                let show = |t: &str, piece: bool| {
                    if piece {
                        "STRING_PIECE".to_string()
                    } else {
                        t.to_string()
                    }
                };
                self.report(
                    &FIELD_CTYPE_CHANGED,
                    &["FIELD_SAME_CPP_STRING_TYPE"],
                    &path,
                    format!(
                        "C++ string type of `{path}` changed from {} to {}",
                        show(&a, a_piece),
                        show(&b, b_piece)
                    ),
                    ol,
                    nl,
                );
            }
        }
        if of.kind == Kind::Scalar("string") && nf.kind == Kind::Scalar("string") {
            let (a, b) = (
                old.utf8_validation(old_file, message, of),
                new.utf8_validation(new_file, message, nf),
            );
            let (ja, jb) = (
                old.java_utf8_validation(old_file, message, of),
                new.java_utf8_validation(new_file, message, nf),
            );
            if a != b || ja != jb {
                let rules: Vec<&str> = [
                    (a != b).then_some("FIELD_SAME_UTF8_VALIDATION"),
                    (ja != jb).then_some("FIELD_SAME_JAVA_UTF8_VALIDATION"),
                ]
                .into_iter()
                .flatten()
                .collect();
                let (what, a, b) = if a != b {
                    ("UTF-8 validation", a, b)
                } else {
                    ("Java UTF-8 validation", ja, jb)
                };
                self.report(
                    &FIELD_UTF8_VALIDATION_CHANGED,
                    &rules,
                    &path,
                    format!("{what} of `{path}` changed from {a} to {b}"),
                    ol,
                    nl,
                );
            }
        }
    }

    /// Extensions pair by the message they extend and their number; deletions are judged per
    /// file and per package with the other declarations.
    fn extensions(&mut self) {
        let (old, new) = (self.old, self.new);
        let key = |e: &ProtoExtension| (e.extendee.clone(), e.field.proto.as_ref().map_or(0, |p| p.number));
        let new_by_key: HashMap<(String, i32), (usize, &ProtoExtension)> =
            new.extensions.values().map(|(f, e)| (key(e), (*f, *e))).collect();
        for (of_file, oe) in old.extensions.values() {
            let Some((nf_file, ne)) = new_by_key.get(&key(oe)) else {
                continue;
            };
            let (Some(a), Some(b)) = (
                old.field_view(*of_file, &oe.field, true),
                new.field_view(*nf_file, &ne.field, true),
            ) else {
                continue;
            };
            let (a, b) = (
                FieldView {
                    name: &oe.full_name,
                    ..a
                },
                FieldView {
                    name: &ne.full_name,
                    ..b
                },
            );
            let scope = oe.full_name.rsplit_once('.').map_or("", |(s, _)| s).to_string();
            self.field(&scope, *of_file, *nf_file, &a, &b);
        }
    }

    fn enums(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, oe) in &old.enums {
            let Some(ne) = new.enums.get(name) else { continue };
            self.enum_pair(name, oe, ne);
        }
    }

    fn enum_pair(&mut self, name: &str, oe: &EnumView<'a>, ne: &EnumView<'a>) {
        let (old, new) = (self.old, self.new);
        let (ol, nl) = (&oe.declared.location, &ne.declared.location);
        let empty = Default::default();
        let op = oe.declared.proto.as_ref().unwrap_or(&empty);
        let np = ne.declared.proto.as_ref().unwrap_or(&empty);
        let by_number = |values: &'a [EnumValue]| -> BTreeMap<i32, Vec<&'a EnumValue>> {
            let mut map: BTreeMap<i32, Vec<&EnumValue>> = BTreeMap::new();
            for v in values {
                if let Some(n) = v.number {
                    map.entry(n).or_default().push(v);
                }
            }
            map
        };
        let (on, nn) = (by_number(oe.values), by_number(ne.values));
        for (number, values) in &on {
            match nn.get(number) {
                None => {
                    let number_reserved = reserved(*number, &np.reserved_ranges);
                    let names_reserved = values.iter().all(|v| np.reserved_names.contains(&v.name));
                    let rules = deletion_rules(ENUM_VALUE_DELETION, number_reserved, names_reserved);
                    let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                    let unreserved = match (number_reserved, names_reserved) {
                        (false, false) => " without reserving its number or name",
                        (false, true) => " without reserving its number",
                        (true, false) => " without reserving its name",
                        (true, true) => "",
                    };
                    self.report(
                        &super::concepts::ENUM_VALUE_REMOVED,
                        &rules,
                        &format!("{name}.{}", names.join("|")),
                        format!(
                            "enum value `{}` ({number}) was removed from `{name}`{unreserved}",
                            names.join("`, `")
                        ),
                        values.first().map(|v| &v.location),
                        nl,
                    );
                }
                Some(new_values) => {
                    // Adding an alias is fine; a name the number had is what JSON readers send.
                    let old_names: BTreeSet<&str> = values.iter().map(|v| v.name.as_str()).collect();
                    if old_names.iter().any(|n| !new_values.iter().any(|v| v.name == *n)) {
                        let olds: Vec<&str> = old_names.iter().copied().collect();
                        for v in new_values {
                            self.report(
                                &ENUM_VALUE_RENAMED,
                                &["ENUM_VALUE_SAME_NAME"],
                                &format!("{name}.{}", v.name),
                                format!(
                                    "enum value {number} of `{name}` was renamed from `{}` to `{}`: JSON carries names",
                                    olds.join("`, `"),
                                    v.name
                                ),
                                values.first().map(|v| &v.location),
                                &v.location,
                            );
                        }
                    }
                }
            }
        }
        let gone = uncovered(&op.reserved_ranges, &np.reserved_ranges);
        if !gone.is_empty() {
            self.report(
                &RESERVED_REMOVED,
                &["RESERVED_ENUM_NO_DELETE"],
                name,
                format!(
                    "reserved numbers {} of enum `{name}` are no longer reserved",
                    show_ranges(&gone)
                ),
                Some(ol),
                nl,
            );
        }
        for reserved_name in op.reserved_names.iter().filter(|n| !np.reserved_names.contains(n)) {
            self.report(
                &RESERVED_REMOVED,
                &["RESERVED_ENUM_NO_DELETE"],
                name,
                format!("reserved name `{reserved_name}` of enum `{name}` is no longer reserved"),
                Some(ol),
                nl,
            );
        }
        let (a, b) = (old.enum_closed(name, oe), new.enum_closed(name, ne));
        if a != b {
            let show = |closed: bool| if closed { "closed" } else { "open" };
            self.report(
                &ENUM_TYPE_CHANGED,
                &["ENUM_SAME_TYPE"],
                name,
                format!("enum `{name}` changed from {} to {}", show(a), show(b)),
                Some(ol),
                nl,
            );
        }
        let (a, b) = (
            old.json_format(oe.file, name, Some(&op.options)),
            new.json_format(ne.file, name, Some(&np.options)),
        );
        if a == "ALLOW" && b != "ALLOW" {
            self.report(
                &JSON_FORMAT_CHANGED,
                &["ENUM_SAME_JSON_FORMAT"],
                name,
                format!("JSON support of enum `{name}` changed from {a} to {b}"),
                Some(ol),
                nl,
            );
        }
    }

    fn services(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, (_, os)) in &old.services {
            let Some((_, ns)) = new.services.get(name) else {
                continue;
            };
            for orpc in &os.rpcs {
                let path = format!("{name}.{}", orpc.name);
                match ns.rpcs.iter().find(|r| r.name == orpc.name) {
                    None => self.report(
                        &RPC_REMOVED,
                        &["RPC_NO_DELETE"],
                        &path,
                        format!("RPC `{}` was removed from service `{name}`", orpc.name),
                        Some(&orpc.location),
                        &ns.location,
                    ),
                    Some(nrpc) => self.rpc(&path, orpc, nrpc),
                }
            }
        }
    }

    fn rpc(&mut self, path: &str, o: &Rpc, n: &Rpc) {
        let (ol, nl) = (Some(&o.location), &n.location);
        if o.input != n.input {
            self.report(
                &RPC_REQUEST_TYPE_CHANGED,
                &["RPC_SAME_REQUEST_TYPE"],
                path,
                format!("request type of `{path}` changed from `{}` to `{}`", o.input, n.input),
                ol,
                nl,
            );
        }
        if o.output != n.output {
            self.report(
                &RPC_RESPONSE_TYPE_CHANGED,
                &["RPC_SAME_RESPONSE_TYPE"],
                path,
                format!(
                    "response type of `{path}` changed from `{}` to `{}`",
                    o.output, n.output
                ),
                ol,
                nl,
            );
        }
        let show = |s: bool| if s { "streaming" } else { "unary" };
        if o.client_streaming != n.client_streaming {
            self.report(
                &RPC_STREAMING_CHANGED,
                &["RPC_SAME_CLIENT_STREAMING"],
                path,
                format!(
                    "`{path}` changed from client {} to client {}",
                    show(o.client_streaming),
                    show(n.client_streaming)
                ),
                ol,
                nl,
            );
        }
        if o.server_streaming != n.server_streaming {
            self.report(
                &RPC_STREAMING_CHANGED,
                &["RPC_SAME_SERVER_STREAMING"],
                path,
                format!(
                    "`{path}` changed from server {} to server {}",
                    show(o.server_streaming),
                    show(n.server_streaming)
                ),
                ol,
                nl,
            );
        }
        let idempotency = |r: &Rpc| option_text(r.options.get("idempotency_level"), "IDEMPOTENCY_UNKNOWN");
        let (a, b) = (idempotency(o), idempotency(n));
        if a != b {
            self.report(
                &RPC_IDEMPOTENCY_CHANGED,
                &["RPC_SAME_IDEMPOTENCY_LEVEL"],
                path,
                format!("idempotency_level of `{path}` changed from {a} to {b}"),
                ol,
                nl,
            );
        }
        let (a, b) = (http_routes(&o.options), http_routes(&n.options));
        for route in &a {
            if b.contains(route) {
                continue;
            }
            let now = match b.iter().find(|r| r.verb == route.verb && r.path == route.path) {
                Some(changed) => format!("now maps the body as {}", changed.body_text()),
                None if b.is_empty() => "the RPC has no HTTP binding any more".to_string(),
                None => format!(
                    "the RPC is now bound to {}",
                    b.iter().map(HttpRoute::route_text).collect::<Vec<_>>().join(", ")
                ),
            };
            self.report(
                &HTTP_BINDING_CHANGED,
                &[buf_rules::HTTP_BINDING],
                path,
                format!("HTTP route {} of `{path}` is gone: {now}", route.route_text()),
                ol,
                nl,
            );
        }
    }
}

/// One REST route of a `google.api.http` binding.
#[derive(Debug, PartialEq, Eq)]
struct HttpRoute {
    verb: String,
    path: String,
    body: String,
    response_body: String,
}

impl HttpRoute {
    fn route_text(&self) -> String {
        format!("{} {}", self.verb.to_uppercase(), self.path)
    }

    fn body_text(&self) -> String {
        let body = if self.body.is_empty() { "(none)" } else { &self.body };
        if self.response_body.is_empty() {
            format!("body `{body}`")
        } else {
            format!("body `{body}`, response body `{}`", self.response_body)
        }
    }
}

/// The routes of an RPC's `google.api.http` option, additional bindings included.
fn http_routes(options: &JsonMap) -> Vec<HttpRoute> {
    let mut out = Vec::new();
    if let Some(rule) = options.get("google.api.http") {
        collect_routes(rule, &mut out, 0);
    }
    out
}

fn collect_routes(rule: &Json, out: &mut Vec<HttpRoute>, depth: usize) {
    if depth > 8 {
        return;
    }
    let text = |k: &str| rule.get(k).and_then(Json::as_str).unwrap_or("").to_string();
    for verb in ["get", "put", "post", "delete", "patch"] {
        if let Some(path) = rule.get(verb).and_then(Json::as_str) {
            out.push(HttpRoute {
                verb: verb.into(),
                path: path.into(),
                body: text("body"),
                response_body: text("response_body"),
            });
        }
    }
    if let Some(custom) = rule.get("custom") {
        let kind = custom.get("kind").and_then(Json::as_str).unwrap_or("");
        let path = custom.get("path").and_then(Json::as_str).unwrap_or("");
        out.push(HttpRoute {
            verb: kind.to_lowercase(),
            path: path.into(),
            body: text("body"),
            response_body: text("response_body"),
        });
    }
    if let Some(more) = rule.get("additional_bindings").and_then(Json::as_array) {
        for r in more {
            collect_routes(r, out, depth + 1);
        }
    }
}

/// How a field's type change breaks: the rule, the buf rules it violates, and a word on why.
fn type_change(
    old: &Index,
    new: &Index,
    a: &Kind,
    b: &Kind,
) -> Option<(&'static RuleMeta, &'static [&'static str], &'static str)> {
    if a.wire_group() != b.wire_group() {
        return Some(if *a == Kind::Scalar("string") && *b == Kind::Scalar("bytes") {
            (
                &FIELD_JSON_TYPE_CHANGED,
                &["FIELD_WIRE_JSON_COMPATIBLE_TYPE", "FIELD_SAME_TYPE"],
                ": the binary encoding is the same, but JSON writes bytes as base64",
            )
        } else {
            (
                &FIELD_WIRE_TYPE_CHANGED,
                &[
                    "FIELD_WIRE_COMPATIBLE_TYPE",
                    "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
                    "FIELD_SAME_TYPE",
                ],
                ": old data no longer decodes",
            )
        });
    }
    if a.wire_json_group() != b.wire_json_group() {
        return Some((
            &FIELD_JSON_TYPE_CHANGED,
            &["FIELD_WIRE_JSON_COMPATIBLE_TYPE", "FIELD_SAME_TYPE"],
            ": the binary encoding is compatible, the JSON encoding is not",
        ));
    }
    match (a, b) {
        (Kind::Scalar(x), Kind::Scalar(y)) if x != y => Some((
            &FIELD_TYPE_CHANGED,
            &["FIELD_SAME_TYPE"],
            ": data still decodes, generated code changes",
        )),
        (Kind::Message(x), Kind::Message(y)) | (Kind::Group(x), Kind::Group(y)) if x != y => Some((
            &FIELD_WIRE_TYPE_CHANGED,
            &[
                "FIELD_WIRE_COMPATIBLE_TYPE",
                "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
                "FIELD_SAME_TYPE",
            ],
            ": another message may not decode the same bytes",
        )),
        (Kind::Enum(x), Kind::Enum(y)) if x != y => {
            let compatible = short(x) == short(y)
                && match (old.enums.get(x.as_str()), new.enums.get(y.as_str())) {
                    (Some(oe), Some(ne)) => oe
                        .values
                        .iter()
                        .all(|v| ne.values.iter().any(|w| w.name == v.name && w.number == v.number)),
                    _ => false,
                };
            Some(if compatible {
                (
                    &FIELD_TYPE_CHANGED,
                    &["FIELD_SAME_TYPE"],
                    ": the new enum has every old value, generated code changes",
                )
            } else {
                (
                    &FIELD_WIRE_TYPE_CHANGED,
                    &[
                        "FIELD_WIRE_COMPATIBLE_TYPE",
                        "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
                        "FIELD_SAME_TYPE",
                    ],
                    ": the new enum does not keep every old value",
                )
            })
        }
        _ => None,
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

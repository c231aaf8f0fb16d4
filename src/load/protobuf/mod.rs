//! Protobuf: `.proto` files compiled with protox, and binary `FileDescriptorSet`s.
//!
//! No `protoc` and no `buf.yaml` are needed. Include roots are found from the files themselves:
//! the `-I` paths, plus, for every import that those do not resolve, the nearest ancestor directory
//! of the importing file that contains the imported path; a file under no root at all gets its own
//! directory. Each file is then compiled under the name other files import it by (or, when nothing
//! imports it, relative to the outermost root containing it), so that `contracts/erp/a.proto`
//! importing `erp/common.proto` sees `erp/common.proto` exactly once and nothing is defined twice.
//! The well-known `google/protobuf/*.proto` files come built in.
//!
//! Every file is opened separately, so one broken file costs only itself (and the files that import
//! it). Each file that compiles becomes one [`Contract`] holding its messages and enums, nested ones
//! included, keyed by fully-qualified name without the leading dot, and its services.

mod compile;
mod convert;
mod descriptor_set;
mod sources;

use compile::*;
use convert::*;
pub use descriptor_set::load_descriptor_set;
use sources::*;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use miette::Diagnostic;
use prost::Message as _;
use prost_reflect::{
    Cardinality, DescriptorPool, DynamicMessage, EnumDescriptor, ExtensionDescriptor, FieldDescriptor, FileDescriptor,
    Kind, MessageDescriptor, ServiceDescriptor, Value,
};
use prost_types::source_code_info::Location as SourceLocation;
use prost_types::{FileDescriptorProto, SourceCodeInfo};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver, IncludeFileResolver};
use serde_json::Value as Json;

use crate::finding::{Finding, RuleMeta, normalize};
use crate::load::lint;
use crate::model::{
    Contract, EnumValue, Field, Format, JsonMap, Location, NamedType, ObjectType, Pos, Primitive, ProtoExtension,
    ProtoField, ProtoFile, ProtoMessage, Rpc, Service, Type, TypeKind, TypeOrigin,
};

/// Extension key on a type mapped from a well-known message: the message's full name
/// (`google.protobuf.Timestamp`), so the original declaration is never lost.
pub const EXT_PROTO_TYPE: &str = "proto.type";

/// The well-known files protox provides without any include path.
const WELL_KNOWN_FILES: [&str; 12] = [
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
    "google/protobuf/compiler/plugin.proto",
];

/// What loading a set of `.proto` files produced.
#[derive(Debug, Default)]
pub struct ProtoLoad {
    /// One contract per file that compiled.
    pub contracts: Vec<Contract>,
    /// Compile and parse errors, sorted.
    pub findings: Vec<Finding>,
    /// Display paths of the files that did not compile.
    pub unusable: Vec<String>,
}

/// A `.proto` file named on the command line (or found by walking a directory).
#[derive(Debug)]
struct Source {
    /// Absolute, normalised.
    path: PathBuf,
    display: String,
    text: Arc<str>,
    imports: Vec<String>,
    /// The parsed file without its source info, until the compiler takes it.
    parsed: Option<FileDescriptorProto>,
    /// Where the declarations are (messages, fields, enums, values, services, methods).
    declarations: Vec<Declaration>,
    /// The edition an editions file declares (its text is then the proto2 rewrite).
    edition: Option<String>,
}

/// Files compiled together: one compiler, one include path.
#[derive(Debug)]
struct Unit {
    /// Include roots in lookup order.
    roots: Vec<PathBuf>,
    /// (file name, index into the sources).
    members: Vec<(String, usize)>,
    /// Whether imports of the well-known files get the built-in copies even when a root has its own.
    /// Copies on disk may be newer than the compiler understands (Google's current descriptor.proto
    /// is), and they define the same types anyway.
    well_known_first: bool,
    /// The workspace root: an import found under an include root inside it must really be inside
    /// it (no symbolic link leading out).
    workspace: Option<PathBuf>,
}

/// Compiles `.proto` files: one contract per file that compiles, a finding per file that does not.
pub fn load_files(files: &[PathBuf], extra_includes: &[PathBuf]) -> ProtoLoad {
    load_files_among(files, &[], extra_includes, None)
}

/// A `.proto` file of the same tree that is not loaded, with the imports it declares: it still
/// decides include roots and file names as it would if it were loaded (see [`load_files_among`]).
#[derive(Debug, Clone)]
pub struct Neighbour {
    pub path: PathBuf,
    pub imports: Vec<String>,
}

/// Like [`load_files`], for some of the files of a tree: `neighbours` are the others. Include roots
/// and file names come out as if every file were loaded, so that contracts of a partial load pair
/// with those of a full one; the neighbours themselves are compiled only as imports.
///
/// `workspace` is the root no import may leave through a symbolic link (default: the first file's
/// workspace root).
pub fn load_files_among(
    files: &[PathBuf],
    neighbours: &[Neighbour],
    extra_includes: &[PathBuf],
    workspace: Option<&Path>,
) -> ProtoLoad {
    load_keeping(files, neighbours, extra_includes, workspace, None)
}

/// The message `name` (a fully-qualified name, `shop.v1.Order`, or a name unique among the files'
/// messages) of `.proto` files compiled as [`load_files`] compiles them: what binary Protobuf data
/// is decoded with.
pub fn message_descriptor(
    files: &[PathBuf],
    extra_includes: &[PathBuf],
    name: &str,
) -> Result<MessageDescriptor, String> {
    let mut pools = Vec::new();
    let out = load_keeping(files, &[], extra_includes, None, Some(&mut pools));
    if let Some(f) = out
        .findings
        .iter()
        .find(|f| f.severity == crate::finding::Severity::Error)
    {
        let at = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
        return Err(format!("{at}: {}", f.message));
    }
    let wanted = name.trim_start_matches('.');
    let mut found: Vec<MessageDescriptor> = Vec::new();
    for pool in &pools {
        if let Some(m) = pool.get_message_by_name(wanted) {
            return Ok(m);
        }
        found.extend(
            pool.all_messages()
                .filter(|m| m.name() == wanted || m.full_name().ends_with(&format!(".{wanted}"))),
        );
    }
    found.sort_by(|a, b| a.full_name().cmp(b.full_name()));
    found.dedup_by(|a, b| a.full_name() == b.full_name());
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("no message `{name}` in the contract")),
        _ => Err(format!(
            "`{name}` names {} messages ({}); give the fully-qualified name",
            found.len(),
            found.iter().map(|m| m.full_name()).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn load_keeping(
    files: &[PathBuf],
    neighbours: &[Neighbour],
    extra_includes: &[PathBuf],
    workspace: Option<&Path>,
    mut keep: Option<&mut Vec<DescriptorPool>>,
) -> ProtoLoad {
    let mut out = ProtoLoad::default();
    let mut sources = read_sources(files, &mut out);
    let neighbours: Vec<(PathBuf, &[String])> = neighbours
        .iter()
        .map(|n| (super::absolute(&n.path), n.imports.as_slice()))
        .collect();
    let known: Vec<(&Path, &[String])> = sources
        .iter()
        .map(|s| (s.path.as_path(), s.imports.as_slice()))
        .chain(neighbours.iter().map(|(p, i)| (p.as_path(), *i)))
        .collect();
    let roots = IncludeRoots::discover(&known, extra_includes);
    let workspace = files.first().map(|f| super::workspace_root(f, workspace));
    for mut unit in roots.units(&sources, &known, &mut out) {
        unit.workspace = workspace.clone();
        compile_unit(&unit, &mut sources, &mut out, keep.as_deref_mut());
    }
    drop_in_background(sources);
    normalize(&mut out.findings);
    out.unusable.sort();
    out.unusable.dedup();
    out
}

/// Frees a large structure on another thread. Compiling thousands of files leaves millions of small
/// allocations behind, and freeing them takes seconds that nobody needs to wait for.
fn drop_in_background<T: Send + 'static>(value: T) {
    // If no thread can be started, the closure and with it the value are dropped right here.
    let _ = std::thread::Builder::new()
        .name("proto-drop".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes files (relative path, content) under a fresh temporary directory.
    fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (rel, content) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
            paths.push(path);
        }
        (dir, paths)
    }

    fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, ProtoLoad) {
        let (dir, paths) = workspace(files);
        let out = load_files(&paths, &[]);
        (dir, out)
    }

    fn contract<'a>(out: &'a ProtoLoad, name: &str) -> &'a Contract {
        out.contracts.iter().find(|c| c.name == name).unwrap_or_else(|| {
            panic!(
                "no contract {name}; have {:?}; findings {:#?}",
                names(out),
                out.findings
            )
        })
    }

    fn names(out: &ProtoLoad) -> Vec<&str> {
        out.contracts.iter().map(|c| c.name.as_str()).collect()
    }

    fn fields(contract: &Contract, ty: &str) -> Vec<Field> {
        match &contract.types[ty].ty.kind {
            TypeKind::Object(o) => o.fields.clone(),
            other => panic!("{ty} is not an object: {other:?}"),
        }
    }

    fn field_of(contract: &Contract, ty: &str, name: &str) -> Field {
        fields(contract, ty).into_iter().find(|f| f.name == name).unwrap()
    }

    fn proto(field: &Field) -> &ProtoField {
        field.proto.as_ref().unwrap()
    }

    fn assert_clean(out: &ProtoLoad) {
        assert!(out.findings.is_empty(), "unexpected findings: {:#?}", out.findings);
        assert!(out.unusable.is_empty(), "unexpected unusable: {:?}", out.unusable);
    }

    const COMMON: &str = r#"syntax = "proto3";
package erp.customers.v1;
// An amount of money.
message Money {
  string currency_code = 1;
  int64 units = 2;
}
"#;

    const SERVICE: &str = r#"syntax = "proto3";
package erp.customers.v1;
import "erp/common.proto";
message Customer {
  Money credit_limit = 1;
}
"#;

    #[test]
    fn discovers_the_include_root_from_an_import_in_a_nested_directory() {
        let (_dir, out) = load(&[
            ("repo/contracts/erp/common.proto", COMMON),
            ("repo/contracts/erp/customer_service.proto", SERVICE),
        ]);
        assert_clean(&out);
        assert_eq!(names(&out), ["erp/common.proto", "erp/customer_service.proto"]);
        let service = contract(&out, "erp/customer_service.proto");
        assert_eq!(
            service.proto_files["erp/customer_service.proto"].imports,
            ["erp/common.proto"]
        );
        let money = field_of(service, "erp.customers.v1.Customer", "credit_limit");
        assert_eq!(
            money.ty.kind,
            TypeKind::Ref {
                target: "erp.customers.v1.Money".into()
            }
        );
        assert_eq!(proto(&money).proto_type, ".erp.customers.v1.Money");
        let common = contract(&out, "erp/common.proto");
        assert_eq!(
            common.types["erp.customers.v1.Money"].ty.description.as_deref(),
            Some("An amount of money.")
        );
    }

    #[test]
    fn the_importing_file_alone_finds_its_import() {
        let (_dir, paths) = workspace(&[
            ("repo/contracts/erp/common.proto", COMMON),
            ("repo/contracts/erp/customer_service.proto", SERVICE),
        ]);
        let out = load_files(&paths[1..], &[]);
        assert_clean(&out);
        assert_eq!(names(&out), ["erp/customer_service.proto"]);
    }

    #[test]
    fn a_file_listed_first_is_still_named_as_it_is_imported() {
        let (_dir, paths) = workspace(&[
            ("x/erp/common.proto", COMMON),
            ("x/erp/customer_service.proto", SERVICE),
            (
                "x/erp/v2/other.proto",
                "syntax = \"proto3\";\npackage other;\nmessage O { int32 a = 1; }\n",
            ),
        ]);
        let out = load_files(&paths, &[]);
        assert_clean(&out);
        assert_eq!(
            names(&out),
            ["erp/common.proto", "erp/customer_service.proto", "erp/v2/other.proto"]
        );
    }

    #[test]
    fn explicit_include_paths_are_used() {
        let (dir, paths) = workspace(&[
            (
                "vendor/acme/money.proto",
                "syntax = \"proto3\";\npackage acme;\nmessage Money { int64 units = 1; }\n",
            ),
            (
                "api/order.proto",
                "syntax = \"proto3\";\nimport \"acme/money.proto\";\nmessage Order { acme.Money total = 1; }\n",
            ),
        ]);
        let out = load_files(&paths[1..], &[dir.path().join("vendor")]);
        assert_clean(&out);
        let order = contract(&out, "order.proto");
        assert_eq!(
            field_of(order, "Order", "total").ty.kind,
            TypeKind::Ref {
                target: "acme.Money".into()
            }
        );
        assert!(order.packages.is_empty());
    }

    #[test]
    fn well_known_types_map_to_shared_primitives() {
        let (_dir, out) = load(&[(
            "wkt.proto",
            r#"syntax = "proto3";
package demo;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/any.proto";
import "google/protobuf/field_mask.proto";
message All {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Duration took = 2;
  google.protobuf.Int64Value parent = 3;
  google.protobuf.StringValue label = 4;
  google.protobuf.Struct attrs = 5;
  google.protobuf.Value anything = 6;
  google.protobuf.ListValue list = 7;
  google.protobuf.Empty nothing = 8;
  google.protobuf.Any packed = 9;
  google.protobuf.FieldMask mask = 10;
  repeated google.protobuf.Timestamp history = 11;
  google.protobuf.BoolValue flag = 12;
}
"#,
        )]);
        assert_clean(&out);
        assert_eq!(names(&out), ["wkt.proto"], "well-known imports are not contracts");
        let c = contract(&out, "wkt.proto");
        let f = |n: &str| field_of(c, "demo.All", n);
        let prim = |p| TypeKind::Primitive { primitive: p };

        let at = f("at");
        assert_eq!(at.ty.kind, prim(Primitive::Timestamp));
        assert_eq!(at.ty.extensions[EXT_PROTO_TYPE], "google.protobuf.Timestamp");
        assert!(!at.ty.nullable);
        assert_eq!(proto(&at).proto_type, ".google.protobuf.Timestamp");
        assert_eq!(f("took").ty.kind, prim(Primitive::Duration));

        let parent = f("parent");
        assert_eq!(parent.ty.kind, prim(Primitive::Int64));
        assert!(parent.ty.nullable);
        assert_eq!(parent.ty.extensions[EXT_PROTO_TYPE], "google.protobuf.Int64Value");
        assert_eq!(f("label").ty.summary(), "string?");
        assert_eq!(f("flag").ty.summary(), "bool?");

        assert_eq!(f("attrs").ty.summary(), "map<string,any>");
        assert_eq!(f("anything").ty.kind, TypeKind::Any);
        assert_eq!(f("list").ty.summary(), "array<any>");
        assert_eq!(
            f("nothing").ty.kind,
            TypeKind::Ref {
                target: "google.protobuf.Empty".into()
            }
        );
        assert_eq!(
            f("packed").ty.kind,
            TypeKind::Ref {
                target: "google.protobuf.Any".into()
            }
        );
        assert_eq!(
            f("mask").ty.kind,
            TypeKind::Ref {
                target: "google.protobuf.FieldMask".into()
            }
        );
        assert_eq!(f("history").ty.summary(), "array<timestamp>");
        assert_eq!(proto(&f("history")).label, "repeated");
    }

    #[test]
    fn proto2_required_fields_and_defaults() {
        let (_dir, out) = load(&[(
            "legacy.proto",
            r#"syntax = "proto2";
package legacy;
enum Level { LOW = 1; HIGH = 2; }
message Order {
  required int64 id = 1;
  optional int32 quantity = 2 [default = 7];
  optional string note = 3 [default = "none"];
  optional Level level = 4 [default = HIGH];
  optional double ratio = 5 [default = inf];
  optional bool rush = 6 [default = true];
  repeated int32 codes = 7 [packed = true];
  optional uint32 plain = 8;
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "legacy.proto");
        assert_eq!(c.format_version.as_deref(), Some("proto2"));
        let f = |n: &str| field_of(c, "legacy.Order", n);
        let id = f("id");
        assert!(id.required);
        assert_eq!(proto(&id).label, "required");
        assert_eq!(proto(&id).proto_type, "int64");
        let quantity = f("quantity");
        assert!(!quantity.required);
        assert_eq!(proto(&quantity).label, "optional");
        assert_eq!(quantity.ty.default.as_deref(), Some(&serde_json::json!(7)));
        assert_eq!(f("note").ty.default.as_deref(), Some(&serde_json::json!("none")));
        assert_eq!(f("level").ty.default.as_deref(), Some(&serde_json::json!("HIGH")));
        assert_eq!(f("ratio").ty.default.as_deref(), Some(&serde_json::json!("Infinity")));
        assert_eq!(f("rush").ty.default.as_deref(), Some(&serde_json::json!(true)));
        assert_eq!(f("plain").ty.default, None);
        let codes = f("codes");
        assert!(proto(&codes).packed, "explicitly packed");
        assert_eq!(codes.ty.summary(), "array<int32>");
        assert_eq!(c.types["legacy.Order"].proto.as_ref().unwrap().syntax, "proto2");
    }

    #[test]
    fn proto3_presence_and_oneofs() {
        let (_dir, out) = load(&[(
            "p3.proto",
            r#"syntax = "proto3";
package p3;
message Contact {
  string name = 1;
  optional string nickname = 2;
  oneof channel {
    string email = 3;
    string phone = 4;
  }
  Contact referrer = 5;
  int32 age = 6 [deprecated = true, json_name = "years"];
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "p3.proto");
        assert_eq!(c.format_version.as_deref(), Some("proto3"));
        let f = |n: &str| field_of(c, "p3.Contact", n);
        assert_eq!(proto(&f("name")).label, "singular");
        let nickname = f("nickname");
        assert_eq!(proto(&nickname).label, "optional");
        assert_eq!(
            proto(&nickname).oneof,
            None,
            "a proto3 optional's synthetic oneof is not a oneof"
        );
        let email = f("email");
        assert_eq!(proto(&email).oneof.as_deref(), Some("channel"));
        assert!(!email.required);
        assert!(!email.ty.nullable);
        assert_eq!(proto(&f("referrer")).label, "optional");
        let age = f("age");
        assert!(age.ty.deprecated);
        assert_eq!(proto(&age).json_name, "years");
        assert_eq!(proto(&age).options["deprecated"], true);
        assert_eq!(proto(&f("name")).json_name, "name");
        let message = c.types["p3.Contact"].proto.as_ref().unwrap();
        assert_eq!(message.oneofs, ["channel"]);
    }

    #[test]
    fn proto3_repeated_scalars_are_packed_unless_said_otherwise() {
        let (_dir, out) = load(&[(
            "packed.proto",
            "syntax = \"proto3\";\nenum E { E_0 = 0; }\nmessage P {\n  repeated int32 a = 1;\n  repeated int32 b = 2 [packed = false];\n  repeated string c = 3;\n  repeated E d = 4;\n  int32 e = 5;\n}\n",
        )]);
        assert_clean(&out);
        let c = contract(&out, "packed.proto");
        let packed: Vec<bool> = fields(c, "P").iter().map(|f| proto(f).packed).collect();
        assert_eq!(packed, [true, false, false, true, false]);
    }

    #[test]
    fn map_fields_are_maps_and_entries_are_not_types() {
        let (_dir, out) = load(&[(
            "maps.proto",
            r#"syntax = "proto3";
package maps;
message Item { string sku = 1; }
message Cart {
  map<string, int64> counts = 1;
  map<int32, Item> items = 2;
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "maps.proto");
        assert_eq!(c.types.keys().collect::<Vec<_>>(), ["maps.Item", "maps.Cart"]);
        let counts = field_of(c, "maps.Cart", "counts");
        assert_eq!(counts.ty.summary(), "map<string,int64>");
        assert_eq!(proto(&counts).proto_type, "map<string, int64>");
        assert_eq!(proto(&counts).label, "repeated");
        let items = field_of(c, "maps.Cart", "items");
        assert_eq!(items.ty.summary(), "map<int32,maps.Item>");
        assert_eq!(proto(&items).proto_type, "map<int32, .maps.Item>");
    }

    #[test]
    fn reserved_ranges_are_inclusive_and_names_kept() {
        let (_dir, out) = load(&[(
            "reserved.proto",
            r#"syntax = "proto3";
package r;
message M {
  reserved 2, 15, 9 to 11, 40 to max;
  reserved "foo", "bar";
  int32 a = 1;
}
enum E {
  E_UNSPECIFIED = 0;
  reserved 3, 5 to 7;
  reserved "OLD";
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "reserved.proto");
        let m = c.types["r.M"].proto.as_ref().unwrap();
        assert_eq!(m.reserved_ranges, [(2, 2), (15, 15), (9, 11), (40, 536_870_911)]);
        assert_eq!(m.reserved_names, ["foo", "bar"]);
        let e = c.types["r.E"].proto.as_ref().unwrap();
        assert_eq!(e.reserved_ranges, [(3, 3), (5, 7)]);
        assert_eq!(e.reserved_names, ["OLD"]);
    }

    #[test]
    fn nested_declarations_are_named_types_with_locations() {
        let (dir, out) = load(&[(
            "nested.proto",
            r#"syntax = "proto3";
package shop.v1;

message Outer {
  message Inner {
    message Deep { bool ok = 1; }
    Deep deep = 1;
  }
  enum Kind {
    KIND_UNSPECIFIED = 0;
    // The big one.
    KIND_BIG = 1 [deprecated = true];
  }
  Inner inner = 1;
  Kind kind = 2;
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "nested.proto");
        assert_eq!(
            c.types.keys().collect::<Vec<_>>(),
            [
                "shop.v1.Outer",
                "shop.v1.Outer.Inner",
                "shop.v1.Outer.Inner.Deep",
                "shop.v1.Outer.Kind"
            ]
        );
        let deep = &c.types["shop.v1.Outer.Inner.Deep"];
        assert_eq!(deep.name, "Deep");
        assert_eq!(deep.namespace.as_deref(), Some("shop.v1"));
        assert_eq!(deep.origin, TypeOrigin::Message);
        assert_eq!((deep.location.line, deep.location.col), (6, 5));
        assert_eq!(deep.location.pointer, "shop.v1.Outer.Inner.Deep");
        let inner = field_of(c, "shop.v1.Outer", "inner");
        assert_eq!(
            inner.ty.kind,
            TypeKind::Ref {
                target: "shop.v1.Outer.Inner".into()
            }
        );
        assert_eq!(inner.location.pointer, "shop.v1.Outer.inner");
        assert_eq!((inner.location.line, inner.location.col), (14, 3));
        assert_eq!(
            &*inner.location.file,
            super::super::display_path(&dir.path().join("nested.proto"))
        );

        let kind = &c.types["shop.v1.Outer.Kind"];
        assert_eq!(kind.origin, TypeOrigin::Enum);
        let TypeKind::Enum { values } = &kind.ty.kind else {
            panic!("not an enum")
        };
        assert_eq!(values.len(), 2);
        assert_eq!(values[1].name, "KIND_BIG");
        assert_eq!(values[1].number, Some(1));
        assert!(values[1].deprecated);
        assert_eq!(values[1].description.as_deref(), Some("The big one."));
        assert_eq!(values[1].location.pointer, "shop.v1.Outer.Kind.KIND_BIG");
        assert_eq!(values[1].location.line, 12);
    }

    #[test]
    fn services_with_streaming_and_options() {
        let (_dir, out) = load(&[(
            "svc.proto",
            r#"syntax = "proto3";
package svc.v1;
import "google/protobuf/empty.proto";
message Req { string id = 1; }
message Resp { string id = 1; }
service Things {
  option deprecated = true;
  rpc Get(Req) returns (Resp) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Upload(stream Req) returns (Resp);
  rpc Watch(Req) returns (stream Resp) { option deprecated = true; }
  rpc Chat(stream Req) returns (stream Resp);
  rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty);
}
"#,
        )]);
        assert_clean(&out);
        let c = contract(&out, "svc.proto");
        assert_eq!(c.services.len(), 1);
        let s = &c.services[0];
        assert_eq!(s.name, "svc.v1.Things");
        assert_eq!(s.file, "svc.proto");
        assert_eq!(s.options["deprecated"], true);
        assert_eq!(s.location.line, 6);
        let rpc = |n: &str| s.rpcs.iter().find(|r| r.name == n).unwrap();
        let get = rpc("Get");
        assert_eq!((get.input.as_str(), get.output.as_str()), ("svc.v1.Req", "svc.v1.Resp"));
        assert!(!get.client_streaming && !get.server_streaming);
        assert_eq!(get.options["idempotency_level"], "NO_SIDE_EFFECTS");
        assert_eq!(get.location.pointer, "svc.v1.Things.Get");
        assert_eq!(get.location.line, 8);
        assert!(rpc("Upload").client_streaming && !rpc("Upload").server_streaming);
        assert!(!rpc("Watch").client_streaming && rpc("Watch").server_streaming);
        assert!(rpc("Watch").deprecated);
        assert!(rpc("Chat").client_streaming && rpc("Chat").server_streaming);
        assert_eq!(rpc("Ping").input, "google.protobuf.Empty");
    }

    #[test]
    fn custom_options_are_readable_by_full_name() {
        let (_dir, out) = load(&[
            (
                "protos/acme/options.proto",
                r#"syntax = "proto3";
package acme;
import "google/protobuf/descriptor.proto";
message Owner { string team = 1; repeated string emails = 2; }
extend google.protobuf.FieldOptions {
  bool pii = 50001;
  string classification = 50002;
}
extend google.protobuf.MessageOptions {
  Owner owner = 50003;
}
extend google.protobuf.FileOptions {
  int32 tier = 50004;
}
"#,
            ),
            (
                "protos/crm/person.proto",
                r#"syntax = "proto3";
package crm;
import "acme/options.proto";
option (acme.tier) = 2;
option java_package = "com.example.crm";
message Person {
  option (acme.owner) = { team: "crm" emails: ["a@example.com", "b@example.com"] };
  string email = 1 [(acme.pii) = true, (acme.classification) = "confidential"];
  string name = 2;
}
"#,
            ),
        ]);
        assert_clean(&out);
        let c = contract(&out, "crm/person.proto");
        let email = field_of(c, "crm.Person", "email");
        assert_eq!(proto(&email).options["acme.pii"], true);
        assert_eq!(proto(&email).options["acme.classification"], "confidential");
        assert!(proto(&field_of(c, "crm.Person", "name")).options.is_empty());
        let person = c.types["crm.Person"].proto.as_ref().unwrap();
        assert_eq!(
            person.options["acme.owner"],
            serde_json::json!({"team": "crm", "emails": ["a@example.com", "b@example.com"]})
        );
        let file = &c.proto_files["crm/person.proto"];
        assert_eq!(file.options["acme.tier"], 2);
        assert_eq!(file.options["java_package"], "com.example.crm");
        // The file defining the options is a contract too, with its message.
        assert!(contract(&out, "acme/options.proto").types.contains_key("acme.Owner"));
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let (dir, out) = load(&[(
            "bad.proto",
            "syntax = \"proto3\";\n\nmessage Broken {\n  int32 x = ;\n}\n",
        )]);
        assert!(out.contracts.is_empty());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.rule, lint::PARSE_ERROR.id);
        let location = f.location.as_ref().unwrap();
        assert_eq!(
            &*location.file,
            super::super::display_path(&dir.path().join("bad.proto"))
        );
        assert_eq!((location.line, location.col), (4, 13));
        assert!(f.message.contains("expected"), "{}", f.message);
        assert_eq!(out.unusable, [location.file.to_string()]);
    }

    #[test]
    fn columns_count_characters() {
        let (_dir, out) = load(&[("u.proto", "syntax = \"proto3\";\n// héllo wörld\nmessage Ü {}\n")]);
        let f = &out.findings[0];
        let location = f.location.as_ref().unwrap();
        assert_eq!((location.line, location.col), (3, 9), "{f:#?}");
    }

    #[test]
    fn unknown_type_is_a_compile_error_at_the_reference() {
        let (_dir, out) = load(&[(
            "unknown.proto",
            "syntax = \"proto3\";\npackage u;\nmessage A {\n  string ok = 1;\n  Missing gone = 2;\n}\n",
        )]);
        assert!(out.contracts.is_empty());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.rule, lint::PROTO_COMPILE_ERROR.id);
        assert!(f.message.contains("Missing"), "{}", f.message);
        let location = f.location.as_ref().unwrap();
        assert_eq!((location.line, location.col), (5, 3));
    }

    #[test]
    fn missing_import_points_at_the_import() {
        let (_dir, out) = load(&[(
            "needs.proto",
            "syntax = \"proto3\";\npackage n;\nimport \"google/protobuf/empty.proto\";\nimport \"vendor/nowhere.proto\";\nmessage A {}\n",
        )]);
        assert!(out.contracts.is_empty());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.rule, lint::PROTO_COMPILE_ERROR.id);
        assert!(f.message.contains("vendor/nowhere.proto"), "{}", f.message);
        let location = f.location.as_ref().unwrap();
        assert_eq!((location.line, location.col), (4, 1));
        assert!(f.help.is_some());
        assert_eq!(out.unusable.len(), 1);
    }

    #[test]
    fn one_bad_file_does_not_stop_the_others() {
        let (_dir, out) = load(&[
            ("a_bad.proto", "syntax = \"proto3\";\nmessage Bad { Nope n = 1; }\n"),
            ("b_good.proto", "syntax = \"proto3\";\nmessage Good { int32 n = 1; }\n"),
            ("c_broken.proto", "syntax = \"proto3\";\nmessage {\n"),
            (
                "d_good.proto",
                "syntax = \"proto3\";\nimport \"b_good.proto\";\nmessage AlsoGood { Good g = 1; }\n",
            ),
        ]);
        assert_eq!(names(&out), ["b_good.proto", "d_good.proto"]);
        assert_eq!(out.unusable.len(), 2);
        assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
    }

    #[test]
    fn a_file_importing_a_broken_file_is_reported_too() {
        let (_dir, out) = load(&[
            (
                "lib/base.proto",
                "syntax = \"proto3\";\npackage base;\nmessage B { Unknown u = 1; }\n",
            ),
            (
                "lib/user.proto",
                "syntax = \"proto3\";\npackage user;\nimport \"base.proto\";\nmessage U { base.B b = 1; }\n",
            ),
        ]);
        assert!(out.contracts.is_empty());
        assert_eq!(out.unusable.len(), 2);
        let messages: Vec<&str> = out.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("'base.proto' has errors")),
            "{messages:?}"
        );
        let unknown = out.findings.iter().find(|f| f.message.contains("Unknown")).unwrap();
        let location = unknown.location.as_ref().unwrap();
        assert!(location.file.ends_with("lib/base.proto"), "{location:?}");
        assert_eq!((location.line, location.col), (3, 13));
    }

    #[test]
    fn an_error_in_an_import_outside_the_requested_files_points_into_it() {
        let (dir, paths) = workspace(&[
            (
                "vendor/dep.proto",
                "syntax = \"proto3\";\npackage dep;\n\nmessage D { Nowhere n = 1; }\n",
            ),
            (
                "api/use.proto",
                "syntax = \"proto3\";\nimport \"dep.proto\";\nmessage U { dep.D d = 1; }\n",
            ),
        ]);
        let out = load_files(&paths[1..], &[dir.path().join("vendor")]);
        assert!(out.contracts.is_empty());
        let nowhere = out.findings.iter().find(|f| f.message.contains("Nowhere")).unwrap();
        let location = nowhere.location.as_ref().unwrap();
        assert!(location.file.ends_with("vendor/dep.proto"), "{location:?}");
        assert_eq!((location.line, location.col), (4, 13));
        assert_eq!(out.unusable.len(), 1);
        assert!(out.unusable[0].ends_with("api/use.proto"));
    }

    #[test]
    fn newer_well_known_copies_on_disk_do_not_break_imports() {
        // Google's current descriptor.proto uses syntax protox cannot parse yet; files importing it
        // must still compile against the built-in copy.
        let (_dir, out) = load(&[
            (
                "protos/google/protobuf/descriptor.proto",
                "syntax = \"proto2\";\nmessage FieldOptions {\n  extensions 1000 [declaration = {}];\n}\n",
            ),
            (
                "protos/acme/opts.proto",
                "syntax = \"proto3\";\npackage acme;\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FieldOptions { bool pii = 50001; }\n",
            ),
            (
                "protos/acme/user.proto",
                "syntax = \"proto3\";\npackage acme;\nimport \"acme/opts.proto\";\nmessage User { string email = 1 [(acme.pii) = true]; }\n",
            ),
        ]);
        assert_eq!(
            names(&out),
            ["acme/opts.proto", "acme/user.proto"],
            "{:#?}",
            out.findings
        );
        assert_eq!(
            proto(&field_of(contract(&out, "acme/user.proto"), "acme.User", "email")).options["acme.pii"],
            true
        );
        // The broken copy itself was asked for, so it is reported.
        assert_eq!(out.unusable.len(), 1);
        assert!(out.unusable[0].ends_with("google/protobuf/descriptor.proto"));
    }

    #[test]
    fn the_same_type_in_two_files_is_a_duplicate() {
        let (_dir, out) = load(&[
            (
                "one.proto",
                "syntax = \"proto3\";\npackage dup;\nmessage Same { int32 a = 1; }\n",
            ),
            (
                "two.proto",
                "syntax = \"proto3\";\npackage dup;\nmessage Same { int32 b = 1; }\n",
            ),
        ]);
        assert_eq!(names(&out), ["one.proto"]);
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.rule, lint::DUPLICATE_TYPE.id);
        assert!(f.message.contains("dup.Same"), "{}", f.message);
        assert_eq!(f.location.as_ref().unwrap().line, 3);
    }

    #[test]
    fn files_with_the_same_name_in_different_roots_both_load() {
        let (_dir, out) = load(&[
            (
                "old/api.proto",
                "syntax = \"proto3\";\npackage api;\nmessage A { int32 a = 1; }\n",
            ),
            (
                "new/api.proto",
                "syntax = \"proto3\";\npackage api;\nmessage A { int64 a = 1; }\n",
            ),
        ]);
        assert_clean(&out);
        assert_eq!(names(&out), ["api.proto", "api.proto"]);
        let kinds: Vec<String> = out
            .contracts
            .iter()
            .map(|c| field_of(c, "api.A", "a").ty.summary())
            .collect();
        assert_eq!(kinds, ["int32", "int64"]);
    }

    #[test]
    fn editions_files_compile_with_presence_from_features() {
        let (_dir, out) = load(&[(
            "ed.proto",
            "// Editions.\nedition = \"2023\";\npackage ed;\noption features.field_presence = IMPLICIT;\n\
message M {\n  int32 a = 1;\n  string b = 2 [features.field_presence = EXPLICIT];\n  int32 c = 3 [features.field_presence = LEGACY_REQUIRED];\n}\n",
        )]);
        assert_clean(&out);
        let c = &out.contracts[0];
        assert_eq!(c.format_version.as_deref(), Some("editions 2023"));
        let label = |name: &str| field_of(c, "ed.M", name).proto.as_ref().unwrap().label.clone();
        assert_eq!(label("a"), "singular");
        assert_eq!(label("b"), "optional");
        assert_eq!(label("c"), "required");
        assert!(field_of(c, "ed.M", "c").required);
        assert_eq!(field_of(c, "ed.M", "b").location.line, 7);
    }

    #[test]
    fn editions_syntax_errors_keep_their_positions() {
        let (_dir, out) = load(&[("ed.proto", "edition = \"2023\";\nmessage M {\n  int32 a = ;\n}\n")]);
        assert!(out.contracts.is_empty());
        assert_eq!(
            out.findings[0].location.as_ref().unwrap().line,
            3,
            "{:#?}",
            out.findings
        );
    }

    #[test]
    fn import_cycles_are_reported_not_followed() {
        let (_dir, out) = load(&[
            (
                "cyc/a.proto",
                "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A {}\n",
            ),
            (
                "cyc/b.proto",
                "syntax = \"proto3\";\nimport \"a.proto\";\nmessage B {}\n",
            ),
            ("cyc/ok.proto", "syntax = \"proto3\";\nmessage Ok {}\n"),
        ]);
        assert_eq!(names(&out), ["ok.proto"]);
        assert_eq!(out.unusable.len(), 2);
        assert!(
            out.findings.iter().any(|f| f.message.contains("cycle")),
            "{:#?}",
            out.findings
        );
    }

    #[test]
    fn the_same_file_given_twice_loads_once() {
        let (_dir, paths) = workspace(&[("a.proto", "syntax = \"proto3\";\nmessage A {}\n")]);
        let out = load_files(&[paths[0].clone(), paths[0].clone()], &[]);
        assert_clean(&out);
        assert_eq!(out.contracts.len(), 1);
    }

    #[test]
    fn unreadable_file_is_a_parse_error() {
        let (dir, mut paths) = workspace(&[("ok.proto", "syntax = \"proto3\";\nmessage A {}\n")]);
        std::fs::write(dir.path().join("latin1.proto"), b"// caf\xe9\nmessage B {}\n").unwrap();
        paths.push(dir.path().join("latin1.proto"));
        paths.push(dir.path().join("gone.proto"));
        let out = load_files(&paths, &[]);
        assert_eq!(names(&out), ["ok.proto"]);
        assert_eq!(out.unusable.len(), 2);
        assert!(out.findings.iter().all(|f| f.rule == lint::PARSE_ERROR.id));
    }

    #[test]
    fn descriptor_set_round_trip() {
        let (dir, _paths) = workspace(&[("erp/common.proto", COMMON), ("erp/customer_service.proto", SERVICE)]);
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(true).include_source_info(true);
        compiler.open_file("erp/customer_service.proto").unwrap();
        let bytes = compiler.encode_file_descriptor_set();

        let (contracts, findings) = load_descriptor_set("set.binpb", &bytes).unwrap();
        assert!(findings.is_empty());
        let names: Vec<&str> = contracts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["erp/common.proto", "erp/customer_service.proto"]);
        let service = &contracts[1];
        assert_eq!(service.files, ["set.binpb"]);
        let customer = &service.types["erp.customers.v1.Customer"];
        assert_eq!(&*customer.location.file, "set.binpb");
        assert_eq!(customer.location.line, 0);
        assert_eq!(customer.location.to_string(), "set.binpb");
        let TypeKind::Object(o) = &customer.ty.kind else {
            panic!()
        };
        assert_eq!(
            o.fields[0].ty.kind,
            TypeKind::Ref {
                target: "erp.customers.v1.Money".into()
            }
        );
        assert_eq!(
            contracts[0].types["erp.customers.v1.Money"].ty.description.as_deref(),
            Some("An amount of money.")
        );
    }

    #[test]
    fn descriptor_set_keeps_custom_options() {
        let (dir, _paths) = workspace(&[
            (
                "acme/opts.proto",
                "syntax = \"proto3\";\npackage acme;\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FieldOptions { string owner = 50001; }\n",
            ),
            (
                "acme/user.proto",
                "syntax = \"proto3\";\npackage acme;\nimport \"acme/opts.proto\";\nmessage User { string email = 1 [(acme.owner) = \"crm\"]; }\n",
            ),
        ]);
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(true);
        compiler.open_file("acme/user.proto").unwrap();
        let (contracts, _) = load_descriptor_set("user.pb", &compiler.encode_file_descriptor_set()).unwrap();
        let names: Vec<&str> = contracts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["acme/opts.proto", "acme/user.proto"],
            "descriptor.proto is not a contract"
        );
        let email = field_of(&contracts[1], "acme.User", "email");
        assert_eq!(proto(&email).options["acme.owner"], "crm");
    }

    #[test]
    fn descriptor_set_with_editions_says_so() {
        let file = prost_types::FileDescriptorProto {
            name: Some("ed.proto".into()),
            syntax: Some("editions".into()),
            ..Default::default()
        };
        let bytes = prost_types::FileDescriptorSet { file: vec![file] }.encode_to_vec();
        let err = load_descriptor_set("ed.pb", &bytes).unwrap_err();
        assert!(err.message.contains("Editions"), "{}", err.message);
    }

    #[test]
    fn descriptor_set_without_its_well_known_imports_still_loads() {
        let (dir, _paths) = workspace(&[(
            "t.proto",
            "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\nmessage T { google.protobuf.Timestamp at = 1; }\n",
        )]);
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(false);
        compiler.open_file("t.proto").unwrap();
        let bytes = compiler.encode_file_descriptor_set();
        let (contracts, _) = load_descriptor_set("t.pb", &bytes).unwrap();
        assert_eq!(contracts.len(), 1);
        let TypeKind::Object(o) = &contracts[0].types["T"].ty.kind else {
            panic!()
        };
        assert_eq!(
            o.fields[0].ty.kind,
            TypeKind::Primitive {
                primitive: Primitive::Timestamp
            }
        );
    }

    #[test]
    fn invalid_descriptor_set_is_a_parse_error() {
        let err = load_descriptor_set("junk.pb", b"\xff\xff\xff\xff not protobuf").unwrap_err();
        assert_eq!(err.rule, lint::PARSE_ERROR.id);
        assert!(
            err.message.starts_with("not a valid FileDescriptorSet"),
            "{}",
            err.message
        );
        assert_eq!(&*err.location.as_ref().unwrap().file, "junk.pb");

        // Well-formed bytes, but a file whose import is missing from the set.
        let file = prost_types::FileDescriptorProto {
            name: Some("a.proto".into()),
            dependency: vec!["missing.proto".into()],
            ..Default::default()
        };
        let bytes = prost_types::FileDescriptorSet { file: vec![file] }.encode_to_vec();
        let err = load_descriptor_set("dangling.pb", &bytes).unwrap_err();
        assert!(err.message.contains("missing.proto"), "{}", err.message);
    }

    #[test]
    fn corrupted_descriptor_sets_never_panic() {
        let (dir, _paths) = workspace(&[(
            "x/all.proto",
            "syntax = \"proto2\";\npackage x;\nimport \"google/protobuf/timestamp.proto\";\nenum E { A = 1; B = 2; }\nmessage M {\n  optional E e = 1 [default = B, deprecated = true];\n  map<string, M> m = 2;\n  repeated int32 r = 3 [packed = true];\n  oneof o { string s = 4; }\n  optional google.protobuf.Timestamp t = 5;\n  reserved 10 to 20;\n  extensions 100 to 200;\n}\nextend M { optional int32 ext = 100; }\nservice S { rpc Call(M) returns (stream M); }\n",
        )]);
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(false).include_source_info(false);
        compiler.open_file("x/all.proto").unwrap();
        let bytes = compiler.encode_file_descriptor_set();
        assert!(load_descriptor_set("ok.pb", &bytes).is_ok());
        // Every byte replaced by a few values, and every prefix: each either loads or is a finding.
        for i in 0..bytes.len() {
            for value in [0x00, 0x01, 0x7f, 0x80, 0xff, bytes[i] ^ 0x08] {
                let mut mutated = bytes.clone();
                mutated[i] = value;
                let _ = load_descriptor_set("mutated.pb", &mutated);
            }
            let _ = load_descriptor_set("truncated.pb", &bytes[..i]);
        }
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn edition_detection_skips_comments() {
        assert!(declares_edition("/* x */ // y\n edition = \"2023\";"));
        assert!(!declares_edition("syntax = \"proto3\";"));
        assert!(!declares_edition("message editions {}"));
    }
}

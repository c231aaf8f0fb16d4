//! Avro: `.avsc` schemas and `.avpr` protocols, read into the contract model.
//!
//! Named types may be used across all the files read together, in any order, so loading has three
//! steps: collect every declaration (full name -> where it is), convert each file into one
//! [`Contract`], then check defaults, which can only be judged once the types they mention are known.
//!
//! Every use of a named type, its inline declaration included, becomes a [`TypeKind::Ref`] to the
//! type's full name; the declaration itself goes into the declaring file's `types`. That is what keeps
//! recursive records (`["null", "Node"]`) finite.

mod collect;
mod convert;
mod declare;
mod defaults;
mod logical;
mod names;
mod protocol;

use collect::*;
use convert::*;
pub(crate) use defaults::Base;
use defaults::*;
use logical::*;
use names::*;

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::SourceFile;
use super::tree::{self, Node, Value};
use crate::finding::{Finding, RuleMeta};
use crate::load::lint;
use crate::model::{
    AvroMessage, Contract, EnumValue, Field, Format, Location, NamedType, ObjectType, Primitive, Type, TypeKind,
    TypeOrigin, UnionKind, pointer_push,
};

/// Extension key: the logical type as written (`decimal`, `timestamp-millis`, or an unknown one).
pub const EXT_LOGICAL_TYPE: &str = "avro.logicalType";
/// Extension key: the Avro type a logical type annotates (`bytes`, `fixed`, `long`, ...).
pub const EXT_TYPE: &str = "avro.type";
/// Extension key: the size of the `fixed` a logical type annotates.
pub const EXT_SIZE: &str = "avro.size";
/// Extension key on a type that came from a union with `null`: whether `null` is the first branch
/// (which decides what a default may be).
pub const EXT_NULL_FIRST: &str = "avro.null_first";
/// Extension key on a field's type whose default does not fit the type (an `invalid-avro-default`
/// lint finding says why). Schema resolution cannot use such a default.
pub const EXT_INVALID_DEFAULT: &str = "avro.invalid_default";

const PRIMITIVES: [&str; 8] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];
const NAMED_KINDS: [&str; 4] = ["record", "error", "enum", "fixed"];
const FIELD_ORDERS: [&str; 3] = ["ascending", "descending", "ignore"];

/// Backstop for the converters' recursion; the tree is at most [`tree::MAX_DEPTH`] deep already.
const MAX_NESTING: usize = 2 * tree::MAX_DEPTH;
/// Backstop for default checking, which follows references (each hop also descends the value).
const MAX_DEFAULT_DEPTH: usize = 4 * tree::MAX_DEPTH;
/// Budget of checks for one default. Looking for the union branch a default would fit (for the
/// hint) can multiply work at every nested union; past this budget the default is accepted.
const MAX_DEFAULT_STEPS: usize = 200_000;

/// Loads a set of Avro files that may refer to each other's named types: one contract per file.
pub fn load_set(docs: Vec<(SourceFile, Node)>) -> (Vec<Contract>, Vec<Finding>) {
    // A file named twice (a directory and a file inside it) is one file, not a set of duplicate types.
    let mut paths = HashSet::new();
    let docs: Vec<(SourceFile, Node)> = docs
        .into_iter()
        .filter(|(source, _)| paths.insert(source.path.clone()))
        .collect();

    let mut findings = Vec::new();
    let mut declared: IndexMap<String, Location> = IndexMap::new();
    for (source, node) in &docs {
        let mut collector = Collector {
            source,
            declared: &mut declared,
            findings: &mut findings,
        };
        collector.document(node);
    }

    let mut pending = Pending::default();
    let mut contracts = Vec::with_capacity(docs.len());
    for (source, node) in &docs {
        let converter = Converter {
            source,
            declared: &declared,
            findings: &mut findings,
            pending: &mut pending,
            types: IndexMap::new(),
        };
        contracts.push(converter.document(node));
    }

    let invalid = check_pending(&contracts, pending, &mut findings);
    mark_invalid_defaults(&mut contracts, &invalid);
    (contracts, findings)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn source(name: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(format!("/work/{name}")),
            display: name.to_string(),
        }
    }

    fn load(files: &[(&str, &str)]) -> (Vec<Contract>, Vec<Finding>) {
        let docs = files
            .iter()
            .map(|(name, text)| (source(name), tree::parse_json(text).expect("test input is JSON")))
            .collect();
        load_set(docs)
    }

    fn load_one(text: &str) -> (Contract, Vec<Finding>) {
        let (mut contracts, findings) = load(&[("a.avsc", text)]);
        assert_eq!(contracts.len(), 1);
        (contracts.remove(0), findings)
    }

    fn rules(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.rule).collect()
    }

    /// The findings of one rule, by message.
    fn messages<'f>(findings: &'f [Finding], rule: &RuleMeta) -> Vec<&'f str> {
        findings
            .iter()
            .filter(|f| f.rule == rule.id)
            .map(|f| f.message.as_str())
            .collect()
    }

    fn record<'c>(contract: &'c Contract, id: &str) -> &'c ObjectType {
        match &contract.types.get(id).unwrap_or_else(|| panic!("no type {id}")).ty.kind {
            TypeKind::Object(o) => o,
            other => panic!("{id} is not a record: {other:?}"),
        }
    }

    fn field<'c>(object: &'c ObjectType, name: &str) -> &'c Field {
        object
            .fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field {name}"))
    }

    fn ref_target(ty: &Type) -> &str {
        match &ty.kind {
            TypeKind::Ref { target } => target,
            other => panic!("not a reference: {other:?}"),
        }
    }

    /// One record `R` with one field `f` of `type_json`, and optionally a default.
    fn single_field(type_json: &str, default: Option<&str>) -> String {
        let default = default.map(|d| format!(", \"default\": {d}")).unwrap_or_default();
        format!(r#"{{"type": "record", "name": "R", "fields": [{{"name": "f", "type": {type_json}{default}}}]}}"#)
    }

    #[test]
    fn example_billing_contract_loads_cleanly() {
        let text = include_str!("../../../contracts/billing/customer_events.avsc");
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(contract.name, "com.example.billing.events.CustomerEvent");
        assert_eq!(contract.format, Format::Avro);
        assert!(contract.root.is_none());
        let ids: Vec<&str> = contract.types.keys().map(String::as_str).collect();
        assert_eq!(ids[0], "com.example.billing.events.CustomerEvent");
        assert!(ids.contains(&"com.example.billing.events.Address"));
        let customer = record(&contract, "com.example.billing.events.Customer");
        let email = field(customer, "email");
        assert!(email.ty.nullable && !email.required);
        assert_eq!(email.ty.extensions.get(EXT_NULL_FIRST), Some(&Json::Bool(true)));
        let shipping = &contract.types["com.example.billing.events.Shipping"];
        let address = field(
            match &shipping.ty.kind {
                TypeKind::Object(o) => o,
                _ => panic!("Shipping is a record"),
            },
            "address",
        );
        assert_eq!(ref_target(&address.ty), "com.example.billing.events.Address");
        assert_eq!(
            contract.types["com.example.billing.events.CustomerEvent"].aliases,
            vec!["com.example.billing.events.CustomerChanged".to_string()]
        );
    }

    #[test]
    fn fields_carry_doc_default_aliases_order_and_locations() {
        let text = r#"{
  "type": "record", "name": "Customer", "namespace": "com.example",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "balance", "type": "long", "default": 0, "doc": "In cents.", "aliases": ["bal"], "order": "descending"}
  ]
}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        let customer = record(&contract, "com.example.Customer");
        let id = field(customer, "id");
        assert!(id.required);
        assert_eq!(id.location.pointer, "/fields/0");
        assert_eq!((id.location.line, id.location.col), (4, 5));
        assert_eq!(id.ty.location.pointer, "/fields/0/type");
        let balance = field(customer, "balance");
        assert!(!balance.required);
        assert_eq!(balance.ty.default.as_deref(), Some(&serde_json::json!(0)));
        assert_eq!(balance.ty.description.as_deref(), Some("In cents."));
        assert_eq!(balance.aliases, vec!["bal".to_string()]);
        assert_eq!(balance.avro_order.as_deref(), Some("descending"));
        assert!(matches!(customer.additional, crate::model::Additional::Any));
        let named = &contract.types["com.example.Customer"];
        assert_eq!(
            (named.name.as_str(), named.namespace.as_deref()),
            ("Customer", Some("com.example"))
        );
        assert_eq!(named.origin, TypeOrigin::Record);
        assert_eq!(&*named.location.file, "a.avsc");
        assert_eq!(contract.files, vec!["a.avsc".to_string()]);
    }

    #[test]
    fn primitives_map_to_model_types() {
        for (avro, expected) in [
            ("\"boolean\"", Primitive::Bool),
            ("\"int\"", Primitive::Int32),
            ("\"long\"", Primitive::Int64),
            ("\"float\"", Primitive::Float),
            ("\"double\"", Primitive::Double),
            ("\"bytes\"", Primitive::Bytes),
            ("\"string\"", Primitive::String),
            ("{\"type\": \"string\"}", Primitive::String),
        ] {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert!(findings.is_empty(), "{avro}: {findings:#?}");
            let r = record(&contract, "R");
            assert_eq!(
                field(r, "f").ty.kind,
                TypeKind::Primitive { primitive: expected },
                "{avro}"
            );
        }
        let (contract, _) = load_one(&single_field("\"null\"", None));
        assert_eq!(field(record(&contract, "R"), "f").ty.kind, TypeKind::Null);
    }

    #[test]
    fn a_union_of_only_null_is_null() {
        let (contract, findings) = load_one(&single_field(r#"["null"]"#, Some("null")));
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(field(record(&contract, "R"), "f").ty.kind, TypeKind::Null);
    }

    #[test]
    fn messages_show_only_the_start_of_a_large_default() {
        let big = format!("\"{}\"", "x".repeat(100_000));
        let (_, findings) = load_one(&single_field("\"int\"", Some(&big)));
        let message = &findings.first().expect("a finding").message;
        assert!(message.len() < 300, "{message}");
        assert!(message.contains("..."), "{message}");
    }

    #[test]
    fn arrays_and_maps() {
        let (contract, findings) = load_one(&single_field(
            r#"{"type": "map", "values": {"type": "array", "items": "long"}}"#,
            Some(r#"{"a": [1, 2], "b": []}"#),
        ));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert_eq!(ty.summary(), "map<string,array<int64>>");
    }

    #[test]
    fn cross_file_references_resolve_in_either_order() {
        let address = r#"{"type": "record", "name": "Address", "namespace": "com.example.common", "fields": [{"name": "city", "type": "string"}]}"#;
        let customer = r#"{"type": "record", "name": "Customer", "namespace": "com.example.common",
            "fields": [{"name": "home", "type": "Address"}, {"name": "work", "type": "com.example.common.Address"}]}"#;
        for files in [
            [("address.avsc", address), ("customer.avsc", customer)],
            [("customer.avsc", customer), ("address.avsc", address)],
        ] {
            let (contracts, findings) = load(&files);
            assert!(findings.is_empty(), "{findings:#?}");
            let customer = contracts
                .iter()
                .find(|c| c.name == "com.example.common.Customer")
                .expect("customer contract");
            // Each file holds only what it declares.
            assert_eq!(customer.types.len(), 1);
            let r = record(customer, "com.example.common.Customer");
            assert_eq!(ref_target(&field(r, "home").ty), "com.example.common.Address");
            assert_eq!(ref_target(&field(r, "work").ty), "com.example.common.Address");
        }
    }

    #[test]
    fn defaults_are_checked_against_types_of_other_files() {
        let status = r#"{"type": "enum", "name": "Status", "symbols": ["ACTIVE", "CLOSED"]}"#;
        let account = r#"{"type": "record", "name": "Account", "fields": [
            {"name": "ok", "type": "Status", "default": "ACTIVE"},
            {"name": "bad", "type": "Status", "default": "OPEN"}]}"#;
        let (_, findings) = load(&[("account.avsc", account), ("status.avsc", status)]);
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 1, "{findings:#?}");
        assert!(
            bad[0].starts_with("field \"bad\" of record Account: default \"OPEN\" is not a symbol"),
            "{}",
            bad[0]
        );
        let finding = findings
            .iter()
            .find(|f| f.rule == lint::INVALID_AVRO_DEFAULT.id)
            .expect("finding");
        let location = finding.location.as_ref().expect("location");
        assert_eq!(
            (&*location.file, location.pointer.as_str()),
            ("account.avsc", "/fields/1/default")
        );
    }

    #[test]
    fn fields_with_invalid_defaults_are_marked() {
        let text = r#"{"type": "record", "name": "R", "fields": [
            {"name": "ok", "type": "int", "default": 1},
            {"name": "bad", "type": "int", "default": "one"},
            {"name": "nested", "type": {"type": "record", "name": "S", "fields": [
                {"name": "bad_too", "type": ["null", "string"], "default": "x"}]}}]}"#;
        let (contract, findings) = load_one(text);
        assert_eq!(
            messages(&findings, &lint::INVALID_AVRO_DEFAULT).len(),
            2,
            "{findings:#?}"
        );
        let marked = |record_id: &str, name: &str| {
            field(record(&contract, record_id), name)
                .ty
                .extensions
                .get(EXT_INVALID_DEFAULT)
                .is_some()
        };
        assert!(!marked("R", "ok"));
        assert!(marked("R", "bad"));
        assert!(!marked("S", "bad_too"), "Avro 1.12 reads it as the string branch");

        let text = r#"{"type": "record", "name": "R", "fields": [
            {"name": "no_branch", "type": ["null", "int"], "default": "x"},
            {"name": "deep", "type": {"type": "array", "items": ["null", "long"]}, "default": [1, "y"]}]}"#;
        let (contract, findings) = load_one(text);
        assert_eq!(
            messages(&findings, &lint::INVALID_AVRO_DEFAULT).len(),
            2,
            "{findings:#?}"
        );
        for name in ["no_branch", "deep"] {
            let f = field(record(&contract, "R"), name);
            assert!(f.ty.extensions.contains_key(EXT_INVALID_DEFAULT), "{name}");
        }
    }

    #[test]
    fn recursive_record_refers_to_itself() {
        let text = r#"{"type": "record", "name": "Node", "namespace": "list", "fields": [
            {"name": "value", "type": "long"},
            {"name": "next", "type": ["null", "Node"], "default": null}]}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        let next = &field(record(&contract, "list.Node"), "next").ty;
        assert_eq!(ref_target(next), "list.Node");
        assert!(next.nullable);
    }

    #[test]
    fn recursive_default_is_checked_and_terminates() {
        let text = r#"{"type": "record", "name": "Node", "fields": [
            {"name": "value", "type": "long"},
            {"name": "next", "type": ["null", "Node"], "default": null},
            {"name": "children", "type": {"type": "array", "items": "Node"},
             "default": [{"value": 1, "next": {"value": 2}}, {"value": 3, "next": null, "children": [{"value": "x"}]}]}]}"#;
        let (_, findings) = load_one(text);
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        // [0].next is not null although null is the union's first branch; [1].children[0].value is not a long.
        assert_eq!(bad.len(), 1, "{findings:#?}");
        assert!(bad[0].contains("default value at [0].next"), "{}", bad[0]);
        assert!(bad[0].contains("put \"Node\" first"), "{}", bad[0]);

        let text = r#"{"type": "record", "name": "Node", "fields": [
            {"name": "children", "type": {"type": "array", "items": "Node"},
             "default": [{"children": [{"children": [{"children": "x"}]}]}]}]}"#;
        let (_, findings) = load_one(text);
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 1, "{findings:#?}");
        assert!(
            bad[0].contains("at [0].children[0].children[0].children: \"x\" is not an array"),
            "{}",
            bad[0]
        );
    }

    #[test]
    fn nested_types_inherit_the_enclosing_namespace() {
        let text = r#"{"type": "record", "name": "Outer", "namespace": "a.b", "fields": [
            {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
                {"name": "deep", "type": {"type": "enum", "name": "Deep", "symbols": ["X"]}}]}},
            {"name": "other", "type": {"type": "fixed", "name": "Other", "namespace": "c.d", "size": 4}},
            {"name": "dotted", "type": {"type": "record", "name": "e.f.Dotted", "namespace": "ignored", "fields": [
                {"name": "child", "type": {"type": "enum", "name": "Child", "symbols": ["Y"]}}]}},
            {"name": "nullns", "type": {"type": "record", "name": "Bare", "namespace": "", "fields": [
                {"name": "child", "type": {"type": "enum", "name": "BareChild", "symbols": ["Z"]}}]}},
            {"name": "again", "type": "Inner"},
            {"name": "again_bare", "type": "Bare"}]}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        let ids: Vec<&str> = contract.types.keys().map(String::as_str).collect();
        assert_eq!(
            ids,
            vec![
                "a.b.Outer",
                "a.b.Inner",
                "a.b.Deep",
                "c.d.Other",
                "e.f.Dotted",
                "e.f.Child",
                "Bare",
                "BareChild"
            ]
        );
        assert_eq!(contract.types["Bare"].namespace, None);
        assert_eq!(contract.types["e.f.Dotted"].name, "Dotted");
        let outer = record(&contract, "a.b.Outer");
        assert_eq!(ref_target(&field(outer, "again").ty), "a.b.Inner");
        // A bare name not found in the enclosing namespace falls back to the null namespace.
        assert_eq!(ref_target(&field(outer, "again_bare").ty), "Bare");
    }

    #[test]
    fn aliases_resolve_to_full_names() {
        let text =
            r#"{"type": "record", "name": "New", "namespace": "n", "aliases": ["Old", "x.Older"], "fields": []}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(
            contract.types["n.New"].aliases,
            vec!["n.Old".to_string(), "x.Older".to_string()]
        );
    }

    #[test]
    fn valid_logical_types_map_to_primitives() {
        let cases = [
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}"#,
                Primitive::Decimal {
                    precision: 12,
                    scale: 2,
                },
                "bytes",
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4}"#,
                Primitive::Decimal { precision: 4, scale: 0 },
                "bytes",
            ),
            (
                r#"{"type": "string", "logicalType": "uuid"}"#,
                Primitive::Uuid,
                "string",
            ),
            (r#"{"type": "int", "logicalType": "date"}"#, Primitive::Date, "int"),
            (
                r#"{"type": "int", "logicalType": "time-millis"}"#,
                Primitive::Time,
                "int",
            ),
            (
                r#"{"type": "long", "logicalType": "time-micros"}"#,
                Primitive::Time,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "timestamp-millis"}"#,
                Primitive::Timestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "timestamp-micros"}"#,
                Primitive::Timestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "timestamp-nanos"}"#,
                Primitive::Timestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "local-timestamp-millis"}"#,
                Primitive::LocalTimestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "local-timestamp-micros"}"#,
                Primitive::LocalTimestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "local-timestamp-nanos"}"#,
                Primitive::LocalTimestamp,
                "long",
            ),
        ];
        for (avro, expected, underlying) in cases {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert!(findings.is_empty(), "{avro}: {findings:#?}");
            let ty = &field(record(&contract, "R"), "f").ty;
            assert_eq!(ty.kind, TypeKind::Primitive { primitive: expected }, "{avro}");
            assert_eq!(ty.extensions.get(EXT_TYPE), Some(&Json::from(underlying)), "{avro}");
            assert!(ty.extensions.contains_key(EXT_LOGICAL_TYPE), "{avro}");
        }
    }

    #[test]
    fn logical_types_on_named_fixed_live_on_the_declaration() {
        let cases = [
            (
                r#"{"type": "fixed", "name": "D", "size": 16, "logicalType": "decimal", "precision": 38, "scale": 9}"#,
                Primitive::Decimal {
                    precision: 38,
                    scale: 9,
                },
            ),
            (
                r#"{"type": "fixed", "name": "D", "size": 16, "logicalType": "uuid"}"#,
                Primitive::Uuid,
            ),
            (
                r#"{"type": "fixed", "name": "D", "size": 12, "logicalType": "duration"}"#,
                Primitive::Duration,
            ),
        ];
        for (avro, expected) in cases {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert!(findings.is_empty(), "{avro}: {findings:#?}");
            assert_eq!(ref_target(&field(record(&contract, "R"), "f").ty), "D");
            let declared = &contract.types["D"];
            assert_eq!(declared.origin, TypeOrigin::Fixed);
            assert_eq!(declared.ty.kind, TypeKind::Primitive { primitive: expected }, "{avro}");
            assert_eq!(declared.ty.extensions.get(EXT_TYPE), Some(&Json::from("fixed")));
            assert!(declared.ty.extensions.contains_key(EXT_SIZE));
        }
    }

    #[test]
    fn invalid_logical_types_warn_and_keep_the_underlying_type() {
        let cases = [
            (
                r#"{"type": "string", "logicalType": "decimal", "precision": 4}"#,
                TypeKind::Primitive {
                    primitive: Primitive::String,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 0}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4.5}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 5}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": -1}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "uuid"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "long", "logicalType": "date"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int64,
                },
            ),
            (
                r#"{"type": "long", "logicalType": "time-millis"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int64,
                },
            ),
            (
                r#"{"type": "int", "logicalType": "time-micros"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int32,
                },
            ),
            (
                r#"{"type": "int", "logicalType": "timestamp-millis"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int32,
                },
            ),
            (
                r#"{"type": "string", "logicalType": "local-timestamp-micros"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::String,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "duration"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "int", "logicalType": 7}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int32,
                },
            ),
        ];
        for (avro, expected) in cases {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert_eq!(
                rules(&findings),
                vec![lint::INVALID_LOGICAL_TYPE.id],
                "{avro}: {findings:#?}"
            );
            assert_eq!(findings[0].severity, crate::finding::Severity::Warning);
            assert!(
                findings[0]
                    .location
                    .as_ref()
                    .is_some_and(|l| l.pointer == "/fields/0/type/logicalType"),
                "{avro}"
            );
            assert_eq!(field(record(&contract, "R"), "f").ty.kind, expected, "{avro}");
        }

        let fixed_cases = [
            (
                r#"{"type": "fixed", "name": "D", "size": 4, "logicalType": "decimal", "precision": 10}"#,
                4,
            ),
            (r#"{"type": "fixed", "name": "D", "size": 8, "logicalType": "uuid"}"#, 8),
            (
                r#"{"type": "fixed", "name": "D", "size": 16, "logicalType": "duration"}"#,
                16,
            ),
        ];
        for (avro, size) in fixed_cases {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert_eq!(
                rules(&findings),
                vec![lint::INVALID_LOGICAL_TYPE.id],
                "{avro}: {findings:#?}"
            );
            assert_eq!(
                contract.types["D"].ty.kind,
                TypeKind::Primitive {
                    primitive: Primitive::Fixed { size }
                },
                "{avro}"
            );
        }
        let (_, findings) = load_one(&single_field(
            r#"{"type": "fixed", "name": "D", "size": 4, "logicalType": "decimal", "precision": 10}"#,
            None,
        ));
        assert!(
            findings[0].message.contains("holds at most 9 decimal digits"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn decimal_precision_limit_of_fixed_sizes() {
        assert_eq!(max_decimal_digits(0), 0);
        assert_eq!(max_decimal_digits(1), 2);
        assert_eq!(max_decimal_digits(4), 9);
        assert_eq!(max_decimal_digits(8), 18);
        assert_eq!(max_decimal_digits(16), 38);
        assert!(max_decimal_digits(u64::MAX) > 0);
    }

    #[test]
    fn unknown_logical_types_are_ignored_silently() {
        let (contract, findings) = load_one(&single_field(
            r#"{"type": "string", "logicalType": "iso-country"}"#,
            None,
        ));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert_eq!(
            ty.kind,
            TypeKind::Primitive {
                primitive: Primitive::String
            }
        );
        assert_eq!(ty.extensions.get(EXT_LOGICAL_TYPE), Some(&Json::from("iso-country")));
    }

    #[test]
    fn logical_type_defaults_use_the_underlying_type() {
        let ok = [
            (
                r#"{"type": "long", "logicalType": "timestamp-millis"}"#,
                "1700000000000",
            ),
            (r#"{"type": "int", "logicalType": "date"}"#, "19000"),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4}"#,
                r#""\u0000\u00ff""#,
            ),
            (r#"{"type": "string", "logicalType": "uuid"}"#, r#""not even a uuid""#),
            (
                r#"{"type": "fixed", "name": "Dur", "size": 12, "logicalType": "duration"}"#,
                r#""abcdefghijkl""#,
            ),
        ];
        for (avro, default) in ok {
            let (_, findings) = load_one(&single_field(avro, Some(default)));
            assert!(findings.is_empty(), "{avro} {default}: {findings:#?}");
        }
        let bad = [
            (
                r#"{"type": "long", "logicalType": "timestamp-millis"}"#,
                r#""2024-01-01""#,
            ),
            (r#"{"type": "int", "logicalType": "date"}"#, "3000000000"),
            (
                r#"{"type": "fixed", "name": "Dur", "size": 12, "logicalType": "duration"}"#,
                r#""short""#,
            ),
        ];
        for (avro, default) in bad {
            let (_, findings) = load_one(&single_field(avro, Some(default)));
            assert_eq!(
                rules(&findings),
                vec![lint::INVALID_AVRO_DEFAULT.id],
                "{avro} {default}: {findings:#?}"
            );
        }
    }

    #[test]
    fn nullable_unions_record_where_null_is() {
        let (contract, findings) = load_one(&single_field(r#"["string", "null"]"#, Some(r#""x""#)));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert_eq!(
            ty.kind,
            TypeKind::Primitive {
                primitive: Primitive::String
            }
        );
        assert!(ty.nullable);
        assert_eq!(ty.extensions.get(EXT_NULL_FIRST), Some(&Json::Bool(false)));
        assert_eq!(ty.location.pointer, "/fields/0/type");
    }

    #[test]
    fn wider_unions_keep_null_out_of_the_variants() {
        let (contract, findings) = load_one(&single_field(r#"["null", "string", "long"]"#, Some("null")));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert!(ty.nullable);
        assert_eq!(ty.summary(), "oneOf<string|int64>?");
        let (contract, findings) = load_one(&single_field(r#"["string", "long"]"#, Some(r#""x""#)));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert!(!ty.nullable);
        assert!(matches!(&ty.kind, TypeKind::Union { union: UnionKind::OneOf, variants, .. } if variants.len() == 2));
    }

    #[test]
    fn union_default_must_match_the_first_branch() {
        let (_, findings) = load_one(&single_field(r#"["string", "null"]"#, Some("null")));
        assert_eq!(
            messages(&findings, &lint::INVALID_AVRO_DEFAULT),
            vec![
                "field \"f\" of record R: default null does not match the union's first branch \"string\"; put \"null\" first or change the default"
            ]
        );
        let (_, findings) = load_one(&single_field(r#"["null", "int"]"#, Some("3")));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 1);
        assert!(
            bad[0].contains("default 3 does not match the union's first branch \"null\"; put \"int\" first"),
            "{}",
            bad[0]
        );
        let (_, findings) = load_one(&single_field(r#"["long", "string", "null"]"#, Some(r#""x""#)));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert!(bad[0].contains("put \"string\" first"), "{}", bad[0]);
        let (_, findings) = load_one(&single_field(r#"["long", "string"]"#, Some("true")));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert!(
            bad[0].contains("true does not match the union's first branch \"long\""),
            "{}",
            bad[0]
        );
        let (_, findings) = load_one(&single_field(r#"["null", "string"]"#, Some("null")));
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn unions_reject_duplicates_and_nested_unions() {
        let cases = [
            r#"["string", "string"]"#,
            r#"["long", {"type": "long", "logicalType": "timestamp-millis"}]"#,
            r#"[{"type": "array", "items": "int"}, {"type": "array", "items": "long"}]"#,
            r#"["null", ["string", "int"]]"#,
        ];
        for avro in cases {
            let (_, findings) = load_one(&single_field(avro, None));
            assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id], "{avro}: {findings:#?}");
        }
        // Named types with different names may share a union.
        let (_, findings) = load_one(&single_field(
            r#"[{"type": "enum", "name": "A", "symbols": ["X"]}, {"type": "enum", "name": "B", "symbols": ["X"]}, "A" ]"#,
            None,
        ));
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id], "{findings:#?}");
        assert!(
            findings[0].message.contains("two branches of type \"A\""),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn enum_symbols_and_default() {
        let text =
            r#"{"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"], "default": "GREEN", "doc": "Colors."}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(contract.name, "Color");
        let color = &contract.types["Color"];
        assert_eq!(color.origin, TypeOrigin::Enum);
        assert_eq!(color.enum_default.as_deref(), Some("GREEN"));
        assert_eq!(color.ty.description.as_deref(), Some("Colors."));
        let TypeKind::Enum { values } = &color.ty.kind else {
            panic!("enum")
        };
        assert_eq!(
            values.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
            vec!["RED", "GREEN"]
        );
        assert_eq!(values[1].location.pointer, "/symbols/1");

        let (contract, findings) =
            load_one(r#"{"type": "enum", "name": "Color", "symbols": ["RED"], "default": "BLUE"}"#);
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO_DEFAULT.id]);
        assert_eq!(
            findings[0].location.as_ref().map(|l| l.pointer.as_str()),
            Some("/default")
        );
        assert_eq!(contract.types["Color"].enum_default, None);

        let (_, findings) = load_one(r#"{"type": "enum", "name": "Color", "symbols": ["RED", "RED", "9lives", 3]}"#);
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id; 3], "{findings:#?}");
    }

    #[test]
    fn fixed_and_bytes_defaults() {
        let fixed = r#"{"type": "fixed", "name": "Four", "size": 4}"#;
        let (_, findings) = load_one(&single_field(fixed, Some(r#""abcd""#)));
        assert!(findings.is_empty(), "{findings:#?}");
        let (_, findings) = load_one(&single_field(fixed, Some(r#""abc""#)));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(
            bad,
            vec!["field \"f\" of record R: default \"abc\" is 3 bytes long, but the fixed holds exactly 4"]
        );
        let (_, findings) = load_one(&single_field("\"bytes\"", Some(r#""\u20ac""#)));
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO_DEFAULT.id]);
        assert!(findings[0].message.contains("U+20AC"), "{}", findings[0].message);
        let (_, findings) = load_one(&single_field("\"bytes\"", Some("[1, 2]")));
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO_DEFAULT.id]);
    }

    #[test]
    fn primitive_defaults() {
        let ok = [
            ("\"null\"", "null"),
            ("\"boolean\"", "false"),
            ("\"int\"", "-2147483648"),
            ("\"long\"", "9223372036854775807"),
            ("\"float\"", "1.5"),
            ("\"double\"", "-2e10"),
            ("\"string\"", r#""x""#),
            (r#"{"type": "map", "values": "int"}"#, "{}"),
        ];
        for (avro, default) in ok {
            let (_, findings) = load_one(&single_field(avro, Some(default)));
            assert!(findings.is_empty(), "{avro} {default}: {findings:#?}");
        }
        let bad = [
            ("\"null\"", "0", "0 is not null"),
            ("\"boolean\"", "\"true\"", "\"true\" is not a boolean"),
            ("\"int\"", "2147483648", "2147483648 is out of range for an int"),
            ("\"int\"", "1.0", "1.0 is not an int"),
            ("\"long\"", "\"abc\"", "\"abc\" is not a long"),
            ("\"long\"", "9223372036854775808", "out of range for a long"),
            ("\"double\"", "\"NaN\"", "is not a double"),
            ("\"string\"", "5", "5 is not a string"),
            (
                r#"{"type": "map", "values": "int"}"#,
                r#"{"a": "b"}"#,
                "default value at [\"a\"]: \"b\" is not an int",
            ),
            (
                r#"{"type": "array", "items": "int"}"#,
                "[1, null]",
                "default value at [1]: null is not an int",
            ),
        ];
        for (avro, default, expected) in bad {
            let (_, findings) = load_one(&single_field(avro, Some(default)));
            let found = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
            assert_eq!(found.len(), 1, "{avro} {default}: {findings:#?}");
            assert!(found[0].contains(expected), "{avro} {default}: {}", found[0]);
        }
    }

    #[test]
    fn record_defaults_check_nested_fields_and_their_own_defaults() {
        let text = r#"{"type": "record", "name": "Order", "namespace": "shop", "fields": [
            {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
                {"name": "id", "type": "string"},
                {"name": "tier", "type": "string", "default": "basic"},
                {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
                    {"name": "city", "type": "string"}]}}]},
             "default": {"id": "c1", "address": {"city": "Oslo"}}},
            {"name": "missing", "type": "Customer", "default": {"address": {"city": "Oslo"}}},
            {"name": "wrong", "type": "Customer", "default": {"id": "c2", "address": {"city": 5}}},
            {"name": "not_object", "type": "Customer", "default": "c3"}]}"#;
        let (_, findings) = load_one(text);
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 3, "{findings:#?}");
        assert!(
            bad[0].starts_with("field \"missing\" of record shop.Order: default"),
            "{}",
            bad[0]
        );
        assert!(
            bad[0].contains("lacks field \"id\", which has no default of its own"),
            "{}",
            bad[0]
        );
        assert_eq!(
            bad[1],
            "field \"wrong\" of record shop.Order: default value at .address.city: 5 is not a string"
        );
        assert!(bad[2].contains("\"c3\" is not a record"), "{}", bad[2]);
    }

    #[test]
    fn duplicate_names_are_reported_at_the_second_declaration() {
        let a = r#"{"type": "record", "name": "Same", "namespace": "x", "fields": []}"#;
        let b = r#"{"type": "record", "name": "Other", "namespace": "x", "fields": [
            {"name": "s", "type": {"type": "enum", "name": "Same", "symbols": ["A"]}}]}"#;
        let (contracts, findings) = load(&[("a.avsc", a), ("b.avsc", b)]);
        assert_eq!(rules(&findings), vec![lint::DUPLICATE_TYPE.id], "{findings:#?}");
        let location = findings[0].location.as_ref().expect("location");
        assert_eq!(
            (&*location.file, location.pointer.as_str()),
            ("b.avsc", "/fields/0/type")
        );
        assert!(findings[0].message.contains("a.avsc:1:1"), "{}", findings[0].message);
        // Each file still lists what it declares.
        assert!(contracts[1].types.contains_key("x.Same"));

        let same_file = r#"{"type": "record", "name": "R", "fields": [
            {"name": "a", "type": {"type": "fixed", "name": "F", "size": 2}},
            {"name": "b", "type": {"type": "fixed", "name": "F", "size": 3}}]}"#;
        let (contract, findings) = load_one(same_file);
        assert_eq!(rules(&findings), vec![lint::DUPLICATE_TYPE.id], "{findings:#?}");
        assert_eq!(
            contract.types["F"].ty.kind,
            TypeKind::Primitive {
                primitive: Primitive::Fixed { size: 2 }
            }
        );
    }

    #[test]
    fn duplicate_field_names_are_invalid() {
        let (contract, findings) = load_one(
            r#"{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "a", "type": "long"}]}"#,
        );
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id]);
        assert_eq!(
            findings[0].location.as_ref().map(|l| l.pointer.as_str()),
            Some("/fields/1")
        );
        assert_eq!(record(&contract, "R").fields.len(), 1);
    }

    #[test]
    fn unresolved_names_become_any() {
        let text = r#"{"type": "record", "name": "R", "namespace": "n", "fields": [
            {"name": "a", "type": "Missing"},
            {"name": "b", "type": ["null", "other.Missing"], "default": null}]}"#;
        let (contract, findings) = load_one(text);
        assert_eq!(rules(&findings), vec![lint::UNRESOLVED_REF.id; 2], "{findings:#?}");
        assert!(
            findings[0].message.contains("n.Missing or Missing"),
            "{}",
            findings[0].message
        );
        assert_eq!(
            findings[0].location.as_ref().map(|l| l.pointer.as_str()),
            Some("/fields/0/type")
        );
        assert_eq!(
            findings[1].location.as_ref().map(|l| l.pointer.as_str()),
            Some("/fields/1/type/1")
        );
        let r = record(&contract, "n.R");
        assert_eq!(field(r, "a").ty.kind, TypeKind::Any);
        assert_eq!(field(r, "b").ty.kind, TypeKind::Any);
    }

    #[test]
    fn protocol_with_messages() {
        let text = r#"{
  "protocol": "Billing", "namespace": "com.example.rpc",
  "types": [
    {"type": "record", "name": "Invoice", "fields": [{"name": "id", "type": "string"}]},
    {"type": "error", "name": "NotFound", "fields": [{"name": "message", "type": "string"}]},
    {"type": "enum", "name": "State", "symbols": ["OPEN", "PAID"]}
  ],
  "messages": {
    "get": {"request": [{"name": "id", "type": "string"}, {"name": "state", "type": "State", "default": "OPEN"}],
            "response": "Invoice", "errors": ["NotFound"]},
    "ping": {"request": [], "response": "null", "one-way": true},
    "bad": {"request": [], "response": "null", "errors": ["Invoice"]}
  }
}"#;
        let (contract, findings) = load(&[("billing.avpr", text)]);
        let contract = &contract[0];
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id], "{findings:#?}");
        assert!(
            findings[0]
                .message
                .contains("com.example.rpc.Invoice is a record, not an error"),
            "{}",
            findings[0].message
        );
        assert_eq!(contract.name, "com.example.rpc.Billing");
        assert_eq!(
            contract.types.keys().map(String::as_str).collect::<Vec<_>>(),
            vec![
                "com.example.rpc.Invoice",
                "com.example.rpc.NotFound",
                "com.example.rpc.State"
            ]
        );
        assert_eq!(contract.types["com.example.rpc.NotFound"].origin, TypeOrigin::Error);
        let get = &contract.messages[0];
        assert_eq!(get.name, "get");
        assert_eq!(get.request.len(), 2);
        assert!(!get.request[1].required);
        assert_eq!(ref_target(&get.response), "com.example.rpc.Invoice");
        assert_eq!(ref_target(&get.errors[0]), "com.example.rpc.NotFound");
        assert!(!get.one_way);
        assert_eq!(get.location.pointer, "/messages/get");
        assert!(contract.messages[1].one_way);
        assert_eq!(contract.messages[1].response.kind, TypeKind::Null);
    }

    #[test]
    fn protocol_types_resolve_across_files_and_one_way_rules() {
        let schema = r#"{"type": "record", "name": "Ping", "namespace": "p", "fields": []}"#;
        let protocol = r#"{"protocol": "P", "namespace": "p", "messages": {
            "send": {"request": [{"name": "ping", "type": "Ping"}], "response": "Ping", "one-way": true}}}"#;
        let (contracts, findings) = load(&[("p.avpr", protocol), ("ping.avsc", schema)]);
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id], "{findings:#?}");
        assert!(findings[0].message.contains("one-way"), "{}", findings[0].message);
        assert_eq!(ref_target(&contracts[0].messages[0].request[0].ty), "p.Ping");
        assert!(contracts[0].types.is_empty());
    }

    #[test]
    fn non_record_top_levels_become_the_root() {
        let (contract, findings) = load_one(r#""string""#);
        assert!(findings.is_empty());
        assert_eq!(contract.name, "a");
        assert_eq!(
            contract.root.as_ref().map(|t| t.kind.clone()),
            Some(TypeKind::Primitive {
                primitive: Primitive::String
            })
        );

        let union = r#"[
            {"type": "record", "name": "Created", "namespace": "ev", "fields": []},
            {"type": "record", "name": "Deleted", "namespace": "ev", "fields": []}]"#;
        let (contract, findings) = load_one(union);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(contract.name, "a");
        assert_eq!(contract.types.len(), 2);
        assert_eq!(
            contract.root.as_ref().map(Type::summary).as_deref(),
            Some("oneOf<ev.Created|ev.Deleted>")
        );

        let (contract, findings) = load_one(r#"{"type": "array", "items": "long"}"#);
        assert!(findings.is_empty());
        assert_eq!(
            contract.root.as_ref().map(Type::summary).as_deref(),
            Some("array<int64>")
        );
    }

    #[test]
    fn invalid_names_are_reported() {
        let text = r#"{"type": "record", "name": "my-record", "namespace": "a..b", "fields": [
            {"name": "1st", "type": "int"},
            {"name": "ok", "type": {"type": "fixed", "name": "int", "size": 1}},
            {"name": "also", "type": "int", "aliases": ["bad alias"], "order": "up"}]}"#;
        let (_, findings) = load_one(text);
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id; 6], "{findings:#?}");
    }

    #[test]
    fn malformed_inputs_yield_findings_without_panicking() {
        let cases: &[(&str, usize)] = &[
            (r#"{"type": "record", "name": "R", "fields": [{"name": "a"}]}"#, 1),
            (r#"{"type": "record", "fields": [{"name": "a", "type": "int"}]}"#, 1),
            (r#"{"type": "fixed", "name": "F"}"#, 1),
            (r#"{"type": "fixed", "name": "F", "size": -1}"#, 1),
            (r#"{"type": "fixed", "name": "F", "size": "16"}"#, 1),
            (r#"{"type": "enum", "name": "E", "symbols": [1, null]}"#, 2),
            (r#"{"type": "enum", "name": "E"}"#, 1),
            (r#"{"type": "record", "name": "R"}"#, 1),
            (r#"{"type": "record", "name": "R", "fields": {}}"#, 1),
            (r#"{"type": "record", "name": 5, "fields": []}"#, 1),
            (
                r#"{"type": "record", "name": "R", "fields": [5, {"type": "int"}, {"name": 1, "type": "int"}]}"#,
                3,
            ),
            (r#"{"type": "array"}"#, 1),
            (r#"{"type": "map"}"#, 1),
            (r#""record""#, 1),
            (r#"{"name": "x"}"#, 1),
            (r#"{"type": 5}"#, 1),
            ("5", 1),
            ("null", 1),
            ("[]", 0),
            ("{}", 1),
            (r#"{"protocol": 5, "types": {}, "messages": []}"#, 3),
            (
                r#"{"protocol": "P", "types": ["string"], "messages": {"m": 5, "n": {}}}"#,
                4,
            ),
            (
                r#"{"protocol": "P", "messages": {"m": {"request": 5, "response": "null", "errors": "E", "one-way": "yes"}}}"#,
                3,
            ),
        ];
        for (text, expected) in cases {
            let (_, findings) = load_one(text);
            assert_eq!(findings.len(), *expected, "{text}: {findings:#?}");
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = tree::MAX_DEPTH / 2 - 2;
        let mut text = String::from("\"long\"");
        for _ in 0..depth {
            text = format!(r#"{{"type": "array", "items": {text}}}"#);
        }
        let (contract, findings) = load_one(&text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert!(contract.root.is_some());

        let mut text = String::from("\"long\"");
        for i in 0..(tree::MAX_DEPTH / 3 - 2) {
            text = format!(r#"{{"type": "record", "name": "R{i}", "fields": [{{"name": "f", "type": {text}}}]}}"#);
        }
        let (contract, findings) = load_one(&text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(contract.types.len(), tree::MAX_DEPTH / 3 - 2);

        // A deep default through a recursive type.
        let mut value = String::from("[]");
        for _ in 0..(tree::MAX_DEPTH / 2 - 4) {
            value = format!(r#"[{{"children": {value}}}]"#);
        }
        let text = format!(
            r#"{{"type": "record", "name": "Node", "fields": [{{"name": "children", "type": {{"type": "array", "items": "Node"}}, "default": {value}}}]}}"#
        );
        let (_, findings) = load_one(&text);
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn union_default_checks_stay_bounded() {
        // Every level is a union of two records that both lead to the next level; the default is wrong
        // only at the bottom. Looking for a branch that fits must not try all 2^40 paths.
        let levels = 40;
        let mut types = Vec::new();
        for k in 0..levels {
            let next = if k + 1 == levels {
                "\"long\"".to_string()
            } else {
                format!("[\"A{}\", \"B{}\"]", k + 1, k + 1)
            };
            for side in ["A", "B"] {
                types.push(format!(
                    r#"{{"type": "record", "name": "{side}{k}", "fields": [{{"name": "x", "type": {next}}}]}}"#
                ));
            }
        }
        let mut value = String::from(r#""not a long""#);
        for _ in 0..levels {
            value = format!(r#"{{"x": {value}}}"#);
        }
        let text = format!(
            r#"{{"type": "record", "name": "Top", "fields": [{{"name": "defs", "type": {{"type": "array", "items": [{types}]}}}}, {{"name": "f", "type": ["A0", "B0"], "default": {value}}}]}}"#,
            types = types.join(", ")
        );
        MOST_STEPS.with(|m| m.set(0));
        let (_, findings) = load_one(&text);
        let steps = MOST_STEPS.with(Cell::get);
        // The budget bounds the work: past it, each call still open returns at once.
        assert!(steps <= MAX_DEFAULT_STEPS + 1_000, "{steps} steps for one default");
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 1, "{findings:#?}");
        assert!(bad[0].contains("\"not a long\" is not a long"), "{}", bad[0]);
    }
}

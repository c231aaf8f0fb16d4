use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;
use serde::Serialize;

use super::{Location, Pos};

/// Scalar types shared by every format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Primitive {
    Bool,
    Int32,
    Int64,
    /// A JSON `integer` with no declared width.
    Integer,
    Uint32,
    Uint64,
    Float,
    Double,
    /// A JSON `number` with no declared width.
    Number,
    Decimal {
        precision: u32,
        scale: u32,
    },
    String,
    Bytes,
    Date,
    Time,
    Timestamp,
    /// Timestamp without a time zone (Avro `local-timestamp-*`).
    LocalTimestamp,
    Duration,
    Uuid,
    /// Fixed-size bytes (Avro `fixed`).
    Fixed {
        size: u64,
    },
}

impl Primitive {
    /// How JSON writes a value of this type natively: its kind, and for a string the format that
    /// says what it holds. Mappings convert between these; samples also accept the other
    /// encodings real producers use (see `samples::expect`).
    pub fn json(self) -> (crate::json::Kind, Option<crate::format::StringFormat>) {
        use crate::format::StringFormat as F;
        use crate::json::Kind as K;
        match self {
            Primitive::Bool => (K::Bool, None),
            Primitive::Int32 | Primitive::Int64 | Primitive::Integer | Primitive::Uint32 | Primitive::Uint64 => {
                (K::Integer, None)
            }
            Primitive::Float | Primitive::Double | Primitive::Number | Primitive::Decimal { .. } => (K::Number, None),
            Primitive::Date => (K::String, Some(F::Date)),
            Primitive::Time => (K::String, Some(F::Time)),
            Primitive::Timestamp | Primitive::LocalTimestamp => (K::String, Some(F::DateTime)),
            Primitive::Uuid => (K::String, Some(F::Uuid)),
            Primitive::String | Primitive::Bytes | Primitive::Duration | Primitive::Fixed { .. } => (K::String, None),
        }
    }
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Primitive::Bool => f.write_str("bool"),
            Primitive::Int32 => f.write_str("int32"),
            Primitive::Int64 => f.write_str("int64"),
            Primitive::Integer => f.write_str("integer"),
            Primitive::Uint32 => f.write_str("uint32"),
            Primitive::Uint64 => f.write_str("uint64"),
            Primitive::Float => f.write_str("float"),
            Primitive::Double => f.write_str("double"),
            Primitive::Number => f.write_str("number"),
            Primitive::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            Primitive::String => f.write_str("string"),
            Primitive::Bytes => f.write_str("bytes"),
            Primitive::Date => f.write_str("date"),
            Primitive::Time => f.write_str("time"),
            Primitive::Timestamp => f.write_str("timestamp"),
            Primitive::LocalTimestamp => f.write_str("local_timestamp"),
            Primitive::Duration => f.write_str("duration"),
            Primitive::Uuid => f.write_str("uuid"),
            Primitive::Fixed { size } => write!(f, "fixed({size})"),
        }
    }
}

/// Named JSON values: options, extensions. An index map, not a B-tree: most hold one or two entries,
/// and a B-tree node has room for eleven. Protobuf options are sorted by name; extensions keep the
/// order of the document.
pub type JsonMap = IndexMap<String, serde_json::Value>;

/// Value constraints, as JSON Schema spells them; other formats fill what they can express.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Constraints {
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub minimum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub maximum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub exclusive_minimum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub exclusive_maximum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "number")]
    pub multiple_of: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unique_items: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_properties: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_properties: Option<u64>,
    /// `contains`: at least `min_contains` (default 1) items match it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contains: Option<Box<Type>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_contains: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_contains: Option<u64>,
    /// `const`: the only value allowed.
    #[serde(rename = "const", skip_serializing_if = "Option::is_none")]
    pub const_value: Option<serde_json::Value>,
    /// `enum` on a non-string type (string enums become [`TypeKind::Enum`]).
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<serde_json::Value>>,
    /// Where each validation keyword the schema writes (`maximum`, `enum`, ...) has its key, so
    /// a change points at the keyword that changed rather than at the schema.
    #[serde(skip)]
    pub keywords_at: Vec<(&'static str, Pos)>,
}

/// Writes integral numbers without a fraction (`0`, not `0.0`), as the contract wrote them.
fn number<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => s.serialize_i64(*f as i64),
        Some(f) => s.serialize_f64(*f),
        None => s.serialize_none(),
    }
}

/// What a type without constraints has.
static NO_CONSTRAINTS: Constraints = Constraints {
    minimum: None,
    maximum: None,
    exclusive_minimum: None,
    exclusive_maximum: None,
    multiple_of: None,
    min_length: None,
    max_length: None,
    pattern: None,
    format: None,
    min_items: None,
    max_items: None,
    unique_items: false,
    min_properties: None,
    max_properties: None,
    contains: None,
    min_contains: None,
    max_contains: None,
    const_value: None,
    allowed_values: None,
    keywords_at: Vec::new(),
};

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == NO_CONSTRAINTS
    }
}

/// One value of an enum type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumValue {
    pub name: String,
    /// Protobuf enum number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<i32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub location: Location,
}

/// What an object allows beyond its declared fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "schema")]
pub enum Additional {
    /// Anything (the JSON Schema default; Avro and Protobuf skip unknown fields when reading).
    Any,
    /// Nothing (`additionalProperties: false`).
    Forbidden,
    /// Values of this type.
    Schema(Box<Type>),
}

/// How a union picks its branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnionKind {
    /// Exactly one branch matches (`oneOf`, Avro unions, Protobuf oneofs).
    OneOf,
    /// At least one branch matches (`anyOf`, JSON Schema type arrays).
    AnyOf,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discriminator {
    pub property: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub mapping: BTreeMap<String, String>,
}

/// The shape of a schema node.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TypeKind {
    /// Any value (an empty JSON Schema, `google.protobuf.Value`).
    Any,
    /// No value is valid (JSON Schema `false`, `not: {}`).
    Nothing,
    /// Only `null` (Avro `null`, JSON Schema `type: null`).
    Null,
    Primitive {
        primitive: Primitive,
    },
    Enum {
        values: Vec<EnumValue>,
    },
    Object(Box<ObjectType>),
    Array {
        items: Box<Type>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        prefix_items: Vec<Type>,
    },
    Map {
        key: Box<Type>,
        value: Box<Type>,
    },
    Union {
        union: UnionKind,
        variants: Vec<Type>,
        #[serde(skip_serializing_if = "Option::is_none")]
        discriminator: Option<Discriminator>,
    },
    /// Every member applies (kept as written; comparisons normalise).
    AllOf {
        members: Vec<Type>,
    },
    /// A reference to a named type by its id. Recursion is always a reference.
    Ref {
        target: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectType {
    pub fields: Vec<Field>,
    pub additional: Additional,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pattern_properties: Vec<(String, Type)>,
    /// `unevaluatedProperties` (JSON Schema 2019-09+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unevaluated: Option<Additional>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_names: Option<Type>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dependent_required: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dependent_schemas: BTreeMap<String, Type>,
}

impl ObjectType {
    pub fn new(fields: Vec<Field>) -> Self {
        ObjectType {
            fields,
            additional: Additional::Any,
            pattern_properties: Vec::new(),
            unevaluated: None,
            property_names: None,
            dependent_required: BTreeMap::new(),
            dependent_schemas: BTreeMap::new(),
        }
    }
}

/// JSON Schema `if`/`then`/`else`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conditional {
    #[serde(rename = "if")]
    pub condition: Type,
    #[serde(rename = "then", skip_serializing_if = "Option::is_none")]
    pub then_type: Option<Type>,
    #[serde(rename = "else", skip_serializing_if = "Option::is_none")]
    pub else_type: Option<Type>,
}

/// A schema node: shape plus everything that qualifies it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Type {
    #[serde(flatten)]
    pub kind: TypeKind,
    /// `null` is accepted as well (OpenAPI 3.0 `nullable`, a `null` branch, a proto3 wrapper).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nullable: bool,
    /// `None` when there are none: most types have none, and the struct is large.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Box<Constraints>>,
    /// Boxed: few types have one, and a JSON value is large.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Box<serde_json::Value>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub write_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Type>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditional: Option<Box<Conditional>>,
    /// Format-specific facts (`x-*` extensions, Protobuf well-known type names, Avro logical types).
    #[serde(skip_serializing_if = "JsonMap::is_empty")]
    pub extensions: JsonMap,
    pub location: Location,
    /// The kind was inferred from keywords (`properties` without `type`): JSON Schema lets
    /// values of other types through such a schema.
    #[serde(skip)]
    pub implied: bool,
}

impl Type {
    pub fn new(kind: TypeKind, location: Location) -> Self {
        Type {
            kind,
            nullable: false,
            constraints: None,
            default: None,
            deprecated: false,
            read_only: false,
            write_only: false,
            title: None,
            description: None,
            not: None,
            conditional: None,
            extensions: JsonMap::new(),
            location,
            implied: false,
        }
    }

    /// The type's constraints (none when it has none).
    pub fn constraints(&self) -> &Constraints {
        self.constraints.as_deref().unwrap_or(&NO_CONSTRAINTS)
    }

    /// Where the first of `keywords` this schema writes is (its key), else the schema itself.
    pub fn keyword_location(&self, keywords: &[&str]) -> Location {
        let found = self
            .constraints
            .as_ref()
            .and_then(|c| keywords.iter().find_map(|k| c.keywords_at.iter().find(|(w, _)| w == k)));
        match found {
            Some((keyword, pos)) => Location {
                pointer: crate::model::pointer_push(&self.location.pointer, keyword),
                line: pos.line,
                col: pos.col,
                ..self.location.clone()
            },
            None => self.location.clone(),
        }
    }

    /// Sets the constraints, storing nothing when there are none.
    pub fn set_constraints(&mut self, c: Constraints) {
        self.constraints = (!c.is_empty()).then(|| Box::new(c));
    }

    pub fn primitive(p: Primitive, location: Location) -> Self {
        Type::new(TypeKind::Primitive { primitive: p }, location)
    }

    pub fn reference(target: impl Into<String>, location: Location) -> Self {
        Type::new(TypeKind::Ref { target: target.into() }, location)
    }

    /// A one-line human description: `string(format=email)`, `array<Address>`, `map<string,int64>`.
    pub fn summary(&self) -> String {
        let mut s = match &self.kind {
            TypeKind::Any => "any".to_string(),
            TypeKind::Nothing => "never".to_string(),
            TypeKind::Null => "null".to_string(),
            TypeKind::Primitive { primitive } => primitive.to_string(),
            TypeKind::Enum { values } => {
                let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                format!("enum[{}]", names.join("|"))
            }
            TypeKind::Object(_) => "object".to_string(),
            TypeKind::Array { items, .. } => format!("array<{}>", items.summary()),
            TypeKind::Map { key, value } => format!("map<{},{}>", key.summary(), value.summary()),
            TypeKind::Union { union, variants, .. } => {
                let parts: Vec<String> = variants.iter().map(Type::summary).collect();
                let word = match union {
                    UnionKind::OneOf => "oneOf",
                    UnionKind::AnyOf => "anyOf",
                };
                format!("{word}<{}>", parts.join("|"))
            }
            TypeKind::AllOf { members } => {
                let parts: Vec<String> = members.iter().map(Type::summary).collect();
                format!("allOf<{}>", parts.join("&"))
            }
            TypeKind::Ref { target } => target.clone(),
        };
        if self.nullable {
            s.push('?');
        }
        s
    }
}

/// A named member of an object, record or message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    /// Must be present (JSON Schema `required`, an Avro field without default, proto2 `required`).
    pub required: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto: Option<ProtoField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avro_order: Option<String>,
    pub location: Location,
}

impl Field {
    pub fn nullable(&self) -> bool {
        self.ty.nullable || matches!(self.ty.kind, TypeKind::Null | TypeKind::Any)
    }
}

/// Protobuf identity of a field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtoField {
    pub number: i32,
    pub json_name: String,
    /// `optional`, `required`, `repeated` or `singular` (proto3 implicit presence).
    pub label: String,
    /// The field's declared type as protobuf spells it (`int64`, `.erp.customers.v1.Money`).
    pub proto_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oneof: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub packed: bool,
    /// A proto2 `group`: the message is written delimited by start and end tags, not length-prefixed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub group: bool,
    /// The type (a map's value type) is an enum, not a message.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enum_type: bool,
    #[serde(skip_serializing_if = "JsonMap::is_empty")]
    pub options: JsonMap,
}

/// What kind of declaration a named type came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeOrigin {
    Schema,
    Record,
    Message,
    Enum,
    Fixed,
    Error,
}

/// A declaration with a name: a component schema, `$defs` entry, Avro named type, proto message/enum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedType {
    /// The id references use: a JSON pointer for JSON-shaped formats, the full name for Avro and Protobuf.
    pub id: String,
    /// Short name (`Account`, `Customer`).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub origin: TypeOrigin,
    #[serde(rename = "type")]
    pub ty: Type,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto: Option<ProtoMessage>,
    /// Avro enum default symbol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enum_default: Option<String>,
    pub location: Location,
}

/// Protobuf facts about a message or enum declaration.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProtoMessage {
    pub file: String,
    pub package: String,
    /// Inclusive ranges.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reserved_ranges: Vec<(i32, i32)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reserved_names: Vec<String>,
    /// `extensions` ranges of a message, inclusive.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension_ranges: Vec<(i32, i32)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub oneofs: Vec<String>,
    #[serde(skip_serializing_if = "JsonMap::is_empty")]
    pub options: JsonMap,
    /// `proto2`, `proto3` or `editions`.
    pub syntax: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_alias: bool,
}

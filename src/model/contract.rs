use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;
use serde::Serialize;

use super::{JsonMap, Location, NamedType, Type};

/// The contract formats mapcheck reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Openapi,
    Avro,
    Protobuf,
    Jsonschema,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Openapi => "openapi",
            Format::Avro => "avro",
            Format::Protobuf => "protobuf",
            Format::Jsonschema => "jsonschema",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One loaded contract: a document (OpenAPI, JSON Schema), an Avro schema set or a Protobuf file set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub name: String,
    pub format: Format,
    /// `openapi: 3.1.0`, a JSON Schema draft, `proto3`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format_version: Option<String>,
    /// The contract's own version (`info.version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Files that make up this contract, the main one first.
    pub files: Vec<String>,
    /// Named types by id, in declaration order.
    pub types: IndexMap<String, NamedType>,
    /// The document's root schema (a JSON Schema document's top level).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<Type>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Operation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<Operation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<AvroMessage>,
    /// Protobuf packages declared by the files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// Protobuf file facts (syntax, package, imports, options) by file name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub proto_files: BTreeMap<String, ProtoFile>,
}

impl Contract {
    pub fn new(name: impl Into<String>, format: Format, main_file: impl Into<String>) -> Self {
        Contract {
            name: name.into(),
            format,
            format_version: None,
            version: None,
            files: vec![main_file.into()],
            types: IndexMap::new(),
            root: None,
            operations: Vec::new(),
            webhooks: Vec::new(),
            security_schemes: BTreeMap::new(),
            services: Vec::new(),
            messages: Vec::new(),
            packages: Vec::new(),
            proto_files: BTreeMap::new(),
        }
    }
}

/// Template variables of a path, in order: `/a/{id}/b/{name}.json` -> `id`, `name`. They may sit
/// anywhere in a segment (`/media/{id}.{extension}`, OData's `f(a='{a}',b={b})`).
pub fn template_variables(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out
}

/// A path template with its variable names erased: `/users/{id}` and `/users/{userId}` are one
/// path to a server, which matches requests by the template's fixed text alone.
pub fn path_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for ch in path.chars() {
        match ch {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(ch),
        }
    }
    out
}

/// An OpenAPI operation (also used for webhooks and callbacks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// `/accounts/{accountId}`, or the webhook name.
    pub path: String,
    /// Lower-case HTTP method.
    pub method: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    pub parameters: Vec<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    /// Responses by status code (`200`, `4XX`, `default`).
    pub responses: IndexMap<String, Response>,
    /// `None`: the document default applies; `Some([])`: explicitly public.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<Vec<SecurityRequirement>>,
    /// Callbacks by name, each a list of operations.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub callbacks: IndexMap<String, Vec<Operation>>,
    #[serde(skip_serializing_if = "JsonMap::is_empty")]
    pub extensions: JsonMap,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    #[serde(rename = "in")]
    pub location_in: String,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explode: Option<bool>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_empty_value: bool,
    pub schema: Type,
    /// `x-*` extensions (`x-sunset`), by name.
    #[serde(skip_serializing_if = "JsonMap::is_empty")]
    pub extensions: JsonMap,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestBody {
    pub required: bool,
    /// Schemas by media type.
    pub content: IndexMap<String, MediaType>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaType {
    pub schema: Type,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub content: IndexMap<String, MediaType>,
    pub headers: IndexMap<String, Header>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    pub required: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    pub schema: Type,
    pub location: Location,
}

/// One alternative of a security requirement: every scheme listed, with its scopes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SecurityRequirement {
    pub schemes: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityScheme {
    #[serde(rename = "type")]
    pub scheme_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location_in: Option<String>,
    /// OAuth2 scopes offered, across flows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    pub location: Location,
}

/// A Protobuf service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// Fully-qualified name.
    pub name: String,
    pub file: String,
    pub rpcs: Vec<Rpc>,
    #[serde(skip_serializing_if = "JsonMap::is_empty")]
    pub options: JsonMap,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rpc {
    pub name: String,
    pub input: String,
    pub output: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    #[serde(skip_serializing_if = "JsonMap::is_empty")]
    pub options: JsonMap,
    pub location: Location,
}

/// Facts about one `.proto` file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtoFile {
    pub syntax: String,
    pub package: String,
    pub imports: Vec<String>,
    #[serde(skip_serializing_if = "JsonMap::is_empty")]
    pub options: JsonMap,
    /// Extensions the file declares, at top level or nested in its messages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<ProtoExtension>,
}

/// A Protobuf extension: a field declared outside the message it extends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtoExtension {
    /// Fully-qualified name (`acme.v1.pii`, or `acme.v1.Holder.pii` when declared in a message).
    pub full_name: String,
    /// Fully-qualified name of the extended message.
    pub extendee: String,
    pub field: super::Field,
}

/// An Avro protocol message (`.avpr`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AvroMessage {
    pub name: String,
    pub request: Vec<super::Field>,
    pub response: Type,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Type>,
    pub one_way: bool,
    pub location: Location,
}

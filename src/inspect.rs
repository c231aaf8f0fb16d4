//! `mapcheck inspect`: a flat, stable view of every named type and field in the loaded contracts.
//!
//! The JSON form is documented in `docs/inspect-json.md`; scripts rely on it, so fields are only
//! ever added, never renamed or removed, within a `schema_version`.

use serde::Serialize;

use crate::model::{Constraints, Contract, Field, Format, NamedType, Type, TypeKind, UnionKind};

pub const SCHEMA_VERSION: u32 = 1;

/// The whole report. Each contract's view is built as it is written and dropped after, so a report
/// over thousands of files never exists in memory twice.
#[derive(Debug, Serialize)]
pub struct InspectReport<'a> {
    pub schema_version: u32,
    pub contracts: Views<'a>,
}

/// Contracts serialized as their [`ContractView`]s.
#[derive(Debug)]
pub struct Views<'a>(pub &'a [Contract]);

impl Serialize for Views<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&contract_view(c))?;
        }
        seq.end()
    }
}

#[derive(Debug, Serialize)]
pub struct ContractView {
    pub name: String,
    pub format: Format,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub files: Vec<String>,
    pub types: Vec<TypeView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rpcs: Vec<RpcView>,
}

#[derive(Debug, Serialize)]
pub struct TypeView {
    pub id: String,
    pub name: String,
    /// `object`, `enum`, `array`, ... (the shape), and what declared it.
    pub kind: String,
    pub declared_as: String,
    #[serde(rename = "type")]
    pub summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub location: String,
    pub fields: Vec<FieldView>,
}

#[derive(Debug, Serialize)]
pub struct FieldView {
    /// Stable path: `Account.BillingAddress.City`, `Account.Contacts[].Email`.
    pub path: String,
    pub name: String,
    #[serde(rename = "type")]
    pub summary: String,
    pub required: bool,
    pub nullable: bool,
    #[serde(skip_serializing_if = "Constraints::is_empty")]
    pub constraints: Constraints,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub write_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_name: Option<String>,
    /// Protobuf label: `optional` (explicit presence), `singular` (implicit), `required`, `repeated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto_label: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct OperationView {
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub webhook: bool,
    pub parameters: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    pub responses: Vec<String>,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct RpcView {
    pub service: String,
    pub name: String,
    pub input: String,
    pub output: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
    pub location: String,
}

pub fn build(contracts: &[Contract]) -> InspectReport<'_> {
    InspectReport {
        schema_version: SCHEMA_VERSION,
        contracts: Views(contracts),
    }
}

pub fn contract_view(c: &Contract) -> ContractView {
    let mut types: Vec<TypeView> = Vec::new();
    if let Some(root) = &c.root {
        types.push(type_view("#", &c.name, "root", root, None));
    }
    for t in c.types.values() {
        let declared = serde_json::to_value(t.origin)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        types.push(type_view(&t.id, &t.name, &declared, &t.ty, Some(t)));
    }
    let mut operations: Vec<OperationView> = Vec::new();
    for (op, webhook) in c
        .operations
        .iter()
        .map(|o| (o, false))
        .chain(c.webhooks.iter().map(|o| (o, true)))
    {
        operations.push(OperationView {
            method: op.method.to_uppercase(),
            path: op.path.clone(),
            operation_id: op.operation_id.clone(),
            deprecated: op.deprecated,
            webhook,
            parameters: op
                .parameters
                .iter()
                .map(|p| {
                    format!(
                        "{}:{}{} {}",
                        p.location_in,
                        p.name,
                        if p.required { "" } else { "?" },
                        p.schema.summary()
                    )
                })
                .collect(),
            request: op.request_body.as_ref().map(|rb| {
                let media: Vec<String> = rb
                    .content
                    .iter()
                    .map(|(m, mt)| format!("{m} {}", mt.schema.summary()))
                    .collect();
                format!("{}{}", if rb.required { "" } else { "optional " }, media.join(", "))
            }),
            responses: op
                .responses
                .iter()
                .map(|(status, r)| {
                    let media: Vec<String> = r
                        .content
                        .iter()
                        .map(|(m, mt)| format!("{m} {}", mt.schema.summary()))
                        .collect();
                    if media.is_empty() {
                        status.clone()
                    } else {
                        format!("{status} {}", media.join(", "))
                    }
                })
                .collect(),
            location: op.location.to_string(),
        });
    }
    let rpcs = c
        .services
        .iter()
        .flat_map(|s| {
            s.rpcs.iter().map(move |r| RpcView {
                service: s.name.clone(),
                name: r.name.clone(),
                input: r.input.clone(),
                output: r.output.clone(),
                client_streaming: r.client_streaming,
                server_streaming: r.server_streaming,
                location: r.location.to_string(),
            })
        })
        .collect();
    ContractView {
        name: c.name.clone(),
        format: c.format,
        format_version: c.format_version.clone(),
        version: c.version.clone(),
        files: c.files.clone(),
        types,
        operations,
        rpcs,
    }
}

fn type_view(id: &str, name: &str, declared_as: &str, ty: &Type, named: Option<&NamedType>) -> TypeView {
    let mut fields = Vec::new();
    collect_fields(name, ty, &mut fields, 0);
    let values = match &ty.kind {
        TypeKind::Enum { values } => values
            .iter()
            .map(|v| match v.number {
                Some(n) => format!("{}={n}", v.name),
                None => v.name.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let kind = match &ty.kind {
        TypeKind::Object(_) => "object",
        TypeKind::Enum { .. } => "enum",
        TypeKind::Array { .. } => "array",
        TypeKind::Map { .. } => "map",
        TypeKind::Union { .. } => "union",
        TypeKind::AllOf { .. } => "all_of",
        TypeKind::Ref { .. } => "ref",
        TypeKind::Primitive { .. } => "primitive",
        TypeKind::Any => "any",
        TypeKind::Nothing => "nothing",
        TypeKind::Null => "null",
    };
    TypeView {
        id: id.to_string(),
        name: name.to_string(),
        kind: kind.to_string(),
        declared_as: declared_as.to_string(),
        summary: ty.summary(),
        values,
        deprecated: ty.deprecated,
        description: ty.description.clone(),
        location: named
            .map(|n| n.location.to_string())
            .unwrap_or_else(|| ty.location.to_string()),
        fields,
    }
}

/// Walks inline structure (never through references) and lists every field with its path.
fn collect_fields(prefix: &str, ty: &Type, out: &mut Vec<FieldView>, depth: usize) {
    if depth > 64 {
        return;
    }
    match &ty.kind {
        TypeKind::Object(obj) => {
            for f in &obj.fields {
                let path = format!("{prefix}.{}", f.name);
                out.push(field_view(&path, f));
                collect_fields(&path, &f.ty, out, depth + 1);
            }
        }
        TypeKind::Array { items, prefix_items } => {
            for (i, p) in prefix_items.iter().enumerate() {
                collect_fields(&format!("{prefix}[{i}]"), p, out, depth + 1);
            }
            collect_fields(&format!("{prefix}[]"), items, out, depth + 1);
        }
        TypeKind::Map { value, .. } => collect_fields(&format!("{prefix}{{}}"), value, out, depth + 1),
        TypeKind::Union { variants, union, .. } => {
            for (i, v) in variants.iter().enumerate() {
                let word = if *union == UnionKind::OneOf { "oneOf" } else { "anyOf" };
                collect_fields(&format!("{prefix}<{word}{i}>"), v, out, depth + 1);
            }
        }
        TypeKind::AllOf { members } => {
            for m in members {
                collect_fields(prefix, m, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn field_view(path: &str, f: &Field) -> FieldView {
    FieldView {
        path: path.to_string(),
        name: f.name.clone(),
        summary: f.ty.summary(),
        required: f.required,
        nullable: f.nullable(),
        constraints: f.ty.constraints().clone(),
        default: f.ty.default.as_deref().cloned(),
        deprecated: f.ty.deprecated,
        read_only: f.ty.read_only,
        write_only: f.ty.write_only,
        proto_number: f.proto.as_ref().map(|p| p.number),
        json_name: f.proto.as_ref().map(|p| p.json_name.clone()),
        proto_label: f.proto.as_ref().map(|p| p.label.clone()),
        aliases: f.aliases.clone(),
        description: f.ty.description.clone(),
        location: f.location.to_string(),
    }
}

/// Human-readable text: one block per contract.
pub fn render_text(report: &InspectReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Every line through `printable`: names come from users' files, and a control character or a
    // line break in one must not reach the terminal raw.
    let line = |out: &mut dyn std::io::Write, text: std::fmt::Arguments| {
        writeln!(out, "{}", crate::report::printable(&text.to_string()))
    };
    for c in report.contracts.0 {
        let c = &contract_view(c);
        let mut head = format!("{} ({}", c.name, c.format);
        if let Some(v) = c.format_version.as_deref().filter(|v| *v != c.format.as_str()) {
            head.push_str(&format!(" {v}"));
        }
        head.push(')');
        if let Some(v) = &c.version {
            head.push_str(&format!(" version {v}"));
        }
        line(out, format_args!("{head}  {}", c.files.join(", ")))?;
        if !c.operations.is_empty() {
            line(out, format_args!("  operations:"))?;
            for op in &c.operations {
                let id = op.operation_id.as_deref().unwrap_or("-");
                let hook = if op.webhook { " (webhook)" } else { "" };
                let dep = if op.deprecated { " deprecated" } else { "" };
                line(
                    out,
                    format_args!("    {} {}{hook}  {id}{dep}  {}", op.method, op.path, op.location),
                )?;
                for p in &op.parameters {
                    line(out, format_args!("      param {p}"))?;
                }
                if let Some(r) = &op.request {
                    line(out, format_args!("      request {r}"))?;
                }
                for r in &op.responses {
                    line(out, format_args!("      response {r}"))?;
                }
            }
        }
        if !c.rpcs.is_empty() {
            line(out, format_args!("  rpcs:"))?;
            for r in &c.rpcs {
                let cs = if r.client_streaming { "stream " } else { "" };
                let ss = if r.server_streaming { "stream " } else { "" };
                line(
                    out,
                    format_args!(
                        "    {}.{}({cs}{}) returns ({ss}{})  {}",
                        r.service, r.name, r.input, r.output, r.location
                    ),
                )?;
            }
        }
        for t in &c.types {
            let dep = if t.deprecated { " deprecated" } else { "" };
            line(
                out,
                format_args!("  {} {} [{}]{dep}  {}", t.declared_as, t.name, t.summary, t.location),
            )?;
            if !t.values.is_empty() && t.fields.is_empty() && t.kind == "enum" {
                line(out, format_args!("    values: {}", t.values.join(", ")))?;
            }
            // Columns as wide as their longest cell in this type, so long type names stay aligned.
            let rows: Vec<[String; 5]> = t
                .fields
                .iter()
                .map(|f| {
                    let mut flags = vec![if f.required { "required" } else { "optional" }];
                    if f.nullable {
                        flags.push("nullable");
                    }
                    if f.deprecated {
                        flags.push("deprecated");
                    }
                    if f.read_only {
                        flags.push("readOnly");
                    }
                    if f.write_only {
                        flags.push("writeOnly");
                    }
                    let mut extra = constraint_text(&f.constraints);
                    if let Some(n) = f.proto_number {
                        extra.push(format!("#{n}"));
                    }
                    if let Some(d) = &f.default {
                        extra.push(format!("default={d}"));
                    }
                    [
                        f.path.clone(),
                        f.summary.clone(),
                        flags.join(","),
                        extra.join(" "),
                        f.location.to_string(),
                    ]
                })
                .collect();
            let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
            let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
            for [path, summary, flags, extra, location] in &rows {
                line(
                    out,
                    format_args!("    {path:<w0$}  {summary:<w1$}  {flags:<w2$}  {extra:<w3$}  {location}"),
                )?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn constraint_text(c: &Constraints) -> Vec<String> {
    let value = serde_json::to_value(c).unwrap_or_default();
    let Some(map) = value.as_object() else {
        return Vec::new();
    };
    map.iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect()
}

//! OpenAPI 3.0 and 3.1 documents into a [`Contract`].
//!
//! Real-world specs are messy: this loads whatever is loadable and reports the rest as lint
//! findings rather than refusing the file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;

use super::SourceFile;
use super::schema::{Converter, Dialect, Doc, file_stem};
use super::tree::Node;
use crate::finding::Finding;
use crate::load::lint;
use crate::model::{
    Contract, Format, Header, Location, MediaType, Operation, Parameter, RequestBody, Response, SecurityRequirement,
    SecurityScheme, Type, TypeKind, TypeOrigin, path_shape, pointer_push, template_variables,
};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

pub fn load(source: &SourceFile, node: Node, root: &Path) -> (Contract, Vec<Finding>) {
    let version = node.get("openapi").and_then(|v| match &v.value {
        super::tree::Value::String(s) => Some(s.clone()),
        super::tree::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let mut findings = Vec::new();
    let dialect = match version.as_deref() {
        Some(v) if v.starts_with("3.0") => Dialect::OpenApi30,
        Some(v) if v.starts_with("3.1") => Dialect::OpenApi31,
        other => {
            let at = Location::new(
                source.display.clone(),
                "/openapi",
                node.get("openapi").map(|n| n.pos).unwrap_or(node.pos),
            );
            findings.push(Finding::new(
                &lint::INVALID_OPENAPI,
                format!(
                    "`openapi: {}` is not a version mapcheck reads (3.0.x or 3.1.x); reading it as 3.1",
                    other.unwrap_or("?")
                ),
                at,
            ));
            Dialect::OpenApi31
        }
    };
    let doc = Doc::new(source.clone(), node, String::new());
    let mut cx = Converter::new(doc, dialect, root.to_path_buf());
    cx.findings = findings;
    let main = cx.main.clone();
    let root_node = &main.node;

    let info = root_node.get("info");
    let title = info.and_then(|i| i.get("title")).and_then(Node::as_str);
    let mut contract = Contract::new(
        title.map(str::to_string).unwrap_or_else(|| file_stem(&source.path)),
        Format::Openapi,
        source.display.clone(),
    );
    contract.format_version = version;
    contract.version = info.and_then(|i| i.get("version")).and_then(|v| match &v.value {
        super::tree::Value::String(s) => Some(s.clone()),
        super::tree::Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    if info.is_none() {
        cx.report(
            &lint::INVALID_OPENAPI,
            "the document has no `info` object (title and version are required)",
            main.loc("", root_node.pos),
        );
    } else if contract.version.is_none() {
        cx.report(
            &lint::INVALID_OPENAPI,
            "`info.version` is required",
            main.loc("/info", info.map(|i| i.pos).unwrap_or(root_node.pos)),
        );
    }

    // Every component schema is a named type, used or not.
    if let Some(schemas) = root_node
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Node::as_map)
    {
        for name in schemas.keys() {
            cx.declare(&main, pointer_push("/components/schemas", name), TypeOrigin::Schema);
        }
    }

    let default_security = root_node
        .get("security")
        .map(|s| security(&mut cx, &main, s, "/security"));

    if let Some(paths) = root_node.get("paths") {
        match paths.as_map() {
            Some(m) => {
                for (path, entry) in m {
                    let pp = pointer_push("/paths", path);
                    if path.starts_with("x-") {
                        continue;
                    }
                    if !path.starts_with('/') {
                        cx.report(
                            &lint::INVALID_OPENAPI,
                            format!("path `{path}` must start with `/`"),
                            main.loc(&pp, entry.key_pos),
                        );
                    }
                    let ops = path_item(&mut cx, &main, path, &entry.value, &pp);
                    for op in &ops {
                        check_path_parameters(&mut cx, op);
                    }
                    contract.operations.extend(ops);
                }
            }
            None => cx.report(
                &lint::INVALID_OPENAPI,
                "`paths` must be an object",
                main.loc("/paths", paths.pos),
            ),
        }
    } else if root_node.get("webhooks").is_none() && root_node.get("components").is_none() {
        cx.report(
            &lint::INVALID_OPENAPI,
            "the document has none of `paths`, `webhooks` or `components`",
            main.loc("", root_node.pos),
        );
    }
    if let Some(hooks) = root_node.get("webhooks").and_then(Node::as_map) {
        for (name, entry) in hooks {
            let ops = path_item(&mut cx, &main, name, &entry.value, &pointer_push("/webhooks", name));
            contract.webhooks.extend(ops);
        }
    }
    for op in contract.operations.iter_mut().chain(contract.webhooks.iter_mut()) {
        if op.security.is_none() {
            op.security.clone_from(&default_security);
        }
    }
    if let Some(schemes) = root_node
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(Node::as_map)
    {
        for (name, entry) in schemes {
            let sp = pointer_push("/components/securitySchemes", name);
            let Some(target) = cx.follow(&main, &entry.value, &sp) else {
                continue;
            };
            let Some(n) = target.node() else { continue };
            let text = |k: &str| n.get(k).and_then(Node::as_str).map(str::to_string);
            let mut scopes: Vec<String> = Vec::new();
            if let Some(flows) = n.get("flows").and_then(Node::as_map) {
                for flow in flows.values() {
                    if let Some(s) = flow.value.get("scopes").and_then(Node::as_map) {
                        scopes.extend(s.keys().cloned());
                    }
                }
            }
            scopes.sort();
            scopes.dedup();
            let scheme_type = text("type").unwrap_or_default();
            if scheme_type.is_empty() {
                cx.report(
                    &lint::INVALID_OPENAPI,
                    format!("security scheme `{name}` has no `type`"),
                    target.doc.loc(&target.pointer, n.pos),
                );
            }
            contract.security_schemes.insert(
                name.clone(),
                SecurityScheme {
                    scheme_type,
                    scheme: text("scheme"),
                    name: text("name"),
                    location_in: text("in"),
                    scopes,
                    location: target.doc.loc(&target.pointer, n.pos),
                },
            );
        }
    }

    check_operation_ids(&mut cx, &contract.operations);
    check_ambiguous_paths(&mut cx, &contract.operations);
    cx.drain();
    contract.types = std::mem::take(&mut cx.types);
    for t in contract.types.values() {
        if !contract.files.iter().any(|f| **f == *t.location.file) {
            contract.files.push(t.location.file.to_string());
        }
    }
    (contract, cx.findings)
}

fn text_of(n: &Node, key: &str) -> Option<String> {
    n.get(key).and_then(Node::as_str).map(str::to_string)
}

fn path_item(cx: &mut Converter, doc: &Arc<Doc>, path: &str, node: &Node, pointer: &str) -> Vec<Operation> {
    let Some(target) = cx.follow(doc, node, pointer) else {
        return Vec::new();
    };
    let Some(item) = target.node() else { return Vec::new() };
    let doc = target.doc.clone();
    let pointer = target.pointer.clone();
    if item.as_map().is_none() {
        cx.report(
            &lint::INVALID_OPENAPI,
            format!("path item `{path}` must be an object"),
            doc.loc(&pointer, item.pos),
        );
        return Vec::new();
    }
    let shared = item
        .get("parameters")
        .map(|p| parameters(cx, &doc, p, &pointer_push(&pointer, "parameters")))
        .unwrap_or_default();
    let mut ops = Vec::new();
    // Document order, so listings follow the spec as written.
    let methods: Vec<&str> = item
        .as_map()
        .map(|m| m.keys().map(String::as_str).filter(|k| METHODS.contains(k)).collect())
        .unwrap_or_default();
    for method in methods {
        let Some(op_node) = item.get(method) else { continue };
        let op_pointer = pointer_push(&pointer, method);
        if op_node.as_map().is_none() {
            cx.report(
                &lint::INVALID_OPENAPI,
                format!("operation `{method} {path}` must be an object"),
                doc.loc(&op_pointer, op_node.pos),
            );
            continue;
        }
        ops.push(operation(cx, &doc, path, method, op_node, &op_pointer, &shared));
    }
    ops
}

fn operation(
    cx: &mut Converter,
    doc: &Arc<Doc>,
    path: &str,
    method: &str,
    node: &Node,
    pointer: &str,
    shared: &[Parameter],
) -> Operation {
    let mut params: Vec<Parameter> = shared.to_vec();
    if let Some(p) = node.get("parameters") {
        for param in parameters(cx, doc, p, &pointer_push(pointer, "parameters")) {
            // Operation-level parameters override path-level ones with the same name and location.
            params.retain(|q| !(q.name == param.name && q.location_in == param.location_in));
            params.push(param);
        }
    }
    let request_body = node.get("requestBody").and_then(|rb| {
        let rp = pointer_push(pointer, "requestBody");
        let target = cx.follow(doc, rb, &rp)?;
        let n = target.node()?;
        let content = content(cx, &target.doc, n, &target.pointer);
        Some(RequestBody {
            required: n.get("required").and_then(Node::as_bool).unwrap_or(false),
            content,
            location: target.doc.loc(&target.pointer, n.pos),
        })
    });
    let mut responses = IndexMap::new();
    if let Some(r) = node.get("responses") {
        let rp = pointer_push(pointer, "responses");
        if let Some(m) = r.as_map() {
            for (status, entry) in m {
                if status.starts_with("x-") {
                    continue;
                }
                let sp = pointer_push(&rp, status);
                if !valid_status(status) {
                    cx.report(
                        &lint::INVALID_OPENAPI,
                        format!("response key `{status}` is not a status code, a range like `4XX`, or `default`"),
                        doc.loc(&sp, entry.key_pos),
                    );
                }
                let Some(target) = cx.follow(doc, &entry.value, &sp) else {
                    continue;
                };
                let Some(n) = target.node() else { continue };
                let content = content(cx, &target.doc, n, &target.pointer);
                let mut headers = IndexMap::new();
                if let Some(h) = n.get("headers").and_then(Node::as_map) {
                    let hp = pointer_push(&target.pointer, "headers");
                    for (name, he) in h {
                        if let Some(header) = header(cx, &target.doc, &he.value, &pointer_push(&hp, name)) {
                            headers.insert(name.clone(), header);
                        }
                    }
                }
                responses.insert(
                    status.clone(),
                    Response {
                        description: text_of(n, "description"),
                        content,
                        headers,
                        location: target.doc.loc(&target.pointer, n.pos),
                    },
                );
            }
        }
    }
    let mut callbacks = IndexMap::new();
    if let Some(cb) = node.get("callbacks").and_then(Node::as_map) {
        let cp = pointer_push(pointer, "callbacks");
        for (name, entry) in cb {
            let Some(target) = cx.follow(doc, &entry.value, &pointer_push(&cp, name)) else {
                continue;
            };
            let Some(n) = target.node() else { continue };
            let mut ops = Vec::new();
            if let Some(exprs) = n.as_map() {
                for (expr, item) in exprs {
                    ops.extend(path_item(
                        cx,
                        &target.doc,
                        expr,
                        &item.value,
                        &pointer_push(&target.pointer, expr),
                    ));
                }
            }
            callbacks.insert(name.clone(), ops);
        }
    }
    let extensions = extensions_of(node);
    Operation {
        path: path.to_string(),
        method: method.to_string(),
        operation_id: text_of(node, "operationId"),
        summary: text_of(node, "summary"),
        tags: node
            .get("tags")
            .and_then(Node::as_seq)
            .map(|t| t.iter().filter_map(Node::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        deprecated: node.get("deprecated").and_then(Node::as_bool).unwrap_or(false),
        parameters: params,
        request_body,
        responses,
        security: node
            .get("security")
            .map(|s| security(cx, doc, s, &pointer_push(pointer, "security"))),
        callbacks,
        extensions,
        location: doc.loc(pointer, node.pos),
    }
}

fn valid_status(s: &str) -> bool {
    s == "default"
        || (s.len() == 3
            && s.as_bytes()[0].is_ascii_digit()
            && (s[1..].bytes().all(|b| b.is_ascii_digit()) || s[1..].eq_ignore_ascii_case("XX")))
}

fn parameters(cx: &mut Converter, doc: &Arc<Doc>, node: &Node, pointer: &str) -> Vec<Parameter> {
    let Some(list) = node.as_seq() else {
        cx.report(
            &lint::INVALID_OPENAPI,
            "`parameters` must be an array",
            doc.loc(pointer, node.pos),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let pp = pointer_push(pointer, &i.to_string());
        let Some(target) = cx.follow(doc, p, &pp) else { continue };
        let Some(n) = target.node() else { continue };
        let d = target.doc.clone();
        let loc = d.loc(&target.pointer, n.pos);
        let (Some(name), Some(location_in)) = (text_of(n, "name"), text_of(n, "in")) else {
            cx.report(&lint::INVALID_OPENAPI, "a parameter needs both `name` and `in`", loc);
            continue;
        };
        if !matches!(location_in.as_str(), "path" | "query" | "header" | "cookie") {
            cx.report(
                &lint::INVALID_OPENAPI,
                format!("parameter `{name}`: `in: {location_in}` must be path, query, header or cookie"),
                loc.clone(),
            );
        }
        let required = n.get("required").and_then(Node::as_bool).unwrap_or(false);
        if location_in == "path" && !required {
            cx.report(
                &lint::INVALID_OPENAPI,
                format!("path parameter `{name}` must have `required: true`"),
                loc.clone(),
            );
        }
        let schema = parameter_schema(cx, &d, n, &target.pointer);
        out.push(Parameter {
            name,
            location_in,
            required: required || n.get("in").and_then(Node::as_str) == Some("path"),
            style: text_of(n, "style"),
            explode: n.get("explode").and_then(Node::as_bool),
            deprecated: n.get("deprecated").and_then(Node::as_bool).unwrap_or(false),
            allow_empty_value: n.get("allowEmptyValue").and_then(Node::as_bool).unwrap_or(false),
            schema,
            extensions: extensions_of(n),
            location: loc,
        });
    }
    out
}

/// A parameter's or header's schema: `schema`, or the single media type of `content`.
fn parameter_schema(cx: &mut Converter, doc: &Arc<Doc>, n: &Node, pointer: &str) -> Type {
    if let Some(s) = n.get("schema") {
        return cx.schema(doc, s, &pointer_push(pointer, "schema"), 0);
    }
    if let Some(c) = n.get("content").and_then(Node::as_map)
        && let Some((media, entry)) = c.first()
        && let Some(s) = entry.value.get("schema")
    {
        let cp = pointer_push(&pointer_push(pointer, "content"), media);
        return cx.schema(doc, s, &pointer_push(&cp, "schema"), 0);
    }
    Type::new(TypeKind::Any, doc.loc(pointer, n.pos))
}

fn header(cx: &mut Converter, doc: &Arc<Doc>, node: &Node, pointer: &str) -> Option<Header> {
    let target = cx.follow(doc, node, pointer)?;
    let n = target.node()?;
    let schema = parameter_schema(cx, &target.doc, n, &target.pointer);
    Some(Header {
        required: n.get("required").and_then(Node::as_bool).unwrap_or(false),
        deprecated: n.get("deprecated").and_then(Node::as_bool).unwrap_or(false),
        schema,
        location: target.doc.loc(&target.pointer, n.pos),
    })
}

fn content(cx: &mut Converter, doc: &Arc<Doc>, n: &Node, pointer: &str) -> IndexMap<String, MediaType> {
    let mut out = IndexMap::new();
    let Some(c) = n.get("content") else { return out };
    let cp = pointer_push(pointer, "content");
    let Some(m) = c.as_map() else {
        cx.report(
            &lint::INVALID_OPENAPI,
            "`content` must be an object keyed by media type",
            doc.loc(&cp, c.pos),
        );
        return out;
    };
    for (media, entry) in m {
        let mp = pointer_push(&cp, media);
        let schema = match entry.value.get("schema") {
            Some(s) => cx.schema(doc, s, &pointer_push(&mp, "schema"), 0),
            None => Type::new(TypeKind::Any, doc.loc(&mp, entry.value.pos)),
        };
        out.insert(
            media.clone(),
            MediaType {
                schema,
                location: doc.loc(&mp, entry.key_pos),
            },
        );
    }
    out
}

fn security(cx: &mut Converter, doc: &Arc<Doc>, node: &Node, pointer: &str) -> Vec<SecurityRequirement> {
    let Some(list) = node.as_seq() else {
        cx.report(
            &lint::INVALID_OPENAPI,
            "`security` must be an array of requirement objects",
            doc.loc(pointer, node.pos),
        );
        return Vec::new();
    };
    list.iter()
        .filter_map(|req| {
            let m = req.as_map()?;
            Some(SecurityRequirement {
                schemes: m
                    .iter()
                    .map(|(k, e)| {
                        (
                            k.clone(),
                            e.value
                                .as_seq()
                                .map(|s| s.iter().filter_map(Node::as_str).map(str::to_string).collect())
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
            })
        })
        .collect()
}

fn check_path_parameters(cx: &mut Converter, op: &Operation) {
    let vars = template_variables(&op.path);
    for v in &vars {
        if !op.parameters.iter().any(|p| p.location_in == "path" && p.name == *v) {
            cx.report(
                &lint::UNDECLARED_PATH_PARAMETER,
                format!(
                    "`{} {}`: path variable `{{{v}}}` has no `in: path` parameter",
                    op.method.to_uppercase(),
                    op.path
                ),
                op.location.clone(),
            );
        }
    }
    for p in op.parameters.iter().filter(|p| p.location_in == "path") {
        if !vars.contains(&p.name.as_str()) {
            cx.report(
                &lint::UNUSED_PATH_PARAMETER,
                format!(
                    "`{} {}`: path parameter `{}` does not appear in the path",
                    op.method.to_uppercase(),
                    op.path,
                    p.name
                ),
                p.location.clone(),
            );
        }
    }
}

/// Two path templates that differ only in variable names (`/v1/{name}`, `/v1/{parent}`) are one
/// path to a server: which operation a request reaches is undefined. Reported once per later path.
fn check_ambiguous_paths(cx: &mut Converter, ops: &[Operation]) {
    let mut first: HashMap<String, &Operation> = HashMap::new();
    let mut reported: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for op in ops {
        if !op.path.contains('{') {
            continue;
        }
        let shape = path_shape(&op.path);
        match first.get(&shape) {
            Some(earlier) if earlier.path != op.path => {
                if reported.insert(op.path.as_str()) {
                    cx.report(
                        &lint::AMBIGUOUS_PATH,
                        format!(
                            "path `{}` differs from `{}` ({}) only in variable names: a request cannot tell them apart",
                            op.path, earlier.path, earlier.location
                        ),
                        op.location.clone(),
                    );
                }
            }
            Some(_) => {}
            None => {
                first.insert(shape, op);
            }
        }
    }
}

fn check_operation_ids(cx: &mut Converter, ops: &[Operation]) {
    let mut seen: HashMap<&str, &Operation> = HashMap::new();
    for op in ops {
        let Some(id) = op.operation_id.as_deref() else { continue };
        if let Some(first) = seen.get(id) {
            cx.report(
                &lint::DUPLICATE_OPERATION_ID,
                format!(
                    "operationId `{id}` of `{} {}` is already used by `{} {}` ({})",
                    op.method.to_uppercase(),
                    op.path,
                    first.method.to_uppercase(),
                    first.path,
                    first.location
                ),
                op.location.clone(),
            );
        } else {
            seen.insert(id, op);
        }
    }
}

/// A node's `x-*` extensions, sorted by name.
fn extensions_of(node: &Node) -> crate::model::JsonMap {
    let mut out: crate::model::JsonMap = node
        .as_map()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("x-"))
        .map(|(k, e)| (k.clone(), e.value.to_json()))
        .collect();
    out.sort_keys();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        assert!(valid_status("200") && valid_status("4XX") && valid_status("default"));
        assert!(!valid_status("20") && !valid_status("ok") && !valid_status("2é0"));
    }
}
